"""The shape of the code: no import cycles, no reaching into other objects' private parts."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage")


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_type_checking_imports_included() -> None:
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=False)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    # a package's __init__ importing its own modules is how a package shows its face
    for module, imported in edges.items():
        edges[module] = {m for m in imported if not module.startswith(m + ".")}
    assert _cycles(edges) == []


# Underscore names that are public by convention: namedtuple's methods, our gettext alias.
_PUBLIC_UNDERSCORE = {"_", "_replace", "_asdict", "_fields", "_make"}
# Documented exceptions, each with its reason.
_ALLOWED = {
    # the logging HOWTO, "Optimization": set logging._srcfile to None to skip the caller lookup
    "logging._srcfile",
    # argparse's subparsers object has no public type name to annotate with
    "argparse._SubParsersAction",
}


def _own_private_names(tree: ast.Module) -> set[str]:
    """The private attributes and methods the classes of a module define themselves."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("_"):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                names.add(node.attr)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
    return names


def _reaching(path: Path, source: str) -> list[str]:
    tree = ast.parse(source)
    own = _own_private_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        name = node.attr
        if not name.startswith("_") or name.startswith("__"):
            continue
        base = node.value
        if name in _PUBLIC_UNDERSCORE or (name in own and isinstance(base, ast.Name)):
            continue
        if isinstance(base, ast.Name) and base.id in ("self", "cls"):
            continue
        expr = ast.unparse(node)
        if expr not in _ALLOWED:
            found.append(f"{path}:{node.lineno}: {expr}")
    return found


def test_the_private_attribute_check_sees_a_reach_through() -> None:
    source = "class A:\n    def f(self):\n        self._conn = 1\n        return self._conn._conn\n"
    assert _reaching(Path("x.py"), source) == ["x.py:4: self._conn._conn"]
    friend = "class A:\n    _n: int\n\nclass B:\n    def g(self, a):\n        return a._n\n"
    assert _reaching(Path("y.py"), friend) == []


def test_no_code_reaches_into_another_objects_private_attributes() -> None:
    """`self._x` is a class's own business, shared at most with the classes of its module;
    `other._x`, `self._conn._conn` or `mod._x` reach into somebody else's, and break when they
    change (a dependency's patch release included)."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found += _reaching(path.relative_to(ROOT), path.read_text(encoding="utf-8"))
    assert found == []
