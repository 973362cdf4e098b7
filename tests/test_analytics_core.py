"""The analysis recovers what the generator planted, and bad records are reported, not fatal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dispatch_service.analytics import records
from dispatch_service.analytics.analysis import AnalysisOptions, analyze
from dispatch_service.analytics.generator import GeneratorConfig, generate
from dispatch_service.analytics.standby import distances_m


@pytest.fixture(scope="module")
def planted():
    frame, truth = generate(GeneratorConfig(records=20_000, seed=11))
    history = records.check({c: frame[c].to_numpy() for c in records.COLUMNS})
    return frame, truth, analyze(history, AnalysisOptions(standby_count=3))


def test_generator_is_reproducible_from_its_seed():
    """The same seed gives the same history; another seed a different one."""
    a, _ = generate(GeneratorConfig(records=2_000, seed=3))
    b, _ = generate(GeneratorConfig(records=2_000, seed=3))
    c, _ = generate(GeneratorConfig(records=2_000, seed=4))
    pd.testing.assert_frame_equal(a, b)
    assert not a["latitude_deg"].equals(c["latitude_deg"])
    assert len(a) == 2_000


def test_every_generated_record_is_valid(planted):
    frame, _, analysis = planted
    assert analysis.summary.records_rejected == 0
    assert analysis.summary.records_analysed == len(frame)


def test_planted_hotspots_are_the_significant_hot_cells(planted):
    """Every planted cluster has a hot cell (Gi*, FDR 5 %) within 600 m, and no hot cell lies
    far (2 km) from a planted cluster."""
    _, truth, analysis = planted
    hot = [c for c in analysis.cells if c.hotspot == "hot"]
    assert hot
    d = distances_m(
        [c.latitude_deg for c in hot], [c.longitude_deg for c in hot],
        [h.latitude_deg for h in truth.hotspots], [h.longitude_deg for h in truth.hotspots],
    )
    assert (d.min(axis=0) < 600).all(), d.min(axis=0)
    assert (d.min(axis=1) < 2_000).all(), d.min(axis=1)
    assert all(c.gi_p is not None and c.gi_p < 0.05 and c.gi_z > 0 for c in hot)


def test_planted_bad_model_has_the_highest_and_significant_repeat_rate(planted):
    _, truth, analysis = planted
    worst = max(analysis.models, key=lambda m: m.repeat_rate)
    assert worst.asset_model == truth.bad_model
    assert worst.repeat_z is not None and worst.repeat_z > 5
    others = [m.repeat_rate for m in analysis.models if m.asset_model != truth.bad_model]
    assert worst.repeat_rate > 2 * max(others)


def test_weak_engineers_have_the_lowest_first_time_fix(planted):
    _, truth, analysis = planted
    rows = sorted((k for k in analysis.kpis if k.scope == "engineer"), key=lambda k: k.first_time_fix_rate)
    weakest_planted = sorted(truth.engineer_skill, key=truth.engineer_skill.get)[:4]
    assert {k.key for k in rows[:4]} == set(weakest_planted)


def test_pareto_and_trend_are_consistent(planted):
    _, _, analysis = planted
    counts = [f.count for f in analysis.faults]
    assert counts == sorted(counts, reverse=True)
    assert analysis.faults[0].fault_code == "E-COMP"  # the commonest code, and the bad model's
    cum = np.cumsum([f.share for f in analysis.faults])
    assert np.allclose(cum, [f.cumulative_share for f in analysis.faults])
    f = analysis.faults[0]
    assert f.trend == pytest.approx(f.count_this_period / f.count_previous_period - 1)


def test_kpis_against_targets(planted):
    """Overall KPIs are those the generator was built to produce: response about 75 min, follow-ups
    spread over 2-8 days (so about two thirds in the 3-7 day window, below target)."""
    _, _, analysis = planted
    overall = next(k for k in analysis.kpis if k.scope == "overall")
    assert 3_600 < overall.response_mean_s < 5_400
    assert 0.6 < overall.follow_up_in_window_rate < 0.72
    met = overall.met(analysis.options.targets)
    assert met["response_mean"] is True and met["follow_up_in_window_rate"] is False
    assert {k.scope for k in analysis.kpis} == {"overall", "month", "team", "engineer"}
    assert len([k for k in analysis.kpis if k.scope == "month"]) == 12


def test_standby_positions_sit_on_the_busiest_areas(planted):
    """Three standby positions for three planted clusters: each cluster gets one within 1.5 km."""
    _, truth, analysis = planted
    assert len(analysis.standby) == 3
    d = distances_m(
        [s.latitude_deg for s in analysis.standby], [s.longitude_deg for s in analysis.standby],
        [h.latitude_deg for h in truth.hotspots], [h.longitude_deg for h in truth.hotspots],
    )
    assert (d.min(axis=0) < 1_500).all(), d
    total = sum(c.demand_per_day for c in analysis.cells)
    assert sum(s.demand_per_day for s in analysis.standby) == pytest.approx(total)
    assert all(s.stock and s.stock[0].expected_per_shift > 0 for s in analysis.standby)


def test_repeat_flags_window():
    asset = pd.Series(["A", "A", "A", "B", ""])
    created = pd.Series([0.0, 10 * 86_400, 50 * 86_400, 5 * 86_400, 6 * 86_400])
    from dispatch_service.analytics.faults import repeat_flags

    assert repeat_flags(asset, created, 30 * 86_400).tolist() == [False, True, False, False, False]


CSV_HEADER = "order_id,latitude,longitude,fault_code,created_time,arrived_time,completed_time,sla_deadline,first_time_fix\n"


@pytest.mark.parametrize(
    "row, field, rule",
    [
        ("A,91,-8.6,E1,2025-01-01T08:00:00Z,,,,", "latitude", "finite number of degrees in [-90, 90]"),
        ("A,41,abc,E1,2025-01-01T08:00:00Z,,,,", "longitude", "must be a number of degrees"),
        ("A,41,-8.6,,2025-01-01T08:00:00Z,,,,", "fault_code", "must not be empty"),
        (",41,-8.6,E1,2025-01-01T08:00:00Z,,,,", "order_id", "must not be empty"),
        ("A,41,-8.6,E1,,,,,", "created_time", "is required"),
        ("A,41,-8.6,E1,2025-01-01 08:00:00,,,,", "created_time", "UTC offset"),
        ("A,41,-8.6,E1,yesterday,,,,", "created_time", "ISO 8601"),
        ("A,41,-8.6,E1,2025-01-01T08:00:00Z,2025-01-01T07:00:00Z,,,", "arrived_time", "must not be before created_time"),
        ("A,41,-8.6,E1,2025-01-01T08:00:00Z,2025-01-01T09:00:00Z,2025-01-01T08:30:00Z,,", "completed_time", "must not be before arrived_time"),
        ("A,41,-8.6,E1,2025-01-01T08:00:00Z,,,2024-12-31T08:00:00Z,", "sla_deadline", "must not be before created_time"),
        ("A,41,-8.6,E1,2025-01-01T08:00:00Z,,,,maybe", "first_time_fix", "true or false"),
        ("A,41,-8.6,E1,1970-01-02T00:00:00Z,,,,", "created_time", "between 2000-01-01 and 2100-01-01"),
    ],
    ids=["lat-range", "lng-number", "fault-empty", "id-empty", "created-missing", "no-offset", "not-a-time",
         "arrived-before-created", "completed-before-arrived", "sla-before-created", "bool", "time-range"],
)
def test_bad_csv_record_is_reported_with_line_field_and_rule(tmp_path, row, field, rule):
    """One bad record among good ones: reported at its CSV line with the field and the rule,
    left out, and the good ones are analysed."""
    good = "G1,41.15,-8.61,E1,2025-01-01T08:00:00Z,2025-01-01T09:00:00Z,2025-01-01T10:00:00Z,2025-01-01T12:00:00+00:00,true\n"
    good2 = good.replace("G1", "G2")
    path = tmp_path / "history.csv"
    path.write_text(CSV_HEADER + good + row + "\n" + good2)
    history = records.load(path)
    assert history.total == 3 and history.rejected == 1
    assert len(history.errors) == 1, history.errors
    e = history.errors[0]
    assert (e.index + 2, e.field) == (3, field)  # line 3: header, G1, then the bad record
    assert rule in e.rule
    assert sum(history.error_counts.values()) == 1
    analysis = analyze(history)
    assert analysis.summary.records_analysed == 2
    assert analysis.faults[0].count == 2


def test_duplicate_ids_and_many_errors_are_counted_but_listed_up_to_the_cap():
    frame, _ = generate(GeneratorConfig(records=3_000, seed=5))
    columns = {c: frame[c].to_numpy().copy() for c in records.COLUMNS}
    columns["order_id"][1] = columns["order_id"][0]
    columns["latitude_deg"][100:2_500] = 123.0
    history = records.check(columns)
    assert history.rejected == 2_401
    assert history.error_counts[("order_id", "must be unique (an earlier record has the same id)")] == 1
    assert history.error_counts[("latitude", "is required: a finite number of degrees in [-90, 90]")] == 2_400
    assert len(history.errors) == records.MAX_REPORTED_ERRORS
    assert history.errors[0] == records.RecordError(1, "order_id", "must be unique (an earlier record has the same id)")


def test_parquet_and_csv_round_trip(tmp_path):
    frame, _ = generate(GeneratorConfig(records=500, seed=2))
    for name in ("h.csv", "h.parquet"):
        records.write_file(frame, tmp_path / name)
        back = records.load(tmp_path / name)
        assert back.rejected == 0
        pd.testing.assert_frame_equal(back.records.drop(columns="index"), frame, check_dtype=False)


def test_unusable_file_is_one_clear_error(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("order_id,latitude\nA,41\n")
    with pytest.raises(records.HistoryFileError, match=r"missing required column.*longitude"):
        records.load(path)


def test_as_of_cuts_the_history_there():
    """Analysed as of 1 July: later orders are left out (and counted), later completions have
    not happened yet, so orders open on 1 July past their deadline are overdue."""
    frame, _ = generate(GeneratorConfig(records=6_000, seed=9))
    history = records.check({c: frame[c].to_numpy() for c in records.COLUMNS})
    july_s = 1_751_328_000.0  # 2025-07-01T00:00:00Z
    a = analyze(history, AnalysisOptions(as_of_s=july_s, standby_count=0))
    created = frame["created_s"].to_numpy()
    assert a.summary.records_after_as_of == int((created > july_s).sum()) > 0
    assert a.summary.records_analysed == int((created <= july_s).sum())
    assert [k.key for k in a.kpis if k.scope == "month"] == [f"2025-0{m}" for m in range(1, 7)]
    # Orders created in the last hours before as_of are mostly still open then.
    full = analyze(history, AnalysisOptions(standby_count=0))
    june = next(k for k in a.kpis if k.key == "2025-06")
    june_full = next(k for k in full.kpis if k.key == "2025-06")
    assert june.overdue_rate >= june_full.overdue_rate
    assert june.closure_rate <= june_full.closure_rate  # closures after 1 July had not happened
    assert a.faults[0].count_this_period + a.faults[0].count_previous_period > 0


@pytest.mark.parametrize("variable", ["sla_breaches_per_day", "repeat_failures_per_day"])
def test_other_hotspot_variables(planted, variable):
    """Gi* can be run on breaches or repeats per day instead of demand; repeat hotspots also sit
    where the failures are (more failures, more repeats)."""
    frame, _, _ = planted
    history = records.check({c: frame[c].to_numpy() for c in records.COLUMNS})
    a = analyze(history, AnalysisOptions(hotspot_variable=variable, standby_count=0))
    assert all(c.gi_z is not None for c in a.cells)
    if variable == "repeat_failures_per_day":
        assert any(c.hotspot == "hot" for c in a.cells)


def test_parquet_time_beyond_pandas_nanosecond_range_is_a_record_error(tmp_path):
    """A typed Parquet timestamp in the year 3000 is reported by the range rule, not a crash."""
    frame, _ = generate(GeneratorConfig(records=50, seed=1))
    table = records.to_file_frame(frame)
    table["created_time"] = table["created_time"].dt.as_unit("us")
    table.loc[7, "created_time"] = pd.Timestamp("3000-01-01", tz="UTC").as_unit("us")
    table.to_parquet(tmp_path / "h.parquet", index=False)
    history = records.load(tmp_path / "h.parquet")
    assert (7, "created_time", "must be between 2000-01-01 and 2100-01-01") in {(e.index, e.field, e.rule) for e in history.errors}
    assert {e.index for e in history.errors} == {7} and history.rejected == 1  # (it is also after its arrival)


def test_overdue_definition():
    """Late completion and open past the deadline at as_of are breaches; open before it and on
    time are not; no deadline is not judged."""
    from dispatch_service.analytics.targets import overdue

    nan = np.nan
    completed = np.array([100.0, 300.0, nan, nan, 100.0])
    deadline = np.array([200.0, 200.0, 200.0, 500.0, nan])
    assert np.array_equal(overdue(completed, deadline, as_of_s=400.0), [0.0, 1.0, 1.0, 0.0, nan], equal_nan=True)
