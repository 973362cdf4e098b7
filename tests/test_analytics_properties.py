"""Whatever a history file holds, reading it never crashes the analysis: every record is either
analysed or rejected with a field the file has and a rule, and the counts add up."""

from __future__ import annotations

import csv

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch_service.analytics import records
from dispatch_service.analytics.analysis import AnalysisOptions, analyze

SETTINGS = settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

GARBAGE = st.sampled_from([
    "", " ", "abc", "nan", "inf", "-1", "1e400", "2025-13-01T00:00:00Z", "2025-01-01", "true", "ÿ", "0", "9" * 30,
    "0001-01-01T00:00:00Z", "3000-01-01T00:00:00+01:00", "2025-06-01T10:00:00", "2025-06-01 10:00Z",
])


def _iso(s: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(s, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


TIMES = st.one_of(st.integers(1_735_689_600, 1_767_225_600).map(_iso), GARBAGE)


ROW = st.fixed_dictionaries(
    {
        "order_id": st.one_of(st.sampled_from(["A", "B", "C", "D", "E", "F"]), GARBAGE),
        "latitude": st.one_of(st.floats(41.0, 41.3).map(str), GARBAGE),
        "longitude": st.one_of(st.floats(-8.7, -8.5).map(str), GARBAGE),
        "fault_code": st.one_of(st.sampled_from(["E1", "E2"]), GARBAGE),
        "asset_id": st.sampled_from(["", "X1", "X2"]),
        "asset_model": st.sampled_from(["", "M1", "M2"]),
        "created_time": TIMES,
        "arrived_time": TIMES,
        "completed_time": TIMES,
        "closed_time": TIMES,
        "sla_deadline": TIMES,
        "engineer_id": st.sampled_from(["", "e1", "e2"]),
        "team": st.sampled_from(["", "t1"]),
        "first_time_fix": st.one_of(st.sampled_from(["true", "false", ""]), GARBAGE),
        "reopened": st.one_of(st.sampled_from(["true", "false", ""]), GARBAGE),
        "follow_up_of": st.sampled_from(["", "A", "B"]),
    }
)


@SETTINGS
@given(rows=st.lists(ROW, min_size=0, max_size=40))
def test_any_csv_is_analysed_or_rejected_record_by_record(tmp_path, rows):
    path = tmp_path / "h.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(records.FILE_NAMES.values()))
        writer.writeheader()
        writer.writerows(rows)
    history = records.load(path)
    analysis = analyze(history, AnalysisOptions(standby_count=2))
    s = analysis.summary
    assert s.records_received == len(rows)
    assert s.records_analysed + s.records_rejected == len(rows)
    rejected = {e.index for e in history.errors}
    assert len(rejected) == s.records_rejected  # every rejected record has at least one error
    assert all(0 <= e.index < len(rows) and e.field in records.FILE_NAMES.values() and e.rule for e in history.errors)
    assert set(history.records["index"]).isdisjoint(rejected)
    assert sum(f.count for f in analysis.faults) == s.failures


NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(41.0, 41.3))
SECONDS = st.one_of(st.just(float("nan")), st.integers(-(2**62), 2**62).map(float), st.integers(1_735_689_600, 1_767_225_600).map(float))


@SETTINGS
@given(data=st.data(), n=st.integers(0, 30))
def test_any_typed_columns_are_checked_record_by_record(data, n):
    """Columns as the API delivers them (any double, any int64 time, any text): the same."""
    import numpy as np

    from dispatch_service import convert

    def column(strategy):
        return data.draw(st.lists(strategy, min_size=n, max_size=n))

    text = st.sampled_from(["", "A", "B", "x" * 300])
    columns = {c: np.array(column(text), dtype=object) for c in records.STRING_COLUMNS}
    columns["latitude_deg"] = np.array(column(NUMBERS), dtype=float)
    columns["longitude_deg"] = np.array(column(NUMBERS), dtype=float) - 50.0
    for c in records.TIME_COLUMNS:
        columns[c] = np.array(column(SECONDS), dtype=float)
    columns["first_time_fix"] = np.array(column(st.sampled_from([0.0, 1.0, float("nan")])), dtype=float)
    columns["reopened"] = np.array(column(st.sampled_from([0.0, 1.0])), dtype=float)
    history = records.check(columns, (), convert.HISTORY_FIELDS)
    analysis = analyze(history, AnalysisOptions(standby_count=1))
    assert analysis.summary.records_analysed + analysis.summary.records_rejected == n
    assert len({e.index for e in history.errors}) == history.rejected
    assert all(e.field in convert.HISTORY_FIELDS.values() for e in history.errors)
