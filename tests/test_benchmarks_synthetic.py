"""The synthetic field-service day generator of ``benchmarks``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from benchmarks.synthetic import CITIES, SKILLS, make_problem
from solver.model import Priority, SlaMode
from solver.validation import validate


def _utc(hour: int, minute: int = 0) -> int:
    return int(datetime(2026, 11, 24, hour, minute, tzinfo=UTC).timestamp())


def test_same_seed_same_problem_other_seed_differs() -> None:
    assert make_problem(60, seed=7) == make_problem(60, seed=7)
    assert make_problem(60, seed=7) != make_problem(60, seed=8)


def test_sizes_and_default_fleet() -> None:
    problem = make_problem(120, seed=1)
    assert len(problem.orders) == 120
    assert len(problem.engineers) == 12
    assert len(make_problem(5, seed=1).engineers) == 1
    assert len(make_problem(50, seed=1, n_engineers=3).engineers) == 3
    assert len({o.id for o in problem.orders}) == 120
    assert len({e.id for e in problem.engineers}) == 12


def test_orders_are_a_plausible_day() -> None:
    problem = make_problem(400, seed=3)
    box = CITIES["porto"]
    for o in problem.orders:
        assert box.lat_min <= o.location.lat <= box.lat_max
        assert box.lng_min <= o.location.lng <= box.lng_max
        assert 20 * 60 <= o.service_duration_s <= 90 * 60
        assert len(o.required_skills) == 1
        assert o.required_skills[0].name in SKILLS and o.required_skills[0].min_level in (1, 2)
        assert o.create_time_s is not None and o.create_time_s <= _utc(8)
        assert o.sla_deadline_s == o.create_time_s + 4 * 3600
        assert o.sla_mode is SlaMode.SOFT
        for w in o.time_windows:
            assert w.end_s - w.start_s == 2 * 3600
            assert _utc(8) <= w.start_s and w.end_s <= _utc(17)
    with_window = sum(1 for o in problem.orders if o.time_windows)
    assert 0.15 * 400 < with_window < 0.45 * 400
    assert {o.priority for o in problem.orders} == set(Priority)


def test_engineers_have_skills_shift_and_lunch() -> None:
    problem = make_problem(100, seed=2)
    for e in problem.engineers:
        assert 1 <= len(e.skills) <= 3
        assert all(name in SKILLS and 1 <= level <= 3 for name, level in e.skills)
        (shift,) = e.shifts
        # Europe/Lisbon is UTC+0 in November: 08:00-17:00 local is 08:00-17:00 UTC.
        assert (shift.start_s, shift.end_s) == (_utc(8), _utc(17))
        (lunch,) = shift.breaks
        assert (lunch.earliest_start_s, lunch.latest_start_s) == (_utc(12), _utc(13, 30))
        assert lunch.duration_s == 30 * 60
        assert e.end_location == e.start_location
    # Every order has at least one qualified engineer.
    for o in problem.orders:
        need = o.required_skills[0]
        assert any(e.skill_level(need.name) >= need.min_level for e in problem.engineers)


def test_problem_passes_solver_validation() -> None:
    assert validate(make_problem(50, seed=4)) == []


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        make_problem(0)
    with pytest.raises(ValueError):
        make_problem(10, city="atlantis")


def test_backlog_and_slot_deadline_switches() -> None:
    """The switches the SLA-target benchmark uses: a shorter backlog, and appointments due at
    their slot's end; the default day is unchanged by them."""
    default = make_problem(300, seed=4)
    assert make_problem(300, seed=4, backlog_s=4 * 3600, slot_deadlines=False) == default
    day = make_problem(300, seed=4, backlog_s=2 * 3600, slot_deadlines=True)
    shift_start = day.engineers[0].shifts[0].start_s
    assert all(shift_start - 2 * 3600 <= o.create_time_s <= shift_start for o in day.orders)
    slotted = [o for o in day.orders if o.time_windows]
    assert slotted and all(o.sla_deadline_s == o.time_windows[0].end_s for o in slotted)
    assert all(o.sla_deadline_s == o.create_time_s + 4 * 3600 for o in day.orders if not o.time_windows)
    assert validate(day) == []
