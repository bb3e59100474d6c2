"""Headless Debian Chromium driven by playwright, with the network blocked."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip where Chromium is missing on a developer's machine; CI installs it, so fail there."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip("Debian chromium is not installed")


@dataclass
class MapPage:
    """A map opened from a file, with what went wrong on the way."""

    page: object
    errors: list[str] = field(default_factory=list)  # script errors, failed own resources
    blocked: list[str] = field(default_factory=list)  # requests to the network, refused
    dialogs: list[str] = field(default_factory=list)  # alert(), confirm(): must stay empty

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def close(self) -> None:
        self.page.context.close()


def axe_violations(opened: MapPage) -> list[dict]:
    """axe-core's violations of every impact on the open page, run offline (the axe.min.js
    that PyPI's axe-playwright-python ships, a test extra like playwright itself)."""
    import axe_playwright_python

    axe = Path(axe_playwright_python.__file__).parent / "axe.min.js"
    opened.page.evaluate(axe.read_text(encoding="utf-8"))
    result = opened.page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


def page_data(page_text: str) -> dict:
    """The data block of a saved map, as the page's JSON.parse reads it."""
    match = re.search(
        r'<script type="application/json" id="tr-data">(.*?)</script>', page_text, re.S
    )
    assert match, "the page has no data block"
    return json.loads(match.group(1))


def open_map(
    browser,
    path: Path | str,
    *,
    width: int = 1280,
    height: int = 860,
    script: bool = True,
    ready: bool = True,
) -> MapPage:
    """A map from a file, or from an address of :func:`serve` (a ``str``), once its script
    has run (``ready=False``: once it loaded); ``script=False`` opens it as a browser that
    runs no script does."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, java_script_enabled=script
    )
    page = context.new_page()
    opened = MapPage(page)
    page.on("pageerror", lambda exc: opened.errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and "net::ERR_FAILED" not in msg.text  # the blocked base tiles
            and opened.errors.append(f"console: {msg.text}")
        ),
    )
    page.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file:", "data:", LOCAL)):
            request_route.continue_()
        else:
            opened.blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(path if isinstance(path, str) else path.resolve().as_uri())
    if script and ready:
        page.wait_for_function("window.terreinenMap && window.terreinenMap.ready")
    return opened


LOCAL = "http://127.0.0.1:"


@contextmanager
def serve(folder: Path, policy: str):
    """``folder`` over HTTP on 127.0.0.1, every response with the Content-Security-Policy
    ``policy``: the address of the folder."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def end_headers(self):
            self.send_header("Content-Security-Policy", policy)
            super().end_headers()

        def log_message(self, *args):  # quiet: the test reports what matters
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{LOCAL}{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def popup_text(opened: MapPage) -> list[str]:
    """The text of each cell of the open popup, exactly (textContent keeps every character)."""
    return opened.js(
        "Array.from(document.querySelectorAll('.leaflet-popup-content .tr-popup-title,"
        " .leaflet-popup-content td, .leaflet-popup-content th,"
        " .leaflet-popup-content .tr-agreement')).map(e => e.textContent)"
    )
