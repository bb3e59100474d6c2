"""Exports of parcels and their summaries: GeoPackage layers, one Excel workbook of every
table, GeoJSON, or the IBIS park table."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from terreinen import settings
from terreinen._errors import TerreinenWriteError
from terreinen._io import atomic_path, write_workbook
from terreinen.agreements import compare_agreements
from terreinen.capacity import breakdown, capacity, takeup
from terreinen.demand import demand
from terreinen.ibis import to_ibis

__all__ = ["EXPORT_FORMATS", "export"]

EXPORT_FORMATS = ("gpkg", "xlsx", "geojson", "ibis")


def export(
    parcels,
    path: str | Path,
    fmt: str | None = None,
    *,
    agreements=None,
    regions=None,
    as_of=None,
    history=None,
) -> Path:
    """Write parcels and their summaries: ``gpkg`` (layers kavels, terreinen, gemeenten),
    ``xlsx`` (one formatted workbook of every table, demand beside supply included),
    ``geojson`` (the parcels, WGS84) or ``ibis`` (the IBIS park-level table; CSV without
    outlines, GeoPackage with). ``history`` (a register) counts ``toevoeging`` agreements."""
    path = Path(path)
    fmt = (fmt or {".json": "geojson"}.get(path.suffix.lower(), path.suffix.lstrip("."))).lower()
    if fmt not in EXPORT_FORMATS:
        raise TerreinenWriteError(
            f"{path}: cannot export {fmt!r}; choose {', '.join(EXPORT_FORMATS)}"
        )
    if fmt == "xlsx":
        sheets = {
            "gemeenten": capacity(parcels, "gemeente", as_of=as_of),
            "provincies": capacity(parcels, "provincie", as_of=as_of),
            "terreinen": capacity(parcels, ["gemeente", "terrein"], as_of=as_of),
        }
        if regions is not None:
            sheets["regio's"] = capacity(parcels, "regio", as_of=as_of, regions=regions)
        for by in ("milieucategorie", "segment", "eigenaar", "grootteklasse"):
            sheets[by] = breakdown(parcels, by, per="gemeente", as_of=as_of)
        if agreements is not None:
            sheets["afspraken"] = compare_agreements(
                parcels, agreements, as_of=as_of, regions=regions, history=history
            )
        sheets["uitgifte per jaar"] = takeup(parcels, "gemeente", as_of=as_of).reset_index()
        sheets["vraag en aanbod"] = demand(parcels, "gemeente", as_of=as_of)
        return write_workbook(sheets, path)
    with atomic_path(path) as tmp:
        if fmt == "geojson":
            parcels.to_crs(settings.web_crs).to_file(tmp, driver="GeoJSON", engine="pyogrio")
        elif fmt == "ibis":
            table = to_ibis(parcels, as_of=as_of)
            if path.suffix.lower() == ".csv":
                pd.DataFrame(table.drop(columns="geometry")).to_csv(tmp, index=False)
            else:
                table.to_file(tmp, driver="GPKG", layer="ibis", engine="pyogrio")
        else:
            parcels.to_file(tmp, driver="GPKG", layer="kavels", engine="pyogrio")
            parks = to_ibis(parcels, as_of=as_of)
            parks.to_file(tmp, driver="GPKG", layer="terreinen", engine="pyogrio")
            table = capacity(parcels, "gemeente", as_of=as_of)
            outlines = parcels[["gemeente", "geometry"]].dissolve("gemeente").geometry
            municipalities = gpd.GeoDataFrame(
                table, geometry=outlines.reindex(table["gebied"]).to_numpy(), crs=parcels.crs
            )
            municipalities.to_file(tmp, driver="GPKG", layer="gemeenten", engine="pyogrio")
    return path
