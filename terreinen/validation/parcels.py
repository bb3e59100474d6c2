"""Validation against the data contract (docs/data-model.md): parcels and plain tables.

The checks also bring the values into the contract's types (categories, dates, numbers):
what cannot be brought there is a finding. Errors make a record unusable; warnings mark
records that are used as they are (or as repaired) but deserve a look.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import schema, settings
from terreinen.errors import DATA_MODEL_HINT
from terreinen.i18n import t
from terreinen.report import Finding, ValidationReport
from terreinen.validation.columns import (
    Checker,
    check_category,
    check_dates,
    check_numbers,
    check_text,
    check_unique,
)
from terreinen.validation.geometry import (
    check_geometry,
    check_inside_netherlands,
    check_overlaps,
    resolve_crs,
    to_rd,
)
from terreinen.validation.values import NUL_REMOVED, as_text, closest, is_blank, without_nul

__all__ = ["check_parcels", "check_table"]

_CATEGORY_COLUMNS = ("status", "planfase", "milieucategorie", "segment", "eigenaar")
_NUMBER_COLUMNS = ("prijs_m2", "opgegeven_ha", "opgegeven_m2")


def check_parcels(
    frame: pd.DataFrame, source: str, crs=None
) -> tuple[gpd.GeoDataFrame | None, ValidationReport]:
    """Check a frame with the contract's column names; return it in contract types and the
    report. The frame is None when the geometries cannot be placed (no geometry, unknown CRS).
    """
    frame, with_nul = without_nul(frame)
    # GEOS releases the GIL: the geometry checks run beside the attribute checks
    with ThreadPoolExecutor(1) as pool:
        geometry_checks = pool.submit(_check_geometries, frame, source, crs)
        chk, out = _check_attributes(frame, source)
        values, geometry_findings, overlap_findings = geometry_checks.result()
    for column, rows in with_nul.items():
        chk.flag(rows, "warning", column, t(NUL_REMOVED))
    chk.report.findings += geometry_findings
    if values is None:
        return None, chk.report
    area_ha = shapely.area(values) / 10_000
    if "opgegeven_ha" in out:
        _check_area(chk, out["opgegeven_ha"], area_ha)
    chk.report.findings += overlap_findings
    return _assemble(frame, out, values, area_ha), chk.report


def _missing_columns(chk: Checker, frame: pd.DataFrame, required) -> None:
    for column in required:
        if column in frame:
            continue
        chk.add(
            "error",
            t("required column {column} is missing", column=repr(column)),
            column,
            suggestion=closest(column, frame.columns, "column", otherwise=t(DATA_MODEL_HINT)),
        )


def _check_attributes(frame: pd.DataFrame, source: str) -> tuple[Checker, dict[str, pd.Series]]:
    """Every column but the geometry: the findings and the columns in contract types."""
    chk = Checker(frame, source)
    _missing_columns(chk, frame, schema.REQUIRED_COLUMNS)
    if len(frame) == 0:
        chk.add("error", t("the file contains no parcels"))
    out: dict[str, pd.Series] = {}
    for column in schema.TEXT_COLUMNS:
        if column in frame:
            out[column] = check_text(chk, column, required=column in schema.REQUIRED_COLUMNS)
    if "kavel_id" in out:
        check_unique(chk, out["kavel_id"], "kavel_id", "parcel")
    for column in _CATEGORY_COLUMNS:
        if column in frame:
            values = check_category(chk, column, open_ended=column == "segment")
            if column in schema.REQUIRED_COLUMNS:
                chk.flag(is_blank(frame[column]), "error", column, t("value is missing"))
            out[column] = values
    for column in schema.DATE_COLUMNS:
        if column in frame:
            out[column] = check_dates(chk, column)
    for column in _NUMBER_COLUMNS:
        if column in frame:
            out[column] = check_numbers(chk, column)
    if "opgegeven_m2" in out and "opgegeven_ha" not in out:
        out["opgegeven_ha"] = out.pop("opgegeven_m2") / 10_000
    if "status" in out:
        _check_status(chk, out)
    return chk, out


def _check_status(chk: Checker, out: dict[str, pd.Series]) -> None:
    sold = (out["status"] == "uitgegeven").to_numpy()
    no_date = out["uitgiftedatum"].isna().to_numpy() if "uitgiftedatum" in out else True
    chk.flag(
        sold & no_date,
        "warning",
        "uitgiftedatum",
        t("parcel is uitgegeven but has no uitgiftedatum"),
        t("without a date the sale is left out of take-up and counts as sold on any as-of date"),
    )
    if "planfase" in out:
        soft = out["planfase"].isin([str(p) for p in schema.SOFT_PHASES]).to_numpy()
        chk.flag(
            soft & (out["status"] == "terstond_uitgeefbaar").to_numpy(),
            "warning",
            "status",
            lambda pos: t(
                "status terstond_uitgeefbaar in soft plan phase {phase}",
                phase=out["planfase"].iloc[pos],
            ),
            t("land in a plan that is not yet adopted cannot be issued at once"),
        )


def _check_geometries(
    frame: pd.DataFrame, source: str, crs
) -> tuple[np.ndarray | None, list[Finding], list[Finding]]:
    """Usable geometries in RD New (None if they cannot be placed), the findings about them
    and, apart, the overlap findings (reported last)."""
    chk = Checker(frame, source)
    geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
    if geometry is None:
        chk.add("error", t("the file has no geometry"), "geometry")
        return None, chk.report.findings, []
    geoms = resolve_crs(chk, geometry, crs)
    if geoms is None:
        return None, chk.report.findings, []
    values = to_rd(check_geometry(chk, geoms), geoms.crs)
    check_inside_netherlands(chk, values)
    overlaps = Checker(frame, source)
    check_overlaps(overlaps, values)
    return values, chk.report.findings, overlaps.report.findings


def _check_area(chk: Checker, stated: pd.Series, area_ha: np.ndarray) -> None:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = stated.to_numpy() / area_ha
    off = np.abs(ratio - 1) > settings.area_tolerance
    chk.flag(
        off & np.isfinite(ratio),
        "warning",
        "opgegeven_ha",
        lambda pos: t(
            "stated area {stated} ha differs {share} from the geometry's {area} ha",
            stated=f"{stated.iloc[pos]:,.4g}",
            share=f"{ratio[pos] - 1:+.0%}",
            area=f"{area_ha[pos]:,.4g}",
        ),
        lambda pos: (
            t("the stated area looks like m², not ha")
            if 5_000 < ratio[pos] < 20_000
            else t("the geometry's area is used")
        ),
    )


def _assemble(
    frame: pd.DataFrame, out: dict[str, pd.Series], geoms: np.ndarray, area_ha: np.ndarray
) -> gpd.GeoDataFrame:
    """The checked columns in contract types and order, other columns kept as they were."""
    columns: dict[str, object] = {}
    for column in (*schema.REQUIRED_COLUMNS, *schema.OPTIONAL_COLUMNS):
        if column not in out:
            continue
        values: pd.Series | pd.Categorical = out[column]
        if column == "planfase":
            values = pd.to_numeric(out[column]).astype("Int8")
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
    noun: str,
    categories: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
    positive: tuple[str, ...] = (),
    unique: str | None = None,
) -> tuple[pd.DataFrame, ValidationReport]:
    """Check a plain table (agreements, regions, IBIS parks) as parcels are checked:
    required columns and values, categories, dates (future ones allowed), numbers (those in
    ``positive`` above 0) and a ``unique`` id column. ``noun`` names the records."""
    frame, with_nul = without_nul(frame)
    chk = Checker(frame, source, noun=noun)
    for column, rows in with_nul.items():
        chk.flag(rows, "warning", column, t(NUL_REMOVED))
    _missing_columns(chk, frame, required)
    out = frame.copy()
    for column in frame.columns:
        if column in categories:
            values = check_category(chk, column, open_ended=column == "segment")
        elif column in dates:
            values = check_dates(chk, column, future_ok=True)
        elif column in numbers:
            values = check_numbers(chk, column, positive=column in positive)
        else:
            values = as_text(frame[column])
        if column in required:
            chk.flag(is_blank(frame[column]), "error", column, t("value is missing"))
        out[column] = values
    if unique is not None and unique in out:
        check_unique(chk, out[unique], unique, noun.rstrip("s"))
    return out, chk.report
