"""Progress of a streamed solve on the terminal, with ``rich``: elapsed time, best objective and
orders served as the search improves (the stages of a map build are ``geo.mapbuild.Stages``).

On a terminal the solve is a live progress bar against the time limit; elsewhere (a log, a
pipe) it is one line per improvement, so the record reads the same afterwards. The console and
the clock are injectable: tests render into a string with a fake clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from dispatch_service.api.v1 import dispatch_pb2 as pb

Clock = Callable[[], float]


def served(plan: pb.SolveResponse) -> tuple[int, int]:
    """(orders served, orders in the request) of a plan."""
    visits = sum(len(r.visits) for r in plan.routes)
    return visits, visits + len(plan.unassigned_orders)


def describe(update: pb.SolveProgress) -> str:
    done, total = served(update.plan)
    stats = update.plan.stats
    return (f"{update.elapsed.ToTimedelta().total_seconds():6.1f} s  best {stats.objective:,.0f}  "
            f"served {done}/{total}  solution {stats.solutions_found}")


def follow_solve(updates: Iterable[pb.SolveProgress], console: Console, clock: Clock = time.monotonic,
                 auto_refresh: bool = True) -> pb.SolveResponse | None:
    """Shows each update of a SolveStream and returns the final plan (None if the stream ended
    without one). ``auto_refresh``: on a terminal, the elapsed time ticks between updates (a
    rich thread); tests turn it off and see one frame per update."""
    final: pb.SolveResponse | None = None
    if not console.is_terminal:
        for update in updates:
            console.print(("final  " if update.final else "       ") + describe(update), highlight=False)
            if update.final:
                final = update.plan
        return final
    columns = (
        TextColumn("[bold]solving"), BarColumn(), TimeElapsedColumn(),
        TextColumn("best {task.fields[objective]}"), TextColumn("served {task.fields[served]}"),
    )
    with Progress(*columns, console=console, get_time=clock, auto_refresh=auto_refresh and console.is_interactive, transient=False) as bar:
        task = bar.add_task("solve", total=None, objective="-", served="-")
        for update in updates:
            done, total = served(update.plan)
            limit_s = update.plan.stats.effective_time_limit.ToTimedelta().total_seconds()
            elapsed_s = update.elapsed.ToTimedelta().total_seconds()
            bar.update(task, total=limit_s or None, completed=limit_s if update.final else min(elapsed_s, limit_s),
                       objective=f"{update.plan.stats.objective:,.0f}", served=f"{done}/{total}")
            bar.refresh()
            if update.final:
                final = update.plan
    return final
