"""Context on the map without tiles: municipality names that cover neither each other nor
the parks' circles, short labels, a size key, the legend in sight (issue 23, item 2)."""

from __future__ import annotations

import math

import pytest
from browser import open_map
from test_maps import AS_OF

from terreinen.maps import municipality_map, save_map


@pytest.fixture
def province_file(overview_file):
    return overview_file  # conftest's, made once per worker


def _boxes(opened) -> tuple[list[list[float]], list[list[float]], list[str]]:
    """The shown labels' and the circles' boxes (in the map's own pixels), the labels' text."""
    labels = opened.js(
        """() => { const map = terreinenMap.map.getContainer().getBoundingClientRect();
        return Array.from(document.querySelectorAll('.tr-label'))
          .filter(e => getComputedStyle(e).visibility !== 'hidden')
          .map(e => { const r = e.getBoundingClientRect();
            return [r.left - map.left, r.top - map.top, r.right - map.left, r.bottom - map.top,
                    e.textContent]; }); }"""
    )
    circles = [
        [s["x"] - s["radius"], s["y"] - s["radius"], s["x"] + s["radius"], s["y"] + s["radius"]]
        for s in opened.js("terreinenMap.parkSymbols()")
    ]
    return [b[:4] for b in labels], circles, [b[4] for b in labels]


def _overlap(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) + 0.5 and min(a[3], b[3]) > max(a[1], b[1]) + 0.5


@pytest.mark.parametrize("width", [1280, 375])
def test_labels_cover_neither_each_other_nor_circles(browser, province_file, embedded, width):
    opened = open_map(browser, province_file, width=width, height=800)
    for municipal_layer in (False, True):
        if municipal_layer:
            opened.page.locator("#tr-layers input[type=checkbox]").check()
        labels, circles, texts = _boxes(opened)
        assert len(labels) >= embedded["gemeente"].nunique() // 2  # most are placed
        assert set(texts) <= set(embedded["gemeente"])  # short: the name only
        for i, a in enumerate(labels):
            assert not any(_overlap(a, b) for b in labels[i + 1 :]), texts[i]
            assert not any(_overlap(a, c) for c in circles), texts[i]
    assert opened.errors == []
    opened.close()


def test_size_key_and_legend_in_sight(browser, province_file, embedded):
    opened = open_map(browser, province_file, width=1280, height=800)
    legend = opened.js(
        "(() => { const r = document.querySelector('#tr-legend-title').getBoundingClientRect();"
        " return [r.top, r.bottom]; })()"
    )
    assert legend[0] >= 0 and legend[1] <= 800 // 2  # the legend starts in the upper half
    key = opened.js(
        "Array.from(document.querySelectorAll('.tr-size-key .tr-legend-row'))"
        ".map(r => [r.textContent, r.querySelector('.tr-size-circle').getBoundingClientRect().width])"
    )
    assert [k[0] for k in key] == ["10 ha", "50 ha"]
    # drawn to the map's scale: the area of a circle follows the hectares
    unsold = embedded[
        embedded["status"].isin(["terstond_uitgeefbaar", "niet_terstond_uitgeefbaar", "optie"])
    ]
    largest = unsold.groupby(["gemeente", "terrein"])["oppervlakte_ha"].sum().max()
    assert largest >= 50
    for text, width in key:
        hectares = float(text.split()[0])
        assert width == pytest.approx(2 * 24 * math.sqrt(hectares / largest), abs=0.6)
    opened.page.set_viewport_size({"width": 375, "height": 800})
    opened.page.locator("#tr-legend").scroll_into_view_if_needed()
    assert opened.page.locator("#tr-legend").is_visible()
    opened.close()


def test_park_names_at_municipality_zoom(browser, tmp_path, embedded):
    path = save_map(municipality_map(embedded, "Hardenberg", as_of=AS_OF), tmp_path / "h.html")
    opened = open_map(browser, path, width=1280, height=800)
    opened.js("void terreinenMap.map.setZoom(11.5, {animate: false})")  # parks, not parcels
    boxes = opened.js(
        """() => { const map = terreinenMap.map.getContainer().getBoundingClientRect();
        return Array.from(document.querySelectorAll('.tr-park-label'))
          .filter(e => getComputedStyle(e).visibility !== 'hidden')
          .map(e => { const r = e.getBoundingClientRect();
            return [r.left - map.left, r.top - map.top, r.right - map.left, r.bottom - map.top,
                    e.textContent]; }); }"""
    )
    shapes = opened.js("terreinenMap.parkShapeBoxes()")
    assert len(shapes) == embedded.loc[embedded["gemeente"] == "Hardenberg", "terrein"].nunique()
    names = set(embedded.loc[embedded["gemeente"] == "Hardenberg", "terrein"])
    assert boxes and {b[4] for b in boxes} <= names
    for i, a in enumerate(boxes):
        assert not any(_overlap(a, b) for b in boxes[i + 1 :]), a[4]
        assert not any(_overlap(a, s) for s in shapes), a[4]  # the parks stay in sight
    assert opened.js("document.querySelectorAll('.tr-label:not(.tr-park-label)').length") == 0
    assert opened.errors == []
    opened.close()
