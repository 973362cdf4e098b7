"""The ``dispatch`` command: serve, solve a request file, run the demo, build maps, analyse history."""

from __future__ import annotations

import argparse
import os
import pathlib
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def main(argv: list[str] | None = None) -> int:
    from dispatch_service import config

    parser = argparse.ArgumentParser(prog="dispatch", description="Field-service dispatch optimisation service.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_serve = sub.add_parser("serve", help="run the gRPC server")
    config.add_arguments(p_serve)

    p_solve = sub.add_parser("solve", help="send a request (protobuf JSON) to a server and print the plan")
    p_solve.add_argument("request", help="SolveRequest as protobuf JSON")
    p_solve.add_argument("--server", default="127.0.0.1:50051", help="host:port of a running server")
    p_solve.add_argument("--json", action="store_true", help="print the raw response as JSON")
    p_solve.add_argument("--timeout", type=float, default=120.0, help="call deadline in seconds")
    p_solve.add_argument("--token", default=None, help="bearer token for a server with authentication (or DISPATCH_TOKEN)")
    p_solve.add_argument("--tls-ca", default=None, help="PEM CA bundle to verify the server; turns TLS on")
    p_solve.add_argument("--tls-cert", default=None, help="PEM client certificate for mutual TLS (with --tls-key)")
    p_solve.add_argument("--tls-key", default=None, help="PEM client private key for mutual TLS")
    p_solve.add_argument("--quiet", action="store_true", help="no progress on stderr (one unary Solve call instead of SolveStream)")

    p_console = sub.add_parser("console", help="start a server with the planner console in the browser (http://127.0.0.1:8080/console/)")
    config.add_arguments(p_console)
    p_console.set_defaults(http_address=os.environ.get("DISPATCH_HTTP_ADDRESS") or "127.0.0.1:8080", console=True,
                           address=os.environ.get("DISPATCH_ADDRESS") or "127.0.0.1:0")

    p_demo = sub.add_parser("demo", help="start a server on a free local port, solve an example, print the plan")
    p_demo.add_argument("request", nargs="?", default=str(EXAMPLES / "porto-day.json"))
    p_demo.add_argument("--json", action="store_true")

    p_whatif = sub.add_parser("whatif", help="compare scenarios from a YAML file and write a report (see `dispatch whatif -h`)", add_help=False)
    p_whatif.add_argument("rest", nargs=argparse.REMAINDER)

    p_slots = sub.add_parser("slots", help="offer a new order the visit slots the plan can keep (see `dispatch slots -h`)", add_help=False)
    p_slots.add_argument("rest", nargs=argparse.REMAINDER)
    p_analyze = sub.add_parser("analyze", help="analyse work-order history (CSV/Parquet) into a report (see `dispatch analyze -h`)", add_help=False)
    p_analyze.add_argument("rest", nargs=argparse.REMAINDER)

    p_map = sub.add_parser("map", help="road-network maps")
    map_sub = p_map.add_subparsers(dest="map_command", required=True)
    p_build = map_sub.add_parser("build", help="build a map artifact from an OSM extract", add_help=False)
    p_build.add_argument("rest", nargs=argparse.REMAINDER)

    argv = sys.argv[1:] if argv is None else argv
    # Subcommands with parsers of their own get their arguments as they are (argparse's
    # REMAINDER refused a leading option such as -h: "unrecognized arguments").
    if argv[:1] == ["slots"]:
        from dispatch_service.slots_cli import main as slots_main

        return slots_main(argv[1:])
    if argv[:1] == ["whatif"]:
        from dispatch_service.whatif import main as whatif_main

        return whatif_main(argv[1:])
    if argv[:1] == ["analyze"]:
        from dispatch_service.analytics_cli import main as analyze_main

        return analyze_main(argv[1:])
    if argv[:2] == ["map", "build"]:
        from geo.mapbuild import main as build_main

        return build_main(argv[2:])
    args = parser.parse_args(argv)
    if args.command in ("serve", "console"):
        from dispatch_service.jobstore import JobsDatabaseError
        from dispatch_service.server import serve

        try:
            serve(config.from_arguments(args))
        except (config.ConfigError, JobsDatabaseError) as exc:  # the operator's mistake: one line
            print(f"dispatch {args.command}: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "solve":
        security = {"token": args.token or os.environ.get("DISPATCH_TOKEN") or None, "ca": args.tls_ca, "cert": args.tls_cert, "key": args.tls_key}
        return _solve(args.request, args.server, args.json, args.timeout, security, quiet=args.quiet)
    if args.command == "demo":
        return _demo(args.request, args.json)
    return 2


def _solve(path: str, address: str, as_json: bool, timeout_s: float, security: dict | None = None, *, quiet: bool = True,
           console=None, clock=None) -> int:
    """Solves a request file on a server and prints the plan. Unless ``quiet`` the solve is
    streamed (SolveStream) and its progress shown on stderr (``progress.follow_solve``)."""
    import grpc

    from dispatch_service import client, errors
    from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
    from dispatch_service.report import format_plan
    from dispatch_service.security import bearer_metadata, open_channel

    try:
        request = client.load_request(path)
    except client.RequestFileError as exc:
        print(f"dispatch: {exc}", file=sys.stderr)
        return 2
    security = security or {}
    metadata = bearer_metadata(security["token"]) if security.get("token") else None
    try:
        with open_channel(address, security.get("ca"), security.get("cert"), security.get("key")) as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            if quiet:
                response = stub.Solve(request, timeout=timeout_s, metadata=metadata)
            else:
                import time

                from rich.console import Console

                from dispatch_service.progress import follow_solve

                updates = stub.SolveStream(request, timeout=timeout_s, metadata=metadata)
                final = follow_solve(updates, console or Console(stderr=True), clock or time.monotonic)
                if final is None:
                    print("dispatch: the server ended the stream without a final plan", file=sys.stderr)
                    return 1
                response = final
    except grpc.RpcError as exc:
        print(f"dispatch: {exc.code().name}: {exc.details()}", file=sys.stderr)
        for field, description in errors.field_violations(exc):
            print(f"  {field}: {description}", file=sys.stderr)
        return 1
    print(client.to_json(response) if as_json else format_plan(response))
    return 0


def _demo(path: str, as_json: bool) -> int:
    from dispatch_service.config import ServerConfig
    from dispatch_service.server import DispatchServer

    server = DispatchServer(ServerConfig(address="127.0.0.1:0", workers=1))
    port = server.start()
    print(f"dispatch demo: server on 127.0.0.1:{port}, solving {path}", file=sys.stderr, flush=True)
    try:
        return _solve(path, f"127.0.0.1:{port}", as_json, timeout_s=120.0)
    finally:
        server.stop(grace_s=1.0)
