"""``terreinen rapport`` (issue 22, item 3): the officer's page on the hand-worked fixture,
every figure worked out by hand from conftest.ROWS, and the same as what ``capacity``,
``demand`` and ``agreements`` say for the same area and date."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import AS_OF, REGIONS, build, cli

AGREEMENTS = (
    "afspraak_id,gebied,niveau,segment,plancapaciteit,max_ha,periode_start,periode_eind,bron\n"
    "X1,Assen,gemeente,,hard,5,2020-01-01,2030-12-31,test\n"
    "X2,R3,regio,,hard,4,2020-01-01,2030-12-31,test\n"
)
# Assen on AS_OF (conftest): A 1 ha terstond hard 4.2 logistiek; B 2 ha niet terstond hard
# 3.1 gemengd; C 0.5 ha optie soft 5.1 zwaar; G 4 ha sold after AS_OF, so terstond hard 4.2
# logistiek; D (2020) 3 ha and E (2010) 0.5 ha sold; F 0.2 ha niet uitgeefbaar
SUMMARY = {
    "bruto_ha": 11.2,
    "netto_ha": 11.0,
    "uitgegeven_ha": 3.5,
    "onverkocht_ha": 7.5,
    "terstond_ha": 5.0,
    "niet_terstond_ha": 2.0,
    "optie_ha": 0.5,
    "hard_ha": 7.0,
    "zacht_ha": 0.5,
    "grootste_kavel_ha": 4.0,
    "uitgifte_ha_per_jaar": 0.3,  # D's 3 ha over 2016-2025
    "voorraad_jaren_hard": 7.0 / 0.3,
}
#              terstond, niet terstond, optie, hard, zacht, onverkocht
BY_SEGMENT = {
    "logistiek": [5.0, 0.0, 0.0, 5.0, 0.0, 5.0],
    "gemengd": [0.0, 2.0, 0.0, 2.0, 0.0, 2.0],
    "zwaar": [0.0, 0.0, 0.5, 0.0, 0.5, 0.5],
    "woon_werk": [0.0] * 6,
    "Totaal": [5.0, 2.0, 0.5, 7.0, 0.5, 7.5],
}
BY_CATEGORY = {
    "4.2": [5.0, 0.0, 0.0, 5.0, 0.0, 5.0],
    "3.1": [0.0, 2.0, 0.0, 2.0, 0.0, 2.0],
    "5.1": [0.0, 0.0, 0.5, 0.0, 0.5, 0.5],
    "6": [0.0] * 6,
}
SPLIT = ["terstond_ha", "niet_terstond_ha", "optie_ha", "hard_ha", "zacht_ha", "onverkocht_ha"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rapport")
    build().to_file(folder / "kavels.gpkg", driver="GPKG", engine="pyogrio")
    REGIONS.to_csv(folder / "gemeenten.csv", index=False)
    (folder / "agreements.csv").write_text(AGREEMENTS, encoding="utf-8")
    return folder


def _json(*args) -> list[dict]:
    result = cli(*args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_rapport_of_a_municipality_by_hand_and_as_every_command_says(files, tmp_path):
    workbook, text = tmp_path / "rapport.xlsx", tmp_path / "rapport.txt"
    parcels = files / "kavels.gpkg"
    common = (parcels, "--as-of", AS_OF)
    dutch = ("--lang", "nl")
    screen = cli("rapport", "assen", *common, *dutch, "-o", workbook, env={"COLUMNS": "100"})
    assert screen.exit_code == 0, screen.stderr
    assert cli("rapport", "Assen", *common, *dutch, "-o", text).exit_code == 0
    sheets = pd.read_excel(workbook, sheet_name=None, dtype={"milieucategorie": str})

    summary = sheets["samenvatting"].set_index("cijfer")["waarde"]
    assert summary.to_dict() == pytest.approx(SUMMARY)
    for sheet, by, expected in (
        ("per segment", "segment", BY_SEGMENT),
        ("per milieucategorie", "milieucategorie", BY_CATEGORY),
    ):
        table = sheets[sheet].set_index(by)
        for value, hectares in expected.items():
            assert table.loc[value, SPLIT].tolist() == pytest.approx(hectares), (by, value)
    parcels_listed = sheets["beschikbare kavels"].set_index("kavel_id")
    assert sorted(parcels_listed.index) == ["A", "B", "C", "G"]
    assert parcels_listed.loc["G", "status"] == "terstond_uitgeefbaar"  # sold after AS_OF
    assert parcels_listed.loc["C", "capaciteit"] == "zacht"
    assert parcels_listed["oppervlakte_ha"].sum() == pytest.approx(7.5)

    # the same figures as the other commands on the same files and date
    (capacity,) = [r for r in _json("capacity", *common) if r["gebied"] == "Assen"]
    for figure, value in SUMMARY.items():
        if figure in capacity:
            assert capacity[figure] == pytest.approx(value, abs=0.005), figure  # JSON: 2 decimals
    demand = [r for r in _json("demand", *common) if r["gebied"] == "Assen"]
    mine = sheets["vraag en aanbod"]
    assert mine["segment"].tolist() == [r["segment"] for r in demand]
    assert mine["vraag_midden_ha"].tolist() == pytest.approx(
        [r["vraag_midden_ha"] for r in demand], abs=0.005
    )
    agreements = {r["afspraak_id"]: r for r in _json("agreements", *common)}
    mine = sheets["afspraken"].set_index("afspraak_id")
    assert list(mine.index.dropna()) == ["X1"]  # not R3's agreement: Assen is in R1
    assert mine.loc["X1", "actual_ha"] == pytest.approx(agreements["X1"]["actual_ha"]) == 7.0
    assert mine.loc["X1", "ruimte_ha"] == pytest.approx(-2.0)

    # on screen and in the text file, in Dutch numbers
    for shown in (screen.stdout, text.read_text(encoding="utf-8")):
        # both dates: G was sold 2026-08-01, after the as-of date
        assert f"Rapport gemeente Assen peildatum {AS_OF}, gegevens t/m 2026-08-01" in shown
        assert "23,33" in shown and "11,20" in shown  # years of supply, gross hectares
        assert "uitgifte: gemiddelde over 2016-2025" in shown


def test_rapport_of_a_region_states_the_region_capacity(files):
    """R1 is Assen and Emmen (conftest.REGIONS): the same figures as capacity --by regio."""
    parcels = files / "kavels.gpkg"
    (region,) = [r for r in _json("capacity", parcels, "--by", "regio", "--as-of", AS_OF)
                 if r["gebied"] == "R1"]  # fmt: skip
    result = cli("rapport", "r1", parcels, "--regio", "--as-of", AS_OF, "--lang", "nl")
    assert result.exit_code == 0, result.stderr
    assert "Rapport regio R1 peildatum" in result.stdout
    hard = next(line for line in result.stdout.splitlines() if line.startswith("hard_ha"))
    assert hard.split()[1] == f"{region['hard_ha']:.2f}".replace(".", ",") == "7,00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hardenburg"], "did you mean 'Hardenberg'?"),
        (["Hardenberg", "-o", "x.pdf"], "end it in one of .htm, .html, .txt, .xlsx"),
        (["R9", "--regio"], "not a known region"),
    ],
)
def test_rapport_refuses_plainly(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("rapport", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["find", "--segment", "Logistiek", "--min-ha", "3", "-f", "csv"], None),
        (["find", "--segment", "logistic"], "did you mean 'logistiek'?"),
        (["map", "--gemeente", "HARDENBERG", "-o", "m.html"], None),
        (["map", "--gemeente", "Hardenburg", "-o", "m.html"], "did you mean 'Hardenberg'?"),
    ],
)
def test_names_in_options_ignore_case(args, hint, tmp_path, monkeypatch):
    """Segment and municipality options are read as the data's values are: case does not
    matter, and a typing error gets the closest name."""
    monkeypatch.chdir(tmp_path)
    result = cli(*args)
    if hint is None:
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code == 2 and hint in result.stderr


def test_capacity_by_segment(files):
    """``capacity --by segment``: the unsold land of the whole fixture by status and plan
    capacity per segment, worked by hand; the Totaal is capacity's Totaal."""
    parcels = files / "kavels.gpkg"
    rows = {
        r["segment"]: r for r in _json("capacity", parcels, "--by", "segment", "--as-of", AS_OF)
    }
    by_hand = {  # + Coevorden's L 1 ha and M 0.05 ha terstond hard, N 0.2 ha niet terstond
        # soft; Emmen's H 1.5 ha niet terstond soft (woon_werk)
        "logistiek": [5.0, 0.0, 0.0, 5.0, 0.0, 5.0],
        "gemengd": [1.05, 2.2, 0.0, 3.05, 0.2, 3.25],
        "woon_werk": [0.0, 1.5, 0.0, 0.0, 1.5, 1.5],
        "zwaar": [0.0, 0.0, 0.5, 0.0, 0.5, 0.5],
        "haven": [0.0] * 6,
    }
    for segment, hectares in by_hand.items():
        assert [rows[segment][c] for c in SPLIT] == pytest.approx(hectares), segment
    (total,) = [r for r in _json("capacity", parcels, "--as-of", AS_OF) if r["gebied"] == "Totaal"]
    for column in SPLIT[:-1]:
        assert rows["Totaal"][column] == pytest.approx(total[column]), column


def test_rapport_as_a_printable_page_escapes_the_data(tmp_path):
    """``-o rapport.html``: one A4 page without scripts; a park named as markup prints as
    text, never as markup."""
    markup = "<img src=x onerror=alert(1)>&"
    parcels = build()
    parcels.loc[parcels["kavel_id"] == "A", "terrein"] = markup
    path = tmp_path / "kavels.gpkg"
    parcels.to_file(path, driver="GPKG", engine="pyogrio")
    page = tmp_path / "rapport.html"
    result = cli("--lang", "nl", "rapport", "Assen", path, "--as-of", AS_OF, "-o", page)
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;&amp;" in text
    assert "<script" not in text and "size: A4" in text and "default-src 'none'" in text
    assert '<html lang="nl">' in text and "23,33" in text  # years of supply, in Dutch
