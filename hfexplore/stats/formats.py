"""Models per weight format (gguf, mlx, onnx, gptq, awq, bnb, exl2, safetensors...), by the
rules of `hfexplore/data/formats.toml`: a repo holds a format when one of its tags (compared
lower-cased) or its `library_name` is listed for it. A repo counts once under each format it
holds, however many of its tags say so; shares are of all repos, so they can add up to more
than 100%.

The rules are applied to `tags` and `library_name` at query time, so every snapshot, old or
new, is read the same way (the snapshot's own `formats` column is the normaliser's narrower,
case-sensitive reading, kept for older readers).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from hfexplore.arguments import check_arguments
from hfexplore.knowledge import FormatRules
from hfexplore.repo_type import PLURAL, RepoTypeLike
from hfexplore.report import Report
from hfexplore.stats.query import NO_FILTERS, Filters, Scan
from hfexplore.stats.sizes import parameter_note
from hfexplore.store.snapshot import Snapshot


def format_counts(scan: Scan, rules: FormatRules) -> tuple[pd.DataFrame, int, int]:
    """(format, count, downloads) per format with at least one repo, the repos holding any
    format, and all repos of the scan."""
    tokens = rules.tokens()
    scan.register("format_rules", pa.table({
        "format": pa.array([t[0] for t in tokens], pa.string()),
        "kind": pa.array([t[1] for t in tokens], pa.string()),
        "token": pa.array([t[2] for t in tokens], pa.string())}))
    downloads = "downloads" if scan.repo_type != "space" else "NULL::BIGINT"
    frame = scan.frame(
        "WITH numbered AS (SELECT row_number() OVER () AS rid, tags, library_name, "
        f"{downloads} AS downloads FROM rows), "
        "said AS (SELECT rid, 'tag' AS kind, lower(unnest(tags)) AS token FROM numbered "
        "UNION ALL SELECT rid, 'library', lower(library_name) FROM numbered "
        "WHERE library_name IS NOT NULL), "
        "held AS (SELECT DISTINCT said.rid, format_rules.format FROM said JOIN format_rules "
        "USING (kind, token)), "
        "per_format AS (SELECT format, count(*) AS count, sum(numbered.downloads) AS downloads "
        "FROM held JOIN numbered USING (rid) GROUP BY format) "
        "SELECT format, count, downloads, (SELECT count(DISTINCT rid) FROM held) AS any_format, "
        "(SELECT count(*) FROM numbered) AS total FROM per_format "
        "UNION ALL SELECT NULL, 0, NULL, (SELECT count(DISTINCT rid) FROM held), "
        "(SELECT count(*) FROM numbered)")
    any_format = int(frame["any_format"].iloc[0]) if len(frame) else 0
    total = int(frame["total"].iloc[0]) if len(frame) else 0
    frame = frame[frame["format"].notna()][["format", "count", "downloads"]]
    frame["count"] = frame["count"].astype("int64")
    frame["downloads"] = frame["downloads"].astype("Int64")
    return frame, any_format, total


def formats(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *, top: int = 0,
            filters: Filters = NO_FILTERS, rules: FormatRules | None = None) -> Report:
    """Repos per weight format, with their share of all repos and their 30-day downloads."""
    check_arguments(repo_type=repo_type)
    rules = rules or FormatRules.load()
    scan = Scan(snapshot, repo_type, filters)
    frame, any_format, total = format_counts(scan, rules)
    order = {rule.name: i for i, rule in enumerate(rules.formats)}
    frame = frame.assign(order=frame["format"].map(order)).sort_values(
        ["count", "order"], ascending=[False, True], kind="stable").drop(columns="order")
    frame.insert(2, "share", frame["count"] / max(total, 1))
    if top and top > 0:
        frame = frame.head(top)
    plural = PLURAL[repo_type]
    notes = [f"filters: {filters.describe()}"] if filters.describe() else []
    notes += parameter_note(snapshot, filters)
    notes.append(f"{any_format:,} of {total:,} {plural} ({100 * any_format / max(total, 1):.2f}%)"
                 " hold at least one of these formats; a repo with several counts under each")
    notes.append("formats from tags and library_name (hfexplore/data/formats.toml gives each "
                 "rule's reason); a tag says what the repo claims, not a listing of its files")
    return Report(title=f"{plural.capitalize()} by weight format",
                  rows=frame.reset_index(drop=True), source=snapshot.source,
                  as_of=snapshot.as_of, notes=notes,
                  extra={"repo_type": repo_type, "total": total, "with_any_format": any_format})
