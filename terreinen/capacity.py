"""Hard and soft plan capacity, take-up and supply in years, exactly as in DATA_MODEL.md.

Every function takes parcels as :func:`terreinen.read_parcels` returns them and an optional
as-of date (peildatum); a parcel sold after the as-of date counts as unsold on that date
(as ``terstond_uitgeefbaar``: it was issued, so it was available; its plan phase is the
current one, since plan history is not recorded).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from terreinen import schema, settings

AREA_LEVELS = ("terrein", "gemeente", "regio", "provincie")
TOTAL = "Totaal"
NO_REGION = "(geen regio)"
SIZE_CLASSES = ("< 0.1 ha", "0.1-0.25 ha", "0.25-0.5 ha", "0.5-1 ha", ">= 1 ha")
_SIZE_EDGES = (0, 0.1, 0.25, 0.5, 1, np.inf)
BREAKDOWNS = ("milieucategorie", "segment", "eigenaar", "grootteklasse")

# bruto_ha ... zacht_ha: the capacity columns that are sums of parcel hectares
_SUMMED = schema.CAPACITY_COLUMNS[schema.CAPACITY_COLUMNS.index("bruto_ha") : -3]


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
    """Per parcel, its hectares in each figure of DATA_MODEL.md (0 where it does not count).

    >>> parcel_figures(parcels)[["hard_ha", "zacht_ha"]].sum()  # doctest: +SKIP
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


def read_regions(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The municipality/region table (``gemeente, provincie, regio``)."""
    from terreinen.agreements import read_table_checked

    return read_table_checked(source, schema.REGION_COLUMNS, kind="municipality/region table")


def area_keys(
    parcels: pd.DataFrame, by: Sequence[str], regions: pd.DataFrame | str | Path | None = None
) -> pd.DataFrame:
    """One row per (parcel, area) with the area columns in ``by``; a parcel appears once per
    region its municipality belongs to. The index points at the parcel rows."""
    unknown = [level for level in by if level not in AREA_LEVELS]
    if unknown:
        raise ValueError(f"cannot group by {unknown}; choose from {', '.join(AREA_LEVELS)}")
    keys = pd.DataFrame(
        {level: parcels[level].astype(object) for level in by if level != "regio"},
        index=parcels.index,
    )
    if "regio" not in by:
        return keys
    if regions is None:
        raise ValueError(
            "grouping by regio needs the municipality/region table (regions=..., CLI: --regions)"
        )
    table = read_regions(regions)[["gemeente", "regio"]].drop_duplicates()
    joined = (
        pd.DataFrame({"gemeente": parcels["gemeente"].astype(object)}, index=parcels.index)
        .reset_index(names="_parcel")
        .merge(table, on="gemeente", how="left")
        .set_index("_parcel")
    )
    joined["regio"] = joined["regio"].fillna(NO_REGION)
    return keys.join(joined[["regio"]], how="right")[list(by)]


def _levels(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def _with_keys(figures: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Each (parcel, area) row of ``keys`` with the parcel's figures beside it. Aligned by
    position: ``keys`` repeats a parcel once per region, which an index join would multiply."""
    rows = figures.loc[keys.index].reset_index(drop=True)
    return pd.concat([rows, keys.reset_index(drop=True)], axis=1)


def _grouped(
    figures: pd.DataFrame, keys: pd.DataFrame, levels: list[str], aggregations: dict
) -> pd.DataFrame:
    table = _with_keys(figures, keys)
    grouped = table.groupby(levels, sort=True, dropna=False).agg(**aggregations)
    return grouped.reset_index()


def _capacity_aggregations() -> dict:
    return {
        "n_kavels": ("bruto_ha", "size"),
        **{column: (column, "sum") for column in _SUMMED},
        "grootste_kavel_ha": ("grootste_ha", "max"),
        "uitgifte_ha": ("uitgifte_ha", "sum"),
    }


# how partial sums of several parts of the parcels add up
_COMBINE = {
    "n_kavels": "sum",
    **dict.fromkeys(_SUMMED, "sum"),
    "grootste_kavel_ha": "max",
    "uitgifte_ha": "sum",
}

Engine = Literal["pandas", "dask"]


def capacity(
    parcels,
    by: str | Sequence[str] = "gemeente",
    *,
    as_of=None,
    takeup_years: int | None = None,
    regions: pd.DataFrame | str | Path | None = None,
    engine: Engine = "pandas",
    engine_kwds: dict | None = None,
) -> pd.DataFrame:
    """Capacity table: one row per area with the DATA_MODEL capacity columns, and a total.

    ``by`` is ``terrein``, ``gemeente``, ``regio`` (through ``regions``, the municipality/region
    table; a municipality in several regions counts in each), ``provincie`` or a list of these.
    With one level the area column is ``gebied``; with several, one column per level. The
    last row (``Totaal``) counts every parcel once. Hectares are not rounded.

    ``engine="dask"`` computes the same table on a dask cluster from partitioned GeoParquet
    (``parcels``: a folder or file path, or a dask-geopandas frame), validating every part as
    :func:`terreinen.read_parcels` does. ``engine_kwds`` go to
    :func:`terreinen.distributed.capacity_sums`, e.g. ``{"scheduler": "tcp://host:8786"}``
    (default: a local cluster).

    >>> capacity(parcels, by="provincie")  # doctest: +SKIP
         gebied  n_kavels  bruto_ha  ...  hard_ha  zacht_ha  ...  voorraad_jaren_hard
    0   Drenthe      2803    2620.0  ...    401.6     187.7  ...                  9.9
    """
    levels = _levels(by)
    years = settings.takeup_years if takeup_years is None else takeup_years
    if engine == "dask":
        from terreinen.distributed import capacity_sums

        sums = capacity_sums(
            parcels, levels, as_of=as_of, takeup_years=years, regions=regions, **(engine_kwds or {})
        )
    elif engine == "pandas":
        sums = [capacity_sums_of(parcels, levels, as_of=as_of, takeup_years=years, regions=regions)]
    else:
        raise ValueError(f"engine {engine!r}: choose 'pandas' or 'dask'")
    return _capacity_table(sums, levels, years)


def capacity_sums_of(
    parcels: pd.DataFrame,
    levels: list[str],
    *,
    as_of=None,
    takeup_years: int,
    regions: pd.DataFrame | str | Path | None = None,
) -> pd.DataFrame:
    """The additive part of :func:`capacity` (counts, hectare sums, largest parcel) per area,
    with the ``Totaal`` row: the sums of several sets of parcels combine into theirs."""
    figures = parcel_figures(parcels, as_of=as_of, takeup_years=takeup_years)
    keys = area_keys(parcels, levels, regions)
    table = _grouped(figures, keys, levels, _capacity_aggregations())
    # the total counts every parcel once, whatever regions its municipality is in
    total_keys = pd.DataFrame(dict.fromkeys(levels, ""), index=parcels.index)
    total_keys[levels[0]] = TOTAL
    total = _grouped(figures, total_keys, levels, _capacity_aggregations())
    return pd.concat([table, total], ignore_index=True)


def _capacity_table(sums: list[pd.DataFrame], levels: list[str], years: int) -> pd.DataFrame:
    """Capacity table from the sums of one or more sets of parcels."""
    table = pd.concat(sums, ignore_index=True)
    table = table.groupby(levels, sort=True, dropna=False).agg(_COMBINE).reset_index()
    is_total = table[levels[0]] == TOTAL
    table = pd.concat([table[~is_total], table[is_total]], ignore_index=True)
    table["grootste_kavel_ha"] = table["grootste_kavel_ha"].fillna(0.0)
    table["uitgifte_ha_per_jaar"] = table.pop("uitgifte_ha") / years if years > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        supply = table["hard_ha"] / table["uitgifte_ha_per_jaar"]
    table["voorraad_jaren_hard"] = supply.where(table["uitgifte_ha_per_jaar"] > 0)
    if len(levels) == 1:
        table = table.rename(columns={levels[0]: "gebied"})
        levels = ["gebied"]
    return table[[*levels, *schema.CAPACITY_COLUMNS[1:]]]


def _size_class(ha: pd.Series) -> pd.Categorical:
    return pd.cut(ha, _SIZE_EDGES, right=False, labels=SIZE_CLASSES, ordered=True)


def breakdown(
    parcels: pd.DataFrame,
    by: str = "milieucategorie",
    *,
    per: str | Sequence[str] | None = None,
    as_of=None,
    regions: pd.DataFrame | str | Path | None = None,
) -> pd.DataFrame:
    """Unsold capacity split hard/soft by ``milieucategorie``, ``segment``, ``eigenaar`` or
    ``grootteklasse`` (IBIS parcel-size classes), optionally ``per`` area level.

    Every category appears, in its own order, also with 0 ha. Columns: the ``per`` levels,
    ``by``, ``n_kavels`` (unsold parcels), ``hard_ha``, ``zacht_ha``, ``onverkocht_ha``.

    >>> breakdown(parcels, "milieucategorie", per="gemeente")  # doctest: +SKIP
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"cannot break down by {by!r}; choose from {', '.join(BREAKDOWNS)}")
    figures = parcel_figures(parcels, as_of=as_of)
    if by == "grootteklasse":
        figures[by] = _size_class(parcels["oppervlakte_ha"])
    elif by in parcels:
        figures[by] = parcels[by]
    else:  # optional column absent: every category, with nothing in it
        figures[by] = pd.Categorical([None] * len(parcels), categories=schema.OWNERS)
    figures["n_kavels"] = (figures["onverkocht_ha"] > 0).astype(int)
    levels = _levels(per) if per is not None else []
    table = _with_keys(figures, area_keys(parcels, levels, regions))
    grouped = table.groupby([*levels, by], observed=False, sort=True)
    result = grouped[["n_kavels", "hard_ha", "zacht_ha", "onverkocht_ha"]].sum().reset_index()
    return result


def takeup(
    parcels: pd.DataFrame,
    by: str = "gemeente",
    *,
    as_of=None,
    first_year: int | None = None,
    regions: pd.DataFrame | str | Path | None = None,
) -> pd.DataFrame:
    """Hectares sold per calendar year (rows) per area (columns), with a ``Totaal`` column.

    Years run from ``first_year`` (default: the first sale) to the as-of year, whose figure
    counts sales up to the as-of date. Parcels without a sale date are left out.

    >>> takeup(parcels, "gemeente").loc[2016:2025, "Hardenberg"].mean()  # doctest: +SKIP
    """
    date = as_of_date(as_of)
    dates = sale_dates(parcels)
    is_sold = (parcels["status"].astype(object) == "uitgegeven") & dates.notna() & (dates <= date)
    sold, dates = parcels[is_sold], dates[is_sold]
    keys = area_keys(sold, [by], regions)
    table = pd.DataFrame(
        {
            "jaar": dates.loc[keys.index].dt.year.to_numpy(),
            "gebied": keys[by].to_numpy(),
            "ha": sold.loc[keys.index, "oppervlakte_ha"].to_numpy(),
        }
    )
    if first_year is None:
        first_year = int(table["jaar"].min()) if len(table) else date.year
    years = pd.RangeIndex(first_year, date.year + 1, name="jaar")
    wide = table.pivot_table(index="jaar", columns="gebied", values="ha", aggfunc="sum")
    areas = sorted(set(area_keys(parcels, [by], regions)[by]))
    wide = wide.reindex(index=years, columns=areas, fill_value=0.0).fillna(0.0)
    totals = sold["oppervlakte_ha"].groupby(dates.dt.year).sum()
    wide[TOTAL] = totals.reindex(years, fill_value=0.0)
    wide.columns.name = None
    return wide
