"""The house rules, read from the source with ``ast``: each folder one layer, imports pointing down.

- ``baselines`` never imports ``diagnose`` or ``reports``; ``reports`` imports neither (it formats documents).
- Inside ``diagnose`` a module imports only from its own folder or from a lower floor (:data:`FLOORS`).
- No import circle, counting imports inside functions too.
- No module imports another module's private (``_``) name, or reaches one as an attribute
  (``solver._solve``: a private method or attribute defined in another of our modules).
- No module is longer than :data:`MAX_LINES`.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("diagnose", "baselines", "reports")
# diagnose's floors, lowest first: a module may import from its own folder and from lower floors only.
FLOORS = {
    "diagnose": 0, "diagnose.errors": 0, "diagnose.results": 0,  # the package root holds only the version and lazy names
    "diagnose.data": 1,
    "diagnose.evaluation": 2,
    "diagnose.models": 3,
    "diagnose.checks": 4, "diagnose.attribution": 4,
    "diagnose.pipeline": 5,
    "diagnose.console": 6,
    "diagnose.commands": 7, "diagnose.api": 7, "diagnose.warmup": 7,
    "diagnose.cli": 8,
    "diagnose.__main__": 9,
}
MAX_LINES = 450


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """``(module, names, line)`` of every import of this project's modules in ``path``, nested ones included."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.append((base, [a.name for a in node.names], node.lineno))
    return [(m, ns, line) for m, ns, line in found if m.split(".")[0] in PACKAGES]


def _target(module: str, names: list[str]) -> list[str]:
    """The project modules an import statement loads (``from pkg import mod`` names the submodule)."""
    subs = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
    return subs or [module]


def _floor(module: str) -> tuple[str, int]:
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in FLOORS:
            return key, FLOORS[key]
    raise KeyError(module)


GRAPH = {name: sorted({t for m, ns, _ in _imports(name, path) for t in _target(m, ns)} - {name})
         for name, path in MODULES.items()}


def test_every_diagnose_module_has_a_floor():
    assert [m for m in MODULES if m.startswith("diagnose") and not any(m == k or m.startswith(k + ".") for k in FLOORS)] == []


@pytest.mark.parametrize("package,forbidden", [("baselines", ("diagnose", "reports")), ("reports", ("diagnose", "baselines"))])
def test_lower_packages_do_not_import_higher_ones(package, forbidden):
    bad = [f"{name} imports {t}" for name, targets in GRAPH.items() if name.split(".")[0] == package
           for t in targets if t.split(".")[0] in forbidden]
    assert bad == []


def test_diagnose_imports_point_down():
    bad = []
    for name, targets in GRAPH.items():
        if not name.startswith("diagnose"):
            continue
        home, floor = _floor(name)
        for t in targets:
            if not t.startswith("diagnose"):
                continue
            there, level = _floor(t)
            if there != home and level >= floor and there != "diagnose":
                bad.append(f"{name} (floor {floor}) imports {t} (floor {level})")
    assert bad == []


def test_no_import_circles():
    state: dict[str, int] = {}
    circles = []

    def visit(node, stack):
        state[node] = 1
        for nxt in GRAPH.get(node, []):
            if nxt not in MODULES:
                continue
            if state.get(nxt) == 1:
                circles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for name in MODULES:
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_no_module_imports_another_modules_private_names():
    bad = [f"{name}:{line} imports {n} from {m}" for name, path in MODULES.items()
           for m, ns, line in _imports(name, path) for n in ns
           if n.startswith("_") and not n.startswith("__") and m != name]
    assert bad == []


def _private_names(tree: ast.AST) -> set[str]:
    """Private functions, classes and attributes (``obj._x = ...``) a module defines."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            out.add(node.attr)
    return {n for n in out if n.startswith("_") and not n.startswith("__")}


def test_no_module_reaches_another_modules_private_attributes():
    trees = {name: ast.parse(path.read_text()) for name, path in MODULES.items()}
    owners: dict[str, set[str]] = {}
    for name, tree in trees.items():
        for n in _private_names(tree):
            owners.setdefault(n, set()).add(name)
    bad = [f"{name}:{node.lineno} uses .{node.attr} of {sorted(owners[node.attr])}" for name, tree in trees.items()
           for node in ast.walk(tree)
           if isinstance(node, ast.Attribute) and node.attr in owners and name not in owners[node.attr]
           and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))]
    assert bad == []


def test_modules_stay_small():
    long = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}
    assert {n: k for n, k in long.items() if k > MAX_LINES} == {}
