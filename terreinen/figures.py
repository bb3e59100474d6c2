"""Per-parcel figures: each parcel's hectares in every figure of the contract on an as-of
date (peildatum). Capacity tables, IBIS tables and maps sum these.

A parcel sold after the as-of date counts as unsold on that date (as
``terstond_uitgeefbaar``: it was issued, so it was available).

Unknown is not zero: a record without a status (an IBIS park table without sale figures),
an unsold one without a plan phase, or a sale in data that hold no sale dates at all gives
NaN for the figures it cannot support, and a ``onbekend_<cause>`` flag (see :data:`UNKNOWN`).
"""

from __future__ import annotations

import datetime as dt
import numbers
from typing import TypeAlias

import numpy as np
import pandas as pd

from terreinen import schema, settings
from terreinen.errors import TerreinenOptionError
from terreinen.i18n import t

__all__ = [
    "UNKNOWN",
    "AsOf",
    "as_of_date",
    "data_date",
    "data_dates",
    "data_year",
    "date_range",
    "dated",
    "parcel_figures",
    "sale_dates",
    "status_on",
    "takeup_window",
    "years_without_data",
]

_SALE_FIGURES = ("uitgegeven_ha", "optie_ha", "terstond_ha", "niet_terstond_ha", "onverkocht_ha")
#: cause -> (why, in English: the source string of its translation; the capacity figures
#: it leaves unknown)
UNKNOWN = {
    "status": (
        "the data hold no status (sale figures)",
        (
            *_SALE_FIGURES[:4],
            "hard_ha",
            "zacht_ha",
            "grootste_kavel_ha",
            "uitgifte_ha_per_jaar",
            "voorraad_jaren_hard",
        ),
    ),
    "planfase": ("the data hold no plan phase", ("hard_ha", "zacht_ha", "voorraad_jaren_hard")),
    "uitgiftedatum": (
        "the data hold no sale dates",
        ("uitgifte_ha_per_jaar", "voorraad_jaren_hard"),
    ),
    "grootste_deel_ha": (
        "the park table gives no largest available part (GROOTST_UITGEEFBARE_DEEL)",
        ("grootste_kavel_ha",),
    ),
}


_PANDAS_YEARS = (1678, 2261)  # whole years a nanosecond Timestamp holds

#: An as-of date (peildatum) as every function takes it: ISO text, a date, a Timestamp, or
#: None for today.
AsOf: TypeAlias = str | dt.date | pd.Timestamp | None


def as_of_date(as_of: AsOf, name: str = "as_of") -> pd.Timestamp:
    """The as-of date as a Timestamp at midnight, without time zone; today when None.

    The one reading of a date a caller gives (an as-of date, a delivery or edit date, a
    period's bounds); ``name`` is the parameter that the message of a bad value names.

    >>> as_of_date("2026-01-01")
    Timestamp('2026-01-01 00:00:00')
    >>> as_of_date("1-1-2026", name="date")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    terreinen.errors.TerreinenOptionError: date '1-1-2026' is not a date of the years 1678-2261; ...
    """
    if as_of is None:
        return pd.Timestamp(dt.date.today())
    value = as_of
    stamp: pd.Timestamp | None
    try:
        if isinstance(value, str):
            value = dt.date.fromisoformat(value.strip())
        # a number is not a date: pandas would read 20260101 as nanoseconds after 1970
        stamp = None if isinstance(value, numbers.Number) else pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):  # OutOfBoundsDatetime is a ValueError
        stamp = None
    if stamp is None or pd.isna(stamp) or not _PANDAS_YEARS[0] <= stamp.year <= _PANDAS_YEARS[1]:
        first, last = _PANDAS_YEARS
        raise TerreinenOptionError(
            t(
                "{name} {value} is not a date of the years {first}-{last}; write YYYY-MM-DD",
                name=name,
                value=repr(as_of),
                first=first,
                last=last,
            )
        )
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def sale_dates(parcels: pd.DataFrame) -> pd.Series:
    """``uitgiftedatum``, or no dates at all where the optional column is absent."""
    if "uitgiftedatum" in parcels:
        return parcels["uitgiftedatum"]
    return pd.Series(pd.NaT, index=parcels.index, dtype="datetime64[ns]")


def data_date(parcels: pd.DataFrame) -> pd.Timestamp | None:
    """The data's own date: its latest ``laatst_bijgewerkt`` or ``uitgiftedatum`` (None when
    it has neither)."""
    dates = [parcels[c].max() for c in schema.DATE_COLUMNS if c in parcels]
    known = [d for d in dates if pd.notna(d)]
    return pd.Timestamp(max(known)).normalize() if known else None


def data_dates(parcels: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The earliest and the latest of the municipalities' own dates, so that one
    municipality whose delivery is months older than the rest is seen: the latest is the
    data's own date (:func:`data_date`), the earliest that of the municipality whose data
    are oldest among those that state when they were updated (``laatst_bijgewerkt``; a
    municipality without it and without recent sales is not taken as old data). The same
    date twice when they agree; None when the data have no dates.
    """
    last = data_date(parcels)
    if last is None or "laatst_bijgewerkt" not in parcels or "gemeente" not in parcels:
        return None if last is None else (last, last)
    columns = [c for c in schema.DATE_COLUMNS if c in parcels]
    per = parcels.groupby(parcels["gemeente"].astype(str))[columns].max()
    stated = per.loc[per["laatst_bijgewerkt"].notna(), columns].max(axis=1)
    first = pd.Timestamp(stated.min()).normalize() if len(stated) else last
    return min(first, last), last


def dated(as_of: AsOf, data_until=None, *, lang: str | None = None) -> str:
    """The dates of a title: the as-of date and the data's own date (figures of 2025-12
    shown on 2026-12-02 say so), or the range of the municipalities' dates (a pair, as
    :func:`data_dates` gives it), in the reader's language (or ``lang``).

    >>> dated("2026-12-02", "2025-12-22", lang="nl"), dated("2026-01-01", lang="nl")
    ('peildatum 2026-12-02, gegevens t/m 2025-12-22', 'peildatum 2026-01-01')
    >>> dated("2026-12-02", ("2025-06-30", "2025-12-22"), lang="en")
    'as of 2026-12-02, data up to 2025-06-30 – 2025-12-22'
    """
    date = _iso(as_of)
    if data_until is None:  # no dates in the data: only the as-of date is known
        return t("as of {date}", lang=lang, date=date)
    until = date_range(data_until)
    return t("as of {date}, data up to {until}", lang=lang, date=date, until=until)


def date_range(dates) -> str:
    """A date, or a pair of dates (first, last) as ``2025-06-30 – 2025-12-22`` (one date
    when they are the same day).

    >>> date_range(("2025-12-22", "2025-12-22")), date_range("2025-12-22")
    ('2025-12-22', '2025-12-22')
    """
    first, last = dates if isinstance(dates, tuple) else (dates, dates)
    return _iso(last) if _iso(first) == _iso(last) else f"{_iso(first)} – {_iso(last)}"


def _iso(day) -> str:
    """A date-like value as YYYY-MM-DD."""
    return pd.Timestamp(day).date().isoformat()


def data_year(parcels: pd.DataFrame) -> tuple[int, pd.Timestamp] | None:
    """The year the data describe and the date it stands for: an IBIS park table's latest
    ``JAAR`` (the state on 1 January of that year) when later than the data's own date
    (:func:`data_date`), else that date (None when the data have neither)."""
    until = data_date(parcels)
    years = pd.to_numeric(parcels["jaar"], errors="coerce") if "jaar" in parcels else None
    if years is not None and years.notna().any():
        stamp = pd.Timestamp(year=int(years.max()), month=1, day=1)
        if until is None or stamp > until:
            return stamp.year, stamp
    return None if until is None else (until.year, until)


def takeup_window(as_of: AsOf, years: int, until: pd.Timestamp | None) -> tuple[int, int]:
    """First and last calendar year that take-up averages: the ``years`` full years before
    the as-of date, moved back to end in the data's own year when the as-of date is later
    (years without data are not years without sales)."""
    last = as_of_date(as_of).year - 1
    if until is not None:
        last = min(last, until.year)
    return last - years + 1, last


def years_without_data(as_of: AsOf, until: pd.Timestamp | None) -> list[int]:
    """The years between the data's own date and the as-of date (empty when the as-of date
    is not later than the data's date)."""
    date = as_of_date(as_of)
    if until is None or date <= until:
        return []
    return list(range(until.year + 1, (date - pd.Timedelta(days=1)).year + 1))


def status_on(parcels: pd.DataFrame, as_of: AsOf = None) -> pd.Series:
    """Each parcel's status on the as-of date: sold after it means still unsold then."""
    status = parcels["status"].astype(object)
    sold_later = (status == "uitgegeven") & (sale_dates(parcels) > as_of_date(as_of))
    return status.mask(sold_later, "terstond_uitgeefbaar")


def parcel_figures(
    parcels: pd.DataFrame,
    *,
    as_of: AsOf = None,
    takeup_years: int | None = None,
    window: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Per parcel, its hectares in each figure of docs/data-model.md (0 where it does not count,
    NaN where the data cannot tell), and the ``onbekend_<cause>`` flags of :data:`UNKNOWN`.
    ``window``: the take-up years (default :func:`takeup_window` of the parcels' own date).

    >>> from terreinen.datasets import get_path
    >>> from terreinen.io.files import read_parcels
    >>> parcels = read_parcels(get_path("parcels"))
    >>> parcel_figures(parcels, as_of="2026-01-01")[["hard_ha", "zacht_ha"]].sum().round(2)
    hard_ha     463.72
    zacht_ha    196.07
    dtype: float64
    """
    date = as_of_date(as_of)
    years = settings.takeup_years if takeup_years is None else takeup_years
    if window is None:
        window = takeup_window(date, years, data_date(parcels))
    status_series = status_on(parcels, date)
    known = status_series.notna().to_numpy()
    status = status_series.to_numpy()
    ha = parcels["oppervlakte_ha"].to_numpy(dtype=float)
    phase = parcels["planfase"].to_numpy(dtype=float, na_value=np.nan)
    unsold = np.isin(status, schema.UNSOLD_STATUSES)
    no_phase = unsold & np.isnan(phase)
    hard = unsold & np.isin(phase, schema.HARD_PHASES)
    soft = unsold & np.isin(phase, schema.SOFT_PHASES)
    sold = status == "uitgegeven"
    no_dates = sold & ~sale_dates(parcels).notna().any()
    # IBIS park records carry their largest available part; parcels are their own
    largest = parcels.get("grootste_deel_ha")
    largest_ha = ha if largest is None else largest.to_numpy(dtype=float, na_value=np.nan)
    no_largest = unsold & np.isnan(largest_ha)
    figures = {
        "bruto_ha": ha,
        # a record without status is issuable land whose state is unknown (IBIS net area)
        "netto_ha": np.where(status != "niet_uitgeefbaar", ha, 0.0),
        "uitgegeven_ha": np.where(sold, ha, 0.0),
        "optie_ha": np.where(status == "optie", ha, 0.0),
        "terstond_ha": np.where(status == "terstond_uitgeefbaar", ha, 0.0),
        "niet_terstond_ha": np.where(status == "niet_terstond_uitgeefbaar", ha, 0.0),
        "hard_ha": np.where(no_phase, np.nan, np.where(hard, ha, 0.0)),
        "zacht_ha": np.where(no_phase, np.nan, np.where(soft, ha, 0.0)),
        "onverkocht_ha": np.where(unsold, ha, 0.0),
        "grootste_ha": np.where(unsold, largest_ha, 0.0),
        "uitgifte_ha": np.where(
            no_dates, np.nan, np.where(_sold_in(parcels, sold, window), ha, 0.0)
        ),
    }
    table = pd.DataFrame(figures, index=parcels.index)
    table.loc[~known, [*_SALE_FIGURES, "hard_ha", "zacht_ha", "grootste_ha", "uitgifte_ha"]] = (
        np.nan
    )
    table["onbekend_status"] = ~known
    table["onbekend_planfase"] = no_phase
    table["onbekend_uitgiftedatum"] = no_dates
    table["onbekend_grootste_deel_ha"] = no_largest & known
    return table


def _sold_in(parcels: pd.DataFrame, sold: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """Sold in the calendar years ``window`` (first, last)."""
    sale_year = sale_dates(parcels).dt.year
    return sold & sale_year.between(*window).to_numpy()
