"""Demand beside supply (the first step of the Ladder for sustainable urbanisation): expected
need for land over a horizon under low, middle and high take-up scenarios, against the hard
and soft plan capacity of the same area and segment, exactly as defined in
docs/data-model.md ("Demand").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from terreinen import schema, settings
from terreinen.capacity import TOTAL, area_keys
from terreinen.errors import TerreinenOptionError
from terreinen.figures import AsOf, as_of_date, parcel_figures, sale_dates, status_on
from terreinen.i18n import t

__all__ = ["DEMAND_COLUMNS", "DEMAND_LEVELS", "DEMAND_SPLITS", "check_scenarios", "demand"]

DEMAND_LEVELS = ("gemeente", "regio", "provincie")
DEMAND_SPLITS = ("segment", "milieucategorie")
#: the columns after ``gebied`` and the split column (``segment`` or ``milieucategorie``)
DEMAND_COLUMNS = (
    "uitgifte_ha_per_jaar",
    "vraag_laag_ha",
    "vraag_midden_ha",
    "vraag_hoog_ha",
    "aanbod_hard_ha",
    "aanbod_zacht_ha",
    "saldo_hard_midden_ha",
    "saldo_totaal_midden_ha",
    "voorraad_jaren_hard",
    "voorraad_jaren_totaal",
    "oordeel",
)
_ORDER = {"segment": schema.SEGMENTS, "milieucategorie": schema.MILIEUCATEGORIEEN}


def check_scenarios(scenarios: Sequence[float]) -> tuple[float, float, float]:
    """Three take-up factors, low to high, each a positive number.

    >>> check_scenarios([0.5, 1, 2])
    (0.5, 1.0, 2.0)
    """
    try:
        factors = tuple(float(f) for f in scenarios)
    except (TypeError, ValueError):
        factors = ()
    if len(factors) != 3 or not all(np.isfinite(f) and f > 0 for f in factors):
        raise TerreinenOptionError(
            t(
                "scenarios {scenarios}: give three positive numbers (low, middle, high "
                "take-up factors), e.g. 0.7,1.0,1.3",
                scenarios=repr(list(scenarios)),
            )
        )
    if not factors[0] <= factors[1] <= factors[2]:
        raise TerreinenOptionError(
            t(
                "scenarios {scenarios}: give the factors from low to high, e.g. 0.7,1.0,1.3",
                scenarios=repr(list(factors)),
            )
        )
    return factors  # type: ignore[return-value]


def demand(
    parcels: pd.DataFrame,
    by: str = "gemeente",
    *,
    per: str = "segment",
    horizon: float | None = None,
    scenarios: Sequence[float] | None = None,
    takeup_years: int | None = None,
    as_of: AsOf = None,
    regions: pd.DataFrame | str | Path | None = None,
    figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Demand against supply per area (``by``: gemeente, regio, provincie) and ``per``
    segment or milieucategorie, with a ``Totaal`` row per area.

    Take-up is capacity's ``uitgifte_ha_per_jaar`` of that segment in that area; demand is
    take-up x factor x ``horizon`` years (factors ``scenarios``, low/middle/high, default
    ``settings.demand_scenarios``); supply is the unsold hard and soft capacity. Take-up is
    unknown (empty, and so is everything computed from it) where the area's sold parcels
    of that segment carry no sale date at all, or where any of its land has no status;
    supply is unknown where any of its unsold land has no status or no plan phase. An
    unknown figure makes the ``oordeel`` unknown too (empty): unknown is not zero.
    ``figures``: the parcels' :func:`terreinen.figures.parcel_figures` on the same date,
    when already computed (see :class:`terreinen.study.Study`).

    >>> from terreinen.datasets import get_path
    >>> from terreinen.io.files import read_parcels
    >>> table = demand(read_parcels(get_path("parcels")), by="provincie", as_of="2026-01-01")
    >>> totals = table[table["segment"] == "Totaal"].set_index("gebied")
    >>> totals[["uitgifte_ha_per_jaar", "vraag_midden_ha", "aanbod_hard_ha", "oordeel"]].round(2)
                uitgifte_ha_per_jaar  vraag_midden_ha  aanbod_hard_ha    oordeel
    gebied
    Drenthe                    37.86           378.59          407.86  voldoende
    Overijssel                  5.79            57.86           55.86     tekort
    """
    if by not in DEMAND_LEVELS:
        raise TerreinenOptionError(
            t(
                "cannot group demand by {by}; choose {choices}",
                by=repr(by),
                choices=", ".join(DEMAND_LEVELS),
            )
        )
    if per not in DEMAND_SPLITS:
        raise TerreinenOptionError(
            t(
                "cannot split demand per {per}; choose {choices}",
                per=repr(per),
                choices=", ".join(DEMAND_SPLITS),
            )
        )
    horizon = settings.demand_horizon_years if horizon is None else horizon
    if not (isinstance(horizon, int | float) and np.isfinite(horizon) and horizon > 0):
        raise TerreinenOptionError(
            t(
                "{name} {value}: give a positive number of years",
                name="horizon",
                value=repr(horizon),
            )
        )
    low, middle, high = check_scenarios(
        settings.demand_scenarios if scenarios is None else scenarios
    )
    years = settings.takeup_years if takeup_years is None else takeup_years
    if years <= 0:
        raise TerreinenOptionError(
            t(
                "{name} {value}: give a positive number of years",
                name="takeup_years",
                value=repr(years),
            )
        )
    date = as_of_date(as_of)

    if figures is None:
        figures = parcel_figures(parcels, as_of=date, takeup_years=years)
    sold = status_on(parcels, date).to_numpy() == "uitgegeven"
    parts = pd.DataFrame(
        {
            "uitgifte_ha": figures["uitgifte_ha"],
            "aanbod_hard_ha": figures["hard_ha"],
            "aanbod_zacht_ha": figures["zacht_ha"],
            "_sold": sold.astype(int),
            "_dated": (sold & sale_dates(parcels).notna().to_numpy()).astype(int),
            "_no_takeup": (figures["onbekend_status"] | figures["onbekend_uitgiftedatum"]),
            "_no_supply": (figures["onbekend_status"] | figures["onbekend_planfase"]),
            per: parcels[per].astype(object),
        },
        index=parcels.index,
    )
    keys = area_keys(parcels, [by], regions)
    rows = pd.concat(
        [parts.loc[keys.index].reset_index(drop=True), keys[[by]].reset_index(drop=True)], axis=1
    ).rename(columns={by: "gebied"})
    sums = ["uitgifte_ha", "aanbod_hard_ha", "aanbod_zacht_ha", "_sold", "_dated"]
    flags = ["_no_takeup", "_no_supply"]
    aggregations = {**dict.fromkeys(sums, "sum"), **dict.fromkeys(flags, "any")}
    split = rows.groupby(["gebied", per], sort=False).agg(aggregations).reset_index()
    totals = (
        rows.groupby("gebied", sort=False).agg(aggregations).reset_index().assign(**{per: TOTAL})
    )
    table = pd.concat([split, totals], ignore_index=True)
    table = table.iloc[_ordered(table, per)].reset_index(drop=True)

    unknown = ((table["_sold"] > 0) & (table["_dated"] == 0)) | table["_no_takeup"]
    if len(split):  # an area's total is unknown when one of its parts is
        unknown_areas = table.loc[unknown, "gebied"].unique()
        unknown |= (table[per] == TOTAL) & table["gebied"].isin(unknown_areas)
    takeup = (table["uitgifte_ha"] / years).mask(unknown)
    no_supply = table["_no_supply"].astype(bool)
    hard = table["aanbod_hard_ha"].mask(no_supply)
    soft = table["aanbod_zacht_ha"].mask(no_supply)
    table["aanbod_hard_ha"], table["aanbod_zacht_ha"] = hard, soft
    need = takeup * middle * horizon
    table["uitgifte_ha_per_jaar"] = takeup
    table["vraag_laag_ha"] = takeup * low * horizon
    table["vraag_midden_ha"] = need
    table["vraag_hoog_ha"] = takeup * high * horizon
    table["saldo_hard_midden_ha"] = hard - need
    table["saldo_totaal_midden_ha"] = hard + soft - need
    selling = takeup.where(takeup > 0)  # no years of supply without take-up
    table["voorraad_jaren_hard"] = hard / selling
    table["voorraad_jaren_totaal"] = (hard + soft) / selling
    verdict = np.where(hard + soft < need, "tekort", np.where(hard < need, "krap", "voldoende"))
    table["oordeel"] = pd.Series(verdict, index=table.index, dtype=object).mask(
        unknown | no_supply, None
    )
    table.attrs["onbekend"] = _unknown_reasons(unknown, no_supply)
    return table[["gebied", per, *DEMAND_COLUMNS]]


def _unknown_reasons(no_takeup: pd.Series, no_supply: pd.Series) -> dict[str, str]:
    """{column: why} for the columns a table leaves unknown (empty)."""
    reasons: dict[str, str] = {}
    derived = (
        "saldo_hard_midden_ha",
        "saldo_totaal_midden_ha",
        "voorraad_jaren_hard",
        "voorraad_jaren_totaal",
        "oordeel",
    )
    if no_takeup.any():
        why = t("the data hold no status or no sale dates for part of the land")
        for column in ("uitgifte_ha_per_jaar", "vraag_laag_ha", "vraag_midden_ha"):
            reasons[column] = why
        reasons.update(dict.fromkeys(("vraag_hoog_ha", *derived), why))
    if no_supply.any():
        why = t("the data hold no status or no plan phase for part of the unsold land")
        for column in ("aanbod_hard_ha", "aanbod_zacht_ha", *derived):
            reasons[column] = "; ".join(filter(None, (reasons.get(column), why)))
    return reasons


def _ordered(table: pd.DataFrame, per: str) -> np.ndarray:
    """Row positions: areas by name; within each, the contract's order of the split's
    values, other values by name, then the area's Totaal."""
    known = {value: rank for rank, value in enumerate(_ORDER[per])}
    values = table[per].astype(str)
    rank = values.map(known).fillna(len(known)).where(values != TOTAL, len(known) + 1)
    keys = pd.DataFrame({"gebied": table["gebied"].astype(str), "rank": rank, "value": values})
    return keys.sort_values(["gebied", "rank", "value"], kind="stable").index.to_numpy()
