"""Milieuzonering: the milieucategorie a parcel can really take, given the distance from its
edge to the nearest sensitive object (a home), by the VNG guide distances in
``settings.zoning_distances``.

A parcel meets a category when every sensitive object is at least the category's guide
distance away for that object's area type (``rustig`` or ``gemengd``). Its effective category
(``milieucategorie_feitelijk``) is the highest category it meets, never above its zoned
``milieucategorie``; a parcel that meets no category (a home closer than category 1's
distance) has none (missing). Distances are edge to edge in RD New.

>>> import geopandas as gpd, shapely
>>> parcels = gpd.GeoDataFrame(
...     {"kavel_id": ["A"], "milieucategorie": ["4.2"]},
...     geometry=[shapely.box(0, 0, 100, 100)], crs="EPSG:28992")
>>> homes = gpd.GeoDataFrame(geometry=[shapely.Point(240, 50)], crs="EPSG:28992")
>>> effective_categories(parcels, homes)[["afstand_gevoelig_m", "milieucategorie_feitelijk"]]
   afstand_gevoelig_m milieucategorie_feitelijk
0               140.0                       3.2
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import schema, settings
from terreinen.errors import TerreinenOptionError
from terreinen.i18n import t
from terreinen.validation.geometry import in_threads

__all__ = [
    "AREA_TYPES",
    "ZONING_COLUMNS",
    "allowed_category",
    "area_type_text",
    "effective_categories",
    "guide_distances",
    "nearest_distances",
    "with_effective_categories",
]

#: The area types of the guide distances: a quiet residential area, a mixed area.
AREA_TYPES = ("rustig", "gemengd")
#: The columns :func:`with_effective_categories` adds to the parcels.
ZONING_COLUMNS = ("afstand_gevoelig_m", "gebiedstype_gevoelig", "milieucategorie_feitelijk")
AREA_COLUMN = "gebiedstype"
_NONE = -1  # position of "no category": nearer than category 1's guide distance


def guide_distances() -> pd.DataFrame:
    """The guide distances in force (``settings.zoning_distances``, read now): one row per
    milieucategorie, one column per area type, in metres.

    Raises :class:`TerreinenOptionError` when a category lacks a distance, a distance is
    negative or not a number, or the distances decrease from a lower to a higher category.

    >>> guide_distances().loc["4.2"].to_dict()
    {'rustig': 300.0, 'gemengd': 200.0}
    """
    table = settings.zoning_distances
    columns = {}
    for area, distances in table.items():
        missing = [c for c in schema.MILIEUCATEGORIEEN if c not in distances]
        if missing:
            raise TerreinenOptionError(
                t(
                    "settings.zoning_distances[{area}] has no distance for milieucategorie "
                    "{missing}",
                    area=repr(area),
                    missing=", ".join(missing),
                )
            )
        try:
            values = np.array([float(distances[c]) for c in schema.MILIEUCATEGORIEEN])
        except (TypeError, ValueError):
            raise TerreinenOptionError(
                t(
                    "settings.zoning_distances[{area}] holds a distance that is not a number",
                    area=repr(area),
                )
            ) from None
        if not np.isfinite(values).all() or (values < 0).any():
            raise TerreinenOptionError(
                t(
                    "settings.zoning_distances[{area}]: distances must be numbers of 0 m or more",
                    area=repr(area),
                )
            )
        if (np.diff(values) < 0).any():
            raise TerreinenOptionError(
                t(
                    "settings.zoning_distances[{area}]: a higher milieucategorie must not have "
                    "a smaller distance than a lower one",
                    area=repr(area),
                )
            )
        columns[str(area)] = values
    return pd.DataFrame(columns, index=pd.Index(schema.MILIEUCATEGORIEEN, name="milieucategorie"))


def allowed_category(distance: np.ndarray, area_type: str) -> np.ndarray:
    """Per distance (metres) the position in ``schema.MILIEUCATEGORIEEN`` of the highest
    category whose guide distance towards ``area_type`` it meets (at least that far), -1
    where it meets none; an infinite distance (no object) allows category 6.

    >>> allowed_category(np.array([5.0, 10.0, 299.9, 300.0, np.inf]), "rustig")
    array([-1,  0,  4,  5,  9])
    """
    distances = guide_distances()
    if area_type not in distances:
        raise TerreinenOptionError(
            t(
                "area type {area_type} has no guide distances; settings.zoning_distances has "
                "{known}",
                area_type=repr(area_type),
                known=", ".join(map(repr, distances.columns)),
            )
        )
    thresholds = distances[area_type].to_numpy()
    return np.searchsorted(thresholds, np.asarray(distance, float), side="right") - 1


def nearest_distances(
    geometries: np.ndarray, objects: np.ndarray, *, chunk: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per geometry the distance to the nearest of ``objects`` (edge to edge, in the
    coordinates' unit) and that object's position; ``inf`` and -1 without objects.

    One STRtree of the objects is queried for ``chunk`` geometries at a time
    (``settings.zoning_chunk``), so the memory held is that of the tree and one chunk.
    """
    size = settings.zoning_chunk if chunk is None else chunk
    distance = np.full(len(geometries), np.inf)
    nearest = np.full(len(geometries), -1)
    if len(objects) == 0:
        return distance, nearest
    tree = shapely.STRtree(objects)

    def query(positions: np.ndarray) -> np.ndarray:
        (found, other), gap = tree.query_nearest(
            geometries[positions], return_distance=True, all_matches=False
        )
        return np.column_stack([positions[found], other, gap])

    for start in range(0, len(geometries), size):
        # GEOS answers without Python's lock: the chunk's parts in threads
        rows = in_threads(query, np.arange(start, min(start + size, len(geometries))))
        at = rows[:, 0].astype(np.int64)
        nearest[at], distance[at] = rows[:, 1].astype(np.int64), rows[:, 2]
    return distance, nearest


def _in_rd(geometry: gpd.GeoSeries) -> np.ndarray:
    """The geometries in RD New (as they are when already there: reprojecting costs)."""
    if geometry.crs is not None and geometry.crs.equals(settings.rd_crs):
        return geometry.to_numpy()
    return geometry.to_crs(settings.rd_crs).to_numpy()


def area_type_text(values: pd.Series) -> np.ndarray:
    """Area types as written, stripped and in lower case; None where blank. Each distinct
    value is converted once (a layer of a million homes holds a few)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype(str).str.strip().str.lower()
    cleaned = np.empty(len(text) + 1, dtype=object)  # the last: for code -1, missing
    cleaned[:-1] = text.where(text != "", None).to_numpy(dtype=object)
    return cleaned[codes]


def _area_types(sensitive: pd.DataFrame) -> np.ndarray:
    """Each object's area type, the default (``settings.zoning_default_area``) where blank."""
    default = settings.zoning_default_area
    if AREA_COLUMN not in sensitive:
        return np.full(len(sensitive), default, dtype=object)
    text = area_type_text(sensitive[AREA_COLUMN])
    return np.where(pd.isna(text), default, text).astype(object)


def effective_categories(
    parcels: gpd.GeoDataFrame, sensitive: gpd.GeoDataFrame, *, chunk: int | None = None
) -> pd.DataFrame:
    """Per parcel (index of ``parcels``) the effective category and the object that decides it.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels with ``milieucategorie`` (as :func:`terreinen.read_parcels` returns them).
    sensitive : GeoDataFrame
        Sensitive objects (points or polygons), with an optional ``gebiedstype``
        (``rustig``/``gemengd``; blank: ``settings.zoning_default_area``), as
        :func:`terreinen.io.sensitive.read_sensitive` returns them. Any CRS.
    chunk : int, optional
        Parcels looked up at once (``settings.zoning_chunk``).

    Returns
    -------
    DataFrame
        ``afstand_gevoelig_m``: metres from the parcel's edge to the object that decides its
        effective category (the one that lowers it most, the nearest among equals; the
        nearest object when none lowers it; missing without objects);
        ``gebiedstype_gevoelig``: that object's area type; ``milieucategorie_feitelijk``: the
        highest category the parcel meets for every object, at most its ``milieucategorie``
        (missing where it meets none, or the zoned category is missing).
    """
    geoms = _in_rd(parcels.geometry)
    objects = _in_rd(sensitive.geometry)
    types = _area_types(sensitive)
    unknown = sorted(set(pd.unique(types)) - set(guide_distances().columns))
    if unknown:
        raise TerreinenOptionError(
            t(
                "sensitive objects of area type {unknown} have no guide distances in "
                "settings.zoning_distances",
                unknown=", ".join(map(repr, unknown)),
            )
        )
    top = len(schema.MILIEUCATEGORIEEN) - 1
    allowed = np.full(len(geoms), top)
    decisive = np.full(len(geoms), np.inf)
    decisive_type = np.full(len(geoms), None, dtype=object)
    codes, present = pd.factorize(types)
    for area in AREA_TYPES + tuple(sorted(set(present) - set(AREA_TYPES))):
        if area not in present:
            continue
        of_type = codes == list(present).index(area)
        gap, _ = nearest_distances(geoms, objects[of_type], chunk=chunk)
        category = allowed_category(gap, area)
        # this type decides where it allows less, or allows as much from nearer by
        lower = (category < allowed) | ((category == allowed) & (gap < decisive))
        allowed = np.where(lower, category, allowed)
        decisive = np.where(lower, gap, decisive)
        decisive_type[lower] = area
    zoned = pd.Categorical(
        parcels["milieucategorie"].astype(object),
        categories=schema.MILIEUCATEGORIEEN,
        ordered=True,
    ).codes
    effective = np.where(zoned < 0, _NONE, np.minimum(zoned, allowed))
    labels = np.array(schema.MILIEUCATEGORIEEN, dtype=object)
    return pd.DataFrame(
        {
            "afstand_gevoelig_m": np.where(np.isfinite(decisive), decisive, np.nan),
            "gebiedstype_gevoelig": decisive_type,
            "milieucategorie_feitelijk": pd.Categorical(
                pd.Series(labels[np.maximum(effective, 0)]).where(effective >= 0),
                categories=schema.MILIEUCATEGORIEEN,
                ordered=True,
            ),
        },
        index=parcels.index,
    )


def with_effective_categories(
    parcels: gpd.GeoDataFrame, sensitive: gpd.GeoDataFrame, *, chunk: int | None = None
) -> gpd.GeoDataFrame:
    """The parcels with the columns of :func:`effective_categories` added (replacing
    columns of those names)."""
    figures = effective_categories(parcels, sensitive, chunk=chunk)
    return parcels.drop(columns=[c for c in ZONING_COLUMNS if c in parcels]).join(figures)
