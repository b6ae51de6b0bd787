"""Yes or no from answers that mix or hum them ("yeah nah", "nah yeah", "uh-uh", "mm-hmm").

The last yes/no word of a short answer made only of such words decides; hummed answers are
read by their spelling. The word lists and why are in data/nlu/answers.yaml.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from voicecoach.core.errors import DataFileError
from voicecoach.understanding.datafile import read_yaml
from voicecoach.understanding.text import words

ANSWERS_PATH = Path(__file__).resolve().parents[1] / "data" / "nlu" / "answers.yaml"
MAX_WORDS = 6  # longer than this, it is a sentence for the classifier, not a bare answer


@dataclass(frozen=True)
class AnswerWords:
    yes: frozenset[str]
    no: frozenset[str]
    fillers: frozenset[str]
    hummed: dict[str, str]  # "uh uh" -> "no"


@functools.lru_cache(maxsize=4)
def answer_words(path: Path = ANSWERS_PATH) -> AnswerWords:
    data = read_yaml(path)
    keys = ("yes_words", "no_words", "fillers", "hummed_yes", "hummed_no")
    if not isinstance(data, dict) or any(not isinstance(data.get(k), list) for k in keys):
        raise DataFileError(str(path), f"needs the lists {', '.join(keys)}")
    for k in keys:
        odd = [w for w in data[k] if not isinstance(w, str)]
        if odd:  # a bare yes/no in YAML is a boolean: the word would silently be lost
            raise DataFileError(str(path), f"{k}: {odd[0]!r} is not a quoted word")
    hummed = {" ".join(words(h)): "yes" for h in data["hummed_yes"]}
    hummed.update({" ".join(words(h)): "no" for h in data["hummed_no"]})
    return AnswerWords(frozenset(data["yes_words"]), frozenset(data["no_words"]),
                       frozenset(data["fillers"]), hummed)


def mixed_answer(text: str, table: AnswerWords | None = None) -> str | None:
    """"yes" or "no" when `text` is a bare answer this module reads, else None.

    Only answers the rest of the parser gets wrong are read here: hummed ones, and those with
    both a yes word and a no word. A plain "yes please" stays the templates' to match."""
    table = table or answer_words()
    ws = words(text)
    if not ws or len(ws) > MAX_WORDS:
        return None
    joined = " ".join(ws)
    if joined in table.hummed:
        return table.hummed[joined]
    core = [w for w in ws if w not in table.fillers]
    if not core or any(w not in table.yes and w not in table.no for w in core):
        return None
    said = {("yes" if w in table.yes else "no") for w in core}
    if len(said) < 2:
        return None
    return "yes" if core[-1] in table.yes else "no"
