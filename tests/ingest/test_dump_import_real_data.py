"""An import of the real 2024 catalogue, as a hub-stats dump served by the stand-in, agrees
exactly with the crawl of the same catalogue: every column both have, and every report."""

from __future__ import annotations

import pandas as pd
import pytest

from hfexplore.hub import Transport
from hfexplore.hub.files import HubFiles
from hfexplore.ingest.dump_import import import_snapshots
from hfexplore.stats import reports
from tests.conftest import needs_shared_data, real_data_group
from tests.hubsim.dumps import hub_stats_repo
from tests.hubsim.files import FileStore
from tests.hubsim.server import HubSim

pytestmark = [needs_shared_data, real_data_group]


@pytest.fixture(scope="module")
def imported(real_catalogs, tmp_path_factory):
    store = FileStore(redirect=True)
    served = {t: real_catalogs[t] for t in ("model", "dataset")}
    hub_stats_repo(store, served, "2025-02", tmp_path_factory.mktemp("dump"))
    with HubSim(served, files=store) as sim:
        result = import_snapshots("hub-stats", tmp_path_factory.mktemp("imported"),
                                  files=HubFiles(Transport(sim.url)),
                                  repo_types=["model", "dataset"])
    return result


def test_every_shared_column_agrees_with_the_crawl(imported, real_snapshot) -> None:
    [snap] = imported.snapshots
    for repo_type in ("model", "dataset"):
        plan = snap.manifest["imported"]["columns"][repo_type]
        got = snap.frame(repo_type).sort_values("id").reset_index(drop=True)
        want = real_snapshot.frame(repo_type).sort_values("id").reset_index(drop=True)
        assert len(got) == len(want)
        skipped = set(plan["null_columns"]) | set(plan["incomplete_columns"]) | \
            set(plan["derived"])
        assert skipped <= {"_id", "gated", "private", "disabled"}
        for column in [c for c in got.columns if c not in skipped]:
            pd.testing.assert_series_equal(got[column], want[column], obj=column)
        for column in plan["null_columns"]:
            assert got[column].isna().all()


CALLS = {
    "summary": lambda snap: reports.summary(snap, top=0),
    "licenses": lambda snap: reports.licenses(snap, top=0),
    "licenses-dataset": lambda snap: reports.licenses(snap, "dataset", top=0),
    "open-weight-by-family": lambda snap: reports.licenses(snap, open_weight=True, by="family",
                                                           top=0),
    "libraries": lambda snap: reports.libraries(snap, top=0),
    "tasks": lambda snap: reports.tasks(snap, top=0),
    "authors": lambda snap: reports.authors(snap, top=0),
    "families": lambda snap: reports.authors(snap, by_family=True, top=0),
    "lineage": lambda snap: reports.lineage(snap, top=0),
    "growth": lambda snap: reports.growth(snap),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_reports_agree_with_the_crawl(imported, real_snapshot, name) -> None:
    [snap] = imported.snapshots
    got, want = CALLS[name](snap), CALLS[name](real_snapshot)
    pd.testing.assert_frame_equal(got.rows, want.rows)
    names = {"snapshot_name"}  # the one key that names which snapshot answered
    assert {k: v for k, v in got.extra.items() if k not in names} == \
        {k: v for k, v in want.extra.items() if k not in names}
    for section, frame in want.sections.items():
        pd.testing.assert_frame_equal(got.sections[section], frame)
    assert "hub-stats" in got.source


def test_only_a_fraction_of_the_dump_is_transferred(imported) -> None:
    [snap] = imported.snapshots
    files = snap.manifest["imported"]["files"]
    model = next(f for f in files if f["repo_type"] == "model")
    print(f"\nmodels.parquet: read {model['bytes_read']:,} of {model['bytes']:,} bytes "
          f"({model['fraction_read']:.1%}); all files {imported.fraction_read:.1%}")
    assert model["bytes_read"] < 0.6 * model["bytes"]
