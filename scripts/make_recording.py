"""Regenerate fixtures/recordings/stats-live-no-twins: `hfexplore stats --live --record` against
the stand-in Hub (a synthetic catalogue, seed 0, with the website's count twins off), so the
recording holds failed twins, two shields badges and a one-page walk of the Spaces listing.

Run from the project root: python scripts/make_recording.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "recordings" / "stats-live-no-twins"
sys.path.insert(0, str(ROOT))


def main() -> None:
    from hfexplore.cli import cli
    from tests.hubsim import SyntheticCatalog
    from tests.hubsim.server import HubSim

    catalogs = {kind: SyntheticCatalog(kind, n, seed=0)
                for kind, n in (("model", 2_500), ("dataset", 1_500), ("space", 300))}
    shutil.rmtree(OUT, ignore_errors=True)
    with HubSim(catalogs, counts_enabled=False, port=8766) as sim:
        result = CliRunner().invoke(cli, ["stats", "--live", "--no-cache", "--format", "json",
                                          "--endpoint", sim.url, "--record", str(OUT)],
                                    env={"HF_TOKEN": "", "HF_HUB_DISABLE_TELEMETRY": "1"})
    if result.exit_code != 0:
        raise SystemExit(result.output)
    print(f"recorded {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
