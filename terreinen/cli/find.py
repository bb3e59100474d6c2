"""``terreinen find``: the unsold parcels that fit a company, as land-sale staff ask for
them (``-m 4,2``; ``-m 4`` = 4.1 and up; ``--near`` a place or lat,lon; ``--limit``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import geopandas as gpd
import shapely
import typer

from terreinen import settings
from terreinen.cli.common import (
    EMBEDDED,
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
    decimal_number,
    emit,
    fail,
    guard,
    inputs_of,
    open_study,
    parse_as_of,
    resolve_name,
    say,
)
from terreinen.i18n import t
from terreinen.maps import find_map, save_map
from terreinen.matching import find_parcels
from terreinen.schema import SEGMENTS
from terreinen.study import Study
from terreinen.validation.values import canonical_value

__all__ = ["find_command"]

_FIND_ON_SCREEN = 20  # parcels listed on screen unless --limit says otherwise
# on screen besides id and park; prijs_m2 and combinatie (a "+" in the id) with --all-columns
# (in this order: on a narrow terminal the last are left off first)
_FIND_KEY_COLUMNS = (
    "oppervlakte_ha",
    "afstand_km",
    "milieucategorie",
    "status",
    "capaciteit",
    "segment",
)
# the parcels that come closest when none fits: why (reden) first, it is the point
_CLOSEST_KEY_COLUMNS = ("oppervlakte_ha", "reden", "afstand_km", "milieucategorie", "status")
_NEAR_MISSES_LISTED = 10  # parcels left out for the distance to homes, named in the notes


def find_command(
    parcels: ParcelsArg = EMBEDDED,
    min_ha: Annotated[
        float | None,
        typer.Option("--min-ha", help="Smallest size, ha (2,5 or 2.5).", parser=decimal_number),
    ] = None,
    max_ha: Annotated[
        float | None, typer.Option("--max-ha", help="Largest size, ha.", parser=decimal_number)
    ] = None,
    milieucategorie: Annotated[
        str | None,
        typer.Option("--milieucategorie", "-m", help="Category the company needs, e.g. 4.2."),
    ] = None,
    segment: Annotated[str | None, typer.Option(help="Segment, e.g. logistiek.")] = None,
    near: Annotated[
        str | None, typer.Option(help="Municipality or town in the data, or lat,lon.")
    ] = None,
    radius_km: Annotated[
        float | None,
        typer.Option("--radius-km", help="Within km of --near.", parser=decimal_number),
    ] = None,
    hard_only: Annotated[bool, typer.Option("--hard-only", help="Only hard capacity.")] = False,
    without_option: Annotated[
        bool,
        typer.Option(
            "--zonder-optie",
            help="Leave out parcels under option for another party (offered by default, "
            "after the others).",
        ),
    ] = False,
    as_of: AsOfOpt = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", min=1, help="Show the best N (default on screen 20; files get all)."
        ),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    all_columns: AllColumnsOpt = False,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="Also write a map of the matches.")
    ] = None,
    layer: LayerOpt = None,
    columns: ColumnsOpt = None,
    crs: CrsOpt = None,
    gemeente: GemeenteOpt = None,
    gemeente_van_bestand: GemeenteVanBestandOpt = None,
    provincie_van_bestand: ProvincieVanBestandOpt = None,
    gevoelig: GevoeligOpt = None,
) -> None:
    """Unsold parcels for a company: size, category (-m 4.2 or 4,2; 4 = 4.1 and up),
    segment and place, best first. With --gevoelig the category is the one the distance to
    homes allows, and parcels only their zoned category would let in are named."""
    if radius_km is not None and near is None:
        raise fail(t("--radius-km needs --near PLACE"))
    date = parse_as_of(as_of)
    if segment is not None:  # as files are read: Logistiek is logistiek
        written = canonical_value("segment", segment)
        segment = resolve_name(written, SEGMENTS, "segment", "--segment")
    inputs = inputs_of(parcels, gevoelig, columns)
    guard(inputs, output, map_file)
    options = {
        "min_ha": min_ha,
        "max_ha": max_ha,
        "milieucategorie": milieucategorie,
        "segment": segment,
        "near": near,
        "radius_km": radius_km,
        "hard_only": hard_only,
        "without_option": without_option,
    }
    with open_study(
        parcels,
        as_of=date,
        layer=layer,
        columns=columns,
        crs=crs,
        file_gemeente=gemeente_van_bestand,
        file_provincie=provincie_van_bestand,
        gemeente=gemeente,
        sensitive=gevoelig,
    ) as study:
        shown = (limit, fmt, output, all_columns)
        _find(study, options, show_as=shown, map_file=map_file, inputs=inputs)


def _find(
    study: Study, options: dict, *, show_as: tuple, map_file: Path | None, inputs: tuple
) -> None:
    """Search the study's parcels, list the matches (or, when none fit, the parcels that
    come closest and why), draw them when asked."""
    found = find_parcels(study.parcels, as_of=study.as_of, **options)
    found.attrs["opmerkingen"] = [*found.attrs.get("opmerkingen", []), *_notes(found, study)]
    closest = found.attrs.get("dichtstbij")
    if found.empty and closest is not None and len(closest):
        _emit_closest(found, closest, options, show_as=show_as, inputs=inputs)
    else:
        _emit_found(found, options, show_as=show_as, inputs=inputs, zoned=study.zoned)
    if map_file is not None:
        where = found.attrs.get("punt")
        point = None if where is None else _rd_point(where, study)
        m = find_map(found, study, point=point, radius_km=options["radius_km"], criteria=options)
        save_map(m, map_file)
        say(t("wrote {path}", path=map_file))


def _notes(found, study: Study) -> list[str]:
    """The lines under the matches besides the library's: records not searched, parcels
    that only their zoned category would have let in."""
    said = []
    unknown = int(study.figures["onbekend_status"].sum())
    if unknown:  # unknown is not zero: say what could not be searched
        said.append(
            t(
                "{n} records have no status (the data hold no sale figures): whether their "
                "land is for sale is unknown, so they are not searched",
                n=unknown,
            )
        )
    misses = found.attrs.get("bijna")
    if misses is not None and len(misses):  # what the zoned category alone would have offered
        said += [
            t("not offered: kavel_id {kavel_id} ({why})", kavel_id=kavel_id, why=why)
            for kavel_id, why in zip(
                misses["kavel_id"].head(_NEAR_MISSES_LISTED), misses["reden"], strict=False
            )
        ]
        more = len(misses) - min(len(misses), _NEAR_MISSES_LISTED)
        said += [t("and {n} more parcels too close to homes", n=more)] if more > 0 else []
    return said


def _emit_found(found, options: dict, *, show_as: tuple, inputs: tuple, zoned: bool) -> None:
    """The matches on screen (the best ``--limit``) or to a file."""
    limit, fmt, output, all_columns = show_as
    table = found.drop(columns="geometry")
    if options["near"] is None:
        table = table.drop(columns="afstand_km")
    if fmt == "table" and output is None and not all_columns:  # room for ids
        table = table.drop(columns="gemeente")  # the park names its municipality
    on_screen = output is None and fmt == "table"
    shown = limit if limit is not None else (_FIND_ON_SCREEN if on_screen else None)
    rest = max(0, len(table) - shown) if shown is not None else 0
    if rest:
        table = table.head(shown)
        table.attrs["opmerkingen"] = [
            *found.attrs.get("opmerkingen", []),
            t("and {rest} more (--limit {n} shows all)", rest=rest, n=len(found)),
        ]
    title = t("1 parcel found") if len(found) == 1 else t("{n} parcels found", n=len(found))
    keys: tuple[str, ...] = () if all_columns else _FIND_KEY_COLUMNS
    if keys and zoned:
        keys = (*keys, "milieucategorie_feitelijk", "afstand_gevoelig_m")
    emit(table, fmt, output, title, inputs, key_columns=keys)


def _emit_closest(found, closest, options: dict, *, show_as: tuple, inputs: tuple) -> None:
    """No parcel fits: the ones that come closest, each with why it falls short (``reden``),
    as the matches would have been shown; a file gets them with a note on stderr."""
    _, fmt, output, all_columns = show_as
    table = closest if options["near"] is not None else closest.drop(columns="afstand_km")
    on_screen = output is None and fmt == "table"
    if on_screen and not all_columns:
        table = table.drop(columns="gemeente")
    title = t("No parcel fits; the {n} that come closest, and why", n=len(closest))
    table.attrs["opmerkingen"] = [
        *found.attrs.get("opmerkingen", []),
        *([] if on_screen else [title + t(" (column reden)")]),
    ]
    keys = () if all_columns else _CLOSEST_KEY_COLUMNS
    emit(table, fmt, output, title, inputs, key_columns=keys)


def _rd_point(where: dict, study: Study) -> shapely.Point:
    """The point used for ``--near`` (``attrs["punt"]``) in the parcels' coordinates."""
    point = gpd.GeoSeries([shapely.Point(where["x"], where["y"])], crs=settings.rd_crs)
    return point.to_crs(study.parcels.crs).iloc[0]
