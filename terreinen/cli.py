"""The ``terreinen`` command line. Heavy libraries are imported inside the commands so that
``--help`` answers at once.

Exit codes: 0 success; 1 ``validate`` found errors in a readable file; 2 unusable input
(unreadable file, data errors for the other commands) or wrong arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="terreinen",
    help="Business-park land (bedrijventerreinen): parcels, plan capacity, agreements and maps.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# off a terminal (a pipe, a file, a notebook) tables keep their natural width
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 240)
err = Console(stderr=True, soft_wrap=True)
_state = {"quiet": False, "verbose": False}

EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2
EXIT_INTERNAL = 3

ParcelsArg = Annotated[
    Path,
    typer.Argument(
        help="Parcels file: GeoJSON, GeoPackage, Shapefile (.shp/.zip), GeoParquet, CSV."
    ),
]
LayerOpt = Annotated[str | None, typer.Option(help="Layer of a GeoPackage to read.")]
CrsOpt = Annotated[str | None, typer.Option(help="CRS of a file that has none, e.g. EPSG:28992.")]


@app.callback()
def _options(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every finding.")] = False,
) -> None:
    _state.update(quiet=quiet, verbose=verbose)


def _fail(message: str, code: int = EXIT_UNUSABLE) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _print_findings(report, *, limit: int | None) -> None:
    findings = report.findings if not _state["quiet"] else report.errors
    shown = findings if limit is None else findings[:limit]
    for finding in shown:
        style = "red" if finding.severity == "error" else "yellow"
        err.print(f"[{style}]{finding}[/]", highlight=False, markup=True)
    if len(findings) > len(shown):
        err.print(f"... and {len(findings) - len(shown)} more (use --verbose to see all)")


def _load(parcels: Path, layer: str | None, crs: str | None):
    """Parcels from a file for the commands that compute with them, or exit 2 explaining why."""
    from terreinen.loading import load_parcels
    from terreinen.validation import TerreinenReadError

    try:
        frame, report = load_parcels(parcels, layer=layer, crs=crs)
    except TerreinenReadError as exc:
        raise _fail(str(exc)) from None
    if not report.ok:
        _print_findings(report, limit=None if _state["verbose"] else 20)
        raise _fail(f"{report.summary()}; fix the errors above first (see `terreinen validate`)")
    if report.warnings and not _state["quiet"]:
        err.print(f"[yellow]{report.summary()}[/] (`terreinen validate` lists them)")
    return frame


@app.command()
def validate(parcels: ParcelsArg, layer: LayerOpt = None, crs: CrsOpt = None) -> None:
    """Check a parcels file against the data model and list every finding."""
    from terreinen.loading import load_parcels
    from terreinen.validation import TerreinenReadError

    try:
        _, report = load_parcels(parcels, layer=layer, crs=crs)
    except TerreinenReadError as exc:
        raise _fail(str(exc)) from None
    _print_findings(report, limit=None if _state["verbose"] else 50)
    if not _state["quiet"] or not report.ok:
        (out if report.ok else err).print(report.summary(), highlight=False)
    if not report.ok:
        raise typer.Exit(EXIT_FINDINGS)


RegionsOpt = Annotated[
    Path | None,
    typer.Option(
        help="Municipality/region table (gemeente,provincie,regio); default: "
        "gemeenten.csv beside the parcels file."
    ),
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="As-of date (peildatum) YYYY-MM-DD; default today.")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv, json or xlsx.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of the screen.")
]


def _beside(parcels: Path, given: Path | None, name: str, what: str) -> Path | None:
    """An explicit table (which must exist), else the one named ``name`` beside the parcels."""
    if given is not None:
        if not given.is_file():
            raise _fail(f"{given}: {what} not found")
        return given
    beside = parcels.parent / name
    return beside if beside.is_file() else None


def _regions_for(parcels: Path, regions: Path | None) -> Path | None:
    return _beside(parcels, regions, "gemeenten.csv", "region table")


def _as_of(value: str | None):
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"--as-of {value!r} is not a date; write YYYY-MM-DD") from None


def _emit(table, fmt: str, output: Path | None, title: str) -> None:
    """A result table to the screen (rich table, CSV or JSON) or to a file."""
    from terreinen.export import TABLE_FORMATS, table_to_json, write_table

    fmt = fmt.lower()
    if fmt not in ("table", *TABLE_FORMATS):
        raise _fail(f"--format {fmt!r}: choose table, csv, json or xlsx")
    if output is not None:
        write_table(table, output, "csv" if fmt == "table" else fmt)
        if not _state["quiet"]:
            err.print(f"wrote {output}")
    elif fmt == "csv":
        sys.stdout.write(table.to_csv(index=False))
    elif fmt == "json":
        sys.stdout.write(table_to_json(table) + "\n")
    elif fmt == "xlsx":
        raise _fail("--format xlsx needs --output FILE.xlsx")
    else:
        out.print(_rich_table(table, title))


def _rich_table(table, title: str):
    import pandas as pd
    from rich.table import Table

    view = Table(title=title, header_style="bold", show_lines=False)
    numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    for column, is_number in zip(table.columns, numeric, strict=True):
        view.add_column(str(column), justify="right" if is_number else "left")
    for row in table.itertuples(index=False):
        cells = []
        for value, is_number in zip(row, numeric, strict=True):
            if pd.isna(value):
                cells.append("")
            elif is_number and isinstance(value, float):
                cells.append(f"{value:,.2f}")
            else:
                cells.append(str(value))
        view.add_row(*cells, style="bold" if cells[0] == "Totaal" else None)
    return view


@app.command()
def capacity(
    parcels: ParcelsArg,
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
) -> None:
    """Hard and soft plan capacity, take-up and supply in years per area."""
    levels = [level.strip() for level in by.split(",") if level.strip()]
    if engine not in ("pandas", "dask"):
        raise _fail(f"--engine {engine!r}: choose pandas or dask")
    if engine == "dask" and (layer or crs):
        raise _fail("--layer and --crs are for files; GeoParquet parts carry their own CRS")
    options = {
        "as_of": _as_of(as_of),
        "takeup_years": takeup_years,
        "regions": _regions_for(parcels, regions),
    }
    from terreinen.capacity import capacity as compute

    try:
        if engine == "dask":
            table = _on_cluster(compute, parcels, levels, scheduler, options)
        else:
            table = compute(_load(parcels, layer, crs), _by(levels), **options)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _emit(table, fmt, output, f"Plancapaciteit per {by} ({parcels.name})")


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
    from terreinen.distributed import partition as write_parts
    from terreinen.validation import TerreinenReadError

    try:
        parts = write_parts(parcels, folder, parcels_per_part=parcels_per_part, layer=layer)
    except TerreinenReadError as exc:
        raise _fail(str(exc)) from None
    if not _state["quiet"]:
        err.print(f"wrote {folder} ({parts} parts)")


def _by(levels: list[str]) -> str | list[str]:
    return levels if len(levels) > 1 else levels[0]


def _on_cluster(compute, parcels: Path, levels: list[str], scheduler: str | None, options: dict):
    """The capacity table from the dask engine, with a progress bar over the parts."""
    import warnings

    from rich.progress import Progress

    from terreinen.loading import TerreinenDataWarning
    from terreinen.validation import TerreinenDataError

    with (
        Progress(console=err, transient=True, disable=_state["quiet"]) as progress,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", TerreinenDataWarning)
        task = progress.add_task("parts done", total=None)
        try:
            table = compute(
                parcels,
                _by(levels),
                engine="dask",
                engine_kwds={
                    "scheduler": scheduler,
                    "on_part_done": lambda done, total: progress.update(
                        task, completed=done, total=total
                    ),
                },
                **options,
            )
        except TerreinenDataError as exc:
            if exc.report.errors and exc.report.errors[0].row is not None:
                _print_findings(exc.report, limit=None if _state["verbose"] else 20)
            raise _fail(str(exc).splitlines()[0]) from None
        except OSError as exc:  # no scheduler at the address
            raise _fail(f"cannot reach the dask scheduler {scheduler}: {exc}") from None
    if caught and not _state["quiet"]:
        err.print(f"[yellow]{caught[0].message}[/]", highlight=False)
    return table


@app.command()
def agreements(
    parcels: ParcelsArg,
    agreements: Annotated[Path, typer.Option("--agreements", "-a", help="Agreements CSV.")],
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    layer: LayerOpt = None,
    crs: CrsOpt = None,
) -> None:
    """Compare plan capacity with the programming agreements (programmeringsafspraken)."""
    frame = _load(parcels, layer, crs)
    from terreinen.agreements import compare_agreements

    table = compare_agreements(
        frame, agreements, as_of=_as_of(as_of), regions=_regions_for(parcels, regions)
    )
    if fmt == "table":
        table = table.drop(columns=["periode_start", "periode_eind", "bron"])
    _emit(table, fmt, output, f"Programmeringsafspraken ({agreements.name})")


AgreementsOpt = Annotated[
    Path | None,
    typer.Option(
        "--agreements", "-a", help="Agreements CSV; default: agreements.csv beside the parcels."
    ),
]
EMBEDDED = Path(__file__).resolve().parents[1] / "data" / "parcels.geojson"
EmbeddedParcelsArg = Annotated[
    Path, typer.Argument(help="Parcels file; default: the embedded Drenthe + Hardenberg data.")
]


def _slug(name: str) -> str:
    import re
    import unicodedata

    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "gemeente"


@app.command(name="map")
def map_command(
    parcels: ParcelsArg,
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
    layer: LayerOpt = None,
    crs: CrsOpt = None,
) -> None:
    """Write the interactive map (one self-contained HTML file that works offline)."""
    frame = _load(parcels, layer, crs)
    from terreinen.maps import municipality_map, overview_map, save_map

    options = {
        "agreements": _beside(parcels, agreements, "agreements.csv", "agreements table"),
        "regions": _regions_for(parcels, regions),
        "boundaries": boundaries,
        "as_of": _as_of(as_of),
    }
    if boundaries is not None and not boundaries.exists():
        raise _fail(f"{boundaries}: boundaries file not found")
    m = municipality_map(frame, gemeente, **options) if gemeente else overview_map(frame, **options)
    save_map(m, target)
    if not _state["quiet"]:
        err.print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")


@app.command()
def overview(
    parcels: EmbeddedParcelsArg = EMBEDDED,
    agreements: AgreementsOpt = None,
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Folder for the maps.")] = Path("maps"),
    layer: LayerOpt = None,
    crs: CrsOpt = None,
) -> None:
    """The main job: validate, print capacity and agreements, write the overview map and
    one map per municipality."""
    from rich.progress import Progress

    agreements = _beside(parcels, agreements, "agreements.csv", "agreements table")
    regions = _regions_for(parcels, regions)
    date = _as_of(as_of)
    if not out_dir.is_dir():
        try:
            out_dir.mkdir(parents=True)
        except OSError as exc:
            raise _fail(f"{out_dir}: cannot create the folder ({exc.strerror})") from None
    frame = _load(parcels, layer, crs)
    from terreinen.agreements import compare_agreements
    from terreinen.capacity import capacity as compute
    from terreinen.maps import municipality_map, overview_map, save_map

    if not _state["quiet"]:
        err.print(f"{parcels}: {len(frame):,} parcels, valid")
    out.print(_rich_table(compute(frame, "provincie", as_of=date), "Plancapaciteit per provincie"))
    out.print(_rich_table(compute(frame, "gemeente", as_of=date), "Plancapaciteit per gemeente"))
    if agreements is not None:
        comparison = compare_agreements(frame, agreements, as_of=date, regions=regions)
        shown = comparison.drop(columns=["periode_start", "periode_eind", "bron"])
        out.print(_rich_table(shown, f"Programmeringsafspraken ({agreements.name})"))
    options = {"agreements": agreements, "regions": regions, "as_of": date}
    municipalities = sorted(frame["gemeente"].astype(str).unique())
    written = []
    with Progress(console=err, transient=True, disable=_state["quiet"]) as progress:
        task = progress.add_task("maps", total=len(municipalities) + 1)
        path = out_dir / "overview.html"
        written.append(save_map(overview_map(frame, **options), path))
        progress.advance(task)
        for name in municipalities:
            path = out_dir / f"{_slug(name)}.html"
            written.append(save_map(municipality_map(frame, name, **options), path))
            progress.advance(task)
    if not _state["quiet"]:
        err.print(f"wrote {written[0]} and {len(written) - 1} municipality maps in {out_dir}/")


@app.command()
def find(
    parcels: EmbeddedParcelsArg = EMBEDDED,
    min_ha: Annotated[float | None, typer.Option("--min-ha", help="Smallest size, ha.")] = None,
    max_ha: Annotated[float | None, typer.Option("--max-ha", help="Largest size, ha.")] = None,
    milieucategorie: Annotated[
        str | None,
        typer.Option("--milieucategorie", "-m", help="Category the company needs, e.g. 4.2."),
    ] = None,
    segment: Annotated[str | None, typer.Option(help="Segment, e.g. logistiek.")] = None,
    near: Annotated[
        str | None, typer.Option(help="Municipality or town in the data, or lat,lon.")
    ] = None,
    radius_km: Annotated[
        float | None, typer.Option("--radius-km", help="Within km of --near.")
    ] = None,
    hard_only: Annotated[bool, typer.Option("--hard-only", help="Only hard capacity.")] = False,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="Also write a map of the matches.")
    ] = None,
    layer: LayerOpt = None,
    crs: CrsOpt = None,
) -> None:
    """Unsold parcels for a company: size, category, segment and place, best first."""
    if radius_km is not None and near is None:
        raise _fail("--radius-km needs --near PLACE")
    frame = _load(parcels, layer, crs)
    from terreinen.matching import find_parcels

    found = find_parcels(
        frame,
        min_ha=min_ha,
        max_ha=max_ha,
        milieucategorie=milieucategorie,
        segment=segment,
        near=near,
        radius_km=radius_km,
        hard_only=hard_only,
        as_of=_as_of(as_of),
    )
    table = found.drop(columns="geometry")
    if near is None:
        table = table.drop(columns="afstand_km")
    _emit(table, fmt, output, f"{len(found)} kavels gevonden")
    if map_file is not None:
        from terreinen.maps import overview_map, save_map

        if found.empty:
            raise _fail("no parcels match, so there is no map to write")
        singles = frame[frame["kavel_id"].isin(set("+".join(found["kavel_id"]).split("+")))]
        save_map(overview_map(singles, title="Gevonden kavels", as_of=_as_of(as_of)), map_file)
        if not _state["quiet"]:
            err.print(f"wrote {map_file}")


@app.command()
def export(
    parcels: ParcelsArg,
    to: Annotated[Path, typer.Option("--to", help="File to write: .gpkg, .xlsx, .geojson.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="gpkg, xlsx, geojson or ibis; default: from --to."),
    ] = None,
    agreements: AgreementsOpt = None,
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    layer: LayerOpt = None,
    crs: CrsOpt = None,
) -> None:
    """Export parcels and summaries as GeoPackage, an Excel workbook, GeoJSON or IBIS."""
    frame = _load(parcels, layer, crs)
    from terreinen.export import export as write

    write(
        frame,
        to,
        fmt,
        agreements=_beside(parcels, agreements, "agreements.csv", "agreements table"),
        regions=_regions_for(parcels, regions),
        as_of=_as_of(as_of),
    )
    if not _state["quiet"]:
        err.print(f"wrote {to}")


def main() -> None:
    """Entry point of the console script."""
    from terreinen.validation import TerreinenError

    try:
        app()
    except TerreinenError as exc:  # bad input found after loading: a table, an output path
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(EXIT_UNUSABLE)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug of ours: say so in one line, details with --verbose
        if _state["verbose"]:
            raise
        err.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc} "
            "(run again with --verbose for details, and please report it)",
            highlight=False,
        )
        sys.exit(EXIT_INTERNAL)
