"""Checks of the parcels' geometries: coordinate system, type and validity, the country,
and overlaps. GEOS runs without Python's lock, so the heavy parts run in threads."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from terreinen import settings
from terreinen.i18n import format_number, t
from terreinen.validation.columns import Checker

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
_LISTED_OVERLAPS = 3  # other parcels named in one overlap finding before "and N more"
_MEASURED_PER_PARCEL = 20  # overlaps measured per parcel; beyond them candidates are counted
_PAIR_BATCH = 100_000  # candidate pairs intersected at once: bounds the shapes in memory
_QUERY_CHUNK = 2_000  # parcels queried at once: bounds the candidate pairs held in memory


def resolve_crs(chk: Checker, geoms: gpd.GeoSeries, crs) -> gpd.GeoSeries | None:
    """The geometries with their CRS set: given, from the file, or told by the coordinates.
    None (with an error finding) where they cannot be placed."""
    looks_rd, looks_lonlat = _coordinates_look_like(geoms)
    if crs is not None:
        try:
            given = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError:
            chk.add(
                "error",
                t("{crs} is not a coordinate system terreinen knows", crs=repr(crs)),
                "geometry",
                suggestion=t("give an EPSG code, e.g. EPSG:28992 (RD New) or EPSG:4326 (WGS84)"),
            )
            return None
        if given.is_geographic and looks_rd:
            chk.add(
                "error",
                t("the coordinates are RD New metres, not the degrees of {crs}", crs=crs),
                "geometry",
                suggestion=t("leave --crs out, or give EPSG:28992"),
            )
            return None
        return geoms.set_crs(given, allow_override=True)
    if geoms.crs is not None and not geoms.crs.is_geographic:
        return geoms
    if geoms.crs is not None:
        if looks_rd:
            # GDAL reads GeoJSON without a "crs" member as WGS84, whatever the numbers are
            chk.add(
                "warning",
                t(
                    "the file says {crs}, but the coordinates are RD New metres; read as {rd}",
                    crs=geoms.crs.to_string(),
                    rd=settings.rd_crs,
                ),
                "geometry",
                suggestion=t("add the CRS to the file or pass crs={crs}", crs="'EPSG:28992'"),
            )
            return geoms.set_crs(settings.rd_crs, allow_override=True)
        return geoms
    if looks_rd or looks_lonlat or geoms.isna().all():
        guess = settings.rd_crs if looks_rd or not looks_lonlat else settings.web_crs
        if looks_rd or looks_lonlat:
            name = t("RD New metres") if looks_rd else t("WGS84 degrees")
            chk.add(
                "warning",
                t(
                    "the file has no coordinate system; the coordinates look like {name}, "
                    "read as {guess}",
                    name=name,
                    guess=guess,
                ),
                "geometry",
                suggestion=t("add the CRS to the file or pass crs={crs}", crs=f"'{guess}'"),
            )
        return geoms.set_crs(guess)
    chk.add(
        "error",
        t(
            "the file has no coordinate system and the coordinates are neither RD New metres "
            "nor WGS84 degrees in the Netherlands"
        ),
        "geometry",
        suggestion=t("pass the CRS explicitly, e.g. crs='EPSG:28992' (CLI: --crs EPSG:28992)"),
    )
    return None


def _coordinates_look_like(geoms: gpd.GeoSeries) -> tuple[bool, bool]:
    """Whether nine in ten geometries lie in the Netherlands in RD metres, or in degrees."""
    bounds = shapely.bounds(geoms.to_numpy())
    bounds = bounds[~np.isnan(bounds[:, 0])]
    if len(bounds) == 0:
        return False, False
    xy = (bounds[:, :2] + bounds[:, 2:]) / 2  # centres of the bounding boxes

    def share_inside(box) -> float:
        xmin, ymin, xmax, ymax = box
        inside = (xy[:, 0] >= xmin) & (xy[:, 0] <= xmax) & (xy[:, 1] >= ymin) & (xy[:, 1] <= ymax)
        return float(inside.mean())

    return (
        share_inside(settings.netherlands_rd_bounds) >= 0.9,
        share_inside(settings.netherlands_lonlat_bounds) >= 0.9,
    )


def check_geometry(chk: Checker, geoms: gpd.GeoSeries) -> np.ndarray:
    """Polygonal, valid (repaired if needed) geometries; None where unusable."""
    values = geoms.to_numpy().copy()
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    chk.flag(missing, "error", "geometry", t("geometry is missing or empty"))
    type_ids = shapely.get_type_id(values)
    wrong_type = ~missing & ~np.isin(type_ids, _POLYGONAL)
    chk.flag(
        wrong_type,
        "error",
        "geometry",
        lambda pos: t("geometry is a {kind}, not a polygon", kind=values[pos].geom_type),
        t("a parcel must be a Polygon or MultiPolygon"),
    )
    values[missing | wrong_type] = None
    coords_ok = np.array([_finite(g) for g in values], dtype=bool)
    chk.flag(~coords_ok, "error", "geometry", t("geometry has coordinates that are not numbers"))
    values[~coords_ok] = None
    invalid = ~shapely.is_valid(values) & ~shapely.is_missing(values)
    if invalid.any():
        reasons = shapely.is_valid_reason(values[invalid])
        repaired = shapely.make_valid(values[invalid], method="structure", keep_collapsed=False)
        still_bad = shapely.is_empty(repaired) | ~np.isin(shapely.get_type_id(repaired), _POLYGONAL)
        repaired[still_bad] = None
        values[invalid] = repaired
        reason_of = dict(zip(np.flatnonzero(invalid), reasons, strict=True))
        bad_after = np.zeros(len(values), bool)
        bad_after[np.flatnonzero(invalid)[still_bad]] = True
        chk.flag(
            invalid & ~bad_after,
            "warning",
            "geometry",
            lambda pos: t(
                "invalid geometry ({reason}) repaired with make_valid", reason=reason_of[pos]
            ),
            t("check the parcel's outline"),
        )
        chk.flag(
            bad_after,
            "error",
            "geometry",
            lambda pos: t(
                "invalid geometry ({reason}) that cannot be repaired", reason=reason_of[pos]
            ),
        )
    return values


def _finite(geometry) -> bool:
    return geometry is None or bool(np.isfinite(shapely.bounds(geometry)).all())


def to_rd(values: np.ndarray, crs) -> np.ndarray:
    """Geometries reprojected to RD New, in threads."""
    if pyproj.CRS.from_user_input(crs).equals(settings.rd_crs):
        return values
    return in_threads(
        lambda part: gpd.GeoSeries(part, crs=crs).to_crs(settings.rd_crs).to_numpy(), values
    )


def check_inside_netherlands(chk: Checker, geoms: np.ndarray, what: str = "parcel") -> None:
    """An error per geometry (RD New) outside ``settings.netherlands_rd_bounds``; ``what``
    names the record in the message."""
    bounds = shapely.bounds(geoms)
    xmin, ymin, xmax, ymax = settings.netherlands_rd_bounds
    with np.errstate(invalid="ignore"):
        outside = (
            (bounds[:, 0] < xmin)
            | (bounds[:, 1] < ymin)
            | (bounds[:, 2] > xmax)
            | (bounds[:, 3] > ymax)
        )
    chk.flag(
        outside,
        "error",
        "geometry",
        lambda pos: t(
            "{what} lies outside the Netherlands (RD x {x}, y {y})",
            what=t(what),
            x=format_number(bounds[pos, 0], 0),
            y=format_number(bounds[pos, 1], 0),
        ),
        t("check the coordinates and the coordinate system of the file"),
    )


@dataclass(frozen=True)
class Overlaps:
    """The overlaps among parcels, as :func:`find_overlaps` measures them.

    ``first_copy``: per parcel the position of the first parcel with the very same outline
    (-1: none); ``listed``: per later parcel of an overlapping pair the first few earlier
    ones with the share of the smaller parcel overlapped; ``counts``: overlaps measured above
    ``settings.overlap_tolerance``; ``unmeasured``: candidates beyond the first
    ``_MEASURED_PER_PARCEL`` of a parcel, counted only (each crosses it deeper than
    ``settings.overlap_depth``).
    """

    first_copy: np.ndarray
    listed: dict[int, list[tuple[int, float]]]
    counts: np.ndarray
    unmeasured: np.ndarray

    def overlapping(self) -> np.ndarray:
        return (self.counts > 0) | (self.unmeasured > 0)

    def message(self, pos: int, name: Callable[[int], str]) -> str:
        """The finding of the parcel at ``pos``: the first few it overlaps, named by
        ``name(position)``, and a count of the rest."""
        listed = self.listed.get(pos, [])
        named = ", ".join(
            t("{name} by {share}%", name=name(a), share=format_number(share * 100, 0))
            for a, share in listed
        )
        more = int(self.counts[pos]) - len(listed) + int(self.unmeasured[pos])
        n = format_number(more, 0)
        # the candidates counted unmeasured cross the parcel deeper than this
        deep = (
            t(" more than {cm} cm deep", cm=f"{settings.overlap_depth * 100:g}")
            if self.unmeasured[pos]
            else ""
        )
        if not named:
            return t("overlaps {n} parcels{deep}", n=n, deep=deep)
        tail = t(" and {n} more parcels{deep}", n=n, deep=deep) if more > 0 else ""
        return t("overlaps {named}{tail} (share of the smaller parcel)", named=named, tail=tail)


# message ids: t(COPY_SUGGESTION) where they are said
COPY_SUGGESTION = "parcels should not overlap: their area is counted twice"
OVERLAP_SUGGESTION = "parcels should not overlap"


def copy_message(first: str) -> str:
    return t("has the same outline as {first}", first=first)


def find_overlaps(geoms: np.ndarray) -> Overlaps:
    """Parcels that overlap others by more than ``settings.overlap_tolerance`` of the smaller
    one: their land would be counted twice. The one overlap routine of both engines (the
    in-memory check and :mod:`terreinen.distributed` across parts).

    Parcels with the very same outline are copies of the first one and only that first one
    is compared with the rest, so that a file of stacked copies costs as much as one parcel;
    per parcel the first few pairs are measured and the rest counted, so memory stays
    bounded by the parcels however many pairs a stacked file has.
    """
    first_copy = _identical_outlines(geoms)
    areas = shapely.area(geoms)
    counts = np.zeros(len(geoms), np.int64)
    measured = np.zeros(len(geoms), np.int64)
    unmeasured = np.zeros(len(geoms), np.int64)
    kept = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))  # later, earlier, share
    for left, right in _overlap_candidates(np.where(first_copy >= 0, np.array(None), geoms)):
        for start in range(0, len(left), _PAIR_BATCH):
            a, b = left[start : start + _PAIR_BATCH], right[start : start + _PAIR_BATCH]
            measure = _rank_per_parcel(b) + measured[b] < _MEASURED_PER_PARCEL
            np.add.at(measured, b[measure], 1)
            np.add.at(unmeasured, b[~measure], 1)
            a, b = a[measure], b[measure]
            shared = _shared_area(geoms, a, b)
            smaller = np.minimum(areas[a], areas[b])
            overlap = shared > settings.overlap_tolerance * smaller
            np.add.at(counts, b[overlap], 1)
            kept = _first_few(
                np.concatenate([kept[0], b[overlap]]),
                np.concatenate([kept[1], a[overlap]]),
                np.concatenate([kept[2], (shared / smaller)[overlap]]),
            )
    listed: dict[int, list[tuple[int, float]]] = {}
    for later, earlier, share in zip(*kept, strict=True):
        listed.setdefault(int(later), []).append((int(earlier), float(share)))
    return Overlaps(first_copy, listed, counts, unmeasured)


def check_overlaps(chk: Checker, geoms: np.ndarray) -> None:
    """A warning per parcel that copies or overlaps others (see :func:`find_overlaps`)."""
    overlaps = find_overlaps(geoms)
    first_copy = overlaps.first_copy
    chk.flag(
        first_copy >= 0,
        "warning",
        "geometry",
        lambda pos: copy_message(_named(chk.ids[first_copy[pos]], first_copy[pos])),
        t(COPY_SUGGESTION),
    )
    chk.flag(
        overlaps.overlapping(),
        "warning",
        "geometry",
        lambda pos: overlaps.message(pos, lambda a: _named(chk.ids[a], a)),
        t(OVERLAP_SUGGESTION),
    )


def _named(kavel_id: object, position: int) -> str:
    """Another parcel as a finding names it: ``kavel_id 'K1' (row 1)`` (``rij`` in Dutch)."""
    return t(
        "kavel_id {kavel_id} ({row})", kavel_id=repr(kavel_id), row=t("row {row}", row=position + 1)
    )


def _rank_per_parcel(later: np.ndarray) -> np.ndarray:
    """Each pair's place among the pairs of the same later parcel (0, 1, 2, ...)."""
    if len(later) == 0:
        return np.empty(0, np.int64)
    order = np.argsort(later, kind="stable")
    ordered = later[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    rank = np.empty(len(later), np.int64)
    sizes = np.diff(np.r_[starts, len(later)])
    rank[order] = np.arange(len(later)) - np.repeat(starts, sizes)
    return rank


def _first_few(later: np.ndarray, earlier: np.ndarray, share: np.ndarray):
    """The pairs with the ``_LISTED_OVERLAPS`` lowest earlier parcels per later parcel."""
    order = np.lexsort((earlier, later))
    later, earlier, share = later[order], earlier[order], share[order]
    if len(later) == 0:
        return later, earlier, share
    starts = np.flatnonzero(np.r_[True, later[1:] != later[:-1]])
    rank = np.arange(len(later)) - np.repeat(starts, np.diff(np.r_[starts, len(later)]))
    keep = rank < _LISTED_OVERLAPS
    return later[keep], earlier[keep], share[keep]


def _identical_outlines(geoms: np.ndarray) -> np.ndarray:
    """For each parcel, the position of the first parcel with the same outline (-1: none)."""
    result = np.full(len(geoms), -1)
    bounds = pd.DataFrame(shapely.bounds(geoms)).round(3)
    same_box = bounds.duplicated(keep=False).to_numpy() & ~shapely.is_missing(geoms)
    if not same_box.any():
        return result
    positions = np.flatnonzero(same_box)
    # millimetre precision: the same outline written twice may differ in the last decimals
    outlines = shapely.normalize(shapely.set_precision(geoms[positions], 0.001))
    shapes = pd.Series(shapely.to_wkb(outlines))
    first = pd.Series(positions).groupby(shapes.to_numpy()).transform("min").to_numpy()
    result[positions] = np.where(first != positions, first, -1)
    return result


def _overlap_candidates(geoms: np.ndarray):
    """Pairs (i < j) of parcels whose overlap may be more than rounding, a chunk at a time.

    Neighbours share edges, and rounding in the coordinates (of a reprojection, or of a
    GeoJSON file's decimals) makes shared edges cross by a hair. Parcels shrunk by half of
    ``settings.overlap_depth`` meet only where the originals overlap deeper than that: only
    those pairs are left to measure, much cheaper than intersecting every pair of
    neighbours. Shrinking both sides makes the test symmetric, so each pair is found from
    its first parcel, whatever chunk that is in.

    The work is done per piece of a multipolygon: GEOS's buffer of a parcel of thousands of
    pieces (a repaired self-intersecting outline) slows down about quadratically, the
    pieces one by one do not."""
    index = np.flatnonzero(~shapely.is_missing(geoms))
    pieces, owner = shapely.get_parts(geoms[index], return_index=True)  # owner: sorted
    shrunk = in_threads(
        lambda part: shapely.buffer(part, -settings.overlap_depth / 2, join_style="mitre"),
        pieces,
    )
    tree = shapely.STRtree(shrunk)

    def pairs_of(part: np.ndarray) -> np.ndarray:
        left, right = tree.query(shrunk[part], predicate="intersects")
        pairs = np.column_stack([owner[part[left]], owner[right]])
        return pairs[pairs[:, 0] < pairs[:, 1]]

    for start in range(0, len(index), _QUERY_CHUNK):
        # the chunk is every piece of its parcels, so that a pair is found in one chunk only
        first, stop = np.searchsorted(owner, [start, start + _QUERY_CHUNK])
        pairs = in_threads(pairs_of, np.arange(first, stop)).reshape(-1, 2)
        # a pair once, ordered by i then j: one integer per pair, sorted and deduplicated
        # (numpy's unique over rows, or over integers by hashing, is tens of times slower)
        keys = np.sort(pairs[:, 0] * len(index) + pairs[:, 1])
        keys = keys[np.diff(keys, prepend=-1) != 0]  # keys are >= 0: the first is kept
        yield index[keys // len(index)], index[keys % len(index)]


def _shared_area(geoms: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The area the parcels of each pair ``(a[k], b[k])`` share.

    A valid parcel's pieces do not overlap, so the shared area is the sum over the pairs of
    pieces that meet; measured so, with an index, because GEOS's intersection of a parcel
    of thousands of pieces slows down about quadratically with them. Pairs of one-piece
    parcels (nearly all) are intersected directly: in one index, a stack of parcels on the
    same spot would make every piece meet every other pair's pieces."""
    shared = np.zeros(len(a))
    simple = (shapely.get_num_geometries(geoms[a]) == 1) & (
        shapely.get_num_geometries(geoms[b]) == 1
    )
    shared[simple] = shapely.area(shapely.intersection(geoms[a[simple]], geoms[b[simple]]))
    pairs = np.flatnonzero(~simple)
    pieces_a, pair_a = shapely.get_parts(geoms[a[pairs]], return_index=True)
    pieces_b, pair_b = shapely.get_parts(geoms[b[pairs]], return_index=True)
    left, right = shapely.STRtree(pieces_b).query(pieces_a, predicate="intersects")
    same_pair = pair_a[left] == pair_b[right]
    left, right = left[same_pair], right[same_pair]
    areas = shapely.area(shapely.intersection(pieces_a[left], pieces_b[right]))
    shared[pairs] = np.bincount(pair_a[left], weights=areas, minlength=len(pairs))
    return shared


def in_threads(func, values: np.ndarray) -> np.ndarray:
    """``func`` on parts of ``values`` in ``settings.threads`` threads, results joined: for
    shapely and pyproj work, which runs without Python's lock."""
    parts = np.array_split(values, settings.threads)
    with ThreadPoolExecutor(settings.threads) as pool:
        return np.concatenate(list(pool.map(func, parts)))
