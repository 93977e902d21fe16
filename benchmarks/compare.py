"""Two checkouts of hfexplore on the same workloads, interleaved: before and after a change.

    python -m benchmarks.compare --before-tree /work/wt/before \\
        --before-python /work/venvs/before/bin/python [--models 800000] [--rounds 5]

Each side runs its own `python -m benchmarks.workloads` (its own tree as the working directory,
its own interpreter, so its own hfexplore) against one stand-in Hub (this tree's, pre-serialised
pages warmed by one unmeasured walk), so both read the same bytes. In every round each side runs
the whole set (crawl, import over HTTP, the reports on its own crawl, a local dump import,
incremental refresh and diff, start-up) and the sides alternate which goes first (before-after,
then after-before), so that a slow spell of a shared machine hits both alike. A bare client's
walk opens each round as a gauge of the machine's load. The figures are the medians of the
rounds; the ratio is after / before of the medians, and the range that of each round's own ratio.
Each workload's process CPU (from wait4) is kept beside its wall time: on a loaded machine it is
the steadier of the two.

    python -m benchmarks.compare --render FIGURES.json        # the markdown table of a run
    python -m benchmarks.compare --startup-only ...           # start-up alone, in CPU
    python -m benchmarks.compare --reports-on SNAP_A SNAP_B   # this tree's reports on two files
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from benchmarks.__main__ import DUMP_ERA, Sim, log
from benchmarks.workloads import REPORTS

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Side:
    name: str
    tree: Path
    python: Path

    def run(self, workload: str, *args: str) -> tuple[dict[str, Any], float, float, float]:
        """One workload in a child of this side: its figures, wall seconds, peak RSS in MB and
        process CPU seconds (user + system, all threads, start-up and imports included; on a
        loaded machine a steadier measure than wall time)."""
        env = {**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1",
               "PATH": f"{self.python.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        env.pop("PYTHONPATH", None)
        with tempfile.TemporaryFile("w+") as out:
            started = time.perf_counter()
            child = subprocess.Popen([str(self.python), "-m", "benchmarks.workloads", workload,
                                      *args], stdout=out, cwd=self.tree, env=env)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - started
            out.seek(0)
            text = out.read()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise RuntimeError(f"{self.name}: workload {workload} {args} failed ({code}): {text}")
        return (json.loads(text.strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024,
                usage.ru_utime + usage.ru_stime)


class RunningSim:
    """A stand-in started earlier (`--sim`): only its address."""

    def __init__(self, url: str):
        self.url = url

    def stats(self) -> dict[str, int]:
        return requests.get(f"{self.url}/_sim/stats", timeout=10).json()

    def stop(self) -> None:
        pass


def rounds_order(rounds: int) -> Iterator[tuple[int, tuple[str, str]]]:
    """before-after, after-before, before-after...: each side goes first in half the rounds."""
    for number in range(rounds):
        yield number, ("before", "after") if number % 2 == 0 else ("after", "before")


def one_side(side: Side, number: int, sim: Sim | RunningSim, changed: Sim | RunningSim, work: Path,
             local_dump: Path) -> dict[str, float]:
    """Every workload once for one side; a flat dict of figures."""
    figures: dict[str, float] = {}
    data = work / f"{side.name}-{number}"
    listed = sim.stats()["listing"]
    crawl, _, figures["crawl_rss_mb"], figures["crawl_cpu_s"] = side.run(
        "crawl", "--endpoint", sim.url, "--data-dir", str(data / "crawl"))
    figures["crawl_s"] = crawl["seconds"]
    figures["crawl_requests"] = crawl["requests"]
    figures["crawl_pages"] = crawl["pages"]
    figures["crawl_items"] = crawl["items"]
    figures["sim_listing_requests"] = sim.stats()["listing"] - listed
    imported, _, figures["import_rss_mb"], figures["import_cpu_s"] = side.run(
        "import", "--endpoint", sim.url, "--data-dir", str(data / "imported"))
    figures["import_s"] = imported["seconds"]
    figures["import_requests"] = imported["requests"]
    figures["import_items"] = imported["items"]
    for name in REPORTS:
        result, wall, rss, cpu = side.run("report", "--snapshot", crawl["snapshot"],
                                          "--report", name)
        figures[f"report_{name}_cpu_s"] = cpu
        figures[f"report_{name}_s"] = result["seconds"]
        figures[f"report_{name}_wall_s"] = wall
        figures[f"report_{name}_rss_mb"] = rss
        figures[f"report_{name}_rows"] = result["rows"]
    dump_dir = data / "dump-local"
    (dump_dir / "dump").mkdir(parents=True)
    os.link(local_dump, dump_dir / "dump" / "models.parquet")
    dumped, _, figures["dump_import_rss_mb"], figures["dump_import_process_cpu_s"] = side.run(
        "dump_import", "--data-dir", str(dump_dir), "--normaliser", "columns")
    figures["dump_import_s"] = dumped["seconds"]
    figures["dump_import_cpu_s"] = dumped["cpu"]
    figures["dump_import_rows"] = dumped["rows"]
    refreshed, _, figures["incremental_rss_mb"], figures["incremental_cpu_s"] = side.run(
        "incremental", "--endpoint", changed.url, "--data-dir", str(data / "crawl"))
    figures["incremental_s"] = refreshed["seconds"]
    figures["incremental_requests"] = refreshed["requests"]
    figures["incremental_changed"] = refreshed["changed"]
    diffed, _, figures["diff_rss_mb"], figures["diff_cpu_s"] = side.run(
        "diff", "--snapshot", crawl["snapshot"], "--other", refreshed["snapshot"])
    figures["diff_s"] = diffed["seconds"]
    started, _, _, _ = side.run("startup")
    figures["startup_help_s"] = started["help"]
    figures["startup_stats_demo_s"] = started["stats_demo"]
    return figures


def summarise(runs: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, Any]]:
    """Per figure: each side's median and range, after/before of the medians, and the range
    of each round's own after/before ratio (the rounds pair up in order)."""
    summary: dict[str, dict[str, Any]] = {}
    for key in runs["before"][0]:
        before = [r[key] for r in runs["before"]]
        after = [r[key] for r in runs["after"]]
        entry: dict[str, Any] = {"before": statistics.median(before), "after":
                                 statistics.median(after), "before_range": [min(before),
                                 max(before)], "after_range": [min(after), max(after)]}
        if entry["before"]:
            entry["ratio"] = entry["after"] / entry["before"]
        paired = [a / b for a, b in zip(after, before, strict=True) if b]
        if paired:
            entry["ratio_range"] = [min(paired), max(paired)]
        summary[key] = entry
    return summary


ROWS = (  # (figure key, label, unit); timings in seconds unless the unit says otherwise
    ("crawl_s", "`snapshot create` (crawl), seconds", "s"),
    ("crawl_cpu_s", "crawl, process CPU seconds", "s"),
    ("crawl_requests", "crawl requests (pages: {crawl_pages:,.0f})", "n"),
    ("crawl_rss_mb", "crawl peak RSS", "MB"),
    ("import_s", "`snapshot import hub-stats` over HTTP, seconds", "s"),
    ("import_cpu_s", "import, process CPU seconds", "s"),
    ("import_requests", "import requests", "n"),
    ("import_rss_mb", "import peak RSS", "MB"),
    ("dump_import_s", "local dump import ({dump_models:,} models), seconds", "s"),
    ("dump_import_cpu_s", "local dump import, CPU seconds of the import call", "s"),
    ("dump_import_rss_mb", "local dump import peak RSS", "MB"),
    ("report_stats_s", "`stats`, seconds of the library call", "s"),
    ("report_licenses_s", "`licenses --open-weight`, seconds of the library call", "s"),
    ("report_authors_s", "`authors`, seconds of the library call", "s"),
    ("report_lineage_s", "`lineage`, seconds of the library call", "s"),
    ("report_growth_s", "`growth`, seconds of the library call", "s"),
    ("report_stats_cpu_s", "`stats`, process CPU seconds", "s"),
    ("report_licenses_cpu_s", "`licenses --open-weight`, process CPU seconds", "s"),
    ("report_authors_cpu_s", "`authors`, process CPU seconds", "s"),
    ("report_lineage_cpu_s", "`lineage`, process CPU seconds", "s"),
    ("report_growth_cpu_s", "`growth`, process CPU seconds", "s"),
    ("report_lineage_rss_mb", "`lineage` peak RSS (the highest report)", "MB"),
    ("incremental_s", "`snapshot create --incremental` (1 generation), seconds", "s"),
    ("incremental_cpu_s", "incremental, process CPU seconds", "s"),
    ("incremental_requests", "incremental requests", "n"),
    ("incremental_rss_mb", "incremental peak RSS", "MB"),
    ("diff_s", "`snapshot diff` (crawl vs refresh), seconds", "s"),
    ("diff_cpu_s", "diff, process CPU seconds", "s"),
    ("diff_rss_mb", "diff peak RSS", "MB"),
    ("startup_help_s", "start-up `hfexplore --help` (median of 5)", "s"),
    ("startup_stats_demo_s", "start-up `hfexplore stats --demo` (median of 5)", "s"),
)


def _value(value: float, unit: str) -> str:
    if unit == "n":
        return f"{value:,.0f}"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _reading(entry: dict[str, Any], unit: str) -> str:
    if unit == "n":
        return "same" if entry["before_range"] == entry["after_range"] else "differ"
    low, high = entry.get("ratio_range", [1.0, 1.0])
    if low <= 1.0 <= high:
        return "inconclusive (rounds disagree)"
    return "after lower in every round" if high < 1.0 else "after higher in every round"


def render_table(figures: dict[str, Any]) -> list[str]:
    """The markdown table of one comparison's summary."""
    summary = figures["summary"]
    fields = {"crawl_pages": summary["crawl_pages"]["after"], "dump_models":
              figures["dump_models"]}
    lines = ["| figure | before: median (range) | after: median (range) | after / before | "
             "per-round ratio | reading |", "|---|---:|---:|---:|---|---|"]
    for key, label, unit in ROWS:
        entry = summary[key]
        ranges = [" - ".join(_value(v, unit) for v in entry[f"{side}_range"])
                  for side in ("before", "after")]
        low, high = entry.get("ratio_range", [1.0, 1.0])
        lines.append(f"| {label.format(**fields)} | {_value(entry['before'], unit)} "
                     f"({ranges[0]}) | {_value(entry['after'], unit)} ({ranges[1]}) | "
                     f"{entry.get('ratio', 1.0):.2f} | {low:.2f}-{high:.2f} | "
                     f"{_reading(entry, unit)} |")
    return lines


def cross_reports(side: Side, snapshots: dict[str, str], rounds: int) -> dict[str, Any]:
    """One side's reports on snapshots written by different checkouts, alternately: whether a
    report's time follows the code or the file it reads (the page checksums one writes)."""
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in snapshots}
    labels = list(snapshots)
    for number in range(rounds):
        for label in labels if number % 2 == 0 else labels[::-1]:
            log(f"round {number + 1}/{rounds}: {side.name}'s reports on the {label} snapshot")
            figures = {}
            for name in REPORTS:
                result, _, _, cpu = side.run("report", "--snapshot", snapshots[label],
                                             "--report", name)
                figures[f"report_{name}_s"] = result["seconds"]
                figures[f"report_{name}_cpu_s"] = cpu
            runs[label].append(figures)
    return {"runs": runs, "summary": summarise(runs)}


def startup_rounds(sides: dict[str, Side], rounds: int) -> dict[str, Any]:
    """`hfexplore --help` and `hfexplore stats --demo` from each side's interpreter, the sides
    alternating run by run: wall and process CPU seconds of each fresh process."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    commands = {"help": ["--help"], "stats_demo": ["stats", "--demo"]}
    for _, order in rounds_order(rounds + 1):  # the first round warms the disk cache
        for name in order:
            figures = {}
            for label, args in commands.items():
                started = time.perf_counter()
                child = subprocess.Popen([str(sides[name].python), "-m", "hfexplore", *args],
                                         cwd=sides[name].tree, stdout=subprocess.DEVNULL)
                _, status, usage = os.wait4(child.pid, 0)
                assert os.waitstatus_to_exitcode(status) == 0, (name, args)
                figures[f"startup_{label}_s"] = time.perf_counter() - started
                figures[f"startup_{label}_cpu_s"] = usage.ru_utime + usage.ru_stime
            runs[name].append(figures)
    return {"runs": {name: run[1:] for name, run in runs.items()},
            "summary": summarise({name: run[1:] for name, run in runs.items()})}


def loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare")
    parser.add_argument("--before-tree", type=Path)
    parser.add_argument("--before-python", type=Path)
    parser.add_argument("--after-tree", type=Path, default=ROOT)
    parser.add_argument("--after-python", type=Path, default=Path(sys.executable))
    parser.add_argument("--models", type=int, default=800_000)
    parser.add_argument("--dump-models", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=28431, help="and the next one")
    parser.add_argument("--output", type=Path, help="figures.json [default: in the work dir]")
    parser.add_argument("--work", type=Path, help="work directory [default: a new one]")
    parser.add_argument("--sim", nargs=2, metavar=("URL", "CHANGED_URL"),
                        help="stand-ins already running (warm, and one generation later)")
    parser.add_argument("--render", type=Path, metavar="FIGURES",
                        help="print the markdown table of an earlier run's figures.json")
    parser.add_argument("--reports-on", nargs=2, metavar=("BEFORE_SNAPSHOT", "AFTER_SNAPSHOT"),
                        help="only the after tree's reports, on a snapshot each side wrote")
    parser.add_argument("--startup-only", action="store_true",
                        help="only the start-up of both sides' commands, --rounds times")
    args = parser.parse_args(argv)
    if args.startup_only:
        both = {"before": Side("before", args.before_tree.resolve(), args.before_python),
                "after": Side("after", args.after_tree.resolve(), args.after_python)}
        result = startup_rounds(both, args.rounds)
        result["load"] = loadavg()
        text = json.dumps(result, indent=2)
        (args.output.write_text(text) if args.output else print(text))
        return 0
    if args.reports_on:
        side = Side("after", args.after_tree.resolve(), args.after_python)
        cross = cross_reports(side, dict(zip(("before", "after"), args.reports_on,
                                             strict=True)), args.rounds)
        cross["load"] = loadavg()
        text = json.dumps(cross, indent=2)
        (args.output.write_text(text) if args.output else print(text))
        return 0
    if args.render:
        print("\n".join(render_table(json.loads(args.render.read_text()))))
        return 0
    if not (args.before_tree and args.before_python):
        parser.error("--before-tree and --before-python are needed (or --render)")
    sides = {"before": Side("before", args.before_tree.resolve(), args.before_python),
             "after": Side("after", args.after_tree.resolve(), args.after_python)}
    work = args.work or Path(tempfile.mkdtemp(prefix="hfexplore-compare-"))
    output = args.output or work / "figures.json"
    figures: dict[str, Any] = {"models": args.models, "dump_models": args.dump_models,
                               "rounds": args.rounds, "load": [("start", loadavg())],
                               "runs": {"before": [], "after": []}, "raw": []}
    started = time.perf_counter()
    sim: Sim | RunningSim
    changed: Sim | RunningSim
    if args.sim:
        sim, changed = RunningSim(args.sim[0]), RunningSim(args.sim[1])
    else:
        log(f"stand-ins: {args.models:,} models (pre-serialised pages, hub-stats dump), and one "
            "generation later for the incremental refresh")
        sim = Sim(args.port, args.models, "--page-cache", "--hub-stats", DUMP_ERA,
                  "--dump-dir", str(work / "served-dump"))
        changed = Sim(args.port + 1, args.models, "--generation", "1")
    try:
        if isinstance(sim, Sim):
            figures["sim_ready"] = sim.ready
            log("warm-up walk (not measured)")
            sides["after"].run("raw", "--endpoint", sim.url)
        log(f"local hub-stats-like dump of {args.dump_models:,} models")
        dumped, _, _, _ = sides["after"].run("dump_write", "--data-dir", str(work / "dump-source"),
                                          "--models", str(args.dump_models))
        for number, order in rounds_order(args.rounds):
            figures["load"].append((f"round {number + 1}", loadavg()))
            raw, _, _, _ = sides["after"].run("raw", "--endpoint", sim.url)
            figures["raw"].append(raw["seconds"])
            for name in order:
                log(f"round {number + 1}/{args.rounds}: {name} (load {loadavg()})")
                figures["runs"][name].append(one_side(sides[name], number, sim, changed, work,
                                                      Path(dumped["path"])))
            output.write_text(json.dumps(figures, indent=2))
    finally:
        sim.stop()
        changed.stop()
    figures["load"].append(("end", loadavg()))
    figures["summary"] = summarise(figures["runs"])
    figures["total_seconds"] = time.perf_counter() - started
    output.write_text(json.dumps(figures, indent=2))
    print("\n".join(render_table(figures)))
    log(f"{args.rounds} rounds in {figures['total_seconds'] / 60:.1f} min -> {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
