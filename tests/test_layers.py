"""The layering of hfexplore/__init__.py holds: no module imports a layer above its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hfexplore"
# Lowest first, as the package docstring lists them. The shared vocabulary (errors, config,
# repo_type, arguments, sanitize, report) sits below them all.
LAYERS = ["", "cache", "hub", "catalog", "stats", "claims", "formats", "facade", "cli"]
BASE = {"errors", "config", "repo_type", "arguments", "sanitize", "report", "data"}
FACADES = {"api", "doctor"}  # the Python API and `doctor` sit over the layers, under the CLI
# Known upward imports, each deferred to the call that needs it.
ALLOWED = {("hfexplore.report", "hfexplore.formats.json")}  # Report.to_json for notebook users


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
    upward = [m for m in imports_of(path) if layer_of(m) > own and (name, m) not in ALLOWED]
    assert upward == [], f"{name} (layer {LAYERS[own] or 'base'}) imports {upward}"
