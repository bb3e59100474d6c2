"""Validation of parcels against the data contract: findings, the report, and the checks.

The checks also bring the values into the contract's types (categories, dates, numbers):
what cannot be brought there is a finding. Errors make a record unusable; warnings mark
records that are used as they are (or as repaired) but deserve a look.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import schema, settings

Severity = Literal["error", "warning"]
_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
_MAX_LISTED = 20  # findings of one kind printed before "... and N more"


@dataclass(frozen=True)
class Finding:
    """One problem in the input: where it is, what is wrong, and what to do about it."""

    severity: Severity
    message: str
    row: int | None = None  # 1-based record number in the source (first parcel = 1)
    kavel_id: str | None = None
    column: str | None = None
    suggestion: str | None = None
    source: str | None = None  # the file or part, where a report covers several

    def __str__(self) -> str:
        where = [self.source] if self.source else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.kavel_id:
            where.append(f"kavel_id {self.kavel_id!r}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = f"{self.severity}: {', '.join(where) + ': ' if where else ''}{self.message}"
        return f"{text} ({self.suggestion})" if self.suggestion else text


@dataclass
class ValidationReport:
    """All findings for one source; ``ok`` when there are no errors."""

    source: str
    n_rows: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """The findings as a table: severity, row, kavel_id, column, message, suggestion."""
        columns = ["severity", "row", "kavel_id", "column", "message", "suggestion"]
        return pd.DataFrame([asdict(f) for f in self.findings], columns=columns)

    def summary(self) -> str:
        return (
            f"{self.source}: {self.n_rows:,} parcels, {len(self.errors)} errors, "
            f"{len(self.warnings)} warnings"
        )

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  {f}" for f in self.findings)])


class TerreinenError(Exception):
    """Base class of terreinen's own errors."""


class TerreinenDataError(TerreinenError, ValueError):
    """The input has errors; ``report`` lists every one with its row and column."""

    def __init__(self, report: ValidationReport):
        self.report = report
        lines = [str(f) for f in report.errors[:_MAX_LISTED]]
        if len(report.errors) > _MAX_LISTED:
            lines.append(f"... and {len(report.errors) - _MAX_LISTED} more errors")
        super().__init__(f"{report.summary()}\n" + "\n".join(lines))


class TerreinenReadError(TerreinenDataError):
    """The input cannot be read at all (missing, empty, truncated, wrong encoding, ...)."""

    def __init__(self, source: str, message: str, suggestion: str | None = None):
        self.report = ValidationReport(
            source, findings=[Finding("error", message, suggestion=suggestion)]
        )
        hint = f" ({suggestion})" if suggestion else ""
        Exception.__init__(self, f"{source}: {message}{hint}")


class TerreinenConflictError(TerreinenError):
    """An edit was refused: the parcel changed since the version the editor started from."""


def validate(parcels: gpd.GeoDataFrame | str, *, layer: str | None = None, crs=None):
    """Check parcels against the data contract and return a :class:`ValidationReport`.

    Takes a path (any format :func:`terreinen.read_parcels` reads) or a GeoDataFrame and
    never raises for problems in the data; only a file that cannot be read at all raises
    :class:`TerreinenReadError`.

    >>> report = validate("data/parcels.geojson")  # doctest: +SKIP
    >>> report.ok, len(report.warnings)  # doctest: +SKIP
    (True, 0)
    """
    from terreinen.loading import load_parcels

    return load_parcels(parcels, layer=layer, crs=crs)[1]


class _Checker:
    """Collects findings while the columns of one frame are checked and converted."""

    def __init__(self, frame: pd.DataFrame, source: str):
        self.frame = frame
        self.report = ValidationReport(source, n_rows=len(frame))
        ids = frame["kavel_id"] if "kavel_id" in frame else pd.Series(None, index=frame.index)
        self.ids = ids.where(ids.notna(), None).astype(object).to_numpy()

    def add(self, severity: Severity, message: str, column: str | None = None, **kw) -> None:
        self.report.findings.append(Finding(severity, message, column=column, **kw))

    def flag(
        self,
        mask: Iterable[bool],
        severity: Severity,
        column: str | None,
        message,
        suggestion=None,
    ) -> None:
        """One finding per flagged row; ``message``/``suggestion`` may be functions of the row."""
        for pos in np.flatnonzero(np.asarray(mask, dtype=bool)):
            kavel_id = self.ids[pos]
            self.report.findings.append(
                Finding(
                    severity,
                    message(pos) if callable(message) else message,
                    row=int(pos) + 1,
                    kavel_id=None if kavel_id is None else str(kavel_id),
                    column=column,
                    suggestion=suggestion(pos) if callable(suggestion) else suggestion,
                )
            )


def _is_blank(values: pd.Series) -> np.ndarray:
    return _as_text(values).isna().to_numpy()


def _as_text(values: pd.Series) -> pd.Series:
    """Text column (pandas ``str``) with numbers written as whole numbers (1.0 -> "1") and
    blanks as missing."""
    if values.dtype == "str":
        text = values.str.strip()
    else:  # each distinct value is converted once: columns repeat few values, except ids
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
        texts = np.array([*map(_text_of, distinct), None], dtype=object)  # code -1: missing
        text = pd.Series(texts[codes], index=values.index, dtype="str")
    return text.mask(text.eq(""))


def _text_of(value) -> str | None:
    if isinstance(value, float):
        if np.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def _canonical_milieucategorie(text: str) -> str:
    match = re.fullmatch(r"(?:(?:max_?)?(?:milieu)?cat(?:egorie)?\.?_?)?(\d)(?:\.(\d))?", text)
    return ".".join(g for g in match.groups() if g) if match else text


def _canonical_value(column: str, raw: str) -> str:
    text = schema.normalise_value(raw)
    if column == "milieucategorie":
        text = _canonical_milieucategorie(text)
    return schema.VALUE_SYNONYMS.get(column, {}).get(text, text)


def _suggest(column: str, raw: str) -> str | None:
    text = _canonical_value(column, raw)
    if column == "milieucategorie" and text in {"3", "4", "5"}:
        subs = [c for c in schema.MILIEUCATEGORIEEN if c.startswith(text + ".")]
        return f"IBIS records only the main number; write one of {', '.join(subs)}"
    allowed = schema.CATEGORY_VALUES[column]
    candidates = [*allowed, *schema.VALUE_SYNONYMS.get(column, {})]
    match = difflib.get_close_matches(text, candidates, n=1, cutoff=0.6)
    if not match:
        return f"allowed values: {', '.join(allowed)}"
    best = schema.VALUE_SYNONYMS.get(column, {}).get(match[0], match[0])
    return f"did you mean {best!r}?"


def _check_category(chk: _Checker, column: str, *, open_ended: bool = False) -> pd.Series:
    """Values in their canonical spelling; respellings are warnings, unknown values errors."""
    raw = _as_text(chk.frame[column])
    allowed = set(schema.CATEGORY_VALUES[column])
    mapping: dict[str, str | None] = {}
    for value in raw.dropna().unique():
        canonical = _canonical_value(column, value)
        if canonical in allowed or (open_ended and re.fullmatch(r"[a-z0-9_]+", canonical)):
            mapping[value] = canonical
        else:
            mapping[value] = None
    converted = raw.map(mapping, na_action="ignore")
    unknown = raw.notna() & converted.isna()
    values = raw.to_numpy()
    chk.flag(
        unknown,
        "error",
        column,
        lambda pos: f"unknown value {values[pos]!r}",
        lambda pos: _suggest(column, values[pos]),
    )
    respelled = raw.notna() & converted.notna() & (raw != converted)
    for original in raw[respelled].unique():
        rows = np.flatnonzero((raw == original).to_numpy()) + 1
        chk.add(
            "warning",
            f"{_count(len(rows), 'value')} written as {original!r} read as {mapping[original]!r} "
            f"(rows {_row_list(rows)})",
            column,
        )
    return converted


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _row_list(rows: np.ndarray) -> str:
    shown = ", ".join(str(r) for r in rows[:10])
    return shown + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")


def _parse_dates(values: pd.Series) -> pd.Series:
    """Dates from ISO text, Dutch day-month-year text or datetime values; NaT where unreadable."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if values.dt.tz is not None else values
        return parsed.dt.normalize().astype("datetime64[ns]")
    text = _as_text(values)
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
        todo = parsed.isna() & text.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], errors="coerce", format=fmt)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.dt.normalize().astype("datetime64[ns]")


def _parse_numbers(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = _as_text(values).str.replace(r"\s", "", regex=True)
    # Dutch notation: "1.250,50" means 1250.50
    dutch = text.str.contains(",", na=False)
    text = text.where(~dutch, text.str.replace(".", "", regex=False).str.replace(",", "."))
    return pd.to_numeric(text, errors="coerce")


def _check_dates(chk: _Checker, column: str, *, future_ok: bool = False) -> pd.Series:
    raw = chk.frame[column]
    parsed = _parse_dates(raw)
    bad = parsed.isna().to_numpy() & ~_is_blank(raw)
    values = raw.to_numpy()
    chk.flag(
        bad,
        "error",
        column,
        lambda pos: f"{values[pos]!r} is not a date",
        "write dates as YYYY-MM-DD (or DD-MM-YYYY)",
    )
    future = (parsed > pd.Timestamp(dt.date.today())).to_numpy() & (not future_ok)
    chk.flag(
        future,
        "warning",
        column,
        lambda pos: f"date {parsed.iloc[pos].date()} lies in the future",
    )
    return parsed


def _check_numbers(chk: _Checker, column: str) -> pd.Series:
    raw = chk.frame[column]
    parsed = _parse_numbers(raw)
    values = raw.to_numpy()
    chk.flag(
        parsed.isna().to_numpy() & ~_is_blank(raw),
        "error",
        column,
        lambda pos: f"{values[pos]!r} is not a number",
    )
    chk.flag((parsed < 0).to_numpy(), "error", column, "must not be negative")
    return parsed


def _check_text(chk: _Checker, column: str) -> pd.Series:
    text = _as_text(chk.frame[column])
    if column in schema.REQUIRED_COLUMNS:
        chk.flag(text.isna().to_numpy(), "error", column, "value is missing")
    return text


def _check_ids(chk: _Checker, ids: pd.Series) -> None:
    dup = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    if not dup.any():
        return
    first_row = pd.Series(np.arange(1, len(ids) + 1)).groupby(ids.to_numpy()).transform("min")
    chk.flag(
        dup,
        "error",
        "kavel_id",
        lambda pos: f"duplicate kavel_id, first used in row {first_row.iloc[pos]}",
        "give every parcel its own id",
    )


def _resolve_crs(chk: _Checker, geoms: gpd.GeoSeries, crs) -> gpd.GeoSeries | None:
    """The geometries with their CRS set: given, from the file, or told by the coordinates."""
    if crs is not None:
        return geoms.set_crs(crs, allow_override=True)
    if geoms.crs is not None and not geoms.crs.is_geographic:
        return geoms
    bounds = shapely.bounds(geoms.to_numpy())
    bounds = bounds[~np.isnan(bounds[:, 0])]
    if len(bounds) == 0:
        return geoms if geoms.crs is not None else geoms.set_crs(settings.rd_crs)
    xy = (bounds[:, :2] + bounds[:, 2:]) / 2  # centres of the bounding boxes

    def share_inside(bounds) -> float:
        xmin, ymin, xmax, ymax = bounds
        inside = (xy[:, 0] >= xmin) & (xy[:, 0] <= xmax) & (xy[:, 1] >= ymin) & (xy[:, 1] <= ymax)
        return inside.mean()

    looks_rd = share_inside(settings.netherlands_rd_bounds) >= 0.9
    looks_lonlat = share_inside(settings.netherlands_lonlat_bounds) >= 0.9
    if geoms.crs is not None:
        if geoms.crs.is_geographic and looks_rd:
            # GDAL reads GeoJSON without a "crs" member as WGS84, whatever the numbers are
            chk.add(
                "warning",
                f"the file says {geoms.crs.to_string()}, but the coordinates are RD New metres; "
                f"read as {settings.rd_crs}",
                "geometry",
                suggestion="add the CRS to the file or pass crs='EPSG:28992'",
            )
            return geoms.set_crs(settings.rd_crs, allow_override=True)
        return geoms
    if looks_rd or looks_lonlat:
        guess = settings.rd_crs if looks_rd else settings.web_crs
        name = "RD New metres" if looks_rd else "WGS84 degrees"
        chk.add(
            "warning",
            f"the file has no coordinate system; the coordinates look like {name}, read as {guess}",
            "geometry",
            suggestion=f"add the CRS to the file or pass crs='{guess}'",
        )
        return geoms.set_crs(guess)
    chk.add(
        "error",
        "the file has no coordinate system and the coordinates are neither RD New metres nor "
        "WGS84 degrees in the Netherlands",
        "geometry",
        suggestion="pass the CRS explicitly, e.g. crs='EPSG:28992' (CLI: --crs EPSG:28992)",
    )
    return None


def _check_geometry(chk: _Checker, geoms: gpd.GeoSeries) -> np.ndarray:
    """Polygonal, valid (repaired if needed) geometries; None where unusable."""
    values = geoms.to_numpy().copy()
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    chk.flag(missing, "error", "geometry", "geometry is missing or empty")
    type_ids = shapely.get_type_id(values)
    wrong_type = ~missing & ~np.isin(type_ids, _POLYGONAL)
    chk.flag(
        wrong_type,
        "error",
        "geometry",
        lambda pos: f"geometry is a {values[pos].geom_type}, not a polygon",
        "a parcel must be a Polygon or MultiPolygon",
    )
    values[missing | wrong_type] = None
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
            lambda pos: f"invalid geometry ({reason_of[pos]}) repaired with make_valid",
            "check the parcel's outline",
        )
        chk.flag(
            bad_after,
            "error",
            "geometry",
            lambda pos: f"invalid geometry ({reason_of[pos]}) that cannot be repaired",
        )
    return values


def _check_inside_netherlands(chk: _Checker, geoms: np.ndarray) -> None:
    bounds = shapely.bounds(geoms)
    xmin, ymin, xmax, ymax = settings.netherlands_rd_bounds
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
        lambda pos: (
            "parcel lies outside the Netherlands "
            f"(RD x {bounds[pos, 0]:,.0f}, y {bounds[pos, 1]:,.0f})"
        ),
        "check the coordinates and the coordinate system of the file",
    )


def _check_overlaps(chk: _Checker, geoms: np.ndarray, areas_m2: np.ndarray) -> None:
    left, right = _overlap_candidates(geoms)
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    smaller = np.minimum(areas_m2[left], areas_m2[right])
    overlap = shared > settings.overlap_tolerance * smaller
    other_of = dict(zip(right[overlap], left[overlap], strict=True))
    shared_of = dict(zip(right[overlap], shared[overlap] / smaller[overlap], strict=True))
    mask = np.zeros(len(geoms), bool)
    mask[right[overlap]] = True
    chk.flag(
        mask,
        "warning",
        "geometry",
        lambda pos: (
            f"overlaps kavel_id {chk.ids[other_of[pos]]!r} (row {other_of[pos] + 1}) by "
            f"{shared_of[pos]:.0%} of the smaller parcel"
        ),
        "parcels should not overlap: their area is counted twice",
    )


def _overlap_candidates(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of parcels whose overlap may be more than rounding.

    Neighbours share edges, and rounding in the coordinates (of a reprojection, or of a
    GeoJSON file's decimals) makes shared edges cross by a hair. Querying with parcels
    shrunk by ``settings.overlap_depth`` leaves only real overlaps to measure, much cheaper
    than intersecting every pair of neighbours."""
    index = np.flatnonzero(~shapely.is_missing(geoms))
    tree = shapely.STRtree(geoms[index])

    def pairs_of(part: np.ndarray) -> np.ndarray:
        shrunk = shapely.buffer(geoms[index[part]], -settings.overlap_depth, join_style="mitre")
        left, right = tree.query(shrunk, predicate="intersects")
        return np.column_stack([part[left], right])

    pairs = _in_threads(pairs_of, np.arange(len(index)))
    pairs = np.unique(np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1), axis=0)
    return index[pairs[:, 0]], index[pairs[:, 1]]


def _in_threads(func, values: np.ndarray) -> np.ndarray:
    """``func`` on parts of ``values`` in ``settings.threads`` threads, results joined: for
    shapely and pyproj work, which runs without Python's lock."""
    parts = np.array_split(values, settings.threads)
    with ThreadPoolExecutor(settings.threads) as pool:
        return np.concatenate(list(pool.map(func, parts)))


def _check_area(chk: _Checker, stated: pd.Series, area_ha: np.ndarray) -> None:
    ratio = stated.to_numpy() / area_ha
    off = np.abs(ratio - 1) > settings.area_tolerance
    chk.flag(
        off & np.isfinite(ratio),
        "warning",
        "opgegeven_ha",
        lambda pos: (
            f"stated area {stated.iloc[pos]:,.4g} ha differs "
            f"{ratio[pos] - 1:+.0%} from the geometry's {area_ha[pos]:,.4g} ha"
        ),
        lambda pos: (
            "the stated area looks like m², not ha"
            if 5_000 < ratio[pos] < 20_000
            else "the geometry's area is used"
        ),
    )


def check_parcels(
    frame: pd.DataFrame, source: str, crs=None
) -> tuple[gpd.GeoDataFrame | None, ValidationReport]:
    """Check a frame with DATA_MODEL column names; return it in contract types and the report.

    The frame is None when the geometries cannot be placed (no geometry, unknown CRS).
    """
    # GEOS releases the GIL: the geometry checks run beside the attribute checks
    with ThreadPoolExecutor(1) as pool:
        geometry_checks = pool.submit(_check_geometries, frame, source, crs)
        chk, out = _check_attributes(frame, source)
        values, geometry_findings, overlap_findings = geometry_checks.result()
    chk.report.findings += geometry_findings
    if values is None:
        return None, chk.report
    area_ha = shapely.area(values) / 10_000
    if "opgegeven_ha" in out:
        _check_area(chk, out["opgegeven_ha"], area_ha)
    chk.report.findings += overlap_findings
    return _assemble(frame, out, values, area_ha), chk.report


def _check_attributes(frame: pd.DataFrame, source: str) -> tuple[_Checker, dict[str, pd.Series]]:
    """Every column but the geometry: the findings and the columns in contract types."""
    chk = _Checker(frame, source)
    missing = [c for c in schema.REQUIRED_COLUMNS if c not in frame]
    for column in missing:
        close = difflib.get_close_matches(column, [str(c) for c in frame.columns], n=1)
        chk.add(
            "error",
            f"required column {column!r} is missing",
            column,
            suggestion=f"is {close[0]!r} meant?" if close else "see DATA_MODEL.md for the columns",
        )
    if len(frame) == 0:
        chk.add("error", "the file contains no parcels")
    out: dict[str, pd.Series] = {}
    for column in schema.TEXT_COLUMNS:
        if column in frame:
            out[column] = _check_text(chk, column)
    if "kavel_id" in out:
        _check_ids(chk, out["kavel_id"])
    for column in ("status", "planfase", "milieucategorie", "segment", "eigenaar"):
        if column in frame:
            values = _check_category(chk, column, open_ended=column == "segment")
            if column in schema.REQUIRED_COLUMNS:
                chk.flag(_is_blank(frame[column]), "error", column, "value is missing")
            out[column] = values
    for column in schema.DATE_COLUMNS:
        if column in frame:
            out[column] = _check_dates(chk, column)
    for column in ("prijs_m2", "opgegeven_ha", "opgegeven_m2"):
        if column in frame:
            out[column] = _check_numbers(chk, column)
    if "opgegeven_m2" in out and "opgegeven_ha" not in out:
        out["opgegeven_ha"] = out.pop("opgegeven_m2") / 10_000

    if "status" in out:
        sold = (out["status"] == "uitgegeven").to_numpy()
        no_date = out["uitgiftedatum"].isna().to_numpy() if "uitgiftedatum" in out else True
        chk.flag(
            sold & no_date,
            "warning",
            "uitgiftedatum",
            "parcel is uitgegeven but has no uitgiftedatum",
            "without a date the sale is left out of take-up and counts as sold on any as-of date",
        )
        if "planfase" in out:
            soft = out["planfase"].isin([str(p) for p in schema.SOFT_PHASES]).to_numpy()
            chk.flag(
                soft & (out["status"] == "terstond_uitgeefbaar").to_numpy(),
                "warning",
                "status",
                lambda pos: (
                    f"status terstond_uitgeefbaar with soft plan phase {out['planfase'].iloc[pos]}"
                ),
                "land in a plan that is not yet adopted cannot be issued at once",
            )

    return chk, out


def _check_geometries(
    frame: pd.DataFrame, source: str, crs
) -> tuple[np.ndarray | None, list[Finding], list[Finding]]:
    """Usable geometries in RD New (None if they cannot be placed), the findings about them
    and, apart, the overlap findings (reported last)."""
    chk = _Checker(frame, source)
    geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
    if geometry is None:
        chk.add("error", "the file has no geometry", "geometry")
        return None, chk.report.findings, []
    geoms = _resolve_crs(chk, geometry, crs)
    if geoms is None:
        return None, chk.report.findings, []
    values = _check_geometry(chk, geoms)
    if not geoms.crs.equals(settings.rd_crs):
        values = _in_threads(
            lambda part: gpd.GeoSeries(part, crs=geoms.crs).to_crs(settings.rd_crs).to_numpy(),
            values,
        )
    _check_inside_netherlands(chk, values)
    overlaps = _Checker(frame, source)
    _check_overlaps(overlaps, values, shapely.area(values))
    return values, chk.report.findings, overlaps.report.findings


def _assemble(
    frame: pd.DataFrame, out: dict[str, pd.Series], geoms: np.ndarray, area_ha: np.ndarray
) -> gpd.GeoDataFrame:
    """The checked columns in contract types and order, other columns kept as they were."""
    columns: dict[str, object] = {}
    for column in (*schema.REQUIRED_COLUMNS, *schema.OPTIONAL_COLUMNS):
        if column not in out:
            continue
        values = out[column]
        if column == "planfase":
            values = pd.to_numeric(values).astype("Int8")
        elif column in ("status", "milieucategorie", "eigenaar"):
            values = pd.Categorical(
                values,
                categories=schema.CATEGORY_VALUES[column],
                ordered=column == "milieucategorie",
            )
        elif column == "segment":
            extra = sorted(set(values.dropna().unique()) - set(schema.SEGMENTS))
            values = pd.Categorical(values, categories=[*schema.SEGMENTS, *extra])
        columns[column] = values
    extra_columns = [c for c in frame.columns if c not in out and c != frame.geometry.name]
    for column in extra_columns:
        columns[column] = frame[column]
    columns["oppervlakte_ha"] = area_ha
    result = gpd.GeoDataFrame(columns, index=frame.index, geometry=geoms, crs=settings.rd_crs)
    return result.reset_index(drop=True)


def check_table(
    frame: pd.DataFrame,
    source: str,
    *,
    required: tuple[str, ...],
    categories: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, ValidationReport]:
    """Check a plain table (agreements, regions) as parcels are checked: required columns
    and values, categories, dates (future ones allowed) and numbers."""
    chk = _Checker(frame, source)
    out = frame.copy()
    for column in required:
        if column not in frame:
            chk.add("error", f"required column {column!r} is missing", column)
    for column in frame.columns:
        if column in categories:
            values = _check_category(chk, column, open_ended=column == "segment")
        elif column in dates:
            values = _check_dates(chk, column, future_ok=True)
        elif column in numbers:
            values = _check_numbers(chk, column)
        else:
            values = _as_text(frame[column])
        if column in required:
            chk.flag(_is_blank(frame[column]), "error", column, "value is missing")
        out[column] = values
    return out, chk.report
