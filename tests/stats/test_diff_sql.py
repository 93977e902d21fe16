"""The diff (a DuckDB join of two snapshots' files) against plain Python over the same parquet
files: ties, nulls, removed and added repos, and the case-insensitive repo-id join of imports."""

from __future__ import annotations

import json
import random
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hfexplore.errors import SnapshotError
from hfexplore.stats.diff import diff_snapshots
from hfexplore.store.snapshot import open_snapshot

CATEGORY = {"mit": "permissive", "apache-2.0": "permissive", "cc-by-nc-4.0": "non-commercial",
            "llama3": "restricted", "other": "unknown", "": None, None: None}
BASES = [["meta-llama/Llama-3-8B"], ["mistralai/Mistral-7B", "Meta-Llama/x"], ["someone/else"],
         [], ["FACEBOOK/opt", "meta-llama/y"], ["mistral-community/m"], ["gpt2"]]
FAMILIES_FILE = Path(__file__).parents[2] / "hfexplore" / "data" / "families.toml"


def _repo(rng: random.Random, number: int, kind: str) -> dict[str, Any]:
    license_ = rng.choice(list(CATEGORY))
    row = {"_id": f"{number:024x}", "id": f"Org{number % 5}/{kind}-{number:04d}",
           "license": license_, "license_category": CATEGORY[license_],
           "likes": rng.choice([None, 0, 1, 1, 7, 7, 30]), "base_models": rng.choice(BASES)}
    if kind != "space":
        row["downloads"] = rng.choice([None, 0, 10, 10, 10, 250, 250, 4000])
    return row


def _generations(kind: str, seed: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    before = [_repo(rng, n, kind) for n in range(300)]
    after = []
    for row in before:
        if rng.random() < 0.08:  # removed
            continue
        row = dict(row)
        draw = rng.random()
        if draw < 0.15:  # re-licensed (sometimes within a category, sometimes to or from none)
            row["license"] = rng.choice(list(CATEGORY))
            row["license_category"] = CATEGORY[row["license"]]
        if rng.random() < 0.4:  # small moves, so that many are tied in size
            for metric in ("downloads", "likes"):
                if metric in row:
                    row[metric] = rng.choice([None, 0, (row[metric] or 0) + rng.choice([-3, 3])])
        after.append(row)
    after += [_repo(rng, n, kind) for n in range(300, 330)]  # added
    return before, after


def _write(root: Path, name: str, rows: dict[str, list[dict]], imported: bool) -> Path:
    path = root / name
    path.mkdir()
    for kind, found in rows.items():
        pq.write_table(pa.Table.from_pylist(found), path / f"{kind}s.parquet")
    manifest: dict[str, Any] = {"schema_version": 2, "started_at": f"{name[:10]}T00:00:00Z",
                                "repo_types": {k: {"count": len(v)} for k, v in rows.items()}}
    if imported:  # a dump without _id: the importer filled it with the repo id
        manifest["imported"] = {"columns": {k: {"derived": {"_id": "id"}} for k in rows}}
    (path / "manifest.json").write_text(json.dumps(manifest))
    return path


@pytest.fixture(params=["_id", "repo id"])
def snapshots(request, tmp_path):
    kinds = ("model", "dataset", "space")
    olds, news = {}, {}
    for number, kind in enumerate(kinds):
        olds[kind], news[kind] = _generations(kind, seed=number)
    if request.param == "repo id":  # the new one is an import: _id is the id, in other case
        for kind in kinds:
            for row in news[kind]:
                row["id"] = row["id"].lower() if int(row["_id"], 16) % 3 else row["id"].upper()
                row["_id"] = row["id"]
    old = open_snapshot(_write(tmp_path, "2026-01-01T000000Z", olds, imported=False))
    new = open_snapshot(_write(tmp_path, "2026-02-01T000000Z", news,
                               imported=request.param == "repo id"))
    return old, new, request.param


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return int(value) if isinstance(value, float) else value


def _listed(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(_plain(v) for v in row) for row in frame[columns].itertuples(index=False)]


def _origin_families() -> dict[str, str]:
    """Namespace (lower-case) or exact legacy id ("/gpt2") -> origin family, from the file."""
    doc = tomllib.loads(FAMILIES_FILE.read_text("utf-8"))
    return {**{namespace.lower(): name for name, family in doc["families"].items()
               for namespace in family.get("publishers", []) + family.get("mirrors", [])},
            **{f"/{legacy.lower()}": name for legacy, name in doc["aliases"].items()
               if not legacy.endswith("*")}}


def _expected(old, new, kind: str, by_repo_id: bool, top: int) -> dict[str, Any]:
    """The diff of one repo type, in plain Python over the parquet files."""
    def keyed(snapshot) -> dict[str, dict]:
        rows = pq.read_table(snapshot.path / f"{kind}s.parquet").to_pylist()
        return {(r["id"].lower() if by_repo_id else r["_id"]): r for r in rows}

    before, after = keyed(old), keyed(new)
    cut = (lambda items: items[:top]) if top else (lambda items: items)

    def most_followed(row: dict) -> tuple:
        downloads, likes = row.get("downloads"), row["likes"]
        return (downloads is None, -(downloads or 0), likes is None, -(likes or 0), row["id"])

    lists: dict[str, list[tuple]] = {}
    for change, pairs in (
            ("added", [(None, after[k]) for k in after.keys() - before.keys()]),
            ("removed", [(before[k], None) for k in before.keys() - after.keys()]),
            ("license_changed", [(before[k], after[k]) for k in before.keys() & after.keys()
                                 if (before[k]["license"] or "") != (after[k]["license"] or "")])):
        shown = []
        for b, a in pairs:
            newest = {m: (a or {}).get(m) if (a or {}).get(m) is not None else (b or {}).get(m)
                      for m in ("downloads", "likes")}
            shown.append({"id": (a or b)["id"], **newest,
                          "license_from": b and b["license"], "license_to": a and a["license"],
                          "category_from": b and b["license_category"],
                          "category_to": a and a["license_category"], "_id": (a or b)["_id"]})
        lists[change] = [(r["id"], r["license_from"], r["license_to"], r["category_from"],
                          r["category_to"], r["downloads"], r["likes"])
                         for r in cut(sorted(shown, key=most_followed))]
    relicensed = [(before[k], after[k]) for k in before.keys() & after.keys()
                  if (before[k]["license"] or "") != (after[k]["license"] or "")]
    moved = [(b["license_category"], a["license_category"]) for b, a in relicensed
             if (b["license_category"] or "") != (a["license_category"] or "")]
    pairs = Counter(p for p in moved if None not in p)
    movers = {}
    for metric in ("downloads", "likes") if kind != "space" else ("likes",):
        deltas = [(after[k]["id"], before[k][metric], after[k][metric],
                   (after[k][metric] or 0) - (before[k][metric] or 0))
                  for k in before.keys() & after.keys()]
        movers[metric] = cut(sorted([d for d in deltas if d[3]],
                                    key=lambda d: (-abs(d[3]), d[0])))
    origin = _origin_families()
    per_family: Counter[str] = Counter()
    if kind == "model":
        for k in after.keys() - before.keys():
            keys = [b.split("/")[0].lower() if "/" in b else f"/{b.lower()}"
                    for b in after[k]["base_models"]]
            per_family.update({origin[key] for key in keys if key in origin})
    return {
        "summary": {"added": len(after.keys() - before.keys()),
                    "removed": len(before.keys() - after.keys()),
                    "license_changed": len(relicensed), "category_moves": len(moved)},
        "lists": lists,
        "category_moves": cut(sorted(((f, t, n) for (f, t), n in pairs.items()),
                                     key=lambda p: (-p[2], p[0], p[1]))),
        "movers": movers,
        "new_derivatives": cut(sorted(per_family.items(), key=lambda p: (-p[1], p[0]))),
    }


@pytest.mark.parametrize("top", [0, 3])
def test_the_sql_diff_matches_plain_python_over_the_files(snapshots, top) -> None:
    old, new, join = snapshots
    report = diff_snapshots(old, new, top=top)
    change_columns = ["id", "license_from", "license_to", "category_from", "category_to",
                      "downloads", "likes"]
    for kind in ("model", "dataset", "space"):
        expected = _expected(old, new, kind, join == "repo id", top)
        assert report.extra["summary"][kind] == expected["summary"]
        rows = report.rows[report.rows["repo_type"] == kind]
        for change, listed in expected["lists"].items():
            assert _listed(rows[rows["change"] == change], change_columns) == listed, change
        moves = report.sections["category_moves"]
        assert _listed(moves[moves["repo_type"] == kind], [
            "license_category_from", "license_category_to", "count"]) == \
            expected["category_moves"]
        for metric, listed in expected["movers"].items():
            section = report.sections[f"{metric[:-1]}_movers"]
            assert _listed(section[section["repo_type"] == kind], [
                "id", f"{metric}_from", f"{metric}_to", "change"]) == listed, metric
        if kind == "model":
            assert _listed(report.sections["new_derivatives"],
                           ["base_family", "new_derivatives"]) == expected["new_derivatives"]
    assert "dataset" in set(report.sections["download_movers"]["repo_type"])
    assert "space" not in set(report.sections["download_movers"]["repo_type"])
    # the data exercise what they should: ties at the cut, nulls, moves, both kinds of change
    summary = report.extra["summary"]["model"]
    assert summary["added"] and summary["removed"] and summary["category_moves"]
    assert report.rows["license_from"].isna().any() and report.rows["downloads"].isna().any()
    assert report.sections["download_movers"]["change"].abs().duplicated().any()
    assert len(report.sections["new_derivatives"])


def test_a_damaged_file_is_named_with_its_snapshot(snapshots) -> None:
    old, new, _ = snapshots
    (old.path / "models.parquet").write_bytes(b"PAR1 not a parquet file PAR1")
    with pytest.raises(SnapshotError, match=f"snapshot {old.name} is damaged \\(models.parquet "
                                            "cannot be read"):
        diff_snapshots(old, new, ["model"])


def test_a_version_1_snapshot_is_diffed_like_a_new_one(tmp_path) -> None:
    old_rows = [{"_id": f"{n:024x}", "id": f"a/m{n}", "author": "a", "downloads": n,
                 "likes": 1, "base_models": [], "base_relation": "", "library_name": "peft",
                 "pipeline_tag": "", "license": "mit", "licenses": ["mit"],
                 "license_category": "permissive", "tags": []} for n in range(6)]
    old_path = tmp_path / "2024-07-11T000000Z"
    old_path.mkdir()
    pq.write_table(pa.Table.from_pylist(old_rows), old_path / "models.parquet")
    (old_path / "manifest.json").write_text(json.dumps({
        "schema_version": 1, "started_at": "2024-07-11T00:00:00Z",
        "repo_types": {"model": {"count": len(old_rows)}}}))
    new_rows = [{k: r[k] for k in ("_id", "id", "downloads", "likes", "base_models")} |
                {"license": "mit", "license_category": "permissive"} for r in old_rows[1:]]
    new_rows[0] |= {"license": "cc-by-nc-4.0", "license_category": "non-commercial",
                    "downloads": 100}
    new_rows.append({"_id": "f" * 24, "id": "b/new", "downloads": 3, "likes": 1,
                     "base_models": ["meta-llama/x"], "license": None, "license_category": None})
    new = open_snapshot(_write(tmp_path, "2024-08-01T000000Z", {"model": new_rows}, False))
    report = diff_snapshots(open_snapshot(old_path), new, top=0)
    assert open_snapshot(old_path).schema_version == 1
    assert report.extra["summary"]["model"] == {"added": 1, "removed": 1, "license_changed": 1,
                                                "category_moves": 1}
    assert _listed(report.rows, ["id", "change"]) == [
        ("b/new", "added"), ("a/m0", "removed"), ("a/m1", "license_changed")]
    assert _listed(report.sections["download_movers"], ["id", "change"]) == [("a/m1", 99)]
