"""The HTML report in a real browser: Debian's headless Chromium driven by playwright.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``) and the ``playwright`` Python package; the
browsers ``playwright install`` would download are not used. Set ``REPORT_SCREENSHOT=/path.png`` to
keep a copy of the full-page screenshot.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import reports

CHROMIUM = Path("/usr/bin/chromium")
FIXTURE = Path(__file__).parent / "fixtures" / "diagnosis_example.json"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def page_report(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    out = tmp_path_factory.mktemp("browser")
    paths = reports.render(json.loads(FIXTURE.read_text()), out / "report")
    problems: list[str] = []
    with sync_api.sync_playwright() as pw:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(paths["html"].as_uri(), wait_until="load")
            widths = page.evaluate("Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])")
            shot = out / "report_screenshot.png"
            page.screenshot(path=str(shot), full_page=True)
            page.emulate_media(media="print")
            toc_in_print = page.is_visible("nav.toc")
        finally:
            browser.close()
    if os.environ.get("REPORT_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["REPORT_SCREENSHOT"])
    return {"paths": paths, "problems": problems, "requests": requests, "widths": widths, "shot": shot,
            "toc_in_print": toc_in_print}


def test_page_loads_without_console_errors_or_failed_requests(page_report):
    assert page_report["problems"] == []


def test_page_requests_nothing_but_itself(page_report):
    own = page_report["paths"]["html"].as_uri()
    assert [u for u in page_report["requests"] if u != own and not u.startswith("data:")] == []


def test_every_image_decodes_with_a_positive_width(page_report):
    widths = page_report["widths"]
    assert len(widths) == len(page_report["paths"]["figures"])
    assert all(complete and width > 0 for _, complete, width in widths), widths


def test_full_page_screenshot_is_taller_than_the_window(page_report):
    from PIL import Image

    with Image.open(page_report["shot"]) as im:
        width, height = im.size
    assert width == 1280 and height > 900


def test_print_layout_hides_the_navigation(page_report):
    assert page_report["toc_in_print"] is False
