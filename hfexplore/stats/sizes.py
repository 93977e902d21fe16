"""Models per size bucket of parameter count (`num_parameters`, the Hub's `safetensors.total`),
buckets from `hfexplore/data/formats.toml` (<1B, 1-3B, 3-8B, 8-35B, 35-100B, >100B), and the
models whose size is unknown: no safetensors weights (GGUF-only, .bin-only, adapters...), or a
snapshot whose listing did not ask for it (schema version 2 and older)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hfexplore.arguments import check_arguments
from hfexplore.knowledge import FormatRules
from hfexplore.repo_type import PLURAL, RepoTypeLike
from hfexplore.report import Report
from hfexplore.stats.filters import parameter_text
from hfexplore.stats.query import NO_FILTERS, Filters, Scan
from hfexplore.store.snapshot import Snapshot

if TYPE_CHECKING:  # imported where used: every report asks parameter_note, without pandas
    import pandas as pd

UNKNOWN = "unknown"
HOW_TO_GET_SIZES = (
    "this snapshot has no parameter counts; to get them, take a new snapshot with this version: "
    "`hfexplore snapshot create` asks the listing for `safetensors`, and `hfexplore snapshot "
    "import hub-stats` reads the dump's `safetensors` column")


def has_parameter_counts(snapshot: Snapshot, repo_type: RepoTypeLike = "model") -> bool:
    """Whether any repo of the snapshot (filters aside) has a parameter count."""
    return bool(snapshot.has(repo_type) and Scan(snapshot, repo_type).scalar(
        "SELECT count(num_parameters) > 0 FROM rows"))


def parameter_note(snapshot: Snapshot, filters: Filters) -> list[str]:
    """How to get parameter counts, when `filters` select by them and the snapshot has none."""
    asked = filters.num_parameters_min is not None or filters.num_parameters_max is not None
    return [HOW_TO_GET_SIZES] if asked and not has_parameter_counts(snapshot) else []


def size_counts(scan: Scan, rules: FormatRules) -> pd.DataFrame:
    """(bucket, count, downloads) for every bucket in order, then `unknown`."""
    import pandas as pd

    edges = [bucket.min for bucket in rules.sizes]
    labels = [bucket.label for bucket in rules.sizes]
    downloads = "downloads" if scan.repo_type != "space" else "NULL::BIGINT"
    found = scan.frame(
        "SELECT CASE WHEN num_parameters IS NULL THEN -1 ELSE "
        "list_count(list_filter($edges, lambda e: e <= num_parameters)) - 1 END AS bucket, "
        f"count(*) AS count, sum({downloads}) AS downloads FROM rows GROUP BY ALL",
        {"edges": edges})
    per = {int(b): (int(c), d) for b, c, d in found.itertuples(index=False)}
    rows = [{"size": label, "count": per.get(i, (0, None))[0],
             "downloads": per.get(i, (0, None))[1]} for i, label in enumerate(labels)]
    rows.append({"size": UNKNOWN, "count": per.get(-1, (0, None))[0],
                 "downloads": per.get(-1, (0, None))[1]})
    frame = pd.DataFrame(rows, columns=["size", "count", "downloads"])
    frame["count"] = frame["count"].astype("int64")
    frame["downloads"] = pd.array([None if pd.isna(v) else int(v) for v in frame["downloads"]],
                                  dtype="Int64")
    return frame


def sizes(snapshot: Snapshot, repo_type: RepoTypeLike = "model", *,
          filters: Filters = NO_FILTERS, rules: FormatRules | None = None) -> Report:
    """Models per parameter-count bucket, with shares of all models and of those with a known
    size, and the median size."""
    check_arguments(repo_type=repo_type)
    rules = rules or FormatRules.load()
    scan = Scan(snapshot, repo_type, filters)
    frame = size_counts(scan, rules)
    total = int(frame["count"].sum())
    known = int(frame.loc[frame["size"] != UNKNOWN, "count"].sum())
    frame.insert(2, "share", frame["count"] / max(total, 1))
    frame.insert(3, "known_share", [c / known if known and s != UNKNOWN else None
                                       for s, c in zip(frame["size"], frame["count"],
                                                       strict=True)])
    median = scan.scalar("SELECT median(num_parameters) FROM rows") if known else None
    plural = PLURAL[repo_type]
    notes = [f"filters: {filters.describe()}"] if filters.describe() else []
    if known and median is not None:
        notes.append(f"{known:,} of {total:,} {plural} have a parameter count (safetensors); "
                     f"median {parameter_text(float(median))}; a bucket holds sizes from its "
                     "lower edge up to the next one's")
    if not known and not has_parameter_counts(snapshot, repo_type):
        notes.append(HOW_TO_GET_SIZES)
    notes.append("unknown: no safetensors weights (GGUF-only, .bin-only and adapter repos "
                 "among them), or not recorded by the snapshot")
    return Report(title=f"{plural.capitalize()} by size (parameters)", rows=frame,
                  source=snapshot.source, as_of=snapshot.as_of, notes=notes,
                  extra={"repo_type": repo_type, "total": total, "with_size": known,
                         "median_parameters": None if median is None else float(median)})
