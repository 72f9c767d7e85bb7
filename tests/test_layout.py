"""The house rules, read from the source with ``ast``: each folder one layer, imports pointing down.

The three folders install as one package (``pyproject.toml``'s ``package-dir``): ``diagnose/`` is
``signal_diagnostics``, ``baselines/`` and ``reports/`` are ``signal_diagnostics.baselines`` and
``signal_diagnostics.reports``.

- ``baselines`` never imports the rest of the package or ``reports``; ``reports`` imports neither (it
  formats documents).
- Inside ``diagnose`` a module imports only from its own folder or from a lower floor (:data:`FLOORS`).
- No import circle, counting imports inside functions too.
- No module imports another module's private (``_``) name, or reaches one as an attribute
  (``solver._solve``: a private method or attribute defined in another of our modules).
- No module holds more than :data:`MAX_STATEMENT_LINES` logical lines.
- No function is longer than :data:`MAX_FUNCTION_LINES` lines (``def`` to its end) and no module longer
  than :data:`MAX_MODULE_LINES` physical lines (issue 23).
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = "signal_diagnostics"
# folder -> the package it installs as
PACKAGES = {"diagnose": TOP, "baselines": f"{TOP}.baselines", "reports": f"{TOP}.reports"}
# diagnose's floors, lowest first: a module may import from its own folder and from lower floors only.
FLOORS = {
    f"{TOP}{k}": v
    for k, v in {
        "": 0,
        ".errors": 0,
        ".results": 0,  # the package root holds only the version and lazy names
        ".data": 1,
        ".evaluation": 2,
        ".models": 3,
        ".checks": 4,
        ".attribution": 4,
        ".pipeline": 5,
        ".pipeline.verdicts.thresholds": 0,  # a leaf: every level an answer is decided by (checks default to them)
        ".pipeline.verdicts.advice": 0,  # a leaf: what to do about each health finding (checks write it, verdicts quote it)
        ".progress": 1,  # the progress display (lines, bars, heartbeat): it needs only results
        ".console": 6,
        ".commands": 7,
        ".api": 7,
        ".warmup": 7,
        ".cli": 8,
        ".cli_options": 7,  # the option groups the subcommands share (below .cli, which builds its parser from them)
        ".__main__": 9,
    }.items()
}
# Logical lines (tokenize's NEWLINE tokens): a statement the formatter wraps over several lines counts once,
# so `ruff format` does not move the count. 320 is what the old limit of 450 physical lines allowed.
MAX_STATEMENT_LINES = 320
# Physical lines, as a reader scrolls them (issue 23): a function from its `def` to its last line, a module whole.
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            out[".".join((package,) + (parts[:-1] if parts[-1] == "__init__" else parts))] = path
    return out


def part(module: str) -> str:
    """The folder a module lives in: ``baselines``, ``reports`` or ``diagnose``."""
    for folder in ("baselines", "reports"):
        if module == PACKAGES[folder] or module.startswith(PACKAGES[folder] + "."):
            return folder
    return "diagnose"


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
    return [(m, ns, line) for m, ns, line in found if m.split(".")[0] == TOP]


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


GRAPH = {
    name: sorted({t for m, ns, _ in _imports(name, path) for t in _target(m, ns)} - {name})
    for name, path in MODULES.items()
}


def test_every_diagnose_module_has_a_floor():
    assert [
        m for m in MODULES if part(m) == "diagnose" and not any(m == k or m.startswith(k + ".") for k in FLOORS)
    ] == []


@pytest.mark.parametrize("package", ["baselines", "reports"])
def test_lower_packages_import_only_themselves(package):
    bad = [
        f"{name} imports {t}"
        for name, targets in GRAPH.items()
        if part(name) == package
        for t in targets
        if part(t) != package
    ]
    assert bad == []


def test_lower_packages_never_name_the_package_they_are_installed_under():
    """``baselines`` and ``reports`` import their own modules relatively, so they never load the rest."""
    bad = [
        f"{name}:{line} imports {m}"
        for name, path in MODULES.items()
        if part(name) != "diagnose"
        for m, _, line in _imports(name, path)
        if m == TOP
    ]
    assert bad == []


def test_the_wheel_lists_every_package_of_the_tree():
    """``pyproject.toml`` lists the packages by hand (the folders are mapped): none may be left out."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = {p for p in config["packages"] if not p.endswith((".schema", ".templates"))}
    assert listed == {m for m, path in MODULES.items() if path.name == "__init__.py"}
    assert config["package-dir"] == {package: folder for folder, package in PACKAGES.items()}


def test_diagnose_imports_point_down():
    bad = []
    for name, targets in GRAPH.items():
        if part(name) != "diagnose":
            continue
        home, floor = _floor(name)
        for t in targets:
            if part(t) != "diagnose":
                continue
            there, level = _floor(t)
            if there != home and level >= floor and there != TOP:
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
                circles.append(" -> ".join(stack[stack.index(nxt) :] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for name in MODULES:
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_no_module_imports_another_modules_private_names():
    bad = [
        f"{name}:{line} imports {n} from {m}"
        for name, path in MODULES.items()
        for m, ns, line in _imports(name, path)
        for n in ns
        if n.startswith("_") and not n.startswith("__") and m != name
    ]
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
    bad = [
        f"{name}:{node.lineno} uses .{node.attr} of {sorted(owners[node.attr])}"
        for name, tree in trees.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in owners
        and name not in owners[node.attr]
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]
    assert bad == []


def _logical_lines(source: str) -> int:
    return sum(1 for tok in tokenize.generate_tokens(io.StringIO(source).readline) if tok.type == tokenize.NEWLINE)


def test_logical_lines_ignore_how_a_statement_is_wrapped():
    assert _logical_lines("f(a, b)\n") == _logical_lines("f(\n    a,\n    b,\n)\n") == 1


def test_modules_stay_small():
    long = {name: _logical_lines(path.read_text()) for name, path in MODULES.items()}
    assert {n: k for n, k in long.items() if k > MAX_STATEMENT_LINES} == {}


def _oversized(path: Path, root: Path = ROOT) -> list[str]:
    """The module ``path`` if over :data:`MAX_MODULE_LINES` lines, and each function over :data:`MAX_FUNCTION_LINES`."""
    source = path.read_text()
    where = path.relative_to(root).as_posix()
    n = len(source.splitlines())
    found = [f"module {where}: {n} lines"] if n > MAX_MODULE_LINES else []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"function {where}:{node.lineno} {node.name}: {length} lines")
    return found


def test_oversized_finds_a_long_function_and_a_long_module(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "probe.py").write_text(f"def short():\n    pass\n\n\ndef long():\n{body}\n" + "\n" * MAX_MODULE_LINES)
    assert _oversized(tmp_path / "probe.py", tmp_path) == [
        f"module probe.py: {5 + MAX_FUNCTION_LINES + MAX_MODULE_LINES} lines",
        f"function probe.py:5 long: {MAX_FUNCTION_LINES + 1} lines",
    ]


def test_functions_and_modules_stay_short():
    """Issue 23: no function over 80 lines and no module over 400, in every folder of the package."""
    assert [f for path in MODULES.values() for f in _oversized(path)] == []
