"""The map commands: ``map`` and ``overview`` (the main job)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from terreinen.cli.common import (
    EMBEDDED,
    AgreementsOpt,
    AsOfOpt,
    CrsOpt,
    GemeenteOpt,
    GevoeligOpt,
    LayerOpt,
    ParcelsArg,
    ProvincieOpt,
    RegionsOpt,
    agreements_for,
    fail,
    guard,
    inputs_of,
    map_files,
    open_study,
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
from terreinen.io.files import read_table
from terreinen.maps import municipality_map, overview_map, save_map
from terreinen.maps.data import located
from terreinen.study import Study

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
    gevoelig: GevoeligOpt = None,
) -> None:
    """Write the interactive map (one self-contained HTML file that works offline); with
    --gevoelig each parcel's popup gives its effective milieucategorie and the distance."""
    agreements = agreements_for(parcels, agreements)
    regions = regions_for(parcels, regions)
    guard(inputs_of(parcels, agreements, regions, boundaries, gevoelig), target)
    # read as parcels are: a broken file is a plain message
    outlines = read_table(boundaries)[0] if boundaries is not None else None
    with open_study(
        parcels,
        as_of=parse_as_of(as_of),
        layer=layer,
        crs=crs,
        agreements=agreements,
        regions=regions,
        sensitive=gevoelig,
    ) as study:
        demand = study.demand("gemeente")
        with progress(f"drawing {target.name}"):
            m = (
                municipality_map(
                    study,
                    gemeente,
                    boundaries=outlines,
                    demand=demand,
                    municipal_colour=municipal_colour,
                )
                if gemeente
                else overview_map(
                    study, boundaries=outlines, demand=demand, municipal_colour=municipal_colour
                )
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
    gevoelig: GevoeligOpt = None,
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
    with open_study(
        parcels,
        as_of=date,
        layer=layer,
        crs=crs,
        gemeente=gemeente,
        provincie=provincie,
        agreements=table_path,
        regions=regions,
        sensitive=gevoelig,
    ) as study:
        files = map_files(study.municipalities)
        maps = [out_dir / "overview.html", *(out_dir / name for name in files.values())]
        guard(inputs_of(parcels, table_path, regions, gevoelig), *maps)
        say(f"{parcels}: {len(study.parcels):,} parcels, valid")
        peildatum = study.as_of.date()
        for level in ("provincie", "gemeente"):
            title = f"Plancapaciteit per {level} op {peildatum}"
            show(study.capacity(level), title, key_columns=KEY_CAPACITY_COLUMNS)
        if table_path is None:
            say(
                f"no agreements compared: no agreements.csv beside {parcels.name}; give one "
                "with --agreements FILE.csv",
                style="yellow",
            )
        if regions is None:
            say(
                f"no regions: no gemeenten.csv beside {parcels.name}; give the "
                "municipality/region table with --regions FILE.csv for regional agreements "
                "and figures",
                style="yellow",
            )
        if table_path is not None and study.comparison is not None:
            title = f"Programmeringsafspraken op {peildatum} ({table_path.name})"
            show(study.comparison, title, key_columns=AGREEMENT_KEY_COLUMNS)
        if study.zoned:
            title = f"Hard en zacht per milieucategorie, bestemd en feitelijk, op {peildatum}"
            show(study.zoning_breakdown(), title)
        _write_maps(study, out_dir, files)


def _write_maps(study: Study, out_dir: Path, files: dict[str, str]) -> None:
    """The overview map and one map per municipality, each municipality's demand verdict
    (middle scenario) and the agreements counted from the history: all from the one study."""
    if not located(study.parcels).any():
        say(
            "no maps: no parcel or park has an outline (the tables above hold the figures)",
            style="yellow",
        )
        return
    options: dict[str, Any] = {"demand": study.demand("gemeente")}
    written = []
    with progress_bar() as bar:
        task = bar.add_task("writing maps", total=len(files) + 1)
        written.append(save_map(overview_map(study, **options), out_dir / "overview.html"))
        bar.advance(task)
        for name, file_name in files.items():
            path = out_dir / file_name
            written.append(save_map(municipality_map(study, name, **options), path))
            bar.advance(task)
    say(f"wrote {written[0]} and {len(written) - 1} municipality maps in {out_dir}/")
