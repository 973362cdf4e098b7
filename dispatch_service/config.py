"""Server configuration from flags, with environment variables as defaults (``DISPATCH_*``)."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Orders per region on the Ray back-end: OR-Tools and the kernel search a region (and a pair
# of them in the seam rounds) quickly at this size (dispatch_service/regional.py).
DEFAULT_REGION_ORDERS = 1000


class ConfigError(ValueError):
    """A setting the server cannot start with; the message is the one line the operator sees."""


def _env(name: str, default: str) -> str:
    return os.environ.get(f"DISPATCH_{name}", default)


@dataclass(frozen=True)
class ServerConfig:
    address: str = "127.0.0.1:50051"
    workers: int = 2  # solver processes; one per core is the useful maximum
    queue_size: int = 8  # solves that may wait for a worker before RESOURCE_EXHAUSTED
    max_message_bytes: int = 32 * 1024 * 1024
    max_orders: int = 20_000
    max_engineers: int = 2_000
    # SolveLarge (requests streamed in chunks): orders allowed, and bytes of all chunks together.
    max_large_orders: int = 100_000
    max_large_request_bytes: int = 1024 * 1024 * 1024
    shutdown_grace_s: float = 10.0
    reflection: bool = False  # off unless enabled: it lists the API to anyone who connects
    rpc_threads: int = 32  # handler threads; solves wait in them without holding the GIL
    deadline_margin_s: float = 0.25  # kept back from a call's deadline to send the answer
    # Hardening (see README "Limits and security").
    solver_stop_grace_s: float = 0.2  # a search not stopping this long after a cancel is killed
    reserved_rpc_threads: int = 4  # handler threads never taken by solves (health, cheap RPCs)
    reject_ended_shifts: bool = False  # INVALID_ARGUMENT for shifts that ended before server time
    tls_cert: str | None = None  # PEM files; with tls_cert and tls_key the server speaks TLS only
    tls_key: str | None = None
    tls_client_ca: str | None = None  # when set, clients must present a certificate it signed
    auth_tokens: tuple[str, ...] = ()  # bearer tokens; empty: no authentication
    metrics_address: str | None = None  # host:port of the Prometheus endpoint; None: off
    # host:port of the HTTP/JSON (Connect) listener beside gRPC; None: off. Port 0 picks a free one.
    http_address: str | None = None
    console: bool = False  # the planner console's pages on the HTTP listener (/console/)
    log_format: str = "text"  # "text" or "json" (JSON lines)
    max_worker_rss_mb: float = 1024.0  # a worker larger than this after a solve is replaced; 0: never
    # Hard cap on a worker's resident memory *during* a task: the worker is killed at once and
    # the call gets RESOURCE_EXHAUSTED (a model past the estimate must not take the machine).
    worker_memory_cap_mb: float = 6144.0
    # A worker whose CPU time does not advance for this long during a task (SIGSTOPped, stuck)
    # is replaced; 0: off.
    worker_stall_s: float = 20.0
    # The service stops a task at its time limit x (1 + share) + this, whatever the search does.
    # Generous: building the plan after the search (routes, KPIs, geometry) takes a while on
    # large days and a loaded machine; the overruns this stops are minutes long.
    time_limit_overrun_s: float = 5.0
    time_limit_overrun_share: float = 0.5
    # Solves whose estimated OR-Tools model is larger are refused (RESOURCE_EXHAUSTED); 0: off.
    max_model_mb: float = 2048.0
    # Workers for evaluation, insertion and large matrices, apart from the solvers, so a
    # dispatcher's question never waits behind a long solve.
    quick_workers: int = 1
    quick_queue_size: int = 16
    quick_run_limit_s: float = 120.0  # evaluation, insertion or a matrix stopped after this; 0: never
    plan_cache_entries: int = 8  # plans in force remembered for repeated insertion questions
    # Solver workers run at this much lower CPU priority, so that on a busy machine the server's
    # own threads (health checks, conversion, cheap RPCs) still get a core at once. 0: same.
    worker_niceness: int = 5
    # How often Python hands the GIL between the server's threads; shorter keeps health checks
    # from waiting behind a thread converting a large plan. Python's default is 5 ms.
    switch_interval_ms: float = 1.0
    # Solve jobs (StartSolve): how long finished jobs are kept, and where (None: memory only).
    job_retention_s: float = 24 * 3600.0
    jobs_db: str | None = None  # an SQLite file path, or a postgresql:// URL shared by replicas
    # PostgreSQL jobs: a replica renews its running jobs every lease / 3; a job whose lease has
    # expired (its replica was killed or lost) is recorded FAILED by any other replica.
    jobs_lease_s: float = 15.0
    maps: tuple[tuple[str, str], ...] = ()  # (map id, artifact path) loaded at start
    # AnalyzeHistory: records accepted per call (a year of a large operation is about a million).
    max_history_records: int = 2_000_000
    # Where large requests' regions are solved (dispatch_service.regional): "local" (the solve's own
    # worker, one region after the other) or "ray" (actors on a Ray cluster at ``ray_address``;
    # None: a local Ray runtime the server starts). Requests with more orders than
    # ``region_orders`` are split into regions of about that many; None: 1000 with Ray, never
    # (0) with the local back-end, whose default path is the single-machine decomposition.
    backend: str = "local"
    ray_address: str | None = None
    region_orders: int | None = None
    # The server's "now" (Unix seconds): ended-shift rule, job times, default departure times.
    # Real time unless a test or a replay injects its own.
    clock: Callable[[], float] = field(default=time.time, compare=False, repr=False)


def region_orders(config: ServerConfig) -> int:
    """Orders per region for this configuration (0: requests are never split)."""
    if config.region_orders is not None:
        return config.region_orders
    return DEFAULT_REGION_ORDERS if config.backend == "ray" else 0


def parse_maps(items: list[str]) -> tuple[tuple[str, str], ...]:
    """``ID=PATH`` items (flags, or ``;``-separated in DISPATCH_MAPS)."""
    out = []
    for item in items:
        map_id, sep, path = item.partition("=")
        if not sep or not map_id or not path:
            raise argparse.ArgumentTypeError(f"a map is given as ID=PATH, got {item!r}")
        out.append((map_id.strip(), path.strip()))
    return tuple(out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = ServerConfig()
    parser.add_argument(
        "--map", action="append", dest="maps", metavar="ID=PATH",
        default=[m for m in _env("MAPS", "").split(";") if m.strip()],
        help="road-network map artifact (from `dispatch map build`) to load at start; repeatable (DISPATCH_MAPS='id=path;id2=path2')",
    )
    parser.add_argument("--address", default=_env("ADDRESS", d.address), help="host:port to listen on (DISPATCH_ADDRESS)")
    parser.add_argument("--workers", type=int, default=int(_env("WORKERS", str(d.workers))), help="solver processes (DISPATCH_WORKERS)")
    parser.add_argument("--queue-size", type=int, default=int(_env("QUEUE_SIZE", str(d.queue_size))), help="solves allowed to wait (DISPATCH_QUEUE_SIZE)")
    parser.add_argument(
        "--max-message-bytes", type=int, default=int(_env("MAX_MESSAGE_BYTES", str(d.max_message_bytes))),
        help="largest request or response (DISPATCH_MAX_MESSAGE_BYTES)",
    )
    parser.add_argument("--max-orders", type=int, default=int(_env("MAX_ORDERS", str(d.max_orders))), help="(DISPATCH_MAX_ORDERS)")
    parser.add_argument(
        "--max-large-orders", type=int, default=int(_env("MAX_LARGE_ORDERS", str(d.max_large_orders))),
        help="orders accepted by SolveLarge, the chunked request (DISPATCH_MAX_LARGE_ORDERS)",
    )
    parser.add_argument(
        "--max-large-request-bytes", type=int, default=int(_env("MAX_LARGE_REQUEST_BYTES", str(d.max_large_request_bytes))),
        help="bytes of all of a SolveLarge stream's chunks together (DISPATCH_MAX_LARGE_REQUEST_BYTES)",
    )
    parser.add_argument("--max-engineers", type=int, default=int(_env("MAX_ENGINEERS", str(d.max_engineers))), help="(DISPATCH_MAX_ENGINEERS)")
    parser.add_argument(
        "--shutdown-grace", type=float, default=float(_env("SHUTDOWN_GRACE_S", str(d.shutdown_grace_s))),
        help="seconds in-flight calls may finish after SIGTERM (DISPATCH_SHUTDOWN_GRACE_S)",
    )
    parser.add_argument(
        "--reflection", action=argparse.BooleanOptionalAction, default=_env("REFLECTION", "0") == "1",
        help="enable server reflection (DISPATCH_REFLECTION=1); off by default",
    )
    parser.add_argument(
        "--solver-stop-grace", type=float, default=float(_env("SOLVER_STOP_GRACE_S", str(d.solver_stop_grace_s))),
        help="seconds a cancelled search may take to stop before its worker is killed (DISPATCH_SOLVER_STOP_GRACE_S)",
    )
    parser.add_argument("--rpc-threads", type=int, default=int(_env("RPC_THREADS", str(d.rpc_threads))), help="(DISPATCH_RPC_THREADS)")
    parser.add_argument(
        "--reject-ended-shifts", action=argparse.BooleanOptionalAction, default=_env("REJECT_ENDED_SHIFTS", "0") == "1",
        help="refuse shifts that ended before the server's clock (DISPATCH_REJECT_ENDED_SHIFTS=1); off by default",
    )
    parser.add_argument("--tls-cert", default=_env("TLS_CERT", "") or None, help="PEM certificate chain (DISPATCH_TLS_CERT)")
    parser.add_argument("--tls-key", default=_env("TLS_KEY", "") or None, help="PEM private key (DISPATCH_TLS_KEY)")
    parser.add_argument(
        "--tls-client-ca", default=_env("TLS_CLIENT_CA", "") or None,
        help="PEM CA bundle; when set, clients must present a certificate it signed (DISPATCH_TLS_CLIENT_CA)",
    )
    parser.add_argument(
        "--auth-tokens-file", default=_env("AUTH_TOKENS_FILE", "") or None,
        help="file of accepted bearer tokens, one per line (DISPATCH_AUTH_TOKENS_FILE; or DISPATCH_AUTH_TOKENS, comma-separated)",
    )
    parser.add_argument(
        "--metrics-address", default=_env("METRICS_ADDRESS", "") or None,
        help="host:port for the Prometheus metrics endpoint; off by default (DISPATCH_METRICS_ADDRESS)",
    )
    parser.add_argument(
        "--http-address", default=_env("HTTP_ADDRESS", "") or None,
        help="host:port for HTTP/JSON (Connect protocol) beside gRPC, same RPCs and rules; off by default; "
        "plaintext only (put TLS in front) (DISPATCH_HTTP_ADDRESS)",
    )
    parser.add_argument(
        "--console", action=argparse.BooleanOptionalAction, default=_env("CONSOLE", "0") == "1",
        help="serve the planner console on the HTTP listener at /console/ (needs --http-address; DISPATCH_CONSOLE=1)",
    )
    parser.add_argument(
        "--worker-niceness", type=int, default=int(_env("WORKER_NICENESS", str(d.worker_niceness))),
        help="CPU niceness added to solver workers, 0-19 (DISPATCH_WORKER_NICENESS)",
    )
    parser.add_argument(
        "--switch-interval-ms", type=float, default=float(_env("SWITCH_INTERVAL_MS", str(d.switch_interval_ms))),
        help="GIL switch interval of the server process (DISPATCH_SWITCH_INTERVAL_MS)",
    )
    parser.add_argument(
        "--max-worker-rss-mb", type=float, default=float(_env("MAX_WORKER_RSS_MB", str(d.max_worker_rss_mb))),
        help="replace a solver worker whose resident memory exceeds this after a solve; 0: never (DISPATCH_MAX_WORKER_RSS_MB)",
    )
    parser.add_argument(
        "--worker-memory-cap-mb", type=float, default=float(_env("WORKER_MEMORY_CAP_MB", str(d.worker_memory_cap_mb))),
        help="kill a worker whose resident memory passes this during a task; 0: off (DISPATCH_WORKER_MEMORY_CAP_MB)",
    )
    parser.add_argument(
        "--worker-stall", type=float, default=float(_env("WORKER_STALL_S", str(d.worker_stall_s))),
        help="replace a worker that uses no CPU for this many seconds during a task; 0: off (DISPATCH_WORKER_STALL_S)",
    )
    parser.add_argument(
        "--max-model-mb", type=float, default=float(_env("MAX_MODEL_MB", str(d.max_model_mb))),
        help="refuse solves whose estimated OR-Tools model is larger; 0: off (DISPATCH_MAX_MODEL_MB)",
    )
    parser.add_argument(
        "--quick-workers", type=int, default=int(_env("QUICK_WORKERS", str(d.quick_workers))),
        help="worker processes for evaluation, insertion and matrices (DISPATCH_QUICK_WORKERS)",
    )
    parser.add_argument(
        "--log-format", choices=("text", "json"), default=_env("LOG_FORMAT", d.log_format),
        help="text or JSON lines (DISPATCH_LOG_FORMAT)",
    )
    parser.add_argument(
        "--job-retention", type=float, default=float(_env("JOB_RETENTION_S", str(d.job_retention_s))),
        help="seconds finished solve jobs are kept (DISPATCH_JOB_RETENTION_S; default 24 h)",
    )
    parser.add_argument(
        "--jobs-db", default=_env("JOBS_DB", "") or None,
        help="where solve jobs are kept across restarts: an SQLite file (one server), or postgresql://user@host:port/db"
        " shared by every replica (DISPATCH_JOBS_DB); default: memory only",
    )
    parser.add_argument(
        "--jobs-lease", type=float, default=float(_env("JOBS_LEASE_S", str(d.jobs_lease_s))),
        help="PostgreSQL jobs: seconds after which a running job whose replica stopped renewing it is recorded FAILED"
        " by another replica (DISPATCH_JOBS_LEASE_S)",
    )
    parser.add_argument(
        "--backend", choices=("local", "ray"), default=_env("BACKEND", d.backend),
        help="where large requests' regions are solved: this machine's workers or a Ray cluster (DISPATCH_BACKEND)",
    )
    parser.add_argument(
        "--ray-address", default=_env("RAY_ADDRESS", "") or None,
        help="Ray cluster to use with --backend ray, e.g. 10.0.0.5:6379; default: a local Ray runtime (DISPATCH_RAY_ADDRESS)",
    )
    parser.add_argument(
        "--region-orders", type=int, default=int(_env("REGION_ORDERS", "-1")),
        help="split requests with more orders into regions of about this many; 0: never; default 1000 with "
             "--backend ray, 0 with local (DISPATCH_REGION_ORDERS)",
    )
    parser.add_argument(
        "--max-history-records", type=int, default=int(_env("MAX_HISTORY_RECORDS", str(d.max_history_records))),
        help="records accepted per AnalyzeHistory call (DISPATCH_MAX_HISTORY_RECORDS)",
    )


def from_arguments(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        address=args.address,
        workers=args.workers,
        queue_size=args.queue_size,
        max_message_bytes=args.max_message_bytes,
        max_orders=args.max_orders,
        max_engineers=args.max_engineers,
        max_large_orders=args.max_large_orders,
        max_large_request_bytes=args.max_large_request_bytes,
        shutdown_grace_s=args.shutdown_grace,
        reflection=args.reflection,
        solver_stop_grace_s=args.solver_stop_grace,
        rpc_threads=args.rpc_threads,
        reject_ended_shifts=args.reject_ended_shifts,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tls_client_ca=args.tls_client_ca,
        auth_tokens=load_tokens(args.auth_tokens_file, os.environ.get("DISPATCH_AUTH_TOKENS", "")),
        metrics_address=args.metrics_address,
        http_address=args.http_address,
        console=args.console,
        log_format=args.log_format,
        max_worker_rss_mb=args.max_worker_rss_mb,
        worker_memory_cap_mb=args.worker_memory_cap_mb,
        worker_stall_s=args.worker_stall,
        max_model_mb=args.max_model_mb,
        quick_workers=args.quick_workers,
        worker_niceness=args.worker_niceness,
        switch_interval_ms=args.switch_interval_ms,
        job_retention_s=args.job_retention,
        jobs_db=args.jobs_db,
        jobs_lease_s=args.jobs_lease,
        maps=parse_maps(args.maps or []),
        max_history_records=args.max_history_records,
        backend=args.backend,
        ray_address=args.ray_address,
        region_orders=None if args.region_orders < 0 else args.region_orders,
    )


def load_tokens(path: str | None, env_value: str = "") -> tuple[str, ...]:
    """Tokens from a file (one per line; blank lines and ``#`` comments skipped) and/or a
    comma-separated environment value.

    Fails closed: a tokens file that cannot be read or holds no token is a ``ConfigError``, never
    a server without authentication."""
    tokens: list[str] = []
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                found = [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--auth-tokens-file {path}: cannot read it ({exc.__class__.__name__}: {exc})") from None
        if not found:
            raise ConfigError(f"--auth-tokens-file {path}: holds no token (only blank or comment lines); refusing to start without authentication")
        tokens += found
    from_env = [t.strip() for t in env_value.split(",") if t.strip()]
    if env_value.strip() and not from_env:
        raise ConfigError("DISPATCH_AUTH_TOKENS is set but holds no token; refusing to start without authentication")
    tokens += from_env
    return tuple(dict.fromkeys(tokens))
