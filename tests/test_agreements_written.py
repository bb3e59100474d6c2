"""Agreements as they are written: named parks, minimum agreements, the optional columns'
defaults and their bad values. (Additions over a register's history: test_agreements_history.)"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import AS_OF, REGIONS, build, cli, frame, parcel, rect
from test_agreements import AGREEMENTS

from terreinen import TerreinenDataError, read_parcels
from terreinen.agreements import compare_agreements

HEADER = ["afspraak_id", "gebied", "niveau", "segment", "plancapaciteit", "max_ha",
          "periode_start", "periode_eind", "terreinen", "grondslag", "soort"]  # fmt: skip


def agreements(*rows) -> pd.DataFrame:
    return pd.DataFrame([list(row) for row in rows], columns=HEADER)


@pytest.fixture(scope="module")
def two_parks():
    """Assen: Noord (RIN 0106001) 1 + 2 ha hard, 0.5 ha soft; Zuid (RIN 0106002) 3 ha hard.
    Emmen: Oost 1.5 ha hard."""
    rows = [
        ("N1", "Noord", "0106001", "Assen", 100, 100, 1),
        ("N2", "Noord", "0106001", "Assen", 200, 100, 2),
        ("N3", "Noord", "0106001", "Assen", 50, 100, 3),
        ("Z1", "Zuid", "0106002", "Assen", 300, 100, 1),
        ("O1", "Oost", "0114001", "Emmen", 150, 100, 1),
    ]
    parcels, x = [], 0.0
    for kavel_id, terrein, rin, gemeente, w, h, phase in rows:
        parcels.append(
            parcel(kavel_id, rect(x, 0, w, h, gemeente), terrein=terrein, rin_nummer=rin,
                   gemeente=gemeente, planfase=phase)
        )  # fmt: skip
        x += w + 10
    return read_parcels(frame(parcels))


def test_a_minimum_below_its_figure_reads_tekort():
    table = compare_agreements(
        build(),
        agreements(
            [
                "M1",
                "Assen",
                "gemeente",
                "",
                "hard",
                8,
                "2020-01-01",
                "2030-12-31",
                "",
                "",
                "minimum",
            ],
            ["M2", "Assen", "gemeente", "", "hard", 6, "2020-01-01", "2030-12-31", "", "", "min"],
        ),
        as_of=AS_OF,
    ).set_index("afspraak_id")
    # Assen hard on AS_OF: A 1 + B 2 + G 4 (sold after the as-of date) = 7 ha
    assert table.loc["M1", "actual_ha"] == pytest.approx(7.0)
    assert table.loc["M1", "status"] == "tekort"
    assert table.loc["M1", "ruimte_ha"] == pytest.approx(7.0 - 8.0)  # 1 ha short
    assert table.loc["M2", "status"] == "binnen_afspraak"
    assert table.loc["M2", "ruimte_ha"] == pytest.approx(7.0 - 6.0)
    assert table.loc["M2", "soort"] == "minimum"  # "min" read as minimum


def test_named_parks_by_name_or_rin(two_parks):
    table = compare_agreements(
        two_parks,
        agreements(
            ["P1", "Assen", "gemeente", "", "hard", 2, "", "", "Noord", "", ""],
            ["P2", "Assen", "gemeente", "", "totaal", 10, "", "", "0106002; Noord", "", ""],
            ["P3", "Assen", "gemeente", "", "hard", 4, "", "", "", "", ""],
        ),
        as_of=AS_OF,
    ).set_index("afspraak_id", drop=False)
    assert table.loc["P1", "actual_ha"] == pytest.approx(3.0)  # N1 1 + N2 2
    assert table.loc["P1", "status"] == "overprogrammering"
    assert table.loc["P2", "actual_ha"] == pytest.approx(6.5)  # Zuid 3 + Noord 3.5
    assert table.loc["P3", "actual_ha"] == pytest.approx(6.0)  # every park of Assen
    # Emmen has no agreement; Assen is covered
    assert table.loc[table["status"] == "geen_afspraak", "gebied"].tolist() == ["Emmen"]


def test_an_agreement_on_one_park_leaves_the_others_without_one(two_parks):
    table = compare_agreements(
        two_parks,
        agreements(["P1", "Assen", "gemeente", "", "hard", 5, "", "", "Noord", "", ""]),
        as_of=AS_OF,
    )
    extra = table[table["status"] == "geen_afspraak"].set_index("gebied")["actual_ha"]
    assert extra.to_dict() == pytest.approx({"Assen": 3.0, "Emmen": 1.5})  # Zuid; Oost


def test_old_files_give_the_same_results_with_or_without_the_new_columns():
    written = AGREEMENTS.assign(terreinen="", grondslag="voorraad", soort="maximum")
    old = compare_agreements(build(), AGREEMENTS, as_of=AS_OF, regions=REGIONS)
    new = compare_agreements(build(), written, as_of=AS_OF, regions=REGIONS)
    pd.testing.assert_frame_equal(old, new)
    assert set(old["grondslag"]) == {"voorraad"} and set(old["reden"]) == {""}


def test_toevoeging_without_history_is_unknown_with_the_reason():
    table = compare_agreements(
        build(),
        agreements(
            [
                "T1",
                "Assen",
                "gemeente",
                "",
                "hard",
                5,
                "2020-01-01",
                "2030-12-31",
                "",
                "toevoeging",
                "",
            ]
        ),
        as_of=AS_OF,
    ).set_index("afspraak_id")
    assert table.loc["T1", "status"] == "onbekend"
    assert pd.isna(table.loc["T1", "actual_ha"]) and pd.isna(table.loc["T1", "ruimte_ha"])
    assert "history" in table.loc["T1", "reden"]


def test_unknown_park_names_row_column_and_suggestion(two_parks):
    with pytest.raises(TerreinenDataError) as info:
        compare_agreements(
            two_parks,
            agreements(
                ["P1", "Assen", "gemeente", "", "hard", 2, "", "", "Noord", "", ""],
                ["P2", "Assen", "gemeente", "", "hard", 2, "", "", "Noord;Zuidd", "", ""],
                ["P3", "Assen", "gemeente", "", "hard", 2, "", "", "Oost", "", ""],
            ),
            as_of=AS_OF,
        )
    first, second = info.value.report.errors
    assert (first.row, first.column) == (2, "terreinen")
    assert "'Zuidd'" in first.message and first.suggestion == "did you mean 'Zuid'?"
    assert (second.row, second.column) == (3, "terreinen")
    assert "lies in Emmen" in second.message


@pytest.mark.parametrize(
    "column, value, suggestion",
    [("grondslag", "toevoegin", "'toevoeging'"), ("soort", "minimaal", "'minimum'")],
)
def test_unknown_grondslag_or_soort(column, value, suggestion):
    table = agreements(["X", "Assen", "gemeente", "", "hard", 5, "", "", "", "", ""])
    table[column] = value
    with pytest.raises(TerreinenDataError) as info:
        compare_agreements(build(), table, as_of=AS_OF)
    [finding] = info.value.report.errors
    assert (finding.row, finding.column) == (1, column)
    assert suggestion in finding.suggestion


@pytest.mark.parametrize(
    "cell, message",
    [
        (("terreinen", "Noordd"), "did you mean 'Noord'?"),
        (("grondslag", "voorad"), "did you mean 'voorraad'?"),
        (("soort", "plafondd"), "soort"),
    ],
)
def test_cli_bad_agreements_exit_2_with_row_and_column(two_parks, tmp_path, cell, message):
    parcels_path = tmp_path / "kavels.gpkg"
    two_parks.to_file(parcels_path, driver="GPKG", engine="pyogrio")
    table = agreements(["P1", "Assen", "gemeente", "", "hard", 2, "", "", "", "", ""])
    table[cell[0]] = cell[1]
    path = tmp_path / "afspraken.csv"
    table.to_csv(path, index=False)
    result = cli("agreements", parcels_path, "--agreements", path, "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "row 1" in result.stderr and cell[0] in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
