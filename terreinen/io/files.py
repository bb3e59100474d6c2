"""Reading parcels from the files users have, in any CRS, into the data contract."""

from __future__ import annotations

import codecs
import collections
import copy
import csv
import json
import os
import stat
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from terreinen import schema, settings
from terreinen.errors import TerreinenDataError, TerreinenDataWarning, TerreinenReadError
from terreinen.i18n import t
from terreinen.io import cbs
from terreinen.io.ibis import ibis_to_parcels, is_ibis_table, registration_vocabulary
from terreinen.io.mapping import ColumnMapping, MappingSource
from terreinen.io.write import record_input
from terreinen.report import Finding, ValidationReport
from terreinen.validation.parcels import check_parcels
from terreinen.validation.values import is_blank

__all__ = ["load_parcels", "read_csv", "read_parcels", "read_table", "rename_columns", "validate"]

_PARQUET_SUFFIXES = {".parquet", ".geoparquet"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_WKT_COLUMNS = ("geometry", "wkt", "geom", "the_geom", "geometrie")
_PREFERRED_LAYERS = ("kavels", "parcels")
_TEXT_SUFFIXES = {".geojson", ".json", ".geojsonl", *_CSV_SUFFIXES}


def read_parcels(
    source: str | Path | gpd.GeoDataFrame,
    *,
    layer: str | None = None,
    crs=None,
    gemeente: str | None = None,
    provincie: str | None = None,
    columns: MappingSource | ColumnMapping | None = None,
) -> gpd.GeoDataFrame:
    """Read parcels (kavels) into a GeoDataFrame in EPSG:28992 that follows the data contract
    (docs/data-model.md).

    ``source`` is a GeoDataFrame or a path to GeoJSON, GeoPackage (``layer`` picks one),
    Shapefile (also zipped), GeoParquet (a file or a folder of files) or CSV with a WKT
    geometry column. Column names from IBIS and plain English are renamed, categories
    become ordered categoricals, dates become dates, and ``oppervlakte_ha`` is computed
    in RD New. ``crs`` states the CRS of a file that has none (or a wrong one);
    ``gemeente`` and ``provincie`` fill a file without them (or their blank cells). A
    park-level table (IBIS, a viewer's park export) becomes parcel-like records per park.
    ``columns`` is a column mapping (a JSON file as ``terreinen inspect`` writes it, or a
    dict of the same shape, docs/data-model.md "Column mapping"): the file's columns read
    as the contract's, with their units and values, before anything else.

    Raises :class:`TerreinenDataError` listing every error with row and column; warnings
    are summed up in one :class:`TerreinenDataWarning`.

    >>> from terreinen.datasets import get_path
    >>> parcels = read_parcels(get_path("parcels"))
    >>> parcels.crs.to_epsg(), round(float(parcels["oppervlakte_ha"].sum()))
    (28992, 3105)
    """
    parcels, report = load_parcels(
        source, layer=layer, crs=crs, gemeente=gemeente, provincie=provincie, columns=columns
    )
    if not report.ok:
        raise TerreinenDataError(report)
    if report.warnings:
        first = "; ".join(str(f) for f in report.warnings[:3])
        more = ", ..." if len(report.warnings) > 3 else ""
        warnings.warn(
            t(
                "{summary}: {first}{more} (terreinen.validate() lists them all)",
                summary=report.summary(),
                first=first,
                more=more,
            ),
            TerreinenDataWarning,
            stacklevel=2,
        )
    return parcels


def load_parcels(
    source: str | Path | gpd.GeoDataFrame,
    *,
    layer: str | None = None,
    crs=None,
    gemeente: str | None = None,
    provincie: str | None = None,
    columns: MappingSource | ColumnMapping | None = None,
) -> tuple[gpd.GeoDataFrame | None, ValidationReport]:
    """Like :func:`read_parcels`, but returns ``(parcels, report)`` instead of raising.

    ``parcels`` is None when the report has errors that leave no usable geometry.
    Only a source that cannot be read at all, or a column mapping that does not fit it,
    raises :class:`TerreinenReadError`.

    A file read again unchanged (same size, modification time and inode), with the same
    options and settings, is not read again in the same process (a notebook, a test
    session): its parcels and report are copies of the first reading's. Only files of at
    most ``_CACHED_ROWS`` records are kept, and only the last ``_CACHED_FILES``.
    """
    mapping = None if columns is None else ColumnMapping.of(columns)
    key = _unchanged_file_key(source, layer, crs, gemeente, provincie, mapping)
    if key is not None and key in _READINGS:
        record_input(Path(source))  # the output guard knows it as read, as on a real read
        _READINGS.move_to_end(key)
        kept, kept_report = _READINGS[key]
        return (None if kept is None else kept.copy()), copy.deepcopy(kept_report)
    reading = {"layer": layer, "crs": crs, "gemeente": gemeente, "provincie": provincie}
    parcels, report = _load(source, mapping, **reading)
    if key is not None and report.n_rows <= _CACHED_ROWS:
        _READINGS[key] = (None if parcels is None else parcels.copy(), copy.deepcopy(report))
        while len(_READINGS) > _CACHED_FILES:
            _READINGS.popitem(last=False)
    return parcels, report


_CACHED_FILES = 4
_CACHED_ROWS = 50_000  # larger files are read again: memory before speed
_READINGS: collections.OrderedDict[tuple, tuple[gpd.GeoDataFrame | None, ValidationReport]] = (
    collections.OrderedDict()
)


def _unchanged_file_key(source, *options) -> tuple | None:
    """What identifies one reading of a regular file (None for anything else): the file as
    it is now, the reading's options and every setting the checks read."""
    if not isinstance(source, str | Path):
        return None
    try:
        status = os.stat(source)
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    where = (os.path.realpath(source), status.st_size, status.st_mtime_ns, status.st_ino)
    return (*where, repr(options), repr(sorted(settings.snapshot().items())))


def _load(
    source: str | Path | gpd.GeoDataFrame,
    mapping: ColumnMapping | None,
    *,
    layer: str | None,
    crs,
    gemeente: str | None,
    provincie: str | None,
) -> tuple[gpd.GeoDataFrame | None, ValidationReport]:
    """One reading and check of ``source`` (see :func:`load_parcels`)."""
    frame, label, findings = read_table(source, layer=layer, columns=mapping)
    if is_ibis_table(frame):
        parcels, report = ibis_to_parcels(frame, label, gemeente=gemeente, provincie=provincie)
    else:
        frame, rename_findings = rename_columns(frame)
        findings += rename_findings
        parcels, report = check_parcels(_filled(frame, gemeente, provincie), label, crs=crs)
    report.findings[:0] = findings
    if parcels is not None:  # outlines in another municipality than stated: one spatial join
        report.findings += cbs.municipality_findings(parcels, parks=report.noun == "parks")
    return parcels, report


def _filled(frame: pd.DataFrame, gemeente: str | None, provincie: str | None) -> pd.DataFrame:
    """A parcel table in the registration's vocabulary, its blank (or missing) ``gemeente``
    and ``provincie`` filled with those given."""
    frame = registration_vocabulary(frame)
    for key, value in (("gemeente", gemeente), ("provincie", provincie)):
        if value is not None:
            given = pd.Series(value, index=frame.index, dtype=object)
            frame[key] = frame[key].where(~is_blank(frame[key]), given) if key in frame else given
    return frame


def validate(
    parcels: gpd.GeoDataFrame | str | Path,
    *,
    layer: str | None = None,
    crs=None,
    columns: MappingSource | ColumnMapping | None = None,
) -> ValidationReport:
    """Check parcels against the data contract and return a :class:`ValidationReport`.

    Takes a path (any format :func:`read_parcels` reads, with a column mapping ``columns``
    as it takes one) or a GeoDataFrame and never raises for problems in the data; only a
    file that cannot be read at all (or a mapping that does not fit it) raises
    :class:`TerreinenReadError`.

    >>> from terreinen.datasets import get_path
    >>> report = validate(get_path("parcels"))
    >>> report.ok, report.n_rows, len(report.errors)
    (True, 3360, 0)
    """
    return load_parcels(parcels, layer=layer, crs=crs, columns=columns)[1]


def read_table(
    source: str | Path | gpd.GeoDataFrame,
    *,
    layer: str | None = None,
    columns: ColumnMapping | None = None,
    outlines: bool = True,
) -> tuple[pd.DataFrame, str, list[Finding]]:
    """The raw table of a source, its name for messages, and findings about the reading.

    ``columns`` (a column mapping) is applied to the table as read, so a CSV's WKT column
    may have any name the mapping maps to ``geometry``; with ``outlines`` False a CSV
    without a WKT column is read as a plain table."""
    if isinstance(source, pd.DataFrame):
        label = "<GeoDataFrame>"
        return (source.copy() if columns is None else columns.apply(source, label)), label, []
    path = Path(source)
    label = str(source)
    record_input(path)
    if not path.exists():
        raise TerreinenReadError(label, t("file not found"), t("check the path and the file name"))
    if path.is_file() and path.stat().st_size == 0:
        raise TerreinenReadError(label, t("the file is empty"))
    suffix = path.suffix.lower()
    findings: list[Finding] = []
    if path.is_dir() and (suffix in _TEXT_SUFFIXES or not any(path.iterdir())):
        raise TerreinenReadError(label, t("is a folder, not a file"))
    if suffix in _TEXT_SUFFIXES - _CSV_SUFFIXES:
        _require_utf8(path, label)
    try:
        if suffix in _PARQUET_SUFFIXES or (path.is_dir() and any(path.glob("*.parquet"))):
            frame = gpd.read_parquet(path)
        elif suffix in _CSV_SUFFIXES:
            frame = read_csv(path, label)
            frame = frame if columns is None else columns.apply(frame, label)
            return _with_wkt_geometry(frame, label, required=outlines), label, findings
        else:
            if suffix not in _TEXT_SUFFIXES:  # text files have one layer
                layer = _pick_layer(path, label, layer, findings)
            frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=True)
    except TerreinenReadError:
        raise
    except Exception as exc:  # GDAL, Arrow and JSON errors: say what was wrong in plain words
        raise TerreinenReadError(label, _explain_read_error(path, exc)) from None
    return (frame if columns is None else columns.apply(frame, label)), label, findings


def _pick_layer(path: Path, label: str, layer: str | None, findings: list[Finding]) -> str | None:
    """The layer to read: the one asked for, the only one, or the one named kavels/parcels.
    Anything else is an error that lists the layers, so no layer is silently skipped."""
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception:  # the read itself will explain why the file is unreadable
        return layer
    listed = ", ".join(repr(name) for name in layers)
    if layer is not None:
        if layer not in layers:
            raise TerreinenReadError(
                label,
                t("the file has no layer {layer}", layer=repr(layer)),
                t("its layers are {listed}", listed=listed),
            )
        return layer
    if len(layers) <= 1:
        return None
    preferred = [name for name in layers if name.lower() in _PREFERRED_LAYERS]
    if len(preferred) == 1:
        findings.append(
            Finding(
                "warning",
                t(
                    "the file has layers {listed}; read {layer}",
                    listed=listed,
                    layer=repr(preferred[0]),
                ),
                suggestion=t("choose another with layer=... (CLI: --layer NAME)"),
            )
        )
        return preferred[0]
    raise TerreinenReadError(
        label,
        t(
            "the file has {n} layers ({listed}) and none is named 'kavels' or 'parcels'",
            n=len(layers),
            listed=listed,
        ),
        t("choose one with layer=... (CLI: --layer NAME)"),
    )


def read_csv(path: Path, label: str) -> pd.DataFrame:
    """A CSV file as text columns, its separator (comma, semicolon, tab) told from the file.

    Blank cells are missing values; nothing else is read as missing (``NA`` is text)."""
    record_input(path)
    _require_utf8(path, label)
    with path.open(encoding="utf-8-sig") as handle:
        header = handle.readline()
    # the separator from the header line alone: guessing from the data (csv.Sniffer) lets
    # a value full of quotes and braces pick a separator of its own
    sep = "\t" if path.suffix.lower() == ".tsv" else max((",", ";", "\t"), key=header.count)
    try:
        return pd.read_csv(
            path,
            dtype=str,
            sep=sep,
            engine="python",
            encoding="utf-8-sig",
            keep_default_na=False,
            na_values=[""],
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise TerreinenReadError(
            label, t("the file is not a readable CSV table: {exc}", exc=exc)
        ) from None


def _with_wkt_geometry(frame: pd.DataFrame, label: str, *, required: bool) -> pd.DataFrame:
    by_name = {schema.normalise_name(c): c for c in frame.columns}
    column = next((by_name[c] for c in _WKT_COLUMNS if c in by_name), None)
    if column is None and (is_ibis_table(frame) or not required):  # park figures, no outlines
        return frame
    if column is None:
        raise TerreinenReadError(
            label,
            t("the CSV file has no geometry column"),
            t(
                "add the outline as WKT text in a column named one of {names}",
                names=", ".join(_WKT_COLUMNS),
            ),
        )
    text = frame.pop(column).astype(object)  # an empty column is read as floats
    if text.isna().all() and is_ibis_table(frame):  # park figures, outline column empty
        return frame
    geoms = shapely.from_wkt(text, on_invalid="ignore")
    unreadable = text.notna() & text.astype(str).str.strip().ne("") & pd.isna(geoms)
    if unreadable.any():
        rows = ", ".join(str(r + 1) for r in unreadable.to_numpy().nonzero()[0][:10])
        raise TerreinenReadError(
            label,
            t(
                "column {column} holds text that is not WKT geometry in rows {rows}",
                column=repr(column),
                rows=rows,
            ),
            t("write outlines as WKT, e.g. POLYGON ((x1 y1, x2 y2, ...))"),
        )
    return gpd.GeoDataFrame(frame, geometry=geoms)


def _require_utf8(path: Path, label: str) -> None:
    """GeoJSON and CSV must be UTF-8; GDAL and Arrow fail late and obscurely otherwise."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 24):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise TerreinenReadError(
            label,
            t("the file is not UTF-8 text: {where}", where=_first_bad_line(path)),
            t("save it as UTF-8"),
        ) from None


def _first_bad_line(path: Path) -> str:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                byte = line[exc.start]
                return t(
                    "line {number} has the byte {byte} at character {character}",
                    number=number,
                    byte=f"0x{byte:02x}",
                    character=exc.start + 1,
                )
    return t("an invalid byte")


def _explain_read_error(path: Path, exc: Exception) -> str:
    if path.suffix.lower() in {".geojson", ".json"} and path.is_file():
        try:
            with path.open(encoding="utf-8") as handle:
                json.load(handle)
        except json.JSONDecodeError as err:
            return t(
                "the file is not valid JSON (is it cut off?): {msg} at line {line}, "
                "character {character}",
                msg=err.msg,
                line=err.lineno,
                character=err.colno,
            )
        except RecursionError:  # Python's own parser gives up where GDAL did
            return t("the JSON is nested deeper than any parcels file (a hostile or broken file)")
        except (UnicodeDecodeError, OSError):
            pass
    if "not recognized as" in str(exc) or "not recognised as" in str(exc):
        return t(
            "the file is not in a format terreinen reads "
            "(GeoJSON, GeoPackage, Shapefile, GeoParquet, CSV)"
        )
    return t("the file cannot be read: {exc}", exc=exc)


def rename_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Finding]]:
    """Rename IBIS-style and English column names to the contract's names."""
    lookup = schema.alias_lookup()
    lookup.update(dict.fromkeys(schema.AREA_M2_ALIASES, "opgegeven_m2"))
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    renames: dict[str, str] = {}
    taken: dict[str, str] = {}
    findings = []
    # a column already named as in the contract wins over an alias of the same column
    columns = sorted((c for c in frame.columns if c != geometry), key=lambda c: lookup.get(c) != c)
    for column in columns:
        canonical = lookup.get(schema.normalise_name(column))
        if canonical is None:
            continue
        if canonical in taken:
            findings.append(
                Finding(
                    "warning",
                    t(
                        "columns {used} and {column} both mean {canonical}; used {used}",
                        used=repr(taken[canonical]),
                        column=repr(column),
                        canonical=repr(canonical),
                    ),
                    column=str(column),
                )
            )
            continue
        taken[canonical] = column
        if column != canonical:
            renames[column] = canonical
    frame = frame.rename(columns=renames)
    if (
        isinstance(frame, gpd.GeoDataFrame)
        and geometry != "geometry"
        and "geometry" not in frame.columns
    ):
        frame = frame.rename_geometry("geometry")
    return frame, findings
