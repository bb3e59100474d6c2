"""The CBS reference geography: codes, names, outlines and locating points, checked
against CBS's own published facts of the 2025 division."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from conftest import X0, Y0, frame, parcel, rect

from terreinen.errors import TerreinenOptionError
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
    """A 1 ha parcel in Hardenberg (around RD 238577, 509868) stated as Emmen warns, naming
    both; stated as Hardenberg, or as a name CBS does not know, it does not."""
    inside = rect(238_527 - X0, 509_818 - Y0, 100, 100)  # rect is relative to (X0, Y0)
    rows = [
        parcel("E", inside, gemeente="Emmen"),
        parcel("H", inside.buffer(-10), gemeente="Hardenberg"),
        parcel("X", inside.buffer(-20), gemeente="Nergenshuizen"),
    ]
    parcels, _ = load_parcels(frame(rows))
    (finding,) = cbs.municipality_findings(parcels)
    assert (finding.row, finding.kavel_id, finding.column) == (1, "E", "gemeente")
    assert "'Hardenberg'" in finding.message and "'Emmen'" in finding.message
