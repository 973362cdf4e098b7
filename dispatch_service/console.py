"""The planner console: a page the HTTP listener serves on ``--console`` (``dispatch console``
starts a server with it). The page is plain JavaScript and SVG from ``console_static/``, served
here with everything it needs (no script, style, font or map tile from anywhere else), and it
calls the service through the same HTTP/JSON API as any client.

Besides the static files, the console reads three small JSON documents from here:
``/console/config.json`` (the targets its KPI cards compare against, the loaded maps, whether
calls need a token), ``/console/examples/`` (the example requests shipped in ``examples/``) and
``/console/roads?map=ID&bbox=…`` (a loaded map's streets inside a box, for the base map).
"""

from __future__ import annotations

import json
import mimetypes
import pathlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import numpy as np

from dispatch_service.analytics.targets import Targets

if TYPE_CHECKING:
    from dispatch_service.security import TokenCheck
    from dispatch_service.travel import TravelService

STATIC = pathlib.Path(__file__).resolve().parent / "console_static"
EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
PREFIX = "/console/"
# The response-time target on site (PlanKpis.p90_response_time): 90 % of orders reached within
# 4 h (the proto's "on site within 4 h"; the mean target is Targets.response_mean_max_s).
ON_SITE_P90_MAX_S = 4 * 3600.0
MAX_ROAD_SEGMENTS = 40_000  # streets sent for one box; beyond it the longest are kept

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def console_config(travel: TravelService, auth: bool) -> dict[str, Any]:
    t = Targets()
    return {
        "targets": {
            "overdue_rate_max": t.overdue_rate_max,
            "response_mean_max_s": t.response_mean_max_s,
            "response_p90_max_s": ON_SITE_P90_MAX_S,
        },
        "maps": sorted(travel.maps),
        "auth": auth,
    }


def road_lines(travel: TravelService, map_id: str, bbox: tuple[float, float, float, float] | None) -> dict[str, Any]:
    """The streets of a loaded map as polylines ``[lng, lat, lng, lat, …]`` (one per street,
    not one per direction), those touching ``bbox`` (min lat, min lng, max lat, max lng) only."""
    network = travel.maps.get(map_id)
    if network is None:
        return {"map": map_id, "lines": [], "error": f"no map {map_id!r} is loaded"}
    g = network.graph
    m = g.edge_count
    keep = (g.edge_reverse < 0) | (g.edge_reverse > np.arange(m))  # one direction of each street
    if bbox is not None:
        lo_lat, lo_lng, hi_lat, hi_lng = bbox
        lat_t, lng_t = g.node_lat_deg[g.edge_tail], g.node_lng_deg[g.edge_tail]
        lat_h, lng_h = g.node_lat_deg[g.edge_head], g.node_lng_deg[g.edge_head]
        inside_t = (lat_t >= lo_lat) & (lat_t <= hi_lat) & (lng_t >= lo_lng) & (lng_t <= hi_lng)
        inside_h = (lat_h >= lo_lat) & (lat_h <= hi_lat) & (lng_h >= lo_lng) & (lng_h <= hi_lng)
        keep &= inside_t | inside_h
    edges = np.flatnonzero(keep)
    truncated = edges.size > MAX_ROAD_SEGMENTS
    if truncated:
        edges = edges[np.argsort(-g.edge_length_m[edges])[:MAX_ROAD_SEGMENTS]]
    lines = []
    for e in edges.tolist():
        start, end = int(g.geom_offsets[e]), int(g.geom_offsets[e + 1])
        if end - start >= 2:
            lats, lngs = g.geom_lat_deg[start:end], g.geom_lng_deg[start:end]
        else:
            lats = np.array([g.node_lat_deg[g.edge_tail[e]], g.node_lat_deg[g.edge_head[e]]])
            lngs = np.array([g.node_lng_deg[g.edge_tail[e]], g.node_lng_deg[g.edge_head[e]]])
        lines.append([round(float(v), 6) for pair in zip(lngs, lats) for v in pair])
    return {"map": map_id, "lines": lines, "truncated": truncated}


class ConsoleApp:
    """WSGI: the console's pages and documents under ``/console/``; everything else goes to the
    API application (``api``)."""

    def __init__(self, api: WsgiApp, travel: TravelService, tokens: TokenCheck | None) -> None:
        self.api, self.travel, self.tokens = api, travel, tokens

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path in ("/", "/console"):
            start_response("302 Found", [("location", PREFIX), ("content-length", "0")])
            return [b""]
        if not path.startswith(PREFIX):
            return self.api(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _send(start_response, "405 Method Not Allowed", b"", "text/plain")
        rest = path[len(PREFIX):]
        if rest in ("", "index.html"):
            return _file(start_response, STATIC / "index.html")
        if rest.startswith("static/"):
            return _file(start_response, STATIC / rest[len("static/"):])
        # The documents below hold the service's data: a token when the service wants one.
        if self.tokens is not None and rest != "config.json" and not self.tokens.authorised(environ.get("HTTP_AUTHORIZATION", "")):
            return _json(start_response, {"code": "unauthenticated", "message": "a valid bearer token is required"}, "401 Unauthorized")
        if rest == "config.json":
            return _json(start_response, console_config(self.travel, self.tokens is not None))
        if rest == "examples/":
            names = sorted(p.name for p in EXAMPLES.glob("*.json"))
            return _json(start_response, {"examples": names})
        if rest.startswith("examples/"):
            return _file(start_response, EXAMPLES / rest[len("examples/"):], root=EXAMPLES)
        if rest == "roads":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            bbox = None
            if "bbox" in query:
                try:
                    lo_lat, lo_lng, hi_lat, hi_lng = (float(v) for v in query["bbox"][0].split(","))
                    bbox = (lo_lat, lo_lng, hi_lat, hi_lng)
                except ValueError:
                    return _json(start_response, {"code": "invalid_argument", "message": "bbox: four numbers, min lat,min lng,max lat,max lng"},
                                 "400 Bad Request")
            return _json(start_response, road_lines(self.travel, query.get("map", [""])[0], bbox))
        return _send(start_response, "404 Not Found", b"not found", "text/plain")


def _send(start_response: Callable, status: str, body: bytes, content_type: str) -> list[bytes]:
    start_response(status, [("content-type", content_type), ("content-length", str(len(body))), ("cache-control", "no-store"),
                            # The page may only use what this server sends it.
                            ("content-security-policy", "default-src 'self'; img-src 'self' data:; style-src 'self'")])
    return [body]


def _json(start_response: Callable, doc: dict, status: str = "200 OK") -> list[bytes]:
    return _send(start_response, status, json.dumps(doc).encode(), "application/json")


def _file(start_response: Callable, path: pathlib.Path, root: pathlib.Path = STATIC) -> list[bytes]:
    path = path.resolve()
    if root.resolve() not in path.parents or not path.is_file():
        return _send(start_response, "404 Not Found", b"not found", "text/plain")
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
        kind += "; charset=utf-8"
    return _send(start_response, "200 OK", path.read_bytes(), kind)
