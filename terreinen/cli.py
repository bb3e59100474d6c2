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
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_state = {"quiet": False, "verbose": False}

EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2

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


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
