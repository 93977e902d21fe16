"""Property-based tests: parsers and the CLI never crash, whatever they are given."""

from __future__ import annotations

import requests
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hfexplore.claims.loader import ClaimDefinitionError, parse_claim
from hfexplore.cli import cli
from hfexplore.hub.transport import _next_link

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=3), max_leaves=10)
claim_like = st.fixed_dictionaries({}, optional={
    "id": values | st.text(min_size=1, max_size=10),
    "scope": values | st.sampled_from(["in", "out"]),
    "reason": values, "quote": values,
    "metric": values | st.fixed_dictionaries({}, optional={
        "kind": st.sampled_from(["count", "share", "distinct", "rank", "all", "x"]) | values,
        "repo_type": st.sampled_from(["model", "dataset", "space"]) | values,
        "column": st.sampled_from(["library", "author"]) | values, "value": values,
        "where": values | st.dictionaries(st.sampled_from(["license", "family", "x"]), values),
        "parts": values, "by": values}),
    "expect": values | st.fixed_dictionaries({}, optional={
        "op": st.sampled_from([">", "between", "=="]) | values, "value": values,
        "min": values, "max": values}),
    "extra": values,
})


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(claim_like)
def test_the_claim_parser_accepts_or_names_the_problem(entry) -> None:
    try:
        claim = parse_claim(entry, "fuzz.toml")
    except ClaimDefinitionError as exc:
        assert str(exc)
    else:
        assert claim.id and (claim.scope == "out" or claim.metric is not None)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_link_headers_never_crash_the_walk(header: str) -> None:
    response = requests.Response()
    try:
        response.headers["Link"] = header
    except ValueError:
        return
    result = _next_link(response, "http://hub.test/api/models?limit=1000")
    assert result is None or isinstance(result, str)


OPTIONS = ["--top", "--format", "--repo-type", "--author", "--library", "--task",
           "--created-after", "--created-before", "--by", "--sort", "--family", "--open-weight",
           "--families", "--demo", "--snapshot", "--live", "-f"]
JUNK = ["0", "-1", "5", "json", "table", "xml", "model", "space", "2024-01-01", "yesterday",
        "license", "Meta", "", "\x1b[31m", "--", "=1+1"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["licenses", "libraries", "tasks", "authors", "lineage", "growth",
                        "stats", "claims", "history", "snapshot"]),
       st.lists(st.sampled_from(OPTIONS + JUNK), max_size=6))
@example(command="claims", args=["0"])  # a missing claim file: its error must be the last line
def test_cli_option_parsing_never_crashes(tmp_path_factory, command: str, args: list[str]) -> None:
    home = tmp_path_factory.mktemp("home")
    result = CliRunner().invoke(cli, [command, *args], env={
        "HFEXPLORE_HOME": str(home), "HFEXPLORE_CACHE": str(home / "cache"),
        "HF_ENDPOINT": "http://127.0.0.1:9"})
    # 3 and 4: `claims` could measure nothing, or not everything (its documented statuses).
    assert result.exit_code in (0, 1, 2, 3, 4), (args, result.output)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert result.stderr.splitlines()[-1].startswith("error: "), result.stderr
