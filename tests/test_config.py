"""Settings: the endpoint is checked before anything is sent to it; directories are made private
and existing ones left as they are."""

from __future__ import annotations

import os

import pytest
import requests
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.config import DEFAULT_ENDPOINT, resolve_endpoint
from hfexplore.errors import ConfigError


@pytest.mark.parametrize("value", ["https://huggingface.co", "http://127.0.0.1:8080/",
                                   "https://hub.example.org/mirror/", "http://[::1]:80"])
def test_usable_endpoints_pass_without_their_trailing_slash(value: str) -> None:
    assert resolve_endpoint(value) == value.rstrip("/")


@pytest.mark.parametrize(("value", "reason"), [
    ("garbage", "http:// or https://"), ("ftp://mirror.example.org", "http:// or https://"),
    ("huggingface.co", "http:// or https://"), ("http://", "no host"),
    ("http://host:99999", "port"), ("https://hub example.org", "spaces"),
    ("https://huggingface.co/?x=1", "query"), ("http://[::1", "malformed: Invalid IPv6 URL"),
])
def test_malformed_endpoints_are_refused(value: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        resolve_endpoint(value)


def test_the_environment_and_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_endpoint() == DEFAULT_ENDPOINT
    monkeypatch.setenv("HF_ENDPOINT", "ftp://x")
    with pytest.raises(ConfigError, match=r"^HF_ENDPOINT 'ftp://x' is not a Hub URL"):
        resolve_endpoint()
    assert resolve_endpoint("http://127.0.0.1:1") == "http://127.0.0.1:1"  # the option wins


def test_credentials_in_the_endpoint_are_refused_and_not_echoed() -> None:
    with pytest.raises(ConfigError, match="credentials") as caught:
        resolve_endpoint("https://user:hf_secret@huggingface.co")
    assert "hf_secret" not in str(caught.value)


@pytest.mark.parametrize("how", ["env", "option"])
def test_a_malformed_endpoint_is_a_usage_error_at_once(monkeypatch, how: str) -> None:
    args = ["stats", "--live", "--no-cache"]
    if how == "env":
        monkeypatch.setenv("HF_ENDPOINT", "garbage")
    else:
        args += ["--endpoint", "ftp://mirror.example.org"]
    sent: list[str] = []
    monkeypatch.setattr(requests.Session, "request",
                        lambda self, method, url, *a, **k: sent.append(url))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is not a Hub URL" in lines[0] and "Traceback" not in result.output
    assert sent == []  # refused before any request: no retrying, no blaming the Hub


@pytest.mark.parametrize("command", [["stats", "--live"], ["doctor", "--offline"],
                                     ["snapshot", "create"], ["claims"]])
def test_an_endpoint_python_cannot_even_split_is_a_usage_error(monkeypatch, tmp_path,
                                                                command: list[str]) -> None:
    """huggingface_hub parses HF_ENDPOINT when it is imported and fails with a bare ValueError
    on an unclosed IPv6 bracket: the usage error must come first, from every command that
    talks to the Hub (each in a fresh interpreter, so the import really happens)."""
    import subprocess
    import sys

    env = {**os.environ, "HF_ENDPOINT": "http://[::1", "HFEXPLORE_HOME": str(tmp_path),
           "HFEXPLORE_CACHE": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-m", "hfexplore", *command], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "error: HF_ENDPOINT 'http://[::1' is not a Hub URL (it is malformed: Invalid IPv6 URL); "
        "expected something like https://huggingface.co"]


def test_the_readme_says_which_commands_refuse_a_malformed_endpoint(monkeypatch) -> None:
    """A command that never talks to the Hub (a report over the demo) does not read the
    endpoint; the README says so instead of "every command"."""
    from tests.conftest import ROOT

    monkeypatch.setenv("HF_ENDPOINT", "ftp://mirror.example.org")
    assert CliRunner().invoke(cli, ["stats", "--demo", "-f", "json"]).exit_code == 0
    assert CliRunner().invoke(cli, ["stats", "--live"]).exit_code == 2
    readme = " ".join((ROOT / "README.md").read_text("utf-8").split())
    assert ("A malformed endpoint (`HF_ENDPOINT=ftp://...`) is refused at once (exit 2) by every "
            "command that talks to the Hub, before any request") in readme


@pytest.mark.parametrize("how", ["env", "option"])
def test_a_data_or_cache_directory_that_is_a_file_is_a_usage_error(tmp_path, monkeypatch,
                                                                  how: str) -> None:
    """Not an empty list of snapshots and a silent live count: the user named a file."""
    afile = tmp_path / "afile"
    afile.write_text("")
    args = ["snapshot", "list"]
    if how == "env":
        monkeypatch.setenv("HFEXPLORE_HOME", str(afile))
    else:
        args += ["--data-dir", str(afile)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and result.stdout == ""
    if how == "env":
        assert result.stderr.splitlines() == [
            f"error: HFEXPLORE_HOME {str(afile)!r} is not a directory (it is a file); name a "
            "directory, or one to create"]
    else:  # the option's own check (click) says it first
        assert "is a file" in result.stderr
    stats = CliRunner().invoke(cli, ["stats", "--data-dir", str(afile)])
    assert stats.exit_code == 2 and "no snapshot yet" not in stats.stderr
    monkeypatch.setenv("HFEXPLORE_CACHE", str(afile))
    cache = CliRunner().invoke(cli, ["cache", "info"])
    assert cache.exit_code == 2 and f"HFEXPLORE_CACHE {str(afile)!r} is not a directory" \
        in cache.stderr


# -- directories: new ones private, existing ones left as they are (issue 22) -------------------
def test_new_directories_and_their_missing_parents_are_owner_only(tmp_path) -> None:
    from hfexplore.config import private_dir

    tmp_path.chmod(0o755)
    made = private_dir(tmp_path / "new" / "parent" / "leaf")
    assert made == tmp_path / "new" / "parent" / "leaf"
    for directory in (tmp_path / "new", tmp_path / "new" / "parent", made):
        assert oct(directory.stat().st_mode & 0o777) == "0o700", directory
    assert oct(tmp_path.stat().st_mode & 0o777) == "0o755"


@pytest.mark.parametrize("mode", [0o755, 0o555], ids=["755", "555"])
def test_existing_directories_keep_their_permissions(make_hub, tmp_path, monkeypatch,
                                                     mode: int) -> None:
    sim = make_hub(models=300, datasets=50, spaces=20)
    home, cache = tmp_path / "home", tmp_path / "cache"
    (home / "snapshots").mkdir(parents=True)
    cache.mkdir()
    existing = [home / "snapshots", home, cache]
    for directory in existing:
        directory.chmod(mode)
    monkeypatch.setenv("HFEXPLORE_HOME", str(home))
    monkeypatch.setenv("HFEXPLORE_CACHE", str(cache))
    monkeypatch.setenv("HF_ENDPOINT", sim.url)
    try:
        for command in (["snapshot", "create", "--no-progress"],
                        ["snapshot", "prune", "--keep", "1"], ["stats", "--live"],
                        ["cache", "info"]):
            result = CliRunner().invoke(cli, command)
            assert "Traceback" not in result.output
            if result.exit_code != 0:  # a read-only directory, for a user who is not root
                assert mode == 0o555 and os.geteuid() != 0, result.output
                errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
                assert result.exit_code == 1 and len(errors) == 1, result.output
                assert "Permission denied" in errors[0]
            for directory in existing:
                assert oct(directory.stat().st_mode & 0o777) == oct(mode), (command, directory)
    finally:
        for directory in existing:
            directory.chmod(0o755)  # so that the temporary directory can be removed
