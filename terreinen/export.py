"""Writing results: atomically (a temporary file renamed into place), as CSV, JSON, a
formatted Excel workbook, GeoJSON or GeoPackage."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from terreinen.validation import TerreinenError

TABLE_FORMATS = ("csv", "json", "xlsx")
_HA_DECIMALS = "#,##0.00"


class TerreinenWriteError(TerreinenError, OSError):
    """An output file cannot be written (folder missing, no permission, disk full)."""


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only when the block succeeds,
    so that a failure never leaves a half-written file."""
    target = Path(path)
    if not target.parent.is_dir():
        raise TerreinenWriteError(f"{target}: the folder {target.parent} does not exist")
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent
        )
    except OSError as exc:
        raise TerreinenWriteError(f"{target}: cannot write here ({exc.strerror})") from None
    os.close(handle)
    temporary = Path(name)
    temporary.unlink()  # the name is ours; GDAL wants to create the file itself
    try:
        yield temporary
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp's files are private; results are not
        temporary.replace(target)
    except OSError as exc:
        raise TerreinenWriteError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        temporary.unlink(missing_ok=True)


def table_to_json(frame: pd.DataFrame) -> str:
    """Records as JSON: dates as ISO text, missing values as null."""
    return frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2)


def write_table(frame: pd.DataFrame, path: str | Path, fmt: str | None = None) -> Path:
    """Write one table as CSV, JSON or XLSX (from ``fmt`` or the file's extension)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in TABLE_FORMATS:
        raise TerreinenWriteError(
            f"{path}: cannot write {fmt!r}; choose {', '.join(TABLE_FORMATS)}"
        )
    if fmt == "xlsx":
        return write_workbook({"tabel": frame}, path)
    with atomic_path(path) as tmp:
        if fmt == "csv":
            frame.to_csv(tmp, index=False)
        else:
            tmp.write_text(table_to_json(frame), encoding="utf-8")
    return path


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """One formatted workbook: a sheet per table, bold filled header row frozen, hectares
    with two decimals, columns wide enough for their contents."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            sheet_name = name[:31]  # Excel's limit
            _excel_ready(frame).to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            sheet.freeze_panes = "A2"
            for cell in sheet[1]:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = PatternFill("solid", fgColor="1F4E79")
            for index, column in enumerate(frame.columns, start=1):
                letter = get_column_letter(index)
                width = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
                sheet.column_dimensions[letter].width = min(60, width + 2)
                if pd.api.types.is_float_dtype(frame[column]):
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                        cell.number_format = _HA_DECIMALS
    return Path(path)


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones, categories or geometries: plain values only."""
    frame = pd.DataFrame(frame).drop(columns="geometry", errors="ignore").copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.date
    return frame.replace({np.nan: None})


EXPORT_FORMATS = ("gpkg", "xlsx", "geojson", "ibis")


def export(
    parcels,
    path: str | Path,
    fmt: str | None = None,
    *,
    agreements=None,
    regions=None,
    as_of=None,
) -> Path:
    """Write parcels and their summaries: ``gpkg`` (layers kavels, terreinen, gemeenten),
    ``xlsx`` (one formatted workbook of every table), ``geojson`` (the parcels, WGS84) or
    ``ibis`` (the IBIS park-level table; CSV without outlines, GeoPackage with)."""
    import geopandas as gpd

    from terreinen import settings
    from terreinen.capacity import breakdown, capacity, takeup
    from terreinen.ibis import to_ibis

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
            from terreinen.agreements import compare_agreements

            sheets["afspraken"] = compare_agreements(
                parcels, agreements, as_of=as_of, regions=regions
            )
        sheets["uitgifte per jaar"] = takeup(parcels, "gemeente", as_of=as_of).reset_index()
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
