"""Realistic synthetic work-order history with known answers (a fixed seed gives the same data).

What is planted, so that tests can check the analysis finds it:
- demand hotspots: a share of the assets sits in tight clusters around ``hotspots``;
- a bad asset model (``bad_model``) that fails again within 30 days far more often than the rest,
  and is fixed first time less often;
- engineers of different skill (first-time-fix probability) and speed (response time);
- seasonality (a winter peak), fewer orders at weekends and at night, follow-up visits 2-8 days
  after a service (some outside the 3-7 day target window), open orders in the last day.

Everything is vectorised: a million records take a few seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatch_service.analytics.records import COLUMNS, DAY_S

EARTH_RADIUS_M = 6_371_000.0
HOUR_S = 3_600.0
# 2025-01-01T00:00:00Z: histories are dated, never "now", so tests do not depend on the clock.
DEFAULT_START_S = 1_735_689_600.0


@dataclass(frozen=True)
class Hotspot:
    latitude_deg: float
    longitude_deg: float
    asset_share: float  # of all assets, placed around this point
    radius_m: float = 350.0  # standard deviation of the cluster


@dataclass(frozen=True)
class GeneratorConfig:
    records: int = 20_000
    seed: int = 7
    start_s: float = DEFAULT_START_S
    days: int = 365
    center_lat_deg: float = 41.155  # Porto
    center_lng_deg: float = -8.620
    radius_m: float = 9_000.0  # background assets uniformly in this disc
    hotspots: tuple[Hotspot, ...] = (
        Hotspot(41.1780, -8.6000, 0.07),
        Hotspot(41.1400, -8.6550, 0.06),
        Hotspot(41.1250, -8.5750, 0.05),
    )
    models: tuple[str, ...] = ("AX-100", "AX-150", "BX-300", "CX-10", "DX-500", "HX-200", "KX-70", "MX-900")
    bad_model: str = "HX-200"
    repeat_probability: float = 0.05  # of a failure being followed by another within 30 days
    bad_model_repeat_probability: float = 0.45
    engineers: int = 40
    teams: tuple[str, ...] = ("north", "east", "south", "west")
    follow_up_share: float = 0.12  # of completed orders that get a follow-up visit
    sla_hours: tuple[float, ...] = (4.0, 8.0, 24.0)
    fault_codes: tuple[str, ...] = (
        "E-COMP", "E-FAN", "E-PWR", "E-SENS", "E-LEAK", "E-CTRL", "E-DOOR", "E-HEAT", "E-PUMP", "E-VALVE",
        "E-DISP", "E-NET", "E-NOISE", "E-FILT", "E-BATT", "E-LOCK", "E-CAL", "E-FW", "E-MOTOR", "E-OTHER",
    )


@dataclass(frozen=True)
class GroundTruth:
    hotspots: tuple[Hotspot, ...]
    bad_model: str
    engineer_skill: dict[str, float]  # first-time-fix probability before fault difficulty
    engineer_slowness: dict[str, float]  # multiplies the response time
    end_s: float  # end of the history (open orders are judged against it)


def generate(config: GeneratorConfig = GeneratorConfig()) -> tuple[pd.DataFrame, GroundTruth]:
    """Canonical records (``records.COLUMNS``; no ``index`` column) and what was planted."""
    rng = np.random.default_rng(config.seed)
    c = config
    end_s = c.start_s + c.days * DAY_S

    # Assets: where they are and which model they are.
    # About one failure per asset and year: chance repeats within 30 days stay rare (~8 %).
    n_assets = max(100, c.records)
    hot_shares = np.array([h.asset_share for h in c.hotspots])
    group = rng.choice(len(c.hotspots) + 1, size=n_assets, p=[1.0 - hot_shares.sum(), *hot_shares])
    r = c.radius_m * np.sqrt(rng.random(n_assets))
    theta = rng.random(n_assets) * 2 * math.pi
    north_m, east_m = r * np.cos(theta), r * np.sin(theta)
    base_lat = np.full(n_assets, c.center_lat_deg)
    base_lng = np.full(n_assets, c.center_lng_deg)
    for k, h in enumerate(c.hotspots, start=1):
        sel = group == k
        base_lat[sel], base_lng[sel] = h.latitude_deg, h.longitude_deg
        north_m[sel] = rng.normal(0, h.radius_m, sel.sum())
        east_m[sel] = rng.normal(0, h.radius_m, sel.sum())
    asset_lat = base_lat + np.degrees(north_m / EARTH_RADIUS_M)
    asset_lng = base_lng + np.degrees(east_m / (EARTH_RADIUS_M * np.cos(np.radians(base_lat))))
    model_weights = np.linspace(1.5, 0.5, len(c.models))
    model_weights /= model_weights.sum()
    asset_model = rng.choice(len(c.models), size=n_assets, p=model_weights)
    bad_index = c.models.index(c.bad_model)
    # The area's team: by bearing from the centre (north, east, south, west quadrants).
    bearing = (np.degrees(np.arctan2(east_m + (base_lng - c.center_lng_deg) * 84_000, north_m + (base_lat - c.center_lat_deg) * 111_000)) + 360 + 45) % 360
    asset_team = (bearing // (360 / len(c.teams))).astype(int) % len(c.teams)

    # Engineers: skill (first-time fix) and slowness (response) differ; a few are weak.
    eng_ids = np.array([f"ENG-{i:03d}" for i in range(c.engineers)], dtype=object)
    eng_team = np.arange(c.engineers) % len(c.teams)
    skill = np.clip(rng.normal(0.92, 0.04, c.engineers), 0.75, 0.99)
    weak = rng.choice(c.engineers, size=max(1, c.engineers // 10), replace=False)
    skill[weak] = rng.uniform(0.55, 0.65, weak.size)
    slowness = np.clip(rng.lognormal(0.0, 0.2, c.engineers), 0.6, 1.8)

    # Base failures; repeats and follow-ups are added on top, then the total is trimmed.
    expected_repeat = c.repeat_probability + model_weights[bad_index] * (c.bad_model_repeat_probability - c.repeat_probability)
    n_base = int(c.records / (1 + expected_repeat + c.follow_up_share * 0.95) * 1.02) + 10
    asset = rng.integers(0, n_assets, n_base)
    created = _created_times(rng, n_base, c.start_s, c.days)
    fault_weights = 1.0 / np.arange(1, len(c.fault_codes) + 1) ** 1.1
    fault_weights /= fault_weights.sum()
    fault = rng.choice(len(c.fault_codes), size=n_base, p=fault_weights)
    # The bad model mostly fails the same way (its compressor): the first fault code.
    bad = asset_model[asset] == bad_index
    fault[bad & (rng.random(n_base) < 0.6)] = 0

    p_repeat = np.where(bad, c.bad_model_repeat_probability, c.repeat_probability)
    again = rng.random(n_base) < p_repeat
    rep_asset = asset[again]
    rep_created = created[again] + rng.uniform(1, 29, again.sum()) * DAY_S
    rep_fault = np.where(rng.random(again.sum()) < 0.7, fault[again], rng.choice(len(c.fault_codes), again.sum(), p=fault_weights))
    asset = np.concatenate([asset, rep_asset])
    created = np.concatenate([created, rep_created])
    fault = np.concatenate([fault, rep_fault])
    keep = created < end_s
    asset, created, fault = asset[keep], created[keep], fault[keep]
    n = asset.size

    # Who went, how fast, how well.
    team = asset_team[asset]
    eng = _engineer_of(rng, team, eng_team)
    response_s = rng.lognormal(math.log(1.1 * HOUR_S), 0.55, n) * slowness[eng]
    arrived = created + response_s
    completed = arrived + rng.lognormal(math.log(0.9 * HOUR_S), 0.5, n)
    closed = completed + rng.lognormal(math.log(5 * HOUR_S), 0.8, n)
    closed[rng.random(n) < 0.025] = np.nan  # paperwork never closed
    sla = created + rng.choice(np.array(c.sla_hours) * HOUR_S, n, p=[0.5, 0.35, 0.15])
    difficulty = np.where(asset_model[asset] == bad_index, 0.85, 1.0)
    ftf = (rng.random(n) < skill[eng] * difficulty).astype(float)
    reopened = np.where(ftf == 1.0, rng.random(n) < 0.02, rng.random(n) < 0.3).astype(float)

    # Recent orders may still be open (not arrived, or not completed yet): judged at end_s.
    open_now = (created > end_s - DAY_S) & (rng.random(n) < 0.5)
    arrived[open_now & (rng.random(n) < 0.5)] = np.nan
    completed[open_now], closed[open_now], ftf[open_now], reopened[open_now] = np.nan, np.nan, np.nan, 0.0
    for t in (arrived, completed, closed):
        t[t >= end_s] = np.nan
    completed[np.isnan(arrived)] = np.nan
    closed[np.isnan(completed)] = np.nan
    ftf[np.isnan(completed)] = np.nan

    # Follow-up visits 2-8 days after a completed service (target window: 3-7 days).
    done = np.flatnonzero(~np.isnan(completed))
    fu_of = done[rng.random(done.size) < c.follow_up_share]
    fu_created = completed[fu_of] + rng.uniform(0.2, 1.5, fu_of.size) * DAY_S
    fu_completed = completed[fu_of] + rng.uniform(2.0, 8.0, fu_of.size) * DAY_S
    fu_keep = fu_completed < end_s
    fu_of, fu_created, fu_completed = fu_of[fu_keep], fu_created[fu_keep], fu_completed[fu_keep]
    m = fu_of.size

    total = n + m
    order = np.argsort(np.concatenate([created, fu_created]), kind="stable")
    rank = np.empty(total, dtype=np.int64)
    rank[order] = np.arange(total)
    ids = np.array([f"WO-{i:07d}" for i in range(total)], dtype=object)
    order_id = ids[rank]
    asset_names = np.array([f"AS-{i:06d}" for i in range(n_assets)], dtype=object)

    def both(a, b):
        return np.concatenate([a, b])

    frame = pd.DataFrame(
        {
            "order_id": order_id,
            "fault_code": both(np.array(c.fault_codes, dtype=object)[fault], np.full(m, "FOLLOW-UP", dtype=object)),
            "asset_id": asset_names[both(asset, asset[fu_of])],
            "asset_model": np.array(c.models, dtype=object)[both(asset_model[asset], asset_model[asset[fu_of]])],
            "engineer_id": eng_ids[both(eng, eng[fu_of])],
            "team": np.array(c.teams, dtype=object)[both(team, team[fu_of])],
            "follow_up_of": both(np.full(n, "", dtype=object), order_id[fu_of]),
            "latitude_deg": both(asset_lat[asset], asset_lat[asset[fu_of]]),
            "longitude_deg": both(asset_lng[asset], asset_lng[asset[fu_of]]),
            "created_s": np.floor(both(created, fu_created)),
            "arrived_s": np.floor(both(arrived, fu_completed - 0.5 * HOUR_S)),
            "completed_s": np.floor(both(completed, fu_completed)),
            "closed_s": np.floor(both(closed, fu_completed + HOUR_S)),
            "sla_deadline_s": np.floor(both(sla, np.full(m, np.nan))),
            "first_time_fix": both(ftf, np.full(m, np.nan)),
            "reopened": both(reopened, np.zeros(m)),
        }
    )
    frame = frame.iloc[order].reset_index(drop=True)
    if len(frame) > c.records:  # trim to the size asked for, uniformly
        drop = rng.choice(len(frame), len(frame) - c.records, replace=False)
        frame = frame.drop(index=drop).reset_index(drop=True)
    truth = GroundTruth(
        hotspots=c.hotspots,
        bad_model=c.bad_model,
        engineer_skill=dict(zip(eng_ids.tolist(), skill.tolist())),
        engineer_slowness=dict(zip(eng_ids.tolist(), slowness.tolist())),
        end_s=end_s,
    )
    return frame[list(COLUMNS)], truth


def _created_times(rng: np.random.Generator, n: int, start_s: float, days: int) -> np.ndarray:
    """Creation times with a winter peak, quiet weekends and a working-day profile."""
    day = np.arange(days)
    start_weekday = pd.Timestamp(start_s, unit="s").day_of_week  # 0 = Monday
    weekday = (start_weekday + day) % 7
    season = 1.0 + 0.3 * np.cos(2 * math.pi * (day - 15) / 365.0)
    week = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.5, 0.3))
    p_day = season * week
    chosen = rng.choice(days, size=n, p=p_day / p_day.sum())
    hour_weight = np.array([0.2] * 7 + [1.0, 1.6, 1.8, 1.7, 1.5, 1.2, 1.4, 1.5, 1.4, 1.2, 1.0, 0.7, 0.5, 0.4, 0.3, 0.25, 0.2])
    hour = rng.choice(24, size=n, p=hour_weight / hour_weight.sum())
    return start_s + chosen * DAY_S + (hour + rng.random(n)) * HOUR_S


def _engineer_of(rng: np.random.Generator, team: np.ndarray, eng_team: np.ndarray) -> np.ndarray:
    """A random engineer of each order's team."""
    out = np.empty(team.size, dtype=np.int64)
    for t in np.unique(team):
        members = np.flatnonzero(eng_team == t)
        sel = team == t
        out[sel] = members[rng.integers(0, members.size, sel.sum())]
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m dispatch_service.analytics.generator -n 50000 -o history.csv``"""
    import argparse

    from dispatch_service.analytics.records import write_file

    p = argparse.ArgumentParser(prog="python -m dispatch_service.analytics.generator", description="Write a synthetic work-order history.")
    p.add_argument("-n", "--records", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("-o", "--output", required=True, help=".csv or .parquet")
    args = p.parse_args(argv)
    frame, truth = generate(GeneratorConfig(records=args.records, seed=args.seed))
    write_file(frame, args.output)
    print(f"{len(frame):,} records -> {args.output} (planted: bad model {truth.bad_model}, {len(truth.hotspots)} hotspots)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
