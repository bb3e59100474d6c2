"""Writing outputs safely: atomically (a temporary file renamed into place), as CSV, JSON
or a formatted Excel workbook."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from terreinen._errors import TerreinenWriteError

__all__ = ["TABLE_FORMATS", "atomic_path", "table_to_json", "write_table", "write_workbook"]

TABLE_FORMATS = ("csv", "json", "xlsx")
_HA_DECIMALS = "#,##0.00"


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
