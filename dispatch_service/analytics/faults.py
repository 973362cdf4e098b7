"""High-frequency problems: top fault codes overall and per asset model, repeat failures, fix
and reopen rates per fault, and the trend of each fault (this period against the previous).

Follow-up visits (records with ``follow_up_of``) are service, not failures: they are left out
here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatch_service.analytics.records import DAY_S

# A model's repeat rate is only compared with the rest from this many failures on: below it one
# unlucky asset decides the rate.
MIN_MODEL_FAILURES = 30


@dataclass(frozen=True)
class FaultCount:
    fault_code: str
    count: int
    share: float  # of the group's failures


@dataclass(frozen=True)
class FaultStat:
    fault_code: str
    count: int
    share: float  # of all failures
    cumulative_share: float  # Pareto: this and every more frequent fault
    repeat_rate: float  # failures of this code that repeat an asset's failure within the window
    first_time_fix_rate: float | None  # of completed failures with a known outcome
    reopen_rate: float  # of completed failures
    count_this_period: int
    count_previous_period: int
    trend: float | None  # count_this_period / count_previous_period - 1; None without a previous


@dataclass(frozen=True)
class ModelStat:
    asset_model: str
    failures: int
    assets: int
    repeat_rate: float
    # Two-proportion z-score of this model's repeat rate against all other models' (None below
    # MIN_MODEL_FAILURES): above 3 the model repeats far more than chance explains.
    repeat_z: float | None
    first_time_fix_rate: float | None
    top_faults: tuple[FaultCount, ...]


def repeat_flags(asset_id: pd.Series, created_s: pd.Series, window_s: float) -> np.ndarray:
    """True where the same asset failed before within ``window_s`` (records without an asset
    id are never repeats)."""
    # Integer codes for the ids: sorting a million strings costs seconds, integers milliseconds.
    codes, _ = pd.factorize(asset_id)
    codes[(asset_id == "").to_numpy()] = -1
    order = np.lexsort((created_s.to_numpy(), codes))
    asset_sorted = codes[order]
    created_sorted = created_s.to_numpy()[order]
    same = np.zeros(order.size, dtype=bool)
    same[1:] = asset_sorted[1:] == asset_sorted[:-1]
    gap = np.full(order.size, np.inf)
    gap[1:] = created_sorted[1:] - created_sorted[:-1]
    flags_sorted = same & (gap <= window_s) & (asset_sorted >= 0)
    out = np.empty(order.size, dtype=bool)
    out[order] = flags_sorted
    return out


def _none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def fault_stats(failures: pd.DataFrame, as_of_s: float, period_days: float, top: int) -> list[FaultStat]:
    """``failures`` has ``fault_code``, ``created_s``, ``repeat``, ``ftf`` (1/0/NaN for
    completed orders, NaN otherwise), ``reopened`` and ``completed`` (bool)."""
    if failures.empty:
        return []
    period_s = period_days * DAY_S
    created = failures["created_s"]
    frame = pd.DataFrame(
        {
            "fault_code": failures["fault_code"],
            "repeat": failures["repeat"].astype(float),
            "ftf": failures["ftf"],
            "reopened": failures["reopened"].where(failures["completed"]),
            "this": (created > as_of_s - period_s) & (created <= as_of_s),
            "previous": (created > as_of_s - 2 * period_s) & (created <= as_of_s - period_s),
        }
    )
    g = frame.groupby("fault_code", sort=False, observed=True)
    table = g.agg(
        count=("repeat", "size"), repeat_rate=("repeat", "mean"), ftf=("ftf", "mean"), reopen=("reopened", "mean"),
        this=("this", "sum"), previous=("previous", "sum"),
    ).sort_values(["count"], ascending=False, kind="stable")
    total = len(frame)
    table["share"] = table["count"] / total
    table["cumulative"] = table["count"].cumsum() / total
    out = []
    for code, row in table.head(top).iterrows():
        prev = int(row["previous"])
        out.append(
            FaultStat(
                fault_code=str(code), count=int(row["count"]), share=float(row["share"]), cumulative_share=float(row["cumulative"]),
                repeat_rate=float(row["repeat_rate"]), first_time_fix_rate=_none(row["ftf"]), reopen_rate=float(np.nan_to_num(row["reopen"])),
                count_this_period=int(row["this"]), count_previous_period=prev,
                trend=(int(row["this"]) / prev - 1.0) if prev else None,
            )
        )
    return out


def model_stats(failures: pd.DataFrame, top_faults: int = 3) -> list[ModelStat]:
    """Per asset model (records with a model), most failures first."""
    with_model = failures[(failures["asset_model"] != "").to_numpy()]
    if with_model.empty:
        return []
    # Assets counted by integer code (nunique over a million strings is slow).
    with_model = with_model.assign(asset_code=pd.factorize(with_model["asset_id"])[0])
    g = with_model.groupby("asset_model", sort=False, observed=True)
    table = g.agg(
        failures=("repeat", "size"), repeats=("repeat", "sum"), assets=("asset_code", "nunique"), ftf=("ftf", "mean"),
    ).sort_values("failures", ascending=False, kind="stable")
    by_fault = with_model.groupby(["asset_model", "fault_code"], sort=False, observed=True).size()
    all_failures, all_repeats = int(table["failures"].sum()), int(table["repeats"].sum())
    out = []
    for model, row in table.iterrows():
        n, r = int(row["failures"]), int(row["repeats"])
        codes = by_fault.loc[model].sort_values(ascending=False, kind="stable").head(top_faults)
        out.append(
            ModelStat(
                asset_model=str(model), failures=n, assets=int(row["assets"]), repeat_rate=r / n,
                repeat_z=_two_proportion_z(r, n, all_repeats - r, all_failures - n) if n >= MIN_MODEL_FAILURES else None,
                first_time_fix_rate=_none(row["ftf"]),
                top_faults=tuple(FaultCount(str(c), int(k), int(k) / n) for c, k in codes.items()),
            )
        )
    return out


def _two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float | None:
    if n1 == 0 or n2 == 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return (x1 / n1 - x2 / n2) / se if se > 0 else None
