"""Hard and soft plan capacity, take-up and supply in years per area, exactly as defined
in docs/data-model.md.

Every function takes parcels as :func:`terreinen.read_parcels` returns them and an optional
as-of date (peildatum); a parcel sold after the as-of date counts as unsold on that date
(see :mod:`terreinen.figures`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from terreinen import schema, settings
from terreinen.errors import TerreinenDataWarning, TerreinenOptionError
from terreinen.figures import (
    UNKNOWN,
    AsOf,
    as_of_date,
    data_date,
    parcel_figures,
    sale_dates,
    status_on,
    takeup_window,
    years_without_data,
)
from terreinen.i18n import t
from terreinen.io.tables import read_regions

__all__ = [
    "AREA_LEVELS",
    "BREAKDOWNS",
    "PARK_COUNT",
    "TOTAL",
    "area_keys",
    "breakdown",
    "capacity",
    "is_park_table",
    "takeup",
    "takeup_moved",
    "zoning_breakdown",
]

AREA_LEVELS = ("terrein", "gemeente", "regio", "provincie")
TOTAL = "Totaal"
NO_REGION = "(geen regio)"
SIZE_CLASSES = ("< 0.1 ha", "0.1-0.25 ha", "0.25-0.5 ha", "0.5-1 ha", ">= 1 ha")
_SIZE_EDGES = (0, 0.1, 0.25, 0.5, 1, np.inf)
BREAKDOWNS = ("milieucategorie", "segment", "eigenaar", "grootteklasse")
#: The breakdown of parcels that carry :mod:`terreinen.zoning`'s columns, and its row for
#: parcels that meet no category (a sensitive object nearer than category 1's distance).
EFFECTIVE = "milieucategorie_feitelijk"
NO_CATEGORY = "geen"

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
            t(
                "cannot group by {unknown}; choose from {choices}",
                unknown=", ".join(unknown),
                choices=", ".join(AREA_LEVELS),
            )
        )
    keys = pd.DataFrame(
        {level: parcels[level].astype(object) for level in by if level != "regio"},
        index=parcels.index,
    )
    if "regio" not in by:
        return keys
    if regions is None:
        raise TerreinenOptionError(
            t("grouping by regio needs the municipality/region table (regions=...)")
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
    return _aggregate(_with_keys(figures, keys), levels, aggregations)


def _aggregate(table: pd.DataFrame, levels: list[str], aggregations: dict) -> pd.DataFrame:
    """``table.groupby(levels).agg(**aggregations)`` with its levels as columns, where each
    aggregation is ``(column, "sum" | "max" | "size")``: one reduction per kind over all
    its columns at once (named aggregation reduces column by column, 10x slower on the few
    rows of a municipality)."""
    grouped = table.groupby(levels, sort=True, dropna=False)
    kinds = {how for _, how in aggregations.values()} - {"size"}
    reduced = {
        how: getattr(grouped[sorted({c for c, h in aggregations.values() if h == how})], how)()
        for how in kinds
    }
    size = grouped.size()
    columns = {
        name: size if how == "size" else reduced[how][column]
        for name, (column, how) in aggregations.items()
    }
    return pd.DataFrame(columns, index=size.index).reset_index()


_FLAGS = tuple(f"onbekend_{cause}" for cause in UNKNOWN)
_DATA_DATE = "_data_date"


#: The count of a park table's capacity table, in place of ``n_kavels``: its records are
#: parts of parks, not parcels.
PARK_COUNT = "n_terreinen"


def is_park_table(parcels: pd.DataFrame) -> bool:
    """Whether ``parcels`` are the records of a park table (IBIS): they carry each park's
    largest available part, which parcels are themselves."""
    return "grootste_deel_ha" in parcels


def _park_keys(parcels: pd.DataFrame) -> pd.DataFrame:
    """What tells the parks of a park table's records apart."""
    return parcels[[c for c in ("gemeente", "rin_nummer", "terrein") if c in parcels]].astype(
        object
    )


def _first_of_park(parcels: pd.DataFrame) -> np.ndarray:
    """1 for the first record of each park, 0 for the others: their sum counts parks."""
    return (~_park_keys(parcels).duplicated()).to_numpy(dtype=int)


def _unsold_counter(parcels: pd.DataFrame, figures: pd.DataFrame) -> tuple[str, pd.Series]:
    """What a breakdown counts: unsold parcels (1 each), or for a park table the parks with
    unsold land (each unsold record's park, counted once per group)."""
    unsold = figures["onverkocht_ha"] > 0
    if not is_park_table(parcels):
        return "n_kavels", unsold.astype(int)
    keys = _park_keys(parcels)
    park = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup()
    return PARK_COUNT, park.where(unsold)


def _capacity_aggregations(count: str = "n_kavels") -> dict:
    return {
        count: ("bruto_ha", "size") if count == "n_kavels" else (count, "sum"),
        **{column: (column, "sum") for column in _SUMMED},
        "grootste_kavel_ha": ("grootste_ha", "max"),
        **{flag: (flag, "sum") for flag in _FLAGS},
    }


def capacity(
    parcels: pd.DataFrame,
    by: str | Sequence[str] = "gemeente",
    *,
    as_of: AsOf = None,
    takeup_years: int | None = None,
    regions: pd.DataFrame | str | Path | None = None,
    figures: pd.DataFrame | None = None,
    data_until: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Capacity table: one row per area with the contract's capacity columns, and a total.

    ``by`` is ``terrein``, ``gemeente``, ``regio`` (through ``regions``, the municipality/region
    table; a municipality in several regions counts in each), ``provincie`` or a list of these.
    With one level the area column is ``gebied``; with several, one column per level. The
    last row (``Totaal``) counts every parcel once. Hectares are not rounded. The count is
    ``n_kavels`` (parcels), or for a park table (IBIS) ``n_terreinen`` (parks): its records
    are parts of parks. For national
    data on a dask cluster, :func:`terreinen.distributed.capacity` gives the same table.

    A figure the data cannot support is NaN; ``table.attrs["onbekend"]`` says per column why.
    ``table.attrs["uitgifte_jaren"]`` holds the (first, last) year take-up averages and
    ``table.attrs["peildatum"]`` the as-of date. An as-of date past the data's own date
    (latest ``laatst_bijgewerkt`` or ``uitgiftedatum``) warns, naming the years without data.

    ``figures`` are the parcels' :func:`terreinen.figures.parcel_figures` on the same date
    when already computed (a :class:`terreinen.study.Study` passes them, so that they are
    computed once), and ``data_until`` the data's own date when ``parcels`` are part of a
    larger set (take-up then averages the same years for every part).

    >>> from terreinen.datasets import get_path
    >>> from terreinen.io.files import read_parcels
    >>> table = capacity(read_parcels(get_path("parcels")), by="provincie", as_of="2026-01-01")
    >>> table[["gebied", "n_kavels", "bruto_ha", "hard_ha", "zacht_ha"]].round(2)
           gebied  n_kavels  bruto_ha  hard_ha  zacht_ha
    0     Drenthe      2803    2620.0   407.86    196.07
    1  Overijssel       557     485.0    55.86      0.00
    2      Totaal      3360    3105.0   463.72    196.07
    >>> table.attrs["uitgifte_jaren"]
    (2016, 2025)
    """
    levels = levels_of(by)
    years = settings.takeup_years if takeup_years is None else takeup_years
    sums = capacity_sums_of(
        parcels,
        levels,
        as_of=as_of,
        takeup_years=years,
        regions=regions,
        figures=figures,
        data_until=data_until,
    )
    return table_from_sums([sums], levels, years, as_of=as_of)


def capacity_sums_of(
    parcels: pd.DataFrame,
    levels: list[str],
    *,
    as_of: AsOf = None,
    takeup_years: int,
    regions: pd.DataFrame | str | Path | None = None,
    figures: pd.DataFrame | None = None,
    data_until: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The additive part of :func:`capacity` (counts, hectare sums, largest parcel, sales
    per year, unknown-figure flags, the data's date) per area, with the ``Totaal`` row: the
    sums of several sets of parcels combine into theirs."""
    date = as_of_date(as_of)
    until = data_date(parcels) if data_until is None else data_until
    if figures is None:
        figures = parcel_figures(parcels, as_of=date, takeup_years=takeup_years)
    figures = figures.copy()  # the per-year columns below are this table's own
    # sales per year from the earliest window any data date could give: parts of one data
    # set may have older dates than the whole
    first, _ = takeup_window(date, takeup_years, until)
    sold_year = sale_dates(parcels).dt.year.where(status_on(parcels, date) == "uitgegeven")
    for year in range(first, date.year):
        figures[f"uitgifte_{year}"] = np.where(sold_year == year, parcels["oppervlakte_ha"], 0.0)
    figures[_DATA_DATE] = until if until is not None else pd.NaT
    count = "n_kavels"
    if is_park_table(parcels):
        count = PARK_COUNT
        figures[PARK_COUNT] = _first_of_park(parcels)
    aggregations = {
        **_capacity_aggregations(count),
        **{c: (c, "sum") for c in figures if _is_year(str(c))},
        _DATA_DATE: (_DATA_DATE, "max"),
    }
    keys = area_keys(parcels, levels, regions)
    table = _grouped(figures, keys, levels, aggregations)
    # the total counts every parcel once, whatever regions its municipality is in
    total_keys = pd.DataFrame(dict.fromkeys(levels, ""), index=parcels.index)
    total_keys[levels[0]] = TOTAL
    total = _grouped(figures, total_keys, levels, aggregations)
    return pd.concat([table, total], ignore_index=True)


def _is_year(column: str) -> bool:
    return column.startswith("uitgifte_") and column[9:].isdigit()


def table_from_sums(
    sums: list[pd.DataFrame], levels: list[str], years: int, *, as_of: AsOf = None
) -> pd.DataFrame:
    """The capacity table from :func:`capacity_sums_of` of one or more sets of parcels."""
    table = pd.concat(sums, ignore_index=True)
    count = PARK_COUNT if PARK_COUNT in table else "n_kavels"
    combine = {
        count: "sum",
        **dict.fromkeys(_SUMMED, "sum"),
        "grootste_kavel_ha": "max",
        **dict.fromkeys(_FLAGS, "sum"),
        **{c: "sum" for c in table.columns if _is_year(c)},
        _DATA_DATE: "max",
    }
    table = _aggregate(table, levels, {c: (c, how) for c, how in combine.items()})
    is_total = table[levels[0]] == TOTAL
    table = pd.concat([table[~is_total], table[is_total]], ignore_index=True)
    until = table[_DATA_DATE].max()
    until = None if pd.isna(until) else pd.Timestamp(until)
    window = takeup_window(as_of, years, until)
    in_window = [f"uitgifte_{y}" for y in range(window[0], window[1] + 1)]
    sold = table.reindex(columns=in_window, fill_value=0.0).sum(axis=1)
    table["grootste_kavel_ha"] = table["grootste_kavel_ha"].fillna(0.0)
    table["uitgifte_ha_per_jaar"] = sold / years if years > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        supply = table["hard_ha"] / table["uitgifte_ha_per_jaar"]
    table["voorraad_jaren_hard"] = supply.where(table["uitgifte_ha_per_jaar"] > 0)
    unknown = _mark_unknown(table)
    if len(levels) == 1:
        table = table.rename(columns={levels[0]: "gebied"})
        levels = ["gebied"]
    table = table[[*levels, count, *schema.CAPACITY_COLUMNS[2:]]]
    table.attrs.update(
        onbekend=unknown,
        uitgifte_jaren=window,
        peildatum=as_of_date(as_of).date().isoformat(),
        gegevens_tm=None if until is None else until.date().isoformat(),
    )
    usual = takeup_window(as_of, years, None)
    missing = years_without_data(as_of, until)
    if takeup_moved(as_of, years, until) and until is not None:
        said = t(
            "the as-of date {as_of} is past the data's own date {until}: no data for "
            "{years}; take-up averages {first}-{last} instead of {usual_first}-{usual_last}",
            as_of=as_of_date(as_of).date(),
            until=until.date(),
            years=_years(missing),
            first=window[0],
            last=window[1],
            usual_first=usual[0],
            usual_last=usual[1],
        )
        warnings.warn(said, TerreinenDataWarning, stacklevel=3)
    return table


def takeup_moved(as_of: AsOf, years: int, until: pd.Timestamp | None) -> bool:
    """Whether data of ``until`` move take-up off the ``years`` full years before the as-of
    date (then :func:`capacity` warns, naming the data's date). Only when take-up really
    changes: data of 2025-12 on 2026-12-02 average 2016-2025, the ten full years before the
    as-of date, anyway (the titles state both dates)."""
    usual = takeup_window(as_of, years, None)
    return takeup_window(as_of, years, until) != usual and bool(years_without_data(as_of, until))


def _mark_unknown(table: pd.DataFrame) -> dict[str, str]:
    """Blank out the figures the data cannot support; {column: why} for those columns."""
    reasons: dict[str, list[str]] = {}
    areas = table[table.columns[0]] != TOTAL
    for cause, (why, columns) in UNKNOWN.items():
        affected = table[f"onbekend_{cause}"] > 0
        if not affected.any():
            continue
        table.loc[affected, list(columns)] = np.nan
        n, total = int(affected[areas].sum()), int(areas.sum())
        said = (
            t(why)
            if n == total
            else t(
                "{why} for {n} of {total} areas, so the total is unknown too",
                why=t(why),
                n=n,
                total=total,
            )
        )
        for column in columns:
            reasons.setdefault(column, []).append(said)
    return {column: "; ".join(why) for column, why in reasons.items()}


def _years(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def _size_class(ha: pd.Series) -> pd.Series:
    return pd.cut(ha, _SIZE_EDGES, right=False, labels=SIZE_CLASSES, ordered=True)


def breakdown(
    parcels: pd.DataFrame,
    by: str = "milieucategorie",
    *,
    per: str | Sequence[str] | None = None,
    as_of: AsOf = None,
    regions: pd.DataFrame | str | Path | None = None,
    figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Unsold capacity split hard/soft by ``milieucategorie``, ``segment``, ``eigenaar`` or
    ``grootteklasse`` (IBIS parcel-size classes), optionally ``per`` area level.

    Every category appears, in its own order, also with 0 ha. Columns: the ``per`` levels,
    ``by``, ``n_kavels`` (unsold parcels; a park table: ``n_terreinen``, the parks with
    unsold land), ``hard_ha``, ``zacht_ha``, ``onverkocht_ha``.

    >>> from terreinen.datasets import get_path
    >>> from terreinen.io.files import read_parcels
    >>> parcels = read_parcels(get_path("parcels"))
    >>> breakdown(parcels, "milieucategorie", as_of="2026-01-01").head(3).round(2)
      milieucategorie  n_kavels  hard_ha  zacht_ha  onverkocht_ha
    0               1         9     9.66      0.00           9.66
    1               2       214   118.97     39.30         158.27
    2             3.1       182   109.39     54.06         163.45
    """
    if by not in (*BREAKDOWNS, EFFECTIVE):
        raise TerreinenOptionError(
            t(
                "cannot break down by {by}; choose from {choices}",
                by=repr(by),
                choices=", ".join(BREAKDOWNS),
            )
        )
    if by == EFFECTIVE and by not in parcels:
        raise TerreinenOptionError(
            t(
                "breaking down by {by} needs the effective categories: give the sensitive "
                "objects (terreinen.zoning.with_effective_categories, or Study(sensitive=...))",
                by=EFFECTIVE,
            )
        )
    figures = (parcel_figures(parcels, as_of=as_of) if figures is None else figures).copy()
    if by == EFFECTIVE:
        figures[by] = pd.Categorical(
            parcels[by].astype(object).where(parcels[by].notna(), NO_CATEGORY),
            categories=[NO_CATEGORY, *schema.MILIEUCATEGORIEEN],
            ordered=True,
        )
    elif by == "grootteklasse":
        figures[by] = _size_class(parcels["oppervlakte_ha"])
    elif by in parcels:
        figures[by] = parcels[by]
    else:  # optional column absent: every category, with nothing in it
        figures[by] = pd.Categorical([None] * len(parcels), categories=schema.OWNERS)
    figures["onbekend"] = figures["onbekend_status"] | figures["onbekend_planfase"]
    levels = levels_of(per) if per is not None else []
    keys = area_keys(parcels, levels, regions)
    table = _with_keys(figures, keys)
    name, counted = _unsold_counter(parcels, figures)
    table[name] = counted.loc[keys.index].to_numpy()
    grouped = table.groupby([*levels, by], observed=False, sort=True)
    result = grouped[["hard_ha", "zacht_ha", "onverkocht_ha", "onbekend"]].sum()
    result.insert(0, name, grouped[name].nunique() if name == PARK_COUNT else grouped[name].sum())
    # unknown is not zero: a group with records of unknown status or phase, or every group
    # when such records have no category to fall in, has unknown hectares
    unknown = result.pop("onbekend") > 0
    if (table["onbekend"] & table[by].isna()).any():
        unknown[:] = True
    figures_of = ["hard_ha", "zacht_ha", "onverkocht_ha"]
    result.loc[unknown.to_numpy(), figures_of] = np.nan
    result = result.reset_index()
    if unknown.any():
        why = t("the data hold no status or plan phase for part of the land")
        result.attrs["onbekend"] = dict.fromkeys(figures_of, why)
    return result


def zoning_breakdown(
    parcels: pd.DataFrame,
    *,
    per: str | Sequence[str] | None = None,
    as_of: AsOf = None,
    regions: pd.DataFrame | str | Path | None = None,
    figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Unsold hard and soft hectares per zoned (``_bestemd``) beside per effective
    (``_feitelijk``) milieucategorie, for parcels with :mod:`terreinen.zoning`'s columns.

    One row per category (``milieucategorie``), first ``geen`` for land that meets no
    category, optionally ``per`` area level; columns ``n_kavels``, ``hard_ha``, ``zacht_ha``
    with each suffix. Both halves count the same land: their totals are equal.
    """
    if figures is None:
        figures = parcel_figures(parcels, as_of=as_of)
    levels = levels_of(per) if per is not None else []
    keys = [*levels, "milieucategorie"]
    halves: list[pd.DataFrame] = []
    unknown: dict[str, str] = {}
    count = PARK_COUNT if is_park_table(parcels) else "n_kavels"
    for by, suffix in (("milieucategorie", "bestemd"), (EFFECTIVE, "feitelijk")):
        half = breakdown(parcels, by, per=per, as_of=as_of, regions=regions, figures=figures)
        names = {column: f"{column}_{suffix}" for column in (count, "hard_ha", "zacht_ha")}
        why_unknown = half.attrs.get("onbekend", {})
        unknown |= {names[c]: why for c, why in why_unknown.items() if c in names}
        half = half.rename(columns={by: "milieucategorie", **names})[[*keys, *names.values()]]
        half["milieucategorie"] = half["milieucategorie"].astype(str)
        halves.append(half)
    zoned, real = halves
    table = real[keys].merge(zoned, on=keys, how="left").merge(real, on=keys)
    # no parcel is zoned "geen": its zoned hectares are 0, not unknown
    none_row = table["milieucategorie"] == NO_CATEGORY
    zoned_columns = [f"{count}_bestemd", "hard_ha_bestemd", "zacht_ha_bestemd"]
    table.loc[none_row, zoned_columns] = 0
    table[f"{count}_bestemd"] = table[f"{count}_bestemd"].astype(int)
    if unknown:
        table.attrs["onbekend"] = unknown
    return table


def takeup(
    parcels: pd.DataFrame,
    by: str = "gemeente",
    *,
    as_of: AsOf = None,
    first_year: int | None = None,
    regions: pd.DataFrame | str | Path | None = None,
) -> pd.DataFrame:
    """Hectares sold per calendar year (rows) per area (columns), with a ``Totaal`` column.

    Years run from ``first_year`` (default: the first sale) to the as-of year, whose figure
    counts sales up to the as-of date. Parcels without a sale date are left out.

    >>> from terreinen.datasets import get_path
    >>> from terreinen.io.files import read_parcels
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
