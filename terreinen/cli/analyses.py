"""The analysis commands: ``capacity``, ``demand`` and ``agreements``."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer

from terreinen.area_report import AVAILABLE_BY, available_by
from terreinen.cli.common import (
    EMBEDDED,
    AgreementsOpt,
    AllColumnsOpt,
    AsOfOpt,
    ColumnsOpt,
    CrsOpt,
    FormatOpt,
    GemeenteOpt,
    GemeenteVanBestandOpt,
    GevoeligOpt,
    LayerOpt,
    OutputOpt,
    ParcelsArg,
    ProvincieVanBestandOpt,
    RegionsOpt,
    agreements_for,
    by_levels,
    decimal_number,
    emit,
    fail,
    guard,
    inputs_of,
    open_study,
    parse_as_of,
    parse_factors,
    print_findings,
    progress_bar,
    regions_for,
    say,
    state,
    study_dates,
)
from terreinen.cli.screen import (
    AGREEMENT_KEY_COLUMNS,
    KEY_CAPACITY_COLUMNS,
)
from terreinen.demand import check_scenarios
from terreinen.errors import (
    TerreinenDataError,
    TerreinenDataWarning,
    TerreinenReadError,
    optional_import,
)
from terreinen.figures import dated
from terreinen.i18n import t
from terreinen.io.source import Source

__all__ = ["agreements_command", "capacity_command", "demand_command"]


def capacity_command(
    parcels: ParcelsArg = EMBEDDED,
    by: Annotated[
        str,
        typer.Option(
            help="terrein, gemeente, regio, provincie, or several: provincie,gemeente; or "
            "segment, milieucategorie"
        ),
    ] = "gemeente",
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    takeup_years: Annotated[
        int, typer.Option(min=1, help="Full years before the as-of date that take-up averages.")
    ] = 10,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    layer: LayerOpt = None,
    columns: ColumnsOpt = None,
    crs: CrsOpt = None,
    engine: Annotated[
        str,
        typer.Option(
            help="pandas (in memory) or dask (partitioned GeoParquet on a dask cluster; "
            "see `terreinen partition`)."
        ),
    ] = "pandas",
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address, e.g. tcp://10.0.0.5:8786; default: a "
            "local cluster on this machine."
        ),
    ] = None,
    gemeente: GemeenteOpt = None,
    gemeente_van_bestand: GemeenteVanBestandOpt = None,
    provincie_van_bestand: ProvincieVanBestandOpt = None,
    all_columns: AllColumnsOpt = False,
    gevoelig: GevoeligOpt = None,
) -> None:
    """Hard and soft plan capacity, take-up and supply in years per area; or (--by segment,
    --by milieucategorie) the land available per segment or category; with --gevoelig the
    hard and soft hectares per milieucategorie, zoned and effective, per area."""
    if engine not in ("pandas", "dask"):
        raise fail(t("--engine {engine}: choose pandas or dask", engine=repr(engine)))
    pandas_only = {
        "--gevoelig": gevoelig,
        "--gemeente": gemeente,
        "--gemeente-van-bestand": gemeente_van_bestand,
        "--provincie-van-bestand": provincie_van_bestand,
    }
    given = [option for option, value in pandas_only.items() if value is not None]
    if engine == "dask" and given:
        raise fail(t("{option} works with --engine pandas", option=given[0]))
    if by in AVAILABLE_BY and engine == "pandas":
        reading = {
            "as_of": parse_as_of(as_of),
            "layer": layer,
            "crs": crs,
            "columns": columns,
            "file_gemeente": gemeente_van_bestand,
            "file_provincie": provincie_van_bestand,
            "gemeente": gemeente,
        }
        _available(parcels, by, reading, regions, (fmt, output))
        return
    if engine == "dask" and (layer or crs or columns):
        raise fail(
            t("--layer, --crs and --columns are for files; GeoParquet parts carry their own CRS")
        )
    date = parse_as_of(as_of)
    regions = regions_for(parcels, regions)
    inputs = inputs_of(parcels, regions, gevoelig, columns)
    guard(inputs, output)
    if engine == "dask":
        options = {"as_of": date, "takeup_years": takeup_years, "regions": regions}
        table = _on_cluster(parcels, by_levels(by), scheduler, options)
        dates = dated(table.attrs["peildatum"], table.attrs.get("gegevens_tm"))
    else:
        with open_study(
            parcels,
            as_of=date,
            layer=layer,
            columns=columns,
            crs=crs,
            file_gemeente=gemeente_van_bestand,
            file_provincie=provincie_van_bestand,
            gemeente=gemeente,
            regions=regions,
            takeup_years=takeup_years,
            sensitive=gevoelig,
        ) as study:
            if gevoelig is not None:
                zoning = study.zoning_breakdown(by_levels(by))
                title = t(
                    "Hard and soft per milieucategorie, zoned and effective, per {by} {dates} "
                    "({name})",
                    by=by,
                    dates=study_dates(study),
                    name=parcels.name,
                )
                emit(zoning, fmt, output, title, inputs)
                return
            table = study.capacity(by_levels(by))
            dates = study_dates(study)
    emit(
        table,
        fmt,
        output,
        t(
            "Plan capacity per {by} {dates} ({name})",
            by=by,
            dates=dates,
            name=parcels.name,
        ),
        inputs,
        key_columns=() if all_columns else KEY_CAPACITY_COLUMNS,
    )


def _available(
    parcels: Source, by: str, reading: dict, regions: Path | None, show_as: tuple
) -> None:
    """``capacity --by segment``: the unsold hectares by status and plan capacity per
    segment (or category), as the officer's page states them. ``reading``: the keywords
    of :func:`open_study`."""
    fmt, output = show_as
    regions = regions_for(parcels, regions)
    inputs = inputs_of(parcels, regions, reading["columns"])
    guard(inputs, output)
    with open_study(parcels, regions=regions, **reading) as study:
        table = available_by(study, by)
        title = t(
            "Available per {by} (ha) {dates} ({name})",
            by=by,
            dates=study_dates(study),
            name=parcels.name,
        )
    emit(table, fmt, output, title, inputs)


def demand_command(
    parcels: ParcelsArg = EMBEDDED,
    by: Annotated[str, typer.Option(help="gemeente, regio or provincie.")] = "gemeente",
    per: Annotated[str, typer.Option(help="segment or milieucategorie.")] = "segment",
    horizon: Annotated[
        float, typer.Option(help="Years ahead that demand is estimated for.", parser=decimal_number)
    ] = 10,
    scenarios: Annotated[
        str, typer.Option(help="Take-up factors of the low, middle and high scenario.")
    ] = "0.7,1.0,1.3",
    takeup_years: Annotated[
        int, typer.Option(min=1, help="Full years before the as-of date that take-up averages.")
    ] = 10,
    as_of: AsOfOpt = None,
    regions: RegionsOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    layer: LayerOpt = None,
    columns: ColumnsOpt = None,
    crs: CrsOpt = None,
    gemeente: GemeenteOpt = None,
) -> None:
    """Demand (take-up x scenario x horizon) beside hard and soft supply, per area and
    segment: the Ladder's first step."""
    factors = parse_factors(scenarios, "--scenarios")
    date = parse_as_of(as_of)
    check_scenarios(factors)  # before loading: a typing error answers at once
    regions = regions_for(parcels, regions)
    inputs = inputs_of(parcels, regions, columns)
    guard(inputs, output)
    with open_study(
        parcels,
        as_of=date,
        regions=regions,
        takeup_years=takeup_years,
        layer=layer,
        columns=columns,
        crs=crs,
        gemeente=gemeente,
    ) as study:
        table = study.demand(by, per, horizon=horizon, scenarios=factors)
    title = t(
        "Demand and supply per {by} and {per} {dates} ({name})",
        by=by,
        per=per,
        dates=study_dates(study),
        name=parcels.name,
    )
    emit(table, fmt, output, title, inputs)


def _on_cluster(parcels: Source, by, scheduler: str | None, options: dict):
    """The capacity table from the dask engine, with a progress bar over the parts."""

    engine = optional_import("terreinen.distributed", extra="dask")
    with (
        progress_bar() as bar,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", TerreinenDataWarning)
        task = bar.add_task("parts done", total=None)
        try:
            table = engine.capacity(
                parcels.location,
                by,
                scheduler=scheduler,
                on_part_done=lambda done, total: bar.update(task, completed=done, total=total),
                **options,
            )
        except TerreinenDataError as exc:
            if not isinstance(exc, TerreinenReadError):  # findings, with or without rows
                print_findings(exc.report, limit=None if state["verbose"] else 20)
            raise fail(str(exc).splitlines()[0]) from None
        except OSError as exc:  # no scheduler at the address
            said = t("cannot reach the dask scheduler {address}: {exc}", address=scheduler, exc=exc)
            raise fail(said) from None
    if caught:
        say(str(caught[0].message), style="yellow")
    return table


def agreements_command(
    parcels: ParcelsArg = EMBEDDED,
    agreements: AgreementsOpt = None,
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    layer: LayerOpt = None,
    columns: ColumnsOpt = None,
    crs: CrsOpt = None,
    gemeente: GemeenteOpt = None,
    gemeente_van_bestand: GemeenteVanBestandOpt = None,
    provincie_van_bestand: ProvincieVanBestandOpt = None,
    all_columns: AllColumnsOpt = False,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            "-s",
            help="Register (.gpkg or postgresql:// URL) whose history 'toevoeging' agreements "
            "count; default: PARCELS when it is a register (the embedded data: its yearly "
            "deliveries).",
        ),
    ] = None,
) -> None:
    """Compare plan capacity with the programming agreements (programmeringsafspraken) as
    they are written: maxima and minima, on the stock or on capacity added in the period."""
    table_path = agreements_for(parcels, agreements)
    if table_path is None:
        raise fail(
            t(
                "no agreements table: give one with --agreements FILE.csv (or put "
                "agreements.csv beside {name})",
                name=parcels.name,
            )
        )
    regions = regions_for(parcels, regions)
    inputs = inputs_of(parcels, table_path, regions, store, columns)
    guard(inputs, output)
    date = parse_as_of(as_of)
    with open_study(
        parcels,
        as_of=date,
        layer=layer,
        columns=columns,
        crs=crs,
        file_gemeente=gemeente_van_bestand,
        file_provincie=provincie_van_bestand,
        gemeente=gemeente,
        agreements=table_path,
        regions=regions,
        store=store,
    ) as study:
        table = study.comparison  # with --gemeente: the agreements that concern it
    emit(
        table,
        fmt,
        output,
        t(
            "Programming agreements {dates} ({name})",
            dates=study_dates(study),
            name=table_path.name,
        ),
        inputs,
        key_columns=() if all_columns else AGREEMENT_KEY_COLUMNS,
    )
