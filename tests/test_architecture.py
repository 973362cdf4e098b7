"""The boundaries of the design, checked on the source: no import cycles between the project's
modules (imports made only for type checking aside), the solver knows nothing of gRPC or geo,
geo nothing of the solver or gRPC."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("solver", "geo", "dispatch_service")


def _imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports (anywhere in the file, lazily or not)."""
    graph: dict[str, set[str]] = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if "api" in rel.parts:
                continue  # generated protobuf code
            module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
            tree = ast.parse(path.read_text())
            type_only = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
                    type_only |= {id(x) for stmt in node.body for x in ast.walk(stmt)}
            deps: set[str] = set()
            for node in ast.walk(tree):
                if id(node) in type_only:
                    continue
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    for alias in node.names:
                        candidate = f"{node.module}.{alias.name}"
                        is_module = (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists()
                        deps.add(candidate if is_module else node.module)
                elif isinstance(node, ast.Import):
                    deps |= {alias.name for alias in node.names}
            graph[module] = {d for d in deps if d != module}
    return graph


def test_no_import_cycles() -> None:
    graph = _imports()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        stack.append(module)
        for dep in graph.get(module, ()):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep in graph and not state.get(dep):
                visit(dep, stack)
        stack.pop()
        state[module] = 2

    for module in graph:
        if not state.get(module):
            visit(module, [])
    assert cycles == []


def test_layer_boundaries() -> None:
    graph = _imports()
    for module, deps in graph.items():
        tops = {d.split(".")[0] for d in deps}
        if module.startswith("solver"):
            assert not tops & {"grpc", "google", "geo", "dispatch_service"}, module
        if module.startswith("geo"):
            assert not tops & {"grpc", "solver", "dispatch_service"}, module
