"""`nox -s bench`: hfexplore against the stand-in Hub at today's scale, as a markdown report.

    python -m benchmarks [--models 3200000] [--output PATH | --update-docs]

The report goes to reports/BENCHMARKS.md (untracked) unless --update-docs asks for the tracked
BENCHMARKS.md at the top of the repository to be rewritten.
    python -m benchmarks --only import [--models N]   # import vs crawl alone; prints its section
    python -m benchmarks --only closure [--models N]  # the lineage closure alone (section 12)
    python -m benchmarks --only closure --snapshot PATH  # the same over a snapshot already made

The stand-in runs in its own process with a rendered-page cache, warmed by one unmeasured walk,
so every measured client reads the same pre-serialised pages. Every workload runs in a child
process of its own: its peak RSS is its own (from wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from benchmarks.workloads import REPORTS

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parents[1]
DOC = "BENCHMARKS.md"
QUOTA, WINDOW = 200, 5  # the quota-bound walk: a fixed window scaled down from 500 per 300 s
DUMP_ERA = "2026-10"  # the hub-stats schema the import reads (tests/hubsim/dumps.py)


PAIR_ROUNDS = 3  # bare client and hfexplore, one after the other, this many times


class Sim:
    def __init__(self, port: int, models: int, *extra: str):
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [PYTHON, "-m", "tests.hubsim", "--port", str(port), "--models", str(models),
             "--datasets", "1000", "--spaces", "1000", *extra],
            stderr=subprocess.PIPE, text=True)
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        if "stand-in Hub at" not in line:
            raise RuntimeError(f"the stand-in did not start: {line}")
        self.ready = line.strip()

    def stats(self) -> dict[str, int]:
        return requests.get(f"{self.url}/_sim/stats", timeout=10).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def run(name: str, *args: str) -> tuple[dict[str, Any], float, float]:
    """Run a workload in a child; return its figures, wall seconds and peak RSS in MB."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        child = subprocess.Popen([PYTHON, "-m", "benchmarks.workloads", name, *args],
                                 stdout=out, env={**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1"})
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if child.returncode != 0:
        raise RuntimeError(f"workload {name} {args} failed with {child.returncode}: {text}")
    return json.loads(text.strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--models", type=int, default=3_200_000)
    parser.add_argument("--quota-models", type=int, default=800_000)
    parser.add_argument("--latency-models", type=int, default=60_000)
    parser.add_argument("--pipeline-models", type=int, default=200_000,
                        help="catalogue size for the built-per-request and 50 ms comparisons")
    parser.add_argument("--dump-models", type=int, default=200_000)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--output", type=Path, metavar="PATH",
                       help=f"where to write the report [default: reports/{DOC}, untracked]")
    where.add_argument("--update-docs", action="store_true",
                       help=f"rewrite the tracked {DOC} at the top of the repository")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--snapshot", type=Path,
                        help="with --only closure: a snapshot of an earlier run to measure "
                             "(no stand-in, no crawl)")
    parser.add_argument("--only", choices=["import", "closure"],
                        help="run only the import-vs-crawl workloads, or only the lineage "
                             "closure's, and print their section (BENCHMARKS.md is written "
                             "only with an explicit --output)")
    args = parser.parse_args(argv)
    if args.only == "closure":
        return _closure_only(args)
    args.output = report_path(args.output, args.update_docs)
    figures: dict[str, Any] = {"models": args.models}
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="hfexplore-bench-"))

    log(f"starting the stand-in with {args.models:,} synthetic models and a hub-stats dump "
        f"of them ({DUMP_ERA} schema)")
    sim = Sim(args.port, args.models, "--page-cache", "--hub-stats", DUMP_ERA, "--dump-dir",
              str(work / "dump"))
    figures["sim_ready"] = sim.ready
    try:
        log("warm-up walk (fills the stand-in's page cache; not measured)")
        warm, warm_wall, _ = run("raw", "--endpoint", sim.url)
        figures["sim_render"] = {"pages": warm["pages"], "seconds": warm_wall}
        if not args.only:
            log("raw limit: a bare client fetching and discarding the same pages")
            figures["raw"], _, figures["raw_rss"] = run("raw", "--endpoint", sim.url)
        log("hfexplore snapshot create")
        before = sim.stats()["listing"]
        figures["crawl"], _, figures["crawl_rss"] = run("crawl", "--endpoint", sim.url,
                                                        "--data-dir", str(work / "data"))
        figures["crawl"]["sim_listing_requests"] = sim.stats()["listing"] - before
        log("hfexplore snapshot import hub-stats (the same catalogue, the same stand-in)")
        figures["import"], _, figures["import_rss"] = run(
            "import", "--endpoint", sim.url, "--data-dir", str(work / "imported"))
        figures["import"]["same"] = run("compare", "--snapshot", figures["crawl"]["snapshot"],
                                        "--other", figures["import"]["snapshot"])[0]["same"]
        if args.only:
            return _finish_import_only(figures, started, work, args)
        log("peer: huggingface_hub list_models into a DataFrame")
        figures["peer"], _, figures["peer_rss"] = run("peer", "--endpoint", sim.url)
        snapshot = figures["crawl"]["snapshot"]
        figures["reports"] = {}
        for name in REPORTS:
            log(f"report {name} (hfexplore and DuckDB)")
            ours, ours_wall, ours_rss = run("report", "--snapshot", snapshot, "--report", name)
            duck, _, duck_rss = run("duckdb", "--snapshot", snapshot, "--report", name)
            simple, _, _ = run("duckdb", "--snapshot", snapshot, "--report", name,
                               "--peer", "simple")
            figures["reports"][name] = {"seconds": ours["seconds"], "wall": ours_wall,
                                        "rss": ours_rss, "duckdb_seconds": duck["seconds"],
                                        "duckdb_rss": duck_rss,
                                        "duckdb_simple_seconds": simple["seconds"]}
        log("the lineage closure, with and without depth")
        _closure(figures, snapshot)
        figures["closure_report"] = {"seconds": figures["reports"]["lineage"]["seconds"]}
        figures["closure_report_rss"] = figures["reports"]["lineage"]["rss"]
        log("history --export-dir: 365 linked dates (DuckDB), 10 (pandas, as before)")
        figures["history_export"], _, figures["history_export_rss"] = run(
            "history_export", "--snapshot", snapshot, "--data-dir", str(work), "--dates", "365")
        figures["history_export_pandas"], _, figures["history_export_pandas_rss"] = run(
            "history_export", "--snapshot", snapshot, "--data-dir", str(work), "--dates", "10",
            "--engine", "pandas")
        log("CPU per page: decode + normalise + write, before and after (100 pages)")
        figures["page_cpu"], _, _ = run("page_cpu", "--endpoint", sim.url, "--data-dir",
                                        str(work / "page_cpu"), "--pages", "100")
        log("totals: count path, then a walk")
        figures["count_site"], _, _ = run("count", "--endpoint", sim.url)
        figures["count_walk"], _, _ = run("count", "--endpoint", sim.url, "--walk")
    finally:
        sim.stop()

    log(f"with the real Hub's page latency: {args.latency_models:,} models, 0.3-1.0 s a page")
    slow_sim = Sim(args.port + 3, args.latency_models, "--latency", "0.3", "1.0")
    try:
        figures["slow_raw"], _, _ = run("raw", "--endpoint", slow_sim.url)
        figures["slow_crawl"], _, _ = run("crawl", "--endpoint", slow_sim.url,
                                          "--data-dir", str(work / "slow"))
    finally:
        slow_sim.stop()

    for label, extra in (("built", ()), ("latency50", ("--latency", "0.05", "0.05"))):
        log(f"bare client and hfexplore, {args.pipeline_models:,} models, pages {label}, "
            f"{PAIR_ROUNDS} rounds")
        pipe_sim = Sim(args.port + 4, args.pipeline_models, *extra)
        try:  # alternated, so that a slow spell of the machine hits both sides alike
            for side in ("raw", "crawl"):
                figures[f"{label}_{side}_runs"] = []
            for number in range(PAIR_ROUNDS):
                figures[f"{label}_raw_runs"].append(run("raw", "--endpoint", pipe_sim.url)[0])
                figures[f"{label}_crawl_runs"].append(run(
                    "crawl", "--endpoint", pipe_sim.url,
                    "--data-dir", str(work / f"{label}-{number}"))[0])
        finally:
            pipe_sim.stop()

    log(f"dump import of {args.dump_models:,} models: Arrow column rules and per-item reference")
    run("dump_write", "--data-dir", str(work / "dump"), "--models", str(args.dump_models))
    for normaliser in ("columns", "items"):
        figures[f"dump_{normaliser}"], _, figures[f"dump_{normaliser}_rss"] = run(
            "dump_import", "--data-dir", str(work / "dump"), "--models", str(args.dump_models),
            "--normaliser", normaliser)

    log(f"quota-bound walk: {args.quota_models:,} models at {QUOTA} requests per {WINDOW} s")
    quota_sim = Sim(args.port + 1, args.quota_models, "--quota", f"api={QUOTA}/{WINDOW}")
    try:
        figures["quota"], _, _ = run("quota", "--endpoint", quota_sim.url)
        figures["quota"]["sim"] = quota_sim.stats()
        figures["quota"]["quota"], figures["quota"]["window"] = QUOTA, WINDOW
    finally:
        quota_sim.stop()

    log("incremental refresh after one day of changes (1% of the catalogue)")
    changed_sim = Sim(args.port + 2, args.models, "--generation", "1")
    try:
        figures["incremental"], _, figures["incremental_rss"] = run(
            "incremental", "--endpoint", changed_sim.url, "--data-dir", str(work / "data"))
    finally:
        changed_sim.stop()
    log("snapshot diff: the full crawl against the incremental refresh (DuckDB join)")
    figures["diff"], _, figures["diff_rss"] = run(
        "diff", "--snapshot", figures["crawl"]["snapshot"],
        "--other", figures["incremental"]["snapshot"])
    log("start-up: hfexplore --help and hfexplore stats --demo, median of 5")
    figures["startup"], _, _ = run("startup")
    figures["total_seconds"] = time.perf_counter() - started
    (work / "figures.json").write_text(json.dumps(figures, indent=2, default=str))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(figures) + hand_written(ROOT / DOC))
    log(f"wrote {args.output} in {figures['total_seconds'] / 60:.1f} min ({work}/figures.json)")
    return 0


def _finish_import_only(figures: dict[str, Any], started: float, work: Path,
                        args: argparse.Namespace) -> int:
    from benchmarks.report import import_lines

    log("start-up: hfexplore --help and hfexplore stats --demo, median of 5")
    figures["startup"], _, _ = run("startup")
    figures["total_seconds"] = time.perf_counter() - started
    (work / "figures.json").write_text(json.dumps(figures, indent=2, default=str))
    section = "\n".join(import_lines(figures)) + "\n"
    print(section)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(section)
    log(f"import vs crawl in {figures['total_seconds'] / 60:.1f} min ({work}/figures.json)")
    return 0


def _closure(figures: dict[str, Any], snapshot: str) -> None:
    # Wall seconds stretch when other processes share the cores: the load is recorded with
    # them (and each workload's own process CPU seconds).
    figures["closure_load"] = os.getloadavg()[0]
    figures["closure"], _, figures["closure_rss"] = run("closure", "--snapshot", snapshot)
    figures["closure_depth"], _, figures["closure_depth_rss"] = run(
        "closure", "--snapshot", snapshot, "--depth")


def _closure_only(args: argparse.Namespace) -> int:
    """A snapshot crawled from the stand-in (no warm-up walk: the crawl is not measured), then
    the closure, and the lineage report beside its DuckDB peers."""
    from benchmarks.lineage import closure_lines

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="hfexplore-bench-"))
    figures: dict[str, Any] = {"models": args.models}
    if args.snapshot is not None:
        snapshot = str(args.snapshot.resolve())
    else:
        log(f"starting the stand-in with {args.models:,} synthetic models")
        sim = Sim(args.port, args.models)
        try:
            log("hfexplore snapshot create (not measured here)")
            figures["crawl"], _, _ = run("crawl", "--endpoint", sim.url, "--data-dir",
                                         str(work / "data"))
        finally:
            sim.stop()
        snapshot = figures["crawl"]["snapshot"]
    log("the lineage closure, with and without depth")
    _closure(figures, snapshot)
    log("report lineage (hfexplore and DuckDB)")
    ours, _, figures["closure_report_rss"] = run("report", "--snapshot", snapshot,
                                                 "--report", "lineage")
    figures["closure_report"] = ours
    figures["lineage_peer"], _, figures["lineage_peer_rss"] = run(
        "duckdb", "--snapshot", snapshot, "--report", "lineage")
    figures["total_seconds"] = time.perf_counter() - started
    (work / "figures.json").write_text(json.dumps(figures, indent=2, default=str))
    peer = figures["lineage_peer"]
    section = "\n".join([
        *closure_lines(figures),
        f"The lineage report in the same run: hfexplore {ours['seconds']:.2f} s, its DuckDB "
        f"peer (the same figures in plain SQL, `benchmarks/duckdb_peer.py`) "
        f"{peer['seconds']:.2f} s, ratio {ours['seconds'] / peer['seconds']:.2f}; peak RSS "
        f"{figures['closure_report_rss']:.0f} MB and {figures['lineage_peer_rss']:.0f} MB.",
    ]) + "\n"
    print(section)
    if args.output:  # only where asked: the section is meant to be pasted into the document
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(section)
    log(f"closure in {figures['total_seconds'] / 60:.1f} min ({work}/figures.json)")
    return 0


def report_path(output: Path | None, update_docs: bool, root: Path = ROOT) -> Path:
    """The tracked document only when asked; otherwise an untracked file under reports/."""
    if update_docs:
        return root / DOC
    return output if output is not None else root / "reports" / DOC


HAND_WRITTEN = "\n## Before and after the redesign (#24)\n"


def hand_written(doc: Path) -> str:
    """The sections at the end of the tracked document from HAND_WRITTEN on (the before/after
    comparison of `python -m benchmarks.compare`, a run of its own), kept as they are when a
    run rewrites the rest."""
    text = doc.read_text("utf-8") if doc.exists() else ""
    start = text.find(HAND_WRITTEN)
    return text[start:] if start >= 0 else ""


def render(f: dict[str, Any]) -> str:
    from benchmarks.report import render_markdown

    return render_markdown(f, machine=f"{platform.machine()}, {os.cpu_count()} cores, "
                                      f"Python {platform.python_version()}")


if __name__ == "__main__":
    sys.exit(main())
