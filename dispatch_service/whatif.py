"""``dispatch whatif SCENARIOS.yaml -o REPORT.md|.html``: compare dispatch scenarios for a planner.

The YAML file names a base request (a protobuf-JSON file, relative to the YAML file, or the
request inline), optional option overrides, and the scenarios (``dispatch.v1.Scenario`` in
protobuf JSON, snake_case or camelCase)::

    base: porto-day.json
    options: {timeLimit: 3s}          # merged into the base request's options
    noise_seeds: [2]                  # default: [the base's seed + 1]; [] measures no noise
    scenarios:
      - name: one engineer fewer
        remove_engineer_ids: [ENG-01]
      - name: 20 % more orders
        order_scale: 1.2

It calls CompareScenarios on ``--server`` (or on a server it starts in this process) and writes
the report: a KPI table with each scenario's change from the base and its noise (every plan is
solved again with the noise seeds; the same seeds for every scenario), the plan differences, and
a map of each scenario's routes (one PNG per scenario next to the report).
"""

from __future__ import annotations

import argparse
import html
import json
import math
import pathlib
import re
import sys

import grpc
import yaml
from google.protobuf import json_format

from dispatch_service import convert
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.convert import scenario_from_pb
from dispatch_service.scenarios import apply_scenario


class ScenarioFileError(ValueError):
    pass


def load(path: str | pathlib.Path) -> pb.CompareScenariosRequest:
    path = pathlib.Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioFileError(f"{path}: cannot read: {exc}") from None
    if not isinstance(doc, dict) or "base" not in doc or not isinstance(doc.get("scenarios"), list):
        raise ScenarioFileError(f"{path}: needs `base` (a request file or an inline request) and a list `scenarios`")
    base = doc["base"]
    try:
        if isinstance(base, str):
            base_path = (path.parent / base).resolve()
            base = json.loads(base_path.read_text(encoding="utf-8"))
        request = pb.CompareScenariosRequest(include_plans=True)
        json_format.ParseDict(base, request.base)
        if doc.get("options"):
            json_format.ParseDict(doc["options"], request.base.options)
        if doc.get("label"):
            request.base.label = str(doc["label"])
        for scenario in doc["scenarios"]:
            json_format.ParseDict(scenario, request.scenarios.add())
        seeds = doc.get("noise_seeds", [request.base.options.random_seed + 1])
        if not isinstance(seeds, list):
            raise TypeError("noise_seeds must be a list of search seeds")
        request.noise_seeds.extend(int(seed) for seed in seeds)
    except (OSError, ValueError, json_format.ParseError, TypeError) as exc:
        raise ScenarioFileError(f"{path}: {exc}") from None
    return request


def compare(request: pb.CompareScenariosRequest, address: str | None, timeout_s: float, workers: int = 2) -> pb.CompareScenariosResponse:
    if address is not None:
        return _call(address, request, timeout_s)
    from dispatch_service.config import ServerConfig
    from dispatch_service.server import DispatchServer

    server = DispatchServer(ServerConfig(address="127.0.0.1:0", workers=workers, queue_size=max(8, len(request.scenarios) + 1)))
    port = server.start()
    try:
        return _call(f"127.0.0.1:{port}", request, timeout_s)
    finally:
        server.stop(grace_s=1.0)


def _call(address: str, request, timeout_s: float):
    options = [("grpc.max_receive_message_length", 256 * 1024 * 1024), ("grpc.max_send_message_length", 256 * 1024 * 1024)]
    with grpc.insecure_channel(address, options=options) as channel:
        return pb_grpc.DispatchServiceStub(channel).CompareScenarios(request, timeout=timeout_s)


# -- the report --------------------------------------------------------------------------------


def _secs(d) -> float:
    return d.seconds + d.nanos / 1e9


def _hm(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    minutes = round(abs(seconds) / 60)
    return f"{sign}{minutes // 60}h{minutes % 60:02d}"


def _signed(value: float, fmt: str) -> str:
    return ("+" if value > 0 else "") + format(value, fmt) if value else "±0"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scenario"


def _noise(response: pb.CompareScenariosResponse, r: pb.ScenarioResult, field: str, scale: float = 1.0) -> float | None:
    """The noise of a delta: the larger of the base's and the result's KPI range over the seeds
    (None when the comparison measured none)."""
    if not response.base.HasField("noise") or not r.HasField("noise"):
        return None
    a, b = getattr(response.base.noise, field), getattr(r.noise, field)
    if hasattr(a, "seconds"):
        a, b = _secs(a), _secs(b)
    return max(abs(a), abs(b)) * scale


def _with_noise(delta: float, noise: float | None, text: str, noise_text: str) -> str:
    """`` (+12.3 ±4.0)``; ``≈`` marks a delta no larger than its noise."""
    if delta == 0:
        text = "0" + text.removeprefix("±0")
    if noise is None:
        return f" ({text})"
    within = abs(delta) <= noise + 1e-9 * max(1.0, noise)  # equal up to rounding is within
    return f" ({'≈ ' if within else ''}{text} ±{noise_text})"


def rows(response: pb.CompareScenariosResponse) -> list[list[str]]:
    out = []
    for r in [response.base, *response.scenarios]:
        k, d, diff = r.kpis, r.delta, r.diff
        is_base = r is response.base

        def delta(field: str, value: float, text: str, fmt, scale: float = 1.0, is_base: bool = is_base, r=r) -> str:
            if is_base:
                noise = _noise(response, r, field, scale)
                return "" if noise is None else f" (±{fmt(noise)})"
            noise = _noise(response, r, field, scale)
            return _with_noise(value, noise, text, "" if noise is None else fmt(noise))

        resp = _hm(_secs(k.mean_response_time)) if k.HasField("mean_response_time") else "–"
        resp_d = ""
        if d.HasField("mean_response_time") or is_base:
            dr = _secs(d.mean_response_time)
            resp_d = delta("mean_response_time", dr, ("+" if dr > 0 else "") + _hm(dr), _hm)
        travel_d = _secs(d.total_travel_duration)
        out.append([
            r.name,
            f"{k.orders_served}/{k.orders_total}" + delta("orders_served", d.orders_served, _signed(d.orders_served, "d"), lambda v: f"{v:.0f}"),
            f"{k.orders_unassigned}" + delta("orders_unassigned", d.orders_unassigned, _signed(d.orders_unassigned, "d"), lambda v: f"{v:.0f}"),
            f"{k.on_time_rate:.1%}" + delta("on_time_rate", d.on_time_rate * 100, _signed(round(d.on_time_rate * 100, 1), ".1f") + " pp",
                                           lambda v: f"{v:.1f} pp", scale=100),
            f"{k.overdue_count}" + delta("overdue_count", d.overdue_count, _signed(d.overdue_count, "d"), lambda v: f"{v:.0f}"),
            resp + resp_d,
            _hm(_secs(k.total_travel_duration)) + delta("total_travel_duration", travel_d, ("+" if travel_d > 0 else "") + _hm(travel_d), _hm),
            f"{k.total_travel_distance_meters / 1000:.1f}" + delta(
                "total_travel_distance_meters", d.total_travel_distance_meters / 1000,
                _signed(round(d.total_travel_distance_meters / 1000, 1), ".1f"), lambda v: f"{v:.1f}", scale=0.001),
            f"{_hm(_secs(k.total_working_duration))}",
            f"{r.objective:.1f}" + delta("objective", d.objective, _signed(round(d.objective, 1), ".1f"), lambda v: f"{v:.1f}"),
            "" if is_base else str(len(diff.moved_order_ids)),
            "" if is_base else f"+{len(diff.newly_served_order_ids)} / -{len(diff.newly_unassigned_order_ids)}",
            "" if is_base else str(len(diff.changed_engineer_ids)),
            "" if is_base else f"{_hm(_secs(diff.mean_arrival_shift))} / {_hm(_secs(diff.max_arrival_shift))}",
        ])
    return out


HEADER = ["scenario", "served", "unassigned", "on time (SLA)", "overdue", "mean response", "travel", "km", "working",
          "objective", "moved", "newly served / unassigned", "engineers changed", "arrival shift mean / max"]


def scenario_problems(request: pb.CompareScenariosRequest):
    """Each result's domain problem (base first), rebuilt as the server built it, for the maps."""
    base, _ = convert.request_to_problem(request.base)
    out = [base]
    for k, msg in enumerate(request.scenarios):
        spec, _ = scenario_from_pb(msg, f"scenarios[{k}]")
        out.append(apply_scenario(base, spec).problem)
    return out


def render_maps(request, response, out_dir: pathlib.Path, stem: str) -> list[pathlib.Path]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    problems = scenario_problems(request)
    lats = [o.location.lat for p in problems for o in p.orders] + [e.start_location.lat for p in problems for e in p.engineers]
    lngs = [o.location.lng for p in problems for o in p.orders] + [e.start_location.lng for p in problems for e in p.engineers]
    pad_lat = (max(lats) - min(lats)) * 0.04 + 1e-4
    pad_lng = (max(lngs) - min(lngs)) * 0.04 + 1e-4
    paths = []
    for problem, result in zip(problems, [response.base, *response.scenarios]):
        orders = {o.id: o.location for o in problem.orders}
        engineers = {e.id: e for e in problem.engineers}
        fig = Figure(figsize=(8, 8), dpi=100)
        ax = fig.add_subplot()
        colours = matplotlib.colormaps["tab20"]
        for n, route in enumerate(r for r in result.plan.routes if r.visits):
            eng = engineers.get(route.engineer_id)
            if eng is None:
                continue
            pts = [eng.start_location] + [orders[v.order_id] for v in route.visits if v.order_id in orders]
            if eng.end_location is not None:
                pts.append(eng.end_location)
            colour = colours(n % 20)
            ax.plot([p.lng for p in pts], [p.lat for p in pts], "-", color=colour, linewidth=1.2, alpha=0.85)
            ax.plot([p.lng for p in pts[1:len(route.visits) + 1]], [p.lat for p in pts[1:len(route.visits) + 1]], "o", color=colour, markersize=3)
            ax.plot([eng.start_location.lng], [eng.start_location.lat], "s", color=colour, markersize=6, markeredgecolor="black")
        missed = [orders[u.order_id] for u in result.plan.unassigned_orders if u.order_id in orders]
        if missed:
            ax.plot([p.lng for p in missed], [p.lat for p in missed], "x", color="red", markersize=6, label=f"unassigned ({len(missed)})")
            ax.legend(loc="upper right")
        k = result.kpis
        ax.set_title(f"{result.name}: {k.orders_served}/{k.orders_total} served, on time {k.on_time_rate:.0%}, "
                     f"{k.total_travel_distance_meters / 1000:.0f} km", fontsize=10)
        ax.set_xlim(min(lngs) - pad_lng, max(lngs) + pad_lng)
        ax.set_ylim(min(lats) - pad_lat, max(lats) + pad_lat)
        ax.set_aspect(1 / max(0.05, math.cos(math.radians((min(lats) + max(lats)) / 2))))
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.grid(True, linewidth=0.3)
        path = out_dir / f"{stem}-{_slug(result.name)}.png"
        fig.savefig(path)
        paths.append(path)
    return paths


def write_report(request, response, out: pathlib.Path) -> list[pathlib.Path]:
    """Writes the report (HTML for .html/.htm, else markdown) and its PNGs; returns all paths."""
    out.parent.mkdir(parents=True, exist_ok=True)
    images = render_maps(request, response, out.parent, out.stem)
    table = rows(response)
    label = request.base.label or "base"
    notes = [
        "Deltas in brackets are the scenario minus the base. *moved*: orders served in both plans by different engineers; "
        "*arrival shift*: change of service start over orders served in both.",
    ]
    if request.noise_seeds:
        seeds = ", ".join(str(x) for x in [request.base.options.random_seed, *request.noise_seeds])
        notes[0] += (f" Every plan was solved with the search seeds {seeds} (the same seeds for every scenario); ± is the "
                     "search's own noise: the larger of the base's and the scenario's range of that KPI over the seeds "
                     "(the base row shows its own). ≈ marks a delta no larger than its noise: not a difference the search "
                     "can tell apart.")
    if out.suffix.lower() in (".html", ".htm"):
        e = html.escape
        head = "".join(f"<th>{e(h)}</th>" for h in HEADER)
        body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in table)
        figs = "".join(f'<figure><img src="{e(p.name)}" alt="{e(r.name)}" width="640"><figcaption>{e(r.name)}</figcaption></figure>'
                       for p, r in zip(images, [response.base, *response.scenarios]))
        text = (f"<!doctype html><html><head><meta charset='utf-8'><title>What-if: {e(label)}</title>"
                "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 6px;"
                "text-align:right}td:first-child,th:first-child{text-align:left}figure{display:inline-block}</style></head><body>"
                f"<h1>What-if: {e(label)}</h1><table><tr>{head}</tr>{body}</table><p>{e(notes[0])}</p><h2>Routes</h2>{figs}</body></html>")
    else:
        lines = [f"# What-if: {label}", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in table]
        lines += ["", notes[0], "", "## Routes", ""]
        for p, r in zip(images, [response.base, *response.scenarios]):
            lines += [f"### {r.name}", "", f"![{r.name}]({p.name})", ""]
        text = "\n".join(lines)
    out.write_text(text, encoding="utf-8")
    return [out, *images]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dispatch whatif", description="Compare dispatch scenarios and write a report.")
    parser.add_argument("scenarios", help="YAML scenario file")
    parser.add_argument("--server", default=None, help="host:port of a running server (default: start one in this process)")
    parser.add_argument("-o", "--output", default="whatif-report.md", help="report file, .md or .html (PNG maps are written next to it)")
    parser.add_argument("--timeout", type=float, default=600.0, help="call deadline in seconds")
    parser.add_argument("--workers", type=int, default=2, help="solver processes of the in-process server")
    args = parser.parse_args(argv)
    from dispatch_service import errors

    try:
        request = load(args.scenarios)
    except ScenarioFileError as exc:
        print(f"dispatch whatif: {exc}", file=sys.stderr)
        return 2
    try:
        response = compare(request, args.server, args.timeout, args.workers)
    except grpc.RpcError as exc:
        print(f"dispatch whatif: {exc.code().name}: {exc.details()}", file=sys.stderr)
        for field, description in errors.field_violations(exc):
            print(f"  {field}: {description}", file=sys.stderr)
        return 1
    written = write_report(request, response, pathlib.Path(args.output))
    for row in rows(response):
        print(f"{row[0]:<24} served {row[1]:<16} on time {row[3]:<22} objective {row[9]}")
    print(f"report: {written[0]} ({len(written) - 1} maps)", file=sys.stderr)
    return 0

