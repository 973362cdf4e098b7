"""Offline map build: OSM extract -> drivable directed graph -> `.npz` road-graph artifact.

Run once per map (`dispatch map build EXTRACT -o MAP`). This is the only module that imports
osmium and osmnx, and it does so inside functions: importing osmnx takes about 3 s.

Steps, and why:
1. pyosmium reads `.osm.pbf`, `.osm` or `.osm.bz2` and keeps drivable ways only, because
   `osmnx.graph_from_xml` turns *every* way into edges (buildings too). Ways are split where
   they reference nodes missing from a clipped extract, rather than bridged by a straight line.
2. osmnx builds the directed, simplified graph (one-way tags honoured).
3. Speeds come from an explicit table per road class, capped by a tagged `maxspeed`.
4. Only the largest strongly connected component is kept, so every point reaches every other.
5. Parallel edges are reduced to the fastest (scipy's csr_matrix would sum them), self-loops
   dropped, and the arrays written by `RoadGraph.save`.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from rich.console import Console

from geo.road_classes import edge_speed_kph, is_drivable_way, load_speed_table, road_class_of
from geo.road_graph import RoadGraph

log = logging.getLogger(__name__)

# The tags osmnx needs to build and weight the graph; others are dropped to keep the file small.
_KEPT_WAY_TAGS = ("highway", "oneway", "junction", "maxspeed", "name", "access", "service")
_MIN_EDGE_LENGTH_M = 0.5  # osmnx can give 0 m for edges between coincident nodes


def filter_drivable_to_xml(extract_path: str | Path, out_osm_path: str | Path) -> dict:
    """Write the drivable ways of an extract (and their nodes) as OSM XML for osmnx."""
    import osmium  # build-only dependency

    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    stats = {"ways_seen": 0, "ways_kept": 0, "missing_node_refs": 0, "way_splits": 0}
    next_split_id = -1  # fresh ids for the extra pieces of split ways

    # Nodes must be read for the location cache; only ways are handed to the loop.
    fp = (
        osmium.FileProcessor(str(extract_path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
    )
    for way in fp:
        stats["ways_seen"] += 1
        if "highway" not in way.tags:
            continue
        tags = {t.k: t.v for t in way.tags}
        if not is_drivable_way(tags):
            continue
        kept_tags = {k: tags[k] for k in _KEPT_WAY_TAGS if k in tags}
        runs: list[list[int]] = [[]]
        for nd in way.nodes:  # type: ignore[union-attr]  # the filter lets only ways through
            loc = nd.location
            if loc.valid():
                nodes[nd.ref] = (loc.lat, loc.lon)
                runs[-1].append(nd.ref)
            else:
                stats["missing_node_refs"] += 1
                if runs[-1]:
                    runs.append([])
        runs = [r for r in runs if len(r) >= 2]
        for i, refs in enumerate(runs):
            way_id = way.id
            if i > 0:
                way_id = next_split_id
                next_split_id -= 1
                stats["way_splits"] += 1
            ways.append((way_id, refs, kept_tags))
    stats["ways_kept"] = len(ways)

    with open(out_osm_path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="geo.mapbuild">\n')
        for node_id, (lat, lng) in nodes.items():
            f.write(f'<node id="{node_id}" lat="{lat:.7f}" lon="{lng:.7f}" version="1"/>\n')
        for way_id, refs, tags in ways:
            f.write(f'<way id="{way_id}" version="1">')
            f.write("".join(f'<nd ref="{r}"/>' for r in refs))
            f.write("".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()))
            f.write("</way>\n")
        f.write("</osm>\n")
    stats["nodes_kept"] = len(nodes)
    return stats


def _oriented_polyline(data: Mapping, u_latlng, v_latlng) -> tuple[list[float], list[float]]:
    """Edge polyline (lat, lng) from tail to head; straight when osmnx stored no geometry."""
    geom = data.get("geometry")
    if geom is None:
        return [u_latlng[0], v_latlng[0]], [u_latlng[1], v_latlng[1]]
    xs, ys = geom.xy  # shapely: x = lng, y = lat
    lats, lngs = list(ys), list(xs)

    def d2(lat, lng, p):
        return (lat - p[0]) ** 2 + (lng - p[1]) ** 2

    if d2(lats[0], lngs[0], u_latlng) > d2(lats[0], lngs[0], v_latlng):
        lats.reverse()
        lngs.reverse()
    return lats, lngs


def graph_to_arrays(G, speed_table_kph: Mapping[str, float], meta: dict) -> RoadGraph:
    """Turn an osmnx MultiDiGraph into a RoadGraph (fastest of parallel edges, no self-loops)."""
    node_ids = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
    index_of = {int(osm): i for i, osm in enumerate(node_ids)}
    lat = np.array([G.nodes[int(o)]["y"] for o in node_ids], dtype=np.float64)
    lng = np.array([G.nodes[int(o)]["x"] for o in node_ids], dtype=np.float64)

    best: dict[tuple[int, int], tuple[float, dict]] = {}
    for u, v, data in G.edges(data=True):
        if u == v:
            continue
        length_m = max(float(data.get("length", 0.0)), _MIN_EDGE_LENGTH_M)
        speed = edge_speed_kph(data.get("highway"), data.get("maxspeed"), speed_table_kph)
        time_s = length_m / (speed / 3.6)
        key = (index_of[u], index_of[v])
        if key not in best or time_s < best[key][0]:
            best[key] = (time_s, dict(data, length=length_m, speed_kph=speed))

    keys = sorted(best)  # deterministic edge order
    m = len(keys)
    tail = np.fromiter((k[0] for k in keys), dtype=np.int32, count=m)
    head = np.fromiter((k[1] for k in keys), dtype=np.int32, count=m)
    edge_time_s = np.fromiter((best[k][0] for k in keys), dtype=np.float64, count=m)
    edge_length_m = np.fromiter((best[k][1]["length"] for k in keys), dtype=np.float64, count=m)
    speed_kph = np.fromiter((best[k][1]["speed_kph"] for k in keys), dtype=np.float32, count=m)

    class_names: list[str] = []
    class_index: dict[str, int] = {}
    edge_class = np.zeros(m, dtype=np.uint8)
    offsets = np.zeros(m + 1, dtype=np.int64)
    geom_lat: list[float] = []
    geom_lng: list[float] = []
    for e, k in enumerate(keys):
        data = best[k][1]
        name = road_class_of(data.get("highway"))
        if name not in class_index:
            class_index[name] = len(class_names)
            class_names.append(name)
        edge_class[e] = class_index[name]
        la, ln = _oriented_polyline(data, (lat[k[0]], lng[k[0]]), (lat[k[1]], lng[k[1]]))
        geom_lat.extend(la)
        geom_lng.extend(ln)
        offsets[e + 1] = len(geom_lat)

    # Pair each edge with the other direction of the same street (for snapping onto two-way
    # streets). Two different streets can join the same two nodes, so the lengths must agree.
    edge_of = {k: e for e, k in enumerate(keys)}
    reverse = np.full(m, -1, dtype=np.int32)
    for e, (u, v) in enumerate(keys):
        r = edge_of.get((v, u))
        if r is not None and abs(edge_length_m[e] - edge_length_m[r]) <= max(1.0, 0.01 * edge_length_m[e]):
            reverse[e] = r

    meta = dict(
        meta,
        road_classes=class_names,
        speed_table_kph=dict(speed_table_kph),
        node_count=int(lat.size),
        edge_count=int(m),
    )
    return RoadGraph(
        node_lat_deg=lat,
        node_lng_deg=lng,
        node_osm_id=node_ids,
        edge_tail=tail,
        edge_head=head,
        edge_length_m=edge_length_m,
        edge_time_s=edge_time_s,
        edge_speed_kph=speed_kph,
        edge_class=edge_class,
        edge_reverse=reverse,
        geom_offsets=offsets,
        geom_lat_deg=np.asarray(geom_lat, dtype=np.float64),
        geom_lng_deg=np.asarray(geom_lng, dtype=np.float64),
        meta=meta,
    )


def _largest_strong_component_arrays(graph: RoadGraph) -> RoadGraph:
    """Restrict to the largest strongly connected component (again, after edge reduction)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = graph.node_count
    adj = coo_matrix(
        (np.ones(graph.edge_count), (graph.edge_tail, graph.edge_head)), shape=(n, n)
    ).tocsr()
    count, labels = connected_components(adj, directed=True, connection="strong")
    if count == 1:
        return graph
    keep_label = np.bincount(labels).argmax()
    keep_node = labels == keep_label
    new_index = np.cumsum(keep_node) - 1
    keep_edge = keep_node[graph.edge_tail] & keep_node[graph.edge_head]
    old_edges = np.flatnonzero(keep_edge)
    new_edge_index = np.full(graph.edge_count, -1, dtype=np.int64)
    new_edge_index[old_edges] = np.arange(old_edges.size)
    rev = graph.edge_reverse[old_edges]
    rev = np.where(rev >= 0, new_edge_index[np.maximum(rev, 0)], -1).astype(np.int32)
    counts = np.diff(graph.geom_offsets)[old_edges]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    point_idx = np.concatenate(
        [np.arange(graph.geom_offsets[e], graph.geom_offsets[e + 1]) for e in old_edges]
    )
    return RoadGraph(
        node_lat_deg=graph.node_lat_deg[keep_node],
        node_lng_deg=graph.node_lng_deg[keep_node],
        node_osm_id=graph.node_osm_id[keep_node],
        edge_tail=new_index[graph.edge_tail[old_edges]].astype(np.int32),
        edge_head=new_index[graph.edge_head[old_edges]].astype(np.int32),
        edge_length_m=graph.edge_length_m[old_edges],
        edge_time_s=graph.edge_time_s[old_edges],
        edge_speed_kph=graph.edge_speed_kph[old_edges],
        edge_class=graph.edge_class[old_edges],
        edge_reverse=rev,
        geom_offsets=offsets,
        geom_lat_deg=graph.geom_lat_deg[point_idx],
        geom_lng_deg=graph.geom_lng_deg[point_idx],
        meta=dict(graph.meta, node_count=int(keep_node.sum()), edge_count=int(old_edges.size)),
    )


def _with_query_preparation(graph: RoadGraph) -> RoadGraph:
    """Add what is slow to compute at load time: the weight packing and the CCH node order."""
    import dataclasses

    from geo.matrix_engines import compute_cch_order
    from geo.travel_weights import choose_packing

    unit_s, unit_m, radix = choose_packing(graph)
    meta = dict(graph.meta, packing={"time_unit_s": unit_s, "distance_unit_m": unit_m, "radix": radix})
    return dataclasses.replace(graph, cch_order=compute_cch_order(graph), meta=meta)


class Stages:
    """The stages of a build on a console (``rich``), one line each when it ends, with its
    duration; a spinner while it runs on a terminal. ``stage(name)`` is a context manager."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.perf_counter) -> None:
        self.console, self.clock = console, clock

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = self.clock()
        with self.console.status(name + " …") if self.console.is_terminal else nullcontext():
            yield
        self.console.print(f"[green]✓[/green] {name} ({self.clock() - started:.1f} s)", highlight=False)


def _no_stage(_name: str) -> AbstractContextManager[None]:
    return nullcontext()


def build_map(
    extract_path: str | Path,
    out_path: str | Path,
    speed_table: Mapping[str, float] | str | Path | None = None,
    *,
    simplify: bool = True,
    stage: Callable[[str], AbstractContextManager[None]] = _no_stage,
) -> RoadGraph:
    """Build the road-graph artifact of an OSM extract; returns the graph it wrote.

    ``speed_table`` is a mapping road class -> km/h or the path of such a JSON object; it
    overrides the defaults in ``geo.road_classes.DEFAULT_SPEED_TABLE_KPH`` class by class.
    ``stage(name)`` wraps each stage (``Stages.stage`` shows them).
    """
    started = time.perf_counter()
    if not Path(extract_path).is_file():
        raise FileNotFoundError(f"no such extract: {extract_path}")
    if isinstance(speed_table, Mapping):
        table = load_speed_table(None)
        table.update({str(k): float(v) for k, v in speed_table.items()})
    else:
        table = load_speed_table(speed_table)
    if any(not (s > 0 and math.isfinite(s)) for s in table.values()):
        raise ValueError("every speed in the speed table must be a positive number")

    with stage("loading osmnx"):
        import osmnx as ox  # build-only dependency; slow import

    with tempfile.TemporaryDirectory(prefix="mapbuild-") as tmp:
        osm_xml = os.path.join(tmp, "drivable.osm")
        with stage("keeping the drivable ways"):
            stats = filter_drivable_to_xml(extract_path, osm_xml)
        if stats["ways_kept"] == 0:
            raise ValueError(f"{extract_path} has no drivable ways")
        with stage(f"building the graph of {stats['ways_kept']:,} ways"):
            G = ox.graph_from_xml(osm_xml, bidirectional=False, simplify=simplify, retain_all=True)
    with stage("keeping the largest strongly connected part"):
        G = ox.truncate.largest_component(G, strongly=True)
    meta = {
        "source": os.path.basename(str(extract_path)),
        "built_at_unix_s": int(time.time()),
        "osmnx_version": ox.__version__,
        "filter_stats": stats,
        "attribution": "© OpenStreetMap contributors, ODbL 1.0",
    }
    with stage("road classes, speeds and geometry"):
        graph = _largest_strong_component_arrays(graph_to_arrays(G, table, meta))
    with stage("preparing queries (CCH node order)"):
        graph = _with_query_preparation(graph)
    graph.meta["build_s"] = round(time.perf_counter() - started, 3)
    with stage(f"checking and writing {out_path}"):
        graph.validate()
        graph.save(out_path)
    log.info("built %s: %d nodes, %d edges", out_path, graph.node_count, graph.edge_count)
    return graph


def main(argv: Sequence[str] | None = None, console: Console | None = None, clock: Callable[[], float] = time.perf_counter) -> int:
    parser = argparse.ArgumentParser(
        prog="dispatch map build",
        description="Build a road-graph artifact (.npz) from an OSM extract (.osm.pbf/.osm/.osm.bz2).",
    )
    parser.add_argument("extract", metavar="EXTRACT", help="OSM extract file")
    parser.add_argument("-o", "--output", metavar="MAP", required=True, help="artifact to write (.npz)")
    parser.add_argument("--speeds", metavar="JSON", help="speed table: JSON object road class -> km/h")
    parser.add_argument("--quiet", action="store_true", help="do not show the stages on stderr")
    args = parser.parse_args(argv)
    stages = Stages(console or Console(stderr=True, quiet=args.quiet), clock)
    try:
        graph = build_map(args.extract, args.output, speed_table=args.speeds, stage=stages.stage)
    except (OSError, ValueError, RuntimeError) as exc:  # osmium reports bad files as RuntimeError
        print(f"map build failed: {exc}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "map": str(args.output),
                "nodes": graph.node_count,
                "edges": graph.edge_count,
                "build_s": graph.meta["build_s"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
