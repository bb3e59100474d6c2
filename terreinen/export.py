"""Exports of parcels and their summaries: GeoPackage layers, one Excel workbook of every
table, GeoJSON, or the IBIS park table."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from terreinen import settings
from terreinen.agreements import History
from terreinen.capacity import BREAKDOWNS
from terreinen.figures import AsOf
from terreinen.io.ibis import to_ibis
from terreinen.io.write import (
    atomic_path,
    csv_text,
    output_format,
    write_atomically,
    write_workbook,
)
from terreinen.study import Study

__all__ = ["EXPORT_EXTENSIONS", "EXPORT_FORMATS", "export", "export_format", "workbook_sheets"]

EXPORT_FORMATS = ("gpkg", "xlsx", "geojson", "ibis")
# the extensions each format may have; the file name decides when no format is given
# (a .csv file is the IBIS park table, the one table export writes as CSV)
EXPORT_EXTENSIONS = {
    "gpkg": (".gpkg",),
    "xlsx": (".xlsx",),
    "geojson": (".geojson", ".json"),
    "ibis": (".csv", ".xlsx", ".gpkg"),
}


def export_format(path: str | Path, fmt: str | None = None) -> str:
    """The export format a file name asks for; ``fmt``, if given, must agree with it.

    >>> export_format("studie.xlsx"), export_format("parken.csv"), export_format("p.csv", "ibis")
    ('xlsx', 'ibis', 'ibis')
    """
    path = Path(path)
    if fmt is None and path.suffix.lower() == ".csv":
        fmt = "ibis"  # the one table export writes as CSV
    return output_format(path, fmt, EXPORT_EXTENSIONS, what="export")


def export(
    parcels,
    path: str | Path,
    fmt: str | None = None,
    *,
    agreements=None,
    regions=None,
    as_of: AsOf = None,
    history: History | None = None,
    inputs: Iterable = (),
) -> Path:
    """Write parcels and their summaries: ``gpkg`` (layers kavels, terreinen, gemeenten),
    ``xlsx`` (one formatted workbook of every table, demand beside supply included),
    ``geojson`` (the parcels, WGS84) or ``ibis`` (the IBIS park-level table: ``.csv`` or
    ``.xlsx`` without outlines, ``.gpkg`` with). The file name decides the format; ``fmt``,
    if given, must agree with it. ``parcels`` may be a :class:`terreinen.study.Study`, whose
    figures every table then states; else ``agreements``, ``regions``, ``as_of`` and
    ``history`` (a register, for ``toevoeging`` agreements) make one. ``inputs`` (and
    ``agreements``/``regions`` given as paths) are never overwritten."""
    if isinstance(parcels, Study):
        study = parcels
    else:
        study = Study(parcels, as_of=as_of, agreements=agreements, regions=regions, history=history)
    path = Path(path)
    inputs = (*inputs, agreements, regions)
    fmt = export_format(path, fmt)
    suffix = path.suffix.lower()
    frame = study.parcels
    if fmt == "ibis" and suffix != ".gpkg":
        table = pd.DataFrame(to_ibis(frame, as_of=study.as_of).drop(columns="geometry"))
        if suffix == ".xlsx":
            return write_workbook({"ibis": table}, path, inputs=inputs)
        return write_atomically(path, csv_text(table), inputs=inputs)
    if fmt == "xlsx":
        return write_workbook(workbook_sheets(study), path, inputs=inputs)
    _write_layers(study, path, fmt, inputs)
    return path


def workbook_sheets(study: Study) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, by name: every table of the study."""
    sheets = {
        "gemeenten": study.capacity("gemeente"),
        "provincies": study.capacity("provincie"),
        "terreinen": study.capacity(["gemeente", "terrein"]),
    }
    if study.regions is not None:
        sheets["regio's"] = study.capacity("regio")
    for by in BREAKDOWNS:
        sheets[by] = study.breakdown(by, per="gemeente")
    if study.zoned:  # hectares per effective beside per zoned milieucategorie
        sheets["milieuzonering"] = study.zoning_breakdown("gemeente")
    comparison = study.comparison
    if comparison is not None:
        sheets["afspraken"] = comparison
    sheets["uitgifte per jaar"] = study.takeup("gemeente").reset_index()
    sheets["vraag en aanbod"] = study.demand("gemeente")
    return sheets


def _write_layers(study: Study, path: Path, fmt: str, inputs: tuple) -> None:
    """GeoJSON, or the GeoPackage layers (the IBIS layout alone, or with parcels and
    municipalities)."""
    parcels = study.parcels
    as_of = study.as_of
    with atomic_path(path, inputs=inputs) as tmp:
        if fmt == "geojson":
            # built in memory and written by Python: GDAL's GeoJSON writer leaves an empty
            # file without an error on a full disk
            buffer = io.BytesIO()
            web = parcels.to_crs(settings.web_crs)
            web.to_file(buffer, driver="GeoJSON", layer="kavels", engine="pyogrio")
            tmp.write_bytes(buffer.getbuffer())
        elif fmt == "ibis":
            to_ibis(parcels, as_of=as_of).to_file(
                tmp, driver="GPKG", layer="ibis", engine="pyogrio"
            )
        else:
            parcels.to_file(tmp, driver="GPKG", layer="kavels", engine="pyogrio")
            parks = to_ibis(parcels, as_of=as_of)
            parks.to_file(tmp, driver="GPKG", layer="terreinen", engine="pyogrio")
            table = study.capacity("gemeente")
            outlines = parcels[["gemeente", "geometry"]].dissolve("gemeente").geometry
            municipalities = gpd.GeoDataFrame(
                table, geometry=outlines.reindex(table["gebied"]).to_numpy(), crs=parcels.crs
            )
            municipalities.to_file(tmp, driver="GPKG", layer="gemeenten", engine="pyogrio")
