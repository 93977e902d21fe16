"""Headless Chromium driven over the DevTools protocol, for the HTML report's browser test.

Why this and not Playwright or Selenium: Playwright downloads a browser build of its own (not
possible here, and not the Debian `chromium` the issue asks for); Selenium needs a matching
chromedriver. Chromium itself speaks the DevTools protocol over a websocket, and
`websocket-client` is all it takes: one connection to the browser, a flattened session on one
page target, commands matched to replies by id, events kept in order. No sleeps: the port is
read from Chromium's own "DevTools listening on" line, and the page from `Page.loadEventFired`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import websocket

TIMEOUT = 60.0  # a guard against a hung browser, never a synchronisation point
_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")


def find_chromium() -> str | None:
    """The Chromium binary: Debian's real one behind its wrapper script when present."""
    for candidate in ("/usr/lib/chromium/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class Chromium:
    """A headless Chromium with one page; `with Chromium(binary, profile) as page: ...`."""

    def __init__(self, binary: str, profile: Path):
        self.binary = binary
        self.profile = profile
        self.events: list[dict[str, Any]] = []
        self._next_id = 0
        self._session = ""
        self._process: subprocess.Popen[bytes] | None = None
        self.stderr: list[bytes] = []
        self._drainer: threading.Thread | None = None
        self._socket: websocket.WebSocket | None = None

    def __enter__(self) -> Chromium:
        self._process = subprocess.Popen(
            [self.binary, "--headless", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--mute-audio", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        try:
            self._socket = websocket.create_connection(self._devtools_url(), timeout=TIMEOUT,
                                                       suppress_origin=True)
            target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self.send("Target.attachToTarget",
                                      {"targetId": target, "flatten": True})["sessionId"]
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _devtools_url(self) -> str:
        """Read stderr until Chromium says where its DevTools endpoint listens."""
        assert self._process is not None and self._process.stderr is not None
        stream = self._process.stderr.fileno()
        selector = selectors.DefaultSelector()
        selector.register(stream, selectors.EVENT_READ)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            chunk = os.read(stream, 65536)
            if not chunk:
                break
            self.stderr.append(chunk)
            match = _LISTENING.search(b"".join(self.stderr).decode("utf-8", "replace"))
            if match:
                # Keep draining stderr so a chatty browser never blocks on a full pipe.
                self._drainer = threading.Thread(target=self._drain, args=(stream,),
                                                 daemon=True)
                self._drainer.start()
                return match.group(1)
        text = b"".join(self.stderr).decode("utf-8", "replace")
        raise RuntimeError(f"chromium did not start its DevTools endpoint:\n{text[-3000:]}")

    def _drain(self, stream: int) -> None:
        try:
            while chunk := os.read(stream, 65536):
                self.stderr.append(chunk)
        except OSError:  # closed at shutdown
            pass

    def close(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(Exception):  # already gone: nothing to close
                self.send("Browser.close", session=False)
            self._socket.close()
            self._socket = None
        if self._process is not None:
            try:
                self._process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)  # the group this test started
                self._process.wait()
            if self._drainer is not None:
                self._drainer.join(timeout=TIMEOUT)  # ends at EOF, once the browser is gone
            if self._process.stderr:
                self._process.stderr.close()
            self._process = None

    # -- the protocol --------------------------------------------------------------------------
    def send(self, method: str, params: dict[str, Any] | None = None, *,
             session: bool = True) -> dict[str, Any]:
        """Send a command and return its result; events arriving meanwhile are kept."""
        assert self._socket is not None
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session and self._session:
            message["sessionId"] = self._session
        self._socket.send(json.dumps(message))
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    def wait_for(self, method: str) -> dict[str, Any]:
        """Block until the page sends event `method` (or one already arrived)."""
        for event in self.events:
            if event["method"] == method:
                return event
        while True:
            message = self._receive()
            if message.get("method") == method:
                return message

    def _receive(self) -> dict[str, Any]:
        assert self._socket is not None
        message = json.loads(self._socket.recv())
        if "method" in message:
            self.events.append(message)
        return dict(message)

    # -- what the test needs -------------------------------------------------------------------
    def open(self, url: str, width: int, height: int) -> None:
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1,
                   "mobile": width < 600})
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors (CSP, failed loads)."""
        errors = []
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.consoleAPICalled" and params.get("type") == "error":
                errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                       for a in params.get("args", [])))
            elif event["method"] == "Runtime.exceptionThrown":
                errors.append(str(params.get("exceptionDetails", {}).get("text")))
            elif event["method"] == "Log.entryAdded" and \
                    params.get("entry", {}).get("level") == "error":
                errors.append(str(params["entry"].get("text")))
        return errors

    def requested_urls(self) -> list[str]:
        return [event["params"]["request"]["url"] for event in self.events
                if event["method"] == "Network.requestWillBeSent"]

    def screenshot(self, path: Path) -> tuple[int, int]:
        """A full-page PNG; returns its CSS size (width, height)."""
        metrics = self.send("Page.getLayoutMetrics")["cssContentSize"]
        width, height = int(metrics["width"]), int(metrics["height"])
        data = self.send("Page.captureScreenshot",
                         {"format": "png", "captureBeyondViewport": True,
                          "clip": {"x": 0, "y": 0, "width": width, "height": height,
                                   "scale": 1}})["data"]
        path.write_bytes(base64.b64decode(data))
        return width, height
