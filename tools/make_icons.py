"""Draw the app's PNG icons (the web app manifest's) from static/favicon.svg in Chromium.

Run once after changing the favicon: ``uv run python -m tools.make_icons``. The PNGs are
committed; nothing builds them at deploy time.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "static" / "icons"
CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM", "/usr/bin/chromium")
# The maskable icon is cropped to a circle or a squircle by the launcher: full-bleed
# background, the letter inside the middle 80% (the safe zone).
MASKABLE = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" '
    'fill="#1f4fa8"/><g transform="translate(4.8 4.8) scale(.7)"><path d="M9 23V9h3l8 10V9h3v14h'
    '-3l-8-10v10z" fill="#fde68a"/></g></svg>'
)


def draw(svg: str, size: int, target: Path) -> None:
    data = base64.b64encode(svg.encode()).decode()
    html = (
        "<html><body style='margin:0;background:transparent'>"
        f"<img src='data:image/svg+xml;base64,{data}' width='{size}' height='{size}'>"
        "</body></html>"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": size, "height": size})
        page.set_content(html)
        page.screenshot(path=str(target), omit_background=True)
        browser.close()


def main() -> None:
    ICONS.mkdir(exist_ok=True)
    favicon = (ROOT / "static" / "favicon.svg").read_text()
    for size in (192, 512):
        draw(favicon, size, ICONS / f"icon-{size}.png")
        draw(MASKABLE, size, ICONS / f"maskable-{size}.png")


if __name__ == "__main__":
    main()
