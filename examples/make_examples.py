"""Writes examples/porto-day.json: a realistic day in Porto built from the synthetic generator.

200 work orders, 20 engineers, 3 skills (electrical, hvac, plumbing), SLA deadlines 4 h after
creation, lunch breaks and customer appointment slots. Two changes to the benchmark generator's
deliberately overloaded day make it a day a dispatcher could mostly meet: visits take 15–60 min,
and orders were raised between 04:00 and 13:00, so their deadlines fall across the day.

Run from the project root: .venv/bin/python examples/make_examples.py
"""

from __future__ import annotations

import pathlib
from dataclasses import replace

import numpy as np
from google.protobuf import json_format

from benchmarks.synthetic import make_problem
from dispatch_service.convert import problem_to_request

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


def main() -> None:
    request = problem_to_request(porto_day())
    (HERE / "porto-day.json").write_text(json_format.MessageToJson(request, indent=1) + "\n")


if __name__ == "__main__":
    main()
