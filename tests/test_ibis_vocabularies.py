"""IBIS as the country has it: the national WFS layer, IBIS's list export and the provincial
parcel registrations read as they come; figures right or visibly unknown on partial tables.

Fixtures are shaped like the real files (column names and values as in the vocabularies);
every expected hectare is worked out by hand in the comments."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from terreinen.capacity import capacity
from terreinen.errors import TerreinenDataError
from terreinen.io.files import load_parcels, read_parcels
from terreinen.io.ibis import to_ibis

WFS_HEADER = "RIN_NUMMER,JAAR,PLAN_NAAM,GEM_CODES,HA_BRUTO,HA_NETTO,HA_TOTTUIT,WLOC_TYPE\n"
LIST_HEADER = (
    "RIN_Nummer;Jaar;Plannaam;Kern;Gemeente;Corop_Gebied;Provincie;Kavels_beschikbaar;"
    "Max_milieucategorie;Terstond_Uitgeefbaar;Bruto;Netto_ha;Grootst_uitgeefbaar_deel_ha;"
    "Totaal_uitgegeven_tm_vorig_jaar_ha;Uitgifte_huidig_jaar_ha;Planfase;Geometrie\n"
)


def read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_parcels(path)


def totals(parcels) -> dict:
    table = capacity(parcels, by="terrein", as_of="2025-01-01")
    return table.set_index("gebied").to_dict("index")


def test_wfs_layer_as_csv_reads_gm_codes_and_hectares(tmp_path):
    path = tmp_path / "ibis_wfs.csv"
    path.write_text(
        WFS_HEADER
        + "1600001,2024,Broeklanden,GM0160,120.5,100.25,0,Bedrijventerrein\n"
        + "1060001,2024,Assen-Zuid,GM0106,80,70,3.5,Bedrijventerrein\n",
        encoding="utf-8",
    )
    parcels = read(path)
    parks = parcels.groupby("terrein").first()
    assert parks.loc["Broeklanden", "gemeente"] == "Hardenberg"
    assert parks.loc["Broeklanden", "provincie"] == "Overijssel"
    assert parks.loc["Assen-Zuid", "provincie"] == "Drenthe"
    figures = totals(parcels)
    assert figures["Broeklanden"]["bruto_ha"] == pytest.approx(120.5)
    assert figures["Broeklanden"]["netto_ha"] == pytest.approx(100.25)
    # the layer gives no sale figures (HA_TOTTUIT is undocumented, not guessed): unknown
    assert math.isnan(figures["Broeklanden"]["terstond_ha"])
    assert math.isnan(figures["Assen-Zuid"]["uitgegeven_ha"])


def test_wfs_layer_as_geojson_places_gm0000_by_its_outline(tmp_path):
    hardenberg = shapely.box(238_000, 509_500, 239_000, 510_500)  # 100 ha in Hardenberg
    assen = shapely.box(233_000, 557_000, 233_500, 557_400)  # 20 ha in Assen
    frame = gpd.GeoDataFrame(
        {
            "RIN_NUMMER": ["1600001", "1060001"],
            "JAAR": [2024, 2024],
            "PLAN_NAAM": ["Broeklanden", "Assen-Zuid"],
            "GEM_CODES": ["GM0000", "GM0106"],
            "HA_BRUTO": [100.0, 20.0],
            "HA_NETTO": [90.0, 18.0],
            "HA_TOTTUIT": [0.0, 0.0],
            "WLOC_TYPE": ["Bedrijventerrein", "Bedrijventerrein"],
        },
        geometry=[hardenberg, assen],
        crs="EPSG:28992",
    )
    path = tmp_path / "ibis_wfs.geojson"
    frame.to_file(path)
    parcels, report = load_parcels(path)
    assert report.ok, report.findings
    parks = parcels.groupby("terrein").first()
    assert parks.loc["Broeklanden", "gemeente"] == "Hardenberg"
    assert totals(parcels)["Broeklanden"]["bruto_ha"] == pytest.approx(100.0)


def test_unknown_cbs_code_is_an_error_naming_row_and_column(tmp_path):
    path = tmp_path / "ibis_wfs.csv"
    path.write_text(WFS_HEADER + "1,2024,X,GM9999,10,9,0,B\n", encoding="utf-8")
    _, report = load_parcels(path)
    errors = [f for f in report.errors if f.column == "GEM_CODES"]
    assert errors and errors[0].row == 1 and "GM9999" in errors[0].message


def test_list_export_decimal_commas_empty_geometry_and_parts_short_of_net(tmp_path):
    path = tmp_path / "ibis_lijst.csv"
    # net 100,25 ha; issued 80 before + 2,5 this year; 10,5 available at once; the parts
    # (93 ha) fall 7,25 ha short of net: an unknown remainder, kept in gross and net
    path.write_text(
        LIST_HEADER
        + "1600001;2024;Broeklanden;Hardenberg;Hardenberg;Zuidoost-Drenthe;Overijssel;Ja;4;"
        "10,5;120,5;100,25;5,25;80,0;2,5;Onherroepelijk;\n",
        encoding="utf-8",
    )
    parcels = read(path)
    row = totals(parcels)["Broeklanden"]
    assert row["bruto_ha"] == pytest.approx(120.5)
    assert row["netto_ha"] == pytest.approx(100.25)
    # NIET_TERSTOND is not given, so 7,25 ha of net area may be in any state: the park's
    # figures by state are unknown (never 0), gross and net stay right
    assert math.isnan(row["niet_terstond_ha"])
    assert math.isnan(row["terstond_ha"]) and math.isnan(row["uitgegeven_ha"])
    records = parcels.groupby(parcels["status"].astype(object).fillna("?"))["oppervlakte_ha"].sum()
    assert records["uitgegeven"] == pytest.approx(82.5)  # the given parts, as given
    assert records["terstond_uitgeefbaar"] == pytest.approx(10.5)
    assert records["?"] == pytest.approx(7.25)


def test_only_terstond_given_keeps_gross_and_makes_the_rest_unknown(tmp_path):
    path = tmp_path / "parks.csv"
    path.write_text(
        "RIN_NUMMER,PLAN_NAAM,GEMEENTE,PROVINCIE,JAAR,OPPBRUTO,OPPNETTO,TERSTOND_UITGEEFBAAR\n"
        "1,Park A,Assen,Drenthe,2024,500000,400000,12.5\n",
        encoding="utf-8",
    )
    row = totals(read(path))["Park A"]
    assert row["bruto_ha"] == pytest.approx(50.0)  # was 12.5 when missing figures read as 0
    assert row["netto_ha"] == pytest.approx(40.0)
    assert math.isnan(row["uitgegeven_ha"]) and math.isnan(row["niet_terstond_ha"])


def test_parts_above_net_are_an_error(tmp_path):
    path = tmp_path / "parks.csv"
    path.write_text(
        "RIN_NUMMER,PLAN_NAAM,GEMEENTE,PROVINCIE,OPPBRUTO,OPPNETTO,UITGEGEVEN,"
        "TERSTOND_UITGEEFBAAR,NIET_TERSTOND_UITGEEFBAAR\n"
        "1,Park A,Assen,Drenthe,500000,400000,30,8,5\n",  # 43 ha of parts, net 40 ha
        encoding="utf-8",
    )
    _, report = load_parcels(path)
    assert any("exceeds the net area 40.00 ha" in f.message for f in report.errors)
    with pytest.raises(TerreinenDataError, match="row 1"):
        read(path)


def box(x):
    """A 1 ha square in Assen from RD x ``x``, as quoted WKT for a CSV."""
    return f'"POLYGON (({x} 557000, {x + 100} 557000, {x + 100} 557100, {x} 557100, {x} 557000))"'


def test_parcel_registration_compound_statuses_and_plan_phase_texts(tmp_path):
    rows = [  # each parcel 100 m x 100 m = 1 ha
        (
            "K1",
            "Terstond uitgeefbaar gemeente",
            "",
            "Vastgesteld en Onherroepelijk bestemmingsplan",
            "",
            "",
        ),
        ("K2", "Niet terstond uitgeefbaar particulier", "", "Ontwerp bestemmingsplan", "", ""),
        ("K3", "Uitgegeven", "particulier", "Vastgesteld bestemmingsplan", "2023", "6"),
        ("K4", "Woonbebouwing", "", "Vastgesteld en Onherroepelijk bestemmingsplan", "", ""),
        ("K5", "Openbare ruimte", "", "Vastgesteld en Onherroepelijk bestemmingsplan", "", ""),
    ]
    lines = [
        "kavelid,terreinid,bedrijventerrein,gemeente,provincie,status,eigenaartype,planfase,"
        "milieucategorie,segment,kaveloppervlak,uitgiftejaar,uitgiftemaand,datummutatie,geometry"
    ]
    for i, (kavel, status, owner, phase, year, month) in enumerate(rows):
        lines.append(
            f"{kavel},T1,Testpark,Assen,Drenthe,{status},{owner},{phase},3.1,gemengd,10000,"
            f"{year},{month},2024-01-05,{box(233_000 + 100 * i)}"
        )
    path = tmp_path / "kavels.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parcels = read(path).set_index("kavel_id")
    assert parcels["status"].tolist() == [
        "terstond_uitgeefbaar",
        "niet_terstond_uitgeefbaar",
        "uitgegeven",
        "niet_uitgeefbaar",
        "niet_uitgeefbaar",
    ]
    assert parcels["eigenaar"].tolist()[:3] == ["gemeente", "particulier", "particulier"]
    assert parcels["planfase"].tolist() == [1, 3, 2, 1, 1]
    assert str(parcels.loc["K3", "uitgiftedatum"].date()) == "2023-06-01"
    row = totals(parcels.reset_index())["Testpark"]
    assert row["bruto_ha"] == pytest.approx(5.0)
    assert row["terstond_ha"] == pytest.approx(1.0)
    assert row["zacht_ha"] == pytest.approx(1.0)  # the draft plan (phase 3)


@pytest.mark.parametrize(
    ("bruto", "netto", "message"),
    [
        ("37", "30", "are these hectares?"),  # hectares left in OPPBRUTO (m²): 0.0037 ha
        ("80000000000", "70000000000", "are these m²?"),  # 8,000,000 ha
    ],
)
def test_implausible_gross_areas_suggest_the_unit(tmp_path, bruto, netto, message):
    path = tmp_path / "parks.csv"
    path.write_text(
        "RIN_NUMMER,PLAN_NAAM,GEMEENTE,PROVINCIE,OPPBRUTO,OPPNETTO\n"
        f"1,Park A,Assen,Drenthe,{bruto},{netto}\n"
        "2,Park B,Assen,Drenthe,500000,400000\n",  # 50 ha: plausible
        encoding="utf-8",
    )
    _, report = load_parcels(path)
    assert report.ok
    flagged = [f for f in report.warnings if f.column == "oppbruto"]
    assert [f.row for f in flagged] == [1]
    assert message in flagged[0].suggestion


def test_jaar_survives_a_round_trip(tmp_path):
    path = tmp_path / "parks.csv"
    path.write_text(
        "RIN_NUMMER,PLAN_NAAM,GEMEENTE,PROVINCIE,JAAR,OPPBRUTO,OPPNETTO,UITGEGEVEN,"
        "TERSTOND_UITGEEFBAAR,NIET_TERSTOND_UITGEEFBAAR\n"
        "1,Park A,Assen,Drenthe,2024,500000,400000,30,6,4\n",
        encoding="utf-8",
    )
    parks = to_ibis(read(path), as_of="2026-06-30")
    assert parks["JAAR"].tolist() == [2024]  # the data's year, not the export's
    assert parks["OPPBRUTO"].tolist() == [500000]
    written = tmp_path / "ibis.csv"
    parks.drop(columns="geometry").to_csv(written, index=False)
    again = to_ibis(read(written), as_of="2026-06-30")
    assert again["JAAR"].tolist() == [2024]
    assert again["TERSTOND_UITGEEFBAAR"].tolist() == pytest.approx([6.0])


def test_niet_bekend_is_an_unknown_status_and_terreinid_the_park(tmp_path):
    """K1 (1 ha) at once, K2 (1 ha) `Niet bekend`: gross and net 2 ha, every figure by
    state unknown (never 0, never a guess), a warning naming the rows; `terreinid` is
    the park's RIN number."""
    path = tmp_path / "kavels.csv"
    path.write_text(
        "kavelid,terreinid,bedrijventerrein,gemeente,provincie,status,planfase,"
        "milieucategorie,segment,geometry\n"
        f"K1,0106001,Testpark,Assen,Drenthe,Terstond uitgeefbaar gemeente,1,3.1,gemengd,{box(233_000)}\n"
        f"K2,0106001,Testpark,Assen,Drenthe,Niet bekend,1,3.1,gemengd,{box(233_100)}\n",
        encoding="utf-8",
    )
    parcels, report = load_parcels(path)
    assert report.ok
    (said,) = [f for f in report.warnings if "read as unknown" in f.message]
    assert "'Niet bekend'" in said.message and "rows 2" in said.message
    assert parcels["status"].tolist()[0] == "terstond_uitgeefbaar"
    assert pd.isna(parcels["status"].iloc[1])
    assert parcels["rin_nummer"].tolist() == ["0106001", "0106001"]
    row = totals(parcels)["Testpark"]
    assert (row["bruto_ha"], row["netto_ha"]) == pytest.approx((2.0, 2.0))
    for figure in ("terstond_ha", "uitgegeven_ha", "hard_ha", "zacht_ha"):
        assert pd.isna(row[figure]), figure
