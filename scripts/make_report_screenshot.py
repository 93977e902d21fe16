"""Screenshot the demo HTML report for the README (docs/report-demo.png).

Renders `hfexplore report --demo` in headless Chromium (the same DevTools driver as the browser
test), captures the top of the page at a desktop width, and reduces the PNG to a small palette.
Run from the project root: python scripts/make_report_screenshot.py [OUT.png] [--phone]
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.formats.chromium import Chromium, find_chromium  # noqa: E402

from hfexplore.page.gather import build_report_page  # noqa: E402
from hfexplore.page.html import write_html  # noqa: E402
from hfexplore.store.snapshot import demo_snapshot  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    phone = "--phone" in sys.argv
    out = Path(args[0]) if args else ROOT / "docs" / "report-demo.png"
    width, height = (390, 1500) if phone else (960, 1900)
    binary = find_chromium()
    if binary is None:
        sys.exit("needs chromium (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as work:
        report = write_html(build_report_page(demo_snapshot()), Path(work) / "demo.html")
        with Chromium(binary, Path(work) / "profile") as browser:
            browser.open(report.as_uri(), width, height)
            full = Path(work) / "full.png"
            browser.screenshot(full)
        image = Image.open(full).convert("RGB").crop((0, 0, width, height))
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    print(f"wrote {out} ({len(buffer.getvalue()) // 1024} KB, {width}x{height})")


if __name__ == "__main__":
    main()
