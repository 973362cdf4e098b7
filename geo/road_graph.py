"""The road-graph artifact: plain arrays of a directed drive graph, saved as one `.npz`.

Loading is numpy only (milliseconds for a city), so the request path never touches osmnx.
Edge ``e`` runs ``edge_tail[e] -> edge_head[e]``; its polyline is
``geom_lat_deg/geom_lng_deg[geom_offsets[e]:geom_offsets[e + 1]]``, from tail to head.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ARTIFACT_FORMAT = "dispatch-road-graph"
ARTIFACT_VERSION = 1


@dataclass(frozen=True)
class RoadGraph:
    node_lat_deg: np.ndarray  # float64 (n,)
    node_lng_deg: np.ndarray  # float64 (n,)
    node_osm_id: np.ndarray  # int64 (n,)
    edge_tail: np.ndarray  # int32 (m,)
    edge_head: np.ndarray  # int32 (m,)
    edge_length_m: np.ndarray  # float64 (m,), > 0
    edge_time_s: np.ndarray  # float64 (m,), > 0
    edge_speed_kph: np.ndarray  # float32 (m,)
    edge_class: np.ndarray  # uint8 (m,), index into meta["road_classes"]
    edge_reverse: np.ndarray  # int32 (m,): the edge of the same street the other way, or -1
    geom_offsets: np.ndarray  # int64 (m + 1,)
    geom_lat_deg: np.ndarray  # float64 (geom_offsets[-1],)
    geom_lng_deg: np.ndarray  # float64
    # Node order for the contraction hierarchy (nested dissection, about 1 s for 50k nodes, so
    # computed at build time); empty when the artifact was written without it.
    cch_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    meta: dict = field(default_factory=dict)

    @property
    def node_count(self) -> int:
        return int(self.node_lat_deg.shape[0])

    @property
    def edge_count(self) -> int:
        return int(self.edge_tail.shape[0])

    def validate(self) -> None:
        """Check the invariants the router relies on; raises ValueError."""
        n, m = self.node_count, self.edge_count
        if m == 0 or n == 0:
            raise ValueError("road graph is empty")
        for name in ("edge_head", "edge_length_m", "edge_time_s", "edge_reverse", "edge_class"):
            if getattr(self, name).shape != (m,):
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected ({m},)")
        if self.edge_tail.min() < 0 or max(self.edge_tail.max(), self.edge_head.max()) >= n:
            raise ValueError("edge endpoint out of range")
        if not (np.all(self.edge_length_m > 0) and np.all(self.edge_time_s > 0)):
            raise ValueError("edge lengths and times must be positive")
        if self.geom_offsets.shape != (m + 1,) or self.geom_offsets[-1] != self.geom_lat_deg.size:
            raise ValueError("geometry offsets do not match the geometry arrays")
        if self.cch_order.size not in (0, n):
            raise ValueError("cch_order must be empty or a permutation of the nodes")
        if np.any(np.diff(self.geom_offsets) < 2):
            raise ValueError("every edge geometry needs at least two points")

    def save(self, path: str | Path) -> None:
        arrays = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name != "meta"
        }
        meta = dict(self.meta, format=ARTIFACT_FORMAT, version=ARTIFACT_VERSION)
        # Not compressed: compression would cost more load time than the disk it saves.
        with open(path, "wb") as f:
            np.savez(f, meta_json=np.array(json.dumps(meta)), **arrays)

    @classmethod
    def load(cls, path: str | Path) -> RoadGraph:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta_json"]))
            if meta.get("format") != ARTIFACT_FORMAT:
                raise ValueError(f"{path} is not a road-graph artifact")
            if meta.get("version") != ARTIFACT_VERSION:
                raise ValueError(
                    f"{path} has artifact version {meta.get('version')}, "
                    f"this code reads {ARTIFACT_VERSION}: rebuild the map"
                )
            arrays = {
                name: data[name]
                for name in cls.__dataclass_fields__
                if name != "meta" and name in data.files
            }
        graph = cls(meta=meta, **arrays)
        graph.validate()
        return graph

    def edge_polyline(self, edge: int) -> tuple[np.ndarray, np.ndarray]:
        """(lat_deg, lng_deg) of one edge, tail to head."""
        a, b = self.geom_offsets[edge], self.geom_offsets[edge + 1]
        return self.geom_lat_deg[a:b], self.geom_lng_deg[a:b]
