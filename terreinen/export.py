"""Exports of parcels and their summaries: GeoPackage layers, one Excel workbook of every
table, GeoJSON, or the IBIS park table."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from terreinen import settings
from terreinen.agreements import History
from terreinen.area_report import available_parcels
from terreinen.capacity import BREAKDOWNS, TOTAL
from terreinen.figures import AsOf, date_range
from terreinen.io.ibis import HA_COLUMNS, to_ibis
from terreinen.io.write import (
    INTERNATIONAL_CSV,
    CsvDialect,
    atomic_path,
    output_format,
    write_csv,
    write_workbook,
)
from terreinen.outlines import dissolve
from terreinen.study import Study

__all__ = [
    "DEFINITIONS",
    "EXPORT_EXTENSIONS",
    "EXPORT_FORMATS",
    "explanation",
    "export",
    "export_format",
    "workbook_sheets",
]

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
    csv_dialect: CsvDialect = INTERNATIONAL_CSV,
) -> Path:
    """Write parcels and their summaries: ``gpkg`` (layers kavels, terreinen with IBIS's
    columns in lowercase, gemeenten without the total row),
    ``xlsx`` (one formatted workbook of every table, demand beside supply included),
    ``geojson`` (the parcels, WGS84) or ``ibis`` (the IBIS park-level table: ``.csv`` or
    ``.xlsx`` without outlines, ``.gpkg`` with). The file name decides the format; ``fmt``,
    if given, must agree with it. ``parcels`` may be a :class:`terreinen.study.Study`, whose
    figures every table then states; else ``agreements``, ``regions``, ``as_of`` and
    ``history`` (a register, for ``toevoeging`` agreements) make one. ``inputs`` (and
    ``agreements``/``regions`` given as paths) are never overwritten. The IBIS ``.csv`` is
    written in ``csv_dialect`` (the command line: Dutch by default)."""
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
        # IBIS's hectare columns to two decimals, as every hectare figure in CSV
        return write_csv(
            table.round(dict.fromkeys(HA_COLUMNS, 2)), path, csv_dialect, inputs=inputs
        )
    if fmt == "xlsx":
        return write_workbook(workbook_sheets(study), path, inputs=inputs)
    _write_layers(study, path, fmt, inputs)
    return path


#: The workbook's definitions (sheet "toelichting"): each figure in the planners' words.
DEFINITIONS = {
    "bruto_ha": "alle kavels, in hectare (1 ha = 10.000 m²), berekend uit de geometrie (RD New)",
    "netto_ha": "alle kavels behalve niet_uitgeefbaar",
    "uitgegeven_ha": "verkocht (uitgegeven) op de peildatum",
    "terstond_ha": "onverkocht en terstond uitgeefbaar op de peildatum",
    "niet_terstond_ha": "onverkocht, niet terstond uitgeefbaar",
    "optie_ha": "onverkocht, onder optie",
    "hard_ha": "harde plancapaciteit: onverkocht in planfase 1 of 2 (onherroepelijk, vastgesteld)",
    "zacht_ha": "zachte plancapaciteit: onverkocht in planfase 3, 4 of 5",
    "uitgifte_ha_per_jaar": "verkochte hectares per jaar, gemiddeld over de uitgiftejaren",
    "voorraad_jaren_hard": "voorraad in jaren: hard_ha / uitgifte_ha_per_jaar (leeg bij 0)",
    "leeg": "een lege cel is onbekend, nooit 0: de gegevens laten het cijfer niet toe",
}


def workbook_sheets(study: Study) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, by name: first ``toelichting`` (what the figures are and on
    which dates), then every table of the study, and the available parcels."""
    sheets = {
        "toelichting": explanation(study),
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
    sheets["uitgifte per jaar"] = _years_with_data(study)
    sheets["vraag en aanbod"] = study.demand("gemeente")
    sheets["beschikbare kavels"] = available_parcels(study)
    return sheets


def explanation(study: Study) -> pd.DataFrame:
    """The sheet ``toelichting``: as-of date, the data's date (the range of the
    municipalities' dates when they differ), source, take-up years, the figures that are
    unknown and why, and the definitions (``onderwerp``, ``toelichting``)."""
    first, last = study.window
    until = study.data_dates  # the municipalities' dates: a range when they differ
    rows = {
        "peildatum": study.as_of.date().isoformat(),
        "gegevens t/m": "onbekend (geen datums)" if until is None else date_range(until),
        "bron": study.source,
        **({} if study.gemeente is None else {"gebied": f"alleen gemeente {study.gemeente}"}),
        "afspraken": study.agreements_source or "geen",
        "uitgiftejaren": f"{first}-{last}: de {study.takeup_years} volle kalenderjaren voor de "
        "peildatum, nooit jaren na de gegevens"
        if study.takeup_known
        else "geen: de gegevens geven geen uitgifte (verkoopcijfers of -datums)",
    }
    unknown = study.capacity("gemeente").attrs.get("onbekend", {})
    for column, why in unknown.items():
        rows[f"onbekend: {column}"] = why
    if not unknown:
        rows["onbekend"] = "geen: elk cijfer volgt uit de gegevens"
    rows.update(DEFINITIONS)
    return pd.DataFrame({"onderwerp": list(rows), "toelichting": list(rows.values())})


def _years_with_data(study: Study) -> pd.DataFrame:
    """Hectares sold per year, without the years after the data's own year (a year without
    data is not a year without sales)."""
    table = study.takeup("gemeente")
    if study.data_until is not None:
        table = table[table.index <= study.data_until.year]
    return table.reset_index()


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
            _gpkg_layer(parcels, tmp, "kavels")
            parks = to_ibis(parcels, as_of=as_of)
            _gpkg_layer(parks.rename(columns=str.lower), tmp, "terreinen")
            table = study.capacity("gemeente")
            table = table[table["gebied"] != TOTAL]  # the total has no outline of its own
            outlines = dissolve(parcels, "gemeente")
            municipalities = gpd.GeoDataFrame(
                table, geometry=outlines.reindex(table["gebied"]).to_numpy(), crs=parcels.crs
            )
            _gpkg_layer(municipalities, tmp, "gemeenten")


def _gpkg_layer(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """One layer of the GeoPackage export, as PDOK's validator asks: lowercase column names
    (the caller's), exterior rings counter-clockwise."""
    frame = frame.set_geometry(shapely.orient_polygons(frame.geometry.to_numpy()))
    frame.to_file(path, driver="GPKG", layer=layer, engine="pyogrio")
