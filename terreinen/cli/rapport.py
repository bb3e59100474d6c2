"""``terreinen rapport GEBIED``: the land-sale officer's page of one municipality (or, with
``--regio``, one region), on screen, as plain text (``-o rapport.txt``) or as a workbook
(``-o rapport.xlsx``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from terreinen import settings
from terreinen.area_report import AreaReport, area_report
from terreinen.cli.common import (
    EMBEDDED,
    AgreementsOpt,
    AsOfOpt,
    CrsOpt,
    GevoeligOpt,
    LayerOpt,
    ParcelsArg,
    RegionsOpt,
    agreements_for,
    guard,
    inputs_of,
    open_study,
    parse_as_of,
    resolve_name,
    say,
    study_dates,
)
from terreinen.cli.screen import out, plain, show
from terreinen.io.write import atomic_path, output_format, write_workbook

__all__ = ["rapport_command"]

_TEXT_WIDTH = 100  # a text file's width
_FORMATS = {"txt": (".txt",), "xlsx": (".xlsx",)}
# on screen, the columns of the tables that would not fit (all of them in the file)
_KEYS = {
    "vraag en aanbod": (
        "segment",
        "uitgifte_ha_per_jaar",
        "vraag_midden_ha",
        "aanbod_hard_ha",
        "aanbod_zacht_ha",
        "voorraad_jaren_hard",
        "oordeel",
    ),
    "afspraken": ("afspraak_id", "gebied", "max_ha", "actual_ha", "ruimte_ha", "status"),
    "beschikbare kavels": (
        "kavel_id",
        "terrein",
        "oppervlakte_ha",
        "status",
        "milieucategorie",
        "capaciteit",
        "prijs_m2",
        "segment",
    ),
}
_TITLES = {
    "samenvatting": "Samenvatting",
    "per segment": "Beschikbaar per segment (ha)",
    "per milieucategorie": "Beschikbaar per milieucategorie (ha)",
    "per milieucategorie feitelijk": "Beschikbaar per milieucategorie feitelijk (afstand tot "
    "woningen, ha)",
    "vraag en aanbod": "Vraag (uitgifte x {horizon:g} jaar) en aanbod (ha)",
    "afspraken": "Programmeringsafspraken",
    "beschikbare kavels": "Beschikbare kavels ({n})",
}


def rapport_command(
    gebied: Annotated[str, typer.Argument(help="The municipality (or with --regio the region).")],
    parcels: ParcelsArg = EMBEDDED,
    regio: Annotated[
        bool, typer.Option("--regio", help="GEBIED is a region of the region table.")
    ] = False,
    agreements: AgreementsOpt = None,
    regions: RegionsOpt = None,
    as_of: AsOfOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also write it: .txt (plain text) or .xlsx."),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option("--store", "-s", help="Register whose history 'toevoeging' agreements count."),
    ] = None,
    layer: LayerOpt = None,
    crs: CrsOpt = None,
    gevoelig: GevoeligOpt = None,
) -> None:
    """The officer's page of one municipality: hectares terstond, niet terstond, optie,
    hard and zacht per segment and milieucategorie (with --gevoelig also per effective
    milieucategorie), take-up, years of supply, demand, agreements, and the available
    parcels."""
    if output is not None:
        output_format(output, None, _FORMATS)  # a wrong file name: exit 2 before any work
    table_path = agreements_for(parcels, agreements)
    inputs = inputs_of(parcels, table_path, regions, store, gevoelig)
    guard(inputs, output)
    with open_study(
        parcels,
        as_of=parse_as_of(as_of),
        layer=layer,
        crs=crs,
        agreements=table_path,
        regions=regions,
        store=store,
        sensitive=gevoelig,
    ) as study:
        if regio:
            known: list[str] = (
                [] if study.regions is None else list(study.regions["regio"].dropna().astype(str))
            )
            page = area_report(study, regio=resolve_name(gebied, known, "region", "GEBIED"))
        else:
            name = resolve_name(gebied, study.municipalities, "municipality", "GEBIED")
            page = area_report(study, name)
        heading = f"Rapport {page.level} {page.name} {study_dates(study)} ({parcels.name})"
    print_report(page, heading, out)
    if output is not None:
        _write(page, heading, output, inputs)
        say(f"wrote {output}")


def print_report(page: AreaReport, heading: str, console: Console) -> None:
    """The page as text on ``console``: a heading, then each table with its notes."""
    console.print(plain(heading), style="bold")
    first, last = page.window
    console.print(plain(f"uitgifte: gemiddelde over {first}-{last}"))
    for name, table in page.tables.items():
        console.print()
        title = _TITLES[name].format(n=len(table), horizon=settings.demand_horizon_years)
        show(table, title, key_columns=_KEYS.get(name, ()), console=console)


def _write(page: AreaReport, heading: str, output: Path, inputs: tuple) -> None:
    if output.suffix.lower() == ".xlsx":
        write_workbook(page.tables, output, inputs=inputs)
        return
    with atomic_path(output, inputs=inputs) as tmp, tmp.open("w", encoding="utf-8") as file:
        # A4 wide in a monospaced font; no terminal codes
        print_report(page, heading, Console(file=file, width=_TEXT_WIDTH, color_system=None))
