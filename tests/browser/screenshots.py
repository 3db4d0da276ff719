"""``scripts/screenshots``: the main pages of the demo on a 390×844 phone, in English and Chinese,
as PNGs in docs/screenshots/ (shown in the README).

A fresh demo (``flask seed-demo``'s data, seeded at the real now) is served in this process and
each page is opened by Debian's chromium as the member or the organizer who would see it. The
screenshots are what the phone shows first (no scrolling), at one device pixel per CSS pixel,
reduced to a 256-colour palette: a few dozen KB each.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.demo_site import MEMBER, ORGANIZER, demo_site, log_in

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
LANGUAGES = {"en": "en-US", "zh_Hans": "zh-CN"}
#: file name -> (who opens it, the page's name in DemoSite.pages), in the README's order
SHOTS = {
    "home": ("member", "home"),
    "checkin": ("member", "check-in"),
    "challenge": ("member", "challenge"),
    "enrollment": ("member", "enrollment"),
    "statement": ("member", "statement"),
    "wallet": ("member", "wallet"),
    "account": ("member", "account"),
    "community": ("member", "community"),
    "organizer-dashboard": ("organizer", "organizer dashboard"),
}
EMAILS = {"member": MEMBER, "organizer": ORGANIZER}


def small_png(path: Path) -> None:
    """The screenshot as an optimized 256-colour PNG (text stays sharp, the file shrinks ~4×)."""
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    reduced.save(path, optimize=True)


def take(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as folder, demo_site(Path(folder)) as site, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for language, accept in LANGUAGES.items():
                for reader, email in EMAILS.items():
                    site.set_locale(email, language)
                    context = browser.new_context(
                        viewport=PHONE,
                        is_mobile=True,
                        has_touch=True,
                        device_scale_factor=1,
                        locale=accept,
                        base_url=site.url,
                    )
                    page = context.new_page()
                    log_in(page, email)
                    for name, (who, page_name) in SHOTS.items():
                        if who != reader:
                            continue
                        page.goto(site.pages[who][page_name])
                        path = out / f"{name}-{'zh' if language == 'zh_Hans' else language}.png"
                        page.screenshot(path=str(path))
                        small_png(path)
                        written.append(path)
                    context.close()
        finally:
            browser.close()
    return written


def main() -> int:
    for path in take():
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
