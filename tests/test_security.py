"""Secrets never reach disk or logs; directories are private."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from hfexplore.cli import cli

TOKEN = "hf_SeCrEtToKeN0123456789abcdefXYZ"


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def test_a_token_is_never_written_or_logged(make_hub, tmp_path) -> None:
    sim = make_hub(models=3_000, datasets=500, spaces=200)
    cache, data, export = tmp_path / "cache", tmp_path / "data", tmp_path / "export"
    env = {**os.environ, "HF_TOKEN": TOKEN, "HF_ENDPOINT": sim.url,
           "HFEXPLORE_CACHE": str(cache), "HFEXPLORE_HOME": str(data),
           "HF_HUB_DISABLE_TELEMETRY": "1"}
    commands = [
        ["stats", "--live"],
        ["snapshot", "create", "--export", str(export), "--export-format", "parquet,csv,jsonl",
         "--no-progress"],
        ["claims", "-f", "json"],
        ["licenses", "-f", "csv"],
    ]
    logs = b""
    for command in commands:
        done = subprocess.run([sys.executable, "-m", "hfexplore", "--debug", *command], env=env,
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        logs += done.stdout + done.stderr
    assert b"GET " in logs  # --debug did log the HTTP traffic...
    assert TOKEN.encode() not in logs  # ...but never the token or its header
    assert b"authorization" not in logs.lower()
    written = files_under(cache, data, export)
    assert len(written) > 10
    for path in written:
        assert TOKEN.encode() not in path.read_bytes(), path
        assert TOKEN not in str(path)
    for directory in (cache, data, data / "snapshots"):
        assert oct(directory.stat().st_mode & 0o777) == "0o700", directory


def test_terminal_output_is_inert(make_hub, tmp_path) -> None:
    from hfexplore.hub import HubClient, Transport
    from hfexplore.ingest.crawl import create_snapshot
    from tests.hubsim import RecordedCatalog, SyntheticCatalog

    items = [{"_id": "66a000000000000000000001", "id": "evil/\x1b[2J\x1b]0;pwned\x07model",
              "author": "\x1b[31mred\x1b[0m", "tags": ["license:mit"], "likes": 1,
              "downloads": 1, "createdAt": "2024-01-01T00:00:00.000Z",
              "cardData": {"license": "mit", "description": "<script>x</script>"}}]
    catalogs = {"model": RecordedCatalog.from_items("model", items),
                "dataset": SyntheticCatalog("dataset", 1), "space": SyntheticCatalog("space", 1)}
    sim = make_hub(catalogs=catalogs)
    create_snapshot(HubClient(Transport(sim.url)), tmp_path, ["model"])
    result = CliRunner().invoke(cli, ["authors", "--data-dir", str(tmp_path), "-f", "table"])
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "red" in result.stdout
