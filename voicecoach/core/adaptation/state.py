"""Where each exercise stands: its variant and dose, folded over the whole history (pain and
"too hard" step it down the ladder, "easy" in enough sessions steps it up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from voicecoach.core.adaptation.rules import Rules, load_rules

LADDER = ("easier", "standard", "harder")


@dataclass
class ExerciseState:
    """Where one exercise stands after folding the history."""

    variant: str = "standard"
    dose: float = 1.0
    easy_sessions: int = 0  # sessions with an "easy" since the last change
    change: str | None = None  # the notice field of the last change ("notice", ...)
    rule: str | None = None  # the rule that made it
    changed_at: int = -1  # index of the session whose events made the change
    from_variant: str = "standard"


def exercise_states(sessions: Sequence, rules: Rules | None = None) -> dict[str, ExerciseState]:
    """Fold the sessions (oldest first) into each exercise's variant and dose."""
    rules = rules or load_rules()
    need = rules("easy_progress", "easy_sessions")
    factor = rules("easy_progress", "dose_factor")
    cap = rules("easy_progress", "dose_cap")
    down = rules("pain_easier", "steps_down")
    states: dict[str, ExerciseState] = {}
    for i, s in enumerate(sessions):
        hurt: dict[str, str | None] = {}
        for report in s.pain_reports:
            if report.exercise:
                hurt.setdefault(report.exercise, report.variant)
        if rules("pain_easier", "red_flag_counts"):
            for flag in s.red_flags:
                if flag.exercise:
                    hurt.setdefault(flag.exercise, s.variants.get(flag.exercise))
        for ex_id, variant in hurt.items():
            st = states.setdefault(ex_id, ExerciseState())
            # The variant it hurt in (as reported), else where the fold says it stands.
            was = variant if variant in LADDER else st.variant
            new = LADDER[max(0, LADDER.index(was) - down)]
            st.from_variant = was
            if was == "easier":
                st.change = "notice_still_easiest"
            elif new == "standard":
                st.change = "notice_from_harder"
            else:
                st.change = "notice"
            st.variant, st.dose, st.easy_sessions = new, 1.0, 0
            st.rule, st.changed_at = "pain_easier", i
        too_hard: dict[str, str | None] = {}
        for report in s.too_hard:
            if report.exercise and report.exercise not in hurt:  # pain says it already
                too_hard.setdefault(report.exercise, report.variant)
        for ex_id, variant in too_hard.items():
            st = states.setdefault(ex_id, ExerciseState())
            was = variant if variant in LADDER else st.variant
            new = LADDER[max(0, LADDER.index(was) - rules("too_hard", "steps_down"))]
            st.from_variant, st.variant, st.dose, st.easy_sessions = was, new, 1.0, 0
            if new != was:  # already the easiest: nothing new to say
                st.change = "notice_from_harder" if new == "standard" else "notice"
                st.rule, st.changed_at = "too_hard", i
        for ex_id in dict.fromkeys(s.easy):  # once per session, whatever the count
            if ex_id in hurt or ex_id in too_hard:
                continue  # pain (or "too hard") wins over "easy" in the same session
            st = states.setdefault(ex_id, ExerciseState())
            st.easy_sessions += 1
            if st.easy_sessions < need:
                continue
            st.easy_sessions = 0
            st.from_variant = st.variant
            if st.variant == "easier":
                st.variant, st.dose, st.change = "standard", 1.0, "notice_standard"
            elif st.dose < cap - 1e-9:
                st.dose, st.change = round(min(cap, st.dose * factor), 2), "notice_dose"
            elif st.variant == "standard":
                st.variant, st.dose, st.change = "harder", 1.0, "notice_harder"
            else:
                continue  # the harder variant at the cap: the top of the ladder
            st.rule, st.changed_at = "easy_progress", i
    return states


def _seen_since(sessions: Sequence, ex_id: str, index: int) -> bool:
    """Was the exercise part of a session after `index` (so its change was announced)?"""
    for s in sessions[index + 1:]:
        if ex_id in s.plan or ex_id in s.exercises or ex_id in s.skipped:
            return True
    return False
