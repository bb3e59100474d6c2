"""The CBS reference geography: codes, names, outlines and locating points, checked
against CBS's own published facts of the 2025 division."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import X0, Y0, cli, frame, parcel, read_cli_csv, rect

from terreinen import read_parcels, settings
from terreinen.capacity import capacity
from terreinen.errors import TerreinenDataWarning, TerreinenOptionError
from terreinen.io import cbs
from terreinen.io.files import load_parcels


def wgs84(lon: float, lat: float) -> gpd.GeoSeries:
    return gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326")


def test_counts_of_the_2025_division():
    gemeenten = cbs.municipalities()
    assert len(gemeenten) == 342 and gemeenten["gemeentecode"].is_unique
    assert len(cbs.provinces()) == 12
    per_province = gemeenten["provincie"].value_counts()
    # CBS, gemeentelijke indeling 1 januari 2025
    assert per_province["Noord-Brabant"] == 56
    assert per_province["Drenthe"] == 12
    assert per_province["Flevoland"] == 6
    assert gemeenten.crs.to_epsg() == 28992
    assert gemeenten.is_valid.all()


def test_outlines_of_both_levels_cover_the_same_land():
    gemeenten = cbs.municipalities().area.sum()
    provincies = cbs.provinces().area.sum()
    assert abs(gemeenten - provincies) / provincies < 0.005


def test_hardenberg_by_code_number_and_name():
    expected = cbs.Municipality("GM0160", "Hardenberg", "PV23", "Overijssel")
    assert cbs.municipality("GM0160") == expected
    assert cbs.municipality(160) == expected
    assert cbs.municipality("gm160") == expected
    assert cbs.municipality(" HARDENBERG ") == expected
    # CBS: Hardenberg 317 km2 (land and inland water); the outline is generalised
    area_km2 = cbs.municipalities().set_index("gemeentecode").area["GM0160"] / 1e6
    assert 300 < area_km2 < 335


def test_names_with_and_without_the_cbs_suffix():
    assert cbs.municipality("Hengelo").code == "GM0164"
    assert cbs.municipality("Bergen (L.)").code == "GM0893"
    with pytest.raises(TerreinenOptionError, match=r"ambiguous: Bergen \(NH\.\), Bergen \(L\.\)"):
        cbs.municipality("Bergen")
    with pytest.raises(TerreinenOptionError, match="did you mean 'Hardenberg'"):
        cbs.municipality("Hardenburg")
    with pytest.raises(TerreinenOptionError, match="GM9999"):
        cbs.municipality("GM9999")


def test_provinces_by_code_and_name():
    assert cbs.province("PV23") == cbs.Province("PV23", "Overijssel")
    assert cbs.province("friesland").code == "PV21"
    assert cbs.province("Fryslân").code == "PV21"
    with pytest.raises(TerreinenOptionError, match="did you mean 'Drenthe'"):
        cbs.province("Drente")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("GM0160", "GM0160"),
        ("gm 160", "GM0160"),
        (160, "GM0160"),
        (160.0, "GM0160"),
        ("0106", "GM0106"),
        ("GM0000", None),
        ("", None),
        (None, None),
        (float("nan"), None),
        ("Hardenberg", None),
    ],
)
def test_municipality_code(value, code):
    assert cbs.municipality_code(value) == code


def test_locate_points_in_any_crs():
    # town centres (WGS84, from the municipalities' own addresses)
    assert cbs.locate(wgs84(6.6205, 52.5750)).tolist() == ["GM0160"]  # Hardenberg
    assert cbs.locate(wgs84(6.5625, 52.9925)).tolist() == ["GM0106"]  # Assen
    assert cbs.locate(wgs84(3.0, 52.5)).tolist() == [None]  # North Sea
    assert cbs.locate(wgs84(7.5, 52.5)).tolist() == [None]  # Germany


def test_locate_outlines_and_keeps_the_index():
    hardenberg = cbs.municipalities().set_index("gemeentecode").geometry["GM0160"]
    inside = hardenberg.representative_point().buffer(50)
    frame = gpd.GeoDataFrame(
        {"naam": ["a", "b", "c"]},
        geometry=[inside, None, shapely.Point(238577, 509868)],
        index=[7, 7, 3],
    )  # no CRS: read as RD New; a repeated index keeps its rows apart
    located = cbs.locate(frame)
    assert located.index.tolist() == [7, 7, 3]
    assert located.tolist() == ["GM0160", None, "GM0160"]


def test_a_copy_changes_nothing():
    frame = cbs.municipalities()
    frame.loc[:, "gemeente"] = "x"
    assert cbs.municipality("GM0160").name == "Hardenberg"


def test_a_parcel_outside_its_stated_municipality_warns_naming_both():
    """A 1 ha parcel in Hardenberg (around RD 238577, 509868) stated as Emmen warns when read,
    naming both; stated as Hardenberg, or as a name CBS does not know, it does not."""
    inside = rect(238_527 - X0, 509_818 - Y0, 100, 100)  # rect is relative to (X0, Y0)
    rows = [
        parcel("E", inside, gemeente="Emmen"),
        parcel("H", inside.buffer(-10), gemeente="Hardenberg"),
        parcel("X", inside.buffer(-20), gemeente="Nergenshuizen"),
    ]
    _, report = load_parcels(frame(rows))
    (finding,) = [f for f in report.warnings if f.column == "gemeente"]
    assert (finding.row, finding.kavel_id) == (1, "E")
    assert "'Hardenberg'" in finding.message and "'Emmen'" in finding.message


def test_several_parcels_outside_are_one_warning_naming_their_rows(monkeypatch):
    """Three parcels of Emmen drawn in Coevorden (rows 1 and 3) and Hardenberg (row 2): one
    warning per pair, naming the rows; in Dutch by default. Within the margin, none."""
    monkeypatch.setattr(settings, "language", "nl")
    rows = [
        parcel("A", rect(0, 0, 100, 100, "Coevorden"), gemeente="Emmen"),
        parcel("B", rect(0, 0, 100, 100, "Hardenberg"), gemeente="Emmen"),
        parcel("C", rect(200, 0, 100, 100, "Coevorden"), gemeente="Emmen"),
    ]
    coevorden, hardenberg = cbs.municipality_findings(frame(rows))
    assert coevorden.message == (
        "de omtrekken van rijen 1, 3 liggen in 'Coevorden', niet in de opgegeven gemeente "
        "'Emmen' (CBS-gemeenten 2025)"
    )
    assert (hardenberg.row, hardenberg.kavel_id, hardenberg.column) == (2, "B", "gemeente")
    monkeypatch.setattr(settings, "municipality_margin_m", 100_000.0)
    assert cbs.municipality_findings(frame(rows)) == []


def _hardenberg_in_coevorden(tmp_path):
    """A hand-built GeoJSON: H1 (2 ha, terstond) stated Hardenberg but drawn in Coevorden;
    C1 (1 ha, terstond) in Coevorden as stated."""
    rows = [
        parcel("H1", rect(0, 0, 200, 100, "Coevorden"), gemeente="Hardenberg",
               provincie="Overijssel"),
        parcel("C1", rect(300, 0, 100, 100, "Coevorden"), gemeente="Coevorden"),
    ]  # fmt: skip
    path = tmp_path / "kavels.geojson"
    frame(rows).to_file(path)
    return path


def test_a_parcel_outside_its_municipality_through_the_workflow(tmp_path, monkeypatch):
    """Issue 21, item 2: read_parcels warns once naming both; capacity and overview print
    the warning once each, and count the parcel under the municipality it states."""
    monkeypatch.setattr(settings, "language", "en")
    path = _hardenberg_in_coevorden(tmp_path)
    with pytest.warns(TerreinenDataWarning) as caught:
        parcels = read_parcels(path)
    (warning,) = caught
    assert "'Coevorden', not in the stated gemeente 'Hardenberg'" in str(warning.message)
    said = "the outline lies in 'Coevorden', not in the stated gemeente 'Hardenberg'"
    table = cli("--lang", "en", "capacity", path, "--as-of", "2026-01-01", "-f", "csv")
    assert table.exit_code == 0, table.stderr
    assert table.stderr.count(said) == 1
    figures = read_cli_csv(table.stdout).set_index("gebied")
    assert figures.loc["Hardenberg", "terstond_ha"] == pytest.approx(2.0)
    assert figures.loc["Coevorden", "terstond_ha"] == pytest.approx(1.0)
    maps = tmp_path / "maps"
    shown = cli("--lang", "en", "overview", path, "--as-of", "2026-01-01", "--out-dir", maps)
    assert shown.exit_code == 0, shown.stderr
    assert shown.stderr.count(said) == 1
    per_gemeente = shown.stdout[shown.stdout.index("per gemeente") :]
    hardenberg = next(line for line in per_gemeente.splitlines() if line.startswith("Hardenberg"))
    assert hardenberg.split()[1:3] == ["2.00", "2.00"]  # bruto and hard ha
    by_gemeente = capacity(parcels, "gemeente").set_index("gebied")
    assert by_gemeente.loc["Hardenberg", "terstond_ha"] == pytest.approx(2.0)


def test_park_tables_are_checked_by_their_outlines_only(tmp_path, monkeypatch):
    """A park outline stated Hardenberg but drawn in Coevorden warns naming the park; the
    same park table without outlines is not checked."""
    monkeypatch.setattr(settings, "language", "en")
    table = {
        "RIN_NUMMER": ["1600001"],
        "PLAN_NAAM": ["Park H"],
        "GEMEENTE": ["Hardenberg"],
        "PROVINCIE": ["Overijssel"],
        "OPPBRUTO": [50_000.0],
        "OPPNETTO": [40_000.0],
    }
    outlined = tmp_path / "parks.geojson"
    drawn = [rect(0, 0, 250, 200, "Coevorden")]
    gpd.GeoDataFrame(table, geometry=drawn, crs="EPSG:28992").to_file(outlined)
    _, report = load_parcels(outlined)
    (finding,) = [f for f in report.warnings if f.column == "gemeente"]
    assert finding.message == (
        "the outlines of park 'Park H' lie in 'Coevorden', not in the stated gemeente "
        "'Hardenberg' (CBS municipalities of 2025)"
    )
    plain = tmp_path / "parks.csv"
    pd.DataFrame(table).to_csv(plain, index=False)
    parcels, report = load_parcels(plain)
    assert parcels is not None and report.warnings == []
