"""Library errors name the problem; the CLI adds the fix (an option, a command)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.config import private_dir
from hfexplore.errors import DirectoryError, HubAuthError
from hfexplore.hub import Transport

EP = "http://hub.test"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_data_dir_that_cannot_be_created_is_named_with_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(DirectoryError, match=r"cannot use .* as the data directory") as err:
        private_dir(blocker / "data")
    assert "--data-dir" not in str(err.value)
    result = run("snapshot", "create", "--data-dir", str(blocker / "data"), "--endpoint", EP,
                 "--no-cache")
    assert result.exit_code == 1
    assert f"cannot use {blocker / 'data'} as the data directory" in result.stderr
    assert "choose a writable directory with --data-dir or HFEXPLORE_HOME" in result.stderr
    assert "unexpected" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only directories anyway")
def test_a_read_only_data_dir_is_named_with_the_fix(tmp_path: Path) -> None:
    read_only = tmp_path / "ro"
    read_only.mkdir(mode=0o500)
    try:
        result = run("snapshot", "create", "--data-dir", str(read_only), "--endpoint", EP,
                     "--no-cache")
    finally:
        read_only.chmod(0o700)
    assert result.exit_code == 1
    assert "Permission denied" in result.stderr and "--data-dir" in result.stderr
    assert "unexpected" not in result.stderr


def test_an_unusable_cache_dir_names_the_cache_options(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run("stats", "--live", "--endpoint", EP, "--cache-dir", str(blocker / "cache"))
    assert result.exit_code == 1
    assert "as the cache directory" in result.stderr and "--cache-dir" in result.stderr
    assert "--no-cache" in result.stderr


@responses.activate
def test_auth_error_has_no_option_names_in_the_library(tmp_path: Path) -> None:
    responses.get(f"{EP}/api/models", status=401, json={"error": "nope"})
    with pytest.raises(HubAuthError, match="check that the token is valid") as err:
        Transport(EP, "hf_bad").get(f"{EP}/api/models")
    assert "--token" not in str(err.value)
