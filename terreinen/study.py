"""One study: parcels, an as-of date, the agreements, the regions, the history and the
settings, resolved once, and every figure computed once from them.

The command line, :mod:`terreinen.export`, the maps and notebooks consume a :class:`Study`, so
that every output of one run states the same figure, or the same "unknown", for the same
area and date. The per-parcel figures (:func:`terreinen.figures.parcel_figures`) are
computed once per study; capacity tables, breakdowns, take-up, the agreement comparison
and demand are computed from them on first use and kept; :meth:`Study.for_gemeente` slices
a municipality out without computing anything again.

>>> from terreinen.datasets import get_path
>>> study = Study.from_file(get_path("parcels"), as_of="2026-01-01",
...                         agreements=get_path("agreements"))
>>> study.capacity("provincie")[["gebied", "hard_ha", "zacht_ha"]].round(2)
       gebied  hard_ha  zacht_ha
0     Drenthe   407.86    196.07
1  Overijssel    55.86      0.00
2      Totaal   463.72    196.07
>>> hardenberg = study.for_gemeente("Hardenberg")
>>> round(float(hardenberg.capacity("gemeente").loc[0, "hard_ha"]), 2)
55.86
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TypeAlias, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from terreinen import settings
from terreinen.agreements import History, compare_read_agreements
from terreinen.capacity import (
    TOTAL,
    breakdown,
    capacity,
    levels_of,
    takeup,
    takeup_moved,
    zoning_breakdown,
)
from terreinen.demand import demand
from terreinen.errors import TerreinenDataWarning, TerreinenNotFoundError, TerreinenOptionError
from terreinen.figures import (
    AsOf,
    as_of_date,
    data_date,
    data_dates,
    data_year,
    parcel_figures,
    takeup_window,
)
from terreinen.i18n import t
from terreinen.io.files import read_parcels
from terreinen.io.mapping import MappingSource
from terreinen.io.sensitive import read_sensitive
from terreinen.io.source import Source
from terreinen.io.tables import read_agreements, read_regions, regions_beside
from terreinen.validation.values import closest
from terreinen.zoning import with_effective_categories

__all__ = ["Study"]

TableSource: TypeAlias = pd.DataFrame | str | Path | None
T = TypeVar("T")


class Study:
    """Parcels and everything they are compared with, on one as-of date.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels as :func:`terreinen.read_parcels` returns them (EPSG:28992, checked).
    as_of : date-like, optional
        The as-of date (peildatum); today when None.
    agreements : DataFrame or path, optional
        The programming agreements; read and checked once.
    regions : DataFrame or path, optional
        The municipality/region table; by default ``gemeenten.csv`` beside an agreements
        file (the rule of :func:`terreinen.agreements.compare_agreements`).
    history : History, optional
        The parcel history that ``toevoeging`` agreements count from (a
        :class:`terreinen.register.Register`, or a :class:`terreinen.agreements.DeliveryHistory`).
    takeup_years : int, optional
        Full years take-up averages; ``settings.takeup_years`` when None (read now).
    source : str or Source, optional
        Where the parcels come from, for titles (a label: never a password).
    sensitive : GeoDataFrame or path, optional
        Sensitive objects (homes; :func:`terreinen.io.sensitive.read_sensitive`), read and
        checked once: the parcels then carry :mod:`terreinen.zoning`'s columns
        (``milieucategorie_feitelijk`` and the distance), which every output shows.
    """

    def __init__(
        self,
        parcels: gpd.GeoDataFrame,
        *,
        as_of: AsOf = None,
        agreements: TableSource = None,
        regions: TableSource = None,
        history: History | None = None,
        takeup_years: int | None = None,
        source: str | Source | None = None,
        sensitive: gpd.GeoDataFrame | str | Path | None = None,
    ) -> None:
        if sensitive is not None:
            parcels = with_effective_categories(parcels, read_sensitive(sensitive))
        self.parcels = parcels
        self.as_of = as_of_date(as_of)
        self.takeup_years = settings.takeup_years if takeup_years is None else takeup_years
        if self.takeup_years <= 0:
            raise TerreinenOptionError(
                t(
                    "{name} {value}: give a positive number of years",
                    name="takeup_years",
                    value=repr(self.takeup_years),
                )
            )
        self.history = history
        self.source = str(source) if source is not None else "<parcels>"
        self.agreements_source = (
            None if agreements is None or isinstance(agreements, pd.DataFrame) else str(agreements)
        )
        if regions is None:
            regions = regions_beside(agreements)
        self.regions = read_regions(regions) if regions is not None else None
        self.agreements = read_agreements(agreements) if agreements is not None else None
        #: the data's own date: the whole study's, also in a slice (so take-up averages the
        #: same years in every municipality of the run)
        self.data_until = data_date(parcels)
        self._say_data_year()
        self._tables: dict[tuple, pd.DataFrame] = {}
        self._derived: dict[str, object] = {}
        #: the study this one was cut from (itself when it was not), and where this study's
        #: parcels are among that one's
        self.root: Study = self
        self.positions = np.arange(len(parcels))
        #: for a municipality's slice: the whole study and the municipality, whose rows of
        #: the whole study's tables are the slice's (nothing is computed again)
        self._whole: tuple[Study, str] | None = None

    def _say_data_year(self) -> None:
        """Warn, once per study, when the data describe a year or more before the as-of
        date, naming their year; not when take-up's warning names the data's date already."""
        known = data_year(self.parcels)
        if known is None or takeup_moved(self.as_of, self.takeup_years, self.data_until):
            return
        year, stamp = known
        if self.as_of >= stamp + pd.DateOffset(years=1):
            said = t(
                "the data are of {year}, a year or more before the as-of date {as_of}: "
                "the figures state the land as the data of {year} knew it",
                year=year,
                as_of=self.as_of.date(),
            )
            warnings.warn(said, TerreinenDataWarning, stacklevel=3)

    @classmethod
    def from_file(
        cls,
        path: str | Path | Source,
        *,
        layer: str | None = None,
        crs: str | None = None,
        gemeente: str | None = None,
        provincie: str | None = None,
        columns: MappingSource | None = None,
        **options,
    ) -> Study:
        """A study of the parcels in a file (any format :func:`terreinen.read_parcels`
        reads, with a column mapping ``columns`` as it takes one); ``options`` as for
        :class:`Study`. Raises
        :class:`terreinen.errors.TerreinenDataError` on errors in the file."""
        source = Source.of(path)
        reading = {"layer": layer, "crs": crs, "gemeente": gemeente, "provincie": provincie}
        parcels = read_parcels(source.location, columns=columns, **reading)
        return cls(parcels, source=source, **options)

    # -- the figures, computed once ------------------------------------------------------

    @cached_property
    def window(self) -> tuple[int, int]:
        """First and last calendar year take-up averages."""
        return takeup_window(self.as_of, self.takeup_years, self.data_until)

    @cached_property
    def data_dates(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """The earliest and the latest of its municipalities' own dates (of a slice: its
        own municipalities'), which titles state; None when the data have no dates.
        :attr:`data_until`, the whole study's latest, decides take-up's years."""
        return data_dates(self.parcels)

    @property
    def takeup_known(self) -> bool:
        """Whether the data give any take-up at all: a park table without sale figures, or
        data without sale dates, give none (then no output states the years it averages)."""
        return bool(self.capacity("gemeente")["uitgifte_ha_per_jaar"].notna().any())

    @cached_property
    def figures(self) -> pd.DataFrame:
        """Each parcel's hectares in every figure of the contract (NaN: unknown)."""
        return parcel_figures(
            self.parcels, as_of=self.as_of, takeup_years=self.takeup_years, window=self.window
        )

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """Anything an output derives from the study (a map's park outlines, say), computed
        on first use and kept under ``key``; the caller must not change it."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]  # type: ignore[return-value]

    def _kept(self, key: tuple, compute) -> pd.DataFrame:
        if key not in self._tables:
            self._tables[key] = compute()
        return self._tables[key].copy()

    def capacity(self, by: str | Sequence[str] = "gemeente") -> pd.DataFrame:
        """:func:`terreinen.capacity.capacity` of the study."""
        levels = tuple(levels_of(by))
        if self._whole is not None and levels[0] == "gemeente":
            whole, gemeente = self._whole
            return self._kept(("capacity", levels), lambda: _rows_of(whole, gemeente, levels))
        return self._kept(
            ("capacity", levels),
            lambda: capacity(
                self.parcels,
                list(levels) if len(levels) > 1 else levels[0],
                as_of=self.as_of,
                takeup_years=self.takeup_years,
                regions=self.regions,
                figures=self.figures,
                data_until=self.data_until,
            ),
        )

    def breakdown(
        self, by: str = "milieucategorie", per: str | Sequence[str] | None = None
    ) -> pd.DataFrame:
        """:func:`terreinen.capacity.breakdown` of the study."""
        per_key = None if per is None else tuple(levels_of(per))
        return self._kept(
            ("breakdown", by, per_key),
            lambda: breakdown(
                self.parcels,
                by,
                per=None if per_key is None else list(per_key),
                as_of=self.as_of,
                regions=self.regions,
                figures=self.figures,
            ),
        )

    @property
    def zoned(self) -> bool:
        """Whether the parcels carry effective categories (the study has sensitive objects)."""
        return "milieucategorie_feitelijk" in self.parcels

    def zoning_breakdown(self, per: str | Sequence[str] | None = None) -> pd.DataFrame:
        """:func:`terreinen.capacity.zoning_breakdown` of the study (needs ``sensitive``)."""
        per_key = None if per is None else tuple(levels_of(per))
        return self._kept(
            ("zoning", per_key),
            lambda: zoning_breakdown(
                self.parcels,
                per=None if per_key is None else list(per_key),
                as_of=self.as_of,
                regions=self.regions,
                figures=self.figures,
            ),
        )

    def takeup(self, by: str = "gemeente") -> pd.DataFrame:
        """:func:`terreinen.capacity.takeup`: hectares sold per year per area."""
        return self._kept(
            ("takeup", by),
            lambda: takeup(self.parcels, by, as_of=self.as_of, regions=self.regions),
        )

    @property
    def comparison(self) -> pd.DataFrame | None:
        """:func:`terreinen.agreements.compare_agreements` of the study; None without
        agreements."""
        if self.agreements is None:
            return None
        return self._kept(
            ("agreements",),
            lambda: compare_read_agreements(
                self.parcels,
                self.agreements,
                self.regions,  # read once, with the agreements, when the study was made
                as_of=self.as_of,
                history=self.history,
                figures=self.figures,
            ),
        )

    def demand(
        self,
        by: str = "gemeente",
        per: str = "segment",
        *,
        horizon: float | None = None,
        scenarios: Sequence[float] | None = None,
    ) -> pd.DataFrame:
        """:func:`terreinen.demand.demand` of the study."""
        key = ("demand", by, per, horizon, None if scenarios is None else tuple(scenarios))
        return self._kept(
            key,
            lambda: demand(
                self.parcels,
                by,
                per=per,
                horizon=horizon,
                scenarios=scenarios,
                takeup_years=self.takeup_years,
                as_of=self.as_of,
                regions=self.regions,
                figures=self.figures,
            ),
        )

    # -- slices ---------------------------------------------------------------------------

    @property
    def municipalities(self) -> list[str]:
        """The municipalities of the parcels, in name order."""
        return sorted(self.parcels["gemeente"].astype(str).unique())

    def for_gemeente(self, gemeente: str) -> Study:
        """The study of one municipality's parcels: its figures are the study's own (not
        computed again), the agreement comparison the whole study's rows that concern it
        (:meth:`agreements_on`: agreements on a region count the region), take-up averages
        the same years."""
        if gemeente not in self.municipalities:
            hint = closest(gemeente, self.municipalities, "municipality")
            raise TerreinenNotFoundError(
                t(
                    "gemeente {gemeente} is not in the parcels ({hint})",
                    gemeente=repr(gemeente),
                    hint=hint,
                )
            )
        key = ("gemeente", gemeente)
        if key not in self._slices:
            part = self.subset(self.parcels["gemeente"].astype(str) == gemeente)
            part._whole = (self, gemeente)
            if self.comparison is not None:  # the agreements that concern it
                part._tables[("agreements",)] = self.agreements_on([gemeente], gemeente)
            self._slices[key] = part
        return self._slices[key]

    def agreements_on(self, members: list[str], name: str) -> pd.DataFrame:
        """The rows of :attr:`comparison` that concern the area ``name`` of the
        municipalities ``members``: the agreements on its municipalities, their regions and
        provinces, or on the area itself (a study with agreements)."""
        comparison = self.comparison
        if comparison is None:
            raise TerreinenOptionError(t("the study has no agreements"))
        concerned = {name, *members}
        if self.regions is not None:
            rows = self.regions[self.regions["gemeente"].astype(str).isin(members)]
            concerned |= set(rows["regio"].dropna().astype(str))
            concerned |= set(rows["provincie"].astype(str))
        mine = self.parcels["gemeente"].isin(members)
        concerned |= set(self.parcels.loc[mine, "provincie"].astype(str))
        return comparison[comparison["gebied"].astype(str).isin(concerned)].reset_index(drop=True)

    @property
    def gemeente(self) -> str | None:
        """The municipality this study is the slice of (:meth:`for_gemeente`), else None."""
        return None if self._whole is None else self._whole[1]

    @cached_property
    def _slices(self) -> dict[tuple, Study]:
        return {}

    def subset(self, mask: pd.Series) -> Study:
        """The study of the parcels where ``mask`` is True (aligned with :attr:`parcels`),
        sharing this study's figures, agreement comparison and take-up years."""
        part = Study.__new__(Study)
        part.__dict__.update(
            parcels=self.parcels[mask.to_numpy()],
            as_of=self.as_of,
            takeup_years=self.takeup_years,
            history=self.history,
            source=self.source,
            agreements_source=self.agreements_source,
            regions=self.regions,
            agreements=self.agreements,
            data_until=self.data_until,
            window=self.window,
            figures=self.figures[mask.to_numpy()],
            _tables={},
            _derived={},
            _whole=None,
            root=self.root,
            positions=self.positions[mask.to_numpy()],
        )
        comparison = self.comparison  # the whole study's: a region's agreement counts it all
        if comparison is not None:
            part._tables[("agreements",)] = comparison
        return part

    def __repr__(self) -> str:
        return (
            f"Study({self.source}: {len(self.parcels):,} parcels, as of "
            f"{self.as_of.date().isoformat()})"
        )


def _rows_of(whole: Study, gemeente: str, levels: tuple[str, ...]) -> pd.DataFrame:
    """A capacity table by ``levels`` (``gemeente`` first) of one municipality, from the
    whole study's tables: its rows, and as ``Totaal`` its row of the table by gemeente."""
    table = whole.capacity(list(levels) if len(levels) > 1 else levels[0])
    key = "gebied" if len(levels) == 1 else "gemeente"
    by_gemeente = whole.capacity("gemeente")
    total = by_gemeente[by_gemeente["gebied"] == gemeente].rename(columns={"gebied": key})
    total = total.assign(**{key: TOTAL}, **dict.fromkeys(levels[1:], ""))[table.columns]
    rows = pd.concat([table[table[key] == gemeente], total], ignore_index=True)
    rows.attrs = dict(table.attrs)
    return rows
