"""The data commands: ``validate``, ``inspect``, ``partition`` and ``export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from terreinen.cli.common import (
    EMBEDDED,
    EXIT_FINDINGS,
    AgreementsOpt,
    AsOfOpt,
    ColumnsOpt,
    CrsOpt,
    GemeenteOpt,
    GemeenteVanBestandOpt,
    GevoeligOpt,
    LayerOpt,
    ParcelsArg,
    ProvincieVanBestandOpt,
    RegionsOpt,
    agreements_for,
    fail,
    guard,
    inputs_of,
    open_study,
    parse_as_of,
    print_findings,
    progress,
    regions_for,
    say,
    state,
)
from terreinen.cli.screen import (
    err,
    line,
    out,
    show,
)
from terreinen.errors import optional_import
from terreinen.export import export as write
from terreinen.export import export_format
from terreinen.i18n import t
from terreinen.io.columns import inspect_columns, write_mapping
from terreinen.io.files import load_parcels
from terreinen.register import Register, is_register

__all__ = ["export_command", "inspect_command", "partition_command", "validate_command"]


def validate_command(
    parcels: ParcelsArg = EMBEDDED,
    layer: LayerOpt = None,
    columns: ColumnsOpt = None,
    crs: CrsOpt = None,
    gemeente_van_bestand: GemeenteVanBestandOpt = None,
    provincie_van_bestand: ProvincieVanBestandOpt = None,
) -> None:
    """Check a parcels file against the data model and list every finding."""
    with progress(t("reading and checking {name}", name=parcels.name)):
        if is_register(parcels.location):  # a register: check its latest versions
            with Register.open(parcels.location) as register:
                stored = register.state()
            _, report = load_parcels(stored)
        else:
            reading = {
                "layer": layer,
                "crs": crs,
                "gemeente": gemeente_van_bestand,
                "provincie": provincie_van_bestand,
            }
            _, report = load_parcels(parcels.location, columns=columns, **reading)
    print_findings(report, limit=None if state["verbose"] else 50)
    if not state["quiet"] or not report.ok:
        line(out if report.ok else err, report.summary())
    if not report.ok:
        raise typer.Exit(EXIT_FINDINGS)


def inspect_command(
    parcels: ParcelsArg,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the column mapping to this .json file."),
    ] = None,
    layer: LayerOpt = None,
    columns: ColumnsOpt = None,
) -> None:
    """Show what each column of a file is read as, with suggestions for those that are not
    recognised; -o writes a column mapping to complete and use with --columns."""
    if is_register(parcels.location):
        raise fail(t("inspect reads a file, not a register"))
    if output is not None and output.suffix.lower() != ".json":
        raise fail(t("--output {path}: a column mapping is a .json file", path=output))
    inputs = inputs_of(parcels, columns)
    guard(inputs, output)
    with progress(t("reading {name}", name=parcels.name)):
        table = inspect_columns(parcels.location, layer=layer, columns=columns)
    shown = table.assign(
        voorstellen=table["voorstellen"].map(", ".join), onbekend=table["onbekend"].map(", ".join)
    )
    show(shown, t("Columns of {name} as terreinen reads them", name=parcels.name))
    if output is not None:
        write_mapping(table, output, parcels.name, inputs=inputs)
        say(t("wrote {path}", path=output))


def partition_command(
    parcels: ParcelsArg,
    folder: Annotated[Path, typer.Argument(help="New folder for the GeoParquet parts.")],
    parcels_per_part: Annotated[
        int | None,
        typer.Option(
            min=1, help="Parcels per part (a part is validated in memory); default 100,000."
        ),
    ] = None,
    layer: LayerOpt = None,
) -> None:
    """Write parcels as partitioned GeoParquet in spatial order, for `capacity --engine dask`."""

    engine = optional_import("terreinen.distributed", extra="dask")
    with progress(t("writing {name}", name=folder.name)):
        parts = engine.partition(
            parcels.location, folder, parcels_per_part=parcels_per_part, layer=layer
        )
    say(t("wrote {path} ({n} parts)", path=folder, n=parts))


def export_command(
    parcels: ParcelsArg = EMBEDDED,
    to: Annotated[
        Path, typer.Option("--to", help="File to write: .gpkg, .xlsx, .geojson (or .csv, ibis).")
    ] = Path("terreinen.xlsx"),
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="gpkg, xlsx, geojson or ibis; default: from --to."),
    ] = None,
    agreements: AgreementsOpt = None,
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    layer: LayerOpt = None,
    columns: ColumnsOpt = None,
    crs: CrsOpt = None,
    gemeente: GemeenteOpt = None,
    gemeente_van_bestand: GemeenteVanBestandOpt = None,
    provincie_van_bestand: ProvincieVanBestandOpt = None,
    gevoelig: GevoeligOpt = None,
) -> None:
    """Export parcels and summaries as GeoPackage, an Excel workbook, GeoJSON or IBIS;
    with --gevoelig the parcels carry their effective milieucategorie and the workbook a
    sheet milieuzonering."""
    export_format(to, fmt)  # a name that contradicts --format: exit 2 before any work
    agreements = agreements_for(parcels, agreements)
    regions = regions_for(parcels, regions)
    inputs = inputs_of(parcels, agreements, regions, gevoelig, columns)
    guard(inputs, to)
    with (
        open_study(
            parcels,
            as_of=parse_as_of(as_of),
            layer=layer,
            columns=columns,
            crs=crs,
            file_gemeente=gemeente_van_bestand,
            file_provincie=provincie_van_bestand,
            gemeente=gemeente,
            agreements=agreements,
            regions=regions,
            sensitive=gevoelig,
        ) as study,
        progress(t("writing {name}", name=to.name)),
    ):
        write(study, to, fmt, inputs=inputs, csv_dialect=state["csv"])
    say(t("wrote {path}", path=to))
