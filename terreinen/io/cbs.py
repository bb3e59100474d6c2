"""CBS reference geography: the municipality and province codes, names and generalised
outlines of 2025, shipped with the package (CBS/Kadaster via PDOK, CC BY 4.0; see
``docs/data-model.md``, "CBS reference geography").

IBIS and CBS name a municipality by its CBS code (``GM0160``) and a province by its code
(``PV23``). This module reads those codes and names, gives the outlines for maps, and
places points and outlines in their municipality:

>>> municipality("GM0160")
Municipality(code='GM0160', name='Hardenberg', province_code='PV23', province='Overijssel')
>>> municipality("hardenberg").code
'GM0160'
>>> province("PV22").name
'Drenthe'
>>> len(municipalities()), len(provinces())
(342, 12)
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import datasets, settings
from terreinen.errors import TerreinenOptionError
from terreinen.i18n import t
from terreinen.report import Finding
from terreinen.validation.values import closest

__all__ = [
    "ATTRIBUTION",
    "CBS_YEAR",
    "Municipality",
    "Province",
    "locate",
    "municipalities",
    "municipality",
    "municipality_code",
    "municipality_findings",
    "outside_stated",
    "province",
    "provinces",
]

#: The year of the municipal division the package ships.
CBS_YEAR = 2025
#: The credit the licence (CC BY 4.0) asks for wherever the outlines are shown.
ATTRIBUTION = "Gemeente- en provinciegrenzen 2025: CBS/Kadaster (CC BY 4.0)"

_CODE = re.compile(r"^\s*(?:GM)?\s*0*(\d{1,4})\s*$", re.IGNORECASE)
_UNKNOWN_CODE = "GM0000"  # IBIS's placeholder for a park without a municipality


@dataclass(frozen=True)
class Province:
    """A CBS province: its code (``PV20`` to ``PV31``) and name."""

    code: str
    name: str


@dataclass(frozen=True)
class Municipality:
    """A CBS municipality: its code (``GM`` and four digits), name and province."""

    code: str
    name: str
    province_code: str
    province: str


@functools.cache
def _municipalities() -> gpd.GeoDataFrame:
    return gpd.read_parquet(datasets.get_path("cbs_gemeenten"))


@functools.cache
def _provinces() -> gpd.GeoDataFrame:
    return gpd.read_parquet(datasets.get_path("cbs_provincies"))


def municipalities() -> gpd.GeoDataFrame:
    """The 342 municipalities of 2025 with their generalised outlines, in RD New.

    Columns ``gemeentecode``, ``gemeente``, ``provinciecode``, ``provincie``, ``geometry``;
    one row per municipality, sorted by code. A copy: changing it changes nothing here.

    >>> municipalities().columns.tolist()
    ['gemeentecode', 'gemeente', 'provinciecode', 'provincie', 'geometry']
    """
    return _municipalities().copy()


def provinces() -> gpd.GeoDataFrame:
    """The 12 provinces with their generalised outlines, in RD New.

    Columns ``provinciecode``, ``provincie``, ``geometry``, sorted by code.

    >>> provinces()["provincie"].iloc[0]
    'Groningen'
    """
    return _provinces().copy()


def municipality_code(value: Any) -> str | None:
    """The CBS code a value stands for: ``GM0160``, ``gm160``, ``160`` and ``160.0`` all
    give ``GM0160``. Empty values and IBIS's ``GM0000`` (municipality not given) give
    ``None``; the code is not checked against the list (see :func:`municipality`).

    >>> municipality_code(160), municipality_code(" gm0160 "), municipality_code("GM0000")
    ('GM0160', 'GM0160', None)
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    match = _CODE.match(text)
    if match is None:
        return None
    code = f"GM{int(match.group(1)):04d}"
    return None if code == _UNKNOWN_CODE else code


def _plain(name: str) -> str:
    """A name compared without case, spaces at the ends or CBS's suffix (``Bergen (NH.)``)."""
    return re.sub(r"\s*\(.*\)\s*$", "", name).strip().casefold()


def municipality(code_or_name: str | int) -> Municipality:
    """One municipality by its CBS code (``GM0160``, ``160``) or its name.

    Names compare without case; a name without CBS's suffix is enough when it is unique
    (``Hengelo`` is ``Hengelo (O.)``), and ambiguous otherwise (``Bergen``).

    Raises
    ------
    TerreinenOptionError
        When no municipality or more than one has that code or name.

    >>> municipality("Hengelo").name
    'Hengelo (O.)'
    """
    frame = _municipalities()
    code = municipality_code(code_or_name)
    if code is not None and code in set(frame["gemeentecode"]):
        rows = frame[frame["gemeentecode"] == code]
    else:
        text = str(code_or_name).strip()
        rows = frame[frame["gemeente"].str.casefold() == text.casefold()]
        if rows.empty:
            rows = frame[frame["gemeente"].map(_plain) == _plain(text)]
    if len(rows) > 1:
        names = ", ".join(rows["gemeente"])
        raise TerreinenOptionError(
            t("municipality {name} is ambiguous: {names}", name=repr(code_or_name), names=names)
        )
    if rows.empty:
        hint = closest(str(code_or_name), frame["gemeente"], "municipality")
        raise TerreinenOptionError(
            t("no CBS municipality {name}; {hint}", name=repr(code_or_name), hint=hint)
        )
    row = rows.iloc[0]
    return Municipality(
        code=row["gemeentecode"],
        name=row["gemeente"],
        province_code=row["provinciecode"],
        province=row["provincie"],
    )


def province(code_or_name: str) -> Province:
    """One province by its CBS code (``PV23``) or name (``Overijssel``, ``Friesland``).

    Raises
    ------
    TerreinenOptionError
        When no province has that code or name.

    >>> province("overijssel").code
    'PV23'
    """
    frame = _provinces()
    text = str(code_or_name).strip().casefold()
    aliases = {"friesland": "fryslân"}  # the name CBS used before 2021, still common
    text = aliases.get(text, text)
    rows = frame[
        (frame["provinciecode"].str.casefold() == text)
        | (frame["provincie"].str.casefold() == text)
    ]
    if rows.empty:
        hint = closest(str(code_or_name), frame["provincie"], "province")
        raise TerreinenOptionError(
            t("no CBS province {name}; {hint}", name=repr(code_or_name), hint=hint)
        )
    row = rows.iloc[0]
    return Province(code=row["provinciecode"], name=row["provincie"])


def locate(geometries: gpd.GeoSeries | gpd.GeoDataFrame) -> pd.Series:
    """The CBS code of the municipality each geometry lies in.

    A point is placed where it is; a line or outline by its representative point (a point
    inside it). Geometries without a CRS are taken as RD New. Outside every municipality
    (at sea, abroad) or without a geometry the code is missing (``None``).

    Parameters
    ----------
    geometries
        Points or outlines, in any CRS.

    Returns
    -------
    pandas.Series
        ``gemeentecode`` per geometry, on the input's index.

    >>> from shapely import Point
    >>> locate(gpd.GeoSeries([Point(238577, 509868), Point(0, 0)])).tolist()
    ['GM0160', None]
    """
    series = geometries.geometry if isinstance(geometries, gpd.GeoDataFrame) else geometries
    if series.crs is None:
        series = series.set_crs(settings.rd_crs)
    series = series.to_crs(settings.rd_crs)
    present = np.flatnonzero((series.notna() & ~series.is_empty).to_numpy())
    points = shapely.point_on_surface(series.to_numpy()[present])
    outlines = _municipalities()
    codes = np.full(len(series), None, dtype=object)
    # a point on a shared border lies in neither (within is strict): then the first it touches
    for predicate in ("within", "intersects"):
        unplaced = present[pd.isna(codes[present])]
        if not len(unplaced):
            break
        chosen = points[np.searchsorted(present, unplaced)]
        hit, outline = outlines.sindex.query(chosen, predicate=predicate, sort=True)
        first = np.unique(hit, return_index=True)[1]  # per point, the first outline
        codes[unplaced[hit[first]]] = outlines["gemeentecode"].to_numpy()[outline[first]]
    return pd.Series(codes, index=geometries.index, name="gemeentecode", dtype=object)


def outside_stated(geometries: gpd.GeoSeries, stated: pd.Series) -> pd.DataFrame:
    """The geometries that lie in another municipality than ``stated`` (names, aligned
    with ``geometries``): more than ``settings.municipality_margin_m`` outside its
    generalised outline. One spatial join (:func:`locate`) for all, then one distance per
    geometry whose municipality differs. A name that is no CBS municipality (or not a
    unique one) is not compared.

    Returns
    -------
    pandas.DataFrame
        ``positie`` (0-based), ``gemeente`` (as stated) and ``ligt_in`` (the CBS name of
        the municipality it lies in), one row per such geometry.
    """
    outlines = _municipalities()
    plain = outlines["gemeente"].map(_plain)
    unique = plain[~plain.duplicated(keep=False)]
    by_name = dict(zip(unique, outlines.loc[unique.index, "gemeentecode"], strict=True))
    names = stated.astype(object).to_numpy()
    known = {n: by_name.get(_plain(n)) for n in pd.unique(names) if isinstance(n, str)}
    wanted = np.array([known.get(n) if isinstance(n, str) else None for n in names])
    found = locate(geometries).to_numpy()
    differ = np.flatnonzero((found != None) & (wanted != None) & (found != wanted))  # noqa: E711
    shapes = outlines.set_index("gemeentecode")
    series = geometries if geometries.crs is not None else geometries.set_crs(settings.rd_crs)
    own = series.to_crs(settings.rd_crs).to_numpy()[differ]
    away = shapely.distance(own, shapes.geometry.loc[wanted[differ]].to_numpy())
    far = differ[away > settings.municipality_margin_m]
    return pd.DataFrame(
        {
            "positie": far,
            "gemeente": names[far],
            "ligt_in": shapes["gemeente"].loc[found[far]].to_numpy(),
        }
    )


def municipality_findings(parcels: gpd.GeoDataFrame, *, parks: bool = False) -> list[Finding]:
    """A warning per stated municipality and the one the outlines lie in instead
    (:func:`outside_stated`), naming both and the rows (``parks``: the parks of a park
    table, whose records are not the file's rows), column ``gemeente``; one parcel's warning
    gives its row and ``kavel_id``. Records without an outline (a park table without
    geometry) and a frame without ``gemeente`` are not checked. In the reader's language.

    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame({"kavel_id": ["E"], "gemeente": ["Emmen"]},
    ...     geometry=[box(238527, 509818, 238627, 509918)], crs="EPSG:28992")
    >>> print(municipality_findings(parcels)[0])  # doctest: +NORMALIZE_WHITESPACE
    warning: row 1, kavel_id 'E', column 'gemeente': the outline lies in 'Hardenberg', not in
    the stated gemeente 'Emmen' (CBS municipalities of 2025)
    """
    if "gemeente" not in parcels or not parcels.geometry.notna().any():
        return []
    outside = outside_stated(parcels.geometry, parcels["gemeente"])
    ids = parcels["kavel_id"].astype(str).to_numpy()
    names = parcels["terrein"].astype(str).to_numpy() if parks else None
    return [
        _outside_finding(str(stated), str(there), group["positie"].to_numpy(), ids, names)
        for (stated, there), group in outside.groupby(["gemeente", "ligt_in"], sort=False)
    ]


def _outside_finding(
    stated: str, there: str, positions: np.ndarray, ids: np.ndarray, names: np.ndarray | None
) -> Finding:
    """The warning for the records at ``positions`` (stated ``stated``, lying in ``there``):
    naming the parks (``names`` given), the rows, or one parcel's row and ``kavel_id``."""
    said: dict[str, str] = {"there": repr(there), "stated": repr(stated), "year": str(CBS_YEAR)}
    if names is None and len(positions) == 1:
        message = t(
            "the outline lies in {there}, not in the stated gemeente {stated} "
            "(CBS municipalities of {year})",
            **said,
        )
        row = int(positions[0]) + 1
        return Finding("warning", message, row=row, kavel_id=ids[positions[0]], column="gemeente")
    if names is None:
        which = t("rows {rows}", rows=_listed([str(p + 1) for p in positions]))
    else:
        parks = [repr(name) for name in dict.fromkeys(names[positions])]
        listed = _listed(parks)
        which = (
            t("park {parks}", parks=listed) if len(parks) == 1 else t("parks {parks}", parks=listed)
        )
    message = t(
        "the outlines of {which} lie in {there}, not in the stated gemeente {stated} "
        "(CBS municipalities of {year})",
        which=which,
        **said,
    )
    return Finding("warning", message, column="gemeente")


def _listed(items: list[str], shown: int = 10) -> str:
    """The first ``shown`` items, and how many more, in the reader's language."""
    text = ", ".join(items[:shown])
    return (
        t("{shown} and {n} more", shown=text, n=len(items) - shown) if len(items) > shown else text
    )
