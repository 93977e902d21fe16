"""The demo report in a real browser: headless Chromium over the DevTools protocol.

Skips with a reason where Debian's `chromium` is not installed (`.ci/run` installs it when it
can: `apt-get install chromium`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hfexplore.page.gather import build_report_page
from hfexplore.page.html import CHART_TITLES, write_html
from hfexplore.store.snapshot import demo_snapshot
from tests.page.chromium import Chromium, find_chromium

CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (Debian: "
                       "apt-get install chromium); the browser check needs a real browser"),
    pytest.mark.xdist_group("chromium"),  # one browser at a time on a 2-core machine
]

CHART_BOXES = """
[...document.querySelectorAll('svg.chart-svg')].map(svg => {
  const box = svg.getBoundingClientRect();
  return {title: svg.querySelector('title').textContent, left: box.left, right: box.right,
          width: box.width, height: box.height, shapes: svg.querySelectorAll('path').length,
          labels: svg.querySelectorAll('text').length,
          visible: getComputedStyle(svg).visibility === 'visible' &&
                   getComputedStyle(svg).display !== 'none'};
})
"""
PAGE_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> Path:
    page = build_report_page(demo_snapshot(), clock=lambda: datetime(2026, 11, 22, tzinfo=UTC))
    return write_html(page, tmp_path_factory.mktemp("report") / "demo.html")


@pytest.mark.parametrize(("name", "width", "height"),
                         [("desktop", 1100, 900), ("phone", 390, 844)])
def test_demo_report_in_chromium(demo_report: Path, tmp_path: Path, name: str, width: int,
                                 height: int) -> None:
    assert CHROMIUM is not None
    with Chromium(CHROMIUM, tmp_path / "profile") as browser:
        browser.open(demo_report.as_uri(), width, height)
        boxes = browser.evaluate(CHART_BOXES)
        scroll_width, inner_width = browser.evaluate(PAGE_WIDTH)
        shot = tmp_path / f"report-{name}.png"
        size = browser.screenshot(shot)
        errors = browser.console_errors()
        requests = browser.requested_urls()

    assert errors == [], errors
    assert requests == [demo_report.as_uri()], "the page must load nothing but itself"
    assert sorted(b["title"] for b in boxes) == sorted(CHART_TITLES.values())
    for box in boxes:
        assert box["visible"] and box["width"] > 200 and box["height"] > 100, box
        assert box["shapes"] > 5 and box["labels"] > 3, box
        assert box["left"] >= 0 and box["right"] <= inner_width, box
    assert scroll_width <= inner_width, "nothing may stick out sideways"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    assert size[0] == width and size[1] > height


def test_the_browser_check_sees_requests_and_errors(tmp_path: Path) -> None:
    """The checks above can fail: a page that loads something and logs an error is caught."""
    assert CHROMIUM is not None
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png" alt="">'
                   '<script>console.error("boom")</script></body></html>')
    with Chromium(CHROMIUM, tmp_path / "profile") as browser:
        browser.open(bad.as_uri(), 800, 600)
        errors = browser.console_errors()
        requests = browser.requested_urls()
    assert "http://127.0.0.1:9/x.png" in requests
    assert "boom" in errors
