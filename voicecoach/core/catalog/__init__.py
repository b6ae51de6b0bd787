"""The exercise catalog: data a physiotherapist can edit (voicecoach/data/exercises.yaml).

types (Exercise, Variant), fields (YAML mapping and value checks), parse (the file into
exercises), names (the Catalog and its name matching); loading the file is here, so that
DEFAULT_PATH and the cached default can be replaced on this module.
"""

from __future__ import annotations

import functools
from pathlib import Path

from voicecoach.core.errors import DataFileError
# The value checks (_text, _positive_int, ...) are used only inside the package; the
# problem and mapping types are what a caller may meet.
from voicecoach.core.catalog.fields import _Fields, _Problem  # noqa: F401 - re-exported
from voicecoach.core.catalog.names import (  # noqa: F401 - re-exported
    _ACCEPT,
    _FILLERS,
    _MARGIN,
    Catalog,
    _spelled_sim,
    _token_sim,
)
from voicecoach.core.catalog.parse import (  # noqa: F401 - re-exported
    _OPTIONAL,
    _REQUIRED,
    _VARIANT_OPTIONAL,
    _VARIANT_REQUIRED,
    SIDES,
    _dose,
    _exercise,
    _parse,
    _rep_words,
    _variant,
)
from voicecoach.core.catalog.types import (  # noqa: F401 - re-exported
    KINDS,
    POSITIONS,
    Exercise,
    Kind,
    Position,
    Variant,
    normalise_name,
)

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "exercises.yaml"


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate the catalog (default: the packaged file, read once per process).

    Raises DataFileError naming the file, the line and the field of the first problem."""
    if path is None:
        return _load_default()
    return _load(Path(path))


@functools.lru_cache(maxsize=1)
def _load_default() -> Catalog:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataFileError(str(path), f"cannot read the file: {err}") from None
    try:
        exercises, names = _parse(text)
    except _Problem as p:
        raise DataFileError(str(path), p.problem, line=p.line, field=p.field or None) from None
    return Catalog(exercises, names)
