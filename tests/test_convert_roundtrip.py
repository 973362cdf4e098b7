"""Conversion is lossless: a problem sent as a request and read back is the same problem."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from dispatch_service import convert
from solver.model import Problem
from tests.test_rule_book import problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_orders=8))
def test_a_problem_survives_the_round_trip(problem: Problem) -> None:
    request = convert.problem_to_request(problem)
    back, violations = convert.request_to_problem(request)
    assert violations == []
    # The service fills in the geometry format; everything else comes back as sent.
    assert replace(back, options=replace(back.options, geometry_format=problem.options.geometry_format)) == problem
