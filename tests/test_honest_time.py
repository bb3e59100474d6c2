"""Honest time (issue 12, item 3): an as-of date past the data's own date warns, naming the
years without data, and take-up averages only the full years the data covers."""

from __future__ import annotations

import warnings

import pytest
from conftest import cli, frame, parcel, rect

from terreinen import TerreinenDataWarning, settings
from terreinen.capacity import capacity
from terreinen.io.files import read_parcels
from terreinen.study import Study


@pytest.fixture
def parcels():
    """Updated 2025-06-30. Sold: 1 ha in 2016, 2 ha in 2025. Unsold: 6 ha hard."""
    stamp = {"laatst_bijgewerkt": "2025-06-30"}
    return read_parcels(
        frame(
            [
                parcel(
                    "S1",
                    rect(0, 0, 100, 100),
                    status="uitgegeven",
                    uitgiftedatum="2016-05-01",
                    **stamp,
                ),
                parcel(
                    "S2",
                    rect(100, 0, 200, 100),
                    status="uitgegeven",
                    uitgiftedatum="2025-02-01",
                    **stamp,
                ),
                parcel("U", rect(300, 0, 600, 100), **stamp),
            ]
        )
    )


def _quiet(parcels, as_of):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning expected
        return capacity(parcels, "gemeente", as_of=as_of)


def test_within_the_data(parcels):
    table = _quiet(parcels, "2026-01-01")
    assert table.loc[0, "uitgifte_ha_per_jaar"] == pytest.approx(0.3)  # 3 ha over 2016-2025
    assert table.loc[0, "voorraad_jaren_hard"] == pytest.approx(6 / 0.3)
    assert table.attrs["uitgifte_jaren"] == (2016, 2025)


def test_past_the_data_warns_and_keeps_the_covered_years(parcels):
    with pytest.warns(TerreinenDataWarning, match="no data for 2026-2029") as caught:
        table = capacity(parcels, "gemeente", as_of="2030-01-01")
    assert "2025-06-30" in str(caught[0].message)
    # not 3 ha over 2020-2029 (0.2 ha/yr with four empty years): the same 2016-2025
    assert table.loc[0, "uitgifte_ha_per_jaar"] == pytest.approx(0.3)
    assert table.attrs["uitgifte_jaren"] == (2016, 2025)
    assert table.attrs["peildatum"] == "2030-01-01"


def test_part_of_a_year_past_the_data(parcels):
    with pytest.warns(TerreinenDataWarning, match="no data for 2026-2027"):
        table = capacity(parcels, "gemeente", as_of="2027-06-01")
    assert table.attrs["uitgifte_jaren"] == (2016, 2025)


def test_shorter_window(parcels):
    table = capacity(parcels, "gemeente", as_of="2026-01-01", takeup_years=5)
    assert table.loc[0, "uitgifte_ha_per_jaar"] == pytest.approx(2 / 5)  # 2021-2025
    assert table.attrs["uitgifte_jaren"] == (2021, 2025)


def test_embedded_data_far_ahead_equals_its_own_date(embedded):
    now = capacity(embedded, "provincie", as_of="2026-01-01")
    with pytest.warns(TerreinenDataWarning, match="2026-2029"):
        later = capacity(embedded, "provincie", as_of="2030-01-01")
    columns = ["uitgifte_ha_per_jaar", "voorraad_jaren_hard"]
    assert later[columns].to_numpy() == pytest.approx(now[columns].to_numpy())


def test_cli_says_so():
    result = cli("capacity", "--by", "provincie", "--as-of", "2030-01-01")
    assert result.exit_code == 0
    assert "no data for 2026-2029" in result.stderr
    assert "averages 2016-2025" in result.stdout
    assert "as of 2030-01-01" in result.stdout.splitlines()[0]


PARKS = (
    "RIN_NUMMER,PLAN_NAAM,GEMEENTE,PROVINCIE,JAAR,OPPBRUTO,OPPNETTO\n"
    "1,A,Assen,Drenthe,2024,100000,80000\n"
    "2,B,Emmen,Drenthe,2024,200000,150000\n"
)


def _study_warnings(parcels, as_of) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Study(parcels, as_of=as_of)
    return [str(w.message) for w in caught if issubclass(w.category, TerreinenDataWarning)]


def test_a_data_year_before_the_as_of_date_is_said(tmp_path, parcels, monkeypatch):
    """IBIS data of JAAR 2024 (the state on 2024-01-01) on 2026-06-30: said, naming 2024;
    on 2024-12-31 they are less than a year old: nothing. Parcels updated 2025-06-30 on
    2026-07-01 are a year old (take-up still averages 2016-2025): said, naming 2025."""
    monkeypatch.setattr(settings, "language", "en")
    path = tmp_path / "parks.csv"
    path.write_text(PARKS, encoding="utf-8")
    parks = read_parcels(path)
    (said,) = _study_warnings(parks, "2026-06-30")
    assert said.startswith("the data are of 2024, a year or more before the as-of date 2026-06-30")
    assert _study_warnings(parks, "2024-12-31") == []
    (said,) = _study_warnings(parcels, "2026-07-01")
    assert "the data are of 2025" in said
    assert _study_warnings(parcels, "2026-06-29") == []


def test_the_data_year_is_not_said_twice(parcels):
    # on 2030-01-01 take-up's warning names the data's date already: only that one
    assert _study_warnings(parcels, "2030-01-01") == []


def test_the_command_line_says_the_data_year_once(tmp_path):
    path = tmp_path / "parks.csv"
    path.write_text(PARKS, encoding="utf-8")
    result = cli("overview", path, "--as-of", "2026-06-30", "--out-dir", tmp_path, "--lang", "nl")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("de gegevens zijn van 2024, een jaar of meer voor de peildatum") == 1
