"""Hard and soft plan capacity, take-up and supply in years per area, exactly as defined
in docs/data-model.md.

Every function takes parcels as :func:`terreinen.read_parcels` returns them and an optional
as-of date (peildatum); a parcel sold after the as-of date counts as unsold on that date
(see :mod:`terreinen.figures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from terreinen import schema, settings
from terreinen._errors import TerreinenOptionError
from terreinen.figures import as_of_date, parcel_figures, sale_dates
from terreinen.tables import read_regions

__all__ = ["AREA_LEVELS", "BREAKDOWNS", "TOTAL", "area_keys", "breakdown", "capacity", "takeup"]

AREA_LEVELS = ("terrein", "gemeente", "regio", "provincie")
TOTAL = "Totaal"
NO_REGION = "(geen regio)"
SIZE_CLASSES = ("< 0.1 ha", "0.1-0.25 ha", "0.25-0.5 ha", "0.5-1 ha", ">= 1 ha")
_SIZE_EDGES = (0, 0.1, 0.25, 0.5, 1, np.inf)
BREAKDOWNS = ("milieucategorie", "segment", "eigenaar", "grootteklasse")

# bruto_ha ... zacht_ha: the capacity columns that are sums of parcel hectares
_SUMMED = schema.CAPACITY_COLUMNS[schema.CAPACITY_COLUMNS.index("bruto_ha") : -3]


def area_keys(
    parcels: pd.DataFrame, by: Sequence[str], regions: pd.DataFrame | str | Path | None = None
) -> pd.DataFrame:
    """One row per (parcel, area) with the area columns in ``by``; a parcel appears once per
    region its municipality belongs to. The index points at the parcel rows."""
    unknown = [level for level in by if level not in AREA_LEVELS]
    if unknown:
        raise TerreinenOptionError(
            f"cannot group by {unknown}; choose from {', '.join(AREA_LEVELS)}"
        )
    keys = pd.DataFrame(
        {level: parcels[level].astype(object) for level in by if level != "regio"},
        index=parcels.index,
    )
    if "regio" not in by:
        return keys
    if regions is None:
        raise TerreinenOptionError(
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


def levels_of(by: str | Sequence[str]) -> list[str]:
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


def capacity(
    parcels: pd.DataFrame,
    by: str | Sequence[str] = "gemeente",
    *,
    as_of=None,
    takeup_years: int | None = None,
    regions: pd.DataFrame | str | Path | None = None,
) -> pd.DataFrame:
    """Capacity table: one row per area with the contract's capacity columns, and a total.

    ``by`` is ``terrein``, ``gemeente``, ``regio`` (through ``regions``, the municipality/region
    table; a municipality in several regions counts in each), ``provincie`` or a list of these.
    With one level the area column is ``gebied``; with several, one column per level. The
    last row (``Totaal``) counts every parcel once. Hectares are not rounded. For national
    data on a dask cluster, :func:`terreinen.distributed.capacity` gives the same table.

    >>> from terreinen.datasets import get_path
    >>> from terreinen.loading import read_parcels
    >>> table = capacity(read_parcels(get_path("parcels")), by="provincie", as_of="2026-01-01")
    >>> table[["gebied", "n_kavels", "bruto_ha", "hard_ha", "zacht_ha"]].round(2)
           gebied  n_kavels  bruto_ha  hard_ha  zacht_ha
    0     Drenthe      2803    2620.0   407.86    196.07
    1  Overijssel       557     485.0    55.86      0.00
    2      Totaal      3360    3105.0   463.72    196.07
    """
    levels = levels_of(by)
    years = settings.takeup_years if takeup_years is None else takeup_years
    sums = capacity_sums_of(parcels, levels, as_of=as_of, takeup_years=years, regions=regions)
    return table_from_sums([sums], levels, years)


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


def table_from_sums(sums: list[pd.DataFrame], levels: list[str], years: int) -> pd.DataFrame:
    """The capacity table from :func:`capacity_sums_of` of one or more sets of parcels."""
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

    >>> from terreinen.datasets import get_path
    >>> from terreinen.loading import read_parcels
    >>> parcels = read_parcels(get_path("parcels"))
    >>> breakdown(parcels, "milieucategorie", as_of="2026-01-01").head(3).round(2)
      milieucategorie  n_kavels  hard_ha  zacht_ha  onverkocht_ha
    0               1         9     9.66      0.00           9.66
    1               2       214   118.97     39.30         158.27
    2             3.1       182   109.39     54.06         163.45
    """
    if by not in BREAKDOWNS:
        raise TerreinenOptionError(
            f"cannot break down by {by!r}; choose from {', '.join(BREAKDOWNS)}"
        )
    figures = parcel_figures(parcels, as_of=as_of)
    if by == "grootteklasse":
        figures[by] = _size_class(parcels["oppervlakte_ha"])
    elif by in parcels:
        figures[by] = parcels[by]
    else:  # optional column absent: every category, with nothing in it
        figures[by] = pd.Categorical([None] * len(parcels), categories=schema.OWNERS)
    figures["n_kavels"] = (figures["onverkocht_ha"] > 0).astype(int)
    levels = levels_of(per) if per is not None else []
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

    >>> from terreinen.datasets import get_path
    >>> from terreinen.loading import read_parcels
    >>> parcels = read_parcels(get_path("parcels"))
    >>> per_year = takeup(parcels, "gemeente", as_of="2026-01-01")
    >>> round(float(per_year.loc[2016:2025, "Hardenberg"].mean()), 2)  # ha a year
    5.79
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
