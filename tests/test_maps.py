"""terreinen.maps: the exported overview in a real headless browser, offline, and safe."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from browser import open_map, require_chromium
from conftest import DATA, frame, parcel, rect

from terreinen import TerreinenError, read_parcels
from terreinen.maps import (
    STATES,
    encode_geometries,
    municipality_map,
    overview_map,
    parcel_states,
    save_map,
)

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_NOTE = "<script>alert(1)</script> ${document.title='pwned'} `x` & 'q' \"d\""


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from browser import CHROMIUM, FLAGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def overview_file(tmp_path_factory, embedded):
    path = tmp_path_factory.mktemp("maps") / "overview.html"
    m = overview_map(embedded, agreements=DATA / "agreements.csv", regions=DATA / "gemeenten.csv")
    save_map(m, path)
    return path


def _decode(enc: dict) -> list[np.ndarray]:
    """The page's decoding, in Python: running sums of the integer differences."""
    xy = np.array(enc["origin"]) + np.cumsum(np.array(enc["xy"]).reshape(-1, 2), axis=0)
    rings, start = [], 0
    for count in enc["points"]:
        rings.append(xy[start : start + count] / enc["scale"])
        start += count
    return rings


def test_encoding_keeps_coordinates_to_a_tenth_of_a_metre(embedded):
    geoms = embedded.geometry.to_crs(4326).to_numpy()[:50]
    enc = encode_geometries(geoms)
    assert enc["parts"] == [1] * 50 and enc["rings"] == [1] * 50
    rings = _decode(enc)
    for ring, geom in zip(rings, geoms, strict=True):
        exact = shapely.get_coordinates(geom.exterior)[:-1]
        # 1e-6 degree: at most 0.056 m north-south, 0.034 m east-west off here
        assert np.abs(ring - exact).max() <= 0.5e-6 + 1e-12


def test_parcel_states(three_parcels):
    parcels = read_parcels(three_parcels)
    states = [STATES[s] for s in parcel_states(parcels, as_of="2026-01-01")]
    assert states == ["Terstond uitgeefbaar", "Uitgegeven", "Zachte plancapaciteit"]
    before_sale = [STATES[s] for s in parcel_states(parcels, as_of="2019-01-01")]
    assert before_sale[1] == "Terstond uitgeefbaar"


def test_saved_map_is_self_contained(overview_file):
    page = overview_file.read_text(encoding="utf-8")
    assert overview_file.stat().st_size < 2_000_000
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+stylesheet", page)
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    assert not list(overview_file.parent.glob(".overview-*"))  # no temporary file left


def test_online_variant_loads_leaflet_from_its_cdn(tmp_path, embedded):
    m = overview_map(embedded[embedded["gemeente"] == "Westerveld"])
    small = save_map(m, tmp_path / "online.html", offline=False).read_text()
    assert re.search(r'<script src="https://cdn[^"]+leaflet', small)
    full = save_map(m, tmp_path / "offline.html").read_text()
    assert "<script src=" not in full and len(full) > len(small) + 100_000


def test_overview_in_the_browser(browser, overview_file, embedded, artifacts):
    opened = open_map(browser, overview_file)
    assert opened.errors == []
    assert all(
        re.match(r"https://(service\.pdok\.nl|tile\.openstreetmap\.org)/", u)
        for u in opened.blocked
    )
    first_draw_ms = opened.js("terreinenMap.firstDraw")
    assert first_draw_ms < 2000
    opened.page.screenshot(path=str(artifacts / "overview.png"))

    legend = opened.page.locator(".tr-legend").inner_text()
    positions = [legend.index(state) for state in STATES]
    assert positions == sorted(positions)  # the states in their real order
    labels = opened.js(
        "Array.from(document.querySelectorAll('.leaflet-control-layers label')).map(l => l.textContent.trim())"
    )
    assert {"PDOK standaard", "PDOK grijs", "Geen achtergrond"} <= set(labels)
    assert "Segment: woon_werk" in labels and "Milieucategorie 4.2" in labels
    assert opened.page.locator(".leaflet-control-scale").count() == 1

    # zoom in: every parcel of the data is drawn
    opened.js("void terreinenMap.map.setZoom(14, {animate: false})")
    assert opened.js("terreinenMap.parcelCount()") == len(embedded)
    assert opened.js("terreinenMap.shownParcels()") == len(embedded)


def _click_parcel(opened, kavel_id: str) -> str:
    opened.js(
        """id => { const layer = terreinenMap.parcelLayer(id);
                   terreinenMap.map.fitBounds(layer.getBounds(), {maxZoom: 17, animate: false}); }""",
        kavel_id,
    )
    opened.page.wait_for_timeout(100)
    x, y = opened.js(
        """id => { const layer = terreinenMap.parcelLayer(id);
                   const p = terreinenMap.map.latLngToContainerPoint(layer.getCenter());
                   const box = terreinenMap.map.getContainer().getBoundingClientRect();
                   return [p.x + box.left, p.y + box.top]; }""",
        kavel_id,
    )
    opened.page.mouse.click(x, y)
    popup = opened.page.locator(".leaflet-popup-content").last  # an earlier one may fade out
    popup.wait_for()
    return popup.inner_text()


def test_click_on_a_parcel_shows_its_popup(browser, overview_file, embedded):
    opened = open_map(browser, overview_file)
    row = embedded[embedded["status"] == "terstond_uitgeefbaar"].iloc[7]
    text = _click_parcel(opened, row["kavel_id"])
    expected_ha = (
        f"{row['oppervlakte_ha']:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    )
    assert f"Kavel {row['kavel_id']}" in text
    assert f"{expected_ha} ha" in text
    assert row["terrein"] in text and "Terstond uitgeefbaar" in text
    assert f"Milieucategorie\t{row['milieucategorie']}" in text
    assert opened.errors == []


def test_switching_a_segment_off_hides_its_parcels(browser, overview_file, embedded):
    opened = open_map(browser, overview_file)
    opened.js("void terreinenMap.map.setZoom(14, {animate: false})")
    total = opened.js("terreinenMap.shownParcels()")
    opened.page.hover(".leaflet-control-layers")  # the collapsed control opens
    opened.page.get_by_label("Segment: woon_werk").uncheck()
    woon_werk = int((embedded["segment"] == "woon_werk").sum())
    assert woon_werk > 0
    assert opened.js("terreinenMap.shownParcels()") == total - woon_werk
    opened.page.get_by_label("Segment: woon_werk").check()
    assert opened.js("terreinenMap.shownParcels()") == total


def test_park_search(browser, overview_file, embedded):
    opened = open_map(browser, overview_file)
    box = opened.page.locator(".tr-search input")
    box.fill("heemserp")
    box.press("Enter")
    popup = opened.page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.inner_text().startswith("Heemserpoort")
    park = embedded[embedded["terrein"] == "Heemserpoort"].to_crs(4326).total_bounds
    lat, lon = opened.js("[terreinenMap.map.getCenter().lat, terreinenMap.map.getCenter().lng]")
    assert park[0] <= lon <= park[2] and park[1] <= lat <= park[3]
    assert opened.js("terreinenMap.map.getZoom()") >= 13


def test_data_text_is_shown_as_text_never_run(browser, tmp_path):
    parcels = frame(
        [
            parcel("A1", rect(0, 0, 100, 100), terrein=XSS_NAME, opmerking=XSS_NOTE),
            parcel("<b>2</b>", rect(120, 0, 100, 100), terrein=XSS_NAME, gemeente=XSS_NAME),
        ]
    )
    path = save_map(overview_map(read_parcels(parcels), title=XSS_NAME), tmp_path / "xss.html")
    opened = open_map(browser, path)
    title = opened.js("document.title")
    text = _click_parcel(opened, "A1")
    assert XSS_NAME in text
    assert "<script>alert(1)</script>" in text and "${document.title='pwned'}" in text
    opened.page.locator(".leaflet-popup-close-button").click()
    assert _click_parcel(opened, "<b>2</b>").startswith("Kavel <b>2</b>")
    opened.page.locator(".tr-search input").fill(XSS_NAME[:8])
    opened.page.locator(".tr-search input").press("Enter")
    opened.page.hover(".tr-title")
    opened.page.wait_for_timeout(200)
    assert opened.js("document.title") == title == XSS_NAME
    assert opened.dialogs == []
    assert opened.js("document.querySelectorAll('img[src=\"x\"], b').length") == 0
    assert opened.errors == []


def test_municipality_map(tmp_path, embedded, browser):
    m = municipality_map(
        embedded,
        "Hardenberg",
        agreements=DATA / "agreements.csv",
        regions=DATA / "gemeenten.csv",
        as_of="2021-06-01",
    )
    path = save_map(m, tmp_path / "hardenberg.html")
    opened = open_map(browser, path)
    assert opened.errors == []
    bounds = embedded[embedded["gemeente"] == "Hardenberg"].to_crs(4326).total_bounds
    lat, lon = opened.js("[terreinenMap.map.getCenter().lat, terreinenMap.map.getCenter().lng]")
    assert bounds[0] <= lon <= bounds[2] and bounds[1] <= lat <= bounds[3]
    opened.page.hover(".leaflet-control-layers")
    opened.page.get_by_label("Gemeenten: capaciteit en afspraken").check()
    # park circles lie over the municipality's symbol here: open its popup through the layer
    opened.js("void terreinenMap.municipalities.getLayers()[0].openPopup()")
    text = opened.page.locator(".leaflet-popup-content").last.inner_text()
    # WO-2019-1 counts hectares made hard in 2019-2022: without a history it is unknown
    assert "WO-2019-1" in text and "onbekend" in text


def test_unknown_municipality(embedded):
    with pytest.raises(TerreinenError, match="did you mean 'Hardenberg'"):
        municipality_map(embedded, "Hardenburg")


def _boundaries(embedded):
    hulls = embedded.dissolve("gemeente").convex_hull.buffer(500)
    return gpd.GeoDataFrame(
        {"gemeentenaam": hulls.index}, geometry=hulls.to_numpy(), crs=embedded.crs
    )


def test_choropleth_with_boundaries(browser, tmp_path, embedded):
    path = tmp_path / "gemeenten.gpkg"
    _boundaries(embedded).to_crs(4326).to_file(path)
    m = overview_map(
        embedded,
        agreements=DATA / "agreements.csv",
        regions=DATA / "gemeenten.csv",
        boundaries=path,
    )
    opened = open_map(browser, save_map(m, tmp_path / "choropleth.html"))
    assert opened.errors == []
    kinds = opened.js("terreinenMap.municipalities.getLayers().map(l => l instanceof L.Polygon)")
    assert kinds == [True] * embedded["gemeente"].nunique()


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda b: b.rename(columns={"gemeentenaam": "x"}), "name column"),
        (lambda b: b.set_crs(None, allow_override=True), "no coordinate system"),
    ],
)
def test_bad_boundaries(embedded, change, message):
    with pytest.raises(TerreinenError, match=message):
        overview_map(embedded, boundaries=change(_boundaries(embedded)))
