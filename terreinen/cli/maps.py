"""The map commands: ``map`` and ``overview`` (the main job)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from terreinen.agreements import compare_agreements
from terreinen.capacity import capacity as capacity_table
from terreinen.cli.common import (
    EMBEDDED,
    AgreementsOpt,
    AsOfOpt,
    CrsOpt,
    GemeenteOpt,
    LayerOpt,
    ParcelsArg,
    ProvincieOpt,
    RegionsOpt,
    agreements_for,
    fail,
    guard,
    history_for,
    load,
    map_files,
    parse_as_of,
    progress,
    progress_bar,
    regions_for,
    say,
)
from terreinen.cli.screen import (
    AGREEMENT_KEY_COLUMNS,
    KEY_CAPACITY_COLUMNS,
    show,
)
from terreinen.demand import demand as demand_table
from terreinen.io.files import read_table
from terreinen.maps import municipality_map, overview_map, save_map

__all__ = ["map_command", "overview_command"]


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
        str,
        typer.Option(
            "--municipal-colour",
            help="Colour the municipality layer by 'afspraken' (the agreements) or "
            "'oordeel' (the demand verdict).",
        ),
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
        options["boundaries"] = read_table(boundaries)[0]
    frame = load(parcels, layer, crs, options["as_of"])

    options["demand"] = demand_table(frame, "gemeente", as_of=options["as_of"])
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


def overview_command(
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

    say(f"{parcels}: {len(frame):,} parcels, valid")
    for level in ("provincie", "gemeente"):
        table = capacity_table(frame, level, as_of=date)
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

    options: dict[str, Any] = {
        "agreements": agreements,
        "regions": regions,
        "as_of": date,
        "history": history,
        "demand": demand_table(frame, "gemeente", as_of=date),
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
