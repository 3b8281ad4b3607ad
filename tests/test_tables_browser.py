"""The generated HTML pages in a real browser: headless Debian chromium (`apt-get install chromium`).

For each page: it loads with no console error, no failed or outside request; it does not overflow a phone's
width (wide tables scroll in their own box); screenshots at phone width (390px) and A4 width (794px, print
media) are non-empty PNGs; and the table cells read back from the DOM (`--dump-dom`, parsed with html.parser)
are the view model's values.

The DevTools protocol is spoken over `--remote-debugging-pipe` (NUL-separated JSON on fds 3 and 4), so the test
needs nothing beyond the standard library and opens no port.
"""

from __future__ import annotations

import base64
import concurrent.futures
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aidlang.check.pipeline import load
from aidlang.documents import tables
from aidlang.frontend.diagnostics import AidError

ROOT = Path(__file__).resolve().parent.parent
POLICIES = sorted((ROOT / "policies").glob("*.aid"))
ESCAPE = ROOT / "tests" / "cases" / "tables" / "escape.aid"


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--mute-audio", "--hide-scrollbars"]
TIMEOUT = 20.0


# ================================================================ a small DevTools client

class DevToolsError(Exception):
    pass


class Browser:
    """One headless chromium driven over the DevTools pipe; events are kept per session."""

    def __init__(self, binary: str, profile: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_pipe_fds():  # in the child: the protocol reads fd 3 and writes fd 4
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipe_fds, close_fds=False)  # the pipe ends we keep are close-on-exec (PEP 446)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._replies: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self.events: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                for q in list(self._replies.values()):
                    q.put({"error": {"message": "the browser closed the pipe"}})
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        q = self._replies.get(message["id"])
                    if q is not None:
                        q.put(message)
                else:
                    with self._lock:
                        self.events.append(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            self._replies[ident] = q = queue.Queue()
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        try:
            reply = q.get(timeout=TIMEOUT)
        except queue.Empty:
            raise DevToolsError(f"no reply to {method} in {TIMEOUT}s") from None
        finally:
            with self._lock:
                self._replies.pop(ident, None)
        if "error" in reply:
            raise DevToolsError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def wait_for(self, method: str, session: str, since: int) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with self._lock:
                for event in self.events[since:]:
                    if event.get("method") == method and event.get("sessionId") == session:
                        return event
            time.sleep(0.02)
        raise DevToolsError(f"no {method} in {TIMEOUT}s")

    def session_events(self, session: str) -> list[dict]:
        with self._lock:
            return [e for e in self.events if e.get("sessionId") == session]

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (DevToolsError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass


def console_errors(events: list[dict]) -> list[str]:
    problems = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.exceptionThrown":
            problems.append(json.dumps(params.get("exceptionDetails", {}), ensure_ascii=False)[:300])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
            problems.append(json.dumps(params.get("args", []), ensure_ascii=False)[:300])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
            entry = params["entry"]
            problems.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")
        elif method == "Network.loadingFailed":
            problems.append(f"request failed: {params.get('errorText')}")
    return problems


# ================================================================ the pages

def pages(tmp_dir: Path) -> list[tuple[str, Path, tables.PolicyView]]:
    """Every policy that checks, plus the escaping case: (name, written HTML file, its view model)."""
    out = []
    for path in POLICIES + [ESCAPE]:
        try:
            checked = load(path)
        except AidError:
            continue  # tests/test_policies.py reports it
        view = tables.build_view(checked)
        page = tmp_dir / f"{path.stem}.html"
        page.write_text(tables.render_view(view, "html"), encoding="utf-8")
        out.append((path.stem, page, view))
    return out


class TableCells(HTMLParser):
    """Every <table>: its header rows and body rows, each a list of cell texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.part = None
        self.cell: list[str] | None = None
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        elif tag == "table":
            self.tables.append({"head": [], "body": []})
        elif tag in ("thead", "tbody"):
            self.part = "head" if tag == "thead" else "body"
        elif tag == "tr" and self.part:
            self.tables[-1][self.part].append([])
        elif tag in ("th", "td") and self.part:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.tables[-1][self.part][-1].append("".join(self.cell))
            self.cell = None
        elif tag in ("thead", "tbody"):
            self.part = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def expected_tables(view: tables.PolicyView) -> list[dict]:
    out = []
    for section in view.sections:
        for table in section.tables:
            out.append({
                "head": [[h.text for h in head_row] for head_row in table.head],
                "body": [[row.shown_label] + [c.display for c in row.cells] for row in table.rows],
            })
    return out


def dump_dom(page: Path, profile: Path) -> str:
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, timeout=60, check=True)
    return result.stdout.decode("utf-8")


def test_generated_pages_in_chromium(tmp_path):
    started = time.monotonic()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    written = pages(tmp_path)
    assert written, "no policy checks: nothing to load"

    # the DOMs, read back by separate headless runs while the DevTools session works
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        doms = {name: pool.submit(dump_dom, page, tmp_path / f"profile-dom-{name}") for name, page, _ in written}

        browser = Browser(CHROMIUM, tmp_path / "profile")
        try:
            for name, page, _ in written:
                target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
                session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
                for domain in ("Runtime", "Log", "Page", "Network"):
                    browser.send(f"{domain}.enable", session=session)
                browser.send("Emulation.setDeviceMetricsOverride",
                             {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}, session)
                mark = len(browser.events)
                browser.send("Page.navigate", {"url": page.as_uri()}, session)
                browser.wait_for("Page.loadEventFired", session, mark)

                width = browser.send("Runtime.evaluate", {
                    "expression": "document.documentElement.scrollWidth", "returnByValue": True}, session)
                assert width["result"]["value"] <= 390, f"{name}: the page is wider than a phone"
                phone = browser.send("Page.captureScreenshot",
                                     {"format": "png", "captureBeyondViewport": True}, session)

                browser.send("Emulation.setDeviceMetricsOverride",
                             {"width": 794, "height": 1123, "deviceScaleFactor": 1, "mobile": False}, session)
                browser.send("Emulation.setEmulatedMedia", {"media": "print"}, session)
                a4 = browser.send("Page.captureScreenshot",
                                  {"format": "png", "captureBeyondViewport": True}, session)
                for label, shot in (("390", phone), ("a4", a4)):
                    png = base64.b64decode(shot["data"])
                    out = shots / f"{name}-{label}.png"
                    out.write_bytes(png)
                    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000, out

                events = browser.session_events(session)
                assert console_errors(events) == [], f"{name}: console errors"
                urls = {e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"}
                assert urls <= {page.as_uri()}, f"{name} fetched something else: {sorted(urls)}"
                browser.send("Target.closeTarget", {"targetId": target})
        finally:
            browser.close()

        for name, _, view in written:
            parser = TableCells()
            parser.feed(doms[name].result())
            assert parser.scripts == 0, f"{name}: a <script> element reached the DOM"
            assert parser.tables == expected_tables(view), f"{name}: the table cells differ from the view model"

    assert time.monotonic() - started < 90, "the browser test is too slow"


def test_escaped_text_reads_back_literally_from_the_dom(tmp_path):
    view = tables.build_view(load(ESCAPE))
    page = tmp_path / "escape.html"
    page.write_text(tables.render_view(view, "html"), encoding="utf-8")
    parser = TableCells()
    parser.feed(dump_dom(page, tmp_path / "profile"))
    assert parser.scripts == 0
    labels = [row[0] for t in parser.tables for row in t["body"]]
    assert "<script>alert(1)</script>" in labels and "乙类 | 管道" in labels
