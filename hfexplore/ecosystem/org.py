"""One organisation: what it publishes, and the derivatives of its models.

The organisation is a family of `data/families.toml` (its publisher namespaces) or, when no
family has that name, one namespace. Its models are the snapshot's models in those namespaces
(case-insensitive). Its derivative footprint is measured on the lineage graph:
- its bases: for a family, every model attributed to it by itself (its namespaces, mirrors and
  origin patterns: `unsloth/llama-3-8b-bnb-4bit` counts for Meta), as the lineage report's
  `base_family` does; for a namespace, the models of that namespace;
- `derivatives`: the models with one of its bases as a direct base (per relation: the
  relation of that edge, so a model can count under two); `descendants`: at any depth;
- `own` derivatives are published in the organisation's own namespaces, `third_party` ones
  elsewhere; `gguf`: those holding the gguf format by the rule of `data/formats.toml` (as
  `hfexplore formats` counts it), the conversions to llama.cpp.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hfexplore.errors import HfExploreError
from hfexplore.knowledge import OPEN_WEIGHT_CATEGORIES, Families, FormatRules
from hfexplore.normalize.schema import RELATIONS
from hfexplore.report import Report
from hfexplore.stats.closure import node_key
from hfexplore.stats.engine import Scan
from hfexplore.store.snapshot import Snapshot

RELATION_COLUMNS = (*RELATIONS, "unspecified")
OWN = "lower(rows.author) IN (SELECT namespace FROM org_namespaces)"
OPEN = "(" + ", ".join(f"'{c}'" for c in OPEN_WEIGHT_CATEGORIES) + ")"
# The models descending from the organisation's bases, once each, with their direct edges to
# those bases (relation null where the model only descends further down).
FOOTPRINT = f"""
WITH descending AS (
    SELECT DISTINCT a.model AS node FROM lineage_ancestors AS a
    JOIN org_bases AS o ON o.node = a.ancestor),
direct AS (
    SELECT e.id, coalesce(e.r, 'unspecified') AS relation FROM (
        SELECT rows.id, unnest(rows.base_models) AS b, unnest(rows.base_relations) AS r
        FROM rows WHERE len(rows.base_models) > 0) AS e
    JOIN lineage_nodes AS n ON n.key = {node_key('e.b')}
    JOIN org_bases AS o ON o.node = n.node),
relations AS (SELECT id, list(DISTINCT relation) AS relations FROM direct GROUP BY id)
SELECT rows.id, rows.author, {OWN} AS own,
       {{gguf}} AS gguf,
       relations.id IS NOT NULL AS direct, {", ".join(
           f"coalesce(list_contains(relations.relations, '{r}'), false) AS {r}"
           for r in RELATION_COLUMNS)}
FROM rows JOIN lineage_ids AS i ON i.id = rows.id JOIN descending AS d ON d.node = i.node
LEFT JOIN relations ON relations.id = rows.id
"""


def org(snapshot: Snapshot, name: str, *, top: int = 10,
        families: Families | None = None) -> Report:
    """An organisation (a family, else a namespace): releases per month, license mix, most
    downloaded models, open-weight share and derivative footprint."""
    scan = Scan(snapshot, "model", families=families)
    label, kind, namespaces = _who(scan.families, name)
    scan.register_values("org_namespaces", {"namespace": namespaces})
    models, downloads, likes, open_weight = scan.rows(
        f"SELECT count(*), sum(downloads), sum(likes), count(*) FILTER (WHERE "
        f"license_category IN {OPEN}) FROM rows WHERE {OWN}")[0]
    if not models and kind == "namespace":
        raise HfExploreError(f"{name} is neither an organisation family nor a namespace with "
                             f"models in snapshot {snapshot.name}")
    footprint = _footprint(scan, label, kind, namespaces)
    summary = {"organisation": label, "kind": kind, "models": int(models),
               "downloads": int(downloads or 0), "likes": int(likes or 0),
               "open_weight_share": int(open_weight) / models if models else None,
               **_footprint_totals(footprint)}
    report = Report(title=f"Organisation {label}", rows=_top_models(scan, top),
                    source=snapshot.source, as_of=snapshot.as_of,
                    extra={"organisation": label, "kind": kind, "namespaces": namespaces,
                           "summary": summary})
    report.lead["summary"] = pd.DataFrame([summary])
    report.rows_heading = "Most downloaded models"
    report.sections["releases_per_month"] = scan.frame(
        f"SELECT strftime(created_at, '%Y-%m') AS month, count(*)::BIGINT AS models FROM rows "
        f"WHERE {OWN} GROUP BY ALL ORDER BY month")
    mix = scan.frame(f"SELECT coalesce(license_category, 'none') AS category, "
                     f"count(*)::BIGINT AS models FROM rows WHERE {OWN} GROUP BY ALL "
                     "ORDER BY models DESC, category")
    mix["share"] = mix["models"] / max(int(models), 1)
    report.sections["license_mix"] = mix
    report.sections["derivatives_by_relation"] = _by_relation(footprint)
    report.sections["derivative_publishers"] = _publishers(footprint, top)
    report.section_titles.update({
        "license_mix": "License categories of its models",
        "derivatives_by_relation": "Its derivative footprint: direct derivatives by relation, "
                                   "and descendants at any depth, by whom",
        "derivative_publishers": "Who publishes its descendants"})
    report.notes += [
        f"models: those published in {', '.join(namespaces)}; open_weight_share: of them, "
        "under permissive, copyleft or open-weight-restricted licenses",
        "derivatives: models declaring one of its models as a base; descendants: at any depth"
        + (" (its models here: every model attributed to the family, mirrors and re-hosted "
           "copies included); " if kind == "family" else "; ")
        + "own: published in its namespaces; gguf: carrying the gguf format"]
    return report


def _who(families: Families, name: str) -> tuple[str, str, list[str]]:
    try:
        family = families.get(name)
    except HfExploreError:
        return name, "namespace", [name.strip().lower()]
    return family.name, "family", sorted({n.lower() for n in family.publishers})


def _footprint(scan: Scan, label: str, kind: str, namespaces: list[str]) -> pd.DataFrame:
    scan.lineage()
    if kind == "family":
        scan.materialise("org_bases", "SELECT node FROM lineage_attributed WHERE family = $label",
                         {"label": label})
    else:
        scan.materialise("org_bases", "SELECT node FROM lineage_nodes WHERE starts_with(key, "
                         "$prefix)", {"prefix": f"{namespaces[0]}/"})
    gguf = next(rule for rule in FormatRules.load().formats if rule.name == "gguf")
    return scan.frame(FOOTPRINT.replace("{gguf}", gguf.sql("rows")))


def _footprint_totals(footprint: pd.DataFrame) -> dict[str, Any]:
    own, gguf = footprint["own"].astype(bool), footprint["gguf"].astype(bool)
    return {"derivatives": int(footprint["direct"].sum()), "descendants": len(footprint),
            "own_descendants": int(own.sum()), "third_party_descendants": int((~own).sum()),
            "gguf_descendants": int(gguf.sum()), "gguf_own": int((gguf & own).sum())}


def _by_relation(footprint: pd.DataFrame) -> pd.DataFrame:
    own, gguf = footprint["own"].astype(bool), footprint["gguf"].astype(bool)
    rows = []
    for relation in (*RELATION_COLUMNS, "any depth"):
        has = footprint[relation].astype(bool) if relation != "any depth" else own | ~own
        rows.append({"relation": relation, "models": int(has.sum()),
                     "own": int((has & own).sum()), "third_party": int((has & ~own).sum()),
                     "gguf": int((has & gguf).sum()), "gguf_own": int((has & gguf & own).sum())})
    return pd.DataFrame(rows)


def _publishers(footprint: pd.DataFrame, top: int) -> pd.DataFrame:
    if footprint.empty:
        return pd.DataFrame(columns=["author", "own", "descendants", "gguf"])
    frame = footprint.assign(key=footprint["author"].str.lower())
    grouped = frame.groupby("key").agg(author=("author", "first"), own=("own", "first"),
                                       descendants=("id", "size"), gguf=("gguf", "sum"))
    grouped = grouped.sort_values(["descendants", "author"], ascending=[False, True],
                                  kind="stable")
    grouped["gguf"] = grouped["gguf"].astype("int64")
    grouped["own"] = grouped["own"].astype(bool)
    return (grouped.head(top) if top > 0 else grouped).reset_index(drop=True)


def _top_models(scan: Scan, top: int) -> pd.DataFrame:
    limit = f"LIMIT {int(top)}" if top > 0 else ""
    frame = scan.frame(f"SELECT id, created_at, license, downloads, likes FROM rows WHERE {OWN} "
                       f"ORDER BY downloads DESC NULLS LAST, id {limit}")
    for column in ("downloads", "likes"):
        frame[column] = frame[column].astype("Int64")
    frame["created_at"] = frame["created_at"].astype(str).str[:10]
    return frame
