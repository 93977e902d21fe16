"""Every path a user names for output follows one policy (issue 22): a path that exists and is
not a regular file (device, FIFO, socket, directory) is refused with one line and exit 1, and a
symlink is followed, its target replaced atomically, the link left a link."""

from __future__ import annotations

import os
import shutil
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from hfexplore.cli import cli
from hfexplore.store.snapshot import demo_snapshot


def report_args(target: Path) -> list[str]:
    return ["report", "--demo", "--top", "3", "--html", str(target)]


def growth_args(target: Path) -> list[str]:
    return ["growth", "--demo", "--plot", str(target), "-f", "csv"]


def history_args(target: Path) -> list[str]:
    data_dir = target.parent.parent / "data"
    if not data_dir.exists():
        demo = demo_snapshot()
        shutil.copytree(demo.path, data_dir / "snapshots" / demo.name)
    return ["history", "--data-dir", str(data_dir), "--plot", str(target), "-f", "csv"]


WRITERS = {"report --html": report_args, "growth --plot": growth_args,
           "history --plot": history_args}
# What each writer puts in a file: an HTML page or a PNG image.
STARTS = {"report --html": b"<!DOCTYPE html>", "growth --plot": b"\x89PNG",
          "history --plot": b"\x89PNG"}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    (tmp_path / "out").mkdir()
    return tmp_path / "out"


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_directory(path: Path) -> None:
    path.mkdir()


def make_char_device(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    null = os.stat("/dev/null").st_rdev
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(os.major(null), os.minor(null)))


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    yield opened
    for sock in opened:
        sock.close()


def make_link_to_fifo(path: Path) -> None:
    os.mkfifo(path.with_name("real-fifo"))
    path.symlink_to("real-fifo")


NODES: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (make_fifo, "a FIFO"),
    "directory": (make_directory, "a directory"),
    "character device": (make_char_device, "a character device"),
    "symlink to a fifo": (make_link_to_fifo, "a FIFO"),
}


def node_kind(path: Path) -> int:
    return stat.S_IFMT(os.lstat(path).st_mode)


def one_refusal(result, target: Path, kind: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: refusing to write {target}")
    assert f"it is {kind}" in lines[0] and "not a regular file" in lines[0]


@pytest.mark.parametrize("node", list(NODES))
@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_path_that_is_not_a_regular_file_is_refused(out: Path, writer: str,
                                                      node: str) -> None:
    make, kind = NODES[node]
    target = out / "output.png"
    make(target)
    before = sorted(p.name for p in out.iterdir())
    kind_before = node_kind(target)
    result = CliRunner().invoke(cli, WRITERS[writer](target))
    one_refusal(result, target, kind)
    assert node_kind(target) == kind_before  # still the FIFO, directory, device or link
    assert sorted(p.name for p in out.iterdir()) == before  # and no temporary file left


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_socket_is_refused(out: Path, writer: str, sockets: list[socket.socket]) -> None:
    target = out / "output.png"
    if len(os.fsencode(target)) >= 100:
        pytest.skip("the temporary path is too long for a unix socket")
    sock = socket.socket(socket.AF_UNIX)
    sockets.append(sock)
    sock.bind(str(target))
    result = CliRunner().invoke(cli, WRITERS[writer](target))
    one_refusal(result, target, "a socket")
    assert stat.S_ISSOCK(os.lstat(target).st_mode)


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_symlink_stays_a_link_and_its_target_is_replaced(out: Path, tmp_path: Path,
                                                           writer: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = elsewhere / "real.png"
    real.write_bytes(b"old content")
    real.chmod(0o640)
    link = out / "link.png"
    link.symlink_to(real)
    result = CliRunner().invoke(cli, WRITERS[writer](link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes().startswith(STARTS[writer])
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the replaced file keeps its mode
    assert sorted(p.name for p in out.iterdir()) == ["link.png"]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["real.png"]  # no temporary left


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_regular_file_is_replaced_whole(out: Path, writer: str) -> None:
    target = out / "output.png"
    target.write_bytes(b"old content")
    result = CliRunner().invoke(cli, WRITERS[writer](target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(STARTS[writer])
    assert sorted(p.name for p in out.iterdir()) == ["output.png"]


def test_an_export_directory_that_is_a_fifo_is_refused(make_hub, tmp_path: Path) -> None:
    sim = make_hub(models=50, datasets=10, spaces=10)
    fifo = tmp_path / "export"
    os.mkfifo(fifo)
    result = CliRunner().invoke(cli, ["snapshot", "create", "--endpoint", sim.url,
                                      "--data-dir", str(tmp_path / "data"), "--no-cache",
                                      "--no-progress", "--export", str(fifo)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot write the export to {fifo}")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
