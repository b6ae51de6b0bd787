"""One file (over 400 lines): one behaviour area - adaptation across sessions - whose
cases share the history builders, the real rules file and the prompts they are said with.

Adaptation across sessions: every rule in data/rules.yaml, what the coach says about it, the
"how am I doing?" answer, and a simulated month through the real store and the real planner."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from voicecoach.core.adaptation import (
    is_check,
    RULES_PATH, adapt, grown_minutes, load_rules, notices_for_plan, pain_trend, progress_summary,
    streak,
)
from voicecoach.core.catalog import load_catalog
from voicecoach.core.errors import DataFileError
from voicecoach.store.history import Event, History, PainReport, summarize
from voicecoach.core.plan import Profile
from voicecoach.core.prompts import Prompts

CATALOG = load_catalog()
PROMPTS = Prompts.load()
RULES = load_rules()
PROFILE = Profile("weak", "beginner", 12, 20)
D0 = date(2025, 3, 3)  # a Monday


def day(n: int) -> date:
    return D0 + timedelta(days=n)


_ids = iter(range(1, 10_000))


def S(n: int, *, done=(), pain=(), easy=(), red=None, before=None, after=None, plan=None,
      finished=True, hour=8):
    """A session on day n, built through the same fold the store uses. `done` items are ids or
    (id, variant); `pain` items likewise; `red` is (urgent, exercise)."""
    events, t = [], 1.0

    def ev(kind, data):
        nonlocal t
        t += 60.0
        events.append(Event(t, kind, data))

    def split(item):
        return item if isinstance(item, tuple) else (item, "standard")

    if before is not None:
        ev("pain_before", {"value": before})
    for item in pain:
        ex, v = split(item)
        ev("pain", {"exercise": ex, "variant": v})
    for item in done:
        ex, v = split(item)
        ev("exercise_done", {"exercise": ex, "variant": v})
    for ex in easy:
        ev("easy", {"exercise": ex})
    if red is not None:
        ev("red_flag", {"urgent": red[0], "text": "my leg is going numb", "exercise": red[1]})
    if after is not None:
        ev("pain_after", {"value": after})
    ids = [split(i)[0] for i in (*done, *pain)]
    row = {"id": next(_ids), "started": datetime.combine(day(n), datetime.min.time())
           .replace(hour=hour).isoformat(), "plan": json.dumps(plan if plan is not None else ids),
           "cause": "weak", "level": "beginner", "minutes_planned": 12, "ended": 1,
           "finished": int(finished), "minutes": 12.0, "profile_minutes": 12, "goal_minutes": 20}
    return summarize(row, events)


def said(adaptation) -> list[str]:
    return [PROMPTS.render(k, **d) for k, d in adaptation.notices]


def adj(adaptation, ex):
    a = adaptation.adjustments.get(ex)
    return (a.variant, a.dose) if a else ("standard", 1.0)


# ------------------------------------------------------------------ the rules file


def test_every_rule_has_a_reason_and_every_sentence_exists():
    assert set(RULES.why) == {"pain_easier", "easy_progress", "weekly_growth", "break_return",
                              "red_flag_check", "streak", "pain_trend", "too_hard"}
    assert all(len(why) > 80 for why in RULES.why.values())
    missing = [k for k in RULES.prompt_keys() if not PROMPTS.has(k)]
    assert missing == []


def test_a_broken_rules_file_names_the_file_line_and_field(tmp_path):
    text = RULES_PATH.read_text().replace("dose_factor: 1.2", "dose_factor: lots")
    bad = tmp_path / "rules.yaml"
    bad.write_text(text)
    with pytest.raises(DataFileError) as err:
        load_rules(bad)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "dose_factor" in l)
    assert f"{bad}:{line}" in str(err.value) and "easy_progress.dose_factor" in str(err.value)
    bad.write_text(text.replace("dose_factor: lots", "dose_factor: 9.0"))
    with pytest.raises(DataFileError, match="between"):
        load_rules(bad)


# ------------------------------------------------------------------ pain -> easier


def test_pain_makes_the_exercise_easier_next_time_and_the_coach_says_so():
    hist = [S(0, done=["cat-cow", "plank"], pain=["bridge"])]
    a = adapt(PROFILE, hist, day(1), CATALOG)
    assert adj(a, "bridge") == ("easier", 1.0)
    assert said(a) == ["Last time the bridge hurt, so today we'll do an easier version: "
                       "small bridge."]
    # Said once: after a session that had the bridge in it, no more notice, still easier.
    hist.append(S(1, done=[("bridge", "easier")]))
    a = adapt(PROFILE, hist, day(2), CATALOG)
    assert adj(a, "bridge") == ("easier", 1.0) and a.notices == ()


def test_the_notice_waits_for_a_day_the_exercise_is_in_the_plan():
    hist = [S(0, pain=["bridge"]), S(1, done=["plank"])]  # day 1's plan had no bridge
    a = adapt(PROFILE, hist, day(2), CATALOG)
    assert [d["exercise"] for _, d in a.notices] == ["bridge"]
    assert notices_for_plan(a, ["plank", "cat-cow"]) == ()
    assert notices_for_plan(a, ["bridge"]) == a.notices


def test_pain_in_the_easier_version_keeps_it_easier_and_suggests_a_physiotherapist():
    hist = [S(0, pain=["bridge"]), S(1, pain=[("bridge", "easier")])]
    a = adapt(PROFILE, hist, day(2), CATALOG)
    assert adj(a, "bridge") == ("easier", 1.0)
    [text] = said(a)
    assert "even in its easier version" in text and "physiotherapist" in text


def test_pain_in_the_harder_version_goes_back_to_the_regular_one():
    a = adapt(PROFILE, [S(0, pain=[("plank", "harder")])], day(1), CATALOG)
    assert adj(a, "plank") == ("standard", 1.0)
    assert said(a) == ["Last time the harder plank hurt, so today we're back to the regular "
                       "version."]


def test_a_red_flag_during_an_exercise_counts_as_pain_for_it():
    a = adapt(PROFILE, [S(0, done=[], red=(False, "superman"), plan=["superman"])], day(1), CATALOG)
    assert adj(a, "superman") == ("easier", 1.0)


# ------------------------------------------------------------------ easy twice -> up


def test_easy_once_changes_nothing_and_twice_in_one_session_counts_once():
    a = adapt(PROFILE, [S(0, done=["plank"], easy=["plank", "plank"])], day(1), CATALOG)
    assert adj(a, "plank") == ("standard", 1.0) and a.notices == ()


def test_easy_in_two_sessions_moves_up_dose_first_then_the_harder_variant():
    hist, seen = [], []
    for n in range(10):
        hist.append(S(n, done=["plank", "bridge"], easy=["plank", "bridge"]))
        a = adapt(PROFILE, hist, day(n + 1), CATALOG)
        seen.append(adj(a, "plank"))
        assert adj(a, "bridge") == adj(a, "plank")
        if n == 1:  # changes made by one session are said in exercise-id order
            assert said(a) == [
                "Twice now the bridge felt light for you, so today we'll add a few more "
                "repetitions.",
                "Twice now the plank felt light for you, so today we'll hold it a little longer.",
            ]
        if n == 5:
            assert "You've mastered the plank, so today we'll try the harder version: " \
                   "longer plank." in said(a)
    assert seen == [("standard", 1.0), ("standard", 1.2), ("standard", 1.2), ("standard", 1.44),
                    ("standard", 1.44), ("harder", 1.0), ("harder", 1.0), ("harder", 1.2),
                    ("harder", 1.2), ("harder", 1.44)]
    # The top of the ladder: more "easy" changes nothing.
    for n in range(10, 14):
        hist.append(S(n, done=["plank"], easy=["plank"]))
    assert adj(adapt(PROFILE, hist, day(15), CATALOG), "plank") == ("harder", 1.44)


def test_from_the_easier_version_easy_twice_goes_back_to_the_regular_one():
    hist = [S(0, pain=["bridge"]), S(1, done=[("bridge", "easier")], easy=["bridge"]),
            S(2, done=[("bridge", "easier")], easy=["bridge"])]
    a = adapt(PROFILE, hist, day(3), CATALOG)
    assert adj(a, "bridge") == ("standard", 1.0)
    assert said(a) == ["The easier bridge went well twice, so today we're back to the regular "
                       "version."]


def test_pain_wins_over_easy_in_the_same_session():
    hist = [S(0, done=["plank"], easy=["plank"]), S(1, pain=["plank"], easy=["plank"])]
    assert adj(adapt(PROFILE, hist, day(2), CATALOG), "plank") == ("easier", 1.0)


# ------------------------------------------------------------------ weekly growth


def test_the_session_grows_two_minutes_per_steady_week_and_stops_at_the_goal():
    hist = [S(n, done=["cat-cow"]) for n in range(70) if n % 7 in (0, 2, 4)]  # 3 days a week
    minutes = {n: adapt(PROFILE, [s for s in hist if s.day < day(n)], day(n), CATALOG).minutes
               for n in range(0, 70)}
    assert [minutes[7 * w] for w in range(10)] == [12, 14, 16, 18, 20, 20, 20, 20, 20, 20]
    assert all(minutes[n] <= PROFILE.goal_minutes for n in minutes)
    assert all(minutes[n] <= minutes[n + 1] for n in range(69))
    a = adapt(PROFILE, [s for s in hist if s.day < day(7)], day(7), CATALOG)
    assert said(a) == ["You've practised steadily, so today's session is a little longer: "
                       "14 minutes."]
    a = adapt(PROFILE, [s for s in hist if s.day < day(28)], day(28), CATALOG)
    assert said(a) == ["You've practised steadily, and today's session reaches your goal of "
                       "20 minutes."]
    # The day after a growth step there is nothing more to announce.
    assert adapt(PROFILE, [s for s in hist if s.day < day(8)], day(8), CATALOG).notices == ()


def test_a_thin_week_does_not_grow_the_session_nor_undo_growth():
    hist = [S(n, done=["cat-cow"]) for n in (0, 2, 4, 7, 9, 14, 16, 18)]  # 3, 2, 3 days
    assert grown_minutes(PROFILE, hist, day(21)) == 16
    assert grown_minutes(PROFILE, hist, day(14)) == 14


def test_a_session_already_at_or_past_the_goal_does_not_grow():
    hist = [S(n, done=["cat-cow"]) for n in range(21)]
    assert adapt(Profile("weak", "beginner", 20, 20), hist, day(21), CATALOG).minutes == 20
    assert adapt(Profile("weak", "beginner", 25, 20), hist, day(21), CATALOG).minutes == 25


def test_sessions_without_any_exercise_done_are_not_practice():
    hist = [S(n, done=[], plan=["cat-cow"]) for n in range(14)]
    assert grown_minutes(PROFILE, hist, day(14)) == 12
    assert streak(hist, day(13)) == 0


# ------------------------------------------------------------------ break, red flag


def test_a_return_after_four_days_starts_gentle_and_welcomes_back():
    hist = [S(0, done=["cat-cow"]), S(1, done=["cat-cow"])]
    assert adapt(PROFILE, hist, day(4), CATALOG).gentle is False  # 3 days: just rest days
    a = adapt(PROFILE, hist, day(5), CATALOG)
    assert a.gentle is True
    assert said(a) == ["Welcome back. It's been 4 days, which is fine. We'll begin gently today."]
    # A second session on the day of return is not welcomed again.
    hist.append(S(5, done=["cat-cow"]))
    assert adapt(PROFILE, hist, day(5), CATALOG).gentle is False


def test_a_red_flag_last_time_asks_to_see_a_professional_and_runs_gentle():
    a = adapt(PROFILE, [S(0, done=["cat-cow"], red=(False, None))], day(1), CATALOG)
    assert a.gentle
    [text] = said(a)
    assert "physiotherapist or doctor" in text and "gentle" in text
    a = adapt(PROFILE, [S(0, done=["cat-cow"], red=(True, None))], day(1), CATALOG)
    assert "urgent medical care" in said(a)[0]
    # Only the last session counts: a red flag two sessions ago was already talked about.
    hist = [S(0, done=["cat-cow"], red=(False, None)), S(1, done=["cat-cow"])]
    assert adapt(PROFILE, hist, day(2), CATALOG).gentle is False


def test_the_red_flag_check_repeats_the_persons_own_words():
    [text] = said(adapt(PROFILE, [S(0, done=["cat-cow"], red=(False, None))], day(1), CATALOG))
    assert "last time you mentioned your leg is going numb" in text.lower()
    assert "physiotherapist" in text and is_check(adapt(
        PROFILE, [S(0, red=(False, None))], day(1), CATALOG).notices[0][0])


def test_too_hard_steps_the_exercise_down_next_time_without_advice():
    hard = S(0, done=[("bridge", "easier")])
    hard = replace(hard, too_hard=(PainReport("bridge", "standard", 60.0),))
    a = adapt(PROFILE, [hard], day(1), CATALOG)
    assert adj(a, "bridge") == ("easier", 1.0)
    [text] = said(a)
    assert "too hard" in text and "physiotherapist" not in text
    from_harder = replace(S(0, done=[("plank", "harder")]),
                          too_hard=(PainReport("plank", "harder", 60.0),))
    assert adj(adapt(PROFILE, [from_harder], day(1), CATALOG), "plank") == ("standard", 1.0)


def test_the_coach_never_diagnoses_in_any_adaptation_sentence():
    for key in RULES.prompt_keys():
        text = PROMPTS.render(key, name="bridge", variant="small bridge", minutes=14, goal=20,
                              said="your leg is going numb",
                              days=5, streak=3, total=9, before=5, now=3).lower()
        for word in ("you have sciatica", "diagnos", "disc", "herniat", "you have a"):
            assert word not in text, (key, text)


# ------------------------------------------------------------------ how am I doing?


def test_streak_allows_one_rest_day_but_not_two():
    hist = [S(n, done=["cat-cow"]) for n in (0, 1, 3, 4, 6)]
    assert streak(hist, day(6)) == 5
    assert streak(hist, day(7)) == 5  # not practised yet today: yesterday still counts
    assert streak(hist, day(8)) == 5  # one rest day is fine
    assert streak(hist, day(9)) == 0  # two are a break
    hist = [S(n, done=["cat-cow"]) for n in (0, 1, 4, 5)]
    assert streak(hist, day(5)) == 2
    assert streak([], day(0)) == 0


def test_how_am_i_doing_is_two_sentences_streak_then_pain_trend():
    hist = [S(n, done=["cat-cow"], before=b) for n, b in
            enumerate([6, 6, 5, 6, 5, 4, 4, 3, 4, 3])]
    lines = [PROMPTS.render(k, **d) for k, d in progress_summary(hist, day(10))]
    assert lines == [
        "You're on a streak of 10 practice days, with 10 sessions in all.",
        "Your pain at the beginning of sessions has come down from about 6 to about 4 out of ten.",
    ]


def test_pain_trend_up_steady_and_not_yet_known():
    up = [S(n, done=["cat-cow"], before=b) for n, b in enumerate([2, 2, 3, 4, 4])]
    key, data = pain_trend(up, day(5))
    assert data["trend"] == "up" and "physiotherapist" in PROMPTS.render(key, **data)
    steady = [S(n, done=["cat-cow"], before=b) for n, b in enumerate([4, 5, 4, 4, 5, 4])]
    assert pain_trend(steady, day(6))[1]["trend"] == "steady"
    assert pain_trend(steady[:1], day(6))[1]["trend"] == "unknown"
    close = [S(n, done=["cat-cow"], before=b) for n, b in enumerate([5, 4, 4, 3])]
    key, data = pain_trend(close, day(4))
    assert PROMPTS.render(key, **data) == ("Your pain at the beginning of sessions has come "
                                           "down from about 4.5 to about 3.5 out of ten.")


def test_how_am_i_doing_before_any_session_and_after_a_break():
    [(k1, d1), (k2, d2)] = progress_summary([], day(0))
    assert PROMPTS.render(k1, **d1).startswith("We haven't had a session together yet")
    assert d2["trend"] == "unknown"
    hist = [S(0, done=["cat-cow"], before=3)]
    assert "haven't practised in the last few days" in PROMPTS.render(
        *progress_summary(hist, day(9))[0][:1], **progress_summary(hist, day(9))[0][1])


# ------------------------------------------------------------------ a simulated month


def simulate_month(db: Path, days: int = 30):
    """A person, 30 days, through the real store, adaptation and planner (fake dates only).

    Practises every day except Sundays, and is away on days 15-18 (back on a Saturday, day 19). Says the bridge hurts on
    day 1; calls the plank "easy" whenever it comes up; pain before sessions drifts from 6 to 3.
    Returns one record per day with what the coach planned and said.
    """
    from voicecoach.core.planner import plan_session

    profile = PROFILE
    log = []
    with History.open(db) as h:
        for n in range(days):
            today = day(n)
            if today.weekday() == 6 or 15 <= n <= 18:
                continue
            a = adapt(profile, h.sessions(), today, CATALOG)
            plan = plan_session(CATALOG, profile, a)
            ids = [i.exercise_id for i in plan.items]
            notices = notices_for_plan(a, ids)
            log.append({"day": n, "date": today, "minutes": a.minutes, "gentle": a.gentle,
                        "plan_seconds": plan.est_seconds,
                        "items": {i.exercise_id: i for i in plan.items},
                        "said": [PROMPTS.render(k, **d) for k, d in notices]})
            started = datetime.combine(today, datetime.min.time()).replace(hour=7, minute=30)
            sid = h.begin_session(started, ids, profile, a.minutes)
            t = 5.0
            h.record(sid, "pain_before", {"value": max(3, 6 - n // 7)}, t)
            for item in plan.items:
                t += item.est_seconds
                if n == 1 and item.exercise_id == "bridge":
                    h.record(sid, "pain", {"exercise": "bridge", "variant": item.variant}, t)
                    h.record(sid, "exercise_skipped", {"exercise": "bridge"}, t + 1)
                    continue
                h.record(sid, "exercise_done", {"exercise": item.exercise_id,
                                                "variant": item.variant}, t)
                if item.exercise_id == "plank":
                    h.record(sid, "easy", {"exercise": "plank"}, t + 1)
            h.record(sid, "pain_after", {"value": max(2, 5 - n // 7)}, t + 20)
            h.end_session(sid, True, t / 60)
        sessions = h.sessions()
    return log, sessions


def test_a_simulated_month_adapts_as_the_rules_say(tmp_path):
    from voicecoach.cli.history import history_json

    log, sessions = simulate_month(tmp_path / "h.sqlite3")
    by_day = {r["day"]: r for r in log}
    # Day 1 the bridge hurt: day 2 it is the easier version, and the coach says why, once.
    assert by_day[1]["items"]["bridge"].variant == "standard"
    assert by_day[2]["items"]["bridge"].variant == "easier"
    assert any("Last time the bridge hurt" in s for s in by_day[2]["said"])
    assert not any("bridge hurt" in s for r in log if r["day"] > 2 for s in r["said"])
    # The plank, called easy every time: longer holds, then the harder variant.
    plank = [(r["day"], r["items"]["plank"]) for r in log if "plank" in r["items"]]
    assert plank[0][1].variant == "standard"
    holds = [i.hold_seconds for _, i in plank if i.variant == "standard"]
    assert max(holds) > holds[0]
    assert any(i.variant == "harder" for _, i in plank)
    # Session length: grows with steady weeks, never above the goal, never shrinks.
    minutes = [r["minutes"] for r in log]
    assert minutes[0] == 12 and max(minutes) > 12
    assert all(m <= PROFILE.goal_minutes for m in minutes)
    assert minutes == sorted(minutes)
    # Back on day 19 after five days away: gentle, welcomed back, plan still fits its minutes.
    back = by_day[19]
    assert back["gentle"] and any(s.startswith("Welcome back") for s in back["said"])
    assert not any(r["gentle"] for r in log if r["day"] != 19)
    for r in log:
        assert abs(r["plan_seconds"] / 60 - r["minutes"]) <= 0.1 * r["minutes"] + 0.01
    # And the history shows it.
    doc = history_json(sessions, day(30))
    assert len(doc["sessions"]) == len(log)
    assert doc["sessions"][1]["pain_reports"][0]["exercise"] == "bridge"
    assert doc["sessions"][2]["variants"]["bridge"] == "easier"
    assert doc["streak"] == 9  # days 19-29 less the two Sundays (rest days are fine)
    summary = [PROMPTS.render(k, **d) for k, d in progress_summary(sessions, day(30))]
    assert summary[0] == "You're on a streak of 9 practice days, with 22 sessions in all."
    assert "come down" in summary[1]
