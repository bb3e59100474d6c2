"""terreinen.io.files: every format, every alias family, every CRS, unreadable files."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import cli, frame, parcel, rect

from terreinen import TerreinenDataError, TerreinenReadError, read_parcels, settings
from terreinen.io import files

EXPECTED_HA = {"A": 1.0, "B": 2.0, "C": 0.5}


def _areas(parcels: gpd.GeoDataFrame) -> dict:
    return dict(zip(parcels["kavel_id"], parcels["oppervlakte_ha"], strict=True))


def _assert_areas(parcels, expected=EXPECTED_HA, rel=1e-9):
    got = _areas(parcels)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=rel), key


def test_geodataframe_in_rd_keeps_exact_areas_and_types(three_parcels):
    parcels = read_parcels(three_parcels)
    assert parcels.crs.to_epsg() == 28992
    _assert_areas(parcels)
    assert parcels["milieucategorie"].cat.ordered
    assert list(parcels["milieucategorie"].cat.categories) == [
        "1", "2", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2", "5.3", "6",
    ]  # fmt: skip
    assert parcels["planfase"].tolist() == [1, 1, 3]
    assert parcels["uitgiftedatum"].iloc[1] == pd.Timestamp("2020-05-01")
    assert pd.isna(parcels["uitgiftedatum"].iloc[0])
    assert next(iter(parcels["status"].cat.categories)) == "terstond_uitgeefbaar"


def test_milieucategorie_order_compares_as_ranked():
    parcels = read_parcels(
        frame(
            [
                parcel("A", rect(0, 0, 10, 10), milieucategorie="4.2"),
                parcel("B", rect(20, 0, 10, 10), milieucategorie="1"),
                parcel("C", rect(40, 0, 10, 10), milieucategorie="3.2"),
            ]
        )
    )
    at_least_32 = parcels["milieucategorie"] >= "3.2"
    assert at_least_32.tolist() == [True, False, True]


@pytest.mark.parametrize(
    "driver,suffix", [("GeoJSON", ".geojson"), ("GPKG", ".gpkg"), ("ESRI Shapefile", ".shp")]
)
def test_ogr_formats_read_back_the_same_areas(tmp_path, three_parcels, driver, suffix):
    path = tmp_path / f"kavels{suffix}"
    three_parcels.to_crs(4326 if driver == "GeoJSON" else 28992).to_file(path, driver=driver)
    parcels = read_parcels(path)
    _assert_areas(parcels, rel=1e-3 if driver == "GeoJSON" else 1e-9)
    assert parcels["uitgiftedatum"].iloc[1] == pd.Timestamp("2020-05-01")


def test_zipped_shapefile(tmp_path, three_parcels):
    three_parcels.to_file(tmp_path / "kavels.shp")
    archive = tmp_path / "kavels.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("kavels.*"):
            if part != archive:
                zf.write(part, part.name)
    _assert_areas(read_parcels(archive))


def test_geoparquet_file_and_folder(tmp_path, three_parcels):
    three_parcels.to_parquet(tmp_path / "kavels.parquet")
    _assert_areas(read_parcels(tmp_path / "kavels.parquet"))
    folder = tmp_path / "partitioned"
    folder.mkdir()
    three_parcels.iloc[:2].to_parquet(folder / "part.0.parquet")
    three_parcels.iloc[2:].to_parquet(folder / "part.1.parquet")
    _assert_areas(read_parcels(folder))


def test_csv_with_wkt_geometry_and_no_crs(tmp_path, three_parcels):
    path = tmp_path / "kavels.csv"
    table = pd.DataFrame(three_parcels.drop(columns="geometry"))
    table["WKT"] = three_parcels.geometry.to_wkt()
    table.to_csv(path, index=False)
    with pytest.warns(UserWarning, match="no coordinate system"):
        parcels = read_parcels(path)
    _assert_areas(parcels)


def test_geopackage_layer_choice(tmp_path, three_parcels):
    path = tmp_path / "two.gpkg"
    three_parcels.iloc[:1].to_file(path, layer="other")
    three_parcels.to_file(path, layer="kavels")
    with pytest.warns(UserWarning, match="layers"):
        assert len(read_parcels(path)) == 3  # "kavels" is preferred
    assert len(read_parcels(path, layer="other")) == 1


def test_wgs84_and_rd_give_the_same_areas(embedded_path, tmp_path):
    wgs84 = read_parcels(embedded_path)
    rd_path = tmp_path / "rd.gpkg"
    gpd.read_file(embedded_path).to_crs(28992).to_file(rd_path)
    rd = read_parcels(rd_path)
    np.testing.assert_allclose(wgs84["oppervlakte_ha"], rd["oppervlakte_ha"], rtol=1e-3)


IBIS_NAMES = {
    "kavel_id": "KAVELNUMMER",
    "terrein": "PLAN_NAAM",
    "gemeente": "GEMEENTE",
    "provincie": "PROVINCIE",
    "status": "UITGIFTESTATUS",
    "planfase": "PLANFASE",
    "milieucategorie": "MAX_MILIEUCATEGORIE",
    "segment": "WERKLOCATIETYPE",
}
ENGLISH_NAMES = {
    "kavel_id": "parcel_id",
    "terrein": "park",
    "gemeente": "municipality",
    "provincie": "province",
    "status": "status",
    "planfase": "plan_phase",
    "milieucategorie": "env_category",
    "segment": "segment",
}


@pytest.mark.parametrize("names", [IBIS_NAMES, ENGLISH_NAMES], ids=["ibis", "english"])
def test_alias_families_load_like_the_data_model_names(three_parcels, names):
    renamed = three_parcels.rename(columns=names)
    parcels = read_parcels(renamed)
    expected = read_parcels(three_parcels)
    pd.testing.assert_frame_equal(
        pd.DataFrame(parcels[list(names)]), pd.DataFrame(expected[list(names)])
    )


def test_more_ibis_aliases_and_area_in_m2(three_parcels):
    renamed = three_parcels.rename(columns={"terrein": "BEDRIJVENT"}).assign(
        RIN_NUMMER="0106001", KERN="Assen", OPPERVLAKTE_M2=[10_000, 20_000, 5_000]
    )
    parcels = read_parcels(renamed)
    assert parcels["terrein"].tolist() == ["Testpark"] * 3
    assert parcels["rin_nummer"].tolist() == ["0106001"] * 3
    assert parcels["kern"].tolist() == ["Assen"] * 3
    assert parcels["opgegeven_ha"].tolist() == [1.0, 2.0, 0.5]


def test_extra_columns_are_kept(three_parcels):
    parcels = read_parcels(three_parcels.assign(contactpersoon=["x", "y", "z"]))
    assert parcels["contactpersoon"].tolist() == ["x", "y", "z"]


def test_errors_raise_with_the_report(three_parcels):
    broken = three_parcels.assign(status=["terstond_uitgeefbaar", "verkcht", "optie"])
    with pytest.raises(TerreinenDataError) as info:
        read_parcels(broken)
    [finding] = info.value.report.errors
    assert (finding.row, finding.kavel_id, finding.column) == (2, "B", "status")
    assert "verkcht" in str(info.value)


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "empty"),
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature", ', "not valid JSON"),
        (b"hello, world\n", "no geometry column"),
    ],
    ids=["empty", "truncated", "csv-without-geometry"],
)
def test_unreadable_files_say_why(tmp_path, content, message):
    suffix = ".csv" if b"hello" in content else ".geojson"
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    with pytest.raises(TerreinenReadError, match=message) as info:
        read_parcels(path)
    assert str(path) in str(info.value)


def test_non_utf8_text_names_the_line(tmp_path):
    path = tmp_path / "latin1.geojson"
    text = (
        '{"type": "FeatureCollection",\n"features": [{"type": "Feature", '
        '"properties": {"terrein": "Caf\u00e9"}, "geometry": null}]}'
    )
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(TerreinenReadError, match=r"not UTF-8.*line 2"):
        read_parcels(path)


def test_missing_file(tmp_path):
    with pytest.raises(TerreinenReadError, match="file not found"):
        read_parcels(tmp_path / "nothing.gpkg")


def test_csv_with_bad_wkt_names_the_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text('kavel_id,wkt\nA,"POLYGON ((0 0, 1 0, 1 1, 0 0))"\nB,"POLYGON ((0 0, 1"\n')
    with pytest.raises(TerreinenReadError, match="not WKT geometry in rows 2"):
        read_parcels(path)


def test_unknown_format(tmp_path):
    path = tmp_path / "kavels.xyz"
    path.write_text("not a map")
    with pytest.raises(TerreinenReadError, match="not in a format"):
        read_parcels(path)


def test_a_file_read_again_unchanged_is_not_read_again(tmp_path, monkeypatch):
    """Reading the same unchanged file twice gives equal, independent parcels without a
    second reading; a changed file or a changed setting is read anew."""
    path = tmp_path / "kavels.geojson"
    frame([parcel("A", rect(0, 0, 100, 100)), parcel("B", rect(200, 0, 100, 50))]).to_file(path)
    readings = []
    real = files.read_table
    monkeypatch.setattr(files, "read_table", lambda *a, **k: readings.append(1) or real(*a, **k))
    first = files.read_parcels(path)
    first.loc[0, "terrein"] = "changed by the caller"  # a copy: the next reading is not touched
    second = files.read_parcels(path)
    assert len(readings) == 1
    assert second["terrein"].tolist() == ["Testpark", "Testpark"]
    assert second["oppervlakte_ha"].tolist() == pytest.approx([1.0, 0.5])
    frame([parcel("A", rect(0, 0, 100, 100))]).to_file(path)  # rewritten: another file
    assert files.read_parcels(path)["kavel_id"].tolist() == ["A"] and len(readings) == 2
    monkeypatch.setattr(settings, "area_tolerance", 0.5)
    files.read_parcels(path)
    assert len(readings) == 3  # the checks read the settings: another reading


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("geen.geojson", None, "bestand niet gevonden (controleer het pad en de bestandsnaam)"),
        ("leeg.geojson", b"", "het bestand is leeg"),
        (
            "kavels.csv",
            b"kavel_id,status\nA,optie\n",
            "het CSV-bestand heeft geen geometriekolom (zet de omtrek als WKT-tekst in een "
            "kolom met een van deze namen: geometry, wkt, geom, the_geom, geometrie)",
        ),
        (
            "vorm.csv",
            b'kavel_id,wkt\nA,"POLYGON ((0 0, 1 0, 1 1, 0 0))"\nB,vierkant\n',
            "kolom 'wkt' bevat tekst die geen WKT-geometrie is in de rijen 2 (schrijf omtrekken "
            "als WKT, bijv. POLYGON ((x1 y1, x2 y2, ...)))",
        ),
        (
            "latin1.geojson",
            b'{"type": "FeatureCollection",\n"name": "Caf\xe9", "features": []}',
            "het bestand is geen UTF-8-tekst: regel 2 heeft de byte 0xe9 op teken 13 "
            "(sla het op als UTF-8)",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_said_in_dutch(tmp_path, monkeypatch, name, content, said):
    """Issue 22, item 1: the reader's language (Dutch by default) in the Python API too."""
    monkeypatch.setattr(settings, "language", "nl")
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TerreinenReadError) as raised:
        read_parcels(path)
    assert str(raised.value) == f"{path}: {said}"


def test_the_errors_past_twenty_are_counted_in_dutch(monkeypatch):
    monkeypatch.setattr(settings, "language", "nl")
    rows = [parcel(f"K{i}", rect(200 * i, 0, 100, 100), status="onzin") for i in range(25)]
    with pytest.raises(TerreinenDataError) as raised:
        read_parcels(frame(rows))
    lines = str(raised.value).splitlines()
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "... en nog 5 fouten"


def test_the_command_line_says_a_missing_file_in_dutch(tmp_path):
    result = cli("validate", tmp_path / "geen.geojson", "--lang", "nl")
    assert result.exit_code == 2
    assert f"{tmp_path / 'geen.geojson'}: bestand niet gevonden" in result.stderr
