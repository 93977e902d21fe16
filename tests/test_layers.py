"""The layering of hfexplore/__init__.py holds: no module imports a layer above its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hfexplore"
# Lowest first, as the package docstring lists them. The shared vocabulary (errors, config,
# repo_type, arguments, sanitize, report, verdicts, atomic_files) sits below them all: formats
# render reports and verdicts, which stats and claims (above the formats) make.
LAYERS = ["", "knowledge", "hub", "normalize", "store", "ingest", "formats", "stats", "ecosystem",
          "claims", "page", "facade", "cli"]
BASE = {"errors", "config", "repo_type", "arguments", "sanitize", "report", "rows", "verdicts",
        "atomic_files", "data"}
FACADES = {"api", "doctor", "protocol"}  # the Python API, `doctor` and its protocol self-test
# sit over the layers, under the CLI


def layer_of(module: str) -> int:
    parts = [p for p in module.split(".")[1:] if p != "__init__"]  # drop "hfexplore"
    if not parts or parts[0] in BASE:
        return 0
    if parts[0] in FACADES:
        return LAYERS.index("facade")
    if parts[0] == "__main__":
        return LAYERS.index("cli")
    return LAYERS.index(parts[0])


def imports_of(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [name for name in found if name == "hfexplore" or name.startswith("hfexplore.")]


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    name = ".".join(("hfexplore", *path.relative_to(PACKAGE).with_suffix("").parts))
    own = layer_of(name)
    upward = [m for m in imports_of(path) if layer_of(m) > own]
    assert upward == [], f"{name} (layer {LAYERS[own] or 'base'}) imports {upward}"


def test_no_import_circle() -> None:
    """No module imports (directly or through others) a module that imports it back."""
    graph = {}
    for path in MODULES:
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(("hfexplore", *parts)).removesuffix(".__init__")
        graph[name] = {m for m in imports_of(path) if m != name}
    cycles = []
    for start in graph:
        stack, seen = [(start, (start,))], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    cycles.append(" -> ".join((*trail, nxt)))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, (*trail, nxt)))
    assert cycles == []


def test_folders_and_modules_stay_small() -> None:
    """No folder of the package over 16 modules, no module over 400 lines."""
    folders: dict[Path, int] = {}
    for path in MODULES:
        folders[path.parent] = folders.get(path.parent, 0) + 1
    assert {str(f.relative_to(PACKAGE)): n for f, n in folders.items() if n > 16} == {}
    long = {str(p.relative_to(PACKAGE)): n for p in MODULES
            if (n := len(p.read_text("utf-8").splitlines())) > 400}
    assert long == {}
