"""Server configuration from flags, with environment variables as defaults (``DISPATCH_*``)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass


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
    shutdown_grace_s: float = 10.0
    reflection: bool = True
    rpc_threads: int = 32  # handler threads; solves wait in them without holding the GIL
    deadline_margin_s: float = 0.25  # kept back from a call's deadline to send the answer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = ServerConfig()
    parser.add_argument("--address", default=_env("ADDRESS", d.address), help="host:port to listen on (DISPATCH_ADDRESS)")
    parser.add_argument("--workers", type=int, default=int(_env("WORKERS", str(d.workers))), help="solver processes (DISPATCH_WORKERS)")
    parser.add_argument("--queue-size", type=int, default=int(_env("QUEUE_SIZE", str(d.queue_size))), help="solves allowed to wait (DISPATCH_QUEUE_SIZE)")
    parser.add_argument(
        "--max-message-bytes", type=int, default=int(_env("MAX_MESSAGE_BYTES", str(d.max_message_bytes))),
        help="largest request or response (DISPATCH_MAX_MESSAGE_BYTES)",
    )
    parser.add_argument("--max-orders", type=int, default=int(_env("MAX_ORDERS", str(d.max_orders))), help="(DISPATCH_MAX_ORDERS)")
    parser.add_argument("--max-engineers", type=int, default=int(_env("MAX_ENGINEERS", str(d.max_engineers))), help="(DISPATCH_MAX_ENGINEERS)")
    parser.add_argument(
        "--shutdown-grace", type=float, default=float(_env("SHUTDOWN_GRACE_S", str(d.shutdown_grace_s))),
        help="seconds in-flight calls may finish after SIGTERM (DISPATCH_SHUTDOWN_GRACE_S)",
    )
    parser.add_argument(
        "--no-reflection", action="store_true", default=_env("REFLECTION", "1") == "0",
        help="disable server reflection (DISPATCH_REFLECTION=0)",
    )


def from_arguments(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        address=args.address,
        workers=args.workers,
        queue_size=args.queue_size,
        max_message_bytes=args.max_message_bytes,
        max_orders=args.max_orders,
        max_engineers=args.max_engineers,
        shutdown_grace_s=args.shutdown_grace,
        reflection=not args.no_reflection,
    )
