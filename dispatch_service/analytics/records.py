"""Work-order history records: their columns, reading from CSV/Parquet, and validation.

A history is a table, one record per work order, held as a pandas DataFrame with the canonical
columns of ``COLUMNS`` (times in Unix seconds as float64, NaN when not given). Every source names
the fields its own way (a file's ``created_time``, the API's ``created_time_unix_s``); errors
name the field as the source spells it, through a ``names`` mapping.

A record that breaks any rule is left out of the analysis and reported as a ``RecordError``
(index, field, rule); the analysis of the others goes on. Validation is vectorised: a million
records take about a second.
"""

from __future__ import annotations

import pathlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

DAY_S = 86_400.0
MAX_ID_CHARS = 256
# Times outside these bounds are typing errors (a year 20026, a zero epoch), not history.
MIN_TIME_S = 946_684_800.0  # 2000-01-01T00:00:00Z
MAX_TIME_S = 4_102_444_800.0  # 2100-01-01T00:00:00Z
# Detailed errors kept per analysis (all are counted by field and rule); enough to fix a feed,
# small enough for one response message.
MAX_REPORTED_ERRORS = 1_000

STRING_COLUMNS = ("order_id", "fault_code", "asset_id", "asset_model", "engineer_id", "team", "follow_up_of")
TIME_COLUMNS = ("created_s", "arrived_s", "completed_s", "closed_s", "sla_deadline_s")
COLUMNS = (*STRING_COLUMNS, "latitude_deg", "longitude_deg", *TIME_COLUMNS, "first_time_fix", "reopened")
REQUIRED = ("order_id", "latitude_deg", "longitude_deg", "fault_code", "created_s")

# Canonical column -> field name in a history file (CSV header / Parquet column).
FILE_NAMES = {
    "order_id": "order_id",
    "latitude_deg": "latitude",
    "longitude_deg": "longitude",
    "fault_code": "fault_code",
    "asset_id": "asset_id",
    "asset_model": "asset_model",
    "created_s": "created_time",
    "arrived_s": "arrived_time",
    "completed_s": "completed_time",
    "closed_s": "closed_time",
    "sla_deadline_s": "sla_deadline",
    "engineer_id": "engineer_id",
    "team": "team",
    "first_time_fix": "first_time_fix",
    "reopened": "reopened",
    "follow_up_of": "follow_up_of",
}

_TRUE = ("true", "1", "yes", "y", "t")
_FALSE = ("false", "0", "no", "n", "f")
# ISO 8601 date and time with an offset. Checked before parsing: pandas also reads "-1" or a
# bare date as times, and a year outside its range fails the whole column instead of one value.
_ISO_RE = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$"


@dataclass(frozen=True)
class RecordError:
    """One broken rule: ``index`` is the record's 0-based position in its source (a CSV file's
    line is ``index + 2``: the header is line 1), ``field`` the source's name for the field."""

    index: int
    field: str
    rule: str


@dataclass(frozen=True)
class CheckedHistory:
    """Valid records (with ``index``: their position in the source) and what was left out."""

    records: pd.DataFrame
    total: int  # records received
    errors: tuple[RecordError, ...]  # the first MAX_REPORTED_ERRORS, by index
    error_counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (field, rule) -> records

    @property
    def rejected(self) -> int:
        return self.total - len(self.records)


# (source field name, rule, mask of the records breaking it)
Failure = tuple[str, str, np.ndarray]


class HistoryFileError(ValueError):
    """The file cannot be read as a history at all (missing, wrong format, missing columns)."""


# -- reading ---------------------------------------------------------------------------------------
def read_file(path: str | pathlib.Path) -> tuple[dict[str, object], list[Failure]]:
    """Columns of a CSV or Parquet history, converted to canonical types, and the values that
    could not be parsed (as failures for ``check``). Raises ``HistoryFileError`` when the file as a whole is unusable."""
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".csv", ".txt"):
            # Everything as text first: a bad value must become a per-record error, not a
            # failed read or a silently guessed type.
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, engine="pyarrow")
        else:
            raise HistoryFileError(f"{path}: unknown history format {suffix!r} (use .csv or .parquet)")
    except HistoryFileError:
        raise
    except (OSError, ValueError) as exc:
        raise HistoryFileError(f"{path}: cannot read: {exc}") from None
    except Exception as exc:  # pyarrow raises its own types for malformed files
        raise HistoryFileError(f"{path}: cannot read: {exc}") from None
    missing = [FILE_NAMES[c] for c in REQUIRED if FILE_NAMES[c] not in frame.columns]
    if missing:
        raise HistoryFileError(f"{path}: missing required column(s): {', '.join(missing)}")
    return parse_frame(frame)


def parse_frame(frame: pd.DataFrame) -> tuple[dict[str, object], list[Failure]]:
    """File columns (text, numbers, booleans or timestamps) to canonical arrays, with errors for
    the values that do not parse. Absent optional columns become empty values."""
    n = len(frame)
    columns: dict[str, object] = {}
    errors: list[Failure] = []
    for canon, name in FILE_NAMES.items():
        raw = frame[name] if name in frame.columns else None
        if canon in STRING_COLUMNS:
            columns[canon] = _text(raw, n)
        elif canon in ("latitude_deg", "longitude_deg"):
            columns[canon] = _number(raw, n, name, errors)
        elif canon in TIME_COLUMNS:
            columns[canon] = _time(raw, n, name, errors)
        else:
            columns[canon] = _boolean(raw, n, name, errors, unknown=np.nan if canon == "first_time_fix" else 0.0)
    return columns, errors


def _text(raw: pd.Series | None, n: int):
    if raw is None:
        return np.full(n, "", dtype=object)
    # Kept as pandas' Arrow-backed strings: converting a million values to Python objects and
    # back costs more than every string operation of the analysis together.
    return raw.fillna("").astype("str").str.strip().array


def _blank(raw: pd.Series) -> np.ndarray:
    if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
        return (raw.fillna("").astype(str).str.strip() == "").to_numpy()
    return raw.isna().to_numpy()


def _flag(errors: list[Failure], mask: np.ndarray, name: str, rule: str) -> None:
    if mask.any():
        errors.append((name, rule, mask))


def _number(raw: pd.Series | None, n: int, name: str, errors: list[Failure]) -> np.ndarray:
    if raw is None:
        return np.full(n, np.nan)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(values) & ~_blank(raw)
    _flag(errors, bad, name, "must be a number of degrees")
    return values


def _time(raw: pd.Series | None, n: int, name: str, errors: list[Failure]) -> np.ndarray:
    if raw is None:
        return np.full(n, np.nan)
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        # Typed Parquet timestamps: a zone-less column is taken as UTC (Parquet's convention for
        # instants written without one).
        return _epoch_s(raw if raw.dt.tz is not None else raw.dt.tz_localize("UTC"))
    if pd.api.types.is_numeric_dtype(raw.dtype):  # Unix seconds
        return pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    text = raw.fillna("").astype(str).str.strip()
    blank = (text == "").to_numpy()
    # A time without an offset is ambiguous (local time of which zone?): refused, not guessed.
    shaped = text.str.match(_ISO_RE).to_numpy(dtype=bool, na_value=False)
    stamps = pd.to_datetime(text.where(shaped, None), format="ISO8601", utc=True, errors="coerce")
    values = _epoch_s(stamps).copy()  # a copy: pandas may hand out a read-only view
    bad = (np.isnan(values) | ~shaped) & ~blank
    _flag(errors, bad, name, "must be an ISO 8601 time with a UTC offset, e.g. 2026-03-01T08:30:00Z")
    values[bad] = np.nan
    return values


def _epoch_s(stamps: pd.Series) -> np.ndarray:
    """Unix seconds (NaN for NaT) in the stamps' own unit: converting to nanoseconds first would
    overflow for years beyond 2262, which the range rule should report instead."""
    epoch = pd.Timestamp(0, tz="UTC").as_unit(stamps.dt.unit)
    return ((stamps - epoch) / pd.Timedelta(seconds=1)).to_numpy(dtype=float, na_value=np.nan)


def _boolean(raw: pd.Series | None, n: int, name: str, errors: list[Failure], unknown: float) -> np.ndarray:
    if raw is None:
        return np.full(n, unknown)
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.to_numpy(dtype=float, na_value=unknown)
    text = raw.fillna("").astype(str).str.strip().str.lower()
    values = np.full(n, unknown)
    is_true = text.isin(_TRUE).to_numpy()
    is_false = text.isin(_FALSE).to_numpy()
    values[is_true] = 1.0
    values[is_false] = 0.0
    bad = ~(is_true | is_false | (text == "").to_numpy())
    _flag(errors, bad, name, "must be true or false (or 1/0, yes/no)")
    return values


# -- validation ------------------------------------------------------------------------------------
def check(
    columns: dict[str, object],
    parse_failures: list[Failure] | tuple[Failure, ...] = (),
    names: dict[str, str] | None = None,
) -> CheckedHistory:
    """Applies every rule to canonical columns; records breaking any (or with a parse error)
    are left out. ``names`` maps canonical columns to the source's field names for errors."""
    names = names or FILE_NAMES
    frame = pd.DataFrame({c: columns[c] for c in COLUMNS})
    n = len(frame)
    rules: list[Failure] = list(parse_failures)
    unparsed: dict[str, np.ndarray] = {}
    for name, _text, mask in parse_failures:
        unparsed[name] = unparsed.get(name, np.zeros(n, dtype=bool)) | mask

    def rule(col: str, text: str, mask) -> None:
        # A value that did not parse has its error already: no second one for the same field.
        mask = np.asarray(mask, dtype=bool)
        if names[col] in unparsed:
            mask = mask & ~unparsed[names[col]]
        if mask.any():
            rules.append((names[col], text, mask))

    ids = frame["order_id"]
    id_len = ids.str.len().to_numpy()
    rule("order_id", "must not be empty", id_len == 0)
    rule("order_id", f"must be at most {MAX_ID_CHARS} characters", id_len > MAX_ID_CHARS)
    rule("order_id", "must be unique (an earlier record has the same id)", ids.duplicated().to_numpy() & (id_len > 0))
    for col, bound in (("latitude_deg", 90.0), ("longitude_deg", 180.0)):
        v = frame[col].to_numpy()
        with np.errstate(invalid="ignore"):
            out = ~(np.abs(v) <= bound)  # NaN (missing) is out as well
        rule(col, f"is required: a finite number of degrees in [-{bound:g}, {bound:g}]", out)
    rule("fault_code", "must not be empty", frame["fault_code"].str.len().to_numpy() == 0)
    for col in ("asset_id", "asset_model", "engineer_id", "team", "follow_up_of", "fault_code"):
        rule(col, f"must be at most {MAX_ID_CHARS} characters", frame[col].str.len().to_numpy() > MAX_ID_CHARS)

    t = {c: frame[c].to_numpy() for c in TIME_COLUMNS}
    rule("created_s", "is required", np.isnan(t["created_s"]))
    with np.errstate(invalid="ignore"):
        for col in TIME_COLUMNS:
            v = t[col]
            rule(col, "must be between 2000-01-01 and 2100-01-01", ~np.isnan(v) & ((v < MIN_TIME_S) | (v >= MAX_TIME_S)))
        created, arrived, completed = t["created_s"], t["arrived_s"], t["completed_s"]
        rule("arrived_s", f"must not be before {names['created_s']}", arrived < created)
        # Completion is checked against arrival when there is one, else against creation.
        start = np.where(np.isnan(arrived), created, arrived)
        rule("completed_s", f"must not be before {names['arrived_s']} (or {names['created_s']})", t["completed_s"] < start)
        done = np.where(np.isnan(completed), created, completed)
        rule("closed_s", f"must not be before {names['completed_s']} (or {names['created_s']})", t["closed_s"] < done)
        rule("sla_deadline_s", f"must not be before {names['created_s']}", t["sla_deadline_s"] < created)
    rule("follow_up_of", "must not name the record itself", (frame["follow_up_of"] == ids).to_numpy() & (id_len > 0))

    bad = np.zeros(n, dtype=bool)
    counts: Counter[tuple[str, str]] = Counter()
    errors: list[RecordError] = []
    for name, text, mask in rules:
        bad |= mask
        counts[(name, text)] += int(mask.sum())
        errors.extend(RecordError(int(i), name, text) for i in np.flatnonzero(mask)[:MAX_REPORTED_ERRORS])
    errors.sort(key=lambda e: (e.index, e.field))
    valid = frame.loc[~bad].copy()
    valid.insert(0, "index", np.flatnonzero(~bad))
    valid = valid.reset_index(drop=True)
    return CheckedHistory(valid, n, tuple(errors[:MAX_REPORTED_ERRORS]), dict(counts))


def load(path: str | pathlib.Path) -> CheckedHistory:
    """Reads and checks a history file (errors name the file's columns)."""
    columns, parse_failures = read_file(path)
    return check(columns, parse_failures, FILE_NAMES)


def to_file_frame(records: pd.DataFrame) -> pd.DataFrame:
    """Canonical records as a file table (``FILE_NAMES`` columns; times as UTC timestamps)."""
    out = {}
    for canon, name in FILE_NAMES.items():
        v = records[canon]
        if canon in TIME_COLUMNS:
            out[name] = pd.to_datetime(v, unit="s", utc=True)
        elif canon == "first_time_fix":
            out[name] = pd.array(np.where(np.isnan(v), None, v == 1.0), dtype="boolean")
        elif canon == "reopened":
            out[name] = v.to_numpy() == 1.0
        else:
            out[name] = v
    return pd.DataFrame(out)


def write_file(records: pd.DataFrame, path: str | pathlib.Path) -> None:
    """Writes records as CSV (ISO 8601 UTC times) or Parquet (typed columns)."""
    path = pathlib.Path(path)
    table = to_file_frame(records)
    if path.suffix.lower() == ".parquet":
        table.to_parquet(path, index=False)
    else:
        for name in ("created_time", "arrived_time", "completed_time", "closed_time", "sla_deadline"):
            table[name] = table[name].dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("")
        for name in ("first_time_fix", "reopened"):
            table[name] = table[name].map({True: "true", False: "false"}).fillna("")
        table.to_csv(path, index=False)
