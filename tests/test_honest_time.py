"""Honest time (issue 12, item 3): an as-of date past the data's own date warns, naming the
years without data, and take-up averages only the full years the data covers."""

from __future__ import annotations

import warnings

import pytest
from conftest import cli, frame, parcel, rect

from terreinen import TerreinenDataWarning
from terreinen.capacity import capacity
from terreinen.io.files import read_parcels


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
