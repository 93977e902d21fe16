"""Concentration, formats and sizes on the real 2024 catalogue, each figure against plain pandas
over the raw Hub items (../shared/data), never hfexplore's own code. The only shared input is
the package's rules file, `hfexplore/data/formats.toml`, parsed here with tomllib."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

from hfexplore.stats.concentration import concentration
from hfexplore.stats.formats import formats
from hfexplore.stats.sizes import sizes
from tests.conftest import needs_shared_data, real_data_group
from tests.reference import DATA

pytestmark = [needs_shared_data, real_data_group]


@pytest.fixture(scope="module")
def downloads(raw_models) -> pd.Series:
    return raw_models["downloads"].astype("int64")


def _figures(values: np.ndarray) -> dict[str, float]:
    ordered = np.sort(values)[::-1].astype(np.float64)
    n, total = len(ordered), ordered.sum()
    ascending = ordered[::-1]
    index = np.arange(1, n + 1)
    gini = (2 * (index * ascending).sum()) / (n * total) - (n + 1) / n
    found = {"gini": gini, "hhi": ((ordered / total) ** 2).sum(),
             "zero_share": (ordered == 0).mean()}
    for label, divisor in (("0.1%", 1000), ("1%", 100), ("10%", 10)):
        k = n // divisor
        found[label] = ordered[:k].sum() / total
        found[f"{label} count"] = k
    return found


def test_concentration_of_models_downloads(real_snapshot, downloads) -> None:
    want = _figures(downloads.to_numpy())
    doc = concentration(real_snapshot).document()
    for key in ("gini", "hhi", "zero_share"):
        assert doc[key] == pytest.approx(want[key], rel=1e-9), key
    for row in doc["rows"]:
        assert row["count"] == want[f"{row['top']} count"]
        assert row["share"] == pytest.approx(want[row["top"]], rel=1e-9)
    assert doc["units"] == len(downloads) == 760_000


def test_concentration_by_author(real_snapshot, raw_models) -> None:
    owners = raw_models["id"].str.split("/").str[0].str.lower()
    sums = raw_models["downloads"].astype("int64").groupby(owners).sum()
    want = _figures(sums.to_numpy())
    doc = concentration(real_snapshot, by="author").document()
    assert doc["units"] == len(sums)
    for key in ("gini", "hhi", "zero_share"):
        assert doc[key] == pytest.approx(want[key], rel=1e-9), key
    for row in doc["rows"]:
        assert row["share"] == pytest.approx(want[row["top"]], rel=1e-9)


def test_concentration_of_likes(real_snapshot, raw_models) -> None:
    want = _figures(raw_models["likes"].astype("int64").to_numpy())
    doc = concentration(real_snapshot, metric="likes").document()
    assert doc["gini"] == pytest.approx(want["gini"], rel=1e-9)
    assert doc["rows"][1]["share"] == pytest.approx(want["1%"], rel=1e-9)


def test_format_counts(real_snapshot, raw_models) -> None:
    rules = tomllib.loads((DATA / "formats.toml").read_text("utf-8"))["formats"]
    tags = raw_models["tags"].map(lambda t: {x.lower() for x in t} if isinstance(t, list)
                                  else set())
    library = raw_models["library_name"].map(lambda v: v.lower() if isinstance(v, str) else None)
    want = {}
    for name, rule in rules.items():
        held = tags.map(lambda t, rule=rule: bool(t & {x.lower() for x in rule["tags"]})) | \
            library.isin([x.lower() for x in rule["libraries"]])
        if held.sum():
            want[name] = int(held.sum())
    got = formats(real_snapshot).rows.set_index("format")["count"].to_dict()
    assert got == want
    assert want["gguf"] > 20_000 and want["safetensors"] > 200_000  # the rules found them


def test_sizes_of_a_snapshot_without_parameter_counts(real_snapshot, raw_models) -> None:
    # The 2024 items carry no `safetensors` field: every model's size is unknown, and said so.
    assert "safetensors" not in raw_models.columns
    report = sizes(real_snapshot)
    counts = report.rows.set_index("size")["count"]
    assert counts["unknown"] == len(raw_models) and counts.drop("unknown").sum() == 0
    assert any("snapshot create" in note for note in report.notes)
