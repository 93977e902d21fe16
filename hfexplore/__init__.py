"""hfexplore: explore, snapshot and fact-check the Hugging Face Hub catalogue.

    import hfexplore as hfx
    hfx.licenses(hfx.demo(), by="category")

The names below load on first use (module `__getattr__`), so `import hfexplore` and the
command line's start-up stay cheap: pandas, pyarrow and DuckDB load only when a call needs them.

Layers, lowest first; a module imports only its own layer and those below, never in a circle
(tests/test_layers.py):

    errors, config, repo_type, arguments, sanitize, atomic_files   the shared vocabulary, and
    report, verdicts   what reports and claim checks return, read by every renderer
    knowledge/  the judgement tables as data: licenses, organisation families, libraries
    hub/        the Hub over HTTP: requests (retries, 429, RateLimit pacing), listing walks,
                counts, single repos, dataset files; the page cache (keyed by URL, never the token)
    normalize/  raw listing items or dump columns -> the snapshot's typed Arrow columns
    store/      snapshots on disk: the writer, the inventory, unfinished crawls, the lock,
                upgrades of old files, exports
    ingest/     what makes a snapshot: crawl, dump import, incremental refresh, estimates, publish
    formats/    renderers: table, JSON, CSV, Markdown, claim blocks, plots
    stats/      reports, history, diff and SQL over snapshots (DuckDB)
    ecosystem/  model trees, single repos, license drift and organisations, on the lineage graph
    claims/     claim files judged against the data; use-case `check.check_claim_files`
    page/       the HTML report: gathers from stats and claims, renders with Jinja2
    api, doctor   the Python API and the diagnosis, over all of the above
    cli/        click wiring only: parse options, call one library function, print its result
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = ("snapshot", "demo", "export", "summary", "licenses", "libraries", "tasks", "authors",
        "lineage", "growth", "concentration", "sizes", "weight_formats", "history", "sql",
        "count_live", "tree", "repo", "drift", "org", "Export")
_LAZY = {**dict.fromkeys(_API, "hfexplore.api"),
         "Report": "hfexplore.report", "Snapshot": "hfexplore.store.snapshot",
         "Filters": "hfexplore.stats.reports", "RepoType": "hfexplore.repo_type",
         "HfExploreError": "hfexplore.errors",
         "InvalidArgumentError": "hfexplore.errors", "QueryError": "hfexplore.errors",
         "SnapshotError": "hfexplore.errors", "StaleDataWarning": "hfexplore.errors"}

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
