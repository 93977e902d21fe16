"""`nox -s engines`: an export read by Apache Spark and by DuckDB gives hfexplore's figures.

    python -m benchmarks.engines [--models 20000] [--dates 3] [--export DIR] [--no-spark]

Builds a dated export the way an operator does (crawl the stand-in Hub, `export_snapshot`, one
date per catalogue generation), then computes per date: repos per repo type, models per
license category and models per license id, three ways:

- hfexplore: `hfexplore.history(hfexplore.export(DIR), metric="total"|"license")` and
  `hfexplore.sql(...)` over the export's `history_models` view;
- Spark (pyspark, `local[2]`): `spark.read.parquet(DIR)`, Hive partition discovery;
- DuckDB: `read_parquet('DIR/**/*.parquet', hive_partitioning = true)`;

and exits 1 unless all three agree exactly. Spark needs Java 17+ (`pyspark` 4 runs on it).

Partition column types differ between engines: Spark infers `date=2026-11-22` as a DATE,
DuckDB as a DATE too (its `hive_types_autocast`), pyarrow as a string; every figure here keys
on the date as text ('YYYY-MM-DD'), cast explicitly in each engine, so they compare exactly.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd

import hfexplore as hfx
from hfexplore.hub import HubClient, Transport
from hfexplore.ingest.crawl import create_snapshot
from hfexplore.store.export import export_snapshot

NONE = "(none)"  # how hfexplore's history names a missing category or license
# One figure set: what -> {(date, key): count}; what is "total" (key: repo type), "category"
# and "license" (models only).
Figures = dict[str, dict[tuple[str, str], int]]
JAVA_HINT = ("Spark needs Java 17 or newer: on Debian/Ubuntu `apt-get update && apt-get install "
             "-y default-jre-headless`, or set JAVA_HOME to a JDK 17+")


def make_export(dest: Path, *, models: int, dates: int, seed: int = 0) -> Path:
    """Crawl `dates` generations of a synthetic catalogue from the stand-in Hub, one day apart,
    exporting each snapshot to `dest` as the daily `snapshot create --export` does."""
    from tests.hubsim import SyntheticCatalog
    from tests.hubsim.server import HubSim
    from tests.hubsim.synthetic import GENERATION0

    data_dir = dest.parent / f"{dest.name}-snapshots"
    sizes = {"model": models, "dataset": max(1, models // 5), "space": max(1, models // 10)}
    for generation in range(dates):
        catalogs = {kind: SyntheticCatalog(kind, n, seed=seed, generation=generation)
                    for kind, n in sizes.items()}
        started = GENERATION0 + timedelta(days=generation, hours=3)
        with HubSim(catalogs).start() as sim:
            snapshot = create_snapshot(HubClient(Transport(sim.url)), data_dir,
                                       clock=lambda started=started: started)
        export_snapshot(snapshot, dest, ["parquet"])
    return dest


def with_hfexplore(dest: Path) -> Figures:
    export = hfx.export(dest)
    totals = hfx.history(export, metric="total").rows
    categories = hfx.history(export, metric="license", top=0).rows
    licenses = hfx.sql("SELECT cast(date AS varchar) AS date, coalesce(license, '(none)') AS "
                       "license, count(*) AS n FROM history_models GROUP BY ALL", export).rows
    return {
        "total": {(row["date"], repo_type): int(row[repo_type])
                  for row in totals.to_dict("records")
                  for repo_type in ("model", "dataset", "space")
                  if repo_type in row and pd.notna(row[repo_type])},
        "category": {(r["date"], r["category"]): int(r["count"])
                     for r in categories.to_dict("records")},
        "license": {(r["date"], r["license"]): int(r["n"]) for r in licenses.to_dict("records")},
    }


# The DuckDB recipe shown in the README, run as written.
DUCKDB_RECIPE = """\
CREATE VIEW export AS
  SELECT * FROM read_parquet('{dest}/**/*.parquet', hive_partitioning = true);
-- date is read as DATE: cast it to text to key on 'YYYY-MM-DD'
SELECT cast(date AS varchar) AS date, repo_type, count(*) AS n
  FROM export GROUP BY ALL ORDER BY ALL;
SELECT cast(date AS varchar) AS date, coalesce(license_category, '(none)') AS category,
       count(*) AS n
  FROM export WHERE repo_type = 'model' GROUP BY ALL ORDER BY date, n DESC, category;
SELECT cast(date AS varchar) AS date, coalesce(license, '(none)') AS license, count(*) AS n
  FROM export WHERE repo_type = 'model' GROUP BY ALL ORDER BY date, n DESC, license;"""


def with_duckdb(dest: Path) -> Figures:
    statements = [s.strip() for s in DUCKDB_RECIPE.format(dest=dest).split(";") if s.strip()]
    connection = duckdb.connect()
    try:
        connection.execute(statements[0])
        results = [connection.execute(s).fetchall() for s in statements[1:]]
    finally:
        connection.close()
    return {what: {(date, key): int(n) for date, key, n in rows}
            for what, rows in zip(("total", "category", "license"), results, strict=True)}


# The Spark recipe shown in the README, run as written (with `dest` given).
SPARK_RECIPE = """\
from pyspark.sql import SparkSession, functions as F

spark = (SparkSession.builder.master("local[2]")
         .config("spark.sql.session.timeZone", "UTC").getOrCreate())
export = spark.read.parquet(dest)  # partitions: repo_type string, date DATE
day = F.date_format("date", "yyyy-MM-dd").alias("date")   # key on the date as text
models = export.where(F.col("repo_type") == "model")
totals = export.groupBy(day, "repo_type").count().orderBy("date", "repo_type")
categories = (models.groupBy(day, F.coalesce("license_category", F.lit("(none)"))
                             .alias("category")).count().orderBy("date", F.desc("count")))
licenses = (models.groupBy(day, F.coalesce("license", F.lit("(none)")).alias("license"))
            .count().orderBy("date", F.desc("count")))
"""


def java_version() -> int | None:
    """The major version of the `java` Spark would start (JAVA_HOME's, else PATH's)."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        return None
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True,
                               timeout=60).stderr
    except OSError:
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', shown)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def with_spark(dest: Path) -> Figures:
    import warnings

    # pyspark warns about pandas >= 3 at import; nothing here converts to or from pandas.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    from pyspark.sql import SparkSession

    # Settings for a quiet run that change no figure; the recipe's getOrCreate() reuses this.
    spark = (SparkSession.builder.master("local[2]").appName("hfexplore-engines")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "4")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        scope: dict[str, object] = {"dest": str(dest)}
        exec(SPARK_RECIPE, scope)
        figures: Figures = {}
        for what, name in (("total", "totals"), ("category", "categories"),
                           ("license", "licenses")):
            rows = scope[name].collect()  # type: ignore[attr-defined]
            figures[what] = {(row[0], row[1]): int(row[2]) for row in rows}
        return figures
    finally:
        spark.stop()


def differences(reference: Figures, other: Figures) -> list[str]:
    """Every figure that differs, as 'what date key: reference != other'."""
    found = []
    for what in sorted(set(reference) | set(other)):
        mine, theirs = reference.get(what, {}), other.get(what, {})
        for key in sorted(set(mine) | set(theirs)):
            if mine.get(key) != theirs.get(key):
                found.append(f"{what} {key[0]} {key[1]}: {mine.get(key)} != {theirs.get(key)}")
    return found


def report(figures: Figures, top: int = 5) -> str:
    dates = sorted({date for date, _ in figures["total"]})
    lines = ["date        models  datasets  spaces"]
    for date in dates:
        t = figures["total"]
        lines.append(f"{date}  {t.get((date, 'model'), 0):>6}  {t.get((date, 'dataset'), 0):>8}"
                     f"  {t.get((date, 'space'), 0):>6}")
    for what, label in (("category", "license category"), ("license", "license")):
        lines.append(f"\nmodels per {label} (top {top} of the last date, every date):")
        last = sorted(((n, k) for (d, k), n in figures[what].items() if d == dates[-1]),
                      key=lambda item: (-item[0], item[1]))[:top]
        lines.append(f"{label:<24}" + "".join(f"{d:>12}" for d in dates))
        for _, key in last:
            lines.append(f"{key:<24}" + "".join(f"{figures[what].get((d, key), 0):>12}"
                                               for d in dates))
    return "\n".join(lines)


def timed(name: str, compute: Callable[[Path], Figures], dest: Path,
          log: Callable[[str], None]) -> Figures:
    started = time.perf_counter()
    figures = compute(dest)
    count = sum(len(v) for v in figures.values())
    log(f"{name}: {count} figures in {time.perf_counter() - started:.1f} s")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engines")
    parser.add_argument("--models", type=int, default=20_000)
    parser.add_argument("--dates", type=int, default=3)
    parser.add_argument("--export", type=Path, help="keep the export here (default: a temp dir)")
    parser.add_argument("--no-spark", action="store_true", help="hfexplore and DuckDB only")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if not args.no_spark:
        version = java_version()
        if version is None or version < 17:
            found = "no java found" if version is None else f"found Java {version}"
            log(f"cannot run Spark: {found}. {JAVA_HINT}.")
            return 1
    with tempfile.TemporaryDirectory() as scratch:
        dest = args.export or Path(scratch) / "export"
        if dest.exists() and any(dest.iterdir()):
            log(f"--export {dest} is not empty; give a new directory")
            return 2
        started = time.perf_counter()
        make_export(dest, models=args.models, dates=args.dates)
        log(f"export of {args.dates} dates ({args.models} models each, synthetic) at {dest} "
            f"in {time.perf_counter() - started:.1f} s")
        reference = timed("hfexplore", with_hfexplore, dest, log)
        engines = {"DuckDB": timed("DuckDB", with_duckdb, dest, log)}
        if not args.no_spark:
            engines["Spark"] = timed("Spark", with_spark, dest, log)
        print(report(reference))
        failed = False
        for name, figures in engines.items():
            wrong = differences(reference, figures)
            if wrong:
                failed = True
                print(f"\n{name} DISAGREES with hfexplore on {len(wrong)} figures:")
                print("\n".join(f"  {line}" for line in wrong[:20]))
        if failed:
            return 1
        count = sum(len(v) for v in reference.values())
        verb = "agrees" if len(engines) == 1 else "agree"
        print(f"\n{' and '.join(engines)} {verb} with hfexplore on all {count} figures\n"
              "(per date: repos per type, models per license category, models per license).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
