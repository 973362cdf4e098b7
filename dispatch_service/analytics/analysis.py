"""The whole analysis of a checked history: faults, areas, targets, standby positions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import h3
import numpy as np
import pandas as pd

from dispatch_service.analytics import areas, faults, standby, targets

# The result's fields are named like these modules; their types are imported by name.
from dispatch_service.analytics.areas import CellStat
from dispatch_service.analytics.faults import FaultStat, ModelStat
from dispatch_service.analytics.records import DAY_S, TIME_COLUMNS, CheckedHistory, RecordError
from dispatch_service.analytics.standby import StandbyPosition
from dispatch_service.analytics.targets import KpiRow, Targets

# Finer cells (edge under 66 m) say nothing more about where to keep engineers, and a city then
# has hundreds of thousands of them: Gi*, the response and the map grow with the cell count.
MAX_H3_RESOLUTION = 10


@dataclass(frozen=True)
class AnalysisOptions:
    h3_resolution: int = 8  # 0-MAX_H3_RESOLUTION; 8: cells of about 0.74 km²
    period_days: float = 28.0  # trend: the last period against the one before
    repeat_window_days: float = 30.0  # a failure of the same asset within this is a repeat
    hotspot_variable: str = "demand_per_day"  # one of areas.HOTSPOT_VARIABLES
    hotspot_alpha: float = 0.05  # false-discovery rate of the hot/cold classification
    top_faults: int = 20
    standby_count: int = 5  # positions to suggest; 0: none
    shift_hours: float = 8.0  # for stock per shift
    as_of_s: float | None = None  # Unix s; default: the latest time in the history
    targets: Targets = field(default_factory=Targets)

    def violations(self) -> list[tuple[str, str]]:
        """(field, rule) for every option out of range."""
        out = []
        if not 0 <= self.h3_resolution <= MAX_H3_RESOLUTION:
            out.append(("h3_resolution", f"must be in [0, {MAX_H3_RESOLUTION}], got {self.h3_resolution}"))
        for name, value, low, high in (
            ("period_days", self.period_days, 1, 366), ("repeat_window_days", self.repeat_window_days, 1, 366),
            ("hotspot_alpha", self.hotspot_alpha, 1e-6, 0.5), ("shift_hours", self.shift_hours, 1, 24),
        ):
            if not (math.isfinite(value) and low <= value <= high):
                out.append((name, f"must be in [{low:g}, {high:g}], got {value}"))
        if self.hotspot_variable not in areas.HOTSPOT_VARIABLES:
            out.append(("hotspot_variable", f"must be one of {', '.join(areas.HOTSPOT_VARIABLES)}, got {self.hotspot_variable!r}"))
        if not 1 <= self.top_faults <= 1_000:
            out.append(("top_faults", f"must be in [1, 1000], got {self.top_faults}"))
        if not 0 <= self.standby_count <= 200:
            out.append(("standby_count", f"must be in [0, 200], got {self.standby_count}"))
        return out


@dataclass(frozen=True)
class Summary:
    records_received: int
    records_analysed: int
    records_rejected: int
    failures: int  # analysed records that are not follow-up visits
    follow_ups: int
    first_created_s: float | None
    as_of_s: float | None
    days: float  # span of the history (at least 1)
    # Valid records created after ``as_of`` (when given): left out, the history is cut there.
    records_after_as_of: int = 0


@dataclass(frozen=True)
class Analysis:
    summary: Summary
    errors: tuple[RecordError, ...]
    error_counts: tuple[tuple[str, str, int], ...]  # (field, rule, records), most frequent first
    faults: tuple[FaultStat, ...]
    models: tuple[ModelStat, ...]
    cells: tuple[CellStat, ...]
    kpis: tuple[KpiRow, ...]
    standby: tuple[StandbyPosition, ...]
    options: AnalysisOptions


def analyze(history: CheckedHistory, options: AnalysisOptions = AnalysisOptions()) -> Analysis:
    """Faults, risk cells, KPIs and standby positions of the valid records of ``history``
    (options are assumed checked: see ``AnalysisOptions.violations``)."""
    r = history.records
    after = 0
    if options.as_of_s is not None:
        # The history as it stood at as_of: later orders do not exist yet, later events have not
        # happened yet (an order completed after as_of was still open then).
        later = (r["created_s"] > options.as_of_s).to_numpy()
        after = int(later.sum())
        r = r.loc[~later].reset_index(drop=True)
        for col in ("arrived_s", "completed_s", "closed_s"):
            v = r[col].to_numpy()
            with np.errstate(invalid="ignore"):
                r[col] = np.where(v > options.as_of_s, np.nan, v)
    error_counts = tuple(sorted(((f, rule, n) for (f, rule), n in history.error_counts.items()), key=lambda x: (-x[2], x[0], x[1])))
    is_follow_up = (r["follow_up_of"] != "").to_numpy()
    times = np.column_stack([r[c].to_numpy() for c in TIME_COLUMNS if c != "sla_deadline_s"]) if len(r) else np.empty((0, 1))
    latest = float(np.nanmax(times)) if len(r) else None
    as_of = options.as_of_s if options.as_of_s is not None else latest
    first = float(r["created_s"].min()) if len(r) else None
    days = max(1.0, ((as_of - first) / DAY_S) if first is not None and as_of is not None else 1.0)
    summary = Summary(
        history.total, len(r), history.rejected, int((~is_follow_up).sum()), int(is_follow_up.sum()), first, as_of, days, after
    )
    if len(r) == 0:
        return Analysis(summary, history.errors, error_counts, (), (), (), (), (), options)
    assert as_of is not None  # records have creation times, so there is a latest time

    # Low-cardinality text as categories: each is grouped several times below.
    frame = r.assign(
        is_follow_up=is_follow_up, fault_code=r["fault_code"].astype("category"), asset_model=r["asset_model"].astype("category"),
    )
    fail = frame.loc[~is_follow_up]
    completed = ~np.isnan(fail["completed_s"].to_numpy())
    breach = targets.overdue(fail["completed_s"].to_numpy(), fail["sla_deadline_s"].to_numpy(), as_of)
    fail = fail.assign(
        repeat=faults.repeat_flags(fail["asset_id"], fail["created_s"], options.repeat_window_days * DAY_S),
        completed=completed,
        ftf=np.where(completed, fail["first_time_fix"].to_numpy(), np.nan),
        response_s=fail["arrived_s"].to_numpy() - fail["created_s"].to_numpy(),
        breach=breach,
    )
    fault_list = faults.fault_stats(fail, as_of, options.period_days, options.top_faults)
    model_list = faults.model_stats(fail)
    cells = areas.cells_of(fail["latitude_deg"].to_numpy(), fail["longitude_deg"].to_numpy(), options.h3_resolution)
    cell_list = areas.cell_stats(fail, cells, days, options.hotspot_variable, options.hotspot_alpha)
    kpi_list = targets.kpi_rows(frame, as_of, options.targets)
    positions: list[StandbyPosition] = []
    if options.standby_count and cell_list:
        by_cell = pd.DataFrame({"cell": cells, "code": fail["fault_code"].array}).groupby(["cell", "code"], observed=True).size()
        fault_counts: dict[str, dict[str, int]] = {}
        for (cell, code), n in by_cell.items():
            fault_counts.setdefault(h3.int_to_str(int(cell)), {})[code] = int(n)
        positions = standby.suggest(
            [c.cell for c in cell_list], np.array([c.latitude_deg for c in cell_list]), np.array([c.longitude_deg for c in cell_list]),
            np.array([c.demand_per_day for c in cell_list]), fault_counts, options.standby_count, options.shift_hours,
        )
    return Analysis(
        summary, history.errors, error_counts, tuple(fault_list), tuple(model_list), tuple(cell_list), tuple(kpi_list),
        tuple(positions), options,
    )
