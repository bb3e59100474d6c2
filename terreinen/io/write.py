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
import csv
import dataclasses
import errno
import itertools
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio.errors
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from terreinen.errors import TerreinenWriteError
from terreinen.i18n import t
from terreinen.io.source import URL_SCHEMES

__all__ = [
    "CSV_DIALECTS",
    "DUTCH_CSV",
    "INTERNATIONAL_CSV",
    "TABLE_FORMATS",
    "CsvDialect",
    "atomic_path",
    "csv_text",
    "figure_decimals",
    "inputs_protected",
    "original_text",
    "output_format",
    "protected_inputs",
    "record_input",
    "refuse_inputs",
    "remove_temporary_files",
    "rounded_figures",
    "safe_cell",
    "table_to_json",
    "write_atomically",
    "write_csv",
    "write_table",
    "write_workbook",
]

TABLE_FORMATS = ("csv", "json", "xlsx")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# where a spreadsheet may start a cell: the start of the text, and after a separator or a
# line break (a spreadsheet splitting on that character, or a naive reader); what follows
# there starts a formula (after blanks or quotes, which a reader may skip), or is a '
_SEGMENT_START = r"(?:^|(?<=[,;\r\n]))"
_STARTS_FORMULA = r"(?=[ \"]*[=+\-@\t\r'])"
_FORMULA_SEGMENT = re.compile(_SEGMENT_START + _STARTS_FORMULA)
_ADDED_QUOTE = re.compile(_SEGMENT_START + "'" + _STARTS_FORMULA)
_HA_DECIMALS = "#,##0.00"
_CELL_LIMIT = 32_767  # characters in one Excel cell
_GDAL_ERRORS = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError)
_LOW_SPACE = 1 << 20  # bytes free below which a failed write is put down to a full disk
_PENDING: set[Path] = set()  # temporary folders being written (see remove_temporary_files)
_READ: ContextVar[set[Path] | None] = ContextVar("terreinen_inputs", default=None)
_ATTEMPTS = 100  # temporary names tried before giving up
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".geojson": "geojson",
                   ".gpkg": "gpkg"}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class CsvDialect:
    """How a CSV file writes its fields: the ``separator`` between them, the ``decimal``
    mark, the ``decimals`` of fractional numbers (None: each figure's own, see
    :func:`figure_decimals`) and whether a file
    starts with a UTF-8 byte order mark (``bom``, which spreadsheets need to read UTF-8)."""

    separator: str = ","
    decimal: str = "."
    decimals: int | None = None
    bom: bool = False


#: Machine numbers: ``,`` between fields, decimal point, each figure's own decimals
#: (:func:`figure_decimals`), no BOM.
INTERNATIONAL_CSV = CsvDialect()
#: As Dutch Excel opens a file: ``;`` between fields, decimal comma, hectares to two
#: decimals as on screen, UTF-8 with BOM.
DUTCH_CSV = CsvDialect(separator=";", decimal=",", decimals=2, bom=True)
CSV_DIALECTS = {"nl": DUTCH_CSV, "international": INTERNATIONAL_CSV}


#: Significant digits of a fractional number that is no figure of the contract's: enough
#: for any coordinate or price, and no float noise (``31.259999999999998`` -> ``31.26``).
SIGNIFICANT_DIGITS = 12


def figure_decimals(column: object) -> int | None:
    """The decimals a column's numbers are written with in CSV and JSON: two for hectares
    (a name ending in ``_ha`` or holding ``_ha_``, such as ``uitgifte_ha_per_jaar``) and
    years of supply (``jaren``), as docs/data-model.md states; None for other numbers
    (:data:`SIGNIFICANT_DIGITS` significant digits).

    >>> figure_decimals("hard_ha"), figure_decimals("voorraad_jaren_hard"), figure_decimals("lat")
    (2, 2, None)
    """
    name = str(column).lower()
    return 2 if name.endswith("_ha") or "_ha_" in name or "jaren" in name else None


def rounded(value: float, decimals: int | None) -> float:
    """``value`` to ``decimals`` decimals, or (None) to :data:`SIGNIFICANT_DIGITS`
    significant digits.

    >>> rounded(31.259999999999998, None), rounded(2.345678, 2)
    (31.26, 2.35)
    """
    if decimals is not None:
        return round(value, decimals)
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def rounded_figures(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with every fractional number rounded as :func:`figure_decimals` says."""
    frame = pd.DataFrame(frame).copy()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            decimals = figure_decimals(column)
            frame[column] = frame[column].map(lambda v, d=decimals: v if v != v else rounded(v, d))
    return frame


def safe_cell(value):
    r"""A CSV cell that no spreadsheet reads as a formula (the documented ``'`` rule): text
    that starts a formula, and every ``,``- or ``;``-separated segment of it that would
    start one where a spreadsheet splits the line on that separator (Dutch Excel splits on
    ``;``), gets one ``'`` in front; so does text starting with ``'``. Numbers stay numbers.
    :func:`original_text` undoes it exactly.

    >>> safe_cell('=HYPERLINK("x")'), safe_cell("-3"), safe_cell("'a"), safe_cell(-3.0)
    ('\'=HYPERLINK("x")', "'-3", "''a", -3.0)
    >>> safe_cell("Park;=2+3; -1,@A1")
    "Park;'=2+3;' -1,'@A1"
    """
    if isinstance(value, str):
        return _FORMULA_SEGMENT.sub("'", value)
    return value


def original_text(cell: str) -> str:
    """The text that :func:`safe_cell` made ``cell`` of.

    >>> original_text(safe_cell("''=a;;=b, +c")) == "''=a;;=b, +c"
    True
    """
    return _ADDED_QUOTE.sub("", cell)


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
    # every text quoted: a spreadsheet splitting on another separator than the file's
    # still finds each text whole inside its quotes; numbers stay bare
    for column, name in zip(safe.columns, frame.columns, strict=True):
        if pd.api.types.is_float_dtype(safe[column]):
            decimals = figure_decimals(name) if dialect.decimals is None else dialect.decimals
            numbers = [
                None if pd.isna(value) else _DialectNumber(float(value), dialect, decimals)
                for value in safe[column]
            ]
            safe[column] = pd.Series(numbers, index=safe.index, dtype=object)
    return safe.to_csv(
        index=False, lineterminator=ending, quoting=csv.QUOTE_NONNUMERIC, sep=dialect.separator
    )


class _DialectNumber:
    """A fractional number as ``dialect`` writes it (decimal mark, decimals). Python's csv
    quotes every field that is not a number; this is a number to it (``__float__``) and
    prints as the dialect writes it, so that text is quoted and numbers are not."""

    def __init__(self, value: float, dialect: CsvDialect, decimals: int | None):
        self.value, self.dialect, self.decimals = value, dialect, decimals

    def __float__(self) -> float:
        return self.value

    def __str__(self) -> str:
        if self.dialect.decimals is None:  # machine numbers: as short as the figure allows
            text = repr(rounded(self.value, self.decimals))
        else:
            text = f"{self.value:.{self.decimals}f}"
        return text.replace(".", self.dialect.decimal)


def write_csv(
    frame: pd.DataFrame,
    path: str | Path,
    dialect: CsvDialect = INTERNATIONAL_CSV,
    *,
    inputs: Iterable = (),
) -> Path:
    """A table as a CSV file in ``dialect`` (see :func:`csv_text`), written atomically."""
    text = csv_text(frame, dialect)
    return write_atomically(path, ("\ufeff" if dialect.bom else "") + text, inputs=inputs)


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
                t(
                    "{path}: cannot {what} {suffix}; the file name decides the format: end it "
                    "in one of {choices}",
                    path=path,
                    what=t(what),
                    suffix=repr(suffix.lstrip(".")),
                    choices=choices,
                )
            )
        return by_suffix[suffix]
    fmt = fmt.lower()
    if fmt not in allowed:
        raise TerreinenWriteError(
            t("format {fmt}: choose {choices}", fmt=repr(fmt), choices=", ".join(allowed))
        )
    if suffix not in allowed[fmt]:
        named = _SUFFIX_FORMATS.get(suffix)
        said = t("is {named}", named=named) if named else t("has no {fmt} extension", fmt=fmt)
        raise TerreinenWriteError(
            t(
                "{path}: the file name {said}, but the format asked for is {fmt}; name the file "
                "{names}, or leave out fmt=... (CLI: --format)",
                path=path,
                said=said,
                fmt=fmt,
                names=t(" or ").join(f"*{e}" for e in allowed[fmt]),
            )
        )
    return fmt


def refuse_inputs(output: str | Path, inputs: Iterable) -> None:
    """Raise if ``output`` is one of the ``inputs`` (the same file by name, symbolic link or
    hard link) or lies inside an input folder: an output never replaces an input."""
    target = Path(output)
    for source in inputs:
        if not isinstance(source, (str, os.PathLike)) or str(source).startswith(URL_SCHEMES):
            continue  # a DataFrame given in Python, a database: there is no file to protect
        source = Path(source)
        same = target.exists() and source.exists() and os.path.samefile(target, source)
        inside = source.is_dir() and Path(os.path.realpath(target)).is_relative_to(
            os.path.realpath(source)
        )
        if same or inside:
            message = (
                "{target}: the output is the input {source}; terreinen never overwrites its "
                "inputs, so choose another output file"
                if same
                else "{target}: the output lies inside the input {source}; terreinen never "
                "overwrites its inputs, so choose another output file"
            )
            raise TerreinenWriteError(t(message, target=target, source=source))


@contextlib.contextmanager
def inputs_protected() -> Iterator[None]:
    """Within the block, every file an input reader opens (:func:`record_input`: parcels,
    registers, agreements, regions, boundaries, parts) is protected: :func:`atomic_path`
    refuses to write over it, whichever code asks. The command line runs every command
    inside one, so no command has to list its inputs itself."""
    token = _READ.set(set())
    try:
        yield
    finally:
        _READ.reset(token)


def record_input(location: str | os.PathLike) -> None:
    """Note that ``location`` is being read, so that no output of the current
    :func:`inputs_protected` block replaces it (nothing is noted outside such a block)."""
    read = _READ.get()
    if read is not None and not str(location).startswith(URL_SCHEMES):
        read.add(Path(location))


def protected_inputs() -> tuple[Path, ...]:
    """The inputs read so far in the current :func:`inputs_protected` block."""
    return tuple(_READ.get() or ())


@contextlib.contextmanager
def atomic_path(path: str | Path, *, inputs: Iterable = ()) -> Iterator[Path]:
    """A temporary path that replaces ``path`` only when the block succeeds, so that a
    failure (or Ctrl-C) never leaves a half-written file or a temporary one.

    The temporary file lies in a private folder (mode 700, made beside the target as
    ``mkdtemp`` makes one, see :func:`_private_folder`), so nobody else who may write to
    the target's folder can plant a link where terreinen writes; its mode is set through
    an open descriptor (``fchmod``) and only a regular file is renamed into place. A
    symbolic link is written through (its target is replaced, the link stays); an existing
    file keeps its permission bits; a target that is not a regular file (a folder, device
    or FIFO), any of ``inputs`` and any input read within :func:`inputs_protected` are
    refused."""
    target = _target(path, inputs)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
    folder = _private_folder(path, target)
    temporary = folder / target.name
    try:
        yield temporary
        _publish(temporary, target, mode)
    except (OSError, *_GDAL_ERRORS) as exc:
        raise TerreinenWriteError(
            t("{path}: cannot write ({reason})", path=path, reason=_reason(exc, target))
        ) from None
    finally:
        _remove_temporary(folder)


def write_atomically(path: str | Path, data: str | bytes, *, inputs: Iterable = ()) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` as :func:`atomic_path` does, through a
    temporary file that terreinen creates itself (``O_EXCL | O_NOFOLLOW``: never an
    existing file or a link) in the private folder, private (600) until its mode is set
    through a descriptor just before the rename."""
    content = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path, inputs=inputs) as temporary:
        handle = os.open(temporary, _CREATE, 0o600)
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
    return Path(path)


def _target(path: str | Path, inputs: Iterable) -> Path:
    """The file that ``path`` names (through symbolic links), checked: not an input, a
    regular file or nothing yet, in a folder that exists."""
    refuse_inputs(path, [*inputs, *protected_inputs()])
    target = Path(os.path.realpath(path))
    if target.exists() and not stat.S_ISREG(target.stat().st_mode):
        kind = (
            t("a folder") if target.is_dir() else t("not a regular file (a device, FIFO or socket)")
        )
        raise TerreinenWriteError(
            t("{path}: is {kind}; terreinen writes only regular files", path=path, kind=kind)
        )
    if not target.parent.is_dir():
        raise TerreinenWriteError(
            t("{path}: the folder {folder} does not exist", path=path, folder=target.parent)
        )
    return target


def _private_folder(path: str | Path, target: Path) -> Path:
    """A new folder only this user may enter, beside ``target`` (so the final rename stays
    on one file system). ``mkdir`` never follows a link: a name that is taken (by a file,
    a folder or a planted link) is skipped for the next."""
    for name in itertools.islice(_temporary_names(), _ATTEMPTS):
        folder = target.parent / f".{target.stem}-{name}.tmp"
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise TerreinenWriteError(
                t("{path}: cannot write here ({reason})", path=path, reason=exc.strerror)
            ) from None
        _PENDING.add(folder)
        return folder
    raise TerreinenWriteError(
        t(
            "{path}: cannot write here ({reason})",
            path=path,
            reason=t("no free temporary name"),
        )
    )


def _temporary_names() -> Iterator[str]:
    """Random names for temporary folders (tests replace it to plant links at them)."""
    while True:
        yield secrets.token_hex(6)


def _publish(temporary: Path, target: Path, mode: int) -> None:
    """Give the finished temporary file its mode and rename it onto ``target``; only a
    regular file is ever moved into place."""
    odd = OSError(errno.EINVAL, t("the temporary file is not a regular file"))
    try:
        handle = os.open(temporary, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise odd if exc.errno == errno.ELOOP else exc from None
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise odd
        os.fchmod(handle, mode)  # a private file until now; results are readable as open() makes
    finally:
        os.close(handle)
    os.replace(temporary, target)


def remove_temporary_files() -> None:
    """Remove the temporary files of writes that were cut short. The command line calls
    this after Ctrl-C or SIGTERM, when GDAL has let go of its files: a signal that arrives
    while GDAL is writing can pass by the cleanup of :func:`atomic_path`."""
    for folder in list(_PENDING):
        _remove_temporary(folder)


def _remove_temporary(folder: Path) -> None:
    # with GDAL's side files (-journal, -wal): nothing of ours stays behind; rmtree never
    # follows a link out of the folder
    shutil.rmtree(folder, ignore_errors=True)
    _PENDING.discard(folder)


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
        return t("the disk is full; nothing was written")
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def table_to_json(frame: pd.DataFrame) -> str:
    """Records as JSON: dates as ISO text, missing values as null, numbers rounded as
    :func:`figure_decimals` says."""
    return rounded_figures(frame).to_json(
        orient="records", date_format="iso", force_ascii=False, indent=2
    )


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
    return write_atomically(path, table_to_json(frame), inputs=inputs)


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
    tab, line feed and carriage return) become U+FFFD; text longer than a cell holds
    (32,767 characters) is cut with a note at its end that says so.

    >>> xlsx_text("a\x01b") == "a\ufffdb"
    True
    >>> cut = xlsx_text("x" * 40_000)
    >>> len(cut), cut[cut.index(" …") :]
    (32767, ' … [cut: 40000 characters, only the first 32709 are shown]')
    """
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(text) <= _CELL_LIMIT:
        return text
    note = f" … [cut: {len(text)} characters, only the first {{}} are shown]"
    kept = _CELL_LIMIT - len(note.format(_CELL_LIMIT))
    return text[:kept] + note.format(kept)


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
