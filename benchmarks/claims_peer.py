"""The `claims` peer of the start-up benchmark (`benchmarks/startup.py`): the figures the built-in
claims measure on a snapshot, written by hand in plain DuckDB SQL, in one process.

The same work as `hfexplore claims`, not an approximation of it: every metric, reading and piece
of evidence the built-in claim files ask of a snapshot; the second pass over the repos created
by the claim's date where a count or a number of distinct values is checked against a claim
dated before the snapshot (the venturetrend article, 2026-01-25); the lineage closure behind the
"derived from Meta or Mistral AI" evidence; the bulk re-uploaders of reuploads.toml. The
knowledge tables (families, licenses, re-uploads) are read with hfexplore's loaders and passed as
list parameters; everything else is SQL written here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

OPEN = "('permissive', 'copyleft', 'open-weight-restricted')"
LICENSED = ("('permissive', 'copyleft', 'open-weight-restricted', 'non-commercial', 'other', "
            "'unknown')")
CUT = "TIMESTAMPTZ '2026-01-26 00:00:00+00'"  # the venturetrend article's day, whole


def run(folder: str) -> None:
    """Every figure of the built-in claims over the snapshot (or export) in `folder`."""
    from hfexplore.knowledge import Families, LicenseTable
    from hfexplore.knowledge.reuploads import Reuploads

    c = duckdb.connect()
    views = {}
    for view, file in (("m", "models"), ("d", "datasets"), ("s", "spaces")):
        path = Path(folder) / f"{file}.parquet"
        if path.exists():
            c.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{path}')")
            views[view] = True
    families = Families.load()
    kinds = {name: family.kind for name, family in families.families.items()}
    publishers = families.publisher_map()
    _table(c, "pub", namespace=list(publishers), family=list(publishers.values()),
           kind=[kinds[f] for f in publishers.values()])
    licenses = LicenseTable.load()
    reuploads = Reuploads.load()

    def q(sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return c.execute(sql, params or {}).fetchall()

    for view in ("d", "s"):  # the datasets and spaces counts, now and by the claim's day
        if view in views:
            q(f"SELECT count(*), count(*) FILTER (WHERE created_at < {CUT}) FROM {view}")
    # models-over-a-million; transformers-most-used (its share, its rank by count and by
    # downloads among libraries)
    q(f"SELECT count(*), count(*) FILTER (WHERE created_at < {CUT}), count(*) FILTER (WHERE "
      "list_contains(libraries, 'transformers')) FROM m")
    q("SELECT l, count(*), sum(downloads) FROM (SELECT unnest(libraries) AS l, downloads FROM m) "
      "GROUP BY l")
    # open-weight-meta-mistral-and-hundreds-of-groups
    q("CREATE TEMP TABLE ow AS SELECT lower(author) AS a, m.id, m.created_at, p.family, p.kind "
      "FROM m LEFT JOIN pub AS p ON p.namespace = lower(m.author) "
      f"WHERE license_category IN {OPEN}")
    q(f"SELECT family, count(*), count(*) FILTER (WHERE created_at < {CUT}) FROM ow "
      "WHERE family IN ('Meta', 'Mistral AI') GROUP BY family")
    pattern = reuploads.name_pattern.replace("'", "''")
    q("CREATE TEMP TABLE bulk AS SELECT lower(author) AS a FROM m WHERE author IS NOT NULL "
      "GROUP BY ALL HAVING avg(CASE WHEN coalesce(list_has_any(base_relations, $r), false) OR "
      "coalesce(list_has_any(formats, $f), false) OR coalesce(regexp_matches(lower(split_part("
      f"id, '/', 2)), '{pattern}'), false) THEN 1.0 ELSE 0.0 END) > $share",
      {"r": list(reuploads.relations), "f": list(reuploads.formats),
       "share": reuploads.share})
    for cut in ("true", f"created_at < {CUT}"):
        q("SELECT count(*) FILTER (WHERE n >= 3), count(*) FILTER (WHERE n >= 3 AND NOT bulk), "
          "count(*), count(*) FILTER (WHERE n >= 3 AND bulk) FROM (SELECT a, count(*) AS n, "
          "bool_or(a IN (SELECT a FROM bulk)) AS bulk FROM ow WHERE coalesce(kind, '') <> "
          f"'company' AND {cut} GROUP BY a)")
        q("SELECT count(DISTINCT family) FROM ow WHERE kind IN ('academic', 'nonprofit', "
          f"'government') AND {cut}")
    # ... and its open-weight models descending from Meta or Mistral AI, at any depth
    q("CREATE TEMP TABLE g AS SELECT DISTINCT lower(trim(id)) AS m, lower(trim(b)) AS b FROM "
      "(SELECT id, unnest(base_models) AS b FROM m WHERE len(base_models) > 0) "
      "WHERE trim(b) <> '' AND lower(trim(b)) <> lower(trim(id))")
    keys = [k for (k,) in q("SELECT DISTINCT b FROM g")]
    _table(c, "origins", k=keys, family=[families.origin_of(k) for k in keys])
    q("CREATE TEMP TABLE anc AS WITH RECURSIVE r(m, a) AS (SELECT m, b FROM g UNION "
      "SELECT r.m, g.b FROM r JOIN g ON g.m = r.a WHERE g.b <> r.m) SELECT * FROM r")
    q("SELECT count(*), count(*) FILTER (WHERE created_at < " + CUT + ") FROM ow WHERE "
      "lower(trim(id)) IN (SELECT anc.m FROM anc JOIN origins AS o ON o.k = anc.a "
      "WHERE o.family IN ('Meta', 'Mistral AI'))")
    # licenses-not-standardized: three shares, distinct ids and names, the top 3's share
    params: dict[str, Any] = {"noncustom": licenses.noncustom_ids(),
                              "standard": licenses.standard_ids()}
    q("CREATE TEMP TABLE lists AS SELECT l, len(l) > 0 AND NOT list_has_all($noncustom, l) AS "
      "custom, len(l) > 0 AND list_has_all($standard, l) AS standard FROM (SELECT DISTINCT "
      "licenses AS l FROM m WHERE licenses IS NOT NULL)", params)
    q(f"SELECT count(*) FILTER (WHERE license_category IN {LICENSED}), count(*) FILTER (WHERE "
      f"license_category IN {LICENSED} AND l.custom), count(*) FILTER (WHERE license_category "
      f"IN {LICENSED} AND NOT l.standard), count(*) FILTER (WHERE license_category = 'none'), "
      "count(*), count(DISTINCT license), count(DISTINCT license_name) FROM m "
      "LEFT JOIN lists AS l ON l.l = m.licenses")
    q(f"SELECT license, count(*) AS n FROM m WHERE license_category IN {LICENSED} GROUP BY 1 "
      "ORDER BY n DESC LIMIT 3")
    # The findings: concentration of downloads (30 days, all time) over models and authors,
    # and the share of models without any
    for metric, unit in (("downloads", None), ("downloads", "lower(author)"),
                         ("downloads_all_time", None)):
        units = f"SELECT {metric}::HUGEINT AS v FROM m WHERE {metric} IS NOT NULL" if unit is \
            None else f"SELECT sum({metric})::HUGEINT AS v FROM m WHERE {metric} IS NOT NULL " \
            f"GROUP BY {unit}"
        q(f"WITH u AS ({units}), r AS (SELECT v, row_number() OVER (ORDER BY v DESC) AS r, "
          "count(*) OVER () AS n FROM u) SELECT count(*), sum(v), count(*) FILTER (WHERE "
          "v = 0), sum(r * v), sum(v) FILTER (WHERE r * 1000 <= n), sum(v) FILTER (WHERE "
          "r * 100 <= n), sum(v) FILTER (WHERE r * 200 <= n * 3) FROM r")


def _table(c: duckdb.DuckDBPyConnection, name: str, **columns: list[Any]) -> None:
    select = ", ".join(f"unnest(${n}::VARCHAR[]) AS {n}" for n in columns)
    c.execute(f"CREATE TEMP TABLE {name} AS SELECT {select}", columns)
