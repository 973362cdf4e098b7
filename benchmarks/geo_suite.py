"""``python -m benchmarks.geo_suite``: road-network map build, load, snapping and matrix engines.

Examples::

    python -m benchmarks.geo_suite                          # Porto metro, N = 100..5000
    python -m benchmarks.geo_suite --map porto.npz --sizes 100,1000 --repeats 3
    python -m benchmarks.geo_suite --extract city.osm.pbf --engines cch --json out.json

Engines: ``cch`` (production: RoutingKit CCH via `RoadNetwork`, mid-edge snapping, time and
distance); ``scipy`` (the same through chunked scipy Dijkstra; slow, so only N <= 1000 unless
``--scipy-max-n``); ``pyroutingkit`` (another RoutingKit binding, node-to-node times only,
for comparison; skipped when not installed); ``igraph`` (node-to-node times; N <= 1000).
Reported ``wall_s`` is the median of ``repeats`` runs.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

DEFAULT_EXTRACT = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm" / "porto-metro.osm.pbf"
DEFAULT_CACHE = Path.home() / ".cache" / "dispatch-geo"


def _median_wall(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _points(graph, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random points within ~30 m of random nodes (addresses sit near roads)."""
    rng = np.random.default_rng(seed)
    nodes = rng.integers(0, graph.node_count, n)
    return (
        graph.node_lat_deg[nodes] + rng.normal(0, 2e-4, n),
        graph.node_lng_deg[nodes] + rng.normal(0, 2e-4, n),
        nodes,
    )


def _record(engine: str, n: int, wall_s: float, repeats: int, **extra) -> dict:
    return {"suite": "geo", "engine": engine, "n": n, "wall_s": round(wall_s, 4), "repeats": repeats, **extra}


def run(args: argparse.Namespace) -> list[dict]:
    from geo.road_graph import RoadGraph
    from geo.road_network import RoadNetwork

    records: list[dict] = []
    map_path = Path(args.map) if args.map else None
    if map_path is None:
        extract = Path(args.extract)
        map_path = Path(args.cache_dir) / (extract.name.split(".")[0] + ".npz")
        if not map_path.exists() or args.rebuild:
            from geo.mapbuild import build_map

            map_path.parent.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            build_map(extract, map_path)
            records.append(_record("mapbuild", 0, time.perf_counter() - t0, 1, stage="build", map=str(extract.name)))
    load_s, graph = _median_wall(lambda: RoadGraph.load(map_path), args.repeats)
    records.append(_record("npz", graph.node_count, load_s, args.repeats, stage="load", edges=graph.edge_count))

    networks: dict[str, RoadNetwork] = {}
    for name in ("cch", "scipy"):
        if name in args.engines:
            t0 = time.perf_counter()
            networks[name] = RoadNetwork(graph, engine=name).prepare()
            records.append(_record(name, graph.node_count, time.perf_counter() - t0, 1, stage="prepare"))

    any_net = next(iter(networks.values()), None) or RoadNetwork(graph, engine="scipy")
    for n in args.sizes:
        lat, lng, nodes = _points(graph, n, seed=n)
        snap_s, _ = _median_wall(lambda: any_net.snap(lat, lng), args.repeats)
        records.append(_record("kdtree", n, snap_s, args.repeats, stage="snap"))
        reference = None
        for name, net in networks.items():
            if name == "scipy" and n > args.scipy_max_n:
                continue
            reps = 1 if name == "scipy" else args.repeats
            wall, result = _median_wall(lambda: net.matrices(lat, lng), reps)
            extra = {"stage": "matrix", "mid_edge": True, "distance": True}
            if reference is None:
                reference = result
            else:
                extra["equal_to_" + next(iter(networks))] = bool(
                    np.array_equal(result.duration_s, reference.duration_s)
                    and np.array_equal(result.distance_m, reference.distance_m)
                )
            records.append(_record(name, n, wall, reps, **extra))
            if name == "cch":
                ext_s, _ = _median_wall(
                    lambda: net.extend_matrix(result, lat, lng, lat[0] + 1e-3, lng[0]), args.repeats
                )
                records.append(_record(name, n, ext_s, args.repeats, stage="extend_one_point"))
        if "pyroutingkit" in args.engines:
            records.extend(_pyroutingkit(graph, any_net, nodes, n, args.repeats))
        if "igraph" in args.engines and n <= args.scipy_max_n:
            records.extend(_igraph(graph, any_net, nodes, n))
    return records


def _pyroutingkit(graph, net, nodes, n, repeats) -> list[dict]:
    try:
        import pyroutingkit
    except ImportError:
        return []
    cch = pyroutingkit.CCH()
    t0 = time.perf_counter()
    cch.build_topology(
        graph.edge_tail.astype(np.uint32), graph.edge_head.astype(np.uint32),
        graph.node_lat_deg.astype(np.float32), graph.node_lng_deg.astype(np.float32), graph.node_count,
    )
    cch.customize_weights(net.weights.edge_time_units.astype(np.uint32))
    prep_s = time.perf_counter() - t0
    src = nodes.astype(np.uint32)
    wall, _ = _median_wall(lambda: cch.distances_many_to_many(src, src), repeats)
    return [_record("pyroutingkit", n, wall, repeats, stage="matrix", mid_edge=False, distance=False, prepare_s=round(prep_s, 3))]


def _igraph(graph, net, nodes, n) -> list[dict]:
    try:
        import igraph
    except ImportError:
        return []
    g = igraph.Graph(n=graph.node_count, edges=np.column_stack([graph.edge_tail, graph.edge_head]).tolist(), directed=True)
    weights = net.weights.edge_time_units.astype(float).tolist()
    targets = np.unique(nodes).tolist()  # igraph rejects duplicate targets
    wall, _ = _median_wall(lambda: g.distances(source=nodes.tolist(), target=targets, weights=weights, mode="out"), 1)
    return [_record("igraph", n, wall, 1, stage="matrix", mid_edge=False, distance=False)]


def format_table(records: Sequence[dict]) -> str:
    lines = [f"{'stage':<18}{'engine':<15}{'n':>7}{'wall_s':>10}{'repeats':>9}  extra"]
    for r in records:
        extra = {k: v for k, v in r.items() if k not in {"suite", "engine", "n", "wall_s", "repeats", "stage"}}
        lines.append(
            f"{r.get('stage', ''):<18}{r['engine']:<15}{r['n']:>7}{r['wall_s']:>10.4f}{r['repeats']:>9}  "
            + (json.dumps(extra) if extra else "")
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.geo_suite", description=__doc__.split("\n")[0])
    parser.add_argument("--map", help="road-graph artifact (.npz); default: build from --extract")
    parser.add_argument("--extract", default=str(DEFAULT_EXTRACT), help="OSM extract to build the map from")
    parser.add_argument("--cache-dir", default=str(DEFAULT_CACHE), help="where a built map is cached")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached map (times the build)")
    parser.add_argument("--sizes", default="100,1000,2000,5000", help="comma-separated point counts")
    parser.add_argument("--engines", default="cch,scipy,pyroutingkit,igraph")
    parser.add_argument("--scipy-max-n", type=int, default=1000, help="largest N for the slow engines")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default="benchmarks/results/geo.json", help="where to write records")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    records = run(args)
    print(format_table(records))
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        meta = {"python": sys.version.split()[0], "machine": platform.machine()}
        out.write_text(json.dumps([dict(r, env=meta) for r in records], indent=1))
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
