"""terreinen.export: atomic writing, the Excel workbook, the GeoPackage layers."""

from __future__ import annotations

import os

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from conftest import AS_OF, DATA, ROWS, build

from terreinen import TerreinenWriteError
from terreinen.export import export
from terreinen.io.write import atomic_path


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_atomic_write_is_readable_by_others(tmp_path):
    target = tmp_path / "map.html"
    with atomic_path(target) as tmp:
        tmp.write_text("x")
    assert os.stat(target).st_mode & 0o044  # group and others may read it, as with open()


def test_unwritable_places(tmp_path):
    with (
        pytest.raises(TerreinenWriteError, match="does not exist"),
        atomic_path(tmp_path / "no" / "x.csv"),
    ):
        pass
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.geteuid() != 0:  # root may write anywhere
        with (
            pytest.raises(TerreinenWriteError, match="cannot write"),
            atomic_path(locked / "x.csv"),
        ):
            pass


def test_workbook(tmp_path):
    regions = tmp_path / "gemeenten.csv"
    from test_capacity import REGIONS

    REGIONS.to_csv(regions, index=False)
    path = export(build(), tmp_path / "studie.xlsx", regions=regions, as_of=AS_OF)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "toelichting", "gemeenten", "provincies", "terreinen", "regio's", "milieucategorie",
        "segment", "eigenaar", "grootteklasse", "uitgifte per jaar", "vraag en aanbod",
        "beschikbare kavels",
    ]  # fmt: skip
    sheet = book["gemeenten"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["gebied", "n_kavels", "bruto_ha"] and sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Assen"][header.index("hard_ha")] == pytest.approx(7.0)
    assert rows["Totaal"][header.index("bruto_ha")] == pytest.approx(16.75)
    assert sheet.cell(2, header.index("hard_ha") + 1).number_format == "#,##0.00"
    takeup = {r[0]: r for r in book["uitgifte per jaar"].iter_rows(min_row=2, values_only=True)}
    assert takeup[2020][1] == pytest.approx(3.0)  # Assen, the first municipality column


def test_workbook_cannot_mislead(tmp_path):
    """Issue 22, item 6: a first sheet with both dates, the take-up years and the unknown
    figures explained; no row for a year without data; the available parcels."""
    rows = [(*row[:-1], None) if row[0] == "G" else row for row in ROWS]  # G: no sale date
    parcels = build(rows)  # data's own date: I's sale on 2025-12-31
    path = export(parcels, tmp_path / "studie.xlsx", as_of="2027-03-01")
    sheets = pd.read_excel(path, sheet_name=None)
    assert next(iter(sheets)) == "toelichting"
    said = sheets["toelichting"].set_index("onderwerp")["toelichting"]
    assert said["peildatum"] == "2027-03-01" and said["gegevens t/m"] == "2025-12-31"
    assert said["uitgiftejaren"].startswith("2016-2025")  # not 2017-2026: 2026 has no data
    assert "leeg" in said and "hard_ha" in said
    years = sheets["uitgifte per jaar"]["jaar"].tolist()
    assert max(years) == 2025 and 2026 not in years and 2027 not in years
    available = sheets["beschikbare kavels"].set_index("kavel_id")
    # unsold on 2027-03-01: A, B, C (Assen), H (Emmen), L, M, N (Coevorden); G is sold
    assert sorted(available.index) == ["A", "B", "C", "H", "L", "M", "N"]
    assert available["oppervlakte_ha"].sum() == pytest.approx(1 + 2 + 0.5 + 1.5 + 1 + 0.05 + 0.2)


def test_workbook_explains_unknown_figures(tmp_path):
    rows = [(*row[:-1], None) for row in ROWS]  # no sale dates at all: take-up unknown
    path = export(build(rows), tmp_path / "studie.xlsx", as_of=AS_OF)
    said = pd.read_excel(path, sheet_name="toelichting").set_index("onderwerp")["toelichting"]
    assert said["gegevens t/m"] == "onbekend (geen datums)"
    assert "onbekend: uitgifte_ha_per_jaar" in said.index


def test_geopackage_layers(tmp_path):
    path = export(build(), tmp_path / "export.gpkg", as_of=AS_OF)
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert layers == ["kavels", "terreinen", "gemeenten"]
    kavels = gpd.read_file(path, layer="kavels")
    assert len(kavels) == 14 and kavels.crs.to_epsg() == 28992
    gemeenten = gpd.read_file(path, layer="gemeenten").set_index("gebied")
    assert gemeenten.loc["Assen", "hard_ha"] == pytest.approx(7.0)
    assert gemeenten.loc["Assen"].geometry.area == pytest.approx(112_000)
    parks = gpd.read_file(path, layer="terreinen")
    assert parks["oppbruto"].sum() == pytest.approx(167_500)
    assert "Totaal" not in gemeenten.index  # a layer's features are areas, no total


def test_geojson_and_ibis(tmp_path):
    export(build(), tmp_path / "kavels.geojson")
    assert gpd.read_file(tmp_path / "kavels.geojson").crs.to_epsg() == 4326
    export(build(), tmp_path / "ibis.csv", "ibis", as_of=AS_OF)
    assert (tmp_path / "ibis.csv").read_text().startswith('"RIN_NUMMER","PLAN_NAAM"')


def test_unknown_format(tmp_path):
    with pytest.raises(TerreinenWriteError, match="cannot export 'pdf'"):
        export(build(), tmp_path / "x.pdf")


def test_embedded_workbook_with_agreements(tmp_path, embedded):
    path = export(embedded, tmp_path / "drenthe.xlsx", agreements=DATA / "agreements.csv",
                  regions=DATA / "gemeenten.csv", as_of="2026-01-01")  # fmt: skip
    book = openpyxl.load_workbook(path, read_only=True)
    assert "afspraken" in book.sheetnames
