"""Start the stand-in Hub by hand.

    python -m tests.hubsim --port 8765 --data ../shared/data        # the real 2024 catalogue
    python -m tests.hubsim --port 8765 --models 3200000             # synthetic, today's scale
    python -m tests.hubsim --fault 503/10 --fault reset@3 --quota api=500/300

Then: HF_ENDPOINT=http://127.0.0.1:8765 hfexplore stats
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

from tests.hubsim import build_catalogs
from tests.hubsim.faults import Fault, FaultPlan
from tests.hubsim.server import HubSim

WEEK = "2025-02-03"  # the weekly folder --hub-stats serves


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.hubsim", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--data", type=Path, help="directory with the real hf_*.jsonl.gz files")
    parser.add_argument("--models", type=int, default=3_200_000, help="synthetic models")
    parser.add_argument("--datasets", type=int, default=900_000, help="synthetic datasets")
    parser.add_argument("--spaces", type=int, default=1_000_000, help="synthetic spaces")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--generation", type=int, default=0,
                        help="apply this many days of mutations (synthetic only)")
    parser.add_argument("--no-counts", action="store_true", help="turn the count twins off (404)")
    parser.add_argument("--no-shields", action="store_true",
                        help="turn the shields badges' totals off (404)")
    parser.add_argument("--quota", action="append", default=[], metavar="BUCKET=Q/W",
                        help="a fixed-window quota, e.g. api=500/300")
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC",
                        help="e.g. 503/7*5, reset@3, 429@2, delay@4:30 (see faults.py)")
    parser.add_argument("--latency", type=float, nargs=2, metavar=("MIN", "MAX"),
                        help="seconds per listing page, like the real Hub (0.3 1.0)")
    parser.add_argument("--page-cache", action="store_true",
                        help="keep rendered pages in memory (benchmarks: serve them pre-built)")
    parser.add_argument("--hub-stats", metavar="ERA",
                        help="also serve cfahlgren1/hub-stats: a dump of these catalogues in a "
                             "schema era (2024-07, 2025-02, 2026-10), redirected like LFS files, "
                             f"and the same files as hfmlsoc/hub_weekly_snapshots' {WEEK}")
    parser.add_argument("--dump-dir", type=Path,
                        help="where --hub-stats writes its files [default: a temporary dir]")
    args = parser.parse_args(argv)
    started = time.monotonic()
    catalogs = build_catalogs(data=args.data, models=args.models, datasets=args.datasets,
                              spaces=args.spaces, seed=args.seed, generation=args.generation)
    quotas = {}
    for spec in args.quota:
        bucket, _, rest = spec.partition("=")
        quota, _, window = rest.partition("/")
        quotas[bucket] = (int(quota), float(window or 300))
    files = None
    if args.hub_stats:
        import tempfile

        from tests.hubsim.dumps import WEEKLY, hub_stats_repo
        from tests.hubsim.files import FileStore

        files = FileStore(redirect=True)
        written = hub_stats_repo(files, catalogs, args.hub_stats,
                                 args.dump_dir or Path(tempfile.mkdtemp(prefix="hubsim-dump-")))
        for repo_type, path in written.items():  # the same files as one weekly folder
            plural = f"{repo_type}s"
            files.add(WEEKLY, f"{plural}/{WEEK}/{plural}.parquet", path)
    sim = HubSim(catalogs, quotas=quotas, counts_enabled=not args.no_counts,
                 shields_enabled=not args.no_shields, port=args.port,
                 page_cache=args.page_cache, files=files,
                 faults=FaultPlan([Fault.parse(s) for s in args.fault],
                                  latency=tuple(args.latency) if args.latency else None))
    sizes = ", ".join(f"{len(c):,} {kind}s" for kind, c in catalogs.items())
    print(f"stand-in Hub at {sim.url} serving {sizes} (ready in "
          f"{time.monotonic() - started:.1f}s); Ctrl-C to stop", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sim.httpd.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
