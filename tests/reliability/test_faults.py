"""Every fault scenario, small. `nox -s faults` runs them large and writes RELIABILITY.md."""

from __future__ import annotations

import pytest

from tests.reliability.scenarios import COMPLETE, RECOVERED, RESUMED, SCENARIOS


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario(scenario, tmp_path, clock) -> None:
    outcome = scenario.run(tmp_path, 1, clock)
    assert outcome.outcome in (COMPLETE, RESUMED, RECOVERED), outcome
