"""terreinen.io.ibis: the park-level export and reading it back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import AS_OF, build

from terreinen import read_parcels
from terreinen.capacity import capacity
from terreinen.io.ibis import IBIS_COLUMNS, to_ibis


@pytest.fixture(scope="module")
def ibis():
    return to_ibis(build(), as_of=AS_OF).set_index("PLAN_NAAM", drop=False)


def test_layout(ibis):
    assert list(ibis.columns) == [*IBIS_COLUMNS, "geometry"]
    assert ibis.crs.to_epsg() == 28992


def test_park_figures(ibis):
    assen = ibis.loc["Park Assen"]
    assert assen["OPPBRUTO"] == pytest.approx(112_000)  # m²
    assert assen["OPPNETTO"] == pytest.approx(110_000)
    assert assen["UITGEGEVEN"] == pytest.approx(3.5)
    assert assen["UITGEGEVEN_JAAR"] == 0  # G is sold after the as-of date
    # terstond A 1 (gemeente) + G 4 (particulier) + optie C 0.5 (gemeente)
    assert assen["TERSTOND_UITGEEFBAAR"] == pytest.approx(5.5)
    assert assen["TERSTOND_UITGEEFBAAR_GEMEENTE"] == pytest.approx(1.5)
    assert assen["TERSTOND_UITGEEFBAAR_PARTICULIER"] == pytest.approx(4.0)
    assert assen["NIET_TERSTOND_UITGEEFBAAR_PARTICULIER"] == pytest.approx(2.0)
    assert assen["ZACHTE_PLANCAPACITEIT"] == pytest.approx(0.5)
    assert assen["GROOTST_UITGEEFBARE_DEEL"] == pytest.approx(4.0)
    assert assen["MAX_MILIEUCATEGORIE"] == 5  # C is 5.1: IBIS records the main number
    assert assen.geometry.area == pytest.approx(112_000)
    assert ibis.loc["Park Emmen", "UITGEGEVEN_JAAR"] == 0
    in_year = to_ibis(build(), as_of="2025-12-31").set_index("PLAN_NAAM")
    assert in_year.loc["Park Emmen", "UITGEGEVEN_JAAR"] == pytest.approx(1.0)  # I, 31-12-2025


@pytest.mark.parametrize("suffix", [".gpkg", ".csv"])
def test_round_trip(tmp_path, ibis, suffix):
    path = tmp_path / f"ibis{suffix}"
    if suffix == ".csv":
        pd.DataFrame(ibis.drop(columns="geometry")).to_csv(path, index=False)
    else:
        ibis.reset_index(drop=True).to_file(path)
    parks = read_parcels(path)  # a CSV table without outlines still gives the figures
    again = to_ibis(parks, as_of=AS_OF) if suffix == ".gpkg" else None
    figures = [
        c
        for c in IBIS_COLUMNS
        if c.startswith(("OPP", "UITGEGEVEN", "TERSTOND", "NIET", "ZACHTE", "GROOTST", "MAX"))
    ]
    if again is not None:
        np.testing.assert_allclose(
            again.set_index("PLAN_NAAM").loc[ibis.index, figures].astype(float),
            ibis[figures].astype(float),
            atol=1e-6,
        )
    table = capacity(parks, "terrein", as_of=AS_OF).set_index("gebied")
    original = capacity(build(), "terrein", as_of=AS_OF).set_index("gebied")
    for column in (
        "bruto_ha",
        "netto_ha",
        "uitgegeven_ha",
        "niet_terstond_ha",
        "hard_ha",
        "zacht_ha",
        "grootste_kavel_ha",
    ):
        np.testing.assert_allclose(table[column], original[column], atol=1e-6, err_msg=column)


def test_embedded_round_trip(tmp_path, embedded):
    exported = to_ibis(embedded, as_of="2026-01-01")
    assert len(exported) == embedded["terrein"].nunique()
    path = tmp_path / "ibis.gpkg"
    exported.to_file(path)
    again = to_ibis(read_parcels(path), as_of="2026-01-01")
    numbers = exported.select_dtypes("number").columns
    np.testing.assert_allclose(again[numbers], exported[numbers], atol=1e-6)
