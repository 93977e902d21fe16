"""The data-directory lock (store/lock.py). Its refusals are tested with the crawl
(tests/ingest/test_crawl.py); here: who holds it, and that it needs no POSIX-only module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hfexplore.errors import LockedError
from hfexplore.store.lock import data_dir_lock


def test_a_refusal_names_the_holder_and_a_release_lets_the_next_run_in(tmp_path) -> None:
    holder = rf"another hfexplore run \(pid {os.getpid()}\) is writing to"
    with data_dir_lock(tmp_path), pytest.raises(LockedError, match=holder), \
            data_dir_lock(tmp_path):
        pass
    with data_dir_lock(tmp_path):  # released: usable again, its holder record gone
        pass
    assert not (tmp_path / ".lock-holder").exists()


@pytest.mark.subprocess
def test_the_lock_imports_and_works_without_fcntl(tmp_path: Path) -> None:
    """As on Windows: `fcntl` cannot be imported, the `snapshot` commands still load and lock."""
    code = (
        "import sys, pathlib\n"
        "sys.modules['fcntl'] = None  # any `import fcntl` now fails\n"
        "from hfexplore.errors import LockedError\n"
        "from hfexplore.store.lock import data_dir_lock\n"
        "import hfexplore.cli.snapshot\n"
        f"data = pathlib.Path({str(tmp_path)!r})\n"
        "with data_dir_lock(data):\n"
        "    try:\n"
        "        with data_dir_lock(data):\n"
        "            print('taken twice')\n"
        "    except LockedError as exc:\n"
        "        print(exc)\n"
        "with data_dir_lock(data):\n"
        "    print('taken again')\n")
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    refused, again = done.stdout.splitlines()
    assert refused.startswith("another hfexplore run (pid ") and "is writing to" in refused
    assert again == "taken again"
