"""terreinen.demand and `terreinen demand`: every column worked out by hand on the
hand-worked fixture of conftest, unknown take-up, and bad options."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd
import pytest
from conftest import AS_OF, REGIONS, ROWS, build, cli

from terreinen.demand import DEMAND_COLUMNS, demand
from terreinen.errors import TerreinenOptionError

NAN = math.nan
# Worked out by hand from conftest.ROWS on AS_OF (2026-06-30): take-up counts sales in
# 2016-2025 over 10 years (D 3 ha 2020 in Assen gemengd, I 1 ha 2025 in Emmen gemengd, J 1 ha
# 2016 in Hardenberg gemengd); G (Assen logistiek, 4 ha) was sold after AS_OF, so it is
# unsold hard supply then and no take-up. Horizon 10 years, factors 0.7 / 1.0 / 1.3.
# (gebied, segment): take-up, low, middle, high, hard, soft, hard - middle,
#                    hard + soft - middle, years hard, years total, verdict
EXPECTED = {
    ("Assen", "gemengd"): [0.3, 2.1, 3.0, 3.9, 2.0, 0.0, -1.0, -1.0, 2 / 0.3, 2 / 0.3, "tekort"],
    ("Assen", "zwaar"): [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.5, NAN, NAN, "voldoende"],
    ("Assen", "logistiek"): [0.0, 0.0, 0.0, 0.0, 5.0, 0.0, 5.0, 5.0, NAN, NAN, "voldoende"],
    ("Assen", "Totaal"): [0.3, 2.1, 3.0, 3.9, 7.0, 0.5, 4.0, 4.5, 7 / 0.3, 7.5 / 0.3, "voldoende"],
    ("Coevorden", "gemengd"): [0.0, 0.0, 0.0, 0.0, 1.05, 0.2, 1.05, 1.25, NAN, NAN, "voldoende"],
    ("Coevorden", "Totaal"): [0.0, 0.0, 0.0, 0.0, 1.05, 0.2, 1.05, 1.25, NAN, NAN, "voldoende"],
    ("Emmen", "gemengd"): [0.1, 0.7, 1.0, 1.3, 0.0, 0.0, -1.0, -1.0, 0.0, 0.0, "tekort"],
    ("Emmen", "woon_werk"): [0.0, 0.0, 0.0, 0.0, 0.0, 1.5, 0.0, 1.5, NAN, NAN, "voldoende"],
    ("Emmen", "Totaal"): [0.1, 0.7, 1.0, 1.3, 0.0, 1.5, -1.0, 0.5, 0.0, 15.0, "krap"],
    ("Hardenberg", "gemengd"): [0.1, 0.7, 1.0, 1.3, 0.0, 0.0, -1.0, -1.0, 0.0, 0.0, "tekort"],
    ("Hardenberg", "Totaal"): [0.1, 0.7, 1.0, 1.3, 0.0, 0.0, -1.0, -1.0, 0.0, 0.0, "tekort"],
}


def assert_rows(table: pd.DataFrame, expected: dict, per: str = "segment") -> None:
    assert list(table.columns) == ["gebied", per, *DEMAND_COLUMNS]
    got = table.set_index(["gebied", per])
    assert sorted(got.index) == sorted(expected)
    for key, values in expected.items():
        row = got.loc[key]
        *numbers, verdict = values
        for column, value in zip(DEMAND_COLUMNS[:-1], numbers, strict=True):
            if math.isnan(value):
                assert pd.isna(row[column]), (key, column)
            else:
                # CSV writes hectares and years to two decimals
                assert row[column] == pytest.approx(value, abs=0.005), (key, column)
        assert row["oordeel"] == verdict, key


def test_demand_per_municipality_and_segment(hand_worked):
    table = demand(hand_worked, "gemeente", as_of=AS_OF)
    assert_rows(table, EXPECTED)
    # each area's segments in the contract's order, its Totaal last
    assert table.loc[table["gebied"] == "Assen", "segment"].tolist() == [
        "gemengd", "zwaar", "logistiek", "Totaal"
    ]  # fmt: skip


def test_demand_per_region_counts_a_municipality_in_each_of_its_regions(hand_worked):
    table = demand(hand_worked, "regio", as_of=AS_OF, regions=REGIONS)
    got = table.set_index(["gebied", "segment"])
    # R2 = Emmen + Hardenberg: gemengd take-up (I 1 ha + J 1 ha) / 10 years, no supply
    assert got.loc[("R2", "gemengd"), "vraag_midden_ha"] == pytest.approx(2.0)
    assert got.loc[("R2", "gemengd"), "oordeel"] == "tekort"
    # R1 = Assen + Emmen: hard 7, soft 2, take-up 0.4 -> middle demand 4
    total = got.loc[("R1", "Totaal")]
    assert (total["aanbod_hard_ha"], total["aanbod_zacht_ha"]) == pytest.approx((7.0, 2.0))
    assert total["saldo_totaal_midden_ha"] == pytest.approx(7.0 + 2.0 - 4.0)


def test_demand_per_milieucategorie_with_other_factors_and_horizon(hand_worked):
    table = demand(
        hand_worked,
        "provincie",
        per="milieucategorie",
        horizon=5,
        scenarios=(0.5, 1.0, 2.0),
        as_of=AS_OF,
    ).set_index(["gebied", "milieucategorie"])
    # Drenthe 3.1: B hard 2 + L 1 + M 0.05, N soft 0.2; take-up D 3 ha / 10 years
    row = table.loc[("Drenthe", "3.1")]
    assert row[["vraag_laag_ha", "vraag_midden_ha", "vraag_hoog_ha"]].tolist() == pytest.approx(
        [0.3 * 0.5 * 5, 0.3 * 5, 0.3 * 2 * 5]
    )
    assert row["aanbod_hard_ha"] == pytest.approx(3.05)
    assert row["voorraad_jaren_totaal"] == pytest.approx(3.25 / 0.3)
    assert row["oordeel"] == "voldoende"
    # Overijssel: only Hardenberg's 3.2, J sold in the window
    assert table.loc[("Overijssel", "3.2"), "oordeel"] == "tekort"
    # milieucategorieën in the contract's order
    drenthe = table.loc["Drenthe"].index.tolist()
    assert drenthe == ["1", "2", "3.1", "4.2", "5.1", "Totaal"]


def test_unknown_takeup_is_empty_not_zero():
    # Hardenberg's sales J and K without a date: its take-up cannot be known
    rows = [(*row[:-1], None) if row[2] == "Overijssel" else row for row in ROWS]
    table = demand(build(rows), "gemeente", as_of=AS_OF).set_index(["gebied", "segment"])
    for key in [("Hardenberg", "gemengd"), ("Hardenberg", "Totaal")]:
        row = table.loc[key]
        assert row[list(DEMAND_COLUMNS[:4])].isna().all(), key
        assert row[["saldo_hard_midden_ha", "voorraad_jaren_totaal"]].isna().all()
        assert row["oordeel"] is None
        assert row["aanbod_hard_ha"] == 0.0  # supply is still known
    assert table.loc[("Assen", "Totaal"), "oordeel"] == "voldoende"


def test_one_unknown_segment_makes_the_area_total_unknown():
    # K (Hardenberg, gemengd) keeps its date; L becomes a sold undated zwaar parcel in Coevorden
    rows = [
        (*row[:5], "uitgegeven", 1, "3.1", "zwaar", "gemeente", None) if row[0] == "L" else row
        for row in ROWS
    ]
    table = demand(build(rows), "gemeente", as_of=AS_OF).set_index(["gebied", "segment"])
    assert pd.isna(table.loc[("Coevorden", "zwaar"), "uitgifte_ha_per_jaar"])
    assert pd.isna(table.loc[("Coevorden", "Totaal"), "vraag_midden_ha"])
    assert table.loc[("Coevorden", "gemengd"), "oordeel"] == "voldoende"


@pytest.mark.parametrize(
    "options, message",
    [
        ({"scenarios": (0.7, 0, 1.3)}, "three positive numbers"),
        ({"scenarios": (0.7, 1.0)}, "three positive numbers"),
        ({"scenarios": (1.3, 1.0, 0.7)}, "from low to high"),
        ({"scenarios": ("a", 1, 2)}, "three positive numbers"),
        ({"horizon": -1}, "positive number of years"),
        ({"by": "terrein"}, "choose gemeente, regio, provincie"),
        ({"per": "eigenaar"}, "choose segment, milieucategorie"),
    ],
)
def test_bad_options(hand_worked, options, message):
    with pytest.raises(TerreinenOptionError, match=message):
        demand(hand_worked, **options)


@pytest.fixture(scope="module")
def parcels_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("demand") / "kavels.gpkg"
    build().to_file(path, driver="GPKG", engine="pyogrio")
    return path


def test_cli_csv_has_the_columns_and_hand_worked_numbers(parcels_file):
    result = cli(
        "demand", parcels_file, "--as-of", AS_OF, "--format", "csv", "--csv", "international"
    )
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False, na_values=[""])
    assert_rows(table, EXPECTED)


def test_cli_unknown_is_an_empty_cell(tmp_path):
    rows = [(*row[:-1], None) for row in ROWS]  # no sale dates at all
    path = tmp_path / "zonder_datums.gpkg"
    build(rows).to_file(path, driver="GPKG", engine="pyogrio")
    result = cli("demand", path, "--as-of", AS_OF, "--format", "csv", "--csv", "international")
    assert result.exit_code == 0, result.stderr
    cells = next(r for r in csv.reader(io.StringIO(result.stdout)) if r[:2] == ["Assen", "Totaal"])
    assert cells[2:6] == ["", "", "", ""] and cells[-1] == ""
    # hard supply is still known: A 1 + B 2 (G, undated, is sold on every date)
    assert float(cells[6]) == pytest.approx(3.0)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scenarios", "0.7,0,1.3"], "three positive numbers"),
        (["--scenarios", "0.7,-1,1.3"], "three positive numbers"),
        (["--scenarios", "laag,midden,hoog"], "numbers separated by commas"),
        (["--scenarios", "0.7,1.0"], "three positive numbers"),
        (["--horizon", "0"], "positive number of years"),
        (["--by", "kern"], "choose gemeente, regio, provincie"),
        (["--by", "regio"], "municipality/region table"),
    ],
)
def test_cli_bad_options_exit_2_in_plain_words(parcels_file, args, message):
    result = cli("demand", parcels_file, *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
