"""Outlines of groups of parcels (a park, a municipality, the rows of one IBIS park, the
parcels of one combination) merged with work that stays bounded, whatever the file holds.

GEOS's general union (OverlayNG) slows down about quadratically with the number of
separate pieces in its result: the 5,000 triangles that one repaired self-intersecting
parcel of 10,000 vertices falls apart into take 7 s, 50,000 take minutes. So each group is
merged by the cheapest exact method that applies:

1. pieces that form a valid coverage (they do not overlap: every repaired parcel, the
   parcels of most parks) by coverage union, exact and about linear;
2. otherwise up to ``settings.outline_piece_budget`` pieces by the union of the disjoint
   subsets, exact, and fast where the pieces form separate clusters;
3. beyond that the pieces are kept as they are, collected into one multipolygon, not
   merged (where they overlap, they are drawn twice), which :func:`dissolve` says in a
   warning. Every method tried to merge them approximately (a closing, a cleaning into a
   coverage, polygonizing the noded edges) took minutes on some such file.

:func:`simplify` thins outlines for drawing piece by piece, for the same reason: GEOS's
topology-preserving simplification of one outline of 50,000 pieces takes minutes.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import settings
from terreinen.errors import TerreinenDataWarning
from terreinen.i18n import t

__all__ = ["dissolve", "merge", "simplify"]


def merge(geometries: Sequence | np.ndarray) -> tuple[shapely.Geometry | None, bool]:
    """The union of ``geometries`` (polygons), by the bounded methods of this module.

    Parameters
    ----------
    geometries : sequence of shapely geometries
        Polygons or multipolygons; missing ones are left out.

    Returns
    -------
    tuple
        The merged outline (None when nothing is left) and whether its pieces were kept
        unmerged (more than ``settings.outline_piece_budget`` overlapping pieces).

    Examples
    --------
    >>> outline, cleaned = merge([shapely.box(0, 0, 2, 1), shapely.box(2, 0, 3, 1)])
    >>> outline.area, cleaned
    (3.0, False)
    """
    values = np.asarray(geometries, dtype=object)
    pieces = shapely.get_parts(values[~shapely.is_missing(values)])
    pieces = pieces[~shapely.is_empty(pieces)]
    if len(pieces) == 0:
        return None, False
    if len(pieces) == 1:
        return pieces[0], False
    if shapely.coverage_is_valid(pieces):
        return shapely.coverage_union_all(pieces), False
    if len(pieces) <= settings.outline_piece_budget:
        return shapely.disjoint_subset_union_all(pieces), False
    return shapely.MultiPolygon(list(pieces)), True


def simplify(outlines: np.ndarray, tolerance: float) -> np.ndarray:
    """``outlines`` thinned for drawing within about ``tolerance`` (in their units), piece
    by piece, each keeping its topology (no piece vanishes), in time linear in the pieces.

    Examples
    --------
    >>> ring = shapely.Polygon([(0, 0), (5, 0.01), (10, 0), (10, 10), (0, 10)])
    >>> shapely.get_num_coordinates(simplify(np.array([ring]), 1.0)).tolist()
    [5]
    """
    simplified = np.empty(len(outlines), dtype=object)
    for position, outline in enumerate(outlines):
        if outline is None or shapely.is_empty(outline):
            simplified[position] = outline
            continue
        pieces = shapely.simplify(shapely.get_parts(outline), tolerance, preserve_topology=True)
        simplified[position] = pieces[0] if len(pieces) == 1 else shapely.multipolygons(pieces)
    return simplified


def dissolve(frame: gpd.GeoDataFrame, by: str | list[str]) -> gpd.GeoSeries:
    """One merged outline per group of ``frame`` by the columns ``by``, as
    :meth:`geopandas.GeoDataFrame.dissolve` gives, by :func:`merge`.

    A group whose pieces were kept unmerged is named in a :class:`TerreinenDataWarning`.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The parcels (or park rows) with their geometry.
    by : str or list of str
        The columns that name a group (rows with a missing key are left out, as pandas
        groups).

    Returns
    -------
    geopandas.GeoSeries
        The outlines, indexed by the group keys (a MultiIndex for several columns), in the
        CRS of ``frame``.

    Examples
    --------
    >>> from terreinen import read_parcels
    >>> from terreinen.datasets import get_path
    >>> parcels = read_parcels(get_path("parcels"))
    >>> outlines = dissolve(parcels, "gemeente")
    >>> bool((outlines.area > parcels.dissolve("gemeente").area * 0.999).all())
    True
    """
    keys = [by] if isinstance(by, str) else list(by)
    merged: dict[Hashable, shapely.Geometry | None] = {}
    cleaned: list[tuple[Hashable, int]] = []
    for key, group in frame.groupby(keys if len(keys) > 1 else keys[0], sort=True, observed=True):
        outline, was_cleaned = merge(group.geometry.to_numpy())
        merged[key] = outline
        if was_cleaned:
            cleaned.append((key, len(group)))
    for key, rows in cleaned:
        name = " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)
        warnings.warn(
            t(
                "the outline of {name} ({rows} rows) has more overlapping pieces than "
                "settings.outline_piece_budget: it is drawn as its pieces, not merged",
                name=name,
                rows=rows,
            ),
            TerreinenDataWarning,
            stacklevel=2,
        )
    index = (
        pd.MultiIndex.from_tuples(cast(list[tuple], list(merged)), names=keys)
        if len(keys) > 1
        else pd.Index(list(merged), name=keys[0])
    )
    return gpd.GeoSeries(list(merged.values()), index=index, crs=frame.crs)
