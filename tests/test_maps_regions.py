"""The map takes the region table beside an agreements file as compare_agreements and the
command line do: the README's Python example shows the CLI's agreement statuses (issue 23,
item 5)."""

from __future__ import annotations

import pandas as pd
from browser import open_map, page_data
from conftest import DATA, cli, read_cli_csv

import terreinen
from terreinen.datasets import get_path
from terreinen.maps import overview_map


def test_readme_map_example_gives_the_cli_s_agreement_statuses():
    parcels = terreinen.read_parcels(get_path("parcels"))
    page = overview_map(parcels, agreements=get_path("agreements"), as_of="2026-01-01")
    result = cli("agreements", "--as-of", "2026-01-01", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    table = read_cli_csv(result.stdout, dtype=str)
    regions = pd.read_csv(DATA / "gemeenten.csv", dtype=str)
    towns = page.data["municipalities"]
    for name, lines in zip(towns["name"], towns["agreements"], strict=True):
        areas = {name, *regions.loc[regions["gemeente"] == name, "regio"]}
        rows = table[table["gebied"].isin(areas)]
        expected = {
            (str(i) if pd.notna(i) else "", s)
            for i, s in zip(rows["afspraak_id"], rows["status"], strict=True)
        }
        assert {(line["id"], line["status"]) for line in lines} == expected, name
    status = dict(zip(towns["name"], towns["status"], strict=True))
    keys = page.data["agreementKeys"]
    for name in ("Aa en Hunze", "Borger-Odoorn", "Coevorden", "De Wolden"):
        assert keys[status[name]] != "geen_afspraak", name  # regional agreements found


def test_the_search_finds_municipalities_and_towns(browser, plain_overview_file, embedded):
    opened = open_map(browser, plain_overview_file)
    search = opened.page.locator("#tr-search-input")
    cases = {
        "hardenberg": ("Gemeente Hardenberg", embedded["gemeente"] == "Hardenberg"),
        "Klazienaveen": ("Kern Klazienaveen", embedded["kern"] == "Klazienaveen"),
    }
    for text, (label, rows) in cases.items():
        parks = embedded.loc[rows, ["gemeente", "terrein"]].drop_duplicates()
        search.fill(text)
        search.press("Enter")
        status = opened.page.locator("#tr-search-status").inner_text()
        assert status == f"{label}: {len(parks)} terreinen"
        shown = opened.js(
            "() => { const b = terreinenMap.map.getBounds();"
            " return terreinenMap.parks().filter((p, i) => b.contains(terreinenMap.center(i))); }"
        )
        assert {tuple(p) for p in parks.to_numpy()} <= {tuple(p) for p in shown}
    search.fill("Broeklanden")  # a park's name still opens the park
    search.press("Enter")
    assert "Broeklanden" in opened.page.locator("#tr-search-status").inner_text()
    search.fill("Nergenshuizen")
    search.press("Enter")
    assert opened.page.locator("#tr-search-status").inner_text().startswith("Geen terrein")
    assert opened.errors == []
    opened.close()


def test_the_find_map_states_its_criteria(tmp_path):
    path = tmp_path / "find.html"
    result = cli(
        "find", DATA / "parcels.geojson", "--min-ha", "2.5", "--segment", "logistiek",
        "-m", "4.2", "--near", "Hardenberg", "--radius-km", "40", "--map", path,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    title = page_data(path.read_text(encoding="utf-8"))["title"]
    assert title == (
        "Gevonden kavels: vanaf 2,5 ha, milieucategorie 4.2 of hoger, segment logistiek, "
        "binnen 40 km van Hardenberg"
    )
