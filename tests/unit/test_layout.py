"""The house rules of the package's layout, checked over its import graph (docs/ARCHITECTURE.md):
no import cycles, the store below the providers, nothing shipped importing local or tool code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "shared"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        name = ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path, name: str, *, lazy: bool) -> set[str]:
    """Modules ``path`` imports at run time: TYPE_CHECKING blocks never; function bodies when ``lazy``."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and not lazy:
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - child.level + 1] + ([base] if base else []))
                for alias in child.names:
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def _graph(*, lazy: bool) -> dict[str, set[str]]:
    return {n: {m for m in _imports(p, n, lazy=lazy) if m in MODULES and m != n} for n, p in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    path: list[str] = []
    cycles: list[list[str]] = []

    def walk(u: str) -> None:
        state[u] = 1
        path.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                cycles.append([*path[path.index(v) :], v])
            elif v not in state:
                walk(v)
        path.pop()
        state[u] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return cycles


def test_the_graph_is_read():
    graph = _graph(lazy=True)
    assert "gateway.store.dynamo" in graph["gateway.store.accounts"]
    assert "gateway.completion.attempts" in graph["gateway.completion.unary"]


def test_no_import_cycles_even_through_lazy_imports():
    assert _cycles(_graph(lazy=False)) == []
    assert _cycles(_graph(lazy=True)) == []


def test_the_store_does_not_import_providers_or_the_completion_path():
    for name, deps in _graph(lazy=True).items():
        if name.startswith("gateway.store"):
            bad = {
                d for d in deps if d.startswith(("gateway.providers", "gateway.completion", "gateway.api"))
            }
            assert not bad, f"{name} imports {bad}"


def test_only_the_store_talks_to_dynamodb():
    """Everything else speaks to ``store/`` in its own words: no item layout, no DynamoDB calls."""
    for name, deps in _graph(lazy=True).items():
        if not name.startswith("gateway.store"):
            bad = {
                d
                for d in deps
                if d in ("gateway.store.dynamo", "gateway.store._wire", "gateway.store._sigv4")
            }
            assert not bad, f"{name} imports {bad}"


def test_adapters_do_no_io_of_their_own():
    """Adapters are pure transforms: the transport, store and HTTP client are out of their reach."""
    for name, deps in _graph(lazy=True).items():
        if name.startswith("gateway.providers.") and name != "gateway.providers.transport":
            bad = {
                d
                for d in deps
                if d.startswith(("gateway.store", "gateway.http_client", "gateway.providers.transport"))
            }
            assert not bad, f"{name} imports {bad}"


def test_nothing_shipped_imports_local_or_tool_code():
    shipped = [*PACKAGE.rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    for path in shipped:
        if "__pycache__" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            bad = [n for n in names if n.split(".")[0] in ("local", "tools", "tests")]
            assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_only_settings_reads_the_environment():
    allowed = {"gateway.settings", "gateway.store._sigv4"}  # _sigv4: the AWS credential chain's own variables
    for name, path in MODULES.items():
        if name in allowed:
            continue
        source = path.read_text()
        assert "os.environ" not in source and "os.getenv" not in source, f"{name} reads the environment"
