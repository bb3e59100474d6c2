"""Right or visibly unknown on partial park tables (issue 21, item 4): any subset of IBIS's
figure columns gives, for every capacity figure, the figure the full table gives or
unknown; never a crash, never a 0 that the full table does not have."""

from __future__ import annotations

import functools
import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terreinen.capacity import capacity
from terreinen.io.ibis import ibis_to_parcels
from terreinen.maps import overview_map
from terreinen.study import Study

AS_OF = "2025-06-30"
REGIONS = pd.DataFrame({"gemeente": ["Assen"], "provincie": ["Drenthe"], "regio": ["Noord"]})
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


def _park(columns) -> dict[str, str]:
    """The one park (50 ha gross, 40 ha net in Assen) with ``columns`` of its figures."""
    return {
        "RIN_NUMMER": "1",
        "PLAN_NAAM": "Park",
        "GEMEENTE": "Assen",
        "PROVINCIE": "Drenthe",
        "JAAR": "2025",
        "OPPBRUTO": "500000",
        "OPPNETTO": "400000",
        **{name: FULL[name] for name in columns},
    }


def _figures(columns) -> dict:
    row = _park(columns)
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


AGREEMENTS = pd.DataFrame(
    {
        "afspraak_id": ["H", "Z"],
        "gebied": ["Assen", "Assen"],
        "niveau": ["gemeente", "gemeente"],
        "segment": [None, None],
        "plancapaciteit": ["hard", "zacht"],
        "max_ha": [100.0, 100.0],
        "periode_start": ["2020-01-01", "2020-01-01"],
        "periode_eind": ["2030-12-31", "2030-12-31"],
        "bron": ["test", "test"],
    }
)
# the full table by hand: hard = 12 + 8 - 3 soft = 17 ha, soft 3 ha
FULL_FIGURES = {
    "capacity hard": 17.0,
    "capacity soft": 3.0,
    "demand hard": 17.0,
    "demand soft": 3.0,
    "agreement H": 17.0,
    "agreement Z": 3.0,
    "map hard": 17.0,
    "map soft": 3.0,
    "map park terstond": 12.0,
}


def _every_command(columns) -> dict:
    """What capacity, demand, the agreements and the map's municipality and park figures
    say of the one park given ``columns`` of its figures (with its outline)."""
    row = _park(columns)
    outline = shapely.box(233_000, 557_000, 233_500, 558_000)  # 50 ha in Assen
    frame = gpd.GeoDataFrame([row], geometry=[outline], crs="EPSG:28992")
    parcels, report = ibis_to_parcels(frame, "parks.gpkg")
    assert report.ok, report.findings
    study = Study(parcels, as_of=AS_OF, agreements=AGREEMENTS, regions=REGIONS)
    capacity_row = study.capacity("gemeente").set_index("gebied").loc["Assen"]
    demand_row = study.demand("gemeente").set_index(["gebied", "segment"]).loc[("Assen", "Totaal")]
    agreements = study.comparison.set_index("afspraak_id")["actual_ha"]
    data = overview_map(study).data
    towns = data["municipalities"]
    municipal = dict(zip(towns["name"], towns["figures"], strict=True))
    park = data["parks"]["figures"][0]
    return {
        "capacity hard": capacity_row["hard_ha"],
        "capacity soft": capacity_row["zacht_ha"],
        "demand hard": demand_row["aanbod_hard_ha"],
        "demand soft": demand_row["aanbod_zacht_ha"],
        "agreement H": agreements["H"],
        "agreement Z": agreements["Z"],
        "map hard": municipal["Assen"][0],
        "map soft": municipal["Assen"][1],
        "map park terstond": park[3],
    }


def _unknown(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_every_command_on_the_full_table_by_hand():
    said = _every_command(FULL)
    assert said == pytest.approx(FULL_FIGURES)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(st.sampled_from(sorted(FULL))))
def test_any_subset_in_every_command_gives_the_full_figure_or_unknown(columns):
    for where, value in _every_command(columns).items():
        assert _unknown(value) or math.isclose(value, FULL_FIGURES[where], abs_tol=1e-6), (
            where,
            sorted(columns),
            value,
        )
