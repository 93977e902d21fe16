"""Everything a snapshot knows of one model, and (`client`) the Hub's fresh view beside it.

The ranks are among the snapshot's models: 1 = the most, ties sharing the better rank (a
model with 10 downloads, behind 41 models with more, is 42nd whoever else has 10).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hfexplore.ecosystem.graph import has_bases, node_of, walk
from hfexplore.errors import HfExploreError, HubNotFoundError
from hfexplore.hub import HubClient
from hfexplore.knowledge import Families, LicenseTable
from hfexplore.normalize.columns import normalize_dicts
from hfexplore.normalize.schema import EXPAND
from hfexplore.report import Report, plain
from hfexplore.stats.closure import ORIGINS
from hfexplore.stats.engine import Scan
from hfexplore.store.snapshot import Snapshot

FIELDS = ("id", "author", "created_at", "last_modified", "downloads", "downloads_all_time",
          "likes", "library_name", "pipeline_tag", "license", "license_name", "licenses",
          "license_category", "gated", "base_models", "base_relations", "formats")
# The fields compared with the live view (the rest are the snapshot's own judgements).
LIVE_FIELDS = ("id", "author", "created_at", "last_modified", "downloads",
               "downloads_all_time", "likes", "library_name", "pipeline_tag", "license",
               "license_name", "licenses", "license_category", "gated", "base_models",
               "base_relations")


def repo(snapshot: Snapshot, repo_id: str, *, client: HubClient | None = None,
         families: Families | None = None, license_table: LicenseTable | None = None) -> Report:
    """One model of the snapshot: its row, license facts, publisher and origin families,
    lineage counts up and down, and its ranks by downloads and likes; with `client`, the Hub's
    single-repo answer normalised the same way, beside it."""
    scan = Scan(snapshot, "model", families=families, license_table=license_table)
    columns = [c for c in FIELDS if c in scan_columns(scan)]
    found = scan.frame(f"SELECT {', '.join(columns)} FROM rows WHERE lower(id) = lower($id)",
                       {"id": repo_id.strip()})
    if found.empty:
        raise HfExploreError(f"{repo_id} is not a model of snapshot {snapshot.name}")
    row = {str(k): plain(v) for k, v in found.iloc[0].to_dict().items()}
    facts = _license_facts(scan.license_table, row.get("license"))
    lineage = lineage_counts(scan, row["id"])
    ranks = _ranks(scan, row)
    publisher = scan.families.family_of(row.get("author"))
    facts_rows: list[tuple[str, Any]] = [
        *[(k, row.get(k)) for k in columns], *facts.items(),
        ("publisher_family", publisher), ("origin_family", ", ".join(lineage.pop("origins"))),
        *lineage.items(), *ranks.items()]
    rows = pd.DataFrame({"field": [k for k, _ in facts_rows],
                         "snapshot": [_shown(v) for _, v in facts_rows]})
    extra: dict[str, Any] = {"repo": row["id"], "snapshot": row, "license_facts": facts,
                             "publisher_family": publisher,
                             "lineage": {k: v for k, v in facts_rows if k in lineage},
                             "origin_family": dict(facts_rows)["origin_family"] or None,
                             "ranks": ranks}
    notes = ["ranks among the snapshot's models (1: the most; ties share the better rank)",
             "origin_family: the family of its roots (stats/closure.py); lineage counts "
             "follow base_model to any depth"]
    if client is not None:
        live = live_view(client, row["id"], scan.license_table)
        rows["live"] = [_shown(live.get(k)) if live is not None and k in LIVE_FIELDS else ""
                        for k, _ in facts_rows]
        extra["live"] = live
        notes.append(f"live: {client.endpoint}/api/models/{row['id']}" if live is not None
                     else f"live: {client.endpoint} has no model {row['id']} (deleted, private "
                     "or renamed since the snapshot)")
    return Report(title=f"Model {row['id']}", rows=rows, source=snapshot.source,
                  as_of=snapshot.as_of, extra=extra, notes=notes)


def scan_columns(scan: Scan) -> list[str]:
    return [name for (name,) in scan.rows("SELECT column_name FROM (DESCRIBE source)")]


def lineage_counts(scan: Scan, repo_id: str) -> dict[str, Any]:
    """Bases, ancestors, roots, children and descendants of a model, and its origin families."""
    graph = scan.lineage()  # its origin (ORIGINS) reads the closure
    node = node_of(graph, repo_id)
    if node is None:
        origin = scan.families.origin_of(repo_id)
        return {"origins": [origin] if origin else [], "bases": 0, "ancestors": 0, "roots": 0,
                "children": 0, "descendants": 0}
    above = walk(graph, node, down=False)
    below = walk(graph, node, down=True)
    declares = has_bases(graph)
    found = scan.frame(ORIGINS.format(wanted=f"SELECT {int(node)}::INTEGER AS node"))
    origins = list(found["families"].iloc[0]) if len(found) else []
    return {"origins": origins, "bases": int((above.depths == 1).sum()),
            "ancestors": len(above.nodes),
            "roots": int((~declares[above.nodes]).sum()) if len(above.nodes) else 0,
            "children": int((below.depths == 1).sum()), "descendants": len(below.nodes)}


def _ranks(scan: Scan, row: dict[str, Any]) -> dict[str, Any]:
    downloads, likes = row.get("downloads"), row.get("likes")
    found = scan.rows(
        "SELECT count(*) FILTER (WHERE downloads > $downloads) + 1, "
        "count(*) FILTER (WHERE likes > $likes) + 1, count(*) FROM rows",
        {"downloads": downloads if downloads is not None else -1,
         "likes": likes if likes is not None else -1})[0]
    return {"downloads_rank": int(found[0]) if downloads is not None else None,
            "likes_rank": int(found[1]) if likes is not None else None,
            "models": int(found[2])}


def _license_facts(table: LicenseTable, license_id: str | None) -> dict[str, Any]:
    entry = table.entries.get(license_id or "")
    return {"license_full_name": entry.name if entry else None,
            "license_osi_approved": entry.osi_approved if entry else None,
            "license_commercial_use": entry.commercial_use if entry else None}


def live_view(client: HubClient, repo_id: str, table: LicenseTable) -> dict[str, Any] | None:
    """The Hub's single-repo answer for a model, normalised by the snapshot's own rules (None:
    the Hub has no such model)."""
    try:
        item = client.repo_info("model", repo_id, expand=EXPAND["model"])
    except HubNotFoundError:
        return None
    batch = normalize_dicts([item], "model", table)
    return {k: plain(v[0]) for k, v in batch.to_pydict().items() if k in LIVE_FIELDS}


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
