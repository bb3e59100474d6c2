"""terreinen.maps: the exported pages in a real headless browser, offline and accessible."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from browser import axe_violations, open_map, page_data, popup_text
from conftest import DATA, MAP_TABLES, MAPS_AS_OF, cli, frame, parcel, rect

from terreinen import TerreinenError, TerreinenOptionError, read_parcels
from terreinen.demand import demand
from terreinen.maps import (
    STATES,
    encode_geometries,
    municipality_map,
    overview_map,
    parcel_states,
    save_map,
)
from terreinen.maps.data import VERDICT_COLORS, municipality_data
from terreinen.study import Study

AS_OF = MAPS_AS_OF  # after every sale date in the embedded data (checked below)
UNSOLD = ["terstond_uitgeefbaar", "niet_terstond_uitgeefbaar", "optie"]
AGREEMENTS = MAP_TABLES


def nl(value: float, digits: int = 2) -> str:
    """A number as nl-NL writes it: 1.234,56."""
    return f"{value:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")


@pytest.fixture(scope="module")
def hardenberg_file(tmp_path_factory, embedded):
    """Hardenberg with its agreements read as limits on the stock (no history needed)."""
    folder = tmp_path_factory.mktemp("maps")
    agreements = pd.read_csv(DATA / "agreements.csv", dtype=str)
    agreements = agreements[agreements["gebied"] == "Hardenberg"]
    agreements.assign(grondslag="voorraad", terreinen="").to_csv(folder / "a.csv", index=False)
    m = municipality_map(embedded, "Hardenberg", as_of="2021-06-01", agreements=folder / "a.csv")
    return save_map(m, folder / "hardenberg.html")


@pytest.fixture(scope="module")
def find_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("maps") / "find.html"
    result = cli(
        "find", DATA / "parcels.geojson", "--min-ha", "5", "--near", "Hardenberg",
        "--radius-km", "15", "--as-of", AS_OF, "--map", path,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
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
    for ring, geom in zip(_decode(enc), geoms, strict=True):
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
    assert '<html lang="nl">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert not list(overview_file.parent.glob(".overview-*"))  # no temporary file left


def test_online_variant_loads_leaflet_from_its_cdn(tmp_path, embedded):
    m = overview_map(embedded[embedded["gemeente"] == "Westerveld"])
    small = save_map(m, tmp_path / "online.html", offline=False).read_text()
    assert re.search(r'<script src="https://cdn[^"]+leaflet', small)
    full = save_map(m, tmp_path / "offline.html").read_text()
    assert "<script src=" not in full and len(full) > len(small) + 100_000


def _municipalities(parcels, **kwargs) -> dict:
    """The municipality part of a page's data (without building the rest of the page)."""
    options = dict.fromkeys(["boundaries", "demand", "data_dates"])
    study = Study(parcels, as_of=AS_OF)
    return municipality_data(study, study, **{**options, **kwargs})


def test_data_dates_and_verdicts(embedded):
    latest = embedded.groupby("gemeente")["laatst_bijgewerkt"].max()
    data = _municipalities(embedded)
    assert data["dataDate"] == [latest[n].strftime("%Y-%m-%d") for n in data["name"]]
    assert data["oordeel"] is None
    verdicts = pd.DataFrame({"gemeente": ["Assen", "Emmen"], "oordeel": ["tekort", "ruim"]})
    data = _municipalities(embedded, demand=verdicts, data_dates={"Assen": "2026-03-01"})
    verdict = dict(zip(data["name"], data["oordeel"], strict=True))
    dates = dict(zip(data["name"], data["dataDate"], strict=True))
    assert verdict["Assen"] == "tekort" and verdict["Emmen"] == "ruim" and verdict["Meppel"] == ""
    assert dates["Assen"] == "2026-03-01" and dates["Emmen"] == ""
    table = demand(embedded, "gemeente", as_of=AS_OF)  # the demand issue's table as it is
    totals = table[table["segment"] == "Totaal"].set_index("gebied")["oordeel"]
    data = _municipalities(embedded, demand=table)
    assert data["oordeel"] == [totals[n] or "" for n in data["name"]]
    assert len(set(data["oordeel"])) > 1
    delivered = embedded.copy()
    delivered.attrs["leveringen"] = {"Emmen": "2026-02-01"}  # as a register's state has them
    data = _municipalities(delivered)
    assert dict(zip(data["name"], data["dataDate"], strict=True))["Emmen"] == "2026-02-01"


def test_more_information_link(overview_file, embedded):
    westerveld = embedded[embedded["gemeente"] == "Westerveld"]
    url = "https://www.example.nl/werklocaties"
    assert overview_map(westerveld, more_info_url=url).data["moreInfo"] == url
    assert page_data(overview_file.read_text(encoding="utf-8"))["moreInfo"] is None
    with pytest.raises(TerreinenError, match="http"):
        overview_map(westerveld, more_info_url="javascript:alert(1)")


def _independent_parks(embedded) -> pd.DataFrame:
    """Per park from the parcels alone: unsold (hard + soft) ha, and its availability class."""
    assert embedded["uitgiftedatum"].max() <= pd.Timestamp(AS_OF)  # statuses hold on AS_OF
    ha = embedded["oppervlakte_ha"]
    unsold = embedded["status"].isin(UNSOLD)
    soft = unsold & embedded["planfase"].isin([3, 4, 5])
    now = (embedded["status"] == "terstond_uitgeefbaar") & ~soft
    later = unsold & ~soft & ~now
    parks = pd.DataFrame(
        {
            "unsold": ha.where(unsold, 0),
            "now": ha.where(now, 0),
            "later": ha.where(later, 0),
            "soft": ha.where(soft, 0),
            "bruto": ha,
        }
    )
    return parks.groupby([embedded["gemeente"], embedded["terrein"]]).sum()


def test_overview_in_the_browser(browser, overview_file, embedded):
    opened = open_map(browser, overview_file)
    assert opened.errors == []
    # both dates in the lead line; the embedded municipalities' data dates differ
    assert (
        opened.page.locator("#tr-lead")
        .inner_text()
        .endswith("terstond en later; peildatum 2026-01-01, gegevens t/m 2025-11-19 – 2025-12-22.")
    )
    assert all(
        re.match(r"https://(service\.pdok\.nl|tile\.openstreetmap\.org)/", u)
        for u in opened.blocked
    )
    assert opened.js("terreinenMap.firstDraw") > 0  # drawn; how fast is in benchmarks/
    legend = opened.page.locator("#tr-legend").inner_text()
    positions = [legend.index(state) for state in STATES]
    assert positions == sorted(positions)  # the states in their real order
    scale = opened.page.locator(".leaflet-control-scale").inner_text()
    assert re.fullmatch(r"\d+ k?m", scale.strip())  # metric only
    municipalities = embedded["gemeente"].nunique()
    assert opened.page.locator(".tr-label").count() == municipalities

    # the province view: symbol area follows unsold hectares, colours tell the classes apart
    parks = _independent_parks(embedded)
    symbols = opened.js("terreinenMap.parkSymbols()")
    names = opened.js("terreinenMap.parks()")
    assert len(symbols) == len(parks)
    unsold = np.array([parks.loc[tuple(n), "unsold"] for n in names])
    radius = np.array([s["radius"] for s in symbols])
    full = unsold == 0
    assert np.allclose(radius[~full] ** 2 / unsold[~full], 24**2 / unsold.max(), rtol=0.02)
    colours = [s["colour"] for s in symbols]
    assert len(set(colours)) >= 3
    kinds = parks[["now", "later", "soft"]].to_numpy()
    expected_class = np.where(kinds.max(axis=1) > 0, kinds.argmax(axis=1), 3)
    by_class = {
        c: colours[i]
        for i, c in enumerate(expected_class[[parks.index.get_loc(tuple(n)) for n in names]])
    }
    assert len(set(by_class.values())) == len(by_class)  # one colour per class

    # the summary: everything is in view at first
    hard = embedded.loc[
        embedded["status"].isin(UNSOLD) & embedded["planfase"].isin([1, 2]), "oppervlakte_ha"
    ]
    summary = opened.page.locator("#tr-summary-figures").inner_text()
    assert f"{nl(hard.sum())} ha" in summary

    # zoom in: every parcel of the data is drawn
    opened.js("void terreinenMap.map.setZoom(14, {animate: false})")
    assert opened.js("terreinenMap.parcelCount()") == len(embedded)
    assert opened.js("terreinenMap.shownParcels()") == len(embedded)
    opened.close()


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
    assert f"Kavel {row['kavel_id']}" in text
    assert f"{nl(row['oppervlakte_ha'])} ha" in text
    assert row["terrein"] in text and "Terstond uitgeefbaar" in text
    assert f"Milieucategorie\t{row['milieucategorie']}" in text
    assert opened.errors == []
    opened.close()


def test_filter_hides_parcels_and_updates_the_summary(browser, overview_file, embedded):
    opened = open_map(browser, overview_file)
    woon_werk = embedded["segment"] == "woon_werk"
    hard = embedded["status"].isin(UNSOLD) & embedded["planfase"].isin([1, 2])
    rest = embedded.loc[hard & ~woon_werk, "oppervlakte_ha"].sum()
    assert woon_werk.sum() > 0 and rest < embedded.loc[hard, "oppervlakte_ha"].sum()
    opened.page.locator(".tr-filters summary").click()
    opened.page.locator("#tr-segments").get_by_label("woon_werk").uncheck()
    assert f"{nl(rest)} ha" in opened.page.locator("#tr-summary-figures").inner_text()
    # one municipality, the filter still on
    opened.page.locator("#tr-summary-area").select_option(label="Hardenberg")
    hardenberg = hard & ~woon_werk & (embedded["gemeente"] == "Hardenberg")
    expected = f"{nl(embedded.loc[hardenberg, 'oppervlakte_ha'].sum())} ha"
    assert expected in opened.page.locator("#tr-summary-figures").inner_text()
    opened.js("void terreinenMap.map.setZoom(14, {animate: false})")
    opened.js("void terreinenMap.map.setView(terreinenMap.map.getCenter(), 14, {animate: false})")
    assert opened.js("terreinenMap.parcelCount()") == len(embedded)
    assert opened.js("terreinenMap.shownParcels()") == len(embedded) - woon_werk.sum()
    opened.close()


def test_keyboard_search_details_and_table(browser, overview_file, embedded):
    opened = open_map(browser, overview_file)
    page = opened.page
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "(() => { const e = document.activeElement;"
                " return (e.id || e.name || e.type || '') + '|' + (e.closest('table') ? 'table' : ''); })()"
            )
        )
    assert "tr-search-input|" in reached
    assert "tr-colour|" in reached and "tr-municipal|" in reached
    assert any(r.endswith("|table") for r in reached)

    page.locator("#tr-search-input").focus()
    page.keyboard.type("Heemserpoort")
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.inner_text().startswith("Heemserpoort")
    assert page.evaluate("document.activeElement.closest('.leaflet-popup') !== null")
    shown = popup_text(opened)
    page.keyboard.press("Escape")
    page.locator(".leaflet-popup").wait_for(state="detached")  # after its fade-out
    assert page.evaluate("document.activeElement.id") == "tr-search-input"

    # the table: one row per park, with the hectares its popup shows
    parks = _independent_parks(embedded)
    rows = opened.js(
        "Array.from(document.querySelectorAll('#tr-park-table tbody tr'))"
        ".map(r => Array.from(r.cells).map(c => c.textContent))"
    )
    assert len(rows) == len(parks)
    assert sorted((r[1], r[0]) for r in rows) == sorted(parks.index)
    heemserpoort = next(r for r in rows if r[0] == "Heemserpoort")
    bruto = parks.loc[("Hardenberg", "Heemserpoort"), "bruto"]
    assert heemserpoort[3] == f"{nl(bruto)} ha" and heemserpoort[3] in shown
    assert all(cell in shown for cell in heemserpoort[3:8])
    # sortable: by gross hectares, largest first after two clicks
    header = page.locator("#tr-park-table th button", has_text="Bruto")
    header.click()
    header.click()
    first = opened.js("document.querySelector('#tr-park-table tbody tr').cells[0].textContent")
    assert first == parks["bruto"].idxmax()[1]
    opened.close()


def test_municipality_map_agreements_in_dutch_numbers(browser, hardenberg_file, embedded):
    opened = open_map(browser, hardenberg_file)
    assert opened.errors == []
    bounds = embedded[embedded["gemeente"] == "Hardenberg"].to_crs(4326).total_bounds
    lat, lon = opened.js("[terreinenMap.map.getCenter().lat, terreinenMap.map.getCenter().lng]")
    assert bounds[0] <= lon <= bounds[2] and bounds[1] <= lat <= bounds[3]
    opened.page.locator("#tr-layers").get_by_label("Gemeenten: capaciteit en afspraken").check()
    assert "overprogrammering" in opened.page.locator("#tr-legend").inner_text()
    opened.js("void terreinenMap.municipalities.getLayers()[0].openPopup()")
    lines = [t for t in popup_text(opened) if t.startswith("WO-2019-")]
    assert len(lines) == 3
    # WO-2019-1: 15 ha woon_werk, hard, in Hardenberg on 2021-06-01
    woon_werk = embedded[
        (embedded["gemeente"] == "Hardenberg")
        & (embedded["segment"] == "woon_werk")
        & embedded["planfase"].isin([1, 2])
        & (embedded["status"].isin(UNSOLD) | (embedded["uitgiftedatum"] > "2021-06-01"))
        & (embedded["status"] != "niet_uitgeefbaar")
    ]
    expected = f"{nl(woon_werk['oppervlakte_ha'].sum())} ha van 15,00 ha"
    assert any(expected in line for line in lines), (expected, lines)
    assert not any(re.search(r"\d\.\d+ ha", line) for line in lines)
    opened.close()


def test_find_map(browser, find_file):
    opened = open_map(browser, find_file)
    assert opened.errors == []
    items = opened.page.locator("#tr-found-list li").all_inner_texts()
    data = page_data(find_file.read_text(encoding="utf-8"))["found"]
    assert len(items) == len(data["id"]) > 1
    for rank, (item, kavel) in enumerate(zip(items, data["id"], strict=True), start=1):
        assert item.startswith(f"{rank}. ") and kavel in item
    assert any(item.startswith("1. combinatie") for item in items)  # the nearest is a combination
    ranks = opened.page.locator(".tr-rank").all_inner_texts()
    assert sorted(ranks, key=int) == [str(r) for r in range(1, len(items) + 1)]
    assert "Zoekpunt" in opened.page.locator(".tr-label").all_inner_texts()
    assert data["radius"] == 15_000
    opened.close()


@pytest.mark.parametrize("which", ["overview_file", "hardenberg_file", "find_file"])
def test_no_accessibility_violations(browser, request, which):
    opened = open_map(browser, request.getfixturevalue(which))
    assert axe_violations(opened) == []
    opened.close()


def _apart(opened) -> None:
    """The map's controls, the search and the legend do not cover each other; no sideways
    scrolling."""
    boxes = opened.js(
        "Array.from(document.querySelectorAll('.leaflet-control, #tr-legend, #tr-search'))"
        ".map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
    )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
            assert not overlap, (a, b)
    assert opened.js("document.documentElement.scrollWidth") <= opened.js("window.innerWidth")


def test_screenshots_and_layout(browser, overview_file, hardenberg_file, artifacts):
    """Province, municipality and parcel zoom, 1280 and 375 px wide, for people to look at;
    at both widths nothing covers anything else."""
    for name, path in (("province", overview_file), ("municipality", hardenberg_file)):
        opened = open_map(browser, path, width=1280, height=860)
        for width in (1280, 375):
            opened.page.set_viewport_size({"width": width, "height": 860})
            opened.js("void terreinenMap.map.invalidateSize({animate: false})")
            opened.js("void terreinenMap.map.fitBounds(terreinenMap.bounds, {animate: false})")
            _apart(opened)
            opened.page.screenshot(path=str(artifacts / f"map-{name}-{width}.png"))
            if name == "municipality":
                opened.js("terreinenMap.findPark('Heemserpoort')")
                opened.js("void terreinenMap.map.closePopup()")
                opened.page.screenshot(path=str(artifacts / f"map-parcels-{width}.png"))
        assert opened.errors == []
        opened.close()
    shots = sorted(p.name for p in artifacts.glob("map-*.png"))
    assert len(shots) == 6 and all((artifacts / s).stat().st_size > 10_000 for s in shots)


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
    m = overview_map(embedded, boundaries=path, **AGREEMENTS)
    opened = open_map(browser, save_map(m, tmp_path / "choropleth.html"))
    assert opened.errors == []
    kinds = opened.js("terreinenMap.municipalities.getLayers().map(l => l instanceof L.Polygon)")
    assert kinds == [True] * embedded["gemeente"].nunique()
    opened.close()


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


def test_small_map_of_hand_built_parks(tmp_path):
    """Two parks with known hectares: 1 ha and 0.5 ha unsold; the symbols' areas are 2:1."""
    parcels = read_parcels(
        frame(
            [
                parcel("A", rect(0, 0, 100, 100), terrein="Noord"),
                parcel("B", rect(0, 200, 100, 50), terrein="Zuid", planfase=4),
                parcel("C", rect(0, 300, 100, 100), terrein="Zuid", status="uitgegeven"),
            ]
        )
    )
    parks = overview_map(parcels).data["parks"]
    figures = dict(zip(parks["name"], parks["figures"], strict=True))
    assert figures["Noord"][4] == 1.0 and figures["Zuid"][5] == 0.5  # hard, soft ha
    assert dict(zip(parks["name"], parks["cls"], strict=True)) == {"Noord": 0, "Zuid": 2}


def test_find_map_without_matches_writes_nothing(tmp_path):
    page = tmp_path / "m.html"
    result = cli("find", DATA / "parcels.geojson", "--min-ha", "100000", "--map", page)
    assert result.exit_code == 2
    assert "no parcels match, so there is no map to write" in result.stderr
    assert not page.exists()


def test_municipalities_coloured_by_the_demand_verdict(browser, tmp_path, embedded):
    """With ``municipal_colour="oordeel"`` the municipality layer shows each municipality's
    demand verdict, with its own legend."""
    two = embedded[embedded["gemeente"].isin(["Assen", "Emmen"])]
    verdicts = pd.DataFrame({"gemeente": ["Assen", "Emmen"], "oordeel": ["tekort", "voldoende"]})
    path = save_map(
        overview_map(two, demand=verdicts, municipal_colour="oordeel", as_of=AS_OF),
        tmp_path / "oordeel.html",
    )
    opened = open_map(browser, path)
    opened.page.get_by_label("Gemeenten: capaciteit en afspraken").check()
    colours = opened.js(
        "terreinenMap.municipalities.getLayers().map(function (l) { return l.options.fillColor; })"
    )
    names = opened.js("terreinenMap.municipalities.getLayers().length")
    assert names == 2 and sorted(colours) == sorted([VERDICT_COLORS[0], VERDICT_COLORS[2]])
    legend = opened.page.locator("#tr-legend-body").inner_text()
    assert "vraag en aanbod" in legend and "tekort" in legend and "voldoende" in legend
    assert not opened.errors and not opened.dialogs
    opened.close()


def test_colouring_by_verdict_needs_a_demand_table(embedded):
    with pytest.raises(TerreinenOptionError, match="needs demand="):
        overview_map(embedded, municipal_colour="oordeel")
    with pytest.raises(TerreinenOptionError, match="choose 'afspraken' or 'oordeel'"):
        overview_map(embedded, municipal_colour="regen")
