"""License drift along the lineage graph: a derivative's license against its base's.

A pair is (derivative, base): with `to="parent"` one per lineage edge (its direct bases), with
`to="root"` one per root among its ancestors (`stats/closure.py`: an ancestor without a base of
its own). The derivatives are the scan's rows (filters apply to them); a base's license is its
own row's, whatever the filters. Each pair gets one outcome (`knowledge/drift.py`), comparing
the two repos' license categories (each the most restrictive of its licenses) by the levels of
`data/drift.toml`: same, more_restrictive, less_restrictive, undeclared (the derivative has no
license), base_undeclared, unclear (custom or unknown terms), base_missing (the base is not in
the snapshot). `compared` = same + more_restrictive + less_restrictive; shares are of it.

Per origin family: a pair counts under each origin family of its base (the family of the
base's roots; a merge of two families' models counts under both); per base: under the base.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from hfexplore.knowledge import OUTCOMES, DriftOrder
from hfexplore.report import Report
from hfexplore.stats.closure import ORIGINS, node_key
from hfexplore.stats.engine import Scan
from hfexplore.stats.filters import NO_FILTERS, Filters
from hfexplore.stats.query import top_rows
from hfexplore.store.snapshot import Snapshot

Target = Literal["parent", "root"]
NO_FAMILY = "(none)"
PAIRS = {
    "parent": "SELECT model, base FROM lineage_edges",
    "root": ("SELECT model, ancestor AS base FROM lineage_ancestors "
             "WHERE ancestor NOT IN (SELECT model FROM lineage_edges)"),
}
# Every pair of the scan's derivatives, with both sides' licenses (a base the source does not
# hold has none: base_held is false).
PAIR_LICENSES = """
WITH held AS (
    SELECT n.node, s.id AS base_id, s.license AS base_license,
           s.license_category AS base_category
    FROM lineage_nodes AS n
    JOIN (SELECT id, license, license_category FROM source) AS s ON """ + node_key("s.id") + """
        = n.key),
derived AS (
    SELECT i.node, rows.id, rows.author, rows.downloads, rows.license, rows.license_category
    FROM rows JOIN lineage_ids AS i ON i.id = rows.id),
pairs AS ({pairs})
SELECT pairs.model, pairs.base, derived.id, derived.author, derived.downloads, derived.license,
       derived.license_category AS category, held.base_id, held.base_license,
       held.base_category, held.node IS NOT NULL AS base_held
FROM pairs JOIN derived ON derived.node = pairs.model LEFT JOIN held ON held.node = pairs.base
"""
COUNTS = ["pairs", *OUTCOMES, "compared", "less_restrictive_share", "more_restrictive_share"]
WHAT_TAGS_CANNOT_TELL = (
    "what tags cannot tell: a license tag is a declaration, not a grant. A less restrictive "
    "license on a derivative can be lawful (the base's owner relicensed, or allows it; an "
    "adapter may hold only new work), a mistake in the card, or a breach: tags cannot say which")


def drift_pairs(scan: Scan, to: Target = "parent", order: DriftOrder | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every (derivative, base) pair of the scan's rows with both licenses and the outcome;
    and per base node in them, its lower-case id (`base_key`) and origin families (a list,
    empty when none)."""
    order = order or DriftOrder.load()
    scan.lineage()
    pairs = scan.frame(PAIR_LICENSES.format(pairs=PAIRS[to]))
    held = pairs["base_held"].astype(bool)
    pairs["outcome"] = _outcomes(order, pairs["base_category"].where(held, None),
                                 pairs["category"])
    nodes = pairs["base"].unique()
    families = _origins(scan, [int(n) for n in nodes])
    key_of = dict(scan.rows("SELECT n.node, n.key FROM lineage_nodes AS n JOIN drift_bases AS b "
                            "ON b.node = n.node")) if len(nodes) else {}
    bases = pd.DataFrame({"base_key": [key_of[int(n)] for n in nodes]},
                         index=pd.Index(nodes, name="base"))
    bases["families"] = [families.get(int(n), []) for n in nodes]
    pairs["base_model"] = pairs["base_id"].where(held, pairs["base"].map(bases["base_key"]))
    return pairs, bases


def _outcomes(order: DriftOrder, base: pd.Series, derived: pd.Series) -> np.ndarray:
    """`DriftOrder.outcome` per pair, worked out once per distinct pair of categories (a
    missing value is None)."""
    missing = "(missing)"
    pairs = (base.astype(object).where(base.notna(), missing).astype(str) + "\t"
             + derived.astype(object).where(derived.notna(), missing).astype(str))
    codes, combos = pd.factorize(pairs.to_numpy())
    found = []
    for combo in combos:
        was, now = (None if part == missing else part for part in combo.split("\t"))
        found.append(order.outcome(was, now))
    return np.array([*found, ""], dtype=object)[codes]


def _origins(scan: Scan, nodes: list[int]) -> dict[int, list[str]]:
    if not nodes:
        return {}
    scan.register("drift_bases", pa.table({"node": pa.array(nodes, pa.int32())}))
    found = scan.frame(ORIGINS.format(wanted="SELECT node FROM drift_bases"))
    return {int(n): list(f) for n, f in zip(found["node"], found["families"], strict=True)}


def tally(pairs: pd.DataFrame, key: str | None = None) -> pd.DataFrame:
    """Pairs per outcome (per `key` value, or one row for all), with the compared shares."""
    if key:
        counts = pairs.groupby([key, "outcome"]).size().unstack("outcome") if len(pairs) \
            else pd.DataFrame(index=pd.Index([], name=key))
    else:
        counts = pairs["outcome"].value_counts().to_frame().T.reset_index(drop=True)
    counts = counts.reindex(columns=list(OUTCOMES), fill_value=0).fillna(0)
    if not key and counts.empty:
        counts = pd.DataFrame([[0] * len(OUTCOMES)], columns=list(OUTCOMES))
    if key:
        counts = counts.rename_axis(key).reset_index()
    return _finish(counts, key)


def _finish(counts: pd.DataFrame, key: str | None) -> pd.DataFrame:
    counts = counts.copy()
    counts.columns.name = None
    counts["pairs"] = counts[list(OUTCOMES)].sum(axis=1)
    counts["compared"] = counts["same"] + counts["more_restrictive"] + counts["less_restrictive"]
    compared = counts["compared"].where(counts["compared"] > 0)
    counts["less_restrictive_share"] = counts["less_restrictive"] / compared
    counts["more_restrictive_share"] = counts["more_restrictive"] / compared
    for column in ["pairs", *OUTCOMES, "compared"]:
        counts[column] = counts[column].astype("int64")
    counts = counts[([key] if key else []) + COUNTS]
    if key:
        counts = counts.sort_values(["pairs", key], ascending=[False, True], kind="stable")
    return counts.reset_index(drop=True)


def by_family(pairs: pd.DataFrame, bases: pd.DataFrame) -> pd.DataFrame:
    """Pairs per origin family of their base: counted per base, then each base's counts added
    to each of its families."""
    per_base = tally(pairs, "base")
    families = bases["families"].map(lambda f: list(f) if len(f) else [NO_FAMILY])
    per_base["origin_family"] = per_base["base"].map(families)
    exploded = per_base.explode("origin_family")
    summed = exploded.groupby("origin_family", as_index=False)[list(OUTCOMES)].sum()
    return _finish(summed, "origin_family")


def evidence(pairs: pd.DataFrame, top: int) -> pd.DataFrame:
    """The most downloaded derivatives that are less (then more) restrictive than their base
    (one pair each: the first base in id order)."""
    shown = []
    for outcome in ("less_restrictive", "more_restrictive"):
        found = pairs[pairs["outcome"] == outcome].sort_values(
            ["downloads", "id", "base_model"], ascending=[False, True, True], kind="stable")
        found = found.drop_duplicates("id")
        shown.append(found.head(top) if top > 0 else found)
    frame = pd.concat(shown)
    return frame[["outcome", "id", "license", "category", "base_model", "base_license",
                  "base_category", "downloads"]].astype({"downloads": "Int64"}).reset_index(
        drop=True)


def drift(snapshot: Snapshot, *, to: Target = "parent", family: str | None = None,
          top: int = 20, filters: Filters = NO_FILTERS, order: DriftOrder | None = None,
          scan: Scan | None = None) -> Report:
    """License drift per origin family, per base and overall, with the largest cases."""
    order = order or DriftOrder.load()
    scan = scan or Scan(snapshot, "model", filters)
    pairs, bases = drift_pairs(scan, to, order)
    if family:
        name = scan.families.get(family).name
        bases = bases[[name in f for f in bases["families"]]]
        pairs = pairs[pairs["base"].isin(bases.index)]
    totals = tally(pairs)
    per_family = by_family(pairs, bases)
    per_base = tally(pairs.assign(base=pairs["base_model"]), "base")
    same = pairs[(pairs["outcome"] == "same") & (pairs["license"] != pairs["base_license"])]
    what = "direct bases" if to == "parent" else "roots"
    report = Report(
        title=f"License drift: derivatives against their {what}, per origin family",
        rows=top_rows(per_family, top), source=snapshot.source,
        as_of=snapshot.as_of,
        extra={"to": to, "totals": {k: _plain(v) for k, v in totals.iloc[0].items()},
               "same_level_other_license": len(same),
               "levels": dict(sorted(order.levels.items(), key=lambda kv: kv[1]))})
    report.lead["totals"] = totals
    report.rows_heading = "Per origin family of the base"
    report.sections["by_base"] = top_rows(per_base, top)
    report.section_titles["by_base"] = "Per base model" if to == "parent" else "Per root"
    report.sections["evidence"] = evidence(pairs, top)
    report.section_titles["evidence"] = ("The most downloaded derivatives less (then more) "
                                         "restrictive than their base")
    levels = ", ".join(f"{c} {n}" for c, n in sorted(order.levels.items(), key=lambda kv: kv[1]))
    report.notes += [
        f"a pair is a derivative and {'each direct base' if to == 'parent' else 'each root'}; "
        f"license categories compared by level of restrictiveness ({levels}; "
        "hfexplore/data/drift.toml has the reasons); shares are of the compared pairs "
        "(same, more or less restrictive)",
        f"same: the same level; {len(same):,} of those pairs declare different licenses "
        "(llama2 and llama3 share a level)",
        WHAT_TAGS_CANNOT_TELL]
    if filters.describe():
        report.notes.insert(0, f"filters: {filters.describe()}")
    return report


def _plain(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return value
