"""Generates the Python code for proto/ into the package tree (committed; see tests/test_proto_fresh.py):
the protobuf messages, the gRPC stubs, the Connect (HTTP/JSON) application (``*_connect.py``, by
the ``protoc-gen-connectrpc`` plugin pinned in requirements.lock) and the OpenAPI description of
the HTTP/JSON API (``docs/openapi.json``, by scripts/openapi.py from the same descriptors).

Usage: python scripts/gen_proto.py [OUT_DIR]   (default: the project root)

The .proto files live under proto/dispatch_service/api/v1/ so that the generated modules land
in dispatch_service/api/v1/ and import each other by their real package path.
"""

from __future__ import annotations

import pathlib
import sys

import google.type
import grpc_tools
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"


def generate(out_dir: pathlib.Path) -> list[pathlib.Path]:
    protos = sorted(PROTO_ROOT.rglob("*.proto"))
    includes = [
        PROTO_ROOT,
        pathlib.Path(grpc_tools.__file__).parent / "_proto",  # google/protobuf/*
        pathlib.Path(google.type.__path__[0]).parent.parent,  # google/type/latlng.proto
    ]
    args = ["protoc", *(f"-I{p}" for p in includes)]
    args += [f"--python_out={out_dir}", f"--pyi_out={out_dir}", f"--grpc_python_out={out_dir}"]
    # The Connect plugin is a console script of the venv this runs in.
    plugin = pathlib.Path(sys.executable).parent / "protoc-gen-connectrpc"
    args += [f"--plugin=protoc-gen-connectrpc={plugin}", f"--connectrpc_out={out_dir}", "--connectrpc_opt=protobuf=google"]
    descriptors = out_dir / "descriptors.binpb"
    args += [f"--descriptor_set_out={descriptors}", "--include_source_info", "--include_imports"]
    args += [str(p.relative_to(PROTO_ROOT)) for p in protos]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    outputs = []
    for proto in protos:
        stem = out_dir / proto.relative_to(PROTO_ROOT).with_suffix("")
        outputs += [stem.with_name(stem.name + s) for s in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py", "_connect.py")]
    # Imported only now: protoc aborts when the protobuf runtime was loaded before it ran.
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    import openapi  # scripts/openapi.py

    spec = out_dir / "docs" / "openapi.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(openapi.render(descriptors.read_bytes()), encoding="utf-8")
    descriptors.unlink()
    return [*outputs, spec]


if __name__ == "__main__":
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    for path in generate(out):
        print(path.relative_to(out))
