"""One study, computed once (issue 18): every command states the same figure, or the same
"unknown", for the same area and date; the per-parcel figures are computed once per run."""

from __future__ import annotations

import cProfile
import json
import math
import pstats

import geopandas as gpd
import pandas as pd
import pytest
from browser import page_data
from conftest import AS_OF, EXPECTED, cli, rect

from terreinen import read_parcels
from terreinen.capacity import capacity
from terreinen.study import Study

HARD = {name: figures[7] for name, figures in EXPECTED.items()}  # hard_ha, worked by hand
SOFT = {name: figures[8] for name, figures in EXPECTED.items()}  # zacht_ha
AGREEMENTS = (
    "afspraak_id,gebied,niveau,segment,plancapaciteit,max_ha,periode_start,periode_eind,bron\n"
    "A-1,Assen,gemeente,,hard,10,2020-01-01,2030-12-31,test\n"
    "E-1,Emmen,gemeente,,totaal,1,2020-01-01,2030-12-31,test\n"
)


def _json(result) -> list[dict]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _by_area(records: list[dict], key: str = "gebied") -> dict[str, dict]:
    return {row[key]: row for row in records}


def _outputs(path, tmp_path) -> dict:
    """What every command says about ``path`` on AS_OF: capacity, demand, agreements, the
    map's municipality figures, find and the workbook's sheets."""
    common = ["--as-of", AS_OF]
    outputs = {
        "capacity": _by_area(_json(cli("capacity", path, *common, "-f", "json"))),
        "demand": [
            row
            for row in _json(cli("demand", path, *common, "-f", "json"))
            if row["segment"] == "Totaal"
        ],
        "agreements": _by_area(
            _json(cli("agreements", path, *common, "-f", "json")), "afspraak_id"
        ),
        "find": cli("find", path, *common, "--min-ha", "0", "-f", "json"),
    }
    target = tmp_path / "kaart.html"
    assert cli("map", path, *common, "-o", target).exit_code == 0
    municipalities = page_data(target.read_text(encoding="utf-8"))["municipalities"]
    outputs["map"] = {
        name: dict(zip(("hard_ha", "zacht_ha"), figures[:2], strict=True))
        for name, figures in zip(municipalities["name"], municipalities["figures"], strict=True)
    }
    workbook = tmp_path / "studie.xlsx"
    assert cli("export", path, *common, "--to", workbook).exit_code == 0
    sheets = pd.read_excel(workbook, sheet_name=None)
    outputs["workbook"] = {
        "gemeenten": sheets["gemeenten"].set_index("gebied"),
        "vraag": sheets["vraag en aanbod"],
    }
    return outputs


def _same(a, b) -> bool:
    """Equal figures, or both unknown (None, NaN or an empty cell)."""
    unknown_a = a is None or (isinstance(a, float) and math.isnan(a))
    unknown_b = b is None or (isinstance(b, float) and math.isnan(b))
    return unknown_a == unknown_b and (unknown_a or a == pytest.approx(b, abs=0.005))


def _assert_consistent(outputs: dict, expected_hard: dict[str, float | None]) -> None:
    """Every output states ``expected_hard`` (None: unknown) per municipality."""
    workbook = outputs["workbook"]["gemeenten"]
    demand = _by_area(outputs["demand"])
    vraag = _by_area(outputs["workbook"]["vraag"].query("segment == 'Totaal'").to_dict("records"))
    for name, hard in expected_hard.items():
        said = {
            "capacity": outputs["capacity"][name]["hard_ha"],
            "workbook": workbook.loc[name, "hard_ha"],
        }
        if name != "Totaal":
            said["demand"] = demand[name]["aanbod_hard_ha"]
            said["workbook demand"] = vraag[name]["aanbod_hard_ha"]
            if name in outputs["map"]:
                said["map"] = outputs["map"][name]["hard_ha"]
        for where, value in said.items():
            assert _same(value, hard), f"{where} says {value} ha hard for {name}, not {hard}"


def test_every_command_states_the_hand_worked_figures(hand_worked, tmp_path):
    path = tmp_path / "kavels.geojson"
    hand_worked.to_file(path)
    (tmp_path / "agreements.csv").write_text(AGREEMENTS, encoding="utf-8")
    outputs = _outputs(path, tmp_path)
    _assert_consistent(outputs, HARD)
    # the agreements count the same hectares: Assen's hard land, Emmen's hard + soft
    assert outputs["agreements"]["A-1"]["actual_ha"] == pytest.approx(HARD["Assen"])
    assert outputs["agreements"]["E-1"]["actual_ha"] == pytest.approx(HARD["Emmen"] + SOFT["Emmen"])
    # find lists every unsold parcel: their hectares are the hard plus the soft capacity
    found = _json(outputs["find"])
    assert sum(row["oppervlakte_ha"] for row in found) == pytest.approx(
        HARD["Totaal"] + SOFT["Totaal"]
    )


def _park_table(tmp_path, **figures) -> str:
    """Two parks with outlines, as IBIS park exports have them: Emmen 10 ha gross / 8 ha net,
    Assen 20 ha / 15 ha (m² as text); ``figures`` adds IBIS figure columns (hectares)."""
    rows = pd.DataFrame(
        {
            "RIN_NUMMER": ["5", "6"],
            "PLAN_NAAM": ["Park A", "Park B"],
            "GEMEENTE": ["Emmen", "Assen"],
            "PROVINCIE": ["Drenthe", "Drenthe"],
            "OPPBRUTO": ["100000", "200000"],
            "OPPNETTO": ["80000", "150000"],
            **figures,
        }
    )
    outlines = [
        rect(0, 0, 250, 400, "Emmen"),  # 10 ha
        rect(1000, 0, 500, 400),  # 20 ha
    ]
    path = tmp_path / "parken.geojson"
    gpd.GeoDataFrame(rows, geometry=outlines, crs="EPSG:28992").to_file(path)
    (tmp_path / "agreements.csv").write_text(AGREEMENTS, encoding="utf-8")
    return str(path)


def test_a_park_table_without_sale_figures_is_unknown_in_every_command(tmp_path):
    outputs = _outputs(_park_table(tmp_path), tmp_path)
    _assert_consistent(outputs, {"Emmen": None, "Assen": None, "Totaal": None})
    assert outputs["capacity"]["Emmen"]["bruto_ha"] == pytest.approx(10.0)
    assert outputs["workbook"]["gemeenten"].loc["Assen", "netto_ha"] == pytest.approx(15.0)
    for row in outputs["demand"]:  # no verdict on figures nobody knows
        assert row["oordeel"] is None and row["uitgifte_ha_per_jaar"] is None
    for agreement in outputs["agreements"].values():
        assert agreement["status"] == "onbekend" and agreement["actual_ha"] is None
        assert "no status" in agreement["reden"]
    find = outputs["find"]
    assert find.exit_code == 0 and json.loads(find.stdout) == []
    assert "2 records have no status" in find.stderr


def test_a_park_table_with_only_some_sale_figures(tmp_path):
    # sales and immediately available land given, the plan phase not: hard/soft unknown
    path = _park_table(
        tmp_path,
        UITGEGEVEN=["5", "10"],
        TERSTOND_UITGEEFBAAR=["3", "5"],
        NIET_TERSTOND_UITGEEFBAAR=["0", "0"],
    )
    outputs = _outputs(path, tmp_path)
    _assert_consistent(outputs, {"Emmen": None, "Assen": None, "Totaal": None})
    for name, sold in (("Emmen", 5.0), ("Assen", 10.0)):
        assert outputs["capacity"][name]["uitgegeven_ha"] == pytest.approx(sold)
        assert outputs["workbook"]["gemeenten"].loc[name, "uitgegeven_ha"] == pytest.approx(sold)


def _calls(profile: cProfile.Profile, function: str) -> int:
    """How often ``function`` (a function of terreinen) ran under ``profile``."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return sum(
        calls
        for (file, _, name), (calls, *_rest) in stats.items()
        if name == function and "terreinen" in file
    )


def test_overview_computes_the_parcel_figures_once(tmp_path):
    """The main job on the embedded data: the per-parcel figures once for the as-of date,
    the agreements and region tables read once each by the study (the comparison takes
    the checked tables)."""
    profile = cProfile.Profile()
    profile.enable()
    result = cli("--quiet", "overview", "--as-of", "2026-01-01", "--out-dir", tmp_path / "maps")
    profile.disable()
    assert result.exit_code == 0, result.stderr
    assert _calls(profile, "parcel_figures") == 1
    assert _calls(profile, "compare_read_agreements") == 1
    assert _calls(profile, "read_agreements") == 1
    assert _calls(profile, "read_regions") == 1
    # one capacity table per level for the whole study; the municipal maps take their rows
    assert _calls(profile, "capacity_sums_of") == 3  # provincie, gemeente, (gemeente, terrein)


def test_a_municipality_slice_states_the_whole_studys_figures(hand_worked):
    study = Study(hand_worked, as_of=AS_OF)
    assen = study.for_gemeente("Assen")
    own = capacity(hand_worked[hand_worked["gemeente"] == "Assen"], "gemeente", as_of=AS_OF)
    sliced = assen.capacity("gemeente")
    pd.testing.assert_frame_equal(sliced, own, check_dtype=False)
    assert sliced.loc[0, "hard_ha"] == pytest.approx(HARD["Assen"])
    assert assen.figures.index.equals(hand_worked.index[hand_worked["gemeente"] == "Assen"])
    with pytest.raises(LookupError, match="did you mean 'Assen'"):
        study.for_gemeente("Asen")


def test_a_park_table_without_its_largest_part_says_so(tmp_path):
    """Sale figures but no GROOTST_UITGEEFBARE_DEEL: the largest available part is unknown,
    with its reason, not 0 ha; given, it is the parks' figure (Emmen 1.5 ha, Assen 2 ha)."""
    sales = {
        "TERSTOND_UITGEEFBAAR": ["2", "3"],
        "NIET_TERSTOND_UITGEEFBAAR": ["1", "1"],
        "UITGEGEVEN": ["5", "11"],
    }
    table = capacity(read_parcels(_park_table(tmp_path, **sales)), as_of="2026-01-01")
    assert table["grootste_kavel_ha"].isna().all()
    assert "GROOTST_UITGEEFBARE_DEEL" in table.attrs["onbekend"]["grootste_kavel_ha"]
    assert table.set_index("gebied").loc["Assen", "terstond_ha"] == pytest.approx(3.0)
    given = _park_table(tmp_path, **sales, GROOTST_UITGEEFBARE_DEEL=["1.5", "2"])
    largest = capacity(read_parcels(given), as_of="2026-01-01").set_index("gebied")
    assert largest["grootste_kavel_ha"].to_dict() == {"Assen": 2.0, "Emmen": 1.5, "Totaal": 2.0}
