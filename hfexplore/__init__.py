"""hfexplore: explore, snapshot and fact-check the Hugging Face Hub catalogue.

    import hfexplore as hfx
    hfx.licenses(hfx.demo(), by="category")

The names below load on first use (module `__getattr__`), so `import hfexplore` and the
command line's start-up stay cheap: pandas, pyarrow and DuckDB load only when a call needs them.

Layers, lowest first; a module imports only its own layer and those below (tests/test_layers.py):

    errors, config, repo_type, arguments, sanitize, report   the shared vocabulary
    cache      raw Hub answers on disk, keyed by URL (never the token); below the hub layer,
               which reads and writes through it
    hub/       the Hub over HTTP: listings, counts, files; pacing, retries, typed errors
    catalog/   snapshots on disk: crawl, import, export; use-cases `publish.publish_snapshot`
               and `listing.list_snapshot_inventory`
    stats/     reports, history, diff and SQL over snapshots
    claims/    claim files judged against the data; use-case `check.check_claim_files`
    formats/   table, JSON, CSV, Markdown, plots, the HTML report
    api, doctor   the Python API and the diagnosis, over all of the above
    cli/       click wiring only: parse options, call one library function, print its result

`Report.to_json` is the one upward step (report -> formats.json), taken when it is called.
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
