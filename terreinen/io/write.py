"""Writing outputs safely: atomically (a temporary file renamed into place), never over an
input, as CSV, JSON or a formatted Excel workbook whose cells never start a formula.

Every input file is untrusted. A text cell is written as text in every spreadsheet format:
in a workbook as a string cell (never a formula); in CSV, text that a spreadsheet would
read as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return), and
text starting with ``'``, gets one ``'`` in front, so removing one leading ``'`` from such a
cell gives the value back exactly. Numbers stay numbers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import glob
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio.errors
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from terreinen.errors import TerreinenWriteError

__all__ = [
    "CSV_DIALECTS",
    "DUTCH_CSV",
    "INTERNATIONAL_CSV",
    "TABLE_FORMATS",
    "CsvDialect",
    "atomic_path",
    "csv_text",
    "output_format",
    "refuse_inputs",
    "remove_temporary_files",
    "safe_cell",
    "table_to_json",
    "write_csv",
    "write_table",
    "write_workbook",
]

TABLE_FORMATS = ("csv", "json", "xlsx")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HA_DECIMALS = "#,##0.00"
_GDAL_ERRORS = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError)
_LOW_SPACE = 1 << 20  # bytes free below which a failed write is put down to a full disk
_PENDING: set[Path] = set()  # temporary files being written (see remove_temporary_files)
_SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".geojson": "geojson",
                   ".gpkg": "gpkg"}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class CsvDialect:
    """How a CSV file writes its fields: the ``separator`` between them, the ``decimal``
    mark, the ``decimals`` of fractional numbers (None: full precision) and whether a file
    starts with a UTF-8 byte order mark (``bom``, which spreadsheets need to read UTF-8)."""

    separator: str = ","
    decimal: str = "."
    decimals: int | None = None
    bom: bool = False


#: Machine numbers: ``,`` between fields, decimal point, full precision, no BOM.
INTERNATIONAL_CSV = CsvDialect()
#: As Dutch Excel opens a file: ``;`` between fields, decimal comma, hectares to two
#: decimals as on screen, UTF-8 with BOM.
DUTCH_CSV = CsvDialect(separator=";", decimal=",", decimals=2, bom=True)
CSV_DIALECTS = {"nl": DUTCH_CSV, "international": INTERNATIONAL_CSV}


def safe_cell(value):
    """A CSV cell that no spreadsheet reads as a formula (the documented ``'`` rule).

    >>> safe_cell('=HYPERLINK("x")'), safe_cell("-3"), safe_cell("'a"), safe_cell(-3.0)
    ('\\'=HYPERLINK("x")', "'-3", "''a", -3.0)
    """
    if isinstance(value, str) and value.startswith((*FORMULA_START, "'")):
        return "'" + value
    return value


def _safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with ``safe_cell`` applied to its text cells and column names."""
    frame = pd.DataFrame(frame).copy()
    for column in frame.columns:
        if _is_text(frame[column]):
            frame[column] = frame[column].astype(object).map(safe_cell)
    frame.columns = [safe_cell(str(c)) for c in frame.columns]
    return frame


def _is_text(values: pd.Series) -> bool:
    """Whether a column may hold text (object, string or category), not numbers or dates."""
    return (
        isinstance(values.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(values)
        or pd.api.types.is_string_dtype(values)
    )


def csv_text(frame: pd.DataFrame, dialect: CsvDialect = INTERNATIONAL_CSV) -> str:
    """A table as CSV text in ``dialect`` (never a BOM: that is for files) whose cells
    never start a formula."""
    safe = _safe_frame(frame)
    texts = [*safe.columns, *(v for c in safe.columns for v in safe[c] if isinstance(v, str))]
    # Python's csv quotes a field with a line break only if the line ending holds that
    # character: a carriage return in the data needs CRLF line endings to come back whole
    ending = "\r\n" if any("\r" in text for text in texts) else "\n"
    return safe.to_csv(
        index=False,
        lineterminator=ending,
        sep=dialect.separator,
        decimal=dialect.decimal,
        float_format=None if dialect.decimals is None else f"%.{dialect.decimals}f",
    )


def write_csv(
    frame: pd.DataFrame,
    path: str | Path,
    dialect: CsvDialect = INTERNATIONAL_CSV,
    *,
    inputs: Iterable = (),
) -> Path:
    """A table as a CSV file in ``dialect`` (see :func:`csv_text`), written atomically."""
    with atomic_path(path, inputs=inputs) as tmp:
        tmp.write_text(csv_text(frame, dialect), encoding="utf-8-sig" if dialect.bom else "utf-8")
    return Path(path)


def output_format(
    path: str | Path, fmt: str | None, allowed: Mapping[str, Iterable[str]], what: str = "write"
) -> str:
    """The format of an output: its file name decides; a ``fmt`` that contradicts it is an
    error. ``allowed`` maps each format to the extensions it may have."""
    path = Path(path)
    suffix = path.suffix.lower()
    by_suffix: dict[str, str] = {}
    for name, extensions in allowed.items():  # the first format named for an extension wins
        for extension in extensions:
            by_suffix.setdefault(extension, name)
    choices = ", ".join(sorted(by_suffix))
    if fmt is None:
        if suffix not in by_suffix:
            raise TerreinenWriteError(
                f"{path}: cannot {what} {suffix.lstrip('.')!r}; the file name decides the "
                f"format: end it in one of {choices}"
            )
        return by_suffix[suffix]
    fmt = fmt.lower()
    if fmt not in allowed:
        raise TerreinenWriteError(f"format {fmt!r}: choose {', '.join(allowed)}")
    if suffix not in allowed[fmt]:
        named = _SUFFIX_FORMATS.get(suffix)
        said = f"is {named}" if named else f"has no {fmt} extension"
        raise TerreinenWriteError(
            f"{path}: the file name {said}, but the format asked for is {fmt}; name the file "
            f"{' or '.join(f'*{e}' for e in allowed[fmt])}, or leave --format out"
        )
    return fmt


def refuse_inputs(output: str | Path, inputs: Iterable) -> None:
    """Raise if ``output`` is one of the ``inputs`` (the same file by name, symbolic link or
    hard link) or lies inside an input folder: an output never replaces an input."""
    target = Path(output)
    for source in inputs:
        if not isinstance(source, (str, os.PathLike)):
            continue  # a DataFrame given in Python: there is no file to protect
        source = Path(source)
        same = target.exists() and source.exists() and os.path.samefile(target, source)
        inside = source.is_dir() and Path(os.path.realpath(target)).is_relative_to(
            os.path.realpath(source)
        )
        if same or inside:
            where = "is" if same else "lies inside"
            raise TerreinenWriteError(
                f"{target}: the output {where} the input {source}; terreinen never "
                "overwrites its inputs, so choose another output file"
            )


@contextlib.contextmanager
def atomic_path(path: str | Path, *, inputs: Iterable = ()) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only when the block succeeds, so
    that a failure (or Ctrl-C) never leaves a half-written file or a temporary one.

    A symbolic link is written through (its target is replaced, the link stays); an existing
    file keeps its permission bits; a target that is not a regular file (a folder, device or
    FIFO) and any of ``inputs`` are refused."""
    refuse_inputs(path, inputs)
    target = Path(os.path.realpath(path))  # through symbolic links
    if target.exists() and not stat.S_ISREG(target.stat().st_mode):
        kind = "a folder" if target.is_dir() else "not a regular file (a device, FIFO or socket)"
        raise TerreinenWriteError(f"{path}: is {kind}; terreinen writes only regular files")
    if not target.parent.is_dir():
        raise TerreinenWriteError(f"{path}: the folder {target.parent} does not exist")
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent
        )
    except OSError as exc:
        raise TerreinenWriteError(f"{path}: cannot write here ({exc.strerror})") from None
    os.close(handle)
    temporary = Path(name)
    _PENDING.add(temporary)
    temporary.unlink()  # the name is ours; GDAL wants to create the file itself
    try:
        yield temporary
        os.chmod(temporary, mode)  # mkstemp's files are private; results are not
        temporary.replace(target)
    except (OSError, *_GDAL_ERRORS) as exc:
        raise TerreinenWriteError(f"{path}: cannot write ({_reason(exc, target)})") from None
    finally:
        _remove_temporary(temporary)


def remove_temporary_files() -> None:
    """Remove the temporary files of writes that were cut short. The command line calls
    this after Ctrl-C or SIGTERM, when GDAL has let go of its files: a signal that arrives
    while GDAL is writing can pass by the cleanup of :func:`atomic_path`."""
    for temporary in list(_PENDING):
        _remove_temporary(temporary)


def _remove_temporary(temporary: Path) -> None:
    # GDAL's side files (-journal, -wal) too: nothing of ours stays behind
    for leftover in temporary.parent.glob(f"{glob.escape(temporary.name)}*"):
        leftover.unlink(missing_ok=True)
    _PENDING.discard(temporary)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _reason(exc: BaseException, target: Path) -> str:
    """Why a write failed, in plain words: a full disk says so whoever noticed it."""
    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
    with contextlib.suppress(OSError):
        full = full or shutil.disk_usage(target.parent).free < _LOW_SPACE
    if full:
        return "the disk is full; nothing was written"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def table_to_json(frame: pd.DataFrame) -> str:
    """Records as JSON: dates as ISO text, missing values as null."""
    return frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2)


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    fmt: str | None = None,
    *,
    inputs: Iterable = (),
    dialect: CsvDialect = INTERNATIONAL_CSV,
) -> Path:
    """Write one table as CSV (in ``dialect``), JSON or XLSX: the file's extension decides
    (``fmt``, if given, must agree with it)."""
    path = Path(path)
    fmt = output_format(path, fmt, {f: (f".{f}",) for f in TABLE_FORMATS})
    if fmt == "xlsx":
        return write_workbook({"tabel": frame}, path, inputs=inputs)
    if fmt == "csv":
        return write_csv(frame, path, dialect, inputs=inputs)
    with atomic_path(path, inputs=inputs) as tmp:
        tmp.write_text(table_to_json(frame), encoding="utf-8")
    return path


def write_workbook(
    sheets: Mapping[str, pd.DataFrame], path: str | Path, *, inputs: Iterable = ()
) -> Path:
    """One formatted workbook: a sheet per table, bold filled header row frozen, hectares
    with two decimals, columns wide enough for their contents. Text is always a string
    cell, never a formula."""
    with (
        atomic_path(path, inputs=inputs) as tmp,
        pd.ExcelWriter(tmp, engine="openpyxl") as writer,
    ):
        for name, frame in sheets.items():
            sheet_name = name[:31]  # Excel's limit
            _excel_ready(frame).to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # openpyxl reads text starting with = as one
                        cell.data_type = "s"
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


def xlsx_text(value: str) -> str:
    """Text as a workbook can hold it: control characters that XML cannot carry (all but
    tab, line feed and carriage return) become U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones, categories or geometries: plain values only."""
    frame = pd.DataFrame(frame).drop(columns="geometry", errors="ignore").copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.date
        if _is_text(frame[column]):
            frame[column] = frame[column].map(lambda v: xlsx_text(v) if isinstance(v, str) else v)
    frame.columns = [xlsx_text(str(c)) for c in frame.columns]
    return frame.replace({np.nan: None})
