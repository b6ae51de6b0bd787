"""What changes today and why: the safety check, a gentle return after a break, each
exercise's variant and dose, the session's length; and which of those notices to say."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from voicecoach.core.adaptation.rules import Rules, load_rules
from voicecoach.core.adaptation.sessions import _ONE_DAY, _practice_days, _sessions_until
from voicecoach.core.adaptation.state import _seen_since, exercise_states
from voicecoach.core.plan import Adaptation, ExerciseAdjustment, Profile

# ------------------------------------------------------------------ catalog access


def _exercise(catalog: Any, ex_id: str) -> Any:
    """The catalog entry for `ex_id` (a mapping id -> Exercise, or an object with .get or
    .exercises), or None."""
    if catalog is None:
        return None
    for attr in ("get", "exercise", "by_id"):
        getter = getattr(catalog, attr, None)
        if callable(getter):
            try:
                found = getter(ex_id)
            except (KeyError, LookupError):
                found = None
            if found is not None:
                return found
    items = getattr(catalog, "exercises", catalog)
    if isinstance(items, Mapping):
        return items.get(ex_id)
    try:
        for ex in items:
            if getattr(ex, "id", None) == ex_id:
                return ex
    except TypeError:
        pass
    return None


def _names(catalog: Any, ex_id: str, variant: str) -> dict[str, str]:
    ex = _exercise(catalog, ex_id)
    name = getattr(ex, "name", None) or ex_id.replace("-", " ")
    v = getattr(ex, variant, None) if variant in ("easier", "harder") else None
    return {"exercise": ex_id, "name": name, "variant": getattr(v, "name", None) or variant,
            "how": getattr(v, "how", "") or ""}


# ------------------------------------------------------------------ session length


def grown_minutes(profile: Profile, sessions: Sequence, day: date, rules: Rules | None = None) -> int:
    """The session length for `day`: the profile's minutes plus a step for every full 7-day
    block (from the first practice day) with enough practice days, never above the goal."""
    rules = rules or load_rules()
    base, goal = profile.minutes, profile.goal_minutes
    if base >= goal:
        return base
    days = _practice_days(sessions, day)
    if not days:
        return base
    per_week = rules("weekly_growth", "practice_days_per_week")
    step = rules("weekly_growth", "minutes_per_week")
    first = days[0]
    weeks = 0
    for k in range((day - first).days // 7):
        lo = first.toordinal() + 7 * k
        if sum(lo <= d.toordinal() < lo + 7 for d in days) >= per_week:
            weeks += 1
    return min(goal, base + step * weeks)


# ------------------------------------------------------------------ adapt


def adapt(
    profile: Profile,
    sessions: Sequence,
    today: date,
    catalog: Any = None,
    rules: Rules | None = None,
) -> Adaptation:
    """Today's changes from the history (sessions on or before `today`; SessionSummary-like)."""
    rules = rules or load_rules()
    past = _sessions_until(sessions, today)
    notices: list[tuple[str, Mapping]] = []
    gentle = False

    # 1. A red flag last time: confirm a professional has seen them (never diagnose), in the
    #    person's own words when we have them.
    if past and past[-1].red_flags:
        flags = past[-1].red_flags
        urgent = any(f.urgent for f in flags)
        words = next((f.text for f in flags if f.urgent == urgent and f.text.strip()), "")
        key = ("notice_urgent" if urgent else "notice") + ("_said" if words else "")
        notices.append((rules("red_flag_check", key),
                        {"urgent": urgent, "said": second_person(words)}))
        gentle = gentle or rules("red_flag_check", "gentle")

    # 2. Back after a break: gentle, and welcomed without blame.
    days = _practice_days(past, today + _ONE_DAY)
    if days:
        away = (today - days[-1]).days
        if away >= rules("break_return", "days"):
            gentle = True
            notices.append((rules("break_return", "notice"), {"days": away}))

    # 3. Per exercise: pain steps down, easy-twice steps up.
    adjustments: dict[str, ExerciseAdjustment] = {}
    changes: list[tuple[int, str, tuple[str, Mapping]]] = []
    for ex_id, st in exercise_states(past, rules).items():
        if catalog is not None and _exercise(catalog, ex_id) is None:
            continue  # no longer in the catalog
        if (st.variant, st.dose) != ("standard", 1.0):
            adjustments[ex_id] = ExerciseAdjustment(st.variant, st.dose)  # type: ignore[arg-type]
        if st.change is None or _seen_since(past, ex_id, st.changed_at):
            continue
        data = _names(catalog, ex_id, st.variant)
        data["dose"] = st.dose
        data["from_variant"] = st.from_variant
        field_name = st.change
        if field_name == "notice_dose":
            ex = _exercise(catalog, ex_id)
            field_name = "notice_dose_reps" if getattr(ex, "hold_seconds", 1) is None else "notice_dose_hold"
        changes.append((st.changed_at, ex_id, (rules(st.rule, field_name), data)))
    notices.extend(n for _, _, n in sorted(changes, key=lambda c: (c[0], c[1])))

    # 4. Session length: grows week by week with steady practice, never above the goal.
    minutes = grown_minutes(profile, past, today, rules)
    if past and minutes > grown_minutes(profile, past, max(s.day for s in past), rules):
        reached = minutes >= profile.goal_minutes
        key = rules("weekly_growth", "notice_goal" if reached else "notice")
        notices.append((key, {"minutes": minutes, "goal": profile.goal_minutes}))

    return Adaptation(minutes=minutes, adjustments=adjustments, notices=tuple(notices),
                      gentle=gentle)


_YOU = {"i": "you", "i'm": "you're", "im": "you're", "me": "you", "my": "your", "mine": "yours",
        "myself": "yourself", "i've": "you've", "ive": "you've", "i'd": "you'd",
        "i'll": "you'll", "am": "are", "was": "were"}


def second_person(text: str) -> str:
    """The person's words as the coach repeats them: "my leg is going numb" -> "your leg is
    going numb". ("am"/"was" only change after "I".)"""
    words = re.findall(r"[\w']+", text.lower().replace("\u2019", "'"))
    out: list[str] = []
    for i, w in enumerate(words):
        if w in ("am", "was") and (i == 0 or words[i - 1] != "i"):
            out.append(w)
        else:
            out.append(_YOU.get(w, w))
    return " ".join(out)


def is_check(key: str, rules: Rules | None = None) -> bool:
    """A notice that is a safety check (said before anything else in the welcome)."""
    rules = rules or load_rules()
    return key in {v for k, v in rules.values["red_flag_check"].items() if k.startswith("notice")}


def notices_for_plan(adaptation: Adaptation, plan_ids: Iterable[str]) -> tuple[tuple[str, Mapping], ...]:
    """The notices worth saying before this plan: those about an exercise only when it is in
    the plan (a change to an exercise not done today is announced the next time it is)."""
    ids = set(plan_ids)
    return tuple((k, d) for k, d in adaptation.notices
                 if "exercise" not in d or d["exercise"] in ids)
