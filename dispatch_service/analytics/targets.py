"""The service's KPIs against its targets, overall, per month, per team and per engineer.

Definitions (all over work orders in the group; follow-up visits only count for the follow-up
KPI):
- response: arrival minus creation, mean over arrived orders (target: at most 2 h);
- overdue: completed after the SLA deadline, or still open after it at ``as_of`` (orders with a
  deadline; target: at most 5 %);
- first-time fix: completed orders fixed at the first visit, among those with a known outcome
  (target: at least 85 %);
- closure: orders closed, among those created at least ``closure_grace_days`` before ``as_of``
  (younger ones cannot be expected closed yet; target: at least 95 %);
- follow-up in window: follow-up visits completed 3-7 days after the service they follow
  (the rules ask for follow-up in that window; the 95 % target is this project's choice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatch_service.analytics.records import DAY_S
from solver.model import DEFAULT_MAX_MEAN_RESPONSE_S, DEFAULT_MAX_OVERDUE_RATE


@dataclass(frozen=True)
class Targets:
    response_mean_max_s: float = float(DEFAULT_MAX_MEAN_RESPONSE_S)  # the plan's targets too
    overdue_rate_max: float = DEFAULT_MAX_OVERDUE_RATE
    first_time_fix_min: float = 0.85
    closure_rate_min: float = 0.95
    follow_up_min_days: float = 3.0
    follow_up_max_days: float = 7.0
    follow_up_in_window_min: float = 0.95
    closure_grace_days: float = 2.0


@dataclass(frozen=True)
class KpiRow:
    scope: str  # "overall" | "month" | "team" | "engineer"
    key: str  # "" for overall, "2025-03", a team or an engineer id
    orders: int  # work orders (not follow-ups)
    response_mean_s: float | None
    response_p90_s: float | None
    overdue_rate: float | None
    first_time_fix_rate: float | None
    closure_rate: float | None
    follow_ups: int
    follow_up_in_window_rate: float | None

    def met(self, t: Targets) -> dict[str, bool | None]:
        """Each KPI against its target; None when the group has no order it applies to."""

        def cmp(value, ok):
            return None if value is None else bool(ok(value))

        return {
            "response_mean": cmp(self.response_mean_s, lambda v: v <= t.response_mean_max_s),
            "overdue_rate": cmp(self.overdue_rate, lambda v: v <= t.overdue_rate_max),
            "first_time_fix_rate": cmp(self.first_time_fix_rate, lambda v: v >= t.first_time_fix_min),
            "closure_rate": cmp(self.closure_rate, lambda v: v >= t.closure_rate_min),
            "follow_up_in_window_rate": cmp(self.follow_up_in_window_rate, lambda v: v >= t.follow_up_in_window_min),
        }


def overdue(completed_s: np.ndarray, sla_deadline_s: np.ndarray, as_of_s: float) -> np.ndarray:
    """1 where an order finished after its deadline or is still open past it at ``as_of_s``,
    0 where it did not, NaN without a deadline: the one definition of an SLA breach."""
    finish = np.where(np.isnan(completed_s), as_of_s, completed_s)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(sla_deadline_s), np.nan, (finish > sla_deadline_s).astype(float))


def kpi_rows(records: pd.DataFrame, as_of_s: float, targets: Targets) -> list[KpiRow]:
    """``records``: valid canonical records plus ``is_follow_up``."""
    service = ~records["is_follow_up"].to_numpy()
    created = records["created_s"].to_numpy()
    arrived = records["arrived_s"].to_numpy()
    completed = records["completed_s"].to_numpy()
    sla = records["sla_deadline_s"].to_numpy()
    with np.errstate(invalid="ignore"):
        response = np.where(service, arrived - created, np.nan)
        late = np.where(service, overdue(completed, sla, as_of_s), np.nan)
        ftf = np.where(service & ~np.isnan(completed), records["first_time_fix"].to_numpy(), np.nan)
        old_enough = created <= as_of_s - targets.closure_grace_days * DAY_S
        closed = np.where(service & old_enough, (~np.isnan(records["closed_s"].to_numpy())).astype(float), np.nan)
    in_window = _follow_up_in_window(records, targets)
    # Calendar months (UTC) through numpy's month unit: formatting a million dates is slow.
    month_index = created.astype("datetime64[s]").astype("datetime64[M]")
    month_codes, month_values = pd.factorize(month_index)
    months = pd.Categorical.from_codes(month_codes, [str(m) for m in month_values])
    frame = pd.DataFrame(
        {
            "service": service.astype(int), "response": response, "overdue": late, "ftf": ftf, "closed": closed,
            "fu": (~np.isnan(in_window)).astype(int), "fu_ok": in_window,
            "month": months, "team": records["team"].astype("category").array,
            "engineer": records["engineer_id"].astype("category").array,
        }
    )
    rows = [_row("overall", "", frame)]
    for scope, column in (("month", "month"), ("team", "team"), ("engineer", "engineer")):
        keyed = frame[frame[column] != ""]
        g = keyed.groupby(column, sort=True, observed=True)
        agg = g.agg(
            orders=("service", "sum"), response=("response", "mean"), overdue=("overdue", "mean"), ftf=("ftf", "mean"),
            closed=("closed", "mean"), fu=("fu", "sum"), fu_ok=("fu_ok", "mean"),
        )
        p90 = g["response"].quantile(0.9)
        for key, r in agg.iterrows():
            rows.append(
                KpiRow(scope, str(key), int(r["orders"]), _opt(r["response"]), _opt(p90.get(key)), _opt(r["overdue"]), _opt(r["ftf"]),
                       _opt(r["closed"]), int(r["fu"]), _opt(r["fu_ok"]))
            )
    return rows


def _row(scope: str, key: str, f: pd.DataFrame) -> KpiRow:
    def mean(col):
        v = f[col].to_numpy()
        v = v[~np.isnan(v)]
        return float(v.mean()) if v.size else None

    resp = f["response"].to_numpy()
    resp = resp[~np.isnan(resp)]
    return KpiRow(
        scope, key, int(f["service"].sum()), mean("response"), float(np.quantile(resp, 0.9)) if resp.size else None,
        mean("overdue"), mean("ftf"), mean("closed"), int(f["fu"].sum()), mean("fu_ok"),
    )


def _opt(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _follow_up_in_window(records: pd.DataFrame, t: Targets) -> np.ndarray:
    """1/0 for completed follow-ups whose original service is in the history and completed,
    NaN for every other record."""
    out = np.full(len(records), np.nan)
    fu = records["is_follow_up"].to_numpy() & ~np.isnan(records["completed_s"].to_numpy())
    if not fu.any():
        return out
    done_by_id = pd.Series(records["completed_s"].to_numpy(), index=pd.Index(records["order_id"]))
    original_done = done_by_id.reindex(pd.Index(records["follow_up_of"][fu])).to_numpy()
    gap_days = (records["completed_s"].to_numpy()[fu] - original_done) / DAY_S
    with np.errstate(invalid="ignore"):
        ok = ((gap_days >= t.follow_up_min_days) & (gap_days <= t.follow_up_max_days)).astype(float)
    ok[np.isnan(gap_days)] = np.nan  # original unknown or not completed: not judged
    out[fu] = ok
    return out
