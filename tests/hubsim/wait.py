"""Wait until a stand-in Hub answers (for scripts that start one in the background).

    python -m tests.hubsim --port 8765 --models 200000 &
    python -m tests.hubsim.wait http://127.0.0.1:8765 [--timeout 300]

Exits 0 once `GET /api/models?limit=1` answers, 1 if the timeout passes first.
"""

from __future__ import annotations

import argparse
import sys
import time

import requests


def wait(url: str, timeout: float, *, clock=time.monotonic, sleep=time.sleep) -> bool:
    deadline = clock() + timeout
    while True:
        try:
            if requests.get(f"{url.rstrip('/')}/api/models?limit=1", timeout=5).ok:
                return True
        except requests.RequestException:
            pass
        if clock() >= deadline:
            return False
        sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.hubsim.wait", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    if wait(args.url, args.timeout):
        print(f"stand-in Hub at {args.url} is ready", file=sys.stderr)
        return 0
    print(f"no stand-in Hub answered at {args.url} within {args.timeout:g}s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
