"""The committed generated code matches proto/ (regenerate with scripts/gen_proto.py)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_generated_code_is_fresh(tmp_path):
    # protoc runs in its own process: it aborts when the protobuf runtime is already loaded.
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_proto.py"), str(tmp_path)], capture_output=True, text=True, check=True)
    outputs = [tmp_path / line for line in result.stdout.split()]
    assert outputs
    for fresh in outputs:
        committed = ROOT / fresh.relative_to(tmp_path)
        assert committed.exists(), f"{committed} is missing: run scripts/gen_proto.py"
        assert committed.read_bytes() == fresh.read_bytes(), f"{committed} is stale: run scripts/gen_proto.py"
