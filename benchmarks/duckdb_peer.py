"""The peer of the report benchmarks: DuckDB alone, on the same parquet file.

Two versions of each report, both plain SQL written without hfexplore's engine:
- `same`: every figure the hfexplore report shows, by the report's rules (authors and base ids
  grouped case-insensitively under their most frequent spelling, per-edge relations, publisher
  and origin families from the same knowledge tables, the multi-license count, the Hub's
  placeholder date). This is the fair comparison: the same aggregation on the same file.
- `simple`: the simplest query of the kind (raw values, no case folding, no families), kept to
  show what those rules cost.
The families' lookup tables are built from `families.toml` (knowledge, not engine), inside
the timed section.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

OPEN = "('permissive', 'copyleft', 'open-weight-restricted')"
FOLDED_AUTHORS = ("select first(author order by c desc, author) a, sum(c) n, sum(d), sum(l) "
                  "from (select author, count(*) c, sum(downloads) d, sum(likes) l from m "
                  "group by 1) group by lower(author) order by n desc, a")
SAME = {
    "stats": [
        "select count(*) from m",
        "select license, license_category, count(*) from m group by all",
        "select library_name, count(*) c from m group by 1 order by c desc, 1 limit 10",
        "select pipeline_tag, count(*) c from m group by 1 order by c desc, 1 limit 10",
        FOLDED_AUTHORS + " limit 10",
    ],
    "licenses": [
        "select count(*) from m",
        "select count(*) from m where len(licenses) > 1",
        "select license, license_category, count(*) from m group by all",
        f"select p.family, m.license, count(*) c from m join publishers p on p.namespace = "
        f"lower(m.author) where m.license_category in {OPEN} group by all order by c desc",
    ],
    "authors": [FOLDED_AUTHORS],
    "lineage": [
        "select count(*), count(*) filter (where len(base_models) > 0) from m",
        "create temp table e as select lower(trim(b)) k, trim(b) s, coalesce(r, 'unspecified') "
        "rel, lower(author) a from (select unnest(base_models) b, unnest(base_relations) r, "
        "author from m)",
        "ORIGINS",
        "select k, rel, count(*) from e group by all",
        "select k, first(s order by n desc, s) from (select k, s, count(*) n from e group by "
        "all) group by k",
        "select k, count(distinct a) from e group by k",
        "select o.family, e.rel, count(*) from e join origins o using (k) group by all",
        "select o.family, count(distinct a) from e join origins o using (k) group by all",
        # Followed to the roots: the closure of the lower-case edges (no empty id, no model
        # naming itself), descendants per base and per family of an ancestor, and the origin
        # families of the 20 bases with the most derivatives (the attributed ancestors-or-self
        # with no attributed ancestor outside their own cycle).
        "create temp table g as select distinct lower(trim(id)) m, lower(trim(b)) b from "
        "(select id, unnest(base_models) b from m where len(base_models) > 0) "
        "where trim(b) <> '' and lower(trim(b)) <> lower(trim(id))",
        "create temp table c as with recursive r(m, a) as (select m, b from g union "
        "select r.m, g.b from r join g on g.m = r.a where g.b <> r.m) select * from r",
        "select a, count(*) from c group by a",
        "select o.family, count(distinct c.m) from c join origins o on o.k = c.a "
        "where o.family is not null group by all",
        "with shown as (select k from e group by k order by count(*) desc, k limit 20), "
        "t as (select k, family from origins where family is not null), "
        "reach as (select m node, a anc from c where m in (select k from shown) "
        "union all select k, k from shown), "
        "above as (select distinct c.m from c join t on t.k = c.a anti join c back on "
        "back.m = c.a and back.a = c.m where c.m in (select anc from reach)) "
        "select reach.node, list(distinct t.family) from reach join t on t.k = reach.anc "
        "where reach.anc not in (select m from above) group by 1",
    ],
    "growth": [
        "select year(created_at) * 100 + month(created_at) p, count(*), count(*) filter (where "
        "created_at >= timestamptz '2022-03-02 23:29:00+00' and created_at < "
        "timestamptz '2022-03-02 23:30:00+00') from m group by 1 order by 1",
    ],
    "concentration": [
        "select count(*), sum(d::hugeint), count(*) filter (where d = 0), "
        "sum(d::hugeint * d), sum(r::hugeint * d), "
        "sum(d::hugeint) filter (where r * 1000 <= n), sum(d::hugeint) filter (where r * 100 "
        "<= n), sum(d::hugeint) filter (where r * 10 <= n) from (select downloads d, "
        "row_number() over (order by downloads desc) r, count(*) over () n from m where "
        "downloads is not null)",
    ],
    "sizes": [
        "select case when num_parameters is null then 'unknown' when num_parameters < 1e9 "
        "then '<1B' when num_parameters < 3e9 then '1-3B' when num_parameters < 8e9 then '3-8B'"
        " when num_parameters < 35e9 then '8-35B' when num_parameters < 100e9 then '35-100B' "
        "else '>100B' end b, count(*), sum(downloads) from m group by 1",
        "select median(num_parameters) from m",
    ],
    "formats": ["FORMAT_RULES",
                "with t as (select row_number() over () rid, tags, library_name, downloads "
                "from m), h as (select distinct rid, f.format from (select rid, 'tag' kind, "
                "lower(unnest(tags)) token from t union all select rid, 'library', "
                "lower(library_name) from t where library_name is not null) s join f "
                "using (kind, token)) select format, count(*), sum(t.downloads) from h join t "
                "using (rid) group by 1"],
}
# `stats` also sums up datasets (view d) and Spaces (view s) when the snapshot has them.
STATS_OF_OTHER_TYPES = {
    "d": ["select count(*) from d",
          "select v, count(*) c from (select unnest(case when len(libraries) > 0 then "
          "libraries else [null] end) v from d) group by 1 order by c desc, 1 limit 10",
          "select v, count(*) c from (select unnest(case when len(tasks) > 0 then tasks "
          "else [null] end) v from d) group by 1 order by c desc, 1 limit 10"],
    "s": ["select count(*) from s",
          "select sdk, count(*) c from s group by 1 order by c desc, 1 limit 10"],
}
SIMPLE = {
    "stats": [
        "select count(*) from m",
        "select license, count(*) c from m group by 1 order by c desc limit 10",
        "select license_category, count(*) from m group by 1",
        "select library_name, count(*) c from m group by 1 order by c desc limit 10",
        "select author, count(*) c, sum(downloads), sum(likes) from m group by 1 order by c "
        "desc limit 10",
        "select pipeline_tag, count(*) c from m group by 1 order by c desc limit 10",
    ],
    "licenses": [f"select license, license_category, count(*) c from m where license_category "
                 f"in {OPEN} group by 1, 2 order by c desc"],
    "authors": ["select author, count(*) c, sum(downloads), sum(likes) from m group by 1 "
                "order by c desc"],
    "lineage": ["select b, base_relation, count(*), count(distinct author) from (select "
                "unnest(base_models) b, base_relation, author from m) group by 1, 2"],
    "growth": ["select strftime(created_at, '%Y-%m') mo, count(*) from m group by 1 order by 1"],
    "concentration": ["select sum(d) filter (where r <= 7600) from (select downloads d, "
                      "row_number() over (order by downloads desc) r from m)"],
    "sizes": ["select num_parameters // 1000000000, count(*) from m group by 1"],
    "formats": ["select t, count(*) from (select unnest(tags) t from m) where t in ('gguf', "
                "'mlx', 'onnx', 'gptq', 'awq', 'exl2', 'safetensors') group by 1"],
}


def duckdb_report(snapshot_path: str, name: str, version: str = "same") -> dict[str, Any]:
    import duckdb
    import pyarrow as pa

    from hfexplore.knowledge import Families

    folder = Path(snapshot_path)
    started = time.perf_counter()  # like hfexplore's, the time includes starting the database
    connection = duckdb.connect()
    families = Families.load()
    statements = list((SAME if version == "same" else SIMPLE)[name])
    for view, file in (("m", "models"), ("d", "datasets"), ("s", "spaces")):
        if (folder / f"{file}.parquet").exists():  # a repo type the snapshot lacks: left out
            connection.execute(f"create view {view} as select * from read_parquet("
                               f"'{folder / file}.parquet')")
            if name == "stats" and version == "same":
                statements += STATS_OF_OTHER_TYPES.get(view, [])
    publishers = families.publisher_map()
    connection.register("publishers", pa.table({"namespace": list(publishers),
                                                "family": list(publishers.values())}))
    for statement in statements:
        if statement == "FORMAT_RULES":  # the rules file, read as knowledge
            import tomllib

            rules = tomllib.loads((Path(__file__).resolve().parents[1] / "hfexplore" / "data" /
                                   "formats.toml").read_text("utf-8"))["formats"]
            rows = [(name, kind, value.lower()) for name, rule in rules.items()
                    for kind, key in (("tag", "tags"), ("library", "libraries"))
                    for value in rule[key]]
            connection.register("f", pa.table({"format": [r[0] for r in rows],
                                               "kind": [r[1] for r in rows],
                                               "token": [r[2] for r in rows]}))
            continue
        if statement == "ORIGINS":  # each distinct base id's origin family, by the knowledge
            keys = [k for (k,) in connection.execute("select distinct k from e").fetchall()]
            connection.register("origins", pa.table({
                "k": pa.array(keys, pa.string()),
                "family": pa.array([families.origin_of(k) for k in keys], pa.string())}))
            continue
        connection.execute(statement).fetchall()
    return {"seconds": time.perf_counter() - started}
