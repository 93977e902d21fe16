"""The ecosystem reports (`tree`, `repo`, `drift`, `org`) against a DuckDB peer computing the
same figures in plain SQL on the same parquet file, each side in a process of its own.

    python -m benchmarks.ecosystem --snapshot PATH [--rounds 3]   # a markdown table
    python -m benchmarks.ecosystem --snapshot PATH --run drift --side duckdb   # one JSON line
    python -m benchmarks.ecosystem --snapshot PATH --base facebook/model-0001257 --family Meta
        # the synthetic 3.2 M catalogue of `nox -s bench`, which has no Mistral 7B

The peer follows the reports' rules without hfexplore's engine: lower-case, trimmed ids, one
edge per (model, base) with its relation, a cycle-safe recursive walk (USING KEY, each node
once, at its shortest depth), the license levels of `data/drift.toml`, and the families'
attribution from `families.toml` (knowledge, not engine: built inside the timed section, as
`benchmarks/duckdb_peer.py` does). Times include opening the database and, for hfexplore,
building the lineage graph, as a command pays them.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

BASE = "mistralai/Mistral-7B-v0.1"  # the tree and repo workloads' model
FAMILY = "Mistral AI"  # the org workload's family
WORKLOADS = ("tree", "repo", "drift", "drift_root", "org")

EDGES = ("create temp table g as select distinct lower(trim(id)) m, lower(trim(b)) b, "
         "coalesce(r, 'unspecified') rel from (select id, unnest(base_models) b, "
         "unnest(base_relations) r from m where len(base_models) > 0) "
         "where trim(b) <> '' and lower(trim(b)) <> lower(trim(id))")
CLOSURE = ("create temp table c as with recursive r(m, a) as (select m, b from g union "
           "select r.m, g.b from r join g on g.m = r.a where g.b <> r.m) select * from r")
WALK = ("with recursive w(node, depth) using key (node) as (select {a}, 1 from g where {b} = $k "
        "and {a} <> $k union select g.{a}, w.depth + 1 from w join g on g.{b} = w.node "
        "anti join recurring.w as seen on seen.node = g.{a} where g.{a} <> $k) "
        "select node, depth from w")
# The origin families of the nodes in table `wanted(k)`: the attributed nodes among each and
# its ancestors with no attributed ancestor outside their own cycle.
ORIGINS = ("create temp table o as with t as (select k, family from attributed), "
           "reach as (select c.m node, c.a anc from c where c.m in (select k from wanted) "
           "union all select k, k from wanted), "
           "above as (select distinct c.m from c join t on t.k = c.a anti join c back on "
           "back.m = c.a and back.a = c.m where c.m in (select anc from reach)) "
           "select reach.node k, list(distinct t.family) families from reach join t on "
           "t.k = reach.anc where reach.anc not in (select m from above) group by 1")
OUTCOME = ("case when bl.k is null then 'base_missing' when d.c = 'none' then 'undeclared' "
           "when bl.c = 'none' then 'base_undeclared' when ld.level is null or lb.level is null "
           "then 'unclear' when ld.level = lb.level then 'same' when ld.level > lb.level then "
           "'more_restrictive' else 'less_restrictive' end")
PAIRS = {"parent": "select m, b from g",
         "root": "select m, a as b from c where a not in (select m from g)"}


def peer(snapshot_path: str, name: str) -> dict[str, Any]:
    import duckdb
    import pyarrow as pa

    from hfexplore.knowledge import Families

    started = time.perf_counter()
    db = duckdb.connect()
    path = str(Path(snapshot_path) / "models.parquet").replace("'", "''")
    db.execute(f"create view m as select * from read_parquet('{path}')")
    families = Families.load()
    db.execute(EDGES)
    k = BASE.lower()

    def attribute(keys_sql: str) -> None:
        keys = [row[0] for row in db.execute(keys_sql).fetchall()]
        db.register("attributed_all", pa.table({
            "k": pa.array(keys, pa.string()),
            "family": pa.array([families.origin_of(x) for x in keys], pa.string())}))
        db.execute("create temp table attributed as select * from attributed_all "
                   "where family is not null")

    if name == "tree":
        db.execute(f"create temp table d as {WALK.format(a='m', b='b')}", {"k": k})
        db.execute(f"create temp table u as {WALK.format(a='b', b='m')}", {"k": k})
        db.execute("select rel, count(*) from g where b = $k group by rel", {"k": k}).fetchall()
        db.execute("select depth, count(*) from d group by 1").fetchall()
        db.execute("select g.rel, count(distinct g.m) from g join d on d.node = g.m left join "
                   "d p on p.node = g.b where (g.b = $k and d.depth = 1) or p.depth = d.depth - 1 "
                   "group by 1", {"k": k}).fetchall()
        db.execute("select m.id, m.downloads from m join d on d.node = lower(trim(m.id)) "
                   "order by m.downloads desc, m.id limit 10").fetchall()
        db.execute("select count(*), count(*) filter (where node not in (select m from g)) "
                   "from u").fetchall()
    elif name == "repo":
        row = db.execute("select id, downloads, likes, author, license from m where "
                         "lower(id) = $k", {"k": k}).fetchall()[0]
        db.execute("select count(*) filter (where downloads > $d) + 1, count(*) filter (where "
                   "likes > $l) + 1, count(*) from m", {"d": row[1], "l": row[2]}).fetchall()
        db.execute(f"select count(*), count(*) filter (where depth = 1) from "
                   f"({WALK.format(a='m', b='b')})", {"k": k}).fetchall()
        db.execute(f"select count(*), count(*) filter (where depth = 1) from "
                   f"({WALK.format(a='b', b='m')})", {"k": k}).fetchall()
        db.execute(CLOSURE)
        attribute("select distinct b from g")
        db.register("wanted", pa.table({"k": [k]}))
        db.execute(ORIGINS)
        db.execute("select * from o").fetchall()
    elif name in ("drift", "drift_root"):
        order = tomllib.loads((Path(__file__).resolve().parents[1] / "hfexplore" / "data"
                               / "drift.toml").read_text("utf-8"))
        db.register("levels", pa.table({
            "category": [e["category"] for e in order["level"]],
            "level": [e["level"] for e in order["level"]]}))
        db.execute("create temp table lic as select lower(trim(id)) k, id, downloads, license, "
                   "license_category c from m")
        db.execute(CLOSURE)
        pairs = PAIRS["root" if name == "drift_root" else "parent"]
        db.execute(f"create temp table p as select pr.m, pr.b, d.id, d.downloads, {OUTCOME} "
                   f"outcome from ({pairs}) pr join lic d on d.k = pr.m left join lic bl on "
                   "bl.k = pr.b left join levels ld on ld.category = d.c left join levels lb "
                   "on lb.category = bl.c")
        attribute("select distinct b from g")
        db.execute("create temp table wanted as select distinct b k from p")
        db.execute(ORIGINS)
        db.execute("select outcome, count(*) from p group by 1").fetchall()
        db.execute("select b, outcome, count(*) from p group by all").fetchall()
        db.execute("select f, outcome, count(*) from (select p.outcome, unnest(coalesce("
                   "o.families, ['(none)'])) f from p left join o on o.k = p.b) group by all"
                   ).fetchall()
        db.execute("select outcome, id, b, downloads from p where outcome in "
                   "('less_restrictive', 'more_restrictive') qualify row_number() over "
                   "(partition by outcome order by downloads desc, id) <= 20").fetchall()
    elif name == "org":
        namespaces = [n.lower() for n in families.get(FAMILY).publishers]
        db.register("ns", pa.table({"n": namespaces}))
        own = "lower(author) in (select n from ns)"
        db.execute(f"select count(*), sum(downloads), sum(likes), count(*) filter (where "
                   f"license_category in ('permissive', 'copyleft', 'open-weight-restricted')) "
                   f"from m where {own}").fetchall()
        db.execute(f"select strftime(created_at, '%Y-%m'), count(*) from m where {own} "
                   "group by 1").fetchall()
        db.execute(f"select license_category, count(*) from m where {own} group by 1").fetchall()
        db.execute(f"select id, downloads from m where {own} order by downloads desc, id "
                   "limit 10").fetchall()
        db.execute(CLOSURE)
        attribute("select distinct b from g")
        db.execute("create temp table fam as select k from attributed where family = $f",
                   {"f": FAMILY})
        db.execute("create temp table desc_ as select distinct c.m from c join fam on "
                   "fam.k = c.a")
        db.execute(f"create temp table fp as select lower(trim(m.id)) k, m.author, {own} own, "
                   "(list_has_any([lower(t) for t in coalesce(m.tags, [])], "
                   "['gguf', 'gguf-my-repo']) or coalesce(lower(m.library_name) = 'gguf', "
                   "false)) gguf from m join desc_ "
                   "on desc_.m = lower(trim(m.id))")
        db.execute("select g.rel, fp.own, count(distinct g.m) from g join fam on fam.k = g.b "
                   "join fp on fp.k = g.m group by all").fetchall()
        db.execute("select count(*), count(*) filter (where own), count(*) filter (where gguf),"
                   " count(*) filter (where gguf and own) from fp").fetchall()
        db.execute("select lower(author), count(*), count(*) filter (where gguf) from fp "
                   "group by 1 order by 2 desc limit 10").fetchall()
    return {"seconds": time.perf_counter() - started}


def hfexplore_side(snapshot_path: str, name: str) -> dict[str, Any]:
    from hfexplore.ecosystem.drift import drift
    from hfexplore.ecosystem.org import org
    from hfexplore.ecosystem.repo import repo
    from hfexplore.ecosystem.tree import tree
    from hfexplore.knowledge import Families
    from hfexplore.store.snapshot import open_snapshot

    snapshot = open_snapshot(Path(snapshot_path))
    started = time.perf_counter()
    families = Families.load()
    if name == "tree":
        found: Any = tree(snapshot, BASE)
    elif name == "repo":
        found = repo(snapshot, BASE, families=families)
    elif name in ("drift", "drift_root"):
        found = drift(snapshot, to="root" if name == "drift_root" else "parent")
    else:
        found = org(snapshot, FAMILY, families=families)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(found.rows)}


def run_child(snapshot: str, name: str, side: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.ecosystem", "--snapshot", snapshot,
                           "--run", name, "--side", side, "--base", BASE, "--family", FAMILY],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    global BASE, FAMILY  # read by both sides' workloads, in this process and its children
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot", required=True)
    parser.add_argument("--run", choices=WORKLOADS)
    parser.add_argument("--side", choices=("hfexplore", "duckdb"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", default=BASE, help="the tree and repo workloads' model")
    parser.add_argument("--family", default=FAMILY, help="the org workload's family")
    args = parser.parse_args()
    BASE, FAMILY = args.base, args.family
    if args.run:
        found = (hfexplore_side if args.side == "hfexplore" else peer)(args.snapshot, args.run)
        found["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(found))
        return
    print("| report | hfexplore s | hfexplore peak RSS | DuckDB s (the same figures, plain SQL)"
          " | ratio | DuckDB peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in WORKLOADS:
        ours, theirs = [], []
        for _ in range(args.rounds):  # alternately, so a busy moment hits both sides
            ours.append(run_child(args.snapshot, name, "hfexplore"))
            theirs.append(run_child(args.snapshot, name, "duckdb"))
        mine = statistics.median(r["seconds"] for r in ours)
        peer_s = statistics.median(r["seconds"] for r in theirs)
        print(f"| {name} | {mine:.2f} | {max(r['peak_mb'] for r in ours):.0f} MB | "
              f"{peer_s:.2f} | {mine / peer_s:.2f} | {max(r['peak_mb'] for r in theirs):.0f} MB |",
              flush=True)


if __name__ == "__main__":
    main()
