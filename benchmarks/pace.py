"""Issue 16's pipeline pairs alone: a bare client and hfexplore on the same stand-in pages,
with the crawl's phases timed (before the first request, the walk, after the last page).

    python -m benchmarks.pace [--label latency50|built|prebuilt] [--models 200000] [--repeat 3]
    python -m benchmarks.pace phases --endpoint URL --data-dir DIR    # one timed crawl

Run it under `flock /tmp/hfx-bench.lock` on a shared machine; compare ratios of one run only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LABELS = {"latency50": ("--latency", "0.05", "0.05"), "built": (), "prebuilt": ("--page-cache",)}


def phases(endpoint: str, data_dir: str) -> dict[str, Any]:
    """One crawl, as the `crawl` workload runs it, with the times of its phases."""
    import importlib
    import os

    if os.environ.get("PACE_BASE"):  # another checkout's hfexplore, to compare in one run
        sys.path.insert(0, os.environ["PACE_BASE"])
    crawl = importlib.import_module("hfexplore.ingest.crawl")
    hub = importlib.import_module("hfexplore.hub")
    HubClient, Transport = hub.HubClient, hub.Transport
    if os.environ.get("PACE_SWITCH"):
        sys.setswitchinterval(float(os.environ["PACE_SWITCH"]))
    marks: dict[str, float] = {}
    transport = Transport(endpoint)
    session = transport.session
    assert session is not None
    plain_get = session.get

    gaps: list[float] = []
    durations: list[float] = []

    def get(*args: Any, **kwargs: Any) -> Any:
        now = time.perf_counter()
        marks.setdefault("first_request", now)
        if "last_response" in marks:
            gaps.append(now - marks["last_response"])
        response = plain_get(*args, **kwargs)
        response.content  # noqa: B018 - read the body here, as the transport does next
        marks["last_response"] = time.perf_counter()
        durations.append(marks["last_response"] - now)
        marks["last_response_cpu"] = time.process_time()
        return response

    session.get = get  # type: ignore[method-assign]
    plain_finish = crawl._finish

    def finish(*args: Any, **kwargs: Any) -> Any:
        marks["finish"] = time.perf_counter()
        return plain_finish(*args, **kwargs)

    crawl._finish = finish  # type: ignore[assignment]
    client = HubClient(transport)
    started = time.perf_counter()
    snapshot = crawl.create_snapshot(client, Path(data_dir), ["model"])
    ended = time.perf_counter()
    entry = snapshot.manifest["repo_types"]["model"]
    from benchmarks.workloads import quantiles_ms  # after the crawl: it imports hfexplore too
    return {"code": str(Path(crawl.__file__).parents[2]), "items": entry["count"],
            "pages": entry["pages"], "requests": snapshot.manifest["requests"],
            "seconds": ended - started,
            "before_first_request": marks["first_request"] - started,
            "walk": marks["last_response"] - marks["first_request"],
            "last_page_to_finish": marks["finish"] - marks["last_response"],
            "finish": ended - marks["finish"],
            "after_last_page": ended - marks["last_response"],
            "after_last_page_cpu": time.process_time() - marks["last_response_cpu"],
            "between_requests": sum(gaps), "cpu": time.process_time(),
            "request_ms": quantiles_ms(durations)}


def pair(label: str, models: int, port: int, repeat: int,
         variants: list[str]) -> list[dict[str, Any]]:
    from benchmarks.__main__ import Sim, run

    sim = Sim(port, models, *LABELS[label])
    work = Path(tempfile.mkdtemp(prefix="hfexplore-pace-"))
    results = []
    try:
        if label == "prebuilt":
            run("raw", "--endpoint", sim.url)  # warm the page cache
        for number in range(repeat):
            raw, _, _ = run("raw", "--endpoint", sim.url)
            for variant in variants:
                ours, _, rss = _run_phases(sim.url, work / f"{label}-{number}-{variant}",
                                           variant)
                ratio = (ours["items"] / ours["seconds"]) / (raw["items"] / raw["seconds"])
                results.append({"label": label, "variant": variant, "ratio": round(ratio, 4),
                                "raw_seconds": round(raw["seconds"], 3), "rss": round(rss),
                                "raw_request_ms": raw["request_ms"],
                                **{k: round(v, 3) if isinstance(v, float) else v
                                   for k, v in ours.items()}})
                print(json.dumps(results[-1]), flush=True)
    finally:
        sim.stop()
    return results


def _run_phases(endpoint: str, data_dir: Path,
                variant: str) -> tuple[dict[str, Any], float, float]:
    import os
    import subprocess

    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        command = ["benchmarks.pace_process"] if variant == "process" else \
            ["benchmarks.pace", "phases"]
        child = subprocess.Popen([sys.executable, "-m", *command, "--endpoint", endpoint,
                                  "--data-dir", str(data_dir)],
                                 stdout=out, env={**os.environ, **_env(variant)})
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"the timed crawl failed: {text}")
    return json.loads(text.strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024


def _env(variant: str) -> dict[str, str]:
    """`default`, `process` (the worker-process prototype), or NAME=VALUE settings for the
    timed crawl's environment, comma-separated."""
    if variant in ("default", "process"):
        return {}
    return dict(pair.split("=", 1) for pair in variant.split(","))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pace")
    parser.add_argument("what", nargs="?", default="pair", choices=["pair", "phases"])
    parser.add_argument("--label", action="append", choices=list(LABELS))
    parser.add_argument("--models", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--port", type=int, default=18795)
    parser.add_argument("--variant", action="append",
                        help="crawl variants: default, or NAME=VALUE,... environment settings")
    parser.add_argument("--endpoint")
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    if args.what == "phases":
        print(json.dumps(phases(args.endpoint, args.data_dir)))
        return 0
    for label in args.label or ["latency50"]:
        pair(label, args.models, args.port, args.repeat, args.variant or ["default"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
