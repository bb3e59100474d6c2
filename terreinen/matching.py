"""Matching a company to land: the unsold parcels that fit its size, environmental category,
segment and location, best first, and adjacent parcels that together are large enough."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from typing import TypedDict, TypeVar, Unpack

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import schema, settings
from terreinen.errors import TerreinenDataWarning, TerreinenNotFoundError, TerreinenOptionError
from terreinen.figures import status_on
from terreinen.i18n import format_number, t
from terreinen.outlines import merge
from terreinen.validation.values import closest

MATCH_COLUMNS = (
    "kavel_id",
    "terrein",
    "gemeente",
    "oppervlakte_ha",
    "milieucategorie",
    "segment",
    "status",
    "capaciteit",
    "prijs_m2",
    "afstand_km",
    "combinatie",
)
#: Columns of the matches when the parcels carry effective categories (:mod:`terreinen.zoning`).
ZONED_MATCH_COLUMNS = (
    *MATCH_COLUMNS[: MATCH_COLUMNS.index("milieucategorie") + 1],
    "milieucategorie_feitelijk",
    "afstand_gevoelig_m",
    *MATCH_COLUMNS[MATCH_COLUMNS.index("milieucategorie") + 1 :],
)
_EFFECTIVE = "milieucategorie_feitelijk"
_STATUS_RANK = {"terstond_uitgeefbaar": 0, "niet_terstond_uitgeefbaar": 1, "optie": 2}
_ADJACENT_M = 0.5  # parcels this close share a border; a road between them is wider
_MAX_COMBINED = 6  # parcels in one combination
#: Parcels :func:`closest_candidates` lists by default (and ``attrs["dichtstbij"]`` holds).
CLOSEST_LISTED = 5
_Frame = TypeVar("_Frame", bound=pd.DataFrame)
# the Netherlands in WGS84 degrees, to recognise latitude and longitude given swapped
_NL_LAT, _NL_LON = (50.7, 53.7), (3.2, 7.3)


def parse_milieucategorie(text: str) -> tuple[str, str | None]:
    """The category a company needs as staff type it: ``4.2``, ``4,2`` (as in the data
    files), or a main number ``4``, read as its lowest subcategory 4.1 (and up), with a
    note saying so.

    >>> parse_milieucategorie("4,2"), parse_milieucategorie("4")
    (('4.2', None), ('4.1', 'milieucategorie 4 read as 4.1 and up'))
    """
    value = str(text).strip().replace(",", ".")
    if value in schema.MILIEUCATEGORIEEN:
        return value, None
    lowest = next((c for c in schema.MILIEUCATEGORIEEN if c.split(".")[0] == value), None)
    if lowest is not None:
        return lowest, t(
            "milieucategorie {value} read as {lowest} and up", value=value, lowest=lowest
        )
    raise TerreinenOptionError(
        t(
            "milieucategorie {value} is unknown; one of {values}",
            value=repr(text),
            values=", ".join(schema.MILIEUCATEGORIEEN),
        )
    )


def _lat_lon(lat: float, lon: float) -> tuple[float, float]:
    """Latitude and longitude, swapped back (with a warning) when they were given the wrong
    way round for a place in the Netherlands."""
    inside = _NL_LAT[0] <= lat <= _NL_LAT[1] and _NL_LON[0] <= lon <= _NL_LON[1]
    swapped = _NL_LAT[0] <= lon <= _NL_LAT[1] and _NL_LON[0] <= lat <= _NL_LON[1]
    if swapped and not inside:
        warnings.warn(
            t(
                "near {lat},{lon} lies outside the Netherlands; read as {lon},{lat} "
                "(latitude first: lat,lon)",
                lat=lat,
                lon=lon,
            ),
            TerreinenDataWarning,
            stacklevel=3,
        )
        return lon, lat
    return lat, lon


class Wishes(TypedDict, total=False):
    """What a company asks for: the keywords of :func:`find_parcels` and
    :func:`closest_candidates` besides ``as_of``. ``without_option`` (default False) leaves
    out parcels under option for another party; by default they are offered, after the
    others."""

    min_ha: float | None
    max_ha: float | None
    milieucategorie: str | None
    segment: str | None
    near: str | None
    radius_km: float | None
    hard_only: bool
    without_option: bool


@dataclass(frozen=True)
class _Request:
    """The wishes, checked; ``milieucategorie`` as the category it is read as."""

    min_ha: float | None = None
    max_ha: float | None = None
    milieucategorie: str | None = None
    segment: str | None = None
    near: str | None = None
    radius_km: float | None = None
    hard_only: bool = False
    without_option: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Reference:
    """The point ``near`` names, what it is (``lat,lon``, ``gemeente`` or ``kern``) and
    of how many parcels it is the centre (0 for ``lat,lon``)."""

    point: shapely.Point
    kind: str
    parcels: int


def _request(wishes: Wishes, caller: str) -> _Request:
    """The wishes of a company, checked (unknown keywords, negative sizes, unknown
    category or segment)."""
    unknown = sorted(set(wishes) - set(Wishes.__annotations__))
    if unknown:
        raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
    request = _Request(**wishes)
    for name in ("min_ha", "max_ha", "radius_km"):
        value = getattr(request, name)
        if value is not None and value < 0:
            raise TerreinenOptionError(
                t("{name} must not be negative (got {value})", name=name, value=value)
            )
    low, high = request.min_ha, request.max_ha
    if low is not None and high is not None and low > high:
        raise TerreinenOptionError(
            t("min_ha {low} is larger than max_ha {high}", low=low, high=high)
        )
    if request.segment is not None and request.segment not in schema.SEGMENTS:
        raise TerreinenOptionError(
            t(
                "segment {segment} is unknown; one of {choices}",
                segment=repr(request.segment),
                choices=", ".join(schema.SEGMENTS),
            )
        )
    if request.milieucategorie is None:
        return request
    category, note = parse_milieucategorie(request.milieucategorie)
    return replace(request, milieucategorie=category, notes=(note,) if note else ())


def reference_point(parcels: gpd.GeoDataFrame, near: str) -> shapely.Point:
    """The point ``near`` names, in RD New: ``"lat,lon"``, or a municipality or town in the
    data (the area-weighted centre of its parcels)."""
    return _reference(parcels, near).point


def _reference(parcels: gpd.GeoDataFrame, near: str) -> _Reference:
    """The point ``near`` names (see :func:`reference_point`) and what it is."""
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*", near)
    if match:
        lat, lon = _lat_lon(float(match.group(1)), float(match.group(2)))
        point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=settings.web_crs).to_crs(parcels.crs)
        return _Reference(point.iloc[0], "lat,lon", 0)
    for column in ("gemeente", "kern"):
        if column in parcels:
            names = parcels[column].astype(str).str.casefold()
            chosen = parcels[names == near.strip().casefold()]
            if len(chosen):
                centroids = shapely.get_coordinates(shapely.centroid(chosen.geometry.to_numpy()))
                weights = chosen["oppervlakte_ha"].to_numpy()
                x, y = (centroids * weights[:, None]).sum(axis=0) / weights.sum()
                return _Reference(shapely.Point(x, y), column, len(chosen))
    known = sorted(
        {*parcels["gemeente"].astype(str), *parcels.get("kern", pd.Series()).dropna().astype(str)}
    )
    hint = closest(near, known, "place", t("give a municipality or town in the data, or lat,lon"))
    raise TerreinenNotFoundError(
        t(
            "near {near} is not a municipality or town in the data; {hint}",
            near=repr(near),
            hint=hint,
        )
    )


def _point_said(reference: _Reference, near: str, crs) -> tuple[dict, str]:
    """The point used for ``near`` as ``attrs["punt"]`` and as a note in words."""
    point = gpd.GeoSeries([reference.point], crs=crs)
    rd, lonlat = point.to_crs(settings.rd_crs).iloc[0], point.to_crs(settings.web_crs).iloc[0]
    where = {
        "near": near,
        "soort": reference.kind,
        "n_kavels": reference.parcels,
        "x": float(rd.x),
        "y": float(rd.y),
        "lat": float(lonlat.y),
        "lon": float(lonlat.x),
    }
    fields = {
        "near": near,
        "x": f"{rd.x:.0f}",
        "y": f"{rd.y:.0f}",
        "latlon": f"{lonlat.y:.5f},{lonlat.x:.5f}",
        "n": format_number(reference.parcels, 0),
    }
    if reference.kind == "gemeente":
        said = t(
            "distances (afstand_km) from {near}: the centre of the municipality's {n} parcels "
            "(weighted by area), not the town centre; RD x {x}, y {y}, lat,lon {latlon}",
            **fields,
        )
    elif reference.kind == "kern":
        said = t(
            "distances (afstand_km) from {near}: the centre of the town's {n} parcels "
            "(weighted by area), not the town centre; RD x {x}, y {y}, lat,lon {latlon}",
            **fields,
        )
    else:
        said = t("distances (afstand_km) from {near}: lat,lon {latlon}, RD x {x}, y {y}", **fields)
    return where, said


def find_parcels(
    parcels: gpd.GeoDataFrame,
    *,
    as_of=None,
    combinations: bool = True,
    **wishes: Unpack[Wishes],
) -> gpd.GeoDataFrame:
    """Unsold parcels that fit a company, best first: hard before soft capacity, immediately
    available before not immediately and under option, then nearest (distance in km from
    ``near`` to the parcel's centroid), then largest.

    The wishes (:class:`Wishes`) are ``min_ha``, ``max_ha``, ``milieucategorie``,
    ``segment``, ``near`` (``"lat,lon"`` or a municipality or town in the data: the
    area-weighted centre of its parcels), ``radius_km``, ``hard_only`` and
    ``without_option``. ``milieucategorie`` is the category the company needs (``"4.2"``,
    ``"4,2"``; a main number ``"4"`` means 4.1 and up): parcels that allow it or a higher
    one qualify. Parcels under option for another party are offered (after the others)
    unless ``without_option=True``. With ``min_ha``, adjacent unsold parcels of one park and
    one segment that are each too small but together large enough are offered as a
    combination (``kavel_id`` ``"A+B"``, ``combinatie`` True), judged by their weakest part;
    a parcel is in at most one combination (the best). Notes on how the request was read
    (the point used for ``near`` among them) are in ``result.attrs["opmerkingen"]``; the
    point itself is ``result.attrs["punt"]`` (``near``, ``soort``, ``n_kavels``, RD ``x``,
    ``y``, ``lat``, ``lon``). When nothing fits, ``result.attrs["dichtstbij"]`` holds the
    parcels that come closest and why (:func:`closest_candidates`).

    Parcels that carry effective categories (:func:`terreinen.zoning.with_effective_categories`,
    or a :class:`terreinen.study.Study` with ``sensitive``) qualify on
    ``milieucategorie_feitelijk``; the ones the zoned category alone would have let in, and
    that meet every other wish, are listed in ``result.attrs["bijna"]`` (``kavel_id``,
    ``milieucategorie``, ``milieucategorie_feitelijk``, ``afstand_gevoelig_m``,
    ``gebiedstype_gevoelig``, ``reden``: "bestemd 4.2, feitelijk 3.2: woning op 140 m
    (rustig)"), nearest first.

    >>> from terreinen.datasets import get_path
    >>> from terreinen.io.files import read_parcels
    >>> parcels = read_parcels(get_path("parcels"))
    >>> found = find_parcels(parcels, min_ha=3, milieucategorie="4.2", near="Hardenberg",
    ...                      as_of="2026-01-01")
    >>> best = found.loc[0]
    >>> best["terrein"], best["gemeente"], round(float(best["afstand_km"]), 1)
    ('Europark', 'Coevorden', 13.9)
    """
    request = _request(wishes, "find_parcels")
    candidates, reference = _unsold(parcels, request, as_of)
    gaps = _gaps(candidates, request)
    others = gaps.drop(columns=["te_klein", "te_groot", "milieucategorie"]).eq(0).all(axis=1)
    other_ok = others.to_numpy()
    category_ok = gaps["milieucategorie"].eq(0).to_numpy()
    size_ok = (gaps["te_klein"].eq(0) & gaps["te_groot"].eq(0)).to_numpy()
    singles = _rows(candidates[other_ok & category_ok & size_ok])
    found = [singles]
    if combinations and request.min_ha is not None:
        small = (candidates["oppervlakte_ha"] < request.min_ha).to_numpy()
        found.append(
            _combinations(
                candidates[other_ok & category_ok & small], request.min_ha, request.max_ha
            )
        )
    result = (
        pd.concat([f for f in found if len(f)], ignore_index=True)
        if any(len(f) for f in found)
        else singles
    )
    found_all = _ordered(gpd.GeoDataFrame(result, geometry="geometry", crs=parcels.crs))
    found_all.attrs["opmerkingen"] = list(request.notes)
    if reference is not None and request.near is not None:
        where, said = _point_said(reference, request.near, parcels.crs)
        found_all.attrs["punt"] = where
        found_all.attrs["opmerkingen"].append(said)
    if _EFFECTIVE in parcels:
        zoned_only = other_ok & size_ok & ~category_ok & _zoned_ok(candidates, request)
        found_all.attrs["bijna"] = _near_misses(candidates[zoned_only])
    if found_all.empty:
        found_all.attrs["dichtstbij"] = _closest(candidates, gaps, request, CLOSEST_LISTED)
    return found_all


def closest_candidates(
    parcels: gpd.GeoDataFrame, *, as_of=None, n: int = CLOSEST_LISTED, **wishes: Unpack[Wishes]
) -> pd.DataFrame:
    """The ``n`` unsold parcels that come closest to the wishes (:class:`Wishes`, as
    :func:`find_parcels` takes them) without meeting them all, closest first, and why each
    falls short.

    Closest first: fewest unmet wishes, then the smallest shortfall, in shares of what was
    asked added up (hectares missing of ``min_ha``, hectares over ``max_ha``, kilometres
    beyond ``radius_km``; each category step below ``milieucategorie`` a tenth; another
    segment, soft capacity under ``hard_only`` and an option under ``without_option`` one
    each), then as :func:`find_parcels` orders its matches (hard, immediately available,
    near, large). Single parcels only, never combinations.

    The columns are those of the matches without ``combinatie``, then ``tekortkomingen``
    (the number of unmet wishes) and ``reden``: each unmet wish with its figures, then the
    parcel's drawbacks (soft capacity, not immediately available, under option), in the
    reader's language ("te klein: 0,50 ha minder dan de gevraagde 3,00 ha; onder optie").

    >>> from terreinen.datasets import get_path
    >>> from terreinen.io.files import read_parcels
    >>> parcels = read_parcels(get_path("parcels"))
    >>> near = closest_candidates(parcels, min_ha=12, milieucategorie="5.1", as_of="2026-01-01")
    >>> int(near["tekortkomingen"].iloc[0])
    1
    """
    if n < 1:
        raise TerreinenOptionError(t("{name} must be at least 1 (got {value})", name="n", value=n))
    request = _request(wishes, "closest_candidates")
    candidates, _ = _unsold(parcels, request, as_of)
    return _closest(candidates, _gaps(candidates, request), request, n)


def _unsold(
    parcels: gpd.GeoDataFrame, request: _Request, as_of
) -> tuple[gpd.GeoDataFrame, _Reference | None]:
    """The parcels unsold on ``as_of`` with their ``status`` then and their distance
    (``afstand_km``) from the point ``near`` names, and that point."""
    status = status_on(parcels, as_of)
    unsold = status.isin(schema.UNSOLD_STATUSES).to_numpy()
    candidates = parcels[unsold].assign(status=status[unsold].to_numpy())
    distance = np.full(len(candidates), np.nan)
    reference = None
    if request.near is not None:
        reference = _reference(parcels, request.near)
        centroids = shapely.centroid(candidates.geometry.to_numpy())
        distance = shapely.distance(centroids, reference.point) / 1000
    return candidates.assign(afstand_km=distance), reference


def _gaps(candidates: gpd.GeoDataFrame, request: _Request) -> pd.DataFrame:
    """Per candidate and wish, how far it falls short in shares of what was asked (0: the
    wish is met): ``te_klein``, ``te_groot``, ``milieucategorie``, ``segment``, ``te_ver``,
    ``zacht`` and ``optie``."""
    ha = candidates["oppervlakte_ha"].to_numpy(dtype=float)
    none = np.zeros(len(candidates))

    def share(excess: np.ndarray, asked: float | None) -> np.ndarray:
        if asked is None:
            return none
        return np.nan_to_num(np.maximum(excess, 0)) / (asked if asked > 0 else 1)

    low, high, radius = request.min_ha, request.max_ha, request.radius_km
    needed = request.milieucategorie
    steps = (
        none
        if needed is None
        else np.maximum(_category_rank([needed]) - _category_rank(_category_of(candidates)), 0)
    )
    soft = ~candidates["planfase"].isin(schema.HARD_PHASES).to_numpy()
    segment = candidates["segment"].astype(str).to_numpy() != request.segment
    optie = candidates["status"].astype(str).to_numpy() == "optie"
    gaps = {
        "te_klein": share((low or 0) - ha, low),
        "te_groot": share(ha - (high or 0), high),
        "milieucategorie": steps / len(schema.MILIEUCATEGORIEEN),
        "segment": segment.astype(float) if request.segment is not None else none,
        "te_ver": share(candidates["afstand_km"].to_numpy() - (radius or 0), radius),
        "zacht": soft.astype(float) if request.hard_only else none,
        "optie": optie.astype(float) if request.without_option else none,
    }
    return pd.DataFrame(gaps, index=candidates.index)


def _category_of(candidates: pd.DataFrame) -> pd.Series:
    """The category a parcel qualifies on: its effective one where the parcels carry it."""
    return candidates[_EFFECTIVE if _EFFECTIVE in candidates else "milieucategorie"]


def _category_rank(values) -> np.ndarray:
    """The place of each category in the contract's order; -1 for none."""
    return pd.Categorical(
        pd.Series(values, dtype=object), categories=schema.MILIEUCATEGORIEEN
    ).codes.astype(int)


def _zoned_ok(candidates: gpd.GeoDataFrame, request: _Request) -> np.ndarray:
    """Whether each candidate's zoned category allows the one asked."""
    if request.milieucategorie is None:
        return np.ones(len(candidates), dtype=bool)
    return (candidates["milieucategorie"] >= request.milieucategorie).to_numpy()


def _closest(
    candidates: gpd.GeoDataFrame, gaps: pd.DataFrame, request: _Request, n: int
) -> pd.DataFrame:
    """The ``n`` candidates that miss some wish but come closest, with why (see
    :func:`closest_candidates`)."""
    unmet = gaps.gt(0)
    missing = unmet.any(axis=1).to_numpy()
    rows = _rows(candidates[missing]).drop(columns=["combinatie", "geometry"])
    keys = pd.DataFrame(
        {
            "unmet": unmet.sum(axis=1).to_numpy()[missing],
            "gap": gaps.sum(axis=1).to_numpy()[missing],
            "soft": rows["capaciteit"].eq("zacht").to_numpy(),
            "status": rows["status"].astype(str).map(_STATUS_RANK).to_numpy(),
            "distance": rows["afstand_km"].fillna(0).to_numpy(),
            "size": -rows["oppervlakte_ha"].to_numpy(),
            "id": rows["kavel_id"].astype(str).to_numpy(),
        }
    )
    order = keys.sort_values([str(c) for c in keys.columns], kind="stable").index.to_numpy()[:n]
    chosen = _as_text(pd.DataFrame(rows.iloc[order]).reset_index(drop=True))
    chosen_gaps = gaps[missing].iloc[order]
    reasons = [
        _reason(row, gap, request)
        for (_, row), (_, gap) in zip(chosen.iterrows(), chosen_gaps.iterrows(), strict=True)
    ]
    return chosen.assign(tekortkomingen=keys["unmet"].to_numpy()[order], reden=reasons)


def _reason(row: pd.Series, gap: pd.Series, request: _Request) -> str:
    """Why one parcel falls short: each unmet wish with its figures, then its drawbacks."""
    said = []
    ha = float(row["oppervlakte_ha"])
    if gap["te_klein"] > 0 and request.min_ha is not None:
        said.append(
            t(
                "too small: {short} ha less than the {asked} ha asked",
                short=format_number(request.min_ha - ha),
                asked=format_number(request.min_ha),
            )
        )
    if gap["te_groot"] > 0 and request.max_ha is not None:
        said.append(
            t(
                "too large: {excess} ha more than the {asked} ha at most",
                excess=format_number(ha - request.max_ha),
                asked=format_number(request.max_ha),
            )
        )
    if gap["milieucategorie"] > 0:
        has = row[_EFFECTIVE] if _EFFECTIVE in row else row["milieucategorie"]
        has = has if pd.notna(has) and str(has) != "nan" else t("none")
        message = (
            "effective milieucategorie {has}, below the {asked} asked"
            if _EFFECTIVE in row
            else "milieucategorie {has}, below the {asked} asked"
        )
        said.append(t(message, has=has, asked=request.milieucategorie))
    if gap["segment"] > 0:
        said.append(t("segment {has}, not {asked}", has=row["segment"], asked=request.segment))
    if gap["te_ver"] > 0 and request.radius_km is not None:
        said.append(
            t(
                "too far: {distance} km, beyond the {radius} km asked",
                distance=format_number(float(row["afstand_km"])),
                radius=format_number(request.radius_km),
            )
        )
    said += _drawbacks(row)
    return "; ".join(said)


def _drawbacks(row: pd.Series) -> list[str]:
    """What a parcel lacks that a match may lack too: hard capacity, immediate issue."""
    drawbacks = [t("soft plan capacity (zacht)")] if row["capaciteit"] == "zacht" else []
    if row["status"] == "niet_terstond_uitgeefbaar":
        drawbacks.append(t("not immediately available"))
    if row["status"] == "optie":
        drawbacks.append(t("under option"))
    return drawbacks


def _near_misses(misses: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """The parcels only the zoned category would have let in, nearest object first, with why."""
    columns = [
        "kavel_id",
        "terrein",
        "oppervlakte_ha",
        "milieucategorie",
        _EFFECTIVE,
        "afstand_gevoelig_m",
        "gebiedstype_gevoelig",
    ]
    if misses is None or not len(misses):
        return pd.DataFrame(columns=[*columns, "reden"])
    table = pd.DataFrame(misses[columns]).sort_values(
        ["afstand_gevoelig_m", "kavel_id"], kind="stable"
    )
    reasons = [
        f"bestemd {zoned}, feitelijk {real if pd.notna(real) else 'geen'}: woning op "
        f"{f'{metres:,.0f}'.replace(',', '.')} m ({area})"  # Dutch text: 1.200 m
        for zoned, real, metres, area in zip(
            table["milieucategorie"].astype(object),
            table[_EFFECTIVE].astype(object),
            table["afstand_gevoelig_m"],
            table["gebiedstype_gevoelig"],
            strict=True,
        )
    ]
    table["milieucategorie"] = table["milieucategorie"].astype(str)
    table[_EFFECTIVE] = table[_EFFECTIVE].astype(object)
    return table.assign(reden=reasons).reset_index(drop=True)


def _rows(parts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    capacity = np.where(parts["planfase"].isin(schema.HARD_PHASES), "hard", "zacht")
    rows = parts.assign(capaciteit=capacity, combinatie=False)
    columns = ZONED_MATCH_COLUMNS if _EFFECTIVE in parts else MATCH_COLUMNS
    for column in columns:
        if column not in rows:
            rows[column] = np.nan
    return rows[[*columns, "geometry"]]


def _combinations(small: gpd.GeoDataFrame, min_ha: float, max_ha: float | None) -> pd.DataFrame:
    """Groups of adjacent parcels in one park that together reach ``min_ha``: from each
    parcel, add the largest adjacent one until the group is large enough."""
    if len(small) < 2:
        return pd.DataFrame()
    geoms = small.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=_ADJACENT_M)
    park = (small["terrein"].astype(str) + "\0" + small["segment"].astype(str)).to_numpy()
    same_park = (left != right) & (park[left] == park[right])  # and the same segment
    neighbours: dict[int, set[int]] = {}
    for a, b in zip(left[same_park], right[same_park], strict=True):
        neighbours.setdefault(a, set()).add(b)
    ha = small["oppervlakte_ha"].to_numpy()
    groups = set()
    for seed in range(len(small)):
        group, total = {seed}, ha[seed]
        while total < min_ha and len(group) < _MAX_COMBINED:
            frontier = set().union(*(neighbours.get(i, set()) for i in group)) - group
            if not frontier:
                break
            best = max(frontier, key=lambda i: (ha[i], -i))
            group.add(best)
            total += ha[best]
        if total >= min_ha and (max_ha is None or total <= max_ha):
            groups.add(frozenset(group))
    # a group that holds another whole group offers nothing more
    minimal = [g for g in groups if not any(other < g for other in groups)]
    offers = [_combined(small.iloc[sorted(group)]) for group in sorted(minimal, key=sorted)]
    if not offers:
        return pd.DataFrame()
    # the best offers first; a parcel is offered in one combination only
    ranked = _ordered(gpd.GeoDataFrame(offers, geometry="geometry", crs=small.crs))
    taken: set[str] = set()
    kept = []
    for position, ids in enumerate(ranked["kavel_id"]):
        parts = set(ids.split("+"))
        if not parts & taken:
            taken |= parts
            kept.append(position)
    return pd.DataFrame(ranked.iloc[kept])


def _combined(parts: gpd.GeoDataFrame) -> dict:
    """One offer for several parcels, as good as its weakest part."""
    ha = parts["oppervlakte_ha"]
    hard = parts["planfase"].isin(schema.HARD_PHASES).all()
    status = max(parts["status"], key=lambda value: _STATUS_RANK[value])
    price = (parts["prijs_m2"] * ha).sum() / ha.sum() if "prijs_m2" in parts else np.nan
    return {
        "kavel_id": "+".join(parts["kavel_id"].astype(str)),
        "terrein": parts["terrein"].iloc[0],
        "gemeente": parts["gemeente"].iloc[0],
        "oppervlakte_ha": float(ha.sum()),
        "milieucategorie": parts["milieucategorie"].min(),
        **(
            {
                _EFFECTIVE: parts[_EFFECTIVE].min(),
                "afstand_gevoelig_m": parts["afstand_gevoelig_m"].min(),
            }
            if _EFFECTIVE in parts
            else {}
        ),
        "segment": parts["segment"].iloc[0],  # combined parcels share their segment
        "status": status,
        "capaciteit": "hard" if hard else "zacht",
        "prijs_m2": price,
        "afstand_km": parts["afstand_km"].min(),
        "combinatie": True,
        "geometry": merge(parts.geometry.to_numpy())[0],
    }


def _ordered(found: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    keys = pd.DataFrame(
        {
            "soft": found["capaciteit"].eq("zacht").to_numpy(),
            "status": found["status"].astype(str).map(_STATUS_RANK).to_numpy(),
            "distance": found["afstand_km"].fillna(0).to_numpy(),
            "size": -found["oppervlakte_ha"].to_numpy(),
            "id": found["kavel_id"].astype(str).to_numpy(),
        }
    )
    order = keys.sort_values(["soft", "status", "distance", "size", "id"], kind="stable").index
    return _as_text(found.iloc[order.to_numpy()].reset_index(drop=True))


def _as_text(found: _Frame) -> _Frame:
    """The matches' category, status and segment as plain text."""
    found["status"] = found["status"].astype(str)
    found["milieucategorie"] = found["milieucategorie"].astype(str)
    if _EFFECTIVE in found:
        found[_EFFECTIVE] = found[_EFFECTIVE].astype(str)
    found["segment"] = found["segment"].astype(str)
    return found
