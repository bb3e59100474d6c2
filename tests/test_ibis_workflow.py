"""A user's workflow end to end (issue 21): the national IBIS layer and IBIS's list export,
as they come, through every command; each states the same figures or the same unknown."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import X0, Y0, cli
from test_study import AGREEMENTS, _assert_consistent, _outputs

from terreinen.export import explanation
from terreinen.maps import overview_map
from terreinen.study import Study

UNKNOWN = {"Emmen": None, "Assen": None, "Totaal": None}
EMMEN = shapely.box(257_000, 532_000, 257_250, 532_400)  # 10 ha in Emmen
ASSEN = shapely.box(X0, Y0, X0 + 500, Y0 + 400)  # 20 ha in Assen


def _wfs_layer(tmp_path) -> str:
    """The national WFS layer's columns: Emmen 10 ha gross / 8 ha net (GM0114), Assen
    20 ha / 15 ha (GM0000: placed by its outline, which lies in Assen)."""
    rows = pd.DataFrame(
        {
            "RIN_NUMMER": ["1140001", "1060001"],
            "JAAR": [2024, 2024],
            "PLAN_NAAM": ["Park A", "Park B"],
            "GEM_CODES": ["GM0114", "GM0000"],
            "HA_BRUTO": [10.0, 20.0],
            "HA_NETTO": [8.0, 15.0],
            "HA_TOTTUIT": [0.0, 2.0],
            "WLOC_TYPE": ["Bedrijventerrein", "Bedrijventerrein"],
        }
    )
    path = tmp_path / "ibis_wfs.geojson"
    gpd.GeoDataFrame(rows, geometry=[EMMEN, ASSEN], crs="EPSG:28992").to_file(path)
    (tmp_path / "agreements.csv").write_text(AGREEMENTS, encoding="utf-8")
    return str(path)


def test_the_national_layer_through_every_command(tmp_path):
    outputs = _outputs(_wfs_layer(tmp_path), tmp_path)
    _assert_consistent(outputs, UNKNOWN)  # no sale figures in the layer: unknown everywhere
    assert outputs["capacity"]["Emmen"]["bruto_ha"] == pytest.approx(10.0)
    assert outputs["capacity"]["Assen"]["netto_ha"] == pytest.approx(15.0)
    assert outputs["workbook"]["gemeenten"].loc["Totaal", "bruto_ha"] == pytest.approx(30.0)
    for agreement in outputs["agreements"].values():
        assert agreement["status"] == "onbekend" and agreement["actual_ha"] is None


def test_the_list_export_through_every_command(tmp_path):
    # `;`, decimal commas, outlines as WKT in Geometrie; Terstond_Uitgeefbaar given, Niet terstond not: the net area
    # the given parts do not cover is unknown, so every figure by state is unknown
    path = tmp_path / "ibis_lijst.csv"
    path.write_text(
        "RIN_Nummer;Jaar;Plannaam;Kern;Gemeente;Provincie;Terstond_Uitgeefbaar;Bruto;Netto_ha;"
        "Totaal_uitgegeven_tm_vorig_jaar_ha;Uitgifte_huidig_jaar_ha;Geometrie\n"
        f"1140001;2024;Park A;Emmen;Emmen;Drenthe;1,5;10,0;8,0;4,0;0,5;{EMMEN.wkt}\n"
        f"1060001;2024;Park B;Assen;Assen;Drenthe;3,25;20,0;15,0;10,0;0,0;{ASSEN.wkt}\n",
        encoding="utf-8",
    )
    (tmp_path / "agreements.csv").write_text(AGREEMENTS, encoding="utf-8")
    outputs = _outputs(str(path), tmp_path)
    _assert_consistent(outputs, UNKNOWN)
    assert outputs["capacity"]["Emmen"]["bruto_ha"] == pytest.approx(10.0)
    assert outputs["capacity"]["Totaal"]["netto_ha"] == pytest.approx(23.0)
    assert outputs["workbook"]["gemeenten"].loc["Assen", "bruto_ha"] == pytest.approx(20.0)


def test_no_take_up_years_where_take_up_is_unknown(tmp_path):
    """The national layer has no sale figures: take-up is unknown, so no output states the
    years it would average; the hand-built parcels have take-up, and say 2016-2025."""
    path = _wfs_layer(tmp_path)
    shown = cli("capacity", path, "--as-of", "2026-06-30", "--lang", "en")
    assert shown.exit_code == 0, shown.stderr
    assert "uitgifte_ha_per_jaar" in shown.stdout and "unknown:" in shown.stdout
    assert "averages" not in shown.stdout
    page = cli("rapport", "Emmen", path, "--as-of", "2026-06-30")
    assert page.exit_code == 0, page.stderr
    assert "gemiddelde over" not in page.stdout
    study = Study.from_file(path, as_of="2026-06-30")
    assert not study.takeup_known
    assert overview_map(study).data["takeupMethod"].startswith("onbekend")
    sheet = explanation(study).set_index("onderwerp")["toelichting"]
    assert sheet["uitgiftejaren"].startswith("geen")


def test_take_up_years_where_take_up_is_known(hand_worked):
    study = Study(hand_worked, as_of="2026-06-30")
    assert study.takeup_known
    assert (
        explanation(study)
        .set_index("onderwerp")
        .loc["uitgiftejaren", "toelichting"]
        .startswith("2016-2025")
    )


def _registration(tmp_path) -> str:
    """A provincial IBIS parcel registration as it comes: statuses with the owner in one
    value, plan phases in words, ``kaveloppervlak`` in m², ``uitgiftejaar``/``uitgiftemaand``.
    Every parcel 100 m x 100 m = 1 ha. Hand-worked: Assen hard 1 ha (K1), soft 1 ha (K2,
    an ontwerp plan), K3 sold in June 2023, K4 housing (not for sale); Emmen hard 2 ha (E1
    in an adopted plan, E2 in an irrevocable one)."""
    rows = [
        ("K1", "Assen", X0, Y0, "Terstond uitgeefbaar gemeente",
         "Vastgesteld en Onherroepelijk bestemmingsplan", "", ""),
        ("K2", "Assen", X0 + 100, Y0, "Niet terstond uitgeefbaar particulier",
         "Ontwerp bestemmingsplan", "", ""),
        ("K3", "Assen", X0 + 200, Y0, "Uitgegeven", "Vastgesteld bestemmingsplan", "2023", "6"),
        ("K4", "Assen", X0 + 300, Y0, "Woonbebouwing",
         "Vastgesteld en Onherroepelijk bestemmingsplan", "", ""),
        ("E1", "Emmen", 257_000, 532_000, "Terstond uitgeefbaar gemeente",
         "Vastgesteld bestemmingsplan", "", ""),
        ("E2", "Emmen", 257_100, 532_000, "Niet terstond uitgeefbaar gemeente",
         "Vastgesteld en Onherroepelijk bestemmingsplan", "", ""),
    ]  # fmt: skip
    lines = [
        "kavelid,terreinid,bedrijventerrein,gemeente,provincie,status,planfase,milieucategorie,"
        "segment,kaveloppervlak,uitgiftejaar,uitgiftemaand,datummutatie,geometry"
    ]
    for kavel, gemeente, x, y, status, phase, year, month in rows:
        outline = shapely.box(x, y, x + 100, y + 100).wkt
        lines.append(
            f"{kavel},T-{gemeente},Park {gemeente},{gemeente},Drenthe,{status},{phase},3.1,"
            f'gemengd,10000,{year},{month},2026-05-01,"{outline}"'
        )
    path = tmp_path / "ibis_kavels.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "agreements.csv").write_text(AGREEMENTS, encoding="utf-8")
    return str(path)


def test_the_parcel_registration_through_every_command(tmp_path):
    outputs = _outputs(_registration(tmp_path), tmp_path)
    _assert_consistent(outputs, {"Assen": 1.0, "Emmen": 2.0, "Totaal": 3.0})
    assert outputs["capacity"]["Assen"]["zacht_ha"] == pytest.approx(1.0)
    assert outputs["capacity"]["Assen"]["uitgegeven_ha"] == pytest.approx(1.0)
    assert outputs["capacity"]["Totaal"]["bruto_ha"] == pytest.approx(6.0)
    assert outputs["agreements"]["A-1"]["actual_ha"] == pytest.approx(1.0)  # Assen hard
    assert outputs["agreements"]["E-1"]["actual_ha"] == pytest.approx(2.0)  # Emmen all: 2 ha
    found = json.loads(outputs["find"].stdout)
    assert sorted(row["kavel_id"] for row in found) == ["E1", "E2", "K1", "K2"]
    assert sum(row["oppervlakte_ha"] for row in found) == pytest.approx(4.0)
    assert outputs["workbook"]["gemeenten"].loc["Totaal", "zacht_ha"] == pytest.approx(1.0)
