"""Per-parcel figures: each parcel's hectares in every figure of the contract on an as-of
date (peildatum). Capacity tables, IBIS tables and maps sum these.

A parcel sold after the as-of date counts as unsold on that date (as
``terstond_uitgeefbaar``: it was issued, so it was available).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from terreinen import schema, settings

__all__ = ["as_of_date", "parcel_figures", "sale_dates", "status_on"]


def as_of_date(as_of: str | dt.date | pd.Timestamp | None) -> pd.Timestamp:
    """The as-of date as a Timestamp; today when None."""
    return pd.Timestamp(dt.date.today() if as_of is None else as_of).normalize()


def sale_dates(parcels: pd.DataFrame) -> pd.Series:
    """``uitgiftedatum``, or no dates at all where the optional column is absent."""
    if "uitgiftedatum" in parcels:
        return parcels["uitgiftedatum"]
    return pd.Series(pd.NaT, index=parcels.index, dtype="datetime64[ns]")


def status_on(parcels: pd.DataFrame, as_of=None) -> pd.Series:
    """Each parcel's status on the as-of date: sold after it means still unsold then."""
    status = parcels["status"].astype(object)
    sold_later = (status == "uitgegeven") & (sale_dates(parcels) > as_of_date(as_of))
    return status.mask(sold_later, "terstond_uitgeefbaar")


def parcel_figures(
    parcels: pd.DataFrame, *, as_of=None, takeup_years: int | None = None
) -> pd.DataFrame:
    """Per parcel, its hectares in each figure of docs/data-model.md (0 where it does not
    count).

    >>> from terreinen.datasets import get_path
    >>> from terreinen.loading import read_parcels
    >>> parcels = read_parcels(get_path("parcels"))
    >>> parcel_figures(parcels, as_of="2026-01-01")[["hard_ha", "zacht_ha"]].sum().round(2)
    hard_ha     463.72
    zacht_ha    196.07
    dtype: float64
    """
    date = as_of_date(as_of)
    years = settings.takeup_years if takeup_years is None else takeup_years
    status = status_on(parcels, date).to_numpy()
    ha = parcels["oppervlakte_ha"].to_numpy(dtype=float)
    phase = parcels["planfase"].to_numpy(dtype=float)
    unsold = np.isin(status, schema.UNSOLD_STATUSES)
    hard = unsold & np.isin(phase, schema.HARD_PHASES)
    soft = unsold & np.isin(phase, schema.SOFT_PHASES)
    figures = {
        "bruto_ha": ha,
        "netto_ha": np.where(status != "niet_uitgeefbaar", ha, 0.0),
        "uitgegeven_ha": np.where(status == "uitgegeven", ha, 0.0),
        "optie_ha": np.where(status == "optie", ha, 0.0),
        "terstond_ha": np.where(status == "terstond_uitgeefbaar", ha, 0.0),
        "niet_terstond_ha": np.where(status == "niet_terstond_uitgeefbaar", ha, 0.0),
        "hard_ha": np.where(hard, ha, 0.0),
        "zacht_ha": np.where(soft, ha, 0.0),
        "onverkocht_ha": np.where(unsold, ha, 0.0),
        # IBIS park records carry their largest available part; parcels are their own
        "grootste_ha": np.where(unsold, parcels.get("grootste_deel_ha", ha), 0.0),
        "uitgifte_ha": np.where(_sold_in_window(parcels, date, years), ha, 0.0),
    }
    return pd.DataFrame(figures, index=parcels.index)


def _sold_in_window(parcels: pd.DataFrame, date: pd.Timestamp, years: int) -> np.ndarray:
    """Sold in the ``years`` full calendar years before the as-of date."""
    if years <= 0:
        return np.zeros(len(parcels), bool)
    sale_year = sale_dates(parcels).dt.year
    sold = parcels["status"].astype(object) == "uitgegeven"
    return (sold & sale_year.between(date.year - years, date.year - 1)).to_numpy()
