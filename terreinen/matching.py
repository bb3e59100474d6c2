"""Matching a company to land: the unsold parcels that fit its size, environmental category,
segment and location, best first, and adjacent parcels that together are large enough."""

from __future__ import annotations

import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import schema, settings
from terreinen.errors import TerreinenDataWarning, TerreinenNotFoundError, TerreinenOptionError
from terreinen.figures import status_on
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
        return lowest, f"milieucategorie {value} read as {lowest} and up"
    raise TerreinenOptionError(
        f"milieucategorie {text!r} is unknown; one of {', '.join(schema.MILIEUCATEGORIEEN)}"
    )


def _lat_lon(lat: float, lon: float) -> tuple[float, float]:
    """Latitude and longitude, swapped back (with a warning) when they were given the wrong
    way round for a place in the Netherlands."""
    inside = _NL_LAT[0] <= lat <= _NL_LAT[1] and _NL_LON[0] <= lon <= _NL_LON[1]
    swapped = _NL_LAT[0] <= lon <= _NL_LAT[1] and _NL_LON[0] <= lat <= _NL_LON[1]
    if swapped and not inside:
        warnings.warn(
            f"--near {lat},{lon} lies outside the Netherlands; read as {lon},{lat} "
            "(latitude first: lat,lon)",
            TerreinenDataWarning,
            stacklevel=3,
        )
        return lon, lat
    return lat, lon


def reference_point(parcels: gpd.GeoDataFrame, near: str) -> shapely.Point:
    """The point ``near`` names, in RD New: ``"lat,lon"``, or a municipality or town in the
    data (the area-weighted centre of its parcels)."""
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*", near)
    if match:
        lat, lon = _lat_lon(float(match.group(1)), float(match.group(2)))
        point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=settings.web_crs).to_crs(parcels.crs)
        return point.iloc[0]
    for column in ("gemeente", "kern"):
        if column in parcels:
            names = parcels[column].astype(str).str.casefold()
            chosen = parcels[names == near.strip().casefold()]
            if len(chosen):
                centroids = shapely.get_coordinates(shapely.centroid(chosen.geometry.to_numpy()))
                weights = chosen["oppervlakte_ha"].to_numpy()
                x, y = (centroids * weights[:, None]).sum(axis=0) / weights.sum()
                return shapely.Point(x, y)
    known = sorted(
        {*parcels["gemeente"].astype(str), *parcels.get("kern", pd.Series()).dropna().astype(str)}
    )
    hint = closest(near, known, "place", "give a municipality or town in the data, or lat,lon")
    raise TerreinenNotFoundError(f"near {near!r} is not a municipality or town in the data; {hint}")


def find_parcels(
    parcels: gpd.GeoDataFrame,
    *,
    min_ha: float | None = None,
    max_ha: float | None = None,
    milieucategorie: str | None = None,
    segment: str | None = None,
    near: str | None = None,
    radius_km: float | None = None,
    hard_only: bool = False,
    as_of=None,
    combinations: bool = True,
) -> gpd.GeoDataFrame:
    """Unsold parcels that fit a company, best first: hard before soft capacity, immediately
    available before not immediately and under option, then nearest (distance in km from
    ``near`` to the parcel's centroid), then largest.

    ``milieucategorie`` is the category the company needs (``"4.2"``, ``"4,2"``; a main
    number ``"4"`` means 4.1 and up): parcels that allow it or a higher one qualify. With
    ``min_ha``, adjacent unsold parcels of one park and one segment that are each too small
    but together large enough are offered as a combination (``kavel_id`` ``"A+B"``,
    ``combinatie`` True), judged by their weakest part; a parcel is in at most one
    combination (the best). Notes on how the request was read are in
    ``result.attrs["opmerkingen"]``.

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
    for name, value in (("min_ha", min_ha), ("max_ha", max_ha), ("radius_km", radius_km)):
        if value is not None and value < 0:
            raise TerreinenOptionError(f"{name} must not be negative (got {value})")
    if min_ha is not None and max_ha is not None and min_ha > max_ha:
        raise TerreinenOptionError(f"min_ha {min_ha} is larger than max_ha {max_ha}")
    notes = []
    if milieucategorie is not None:
        milieucategorie, note = parse_milieucategorie(milieucategorie)
        notes += [note] if note else []
    if segment is not None and segment not in schema.SEGMENTS:
        raise TerreinenOptionError(
            f"segment {segment!r} is unknown; one of {', '.join(schema.SEGMENTS)}"
        )
    status = status_on(parcels, as_of)
    fit = status.isin(schema.UNSOLD_STATUSES).to_numpy()
    if hard_only:
        fit = fit & parcels["planfase"].isin(schema.HARD_PHASES).to_numpy()
    if segment is not None:
        fit = fit & (parcels["segment"].astype(str) == segment).to_numpy()
    candidates = parcels[fit].assign(status=status[fit].to_numpy())
    distance = np.full(len(candidates), np.nan)
    if near is not None:
        point = reference_point(parcels, near)
        distance = shapely.distance(shapely.centroid(candidates.geometry.to_numpy()), point) / 1000
        if radius_km is not None:
            candidates, distance = (
                candidates[distance <= radius_km],
                distance[distance <= radius_km],
            )
    candidates = candidates.assign(afstand_km=distance)
    near_misses = None
    if milieucategorie is not None:
        candidates, near_misses = _by_category(candidates, str(milieucategorie))
    ha = candidates["oppervlakte_ha"]
    size_ok = ha.ge(min_ha if min_ha is not None else 0) & ha.le(
        max_ha if max_ha is not None else np.inf
    )
    if near_misses is not None:
        miss_ha = near_misses["oppervlakte_ha"]
        near_misses = near_misses[
            miss_ha.ge(min_ha if min_ha is not None else 0)
            & miss_ha.le(max_ha if max_ha is not None else np.inf)
        ]
    singles = _rows(candidates[size_ok])
    found = [singles]
    if combinations and min_ha is not None:
        found.append(_combinations(candidates[ha < min_ha], min_ha, max_ha))
    result = (
        pd.concat([f for f in found if len(f)], ignore_index=True)
        if any(len(f) for f in found)
        else singles
    )
    found_all = _ordered(gpd.GeoDataFrame(result, geometry="geometry", crs=parcels.crs))
    found_all.attrs["opmerkingen"] = notes
    if _EFFECTIVE in parcels:
        found_all.attrs["bijna"] = _near_misses(near_misses)
    return found_all


def _by_category(
    candidates: gpd.GeoDataFrame, needed: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """The candidates that allow ``needed``: by their effective category where they have
    one (then also those that only their zoned category would have let in), else zoned."""
    zoned_ok = (candidates["milieucategorie"] >= needed).to_numpy()
    if _EFFECTIVE not in candidates:
        return candidates[zoned_ok], None
    effective = candidates[_EFFECTIVE]
    real_ok = (effective.notna() & (effective >= needed)).to_numpy()
    return candidates[real_ok], candidates[zoned_ok & ~real_ok]


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
    found = found.iloc[order.to_numpy()].reset_index(drop=True)
    found["status"] = found["status"].astype(str)
    found["milieucategorie"] = found["milieucategorie"].astype(str)
    if _EFFECTIVE in found:
        found[_EFFECTIVE] = found[_EFFECTIVE].astype(str)
    found["segment"] = found["segment"].astype(str)
    return found
