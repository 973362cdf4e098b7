"""Run benchmark tasks, each in a fresh worker process.

Why a fresh process per solve: peak RSS is a per-process high-water mark, so only a new
process measures one solve's memory; a crash (OR-Tools can abort the process) costs one
record, not the run; and the solve holds the GIL, so the parent stays responsive to enforce
a deadline. The ``spawn`` start method keeps the worker free of the parent's state.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import resource
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import Record

SOLVERS: tuple[str, ...] = ("dispatch", "pyvrp", "vroom")  # peers: benchmarks.peers (VRPTW), benchmarks.skills_day
# OR-Tools does not honour the time limit in its first-solution phase, so the parent waits
# well beyond the limit before declaring a worker stuck.
TIMEOUT_FACTOR = 5.0
TIMEOUT_MARGIN_S = 120.0


@dataclass(frozen=True)
class Task:
    """One solve to run. Exactly one of ``path`` (a VRPTW file) and ``n_orders`` (synthetic)."""

    suite: str
    instance: str
    time_limit_s: float
    solver: str = "dispatch"
    path: str | None = None
    n_orders: int | None = None
    seed: int = 0
    address: str | None = None  # synthetic only: the dispatch gRPC service, None = start one
    city: str = "porto"  # realistic only: ``benchmarks.synthetic.CITIES``
    right_sized: bool = False  # realistic only: orders raised through the day, fleet n // 8

    @property
    def timeout_s(self) -> float:
        return TIMEOUT_FACTOR * self.time_limit_s + TIMEOUT_MARGIN_S


def run_task(task: Task) -> Record:
    """Run ``task`` in this process. Errors become a record with ``error`` set."""
    record = Record(
        suite=task.suite, instance=task.instance, solver=task.solver, time_limit_s=task.time_limit_s
    )
    try:
        if task.solver not in SOLVERS:
            raise ValueError(f"unknown solver {task.solver!r}; known: {', '.join(SOLVERS)}")
        if task.suite == "skills":
            _solve_skills(task, record)
        elif task.suite == "realistic":
            _solve_realistic(task, record)
        elif task.path is not None and task.solver != "dispatch":
            _solve_peer(task, record)
        elif task.path is not None:
            _solve_vrptw(task, record)
        elif task.n_orders is not None:
            _solve_synthetic(task, record)
        else:
            raise ValueError("a task needs a path or n_orders")
    except Exception as exc:  # noqa: BLE001 - a benchmark reports failures, it does not stop
        record.error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)
    record.peak_rss_mb = _peak_rss_mb()
    return record


def _solve_vrptw(task: Task, record: Record) -> None:
    from benchmarks.instances import find_best_known, read_instance
    from benchmarks.vrptw_problem import plan_routes, to_matrices, to_problem
    from solver.solve import solve

    assert task.path is not None
    instance = read_instance(task.path)
    best = find_best_known(task.path)
    problem = to_problem(instance, task.time_limit_s, random_seed=task.seed)
    matrices = to_matrices(instance, problem)
    record.n_orders = instance.n_customers
    record.fleet = instance.fleet_size

    started = time.perf_counter()
    plan = solve(problem, matrices)
    record.wall_s = time.perf_counter() - started
    _copy_stats(plan, record)

    _score(instance, best, plan_routes(plan), record)


def _solve_peer(task: Task, record: Record) -> None:
    """A peer solver on a VRPTW file, scored by the same evaluator as dispatch."""
    from benchmarks.instances import find_best_known, read_instance
    from benchmarks.peers import SOLVE

    assert task.path is not None
    instance = read_instance(task.path)
    best = find_best_known(task.path)
    record.n_orders = instance.n_customers
    record.fleet = instance.fleet_size
    result = SOLVE[task.solver](instance, task.time_limit_s, task.seed)
    record.wall_s = result.wall_s
    record.first_feasible_s = result.first_feasible_s
    _score(instance, best, result.routes, record)


def _score(instance, best, routes, record: Record) -> None:
    """Cost, feasibility and gap of ``routes``, the same way for every solver."""
    from benchmarks.evaluate import evaluate, gap_pct
    from benchmarks.instances import CostConvention

    # Feasibility with exact floats whatever the best-known convention: exact travel is never
    # shorter than truncated travel, so this is the stricter check.
    evaluation = evaluate(instance, routes)
    convention = best.convention if best is not None else CostConvention.EXACT
    served = sum(len(r) for r in routes)
    record.vehicles = evaluation.vehicles
    record.unassigned = instance.n_customers - served
    record.feasible = evaluation.feasible and served == instance.n_customers
    record.violations = list(evaluation.violations)
    record.cost_convention = convention.value
    record.cost = evaluation.cost(convention) if evaluation.vehicles else None
    if best is not None:
        record.best_known = best.distance
        record.best_known_source = best.source
    # A gap is only meaningful for a plan that serves everyone within the rules.
    record.gap_pct = gap_pct(record.cost, record.best_known) if record.feasible else None


def _solve_synthetic(task: Task, record: Record) -> None:
    from benchmarks.synthetic import make_problem
    from benchmarks.synthetic_grpc import time_solve

    assert task.n_orders is not None
    problem = make_problem(task.n_orders, seed=task.seed, time_limit_s=task.time_limit_s)
    record.n_orders = len(problem.orders)
    record.fleet = len(problem.engineers)
    timed = time_solve(problem, task.address)
    record.wall_s = timed.wall_s
    _copy_stats(timed.plan, record)
    record.vehicles = sum(1 for route in timed.plan.routes if route.visits)
    # No independent checker for skills, breaks and SLAs yet: the objective is the cost.
    record.cost = timed.plan.stats.objective
    record.cost_convention = "objective"


def _solve_skills(task: Task, record: Record) -> None:
    """The over-subscribed skills day; every solver's plan scored by the same checker."""
    from benchmarks import skills_day

    assert task.n_orders is not None
    problem = skills_day.make_problem(task.n_orders, seed=task.seed, time_limit_s=task.time_limit_s)
    matrices = skills_day.matrices(problem)
    record.n_orders = len(problem.orders)
    record.fleet = len(problem.engineers)
    if task.solver == "dispatch":
        routes = skills_day.solve_dispatch(problem, matrices)
    else:
        solve = {"pyvrp": skills_day.solve_pyvrp, "vroom": skills_day.solve_vroom}[task.solver]
        routes = solve(problem, matrices, task.time_limit_s, task.seed)
    check = skills_day.check_routes(problem, matrices, routes.by_engineer)
    record.wall_s = routes.wall_s
    record.first_feasible_s = routes.first_feasible_s
    record.objective = routes.objective
    record.unassigned = check.unserved
    record.vehicles = check.routes_used
    record.travel_s = check.travel_s
    record.violations = list(check.violations[:20])
    record.feasible = not check.violations
    # Orders served first, then travel: the unserved count is the cost people compare.
    record.cost = float(check.unserved)
    record.cost_convention = "unserved"


# Right-sized fleet for orders raised through the day: at 200 orders, 20 s, Lyon, n // 8 met
# overdue 0 % and mean response 1.75 h (n // 10 left 27 orders unserved).
RIGHT_SIZED_ORDERS_PER_ENGINEER = 8


def _solve_realistic(task: Task, record: Record) -> None:
    """A day from ``benchmarks.synthetic`` solved in this process, checked independently."""
    from benchmarks.plan_check import check_plan
    from benchmarks.synthetic import make_problem
    from benchmarks.synthetic_grpc import time_solve

    assert task.n_orders is not None
    problem = make_problem(
        task.n_orders,
        seed=task.seed,
        city=task.city,
        time_limit_s=task.time_limit_s,
        n_engineers=task.n_orders // RIGHT_SIZED_ORDERS_PER_ENGINEER if task.right_sized else None,
        raised_through_day=task.right_sized,
    )
    record.n_orders = len(problem.orders)
    record.fleet = len(problem.engineers)
    timed = time_solve(problem, in_process=True)
    plan = timed.plan
    assert timed.matrices is not None
    check = check_plan(problem, timed.matrices, plan)  # type: ignore[arg-type]
    record.wall_s = timed.wall_s
    _copy_stats(plan, record)
    record.vehicles = sum(1 for route in plan.routes if route.visits)
    record.cost = plan.stats.objective
    record.cost_convention = "objective"
    record.travel_s = check.travel_s
    record.on_time_rate = check.on_time_rate
    record.overdue_rate = check.overdue_rate
    record.mean_response_s = check.mean_response_s
    record.violations = list(check.violations[:20])
    record.feasible = not check.violations


def _copy_stats(plan: object, record: Record) -> None:
    stats = plan.stats  # type: ignore[attr-defined]
    record.first_feasible_s = stats.first_solution_s
    record.solver_total_s = stats.total_s
    record.objective = stats.objective
    record.status = stats.status.value
    record.unassigned = len(plan.unassigned)  # type: ignore[attr-defined]


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    # Over gRPC the solve runs in the server's worker process, a child of this one once ended.
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def _worker(task: Task, connection: multiprocessing.connection.Connection) -> None:
    try:
        connection.send(run_task(task))
    finally:
        connection.close()


def run_isolated(task: Task) -> Record:
    """Run ``task`` in a fresh spawned process and return its record."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    # Not daemonic: a synthetic solve starts its own server, whose workers are its children.
    process = context.Process(target=_worker, args=(task, sender), daemon=False)
    process.start()
    sender.close()  # so that the receiver sees EOF if the worker dies
    record: Record | None = None
    try:
        if receiver.poll(task.timeout_s):
            record = receiver.recv()
    except EOFError:
        record = None
    finally:
        receiver.close()
    if record is None:
        if process.is_alive():
            process.kill()  # our own worker, past its deadline
            reason = f"no result within {task.timeout_s:g} s; worker killed"
        else:
            reason = "worker died without a result"
        process.join()
        return Record(
            suite=task.suite,
            instance=task.instance,
            solver=task.solver,
            time_limit_s=task.time_limit_s,
            error=f"{reason} (exit code {process.exitcode})",
        )
    process.join()
    return record


def run_all(
    tasks: Iterable[Task],
    isolate: bool = True,
    on_record: Callable[[Record], None] | None = None,
) -> list[Record]:
    """Run tasks one at a time (concurrent solves would share the cores and skew timings)."""
    records = []
    for task in tasks:
        record = run_isolated(task) if isolate else run_task(task)
        records.append(record)
        if on_record is not None:
            on_record(record)
    return records


def vrptw_tasks(
    paths: Iterable[Path],
    time_limits_s: Iterable[float],
    solvers: Iterable[str],
    suite: str | None = None,
    seed: int = 0,
) -> list[Task]:
    """Tasks ordered by time limit, then instance, so short runs report first."""
    paths = list(paths)
    return [
        Task(
            suite=suite or _suite_name(path),
            instance=path.stem,
            time_limit_s=limit,
            solver=solver,
            path=str(path),
            seed=seed,
        )
        for limit in time_limits_s
        for path in paths
        for solver in solvers
    ]


def _suite_name(path: Path) -> str:
    # Folders named by size ("homberger/1000") say little alone: keep their parent's name.
    folder = path.resolve().parent
    return f"{folder.parent.name}/{folder.name}" if folder.name.isdigit() else folder.name


def synthetic_tasks(
    sizes: Iterable[int],
    time_limits_s: Iterable[float],
    solvers: Iterable[str],
    seed: int = 0,
    address: str | None = None,
) -> list[Task]:
    sizes = list(sizes)
    return [
        Task(
            suite="synthetic",
            instance=f"porto-n{n}-s{seed}",
            time_limit_s=limit,
            solver=solver,
            n_orders=n,
            seed=seed,
            address=address,
        )
        for limit in time_limits_s
        for n in sizes
        for solver in solvers
    ]


def skills_tasks(sizes: Iterable[int], time_limits_s: Iterable[float], solvers: Iterable[str], seeds: Iterable[int]) -> list[Task]:
    sizes, solvers, seeds = list(sizes), list(solvers), list(seeds)
    return [
        Task(suite="skills", instance=f"skills-n{n}-s{seed}", time_limit_s=limit, solver=solver, n_orders=n, seed=seed)
        for limit in time_limits_s
        for n in sizes
        for seed in seeds
        for solver in solvers
    ]


def realistic_tasks(
    sizes: Iterable[int], time_limits_s: Iterable[float], cities: Iterable[str], seeds: Iterable[int], right_sized: Iterable[bool]
) -> list[Task]:
    sizes, cities, seeds, variants = list(sizes), list(cities), list(seeds), list(right_sized)
    return [
        Task(
            suite="realistic",
            instance=f"{city}-n{n}-s{seed}" + ("-rs" if rs else ""),
            time_limit_s=limit,
            n_orders=n,
            seed=seed,
            city=city,
            right_sized=rs,
        )
        for limit in time_limits_s
        for rs in variants
        for n in sizes
        for city in cities
        for seed in seeds
    ]
