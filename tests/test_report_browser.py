"""The HTML report in a real browser: Debian's headless Chromium, driven over the DevTools protocol.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run`` installs it) and nothing else:
the test speaks the Chrome DevTools Protocol over ``--remote-debugging-pipe`` (JSON messages ended by
a NUL byte on file descriptors 3 and 4), so no Python browser driver and no downloaded browser is
needed. Set ``REPORT_SCREENSHOT=/path.png`` to keep a copy of the full-page screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from signal_diagnostics import reports

CHROMIUM = Path("/usr/bin/chromium")
FIXTURE = Path(__file__).parent / "fixtures" / "diagnosis_example.json"
EVIL = "<script>alert(1)</script>"
VIEWPORT = (1280, 900)  # a laptop screen: the answers and the recommendations must start on it
TIMEOUT_S = 60

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


class DevTools:
    """A headless Chromium and a minimal DevTools-protocol client over ``--remote-debugging-pipe``."""

    def __init__(self, executable: Path, profile: Path):
        to_browser_r, self._w = os.pipe()
        self._r, from_browser_w = os.pipe()

        def fds_3_and_4():  # in the child: the browser reads commands on fd 3, writes replies on fd 4
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        # --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start
        args = [
            str(executable),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            args, pass_fds=(3, 4), preexec_fn=fds_3_and_4, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            if select.select([self._r], [], [], left)[0]:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise EOFError(f"chromium closed the pipe (exit code {self.proc.poll()})")
                self._buf += chunk
        message, _, self._buf = self._buf.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, *, browser: bool = False) -> dict:
        """Send one command (to the page's session unless ``browser``) and return its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not browser:
            message["sessionId"] = self.session
        os.write(self._w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        deadline = time.monotonic() + TIMEOUT_S
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open_page(self, width: int, height: int) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, browser=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def close(self) -> None:
        try:
            self.send("Browser.close", browser=True)
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        os.close(self._r)


def _problems(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions, failed loads, error log entries and dialogs, as text."""
    out = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            out.append(f"console {params['type']}: {[a.get('value') for a in params.get('args', [])]}")
        elif method == "Runtime.exceptionThrown":
            out.append(f"page error: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            out.append(f"log error: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Network.loadingFailed":
            out.append(f"request failed: {params.get('errorText')}")
        elif method == "Page.javascriptDialogOpening":
            out.append(f"dialog opened: {params.get('message')}")
    return out


@pytest.fixture(scope="module")
def page_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    paths = reports.render(json.loads(FIXTURE.read_text()), out / "report")
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    browser = DevTools(CHROMIUM, profile)
    try:
        browser.open_page(*VIEWPORT)
        browser.send("Page.navigate", {"url": paths["html"].as_uri()})
        browser.wait_for("Page.loadEventFired")
        images = browser.evaluate("Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])")
        scripts = browser.evaluate("document.scripts.length")
        text = browser.evaluate("document.body.innerText")
        tops = browser.evaluate(
            "Object.fromEntries(['answer-signal', 'answer-where', 'recommendations']"
            ".map(id => [id, document.getElementById(id).getBoundingClientRect().top]))"
        )
        height = browser.evaluate("document.documentElement.scrollHeight")
        shot = out / "report_screenshot.png"
        png = browser.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": VIEWPORT[0], "height": height, "scale": 1},
            },
        )
        shot.write_bytes(base64.b64decode(png["data"]))
        browser.send("Emulation.setEmulatedMedia", {"media": "print"})
        toc_display_in_print = browser.evaluate("getComputedStyle(document.querySelector('nav.toc')).display")
        requests = [
            e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"
        ]
        problems = _problems(browser.events)
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    if os.environ.get("REPORT_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["REPORT_SCREENSHOT"])
    return {
        "paths": paths,
        "problems": problems,
        "requests": requests,
        "images": images,
        "shot": shot,
        "scripts": scripts,
        "text": text,
        "tops": tops,
        "toc_display_in_print": toc_display_in_print,
    }


def test_page_loads_without_console_errors_failed_requests_or_dialogs(page_report):
    assert page_report["problems"] == []


def test_page_requests_nothing_but_itself(page_report):
    own = page_report["paths"]["html"].as_uri()
    assert page_report["requests"], "the page itself was not requested"
    assert [u for u in page_report["requests"] if u != own and not u.startswith("data:")] == []


def test_every_image_decodes_with_a_positive_width(page_report):
    images = page_report["images"]
    assert len(images) == len(page_report["paths"]["figures"])
    assert all(complete and width > 0 for _, complete, width in images), images


def test_the_hostile_class_label_shows_as_text_and_runs_nothing(page_report):
    assert page_report["scripts"] == 0
    assert EVIL in page_report["text"]


def test_the_first_screen_holds_every_answer_and_the_start_of_the_recommendations(page_report):
    tops = page_report["tops"]
    assert tops["answer-signal"] < tops["answer-where"] < tops["recommendations"] < VIEWPORT[1]


def test_full_page_screenshot_is_taller_than_the_window(page_report):
    from PIL import Image

    with Image.open(page_report["shot"]) as im:
        width, height = im.size
    assert width == VIEWPORT[0] and height > VIEWPORT[1]


def test_print_layout_hides_the_navigation(page_report):
    assert page_report["toc_display_in_print"] == "none"
