"""The ``terreinen`` command line.

Exit codes: 0 success; 1 ``validate`` found errors in a readable file; 2 unusable input
(unreadable file, data errors for the other commands, wrong arguments); 3 a bug of ours;
4 an edit refused because someone else changed the record first.

The library is imported inside each command (one way: cli -> library), so that ``--help``
and argument errors answer without loading pandas or geopandas.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from terreinen._cli import (
    EMBEDDED,
    EXIT_FINDINGS,
    AgreementsOpt,
    AllColumnsOpt,
    AsOfOpt,
    CrsOpt,
    ErrorsInPlainWords,
    FormatOpt,
    GemeenteOpt,
    LayerOpt,
    OutputOpt,
    ParcelsArg,
    ProvincieOpt,
    RegionsOpt,
    agreements_for,
    by_levels,
    emit,
    fail,
    guard,
    history_for,
    load,
    map_files,
    on_sigterm,
    parse_as_of,
    parse_factors,
    print_findings,
    progress,
    progress_bar,
    regions_for,
    register_state,
    say,
    state,
)
from terreinen._screen import (
    AGREEMENT_KEY_COLUMNS,
    KEY_CAPACITY_COLUMNS,
    err,
    line,
    out,
    show,
)
from terreinen.cli_find import find_command
from terreinen.cli_register import changes_command, register_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="terreinen",
    help="Business-park land (bedrijventerreinen): parcels, plan capacity, agreements and maps.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=ErrorsInPlainWords,
)


app.add_typer(register_app, name="register")
app.command(name="changes")(changes_command)
app.command(name="find")(find_command)


@app.callback()
def _options(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every finding.")] = False,
) -> None:
    state.update(quiet=quiet, verbose=verbose)


@app.command()
def validate(
    parcels: ParcelsArg = EMBEDDED,
    layer: LayerOpt = None,
    crs: CrsOpt = None,
    gemeente: GemeenteOpt = None,
    provincie: ProvincieOpt = None,
) -> None:
    """Check a parcels file against the data model and list every finding."""
    from terreinen.loading import load_parcels

    stored = register_state(parcels)  # a register: check its latest versions
    with progress(f"reading and checking {parcels.name}"):
        _, report = load_parcels(
            parcels if stored is None else stored,
            layer=layer,
            crs=crs,
            gemeente=gemeente,
            provincie=provincie,
        )
    print_findings(report, limit=None if state["verbose"] else 50)
    if not state["quiet"] or not report.ok:
        line(out if report.ok else err, report.summary())
    if not report.ok:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def capacity(
    parcels: ParcelsArg = EMBEDDED,
    by: Annotated[
        str,
        typer.Option(help="terrein, gemeente, regio, provincie, or several: provincie,gemeente"),
    ] = "gemeente",
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    takeup_years: Annotated[
        int, typer.Option(min=1, help="Full years before the as-of date that take-up averages.")
    ] = 10,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    layer: LayerOpt = None,
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
    provincie: ProvincieOpt = None,
    all_columns: AllColumnsOpt = False,
) -> None:
    """Hard and soft plan capacity, take-up and supply in years per area."""
    if engine not in ("pandas", "dask"):
        raise fail(f"--engine {engine!r}: choose pandas or dask")
    if engine == "dask" and (layer or crs):
        raise fail("--layer and --crs are for files; GeoParquet parts carry their own CRS")
    options: dict[str, Any] = {
        "as_of": parse_as_of(as_of),
        "takeup_years": takeup_years,
        "regions": regions_for(parcels, regions),
    }
    inputs = (parcels, options["regions"])
    guard(inputs, output)
    if engine == "dask":
        table = _on_cluster(parcels, by_levels(by), scheduler, options)
    else:
        from terreinen.capacity import capacity as compute

        frame = load(parcels, layer, crs, options["as_of"], gemeente=gemeente, provincie=provincie)
        table = compute(frame, by_levels(by), **options)
    emit(
        table,
        fmt,
        output,
        f"Plancapaciteit per {by} op {table.attrs['peildatum']} ({parcels.name})",
        inputs,
        key_columns=() if all_columns else KEY_CAPACITY_COLUMNS,
    )


@app.command()
def demand(
    parcels: ParcelsArg = EMBEDDED,
    by: Annotated[str, typer.Option(help="gemeente, regio or provincie.")] = "gemeente",
    per: Annotated[str, typer.Option(help="segment or milieucategorie.")] = "segment",
    horizon: Annotated[float, typer.Option(help="Years ahead that demand is estimated for.")] = 10,
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
    crs: CrsOpt = None,
) -> None:
    """Demand (take-up x scenario x horizon) beside hard and soft supply, per area and
    segment: the Ladder's first step."""
    factors = parse_factors(scenarios, "--scenarios")
    date = parse_as_of(as_of)
    from terreinen.demand import check_scenarios
    from terreinen.demand import demand as compute

    check_scenarios(factors)  # before loading: a typing error answers at once
    table = compute(
        load(parcels, layer, crs, date),
        by,
        per=per,
        horizon=horizon,
        scenarios=factors,
        takeup_years=takeup_years,
        as_of=date,
        regions=regions_for(parcels, regions),
    )
    emit(table, fmt, output, f"Vraag en aanbod per {by} en {per} ({parcels.name})")


def _on_cluster(parcels: Path, by, scheduler: str | None, options: dict):
    """The capacity table from the dask engine, with a progress bar over the parts."""
    import warnings

    from terreinen._errors import TerreinenDataError, TerreinenDataWarning, optional_import

    engine = optional_import("terreinen.distributed", extra="dask")
    with (
        progress_bar() as bar,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", TerreinenDataWarning)
        task = bar.add_task("parts done", total=None)
        try:
            table = engine.capacity(
                parcels,
                by,
                scheduler=scheduler,
                on_part_done=lambda done, total: bar.update(task, completed=done, total=total),
                **options,
            )
        except TerreinenDataError as exc:
            if exc.report.errors and exc.report.errors[0].row is not None:
                print_findings(exc.report, limit=None if state["verbose"] else 20)
            raise fail(str(exc).splitlines()[0]) from None
        except OSError as exc:  # no scheduler at the address
            raise fail(f"cannot reach the dask scheduler {scheduler}: {exc}") from None
    if caught:
        say(str(caught[0].message), style="yellow")
    return table


@app.command()
def partition(
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
    from terreinen._errors import optional_import

    engine = optional_import("terreinen.distributed", extra="dask")
    with progress(f"writing {folder.name}"):
        parts = engine.partition(parcels, folder, parcels_per_part=parcels_per_part, layer=layer)
    say(f"wrote {folder} ({parts} parts)")


@app.command()
def agreements(
    parcels: ParcelsArg = EMBEDDED,
    agreements: AgreementsOpt = None,
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    layer: LayerOpt = None,
    crs: CrsOpt = None,
    gemeente: GemeenteOpt = None,
    provincie: ProvincieOpt = None,
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
            f"no agreements table: give one with --agreements FILE.csv (or put agreements.csv "
            f"beside {parcels.name})"
        )
    regions = regions_for(parcels, regions)
    inputs = (parcels, table_path, regions)
    guard(inputs, output)
    date = parse_as_of(as_of)
    frame = load(parcels, layer, crs, date, gemeente=gemeente, provincie=provincie)
    from terreinen.agreements import compare_agreements

    with history_for(parcels, store) as history:
        table = compare_agreements(frame, table_path, as_of=date, regions=regions, history=history)
    emit(
        table,
        fmt,
        output,
        f"Programmeringsafspraken op {date or 'vandaag'} ({table_path.name})",
        inputs,
        key_columns=() if all_columns else AGREEMENT_KEY_COLUMNS,
    )


_MUNICIPAL_COLOUR_HELP = "Municipality layer by 'afspraken' (agreements) or 'oordeel' (demand)."


@app.command(name="map")
def map_command(
    parcels: ParcelsArg = EMBEDDED,
    gemeente: Annotated[str | None, typer.Option(help="Only this municipality.")] = None,
    agreements: AgreementsOpt = None,
    regions: RegionsOpt = None,
    boundaries: Annotated[
        Path | None, typer.Option(help="Municipality polygons (with a name column): a choropleth.")
    ] = None,
    as_of: AsOfOpt = None,
    target: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path(
        "maps/overview.html"
    ),
    municipal_colour: Annotated[
        str, typer.Option("--municipal-colour", help=_MUNICIPAL_COLOUR_HELP)
    ] = "afspraken",
    layer: LayerOpt = None,
    crs: CrsOpt = None,
) -> None:
    """Write the interactive map (one self-contained HTML file that works offline)."""
    options: dict[str, Any] = {
        "agreements": agreements_for(parcels, agreements),
        "regions": regions_for(parcels, regions),
        "as_of": parse_as_of(as_of),
    }
    guard((parcels, options["agreements"], options["regions"], boundaries), target)
    if boundaries is not None:  # read as parcels are: a broken file is a plain message
        from terreinen.loading import read_table

        options["boundaries"] = read_table(boundaries)[0]
    frame = load(parcels, layer, crs, options["as_of"])
    from terreinen.demand import demand
    from terreinen.maps import municipality_map, overview_map, save_map

    options["demand"] = demand(frame, "gemeente", as_of=options["as_of"])
    options["municipal_colour"] = municipal_colour
    with progress(f"drawing {target.name}"), history_for(parcels, None) as history:
        options["history"] = history
        m = (
            municipality_map(frame, gemeente, **options)
            if gemeente
            else overview_map(frame, **options)
        )
        save_map(m, target)
    say(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")


@app.command()
def overview(
    parcels: ParcelsArg = EMBEDDED,
    agreements: AgreementsOpt = None,
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Folder for the maps.")] = Path("maps"),
    layer: LayerOpt = None,
    crs: CrsOpt = None,
    gemeente: GemeenteOpt = None,
    provincie: ProvincieOpt = None,
) -> None:
    """The main job: validate, print capacity and agreements, write the overview map and
    one map per municipality."""
    table_path = agreements_for(parcels, agreements)
    regions = regions_for(parcels, regions)
    date = parse_as_of(as_of)
    if not out_dir.is_dir():
        try:
            out_dir.mkdir(parents=True)
        except OSError as exc:
            raise fail(f"{out_dir}: cannot create the folder ({exc.strerror})") from None
    frame = load(parcels, layer, crs, date, gemeente=gemeente, provincie=provincie)
    files = map_files(frame["gemeente"].astype(str).unique())
    maps = [out_dir / "overview.html", *(out_dir / name for name in files.values())]
    guard((parcels, table_path, regions), *maps)
    from terreinen.agreements import compare_agreements
    from terreinen.capacity import capacity as compute

    say(f"{parcels}: {len(frame):,} parcels, valid")
    for level in ("provincie", "gemeente"):
        table = compute(frame, level, as_of=date)
        title = f"Plancapaciteit per {level} op {table.attrs['peildatum']}"
        show(table, title, key_columns=KEY_CAPACITY_COLUMNS)
    if table_path is None:
        say(
            f"no agreements compared: no agreements.csv beside {parcels.name}; give one with "
            "--agreements FILE.csv",
            style="yellow",
        )
    if regions is None:
        say(
            f"no regions: no gemeenten.csv beside {parcels.name}; give the municipality/region "
            "table with --regions FILE.csv for regional agreements and figures",
            style="yellow",
        )
    with history_for(parcels, None) as history:
        if table_path is not None:
            comparison = compare_agreements(
                frame, table_path, as_of=date, regions=regions, history=history
            )
            title = f"Programmeringsafspraken op {table.attrs['peildatum']} ({table_path.name})"
            show(comparison, title, key_columns=AGREEMENT_KEY_COLUMNS)
        _write_maps(frame, out_dir, files, table_path, regions, date, history)


def _write_maps(frame, out_dir: Path, files: dict, agreements, regions, date, history) -> None:
    """The overview map and one map per municipality, with each municipality's demand
    verdict (middle scenario) and the agreements counted from the history."""
    from terreinen.demand import demand
    from terreinen.maps import municipality_map, overview_map, save_map

    options: dict[str, Any] = {
        "agreements": agreements,
        "regions": regions,
        "as_of": date,
        "history": history,
        "demand": demand(frame, "gemeente", as_of=date),
    }
    written = []
    with progress_bar() as bar:
        task = bar.add_task("writing maps", total=len(files) + 1)
        written.append(save_map(overview_map(frame, **options), out_dir / "overview.html"))
        bar.advance(task)
        for name, file_name in files.items():
            path = out_dir / file_name
            written.append(save_map(municipality_map(frame, name, **options), path))
            bar.advance(task)
    say(f"wrote {written[0]} and {len(written) - 1} municipality maps in {out_dir}/")


@app.command()
def export(
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
    crs: CrsOpt = None,
    gemeente: GemeenteOpt = None,
    provincie: ProvincieOpt = None,
) -> None:
    """Export parcels and summaries as GeoPackage, an Excel workbook, GeoJSON or IBIS."""
    options: dict[str, Any] = {
        "agreements": agreements_for(parcels, agreements),
        "regions": regions_for(parcels, regions),
        "as_of": parse_as_of(as_of),
    }
    from terreinen.export import export as write
    from terreinen.export import export_format

    export_format(to, fmt)  # a name that contradicts --format: exit 2 before any work
    guard((parcels, options["agreements"], options["regions"]), to)
    frame = load(parcels, layer, crs, options["as_of"], gemeente=gemeente, provincie=provincie)
    with progress(f"writing {to.name}"), history_for(parcels, None) as history:
        write(frame, to, fmt, history=history, inputs=(parcels,), **options)
    say(f"wrote {to}")


def main() -> None:
    """Entry point of the console script. SIGTERM ends it as Ctrl-C does: cleanup runs and no
    temporary file stays behind."""
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        app()
    except BrokenPipeError:  # the reader stopped reading (`| head`): end without a word
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
