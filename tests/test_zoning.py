"""Milieuzonering: effective categories from the distance to homes, worked out by hand.

The fixture: parcels 100 m high, 5 km apart (so each parcel's nearest homes are its own),
each ``width`` m wide (hectares = width / 100), with homes placed at hand-chosen distances
from the parcel's right or top edge. The VNG guide distances are written out here again,
from the handbook, not read from the settings.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from browser import open_map, page_data
from conftest import X0, Y0, cli, frame, parcel, rect

from terreinen import read_parcels, settings
from terreinen.capacity import breakdown, zoning_breakdown
from terreinen.errors import TerreinenDataError, TerreinenOptionError, TerreinenReadError
from terreinen.io.sensitive import read_sensitive
from terreinen.matching import find_parcels
from terreinen.study import Study
from terreinen.zoning import effective_categories, nearest_distances, with_effective_categories

# VNG, Bedrijven en milieuzonering (2009): category, metres to a quiet residential area, to
# a mixed area
VNG = [
    ("1", 10, 0),
    ("2", 30, 10),
    ("3.1", 50, 30),
    ("3.2", 100, 50),
    ("4.1", 200, 100),
    ("4.2", 300, 200),
    ("5.1", 500, 300),
    ("5.2", 700, 500),
    ("5.3", 1000, 700),
    ("6", 1500, 1000),
]
SPACING = 5_000  # m between parcels: more than the largest guide distance
PER_ROW = 6  # parcels in a row of the grid, which stays inside the Netherlands

# id, width m, planfase, zoned, homes: (area type, "east"/"north" of the edge, metres,
# polygon?), expected effective category, decisive distance, its area type
CASES = [
    ("P1", 100, 1, "4.2", [("rustig", "east", 300, False)], "4.2", 300, "rustig"),
    ("P2", 200, 1, "4.2", [("rustig", "east", 299, False)], "4.1", 299, "rustig"),
    ("P3", 300, 1, "4.2", [("rustig", "east", 140, False)], "3.2", 140, "rustig"),
    ("P4", 400, 1, "4.2", [("gemengd", "east", 200, False)], "4.2", 200, "gemengd"),
    ("P5", 500, 1, "4.2", [("gemengd", "east", 199, False)], "4.1", 199, "gemengd"),
    ("P6", 600, 1, "3.1", [], "3.1", None, None),  # nothing within 1,500 m
    # rustig at 1,000 m allows 5.3, gemengd at 600 m only 5.2: the gemengd home decides
    (
        "P7",
        700,
        1,
        "6",
        [("rustig", "east", 1000, False), ("gemengd", "north", 600, False)],
        "5.2",
        600,
        "gemengd",
    ),
    ("P8", 50, 3, "2", [("rustig", "east", 5, False)], None, 5, "rustig"),  # meets none
    ("P9", 150, 4, "3.2", [("gemengd", "east", 49, True)], "3.1", 49, "gemengd"),  # a house
]


def _fixture(cases=CASES, *, blank_area: bool = False):
    parcels, homes = [], []
    for number, (kavel_id, width, phase, zoned, objects, *_) in enumerate(cases):
        x, y = (number % PER_ROW) * SPACING, (number // PER_ROW) * SPACING
        parcels.append(
            parcel(kavel_id, rect(x, y, width, 100), planfase=phase, milieucategorie=zoned)
        )
        for area, side, metres, polygon in objects:
            if side == "east":
                px, py = X0 + x + width + metres, Y0 + y + 50
                shape = shapely.box(px, py, px + 10, py + 10) if polygon else shapely.Point(px, py)
            else:
                shape = shapely.Point(X0 + x + width / 2, Y0 + y + 100 + metres)
            homes.append({"gebiedstype": "" if blank_area else area, "geometry": shape})
    return read_parcels(frame(parcels)), gpd.GeoDataFrame(homes, crs="EPSG:28992")


@pytest.fixture(scope="module")
def zoned_fixture():
    parcels, homes = _fixture()
    return with_effective_categories(parcels, read_sensitive(homes)), homes


def test_effective_categories_by_hand(zoned_fixture):
    zoned, _ = zoned_fixture
    by_id = zoned.set_index("kavel_id")
    for kavel_id, *_, expected, metres, area in CASES:
        row = by_id.loc[kavel_id]
        got = row["milieucategorie_feitelijk"]
        assert (None if pd.isna(got) else str(got)) == expected, kavel_id
        if metres is None:
            assert pd.isna(row["afstand_gevoelig_m"]) or row["afstand_gevoelig_m"] > 1500
        else:
            assert row["afstand_gevoelig_m"] == pytest.approx(metres), kavel_id
            assert row["gebiedstype_gevoelig"] == area, kavel_id


def test_p6_with_nothing_within_the_largest_distance_keeps_its_zoned_category(zoned_fixture):
    zoned, _ = zoned_fixture
    p6 = zoned.set_index("kavel_id").loc["P6"]
    # its nearest home is P5's, 4,300 m off: more than any guide distance
    assert p6["afstand_gevoelig_m"] == pytest.approx(SPACING - 500 - 199)
    assert str(p6["milieucategorie_feitelijk"]) == "3.1"


@pytest.mark.parametrize("area_column", [1, 2])
def test_both_sides_of_every_threshold(area_column):
    """A parcel zoned 6 with one home exactly at each guide distance meets that category;
    half a metre nearer it meets only the one below (or none)."""
    area = "rustig" if area_column == 1 else "gemengd"
    cases, expected = [], []
    for position, row in enumerate(VNG):
        metres = row[area_column]
        below = VNG[position - 1][0] if position else None
        sides = [(metres, row[0])] + ([(metres - 0.5, below)] if metres > 0 else [])
        for distance, category in sides:
            cases.append((f"T{len(cases)}", 100, 1, "6", [(area, "east", distance, False)]))
            expected.append(category)
    parcels, homes = _fixture(cases)
    got = effective_categories(parcels, homes)["milieucategorie_feitelijk"].astype(object)
    assert [None if pd.isna(v) else v for v in got] == expected


def test_never_above_the_zoned_category():
    parcels, homes = _fixture([("Z", 100, 1, "2", [("rustig", "east", 1400, False)])])
    assert str(effective_categories(parcels, homes)["milieucategorie_feitelijk"].iloc[0]) == "2"


def test_without_area_type_homes_count_as_rustig():
    """P4's home at 200 m allows 4.2 towards a mixed area but only 4.1 towards a quiet one."""
    parcels, homes = _fixture(CASES[3:4], blank_area=True)
    objects = read_sensitive(homes.drop(columns="gebiedstype"))
    assert set(objects["gebiedstype"]) == {"rustig"}
    assert str(effective_categories(parcels, objects)["milieucategorie_feitelijk"].iloc[0]) == "4.1"
    blank = read_sensitive(homes)
    assert str(effective_categories(parcels, blank)["milieucategorie_feitelijk"].iloc[0]) == "4.1"


def test_distances_are_edge_to_edge_in_rd_new_whatever_the_crs():
    parcels, homes = _fixture(CASES[2:3])  # P3, home 140 m east
    in_degrees = homes.to_crs("EPSG:4326")
    got = effective_categories(parcels, read_sensitive(in_degrees))
    assert got["afstand_gevoelig_m"].iloc[0] == pytest.approx(140, abs=0.01)
    assert str(got["milieucategorie_feitelijk"].iloc[0]) == "3.2"


def test_nearest_in_chunks_equals_one_pass():
    rng = np.random.default_rng(1)
    points = shapely.points(rng.uniform(0, 10_000, (500, 2)))
    boxes = shapely.box(*rng.uniform(0, 10_000, (2, 300)), *rng.uniform(10_000, 10_100, (2, 300)))
    brute = shapely.distance(boxes[:, None], points[None, :]).min(axis=1)
    for chunk in (7, 300, 10_000):
        assert np.allclose(nearest_distances(boxes, points, chunk=chunk)[0], brute)


def test_guide_distances_are_read_at_call_time(monkeypatch):
    """A municipality's own table: 4.2 at 100 m towards a quiet area."""
    parcels, homes = _fixture(CASES[2:3])  # P3, 140 m: 3.2 by the VNG table
    own = {area: dict(table) for area, table in settings.zoning_distances.items()}
    own["rustig"].update({"4.1": 100, "4.2": 100})
    monkeypatch.setattr(settings, "zoning_distances", own)
    assert str(effective_categories(parcels, homes)["milieucategorie_feitelijk"].iloc[0]) == "4.2"
    own["rustig"]["5.1"] = 50  # smaller than 4.2's
    with pytest.raises(TerreinenOptionError, match="must not have a smaller distance"):
        effective_categories(parcels, homes)


# -- hectares per effective category beside per zoned ---------------------------------------

# by hand from CASES: hard = planfase 1-2, soft 3-5; hectares = width / 100
ZONED = {"2": (0, 0.5), "3.1": (6, 0), "3.2": (0, 1.5), "4.2": (15, 0), "6": (7, 0)}
EFFECTIVE = {
    "geen": (0, 0.5),
    "3.1": (6, 1.5),
    "3.2": (3, 0),
    "4.1": (7, 0),
    "4.2": (5, 0),
    "5.2": (7, 0),
}
CATEGORIES = ["geen", *(row[0] for row in VNG)]


def test_hectares_per_effective_and_zoned_category(zoned_fixture):
    zoned, _ = zoned_fixture
    table = zoning_breakdown(zoned, as_of="2026-06-30").set_index("milieucategorie")
    assert list(table.index) == CATEGORIES
    for category in CATEGORIES:
        hard, soft = ZONED.get(category, (0, 0))
        assert table.loc[category, "hard_ha_bestemd"] == pytest.approx(hard), category
        assert table.loc[category, "zacht_ha_bestemd"] == pytest.approx(soft), category
        hard, soft = EFFECTIVE.get(category, (0, 0))
        assert table.loc[category, "hard_ha_feitelijk"] == pytest.approx(hard), category
        assert table.loc[category, "zacht_ha_feitelijk"] == pytest.approx(soft), category
    assert table["n_kavels_feitelijk"].sum() == table["n_kavels_bestemd"].sum() == 9
    assert table.loc["4.1", "n_kavels_feitelijk"] == 2


def test_study_with_sensitive_objects_gives_the_same_table(zoned_fixture):
    zoned, homes = zoned_fixture
    parcels = zoned.drop(columns=["milieucategorie_feitelijk", "afstand_gevoelig_m"])
    study = Study(parcels, as_of="2026-06-30", sensitive=homes)
    assert study.zoned
    expected = zoning_breakdown(zoned, as_of="2026-06-30")
    pd.testing.assert_frame_equal(study.zoning_breakdown(), expected)
    per = study.zoning_breakdown("gemeente")
    assert set(per["gemeente"]) == {"Assen"} and len(per) == len(CATEGORIES)
    with pytest.raises(TerreinenOptionError, match="sensitive objects"):
        Study(parcels.drop(columns="gebiedstype_gevoelig")).zoning_breakdown()


def test_breakdown_by_effective_category_needs_the_columns(zoned_fixture):
    zoned, _ = zoned_fixture
    plain = zoned.drop(columns="milieucategorie_feitelijk")
    with pytest.raises(TerreinenOptionError, match="needs the effective categories"):
        breakdown(plain, "milieucategorie_feitelijk")
    with settings.applied({"language": "nl"}), pytest.raises(TerreinenOptionError) as raised:
        breakdown(plain, "milieucategorie_feitelijk")  # in the reader's language
    assert str(raised.value).startswith(
        "uitsplitsen naar milieucategorie_feitelijk vraagt om de feitelijke categorieën"
    )


# -- find -----------------------------------------------------------------------------------


def test_find_filters_on_the_effective_category_and_names_the_near_misses(zoned_fixture):
    zoned, _ = zoned_fixture
    found = find_parcels(zoned, milieucategorie="4.2", as_of="2026-06-30")
    assert sorted(found["kavel_id"]) == ["P1", "P4", "P7"]
    assert list(
        found.set_index("kavel_id").loc[["P1", "P4", "P7"], "milieucategorie_feitelijk"]
    ) == [
        "4.2",
        "4.2",
        "5.2",
    ]
    misses = found.attrs["bijna"].set_index("kavel_id")
    assert list(misses.index) == ["P3", "P5", "P2"]  # nearest home first
    assert misses.loc["P3", "reden"] == "bestemd 4.2, feitelijk 3.2: woning op 140 m (rustig)"
    assert misses.loc["P5", "reden"] == "bestemd 4.2, feitelijk 4.1: woning op 199 m (gemengd)"
    # without the homes the zoned category decides, as before
    plain = find_parcels(
        zoned.drop(columns="milieucategorie_feitelijk"), milieucategorie="4.2", as_of="2026-06-30"
    )
    assert sorted(plain["kavel_id"]) == ["P1", "P2", "P3", "P4", "P5", "P7"]
    assert "bijna" not in plain.attrs


def test_a_near_miss_in_dutch_numbers():
    parcels, homes = _fixture([("F", 100, 1, "6", [("rustig", "east", 1200, False)])])
    found = find_parcels(with_effective_categories(parcels, homes), milieucategorie="6")
    assert len(found) == 0
    assert list(found.attrs["bijna"]["reden"]) == [
        "bestemd 6, feitelijk 5.3: woning op 1.200 m (rustig)"
    ]


def test_near_misses_meet_the_other_wishes(zoned_fixture):
    zoned, _ = zoned_fixture
    found = find_parcels(zoned, milieucategorie="4.2", min_ha=2.5, as_of="2026-06-30")
    assert sorted(found["kavel_id"]) == ["P4", "P7"]
    assert list(found.attrs["bijna"]["kavel_id"]) == ["P3", "P5"]  # P2 (2 ha) is too small


# -- bad input ------------------------------------------------------------------------------


def _homes(*geometries, crs="EPSG:28992", **columns):
    return gpd.GeoDataFrame(columns, geometry=list(geometries), crs=crs)


def test_an_empty_layer_is_refused():
    with pytest.raises(TerreinenReadError, match="no sensitive objects"):
        read_sensitive(_homes())


def test_outside_the_netherlands_names_the_row():
    homes = _homes(shapely.Point(X0, Y0), shapely.Point(400_000, 100_000))
    with pytest.raises(TerreinenDataError) as caught:
        read_sensitive(homes)
    (error,) = caught.value.report.errors
    assert (error.row, error.column) == (2, "geometry")
    assert "object lies outside the Netherlands" in error.message


def test_a_line_is_not_a_sensitive_object():
    homes = _homes(shapely.Point(X0, Y0), shapely.LineString([(X0, Y0), (X0 + 5, Y0)]), None)
    with pytest.raises(TerreinenDataError) as caught:
        read_sensitive(homes)
    errors = {(e.row, e.column): e.message for e in caught.value.report.errors}
    assert errors == {
        (2, "geometry"): "geometry is a LineString, not a point or polygon",
        (3, "geometry"): "geometry is missing or empty",
    }


def test_without_crs_coordinates_of_no_known_system_are_an_error():
    with pytest.raises(TerreinenDataError, match="no coordinate system"):
        read_sensitive(_homes(shapely.Point(5e6, 5e6), crs=None))
    with pytest.warns(UserWarning, match="look like RD New"):
        assert read_sensitive(_homes(shapely.Point(X0, Y0), crs=None)).crs == "EPSG:28992"


def test_an_unknown_area_type_suggests_the_known_ones():
    homes = _homes(shapely.Point(X0, Y0), shapely.Point(X0, Y0), gebiedstype=["Gemengd", "rustik"])
    with pytest.raises(TerreinenDataError) as caught:
        read_sensitive(homes)
    (error,) = caught.value.report.errors
    assert (error.row, error.column, error.suggestion) == (
        2,
        "gebiedstype",
        "did you mean 'rustig'?",
    )


# -- the command line, end to end -----------------------------------------------------------


@pytest.fixture
def files(tmp_path, zoned_fixture):
    parcels, homes = _fixture()
    parcels.to_file(tmp_path / "kavels.gpkg")
    homes.to_file(tmp_path / "homes.gpkg")
    return tmp_path


def test_find_leaves_out_the_parcel_too_close_to_homes_and_says_why(files):
    result = cli(
        "find", files / "kavels.gpkg", "-m", "4.2", "--gevoelig", files / "homes.gpkg",
        "--as-of", "2026-06-30", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["kavel_id"] for row in rows] == ["P7", "P4", "P1"]  # hard, immediately: largest
    assert [row["milieucategorie_feitelijk"] for row in rows] == ["5.2", "4.2", "4.2"]
    assert "not offered: kavel_id P3 (bestemd 4.2, feitelijk 3.2: woning op 140 m (rustig))" in (
        result.stderr
    )
    on_screen = cli(
        "find", files / "kavels.gpkg", "-m", "4,2", "--gevoelig", files / "homes.gpkg",
        "--as-of", "2026-06-30",
    )  # fmt: skip
    assert "3 parcels found" in on_screen.stdout
    assert "woning op 140 m" in on_screen.stdout + on_screen.stderr


def test_find_and_capacity_state_the_same_hectares(files):
    """Hard land usable for 4.2 and up: find lists it parcel by parcel, capacity per
    category; both say 12 ha (P1 1 + P4 4 + P7 7), where the zoned categories say 22 ha."""
    common = ("--gevoelig", files / "homes.gpkg", "--as-of", "2026-06-30", "--format", "json")
    found = cli("find", files / "kavels.gpkg", "-m", "4.2", "--hard-only", *common)
    table = cli("capacity", files / "kavels.gpkg", *common)
    assert found.exit_code == 0 and table.exit_code == 0, found.stderr + table.stderr
    found_ha = sum(row["oppervlakte_ha"] for row in json.loads(found.stdout))
    rows = pd.DataFrame(json.loads(table.stdout)).set_index("milieucategorie")
    heavy = ["4.2", "5.1", "5.2", "5.3", "6"]
    assert found_ha == pytest.approx(12)
    assert rows.loc[heavy, "hard_ha_feitelijk"].sum() == pytest.approx(12)
    assert rows.loc[heavy, "hard_ha_bestemd"].sum() == pytest.approx(22)
    assert rows.loc["geen", "zacht_ha_feitelijk"] == pytest.approx(0.5)


def test_bad_homes_file_exit_2_naming_file_and_row_and_nothing_written(files):
    bad = files / "bad.gpkg"
    _homes(shapely.Point(X0, Y0), shapely.Point(400_000, 100_000)).to_file(bad)
    out = files / "found.csv"
    result = cli("find", files / "kavels.gpkg", "-m", "4.2", "--gevoelig", bad, "-o", out)
    assert result.exit_code == 2
    assert "bad.gpkg" in result.stderr and "row 2" in result.stderr
    assert "object lies outside the Netherlands" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and not out.exists()
    empty = files / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    result = cli("capacity", files / "kavels.gpkg", "--gevoelig", empty)
    assert result.exit_code == 2 and "no sensitive objects" in result.stderr


def test_export_and_map_carry_the_effective_categories(files):
    """The workbook's sheet milieuzonering states capacity --gevoelig's hectares; the
    GeoPackage's parcels and the map's popups (the parcels' extra columns) the category."""
    homes = ("--gevoelig", files / "homes.gpkg", "--as-of", "2026-06-30")
    book, layers, page = files / "studie.xlsx", files / "studie.gpkg", files / "kaart.html"
    assert cli("export", files / "kavels.gpkg", "--to", book, *homes).exit_code == 0
    assert cli("export", files / "kavels.gpkg", "--to", layers, *homes).exit_code == 0
    assert cli("map", files / "kavels.gpkg", "-o", page, *homes).exit_code == 0
    sheet = pd.read_excel(book, sheet_name="milieuzonering", dtype={"milieucategorie": str})
    sheet = sheet.set_index("milieucategorie")
    for category, (hard, soft) in EFFECTIVE.items():
        assert sheet.loc[category, "hard_ha_feitelijk"] == pytest.approx(hard), category
        assert sheet.loc[category, "zacht_ha_feitelijk"] == pytest.approx(soft), category
    assert sheet.loc["4.2", "hard_ha_bestemd"] == pytest.approx(15)
    kavels = gpd.read_file(layers, layer="kavels").set_index("kavel_id")
    assert kavels.loc["P3", "milieucategorie_feitelijk"] == "3.2"
    assert kavels.loc["P3", "afstand_gevoelig_m"] == pytest.approx(140)
    html = page.read_text(encoding="utf-8")
    assert "milieucategorie_feitelijk" in html and "afstand_gevoelig_m" in html
    assert page_data(html)["parks"]["milieuReal"] == [7]  # 5.2, P7's, the park's highest
    without = cli("export", files / "kavels.gpkg", "--to", files / "plain.xlsx")
    assert without.exit_code == 0
    assert "milieuzonering" not in pd.ExcelFile(files / "plain.xlsx").sheet_names


def test_the_map_colours_parks_by_effective_category(browser, files):
    page = files / "kaart.html"
    homes = ("--gevoelig", files / "homes.gpkg", "--as-of", "2026-06-30")
    assert cli("map", files / "kavels.gpkg", "-o", page, *homes).exit_code == 0
    opened = open_map(browser, page)
    choice = opened.page.get_by_label("Hoogste milieucategorie feitelijk (afstand tot woningen)")
    choice.check()
    assert choice.is_checked() and opened.errors == []
    plain = files / "plain.html"
    assert cli("map", files / "kavels.gpkg", "-o", plain).exit_code == 0
    assert "milieuReal" not in page_data(plain.read_text(encoding="utf-8"))["parks"]


def test_overview_prints_the_zoning_table_beside_its_maps(files):
    result = cli(
        "overview", files / "kavels.gpkg", "--gevoelig", files / "homes.gpkg",
        "--as-of", "2026-06-30", "--out-dir", files / "maps",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "zoned and effective" in result.stdout and "hard ha feitelijk" in result.stdout
    lines = result.stdout.splitlines()
    row = next(line.replace(",", ".").split() for line in lines if line.startswith("4.1 "))
    assert row == ["4.1", "0", "0.00", "0.00", "2", "7.00", "0.00"]  # P2 2 ha + P5 5 ha
    assert (files / "maps" / "overview.html").exists()


def test_rapport_gives_the_hectares_per_effective_category(files):
    book = files / "assen.xlsx"
    result = cli(
        "rapport", "Assen", files / "kavels.gpkg", "--gevoelig", files / "homes.gpkg",
        "--as-of", "2026-06-30", "-o", book,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    sheet = pd.read_excel(book, sheet_name="per milieucategorie feitelijk", dtype=str)
    table = sheet.set_index("milieucategorie_feitelijk")
    assert list(table.index) == [*CATEGORIES, "Totaal"]
    for category in CATEGORIES:
        hard, soft = EFFECTIVE.get(category, (0, 0))
        assert float(table.loc[category, "hard_ha"]) == pytest.approx(hard), category
        assert float(table.loc[category, "zacht_ha"]) == pytest.approx(soft), category
    assert float(table.loc["Totaal", "hard_ha"]) == pytest.approx(28)
