"""hfexplore: explore, snapshot and fact-check the Hugging Face Hub catalogue.

    import hfexplore as hfx
    hfx.licenses(hfx.demo(), by="category")

The names below load on first use (module `__getattr__`), so `import hfexplore` and the
command line's start-up stay cheap: pandas, pyarrow and DuckDB load only when a call needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = ("snapshot", "demo", "export", "summary", "licenses", "libraries", "tasks", "authors",
        "lineage", "growth", "history", "sql", "count_live", "Export")
_LAZY = {**dict.fromkeys(_API, "hfexplore.api"),
         "Report": "hfexplore.report", "Snapshot": "hfexplore.catalog.snapshot",
         "Filters": "hfexplore.stats.reports", "RepoType": "hfexplore.repo_type",
         "HfExploreError": "hfexplore.errors",
         "InvalidArgumentError": "hfexplore.errors", "QueryError": "hfexplore.errors",
         "SnapshotError": "hfexplore.errors"}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hfexplore' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
