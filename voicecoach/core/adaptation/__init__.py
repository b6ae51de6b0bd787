"""How the next session adapts to the ones before it: pure functions over the history.

    adapt(profile, sessions, today, catalog) -> Adaptation     what changes today, and why
    progress_summary(sessions, today) -> [(key, data), ...]     "how am I doing?" (2 sentences)
    streak(sessions, today) -> int                              practice days in a row

The rules' numbers and reasons are data (voicecoach/data/rules.yaml); every sentence is in
prompts/adaptation.yaml — here there are only prompt keys and their data.

Per exercise the state is a fold over the whole history, oldest session first (no hidden
state: the same history always gives the same plan): pain steps it down the variant ladder,
"easy" said in two sessions steps its dose, then its variant, up; "too hard" steps it down
like pain does, without the advice.

Parts: rules (rules.yaml), sessions (reading the history), state (the per-exercise
fold), today (adapt and its notices), progress (streak and pain trend).
"""

from __future__ import annotations

from voicecoach.core.adaptation.progress import (  # noqa: F401 - re-exported
    _fmt,
    pain_trend,
    progress_summary,
    streak,
)
from voicecoach.core.adaptation.rules import (  # noqa: F401 - re-exported
    _SCHEMA,
    RULES_PATH,
    Rules,
    _load,
    _load_default,
    load_rules,
)
from voicecoach.core.adaptation.sessions import (  # noqa: F401 - re-exported
    _ONE_DAY,
    _practice_days,
    _sessions_until,
)
from voicecoach.core.adaptation.state import (  # noqa: F401 - re-exported
    LADDER,
    ExerciseState,
    _seen_since,
    exercise_states,
)
from voicecoach.core.adaptation.today import (  # noqa: F401 - re-exported
    _YOU,
    _exercise,
    _names,
    adapt,
    grown_minutes,
    is_check,
    notices_for_plan,
    second_person,
)
