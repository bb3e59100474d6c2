"""Defaults that find their tables (issue 12, item 8): a user's file without agreements.csv /
gemeenten.csv beside it gets told how to give them; the region table beside an agreements
file is used, the embedded one never silently."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import cli, frame, parcel, rect

from terreinen import TerreinenDataError
from terreinen.agreements import compare_agreements
from terreinen.datasets import get_path


@pytest.fixture
def lonely(tmp_path):
    """A parcels file of Emmen with nothing beside it: 2 ha hard, unsold."""
    path = tmp_path / "kavels.geojson"
    frame([parcel("A", rect(0, 0, 200, 100, "Emmen"), gemeente="Emmen")]).to_file(path)
    return path


def test_overview_says_how_to_give_the_tables(lonely, tmp_path):
    result = cli("overview", lonely, "--as-of", "2026-01-01", "--out-dir", tmp_path / "maps")
    assert result.exit_code == 0, result.stderr
    assert "--agreements FILE.csv" in result.stderr and "--regions FILE.csv" in result.stderr
    assert (tmp_path / "maps" / "overview.html").is_file()


def test_agreements_without_a_table_is_exit_2(lonely):
    result = cli("agreements", lonely)
    assert result.exit_code == 2
    assert "--agreements FILE.csv" in result.stderr


def test_regional_agreement_without_region_table_is_explained(lonely, tmp_path):
    table = tmp_path / "afspraken.csv"
    table.write_text(
        "afspraak_id,gebied,niveau,plancapaciteit,max_ha\nR1,Regio Zuidoost-Drenthe,regio,hard,5\n",
        encoding="utf-8",
    )
    result = cli("agreements", lonely, "-a", table, "--as-of", "2026-01-01")
    assert result.exit_code == 2
    assert "--regions" in result.stderr and "Traceback" not in result.stderr


def test_region_table_beside_the_agreements(embedded, tmp_path):
    shutil.copy(get_path("agreements"), tmp_path / "agreements.csv")
    without = tmp_path / "alone"
    without.mkdir()
    shutil.copy(get_path("agreements"), without / "agreements.csv")
    with pytest.raises(TerreinenDataError, match="regions"):
        compare_agreements(embedded, without / "agreements.csv", as_of="2026-01-01")
    shutil.copy(get_path("gemeenten"), tmp_path / "gemeenten.csv")
    beside = compare_agreements(embedded, tmp_path / "agreements.csv", as_of="2026-01-01")
    given = compare_agreements(
        embedded, get_path("agreements"), regions=get_path("gemeenten"), as_of="2026-01-01"
    )
    pd.testing.assert_frame_equal(beside, given)
    assert "Regio Zuidoost-Drenthe" in set(beside["gebied"])
