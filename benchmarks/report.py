"""Benchmark records, the markdown tables people read and the JSON machines read."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Record:
    """One (instance, solver, time limit) run. ``None`` means "not applicable / not measured"."""

    suite: str
    instance: str
    solver: str
    time_limit_s: float
    n_orders: int | None = None
    fleet: int | None = None  # vehicles / engineers available
    vehicles: int | None = None  # non-empty routes used
    cost: float | None = None  # VRPTW: recomputed distance; synthetic: solver objective
    cost_convention: str | None = None  # "exact" or "dimacs" (VRPTW); "objective" (synthetic)
    best_known: float | None = None
    best_known_source: str | None = None
    gap_pct: float | None = None
    feasible: bool | None = None  # VRPTW: independently checked; synthetic: not checked (None)
    violations: list[str] = field(default_factory=list)
    unassigned: int | None = None
    first_feasible_s: float | None = None  # solver-reported time to its first solution
    wall_s: float | None = None  # around the solve call (synthetic: including matrices)
    solver_total_s: float | None = None  # the solver's own total time
    status: str | None = None
    objective: float | None = None  # the solver's objective in its scaled integer units
    peak_rss_mb: float | None = None  # peak resident set of the worker process
    travel_s: int | None = None  # skills / realistic days: recomputed by the independent checker
    on_time_rate: float | None = None  # realistic days: of served orders with a deadline
    overdue_rate: float | None = None
    mean_response_s: float | None = None  # creation -> arrival, served orders
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _fmt_bool(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "NO")


def records_table(records: Sequence[Record]) -> str:
    header = (
        "| suite | instance | solver | limit s | n | veh | unassigned | cost | best known | gap % "
        "| feasible | first s | wall s | RSS MB |"
    )
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for r in records:
        feasible = "ERROR" if r.error else _fmt_bool(r.feasible)
        lines.append(
            f"| {r.suite} | {r.instance} | {r.solver} | {r.time_limit_s:g} "
            f"| {r.n_orders if r.n_orders is not None else '–'} "
            f"| {r.vehicles if r.vehicles is not None else '–'} "
            f"| {r.unassigned if r.unassigned is not None else '–'} "
            f"| {_fmt(r.cost)} | {_fmt(r.best_known)} | {_fmt(r.gap_pct)} | {feasible} "
            f"| {_fmt(r.first_feasible_s)} | {_fmt(r.wall_s)} | {_fmt(r.peak_rss_mb, 0)} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class SummaryRow:
    suite: str
    solver: str
    time_limit_s: float
    runs: int
    feasible: int  # runs checked feasible (VRPTW) or that returned a plan (synthetic)
    errors: int
    mean_gap_pct: float | None  # over runs with a gap (feasible, best known available)
    gaps: int
    median_wall_s: float | None
    max_peak_rss_mb: float | None


def summarize(records: Sequence[Record]) -> list[SummaryRow]:
    groups: dict[tuple[str, str, float], list[Record]] = {}
    for r in records:
        groups.setdefault((r.suite, r.solver, r.time_limit_s), []).append(r)
    rows = []
    for (suite, solver, limit), group in groups.items():
        gaps = [r.gap_pct for r in group if r.gap_pct is not None]
        walls = [r.wall_s for r in group if r.wall_s is not None]
        rss = [r.peak_rss_mb for r in group if r.peak_rss_mb is not None]
        rows.append(
            SummaryRow(
                suite=suite,
                solver=solver,
                time_limit_s=limit,
                runs=len(group),
                feasible=sum(
                    1 for r in group if not r.error and (r.feasible or r.feasible is None)
                ),
                errors=sum(1 for r in group if r.error),
                mean_gap_pct=statistics.fmean(gaps) if gaps else None,
                gaps=len(gaps),
                median_wall_s=statistics.median(walls) if walls else None,
                max_peak_rss_mb=max(rss) if rss else None,
            )
        )
    return rows


def summary_table(rows: Sequence[SummaryRow]) -> str:
    header = (
        "| suite | solver | limit s | runs | feasible | errors | mean gap % (n) "
        "| median wall s | max RSS MB |"
    )
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for s in rows:
        gap = f"{_fmt(s.mean_gap_pct)} ({s.gaps})" if s.gaps else "–"
        lines.append(
            f"| {s.suite} | {s.solver} | {s.time_limit_s:g} | {s.runs} | {s.feasible} "
            f"| {s.errors} | {gap} | {_fmt(s.median_wall_s)} | {_fmt(s.max_peak_rss_mb, 0)} |"
        )
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    """What a reader needs to compare runs across machines and commits."""
    meta: dict[str, Any] = {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": _cpu_count(),
        "argv": sys.argv[1:],
    }
    for package in ("ortools", "numpy", "grpcio"):
        meta[package] = _version(package)
    try:
        meta["git_commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        meta["git_commit"] = None
    return meta


def _cpu_count() -> int | None:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def _version(package: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def write_json(path: str | Path, records: Sequence[Record], meta: dict[str, Any]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "meta": meta,
        "summary": [asdict(row) for row in summarize(records)],
        "records": [r.to_dict() for r in records],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def days_tables(records: Sequence[Record]) -> str:
    """Side by side for the skills and realistic days ("" when neither ran).

    Skills day: one row per instance and limit, each solver's unserved orders, checked travel,
    wall time and peak memory. Realistic day: one row per instance and limit, with the objective's
    ratio to the same instance's longest run.
    """
    parts = []
    skills = [r for r in records if r.suite == "skills"]
    if skills:
        solvers = sorted({r.solver for r in skills}, key=lambda s: (s != "dispatch", s))
        header = "| instance | limit s | " + " | ".join(f"{s} unserved | {s} travel h | {s} wall s | {s} RSS MB" for s in solvers) + " |"
        lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
        # A failed run has no order count: rows go by instance, ordered by the size others saw.
        size = {r.instance: r.n_orders for r in skills if r.n_orders is not None}
        for key in sorted({(size.get(r.instance, 0), r.instance, r.time_limit_s) for r in skills}):
            row = {r.solver: r for r in skills if (r.instance, r.time_limit_s) == key[1:]}
            cells = []
            for s in solvers:
                r = row.get(s)
                if r is None or r.error:
                    cells.append("ERROR | – | – | –" if r is not None else "– | – | – | –")
                    continue
                unserved = f"{r.unassigned}" + ("" if r.feasible else " (INFEASIBLE)")
                travel = None if r.travel_s is None else r.travel_s / 3600
                cells.append(f"{unserved} | {_fmt(travel, 1)} | {_fmt(r.wall_s)} | {_fmt(r.peak_rss_mb, 0)}")
            lines.append(f"| {key[1]} | {key[2]:g} | " + " | ".join(cells) + " |")
        parts.append("Skills day (orders unserved first, then travel; checked by benchmarks.skills_day.check_routes)\n\n" + "\n".join(lines))
    days = [r for r in records if r.suite == "realistic" and not r.error]
    if days:
        longest = {}
        for r in days:
            if r.cost is not None and (r.instance not in longest or r.time_limit_s > longest[r.instance].time_limit_s):
                longest[r.instance] = r
        header = "| instance | limit s | objective | × longest | unassigned | on time | overdue | mean response h | checked | wall s |"
        lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
        for r in sorted(days, key=lambda r: (r.instance, r.time_limit_s)):
            ref = longest.get(r.instance)
            ratio = r.cost / ref.cost if ref is not None and r.cost is not None and ref.cost else None
            response = None if r.mean_response_s is None else r.mean_response_s / 3600
            lines.append(
                f"| {r.instance} | {r.time_limit_s:g} | {_fmt(r.cost, 0)} | {_fmt(ratio, 3)} ({ref.time_limit_s:g} s) | {r.unassigned} "
                f"| {_fmt(r.on_time_rate, 3)} | {_fmt(r.overdue_rate, 3)} | {_fmt(response)} | {_fmt_bool(r.feasible)} | {_fmt(r.wall_s)} |"
                if ref is not None else f"| {r.instance} | {r.time_limit_s:g} | – | – | {r.unassigned} | – | – | – | {_fmt_bool(r.feasible)} | {_fmt(r.wall_s)} |"
            )
        parts.append("Realistic days (objective of the solver; KPIs and rules from benchmarks.plan_check)\n\n" + "\n".join(lines))
    return "\n\n".join(parts)
