"""Reading a layer of sensitive objects (homes from a BAG extract, say) for milieuzonering
(:mod:`terreinen.zoning`), checked as every input is: findings name the file, row and column."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import settings
from terreinen.errors import TerreinenDataError, TerreinenDataWarning, TerreinenReadError
from terreinen.i18n import t
from terreinen.io.files import read_table
from terreinen.report import ValidationReport
from terreinen.validation.columns import Checker
from terreinen.validation.geometry import check_inside_netherlands, resolve_crs, to_rd
from terreinen.validation.values import closest
from terreinen.zoning import AREA_COLUMN, area_type_text, guide_distances

__all__ = ["check_sensitive", "read_sensitive"]

_USABLE = (
    shapely.GeometryType.POINT,
    shapely.GeometryType.MULTIPOINT,
    shapely.GeometryType.POLYGON,
    shapely.GeometryType.MULTIPOLYGON,
)
_NOUN = "sensitive objects"


def read_sensitive(
    source: str | Path | gpd.GeoDataFrame, *, layer: str | None = None, crs=None
) -> gpd.GeoDataFrame:
    """Sensitive objects (points or polygons, any CRS) in EPSG:28992, with ``gebiedstype``
    (``rustig`` or ``gemengd``; blank or absent: ``settings.zoning_default_area``).

    ``source`` is a GeoDataFrame or a file :func:`terreinen.read_parcels` could read;
    ``crs`` states the CRS of a file that has none. Raises :class:`TerreinenReadError` for an
    unreadable or empty layer and :class:`TerreinenDataError` listing every error with its
    row and column: a missing geometry, one that is neither point nor polygon, an object
    outside the Netherlands, coordinates of no known CRS, an unknown ``gebiedstype``.
    """
    frame, label, _ = read_table(source, layer=layer)
    objects, report = check_sensitive(frame, label, crs=crs)
    if not report.ok or objects is None:
        raise TerreinenDataError(report)
    if report.warnings:
        warnings.warn(
            f"{report.summary()}: " + "; ".join(str(f) for f in report.warnings[:3]),
            TerreinenDataWarning,
            stacklevel=2,
        )
    return objects


def check_sensitive(
    frame: pd.DataFrame, label: str, *, crs=None
) -> tuple[gpd.GeoDataFrame | None, ValidationReport]:
    """The objects of ``frame`` checked and in RD New, and the report; None with errors."""
    if len(frame) == 0:
        raise TerreinenReadError(
            label,
            t("the layer holds no sensitive objects"),
            t("give a layer of homes (points)"),
        )
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TerreinenReadError(
            label, t("the layer has no geometry"), t("give points or polygons")
        )
    frame = frame.reset_index(drop=True)
    chk = Checker(frame, label, noun=_NOUN)
    geoms = resolve_crs(chk, frame.geometry, crs)
    if geoms is None:
        return None, chk.report
    values = geoms.to_numpy()
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    chk.flag(missing, "error", "geometry", t("geometry is missing or empty"))
    wrong = ~missing & ~np.isin(shapely.get_type_id(values), _USABLE)
    chk.flag(
        wrong,
        "error",
        "geometry",
        lambda pos: t("geometry is a {kind}, not a point or polygon", kind=values[pos].geom_type),
        t("a sensitive object is a Point or Polygon (or Multi-)"),
    )
    usable = ~missing & ~wrong
    bounds = shapely.bounds(np.where(usable, values, None))
    finite = np.isfinite(bounds).all(axis=1)
    chk.flag(
        usable & ~finite, "error", "geometry", t("geometry has coordinates that are not numbers")
    )
    usable &= finite
    rd = np.full(len(values), None, dtype=object)
    rd[usable] = to_rd(values[usable], geoms.crs)
    check_inside_netherlands(chk, rd, what="object")
    area = _check_area_types(chk, frame)
    if not chk.report.ok:
        return None, chk.report
    objects = gpd.GeoDataFrame(
        frame.drop(columns=[frame.geometry.name, AREA_COLUMN], errors="ignore").assign(
            **{AREA_COLUMN: area}
        ),
        geometry=gpd.GeoSeries(rd, crs=settings.rd_crs),
    )
    return objects, chk.report


def _check_area_types(chk: Checker, frame: pd.DataFrame) -> np.ndarray:
    """``gebiedstype`` in lower case, the default where blank; unknown values are errors."""
    known = list(guide_distances().columns)
    default = settings.zoning_default_area
    if AREA_COLUMN not in frame:
        return np.full(len(frame), default, dtype=object)
    raw = frame[AREA_COLUMN].astype(object)
    text = area_type_text(raw)
    blank = pd.isna(text)
    unknown = ~blank & ~np.isin(text.astype(str), known)
    chk.flag(
        unknown,
        "error",
        AREA_COLUMN,
        lambda pos: t("unknown area type {value}", value=repr(raw.iloc[pos])),
        lambda pos: closest(text[pos], known, "area type"),
    )
    return np.where(blank, default, text)
