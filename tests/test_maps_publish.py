"""Maps a portal can publish: under a strict Content-Security-Policy (the single file with
its hashes, or the page with its scripts and styles as files), without script (plain
tables), with the page options of the command line (issue 23, items 1 and 3)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from browser import axe_violations, open_map, page_data, serve
from conftest import AS_OF, EXPECTED, ROOT, build, cli, read_cli_csv

from terreinen import TerreinenOptionError
from terreinen.errors import TerreinenWriteError
from terreinen.maps import ASSET_FILES, content_policy, overview_map, save_map
from terreinen.maps.page import tile_providers

STRICT = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


def nl(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")


@pytest.fixture(scope="module")
def hand_page():
    return overview_map(build(), as_of=AS_OF, title="Hand & <werk>")


def _violations(opened) -> list[str]:
    return [e for e in opened.errors if "Content Security Policy" in e or "Refused" in e]


@pytest.mark.parametrize("form", ["single file", "assets"])
def test_strict_policy_draws_map_tables_and_figures(browser, tmp_path, hand_page, form):
    assets = form == "assets"
    save_map(hand_page, tmp_path / "kaart.html", assets=tmp_path / "static" if assets else None)
    policy = content_policy(assets=assets)
    with serve(tmp_path, policy) as url:
        opened = open_map(browser, url + "kaart.html")
        assert opened.errors == [] and opened.dialogs == []
        # the styles apply: the side panel sits beside the map, not below it
        assert opened.js("getComputedStyle(document.querySelector('.tr-layout')).display") == "flex"
        assert opened.js("terreinenMap.parks().length") == 4
        rows = opened.js("document.querySelectorAll('#tr-municipality-table tbody tr').length")
        assert rows == 4
        total = EXPECTED["Totaal"]
        summary = opened.page.locator("#tr-summary-figures").inner_text()
        assert f"{nl(total[7])} ha" in summary and f"{nl(total[8])} ha" in summary
        assert axe_violations(opened) == []
        opened.close()


@pytest.mark.parametrize("assets", [False, True])
def test_the_same_page_without_the_policy_s_allowance_is_blocked(
    browser, tmp_path, hand_page, assets
):
    """The test can fail: the bare strict policy blocks the single file's inline blocks, and
    the page with assets is blocked where the policy allows no script of its own origin."""
    save_map(hand_page, tmp_path / "kaart.html", assets=tmp_path / "static" if assets else None)
    policy = STRICT if not assets else STRICT.replace("script-src 'self'", "script-src 'none'")
    with serve(tmp_path, policy) as url:
        opened = open_map(browser, url + "kaart.html", ready=False)
        opened.page.wait_for_load_state("load")
        assert opened.js("window.terreinenMap === undefined")
        assert _violations(opened)
        opened.close()


def test_assets_form_holds_no_inline_script_or_style(tmp_path, hand_page):
    (tmp_path / "maps").mkdir()
    page = save_map(hand_page, tmp_path / "maps" / "kaart.html", assets=tmp_path / "static")
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<style", text)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", text)
    assert inline == [' type="application/json" id="tr-data"']  # data, never run
    assert re.findall(r'(?:src|href)="([^"#]+)"', text) == [
        f"../static/{name}" for name in ASSET_FILES
    ]
    assert sorted(p.name for p in (tmp_path / "static").iterdir()) == sorted(ASSET_FILES)


def test_nothing_written_when_the_page_s_folder_is_missing(tmp_path, hand_page):
    with pytest.raises(TerreinenWriteError, match="does not exist"):
        save_map(hand_page, tmp_path / "nope" / "kaart.html", assets=tmp_path / "static")
    assert list(tmp_path.iterdir()) == []


def test_the_hashes_do_not_change_with_the_data(tmp_path, hand_page):
    other = overview_map(build()[:3], as_of="2020-01-01", title="Anders", tiles="osm")
    assert content_policy() == content_policy()
    blocks = [
        re.findall(r"<(?:script|style)>(.*?)</(?:script|style)>", p.render(), re.S)
        for p in (hand_page, other)
    ]
    assert blocks[0] == blocks[1] and len(blocks[0]) == 4


def test_tile_servers_are_the_only_other_origins():
    assert "https://service.pdok.nl" in content_policy()
    assert "openstreetmap" not in content_policy()
    assert "https://tile.openstreetmap.org" in content_policy(tiles="osm")
    assert "img-src 'self' data:;" in content_policy(tiles="none")
    assert "https://cdn.jsdelivr.net" in content_policy(offline=False)


def test_readme_prints_the_current_policies():
    """The policies in the README (between its markers) are the ones the pages need."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- content-policy -->(.*?)<!-- /content-policy -->", readme, re.S)
    assert block, "README has no content-policy block"
    assert content_policy() in block.group(1)
    assert content_policy(assets=True) in block.group(1)


def test_without_script_the_tables_hold_every_figure(browser, tmp_path, hand_page):
    path = save_map(hand_page, tmp_path / "kaart.html")
    opened = open_map(browser, path, script=False)
    rows = opened.js(
        "Array.from(document.querySelectorAll('.tr-plain table')[1].tBodies[0].rows)"
        ".map(r => Array.from(r.cells).map(c => c.textContent))"
    )
    by_name = {row[0]: row for row in rows}
    assert sorted(by_name) == ["Assen", "Coevorden", "Emmen", "Hardenberg"]
    for name, row in by_name.items():
        hard, soft, now, takeup, stock = (EXPECTED[name][k] for k in (7, 8, 5, 10, 11))
        expected = [f"{nl(v)} ha" for v in (hard, soft, now, takeup)]
        expected.append("–" if pd.isna(stock) else f"{nl(stock, 1)} jaar")
        assert row[1:6] == expected, name
    parks = opened.js("document.querySelectorAll('.tr-plain table')[0].tBodies[0].rows.length")
    assert parks == 4
    text = opened.page.locator("body").inner_text()
    assert f"Peildatum {AS_OF}" in text
    assert opened.js("document.querySelector('h1').textContent") == "Hand & <werk>"
    assert opened.errors == []
    opened.close()


def test_tiles_by_name():
    names = [p["name"] for p in tile_providers("default")]
    assert names == ["nlmaps.standaard", "nlmaps.grijs"]
    assert tile_providers("none") == [] and tile_providers(None) == []
    assert tile_providers(["grijs", "osm"])[1]["name"] == "OpenStreetMap.Mapnik"
    with pytest.raises(TerreinenOptionError, match="did you mean 'grijs'"):
        tile_providers("grijz")


def test_cli_page_options_and_capacity_agree(browser, tmp_path):
    """A planner's workflow: capacity, then the map with a title, source, link, tiles and
    assets; served under the strict policy, the page states the figures capacity prints."""
    parcels = tmp_path / "kavels.geojson"
    build().to_file(parcels, driver="GeoJSON")
    table = tmp_path / "capacity.csv"
    result = cli("capacity", parcels, "--as-of", AS_OF, "--format", "csv", "-o", table)
    assert result.exit_code == 0, result.stderr
    capacity = read_cli_csv(table).set_index("gebied")
    site = tmp_path / "site"
    site.mkdir()
    result = cli(
        "map", parcels, "--as-of", AS_OF, "-o", site / "kaart.html", "--assets", site / "static",
        "--title", "Werklocaties Drenthe", "--source", "IBIS 2026", "--more-info-url",
        "https://example.org/ibis", "--tiles", "grijs,osm",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = page_data((site / "kaart.html").read_text(encoding="utf-8"))
    assert [t["name"] for t in data["tiles"]] == ["PDOK grijs", "OpenStreetMap.Mapnik"]
    assert "OpenStreetMap" in data["tiles"][1]["attribution"]
    with serve(site, content_policy(assets=True, tiles=["grijs", "osm"])) as url:
        opened = open_map(browser, url + "kaart.html")
        assert opened.errors == []
        assert opened.js("document.title") == "Werklocaties Drenthe"
        facts = opened.page.locator("#tr-method-facts").inner_text()
        assert "IBIS 2026" in facts
        assert "gemiddelde van de uitgifte in 2016–2025 (10 jaar)" in facts  # AS_OF 2026-06-30
        assert opened.js("document.querySelector('#tr-more a').href") == "https://example.org/ibis"
        cells = opened.js(
            "Array.from(document.querySelectorAll('#tr-municipality-table tbody tr'))"
            ".map(r => Array.from(r.cells).map(c => c.textContent))"
        )
        opened.close()
    for row in cells:
        figures = capacity.loc[row[0]]
        assert EXPECTED[row[0]][7] == pytest.approx(figures["hard_ha"])  # capacity is right
        assert row[1] == f"{nl(figures['hard_ha'])} ha"
        assert row[2] == f"{nl(figures['zacht_ha'])} ha"
        assert row[3] == f"{nl(figures['terstond_ha'])} ha"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--tiles", "osmm"], "did you mean 'osm'"),
        (["--more-info-url", "javascript:alert(1)"], "--more-info-url must be an http(s) address"),
    ],
)
def test_cli_rejects_bad_page_options(tmp_path, option, message):
    result = cli("map", "-o", tmp_path / "m.html", *option)
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "m.html").exists()


def test_overview_command_writes_every_map_with_the_page_options(tmp_path):
    parcels = tmp_path / "kavels.geojson"
    build().to_file(parcels, driver="GeoJSON")
    out = tmp_path / "site"
    result = cli(
        "overview", parcels, "--as-of", AS_OF, "--out-dir", out, "--assets", out / "static",
        "--title", "Werklocaties", "--source", "IBIS 2026", "--tiles", "none",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 1 + len(EXPECTED) - 1  # the overview and one per municipality
    titles = set()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        data = page_data(text)
        assert data["source"] == "IBIS 2026" and data["tiles"] == []
        assert 'src="static/terreinen.js"' in text and "<style" not in text
        titles.add(data["title"])
    expected = {"Werklocaties", *(f"Werklocaties {g}" for g in EXPECTED if g != "Totaal")}
    assert titles == expected
