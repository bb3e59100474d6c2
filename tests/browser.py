"""Headless Debian Chromium driven by playwright, with the network blocked."""

from __future__ import annotations

import json
import os
import re
import shutil
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
        self.page.close()


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


def open_map(browser, path: Path, *, width: int = 1280, height: int = 860) -> MapPage:
    page = browser.new_page(viewport={"width": width, "height": height})
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
        if url.startswith(("file:", "data:")):
            request_route.continue_()
        else:
            opened.blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(path.resolve().as_uri())
    page.wait_for_function("window.terreinenMap && window.terreinenMap.ready")
    return opened


def popup_text(opened: MapPage) -> list[str]:
    """The text of each cell of the open popup, exactly (textContent keeps every character)."""
    return opened.js(
        "Array.from(document.querySelectorAll('.leaflet-popup-content .tr-popup-title,"
        " .leaflet-popup-content td, .leaflet-popup-content th,"
        " .leaflet-popup-content .tr-agreement')).map(e => e.textContent)"
    )
