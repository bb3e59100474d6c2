"""Park-level exports as provincial viewers give them (issue 12, item 1): RIN number, park
name, town, gross and net area in m² as text, legacy years, one park as several polygons,
no municipality."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from conftest import cli, rect

from terreinen import settings
from terreinen.capacity import capacity
from terreinen.io.files import load_parcels, read_parcels

AS_OF = "2026-01-01"


def _park(rin, name, bruto_m2, netto_m2, year, geometry):
    return {
        "RINNUMMER": rin,
        "BEDRIJVENT": name,
        "KERN": "Assen",
        "OPPBRUTO": bruto_m2,
        "OPPNETTO": netto_m2,
        "JAAR": year,
        "geometry": geometry,
    }


@pytest.fixture
def export(tmp_path):
    """Noord: 30 ha gross / 24 ha net in three polygons (two touching 100 x 100 m squares and
    one apart: 3 ha of outline); Oud: 8 ha gross = net, legacy year v1900; Zuid: 15 / 12 ha,
    year '<1950' with a broken encoding. All numbers are text, no gemeente/provincie."""
    rows = [
        _park("1001", "Noord", "300000", "240000", "1985", rect(0, 0, 100, 100)),
        _park("1001", "Noord", "300000", "240000", "1985", rect(100, 0, 100, 100)),
        _park("1001", "Noord", "300000", "240000", "1985", rect(400, 0, 100, 100)),
        _park("1002", "Oud", "80000", "80000", "v1900", rect(1000, 0, 100, 100)),
        _park("1003", "Zuid", "150000", "120000", "\u00c2<1950", rect(2000, 0, 100, 100)),
    ]
    path = tmp_path / "parks.geojson"
    gpd.GeoDataFrame(rows, crs="EPSG:28992").to_file(path)
    return path


def test_recognised_by_content_and_needs_a_municipality(export):
    parcels, report = load_parcels(export)
    assert parcels is None
    (message,) = [str(f) for f in report.errors]  # not "kavel_id is missing"
    assert "gemeente" in message and "--gemeente-van-bestand" in message


def test_hand_computed_hectares(export):
    with pytest.warns(UserWarning, match="v1900"):
        parcels = read_parcels(export, gemeente="Assen", provincie="Drenthe")
    table = capacity(parcels, "terrein", as_of=AS_OF).set_index("gebied")
    assert table["bruto_ha"].to_dict() == pytest.approx(
        {"Noord": 30.0, "Oud": 8.0, "Zuid": 15.0, "Totaal": 53.0}
    )
    assert table["netto_ha"].to_dict() == pytest.approx(
        {"Noord": 24.0, "Oud": 8.0, "Zuid": 12.0, "Totaal": 44.0}
    )
    # no sale figures, no plan phase: unknown, not zero
    for column in ("uitgegeven_ha", "terstond_ha", "hard_ha", "zacht_ha", "uitgifte_ha_per_jaar"):
        assert table[column].isna().all(), column
        assert "no status" in table.attrs["onbekend"][column]
    assert set(parcels["gemeente"]) == {"Assen"}
    assert set(parcels["provincie"]) == {"Drenthe"}
    # records carry "unknown", not a made-up status or phase
    net = parcels[parcels["status"].astype(object) != "niet_uitgeefbaar"]
    assert net["status"].isna().all() and net["planfase"].isna().all()


def test_polygons_of_one_park_dissolved(export):
    parcels = read_parcels(export, gemeente="Assen", provincie="Drenthe")
    noord = parcels[parcels["rin_nummer"] == "1001"]
    assert noord.geometry.area.round().unique().tolist() == [30_000.0]  # 3 squares of 1 ha
    assert noord["oppervlakte_ha"].sum() == pytest.approx(30.0)


def test_legacy_years_warn(export):
    _, report = load_parcels(export, gemeente="Assen", provincie="Drenthe")
    warned = {f.row: f.message for f in report.warnings}
    assert "'v1900' read as 1900" in warned[4]
    assert "1950" in warned[5]
    assert report.ok


def test_parts_that_disagree_warn(tmp_path):
    rows = [
        _park("7", "Oost", "50000", "40000", "2001", rect(0, 0, 100, 100, "Emmen")),
        _park("7", "Oost", "50000", "45000", "2001", rect(100, 0, 100, 100, "Emmen")),
    ]
    path = tmp_path / "oost.geojson"
    gpd.GeoDataFrame(rows, crs="EPSG:28992").to_file(path)
    parcels, report = load_parcels(path, gemeente="Emmen", provincie="Drenthe")
    (warning,) = report.warnings
    assert "RIN '7'" in warning.message and "oppnetto" in warning.message
    table = capacity(parcels, "terrein", as_of=AS_OF)
    assert table.loc[0, "bruto_ha"] == pytest.approx(5.0)  # taken once, from the first row
    assert table.loc[0, "netto_ha"] == pytest.approx(4.0)


def test_csv_without_outlines(tmp_path):
    path = tmp_path / "parks.csv"
    path.write_text(
        "RINNUMMER;BEDRIJVENT;KERN;OPPBRUTO;OPPNETTO;JAAR\n"
        "1;A;Assen;100000;100000;1990\n1;A;Assen;100000;100000;1990\n2;B;Assen;25000;20000;2010\n",
        encoding="utf-8",
    )
    parcels = read_parcels(path, gemeente="Assen", provincie="Drenthe")
    table = capacity(parcels, "gemeente", as_of=AS_OF)
    assert table.loc[0, "bruto_ha"] == pytest.approx(12.5)
    assert table.loc[0, "netto_ha"] == pytest.approx(12.0)


def test_net_larger_than_gross_is_an_error(tmp_path):
    rows = [_park("9", "X", "1000", "2000", "2001", rect(0, 0, 10, 10))]
    path = tmp_path / "x.geojson"
    gpd.GeoDataFrame(rows, crs="EPSG:28992").to_file(path)
    _, report = load_parcels(path, gemeente="Assen", provincie="Drenthe")
    assert [f.row for f in report.errors] == [1]
    assert report.errors[0].column == "oppnetto" and "net area" in report.errors[0].message
    with settings.applied({"language": "nl"}):  # in the reader's language, Dutch numbers
        _, report = load_parcels(path, gemeente="Assen", provincie="Drenthe")
    said = "netto oppervlakte 0,20 ha is groter dan de bruto oppervlakte 0,10 ha"
    assert report.errors[0].message == said


def test_unreadable_year_is_an_error(tmp_path):
    rows = [_park("9", "X", "1000", "900", "ooit", rect(0, 0, 10, 10))]
    path = tmp_path / "x.geojson"
    gpd.GeoDataFrame(rows, crs="EPSG:28992").to_file(path)
    _, report = load_parcels(path, gemeente="Assen", provincie="Drenthe")
    assert [(f.row, f.column) for f in report.errors] == [(1, "JAAR")]
    with settings.applied({"language": "nl"}):
        _, report = load_parcels(path, gemeente="Assen", provincie="Drenthe")
    assert report.errors[0].message == "'ooit' is geen jaar"


def test_cli_prints_unknown_line(export):
    args = ["capacity", export, "--by", "terrein", "--gemeente-van-bestand", "Assen"]
    result = cli(
        *args, "--provincie-van-bestand", "Drenthe", "--as-of", AS_OF, env={"COLUMNS": "100"}
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    total = next(line for line in lines if line.strip().startswith("Totaal"))
    assert total.split()[1:] == ["53.00", "–", "–", "–", "–", "–"]
    assert any(line.startswith("– unknown:") and "hard_ha" in line for line in lines)
    assert "no status" in result.stdout


def test_cli_without_municipality_exits_2(export):
    result = cli("capacity", export)
    assert result.exit_code == 2
    assert "--gemeente-van-bestand" in result.stderr and "Traceback" not in result.stderr


def test_cli_csv_and_json_leave_unknown_empty(export):
    common = [
        "--by",
        "terrein",
        "--gemeente-van-bestand",
        "Assen",
        "--provincie-van-bestand",
        "Drenthe",
    ]
    common += ["--as-of", AS_OF]
    csv = cli("capacity", export, *common, "--format", "csv", "--csv", "international")
    assert csv.exit_code == 0
    rows = pd.read_csv(pd.io.common.StringIO(csv.stdout), keep_default_na=False)
    assert rows.loc[rows["gebied"] == "Totaal", "hard_ha"].item() == ""
    assert "unknown" in csv.stderr
    records = json.loads(cli("capacity", export, *common, "--format", "json").stdout)
    assert records[-1]["bruto_ha"] == pytest.approx(53.0)
    assert records[-1]["hard_ha"] is None


def test_export_ibis_keeps_the_data_year_and_the_figures(tmp_path):
    """Park A of 2024: 50 ha gross, 40 ha net = 30.12 issued (2.5 in 2024) + 6.26 at once
    (2.01 municipal) + 3.62 later (1.1 soft); exported on 2026-06-30 (Dutch CSV, the
    command line's default) and read back: JAAR 2024, the same hectares."""
    source = tmp_path / "parks.csv"
    source.write_text(
        "RIN_NUMMER,PLAN_NAAM,GEMEENTE,PROVINCIE,JAAR,OPPBRUTO,OPPNETTO,UITGEGEVEN,"
        "UITGEGEVEN_JAAR,TERSTOND_UITGEEFBAAR,TERSTOND_UITGEEFBAAR_GEMEENTE,"
        "NIET_TERSTOND_UITGEEFBAAR,ZACHTE_PLANCAPACITEIT,GROOTST_UITGEEFBARE_DEEL\n"
        "1,Park A,Assen,Drenthe,2024,500000,400000,30.12,2.5,6.26,2.01,3.62,1.1,3\n",
        encoding="utf-8",
    )
    common = ("--as-of", "2026-06-30")
    written = tmp_path / "ibis.csv"
    result = cli("export", source, *common, "--to", written, "--format", "ibis")
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(written, sep=";", decimal=",", encoding="utf-8-sig")
    row = table.iloc[0]
    assert row["JAAR"] == 2024  # the data's year, not the export's
    assert (row["OPPBRUTO"], row["OPPNETTO"]) == (500_000, 400_000)
    assert (row["UITGEGEVEN"], row["UITGEGEVEN_JAAR"]) == (30.12, 2.5)
    assert (row["TERSTOND_UITGEEFBAAR"], row["TERSTOND_UITGEEFBAAR_GEMEENTE"]) == (6.26, 2.01)
    assert (row["NIET_TERSTOND_UITGEEFBAAR"], row["ZACHTE_PLANCAPACITEIT"]) == (3.62, 1.1)
    figures = ("bruto_ha", "netto_ha", "uitgegeven_ha", "terstond_ha", "hard_ha", "zacht_ha")
    said = [
        {r["gebied"]: [r[f] for f in figures] for r in json.loads(cli("capacity", p, *common,
         "-f", "json").stdout)}["Assen"]
        for p in (source, written)
    ]  # fmt: skip
    assert said[0] == said[1] == pytest.approx([50.0, 40.0, 30.12, 6.26, 6.26 + 3.62 - 1.1, 1.1])
    again = tmp_path / "again.csv"
    assert cli("export", written, *common, "--to", again, "--format", "ibis").exit_code == 0
    assert again.read_text(encoding="utf-8-sig") == written.read_text(encoding="utf-8-sig")
