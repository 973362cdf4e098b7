"""Writes the example requests: examples/porto-day.json, a realistic day in Porto built from the
synthetic generator, and examples/service-week.json, a week with the service-management rules.

200 work orders, 20 engineers, 3 skills (electrical, hvac, plumbing), SLA deadlines 4 h after
creation, lunch breaks and customer appointment slots. Two changes to the benchmark generator's
deliberately overloaded day make it a day a dispatcher could mostly meet: visits take 15–60 min,
and orders were raised between 04:00 and 13:00, so their deadlines fall across the day.

The service week: 250 orders over five days (Tuesday to Saturday) for 25 engineers, with
overtime (1 h at 40/h), 11 h rest, a 40 h week with hours already worked, fairness, parts on the
vans, expected first-time fix with a revisit cost, expiring certificates and follow-ups 3–7 days
after first visits (``benchmarks.service_rules``), with the SLA targets optimised.

Run from the project root: .venv/bin/python examples/make_examples.py
"""

from __future__ import annotations

import pathlib
from dataclasses import replace

import numpy as np
from google.protobuf import json_format

from benchmarks import service_rules
from benchmarks.synthetic import make_problem
from dispatch_service.convert import problem_to_request
from solver.model import SlaTargets, TargetMode

HERE = pathlib.Path(__file__).resolve().parent
SEED = 2026


def porto_day():
    problem = make_problem(200, seed=SEED, n_engineers=20, city="porto")
    rng = np.random.default_rng(SEED + 1)
    shift_start_s = problem.engineers[0].shifts[0].start_s
    orders = []
    for order in problem.orders:
        created_s = shift_start_s - 4 * 3600 + int(rng.integers(0, 9 * 60 + 1)) * 60
        orders.append(
            replace(
                order,
                service_duration_s=int(rng.integers(3, 13)) * 5 * 60,
                create_time_s=created_s,
                sla_deadline_s=created_s + 4 * 3600,
            )
        )
    options = replace(problem.options, time_limit_s=5.0)
    return replace(problem, orders=tuple(orders), options=options,
                   label="Porto, Tuesday 24 November 2026: 200 orders, 20 engineers")


def service_week():
    problem = service_rules.service_week(250, days=5, seed=SEED, time_limit_s=20.0)
    # The portfolio targets (overdue ≤ 5 %, mean response ≤ 2 h, on site within 4 h) optimised.
    targets = SlaTargets(overdue_mode=TargetMode.OPTIMISED, mean_response_mode=TargetMode.OPTIMISED,
                         max_response_mode=TargetMode.OPTIMISED)
    return replace(problem, options=replace(problem.options, sla_targets=targets),
                   label="Porto, service week from Tuesday 24 November 2026: 250 orders, 25 engineers, 5 days")


def main() -> None:
    for name, problem in (("porto-day", porto_day()), ("service-week", service_week())):
        request = problem_to_request(problem)
        (HERE / f"{name}.json").write_text(json_format.MessageToJson(request, indent=1) + "\n")


if __name__ == "__main__":
    main()
