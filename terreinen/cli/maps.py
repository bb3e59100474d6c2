"""The map commands: ``map`` and ``overview`` (the main job)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from terreinen.cli.common import (
    EMBEDDED,
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
    map_files,
    open_study,
    parse_as_of,
    progress,
    progress_bar,
    regions_for,
    resolve_name,
    say,
    study_dates,
)
from terreinen.cli.screen import (
    AGREEMENT_KEY_COLUMNS,
    KEY_CAPACITY_COLUMNS,
    show,
)
from terreinen.i18n import format_number, t
from terreinen.io.files import read_table
from terreinen.maps import ASSET_FILES, municipality_map, overview_map, save_map
from terreinen.maps.data import located
from terreinen.maps.page import DEFAULT_SOURCE
from terreinen.study import Study

__all__ = ["map_command", "overview_command"]

TitleOpt = Annotated[
    str | None, typer.Option(help="Title of the map (default: Bedrijventerreinen).")
]
SourceOpt = Annotated[str, typer.Option(help="Where the data come from, as the page states it.")]
MoreInfoOpt = Annotated[
    str | None, typer.Option(help="An http(s) address for more information, linked on the page.")
]
TilesOpt = Annotated[
    str,
    typer.Option(
        help="Base maps, comma-separated: standaard, grijs, pastel, water, luchtfoto (PDOK "
        "BRT-Achtergrondkaart), osm (OpenStreetMap: only for light use), or none.",
    ),
]
AssetsOpt = Annotated[
    Path | None,
    typer.Option(
        help="Write the scripts and styles into this folder and link them, so that a policy "
        "of script-src 'self'; style-src 'self' suffices (see README, Publishing).",
    ),
]


def _page_options(title, source, more_info_url, tiles) -> dict[str, Any]:
    """The page options of the map commands, as the library names them."""
    options: dict[str, Any] = {
        "source": source,
        "more_info_url": more_info_url,
        "tiles": tiles.split(",") if "," in tiles else tiles,
    }
    if title is not None:
        options["title"] = title
    return options


def _asset_paths(assets: Path | None) -> list[Path]:
    return [] if assets is None else [assets / name for name in ASSET_FILES]


def map_command(
    parcels: ParcelsArg = EMBEDDED,
    gemeente: GemeenteOpt = None,
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
    columns: ColumnsOpt = None,
    crs: CrsOpt = None,
    title: TitleOpt = None,
    source: SourceOpt = DEFAULT_SOURCE,
    more_info_url: MoreInfoOpt = None,
    tiles: TilesOpt = "default",
    assets: AssetsOpt = None,
    gevoelig: GevoeligOpt = None,
) -> None:
    """Write the interactive map (one self-contained HTML file that works offline, or with
    --assets its scripts and styles beside it); with --gevoelig each parcel's popup gives its
    effective milieucategorie and the distance."""
    agreements = agreements_for(parcels, agreements)
    regions = regions_for(parcels, regions)
    inputs = inputs_of(parcels, agreements, regions, boundaries, gevoelig, columns)
    guard(inputs, target, *_asset_paths(assets))
    # read as parcels are: a broken file is a plain message
    outlines = read_table(boundaries)[0] if boundaries is not None else None
    with open_study(
        parcels,
        as_of=parse_as_of(as_of),
        layer=layer,
        columns=columns,
        crs=crs,
        agreements=agreements,
        regions=regions,
        sensitive=gevoelig,
    ) as study:
        if gemeente is not None:  # as the data write it: hardenberg is Hardenberg
            gemeente = resolve_name(gemeente, study.municipalities, "municipality", "--gemeente")
        options = {
            "boundaries": outlines,
            "demand": study.demand("gemeente"),
            "municipal_colour": municipal_colour,
            **_page_options(title, source, more_info_url, tiles),
        }
        with progress(t("drawing {name}", name=target.name)):
            m = (
                municipality_map(study, gemeente, **options)
                if gemeente
                else overview_map(study, **options)
            )
            save_map(m, target, assets=assets)
    megabytes = format_number(target.stat().st_size / 1e6, 1)
    say(t("wrote {path} ({mb} MB)", path=target, mb=megabytes))


def overview_command(
    parcels: ParcelsArg = EMBEDDED,
    agreements: AgreementsOpt = None,
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Folder for the maps.")] = Path("maps"),
    layer: LayerOpt = None,
    columns: ColumnsOpt = None,
    crs: CrsOpt = None,
    gemeente_van_bestand: GemeenteVanBestandOpt = None,
    provincie_van_bestand: ProvincieVanBestandOpt = None,
    title: TitleOpt = None,
    source: SourceOpt = DEFAULT_SOURCE,
    more_info_url: MoreInfoOpt = None,
    tiles: TilesOpt = "default",
    assets: AssetsOpt = None,
    gevoelig: GevoeligOpt = None,
) -> None:
    """The main job: validate, print capacity and agreements, write the overview map and
    one map per municipality (their titles: the title and the municipality's name)."""
    table_path = agreements_for(parcels, agreements)
    regions = regions_for(parcels, regions)
    date = parse_as_of(as_of)
    if not out_dir.is_dir():
        try:
            out_dir.mkdir(parents=True)
        except OSError as exc:
            said = t("{path}: cannot create the folder ({why})", path=out_dir, why=exc.strerror)
            raise fail(said) from None
    with open_study(
        parcels,
        as_of=date,
        layer=layer,
        columns=columns,
        crs=crs,
        file_gemeente=gemeente_van_bestand,
        file_provincie=provincie_van_bestand,
        agreements=table_path,
        regions=regions,
        sensitive=gevoelig,
    ) as study:
        files = map_files(study.municipalities)
        maps = [out_dir / "overview.html", *(out_dir / name for name in files.values())]
        guard(
            inputs_of(parcels, table_path, regions, gevoelig, columns), *maps, *_asset_paths(assets)
        )
        n = format_number(len(study.parcels), 0)
        say(t("{source}: {n} parcels, valid", source=parcels, n=n))
        dates = study_dates(study)
        for level in ("provincie", "gemeente"):
            heading = t("Plan capacity per {by} {dates}", by=level, dates=dates)
            show(study.capacity(level), heading, key_columns=KEY_CAPACITY_COLUMNS)
        if table_path is None:
            said = t(
                "no agreements compared: no agreements.csv beside {name}; give one with "
                "--agreements FILE.csv",
                name=parcels.name,
            )
            say(said, style="yellow")
        if regions is None:
            said = t(
                "no regions: no gemeenten.csv beside {name}; give the municipality/region "
                "table with --regions FILE.csv for regional agreements and figures",
                name=parcels.name,
            )
            say(said, style="yellow")
        if table_path is not None and study.comparison is not None:
            heading = t(
                "Programming agreements {dates} ({name})", dates=dates, name=table_path.name
            )
            show(study.comparison, heading, key_columns=AGREEMENT_KEY_COLUMNS)
        if study.zoned:
            heading = t(
                "Hard and soft per milieucategorie, zoned and effective, {dates}", dates=dates
            )
            show(study.zoning_breakdown(), heading)
        page = _page_options(title, source, more_info_url, tiles)
        _write_maps(study, out_dir, files, page, assets)


def _write_maps(
    study: Study, out_dir: Path, files: dict[str, str], page: dict[str, Any], assets: Path | None
) -> None:
    """The overview map and one map per municipality, each municipality's demand verdict
    (middle scenario) and the agreements counted from the history: all from the one study.
    ``page`` are the page options (title, source, more information, tiles)."""
    if not located(study.parcels).any():
        say(
            t("no maps: no parcel or park has an outline (the tables above hold the figures)"),
            style="yellow",
        )
        return
    options: dict[str, Any] = {"demand": study.demand("gemeente"), **page}
    title = options.pop("title", None)
    overview = overview_map(study, **options, **({"title": title} if title else {}))
    written = []
    with progress_bar() as bar:
        task = bar.add_task(t("writing maps"), total=len(files) + 1)
        written.append(save_map(overview, out_dir / "overview.html", assets=assets))
        bar.advance(task)
        for name, file_name in files.items():
            path = out_dir / file_name
            named = {"title": f"{title} {name}"} if title else {}
            m = municipality_map(study, name, **options, **named)
            written.append(save_map(m, path, assets=assets))
            bar.advance(task)
    said = t(
        "wrote {overview} and {n} municipality maps in {folder}/",
        overview=written[0],
        n=len(written) - 1,
        folder=out_dir,
    )
    say(said)
