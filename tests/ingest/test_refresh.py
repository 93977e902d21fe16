from __future__ import annotations

import pandas as pd
import pytest

from hfexplore.errors import HubServerError
from hfexplore.hub import HubClient, RetryPolicy, Transport
from hfexplore.ingest.crawl import create_snapshot
from hfexplore.ingest.refresh import STALE_FIELDS, refresh_snapshot
from hfexplore.store.inventory import list_snapshots
from tests.hubsim.faults import Fault, FaultPlan


def test_incremental_equals_a_full_crawl_on_non_volatile_columns(make_hub, tmp_path) -> None:
    base_sim = make_hub(models=20_000, datasets=2_000, spaces=1_000, seed=11)
    base = create_snapshot(HubClient(Transport(base_sim.url)), tmp_path / "inc")
    later = make_hub(models=20_000, datasets=2_000, spaces=1_000, seed=11, generation=1)
    full_client = HubClient(Transport(later.url))
    full = create_snapshot(full_client, tmp_path / "full")
    inc_client = HubClient(Transport(later.url))
    inc = refresh_snapshot(inc_client, tmp_path / "inc", base=base)

    assert inc.manifest["incremental"]["base"] == base.name
    assert inc.manifest["incremental"]["stale_fields"] == STALE_FIELDS
    # Counters are this run's own, like a full crawl's (not the client's running totals).
    assert inc.manifest["requests"] == inc_client.transport.stats.requests
    assert inc.manifest["anomalies"] == {"count": 0, "examples": []}
    assert set(inc.manifest) >= set(full.manifest) - {"resumed"}
    full_requests = full_client.transport.stats.requests
    inc_requests = inc_client.transport.stats.requests
    assert inc_requests * 5 < full_requests  # 3 + 3 pages against 20 + 2 + 1
    for repo_type in ("model", "dataset", "space"):
        removed = set(later.catalogs[repo_type].changes(1).removed)
        stable = [c for c in full.frame(repo_type).columns if c not in STALE_FIELDS]
        want = full.frame(repo_type)[stable].sort_values("_id").reset_index(drop=True)
        got = inc.frame(repo_type)[stable]
        assert set(got["id"]) - set(want["id"]) == removed  # only a full crawl sees deletions
        got = got[~got["id"].isin(removed)].sort_values("_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)


def test_a_refresh_stopped_midway_leaves_nothing_and_its_base_intact(make_hub, tmp_path) -> None:
    base_sim = make_hub(models=3_000, datasets=300, spaces=200, seed=6)
    base = create_snapshot(HubClient(Transport(base_sim.url)), tmp_path)
    later = make_hub(models=3_000, datasets=300, spaces=200, seed=6, generation=1,
                     faults=FaultPlan([Fault("503", at=frozenset({3}))]))
    client = HubClient(Transport(later.url, policy=RetryPolicy(max_attempts=1)))
    with pytest.raises(HubServerError):
        refresh_snapshot(client, tmp_path, base=base)
    assert later.stats["listing"] == 3  # one page each: the spaces' failed, two files written
    assert [p.name for p in (tmp_path / "snapshots").iterdir()] == [base.name]
    assert [s.name for s in list_snapshots(tmp_path)[0]] == [base.name] and base.verify() == []
