"""How an attempt is read from events (pure: runs without Django settings)."""

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from prototypes.player.attempts import (
    DIRECT,
    GAVE_UP,
    INDIRECT,
    TIMED_OUT,
    Link,
    Step,
    TaskPlan,
    distances_to_goal,
    summarize_attempt,
)

# 1 Home ─(10)→ 2 Orders ─(11)→ 3 Detail (goal);  1 Home ─(12)→ 4 Profile ─(13, back);
# 4 Profile ─(14)→ 2 Orders;  5 is an island.
LINKS = {
    10: Link(screen=1, target=2),
    11: Link(screen=2, target=3),
    12: Link(screen=1, target=4),
    13: Link(screen=4, target=None),
    14: Link(screen=4, target=2),
}
TASK = TaskPlan(id=1, start_screen=1, goal_screens=frozenset({3}))
DISTANCES = distances_to_goal(LINKS.values(), TASK.goal_screens)


UUIDS = itertools.count()


def steps(*rows):
    """Steps from (type, t_ms[, fields]) rows, each with a UUID of its own."""
    return [
        Step(
            uuid=f"{next(UUIDS):08d}", type=row[0], t_ms=row[1], **(row[2] if len(row) > 2 else {})
        )
        for row in rows
    ]


def summarize(events, task=TASK):
    return summarize_attempt(task, events, LINKS, DISTANCES)


DIRECT_RUN = steps(
    ("task_start", 0, {"screen": 1}),
    ("click", 1000, {"screen": 1, "hotspot": 10}),
    ("navigate", 1000, {"screen": 2}),
    ("click", 2000, {"screen": 2, "hotspot": 11}),
    ("navigate", 2000, {"screen": 3}),
    ("task_end", 2000, {"screen": 3, "data": {"reason": "goal"}}),
    ("answer", 5000, {"data": {"seq": 7}}),
)


def test_distances_count_clicks_to_the_nearest_goal():
    assert DISTANCES == {3: 0, 2: 1, 1: 2, 4: 2}


def test_the_shortest_route_is_a_direct_success():
    summary = summarize(DIRECT_RUN)

    assert summary.outcome == DIRECT
    assert (summary.started_ms, summary.ended_ms) == (0, 2000)
    assert summary.path == [1, 2, 3]
    assert (summary.clicks, summary.misclicks) == (2, 0)
    assert summary.first_click_success is True
    assert summary.seq == 7


def test_a_longer_route_is_an_indirect_success():
    summary = summarize(
        steps(
            ("task_start", 0, {"screen": 1}),
            ("click", 1000, {"screen": 1, "hotspot": 12}),
            ("navigate", 1000, {"screen": 4}),
            ("click", 2000, {"screen": 4, "hotspot": 14}),
            ("navigate", 2000, {"screen": 2}),
            ("click", 3000, {"screen": 2, "hotspot": 11}),
            ("navigate", 3000, {"screen": 3}),
            ("task_end", 3000, {"data": {"reason": "goal"}}),
        )
    )

    assert summary.outcome == INDIRECT
    assert summary.path == [1, 4, 2, 3]
    assert summary.first_click_success is False


def test_going_back_and_forth_is_indirect_even_if_short():
    summary = summarize(
        steps(
            ("task_start", 0, {"screen": 1}),
            ("navigate", 100, {"screen": 2}),
            ("navigate", 200, {"screen": 1}),
            ("navigate", 300, {"screen": 2}),
            ("navigate", 400, {"screen": 3}),
            ("task_end", 400, {"data": {"reason": "goal"}}),
        )
    )

    assert summary.outcome == INDIRECT


def test_an_expected_path_overrides_the_shortest_route():
    task = TaskPlan(id=1, start_screen=1, goal_screens=frozenset({3}), expected_path=(1, 4, 2, 3))

    assert summarize(DIRECT_RUN, task).outcome == INDIRECT
    assert summarize(DIRECT_RUN, task).first_click_success is False


def test_endings():
    start = steps(("task_start", 0, {"screen": 1}))
    timed_out = start + steps(("task_end", 9, {"data": {"reason": "timed_out"}}))
    gave_up = start + steps(("give_up", 8), ("task_end", 9, {"data": {"reason": "gave_up"}}))
    done_away = start + steps(("task_end", 9, {"data": {"reason": "done"}}))

    assert summarize(timed_out).outcome == TIMED_OUT
    assert summarize(gave_up).outcome == GAVE_UP
    assert summarize(done_away).outcome == GAVE_UP
    assert summarize(start).outcome == ""


def test_a_misclick_first_is_a_first_click_failure_and_is_counted():
    events = DIRECT_RUN[:1] + steps(("misclick", 500, {"screen": 1})) + DIRECT_RUN[1:]

    summary = summarize(events)

    assert summary.first_click_success is False
    assert (summary.clicks, summary.misclicks) == (2, 1)
    assert summary.outcome == DIRECT


def test_no_steps_no_attempt():
    assert summarize([]) is None


def test_without_a_task_start_the_attempt_starts_at_the_first_event():
    summary = summarize(DIRECT_RUN[1:])

    assert summary.started_ms == 1000
    assert summary.path == [1, 2, 3]


@given(st.randoms(use_true_random=False), st.integers(min_value=0, max_value=3))
def test_the_summary_does_not_depend_on_arrival_order_or_duplicates(rng, extra_copies):
    events = list(DIRECT_RUN) + steps(("misclick", 1500, {"screen": 2}))
    shuffled = events + [rng.choice(events) for _ in range(extra_copies)]
    rng.shuffle(shuffled)

    assert summarize(shuffled) == summarize(events)


def test_same_millisecond_events_are_ordered_as_recorded():
    # A click and the navigation it causes share a millisecond; the task_end on reaching the
    # goal shares it too.
    events = list(DIRECT_RUN)
    random.Random(3).shuffle(events)

    assert summarize(events).path == [1, 2, 3]
