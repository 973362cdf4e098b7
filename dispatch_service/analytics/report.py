"""The analysis as JSON and as one self-contained HTML page.

The page works offline: no scripts, no fonts, no map tiles, nothing fetched. The map is inline SVG
(H3 cell outlines, equirectangular projection around the data's centre, which is exact enough for
a city), the Pareto chart is inline SVG, tables are plain HTML; tooltips are SVG ``<title>``s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math

import h3

from dispatch_service.analytics.analysis import Analysis
from dispatch_service.analytics.targets import KpiRow, Targets

MAP_W, MAP_H = 760, 560
PARETO_W, PARETO_H = 760, 300
# Sequential fill for demand per day (light to dark), by quantile of the cells' demand.
PALETTE = ("#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#8c2d04")
KPI_LABELS = (
    ("response_mean", "Mean response", "response_mean_s"),
    ("overdue_rate", "Overdue (SLA missed)", "overdue_rate"),
    ("first_time_fix_rate", "First-time fix", "first_time_fix_rate"),
    ("closure_rate", "Closure", "closure_rate"),
    ("follow_up_in_window_rate", "Follow-up in window", "follow_up_in_window_rate"),
)


def to_dict(analysis: Analysis) -> dict:
    """Everything in the report, JSON-ready (times in Unix seconds and ISO 8601)."""
    out = dataclasses.asdict(analysis)
    out["summary"]["as_of"] = _iso(analysis.summary.as_of_s)
    out["summary"]["first_created"] = _iso(analysis.summary.first_created_s)
    out["errors"] = [dataclasses.asdict(e) for e in analysis.errors]
    out["error_counts"] = [{"field": f, "rule": r, "records": n} for f, r, n in analysis.error_counts]
    for row, k in zip(out["kpis"], analysis.kpis):
        row["met"] = k.met(analysis.options.targets)
    return out


def render_html(analysis: Analysis, title: str = "Service history analysis", csv_lines: bool = False) -> str:
    """The page; ``csv_lines``: name rejected records by CSV line (index + 2) rather than index."""
    s = analysis.summary
    t = analysis.options.targets
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        '<p class="summary" id="summary">'
        f"<b>{s.records_analysed:,}</b> records analysed of {s.records_received:,} received "
        f"(<b>{s.records_rejected:,}</b> rejected); {s.failures:,} failures and {s.follow_ups:,} follow-up visits "
        f"from {_iso(s.first_created_s) or '-'} to {_iso(s.as_of_s) or '-'} ({s.days:.0f} days)"
        + (f"; {s.records_after_as_of:,} records created after that left out" if s.records_after_as_of else "")
        + ".</p>",
        "<h2>Service against its targets</h2>",
        _kpi_table(analysis, t),
        "<h2>High-risk areas</h2>",
        f"<p>H3 resolution {analysis.options.h3_resolution}; fill: failures per day; black outline: hotspot of "
        f"<code>{_e(analysis.options.hotspot_variable)}</code> (Getis-Ord Gi*, false-discovery rate "
        f"{analysis.options.hotspot_alpha:.0%}); blue outline: cold spot; circles: suggested standby positions.</p>",
        _map_svg(analysis),
        _cells_table(analysis),
        "<h2>What fails most</h2>",
        _pareto_svg(analysis),
        _faults_table(analysis),
        "<h3>Asset models</h3>",
        _models_table(analysis),
        "<h2>Standby positions for the next shift</h2>",
        _standby_table(analysis),
        "<h2>Rejected records</h2>",
        _errors(analysis, csv_lines),
        "</body></html>",
    ]
    return "\n".join(parts)


# -- pieces ----------------------------------------------------------------------------------------
def _kpi_table(a: Analysis, t: Targets) -> str:
    overall = [k for k in a.kpis if k.scope == "overall"]
    teams = [k for k in a.kpis if k.scope == "team"]
    columns = overall + teams
    targets = {
        "response_mean": f"≤ {_hours(t.response_mean_max_s)}",
        "overdue_rate": f"≤ {t.overdue_rate_max:.0%}",
        "first_time_fix_rate": f"≥ {t.first_time_fix_min:.0%}",
        "closure_rate": f"≥ {t.closure_rate_min:.0%}",
        "follow_up_in_window_rate": f"≥ {t.follow_up_in_window_min:.0%} in {t.follow_up_min_days:g}-{t.follow_up_max_days:g} days",
    }
    head = "".join(f"<th>{'Overall' if k.scope == 'overall' else 'Team ' + _e(k.key)}</th>" for k in columns)
    rows = [f'<table id="kpis"><thead><tr><th>KPI</th><th>Target</th>{head}</tr></thead><tbody>']
    for key, label, attr in KPI_LABELS:
        cells = "".join(_kpi_cell(k, key, attr, t) for k in columns)
        rows.append(f'<tr data-kpi="{key}"><th>{label}</th><td>{_e(targets[key])}</td>{cells}</tr>')
    rows.append("</tbody></table>")
    for scope, caption in (("month", "Per month"), ("engineer", "Per engineer (lowest first-time fix first)")):
        group = [k for k in a.kpis if k.scope == scope]
        if scope == "engineer":
            group.sort(key=lambda k: (k.first_time_fix_rate is None, k.first_time_fix_rate or 0.0))
        if group:
            rows.append(f"<details><summary>{caption} ({len(group)})</summary>{_kpi_rows_table(group, t, scope)}</details>")
    return "\n".join(rows)


def _kpi_cell(k: KpiRow, key: str, attr: str, t: Targets) -> str:
    met = k.met(t)[key]
    value = getattr(k, attr)
    text = "-" if value is None else (_hours(value) if attr.endswith("_s") else f"{value:.1%}")
    cls = "na" if met is None else ("met" if met else "missed")
    return f'<td class="{cls}">{text}</td>'


def _kpi_rows_table(group: list[KpiRow], t: Targets, scope: str) -> str:
    head = "".join(f"<th>{label}</th>" for _, label, _ in KPI_LABELS)
    rows = [f'<table class="kpi-{scope}"><thead><tr><th>{scope.title()}</th><th>Orders</th>{head}</tr></thead><tbody>']
    for k in group:
        cells = "".join(_kpi_cell(k, key, attr, t) for key, _, attr in KPI_LABELS)
        rows.append(f"<tr><th>{_e(k.key)}</th><td>{k.orders:,}</td>{cells}</tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


def _map_svg(a: Analysis) -> str:
    if not a.cells:
        return '<p id="map">No cells.</p>'
    lat0 = sum(c.latitude_deg for c in a.cells) / len(a.cells)
    k = math.cos(math.radians(lat0))
    boundaries = {c.cell: h3.cell_to_boundary(c.cell) for c in a.cells}
    xs = [lng * k for b in boundaries.values() for _, lng in b]
    ys = [-lat for b in boundaries.values() for lat, _ in b]
    x0, y0 = min(xs), min(ys)
    scale = min((MAP_W - 20) / max(max(xs) - x0, 1e-9), (MAP_H - 20) / max(max(ys) - y0, 1e-9))

    def xy(lat: float, lng: float) -> str:
        return f"{(lng * k - x0) * scale + 10:.1f},{(-lat - y0) * scale + 10:.1f}"

    demand = sorted(c.demand_per_day for c in a.cells)
    bins = [demand[min(len(demand) - 1, int(len(demand) * q / len(PALETTE)))] for q in range(1, len(PALETTE))]
    out = [f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {MAP_W} {MAP_H}" width="{MAP_W}" height="{MAP_H}">']
    ordered = sorted(a.cells, key=lambda c: c.hotspot != "")  # outlined cells last, on top
    for c in ordered:
        fill = PALETTE[sum(c.demand_per_day > b for b in bins)]
        points = " ".join(xy(lat, lng) for lat, lng in boundaries[c.cell])
        tip = (f"{c.cell}: {c.failures:,} failures, {c.demand_per_day:.2f}/day, SLA breach {_pct(c.sla_breach_rate)}, "
               f"p90 response {_hours(c.response_p90_s)}, repeat {c.repeat_rate:.1%}, Gi* z {_num(c.gi_z)} p {_num(c.gi_p, '.2g')}")
        out.append(
            f'<polygon class="cell {c.hotspot}" data-cell="{c.cell}" data-hotspot="{c.hotspot}" points="{points}" fill="{fill}">'
            f"<title>{_e(tip)}</title></polygon>"
        )
    for i, p in enumerate(a.standby, start=1):
        x, y = xy(p.latitude_deg, p.longitude_deg).split(",")
        out.append(
            f'<g class="standby"><circle cx="{x}" cy="{y}" r="9"><title>Standby S{i}: {p.demand_per_day:.1f} failures/day nearest, '
            f'mean {p.mean_distance_m / 1000:.1f} km</title></circle><text x="{x}" y="{float(y) + 4:.1f}">S{i}</text></g>'
        )
    out.append("</svg>")
    legend = "".join(f'<span class="swatch" style="background:{c}"></span>' for c in PALETTE)
    return "".join(out) + f'<p class="legend">{legend} fewer → more failures per day</p>'


def _pareto_svg(a: Analysis) -> str:
    if not a.faults:
        return '<p id="pareto">No failures.</p>'
    n = len(a.faults)
    left, bottom, top = 50, 70, 10
    plot_w, plot_h = PARETO_W - left - 50, PARETO_H - bottom - top
    bar_w = plot_w / n
    peak = max(f.count for f in a.faults)
    out = [f'<svg id="pareto" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {PARETO_W} {PARETO_H}" width="{PARETO_W}" height="{PARETO_H}">']
    line = []
    for i, f in enumerate(a.faults):
        h = plot_h * f.count / peak
        x = left + i * bar_w
        out.append(
            f'<rect class="bar" data-fault="{_e(f.fault_code)}" x="{x + 2:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 4:.1f}" '
            f'height="{h:.1f}"><title>{_e(f.fault_code)}: {f.count:,} ({f.share:.1%})</title></rect>'
        )
        out.append(
            f'<text class="label" transform="translate({x + bar_w / 2:.1f},{top + plot_h + 8}) rotate(50)">{_e(f.fault_code)}</text>'
        )
        line.append(f"{x + bar_w / 2:.1f},{top + plot_h * (1 - f.cumulative_share):.1f}")
    y80 = top + plot_h * 0.2
    out.append(f'<line class="p80" x1="{left}" x2="{left + plot_w}" y1="{y80:.1f}" y2="{y80:.1f}"/>')
    out.append(f'<polyline class="cumulative" points="{" ".join(line)}"/>')
    out.append(f'<text x="{left + plot_w + 4}" y="{y80 + 4:.1f}">80 %</text>')
    out.append(f'<text x="4" y="{top + 10}">{peak:,}</text><text x="4" y="{top + plot_h}">0</text>')
    out.append("</svg>")
    return "".join(out)


def _faults_table(a: Analysis) -> str:
    rows = ['<table id="faults"><thead><tr><th>Fault</th><th>Failures</th><th>Share</th><th>Cumulative</th><th>Repeat ≤ '
            f'{a.options.repeat_window_days:g} d</th><th>First-time fix</th><th>Reopened</th><th>Last {a.options.period_days:g} d</th>'
            "<th>Previous</th><th>Trend</th></tr></thead><tbody>"]
    for f in a.faults:
        trend = "-" if f.trend is None else f"{f.trend:+.0%}"
        rows.append(
            f"<tr><th>{_e(f.fault_code)}</th><td>{f.count:,}</td><td>{f.share:.1%}</td><td>{f.cumulative_share:.1%}</td>"
            f"<td>{f.repeat_rate:.1%}</td><td>{_pct(f.first_time_fix_rate)}</td><td>{f.reopen_rate:.1%}</td>"
            f"<td>{f.count_this_period:,}</td><td>{f.count_previous_period:,}</td><td>{trend}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _models_table(a: Analysis) -> str:
    rows = ['<table id="models"><thead><tr><th>Model</th><th>Failures</th><th>Assets</th><th>Repeat rate</th>'
            "<th>z vs other models</th><th>First-time fix</th><th>Top faults</th></tr></thead><tbody>"]
    for m in a.models:
        flag = ' class="bad"' if m.repeat_z is not None and m.repeat_z > 3 else ""
        top = ", ".join(f"{_e(f.fault_code)} {f.share:.0%}" for f in m.top_faults)
        rows.append(
            f'<tr{flag} data-model="{_e(m.asset_model)}"><th>{_e(m.asset_model)}</th><td>{m.failures:,}</td><td>{m.assets:,}</td>'
            f"<td>{m.repeat_rate:.1%}</td><td>{_num(m.repeat_z, '.1f')}</td><td>{_pct(m.first_time_fix_rate)}</td><td>{top}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _cells_table(a: Analysis) -> str:
    risky = sorted((c for c in a.cells if c.hotspot == "hot"), key=lambda c: -(c.gi_z or 0.0))[:15]
    if not risky:
        return "<p>No significant hotspot.</p>"
    rows = ['<table id="hotspots"><thead><tr><th>Cell</th><th>Failures/day</th><th>SLA breach</th><th>Mean response</th>'
            "<th>p90 response</th><th>Repeat rate</th><th>Gi* z</th><th>p</th></tr></thead><tbody>"]
    for c in risky:
        rows.append(
            f"<tr><th>{c.cell}</th><td>{c.demand_per_day:.2f}</td><td>{_pct(c.sla_breach_rate)}</td><td>{_hours(c.response_mean_s)}</td>"
            f"<td>{_hours(c.response_p90_s)}</td><td>{c.repeat_rate:.1%}</td><td>{_num(c.gi_z, '.1f')}</td><td>{_num(c.gi_p, '.2g')}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _standby_table(a: Analysis) -> str:
    if not a.standby:
        return "<p>None asked for.</p>"
    rows = ['<table id="standby"><thead><tr><th></th><th>Latitude</th><th>Longitude</th><th>Failures/day nearest</th>'
            f"<th>Mean distance</th><th>Stock for a {a.options.shift_hours:g} h shift (expected failures)</th></tr></thead><tbody>"]
    for i, p in enumerate(a.standby, start=1):
        stock = ", ".join(f"{_e(s.fault_code)} {s.expected_per_shift:.1f}" for s in p.stock)
        rows.append(
            f"<tr><th>S{i}</th><td>{p.latitude_deg:.5f}</td><td>{p.longitude_deg:.5f}</td><td>{p.demand_per_day:.1f}</td>"
            f"<td>{p.mean_distance_m / 1000:.1f} km</td><td>{stock}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _errors(a: Analysis, csv_lines: bool) -> str:
    if not a.error_counts:
        return '<p id="errors">None.</p>'
    rows = ['<table id="errors"><thead><tr><th>Field</th><th>Rule</th><th>Records</th></tr></thead><tbody>']
    rows += [f"<tr><td>{_e(f)}</td><td>{_e(r)}</td><td>{n:,}</td></tr>" for f, r, n in a.error_counts]
    rows.append("</tbody></table>")
    where = (lambda i: f"line {i + 2}") if csv_lines else (lambda i: f"record {i}")
    first = "".join(f"<li>{where(e.index)}: {_e(e.field)} {_e(e.rule)}</li>" for e in a.errors[:20])
    return "".join(rows) + f"<details><summary>First rejected records</summary><ul>{first}</ul></details>"


# -- formatting ------------------------------------------------------------------------------------
def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hours(s: float | None) -> str:
    if s is None:
        return "-"
    return f"{s / 3600:.2f} h"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1%}"


def _num(v: float | None, fmt: str = ".2f") -> str:
    return "-" if v is None else format(v, fmt)


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 8px;border:1px solid #ddd;text-align:right}
th{text-align:left;background:#f7f7f7}td.met{background:#e5f5e0}td.missed{background:#fde0dd;font-weight:bold}
td.na{color:#999}tr.bad{background:#fde0dd}
polygon.cell{stroke:#bbb;stroke-width:.5}polygon.hot{stroke:#000;stroke-width:2}polygon.cold{stroke:#2166ac;stroke-width:2}
g.standby circle{fill:#1a9850;stroke:#fff;stroke-width:2}g.standby text{font-size:9px;fill:#fff;text-anchor:middle;font-weight:bold}
rect.bar{fill:#6baed6}polyline.cumulative{fill:none;stroke:#d94801;stroke-width:2}line.p80{stroke:#999;stroke-dasharray:4 3}
text.label{font-size:10px}.swatch{display:inline-block;width:18px;height:12px;border:1px solid #ccc}
"""
