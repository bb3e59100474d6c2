"""``terreinen rapport GEBIED``: the land-sale officer's page of one municipality (or, with
``--regio``, one region), on screen, as plain text (``-o rapport.txt``), as a workbook
(``-o rapport.xlsx``) or as a printable A4 page (``-o rapport.html``: every text
HTML-escaped, no script, no template engine)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from terreinen import settings
from terreinen.area_report import AreaReport, area_report
from terreinen.cli.common import (
    EMBEDDED,
    AgreementsOpt,
    AsOfOpt,
    ColumnsOpt,
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
)
from terreinen.cli.screen import cell_text, notes, out, plain, show
from terreinen.export import explanation
from terreinen.figures import dated
from terreinen.i18n import language, t
from terreinen.io.write import atomic_path, output_format, write_workbook

__all__ = ["rapport_command"]

_TEXT_WIDTH = 100  # a text file's width
_FORMATS = {"txt": (".txt",), "xlsx": (".xlsx",), "html": (".html", ".htm")}
# the printable page: A4, no script, nothing fetched (the page is one file)
_PAGE_START = (
    '<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'\">\n<title>{title}</title>\n<style>\n"
    "@page {{ size: A4; margin: 15mm; }}\n"
    "body {{ font-family: sans-serif; font-size: 10pt; color: #111; }}\n"
    "table {{ border-collapse: collapse; margin: 0 0 6mm 0; page-break-inside: auto; }}\n"
    "caption {{ text-align: left; font-weight: bold; margin: 2mm 0; }}\n"
    "th, td {{ border-bottom: 1px solid #ccc; padding: 1mm 2mm; text-align: left; }}\n"
    "td.n, th.n {{ text-align: right; }}\n tr {{ page-break-inside: avoid; }}\n"
    "</style>\n</head>\n<body>\n"
)
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
# the tables' titles (English source strings, through t())
_TITLES = {
    "samenvatting": "Summary",
    "per segment": "Available per segment (ha)",
    "per milieucategorie": "Available per milieucategorie (ha)",
    "per milieucategorie feitelijk": "Available per milieucategorie in effect (distance to "
    "homes, ha)",
    "vraag en aanbod": "Demand (take-up x {horizon} years) and supply (ha)",
    "afspraken": "Programming agreements",
    "beschikbare kavels": "Available parcels ({n})",
}
# the page's words for its level
_LEVEL_WORDS = {"gemeente": "municipality", "regio": "region"}


def _title(name: str, table) -> str:
    """A table's title on the page, in the reader's language."""
    return t(_TITLES[name], n=len(table), horizon=f"{settings.demand_horizon_years:g}")


def _window(window: tuple[int, int]) -> str:
    """The line under the heading: the years take-up averages (where the data give any)."""
    first, last = window
    return t("take-up: average over {first}-{last}", first=first, last=last)


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
        typer.Option(
            "--output", "-o", help="Also write it: .txt (plain text), .xlsx or .html (A4)."
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option("--store", "-s", help="Register whose history 'toevoeging' agreements count."),
    ] = None,
    layer: LayerOpt = None,
    columns: ColumnsOpt = None,
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
    inputs = inputs_of(parcels, table_path, regions, store, gevoelig, columns)
    guard(inputs, output)
    with open_study(
        parcels,
        as_of=parse_as_of(as_of),
        layer=layer,
        columns=columns,
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
        heading = t(
            "Report {level} {name} {dates} ({source})",
            level=t(_LEVEL_WORDS[page.level]),
            name=page.name,
            dates=dated(page.as_of, page.data_dates),  # the area's own municipalities'
            source=parcels.name,
        )
    print_report(page, heading, out)
    if output is not None:
        _write(page, heading, output, inputs)
        say(t("wrote {path}", path=output))


def print_report(page: AreaReport, heading: str, console: Console) -> None:
    """The page as text on ``console``: a heading, then each table with its notes."""
    console.print(plain(heading), style="bold")
    if page.window is not None:
        console.print(plain(_window(page.window)))
    for name, table in page.tables.items():
        console.print()
        title = _title(name, table)
        show(table, title, key_columns=_KEYS.get(name, ()), console=console)


def report_html(page: AreaReport, heading: str) -> str:
    """The page as one printable HTML document: the heading, then each table (its key
    columns) with its notes; every text from the data HTML-escaped."""
    parts = [
        _PAGE_START.format(lang=language(), title=html.escape(heading, quote=True)),
        f"<h1>{html.escape(heading)}</h1>\n",
    ]
    if page.window is not None:
        parts.append(f"<p>{html.escape(_window(page.window))}</p>\n")
    for name, table in page.tables.items():
        keys = _KEYS.get(name)
        shown = table[[c for c in keys if c in table]] if keys else table
        title = _title(name, table)
        parts.append(_html_table(shown, title))
        parts += [f"<p>{html.escape(note)}</p>\n" for note in notes(table)]
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def _html_table(table, title: str) -> str:
    numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    head = "".join(
        _html_cell("th", str(c).replace("_", " "), is_number)
        for c, is_number in zip(table.columns, numeric, strict=True)
    )
    rows = "\n".join(
        "<tr>"
        + "".join(
            _html_cell("td", cell_text(value, is_number), is_number)
            for value, is_number in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in table.itertuples(index=False)
    )
    return (
        f"<table>\n<caption>{html.escape(title)}</caption>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{rows}\n</tbody>\n</table>\n"
    )


def _html_cell(tag: str, text: str, is_number: bool) -> str:
    """One cell, its text escaped; numbers right-aligned."""
    align = ' class="n"' if is_number else ""
    return f"<{tag}{align}>{html.escape(text, quote=True)}</{tag}>"


def _write(page: AreaReport, heading: str, output: Path, inputs: tuple) -> None:
    if output.suffix.lower() == ".xlsx":
        # first the sheet that says what the figures are: both dates, source, take-up years
        write_workbook(
            {"toelichting": explanation(page.study), **page.tables}, output, inputs=inputs
        )
        return
    if output.suffix.lower() in _FORMATS["html"]:
        with atomic_path(output, inputs=inputs) as tmp:
            tmp.write_text(report_html(page, heading), encoding="utf-8")
        return
    with atomic_path(output, inputs=inputs) as tmp, tmp.open("w", encoding="utf-8") as file:
        # A4 wide in a monospaced font; no terminal codes
        print_report(page, heading, Console(file=file, width=_TEXT_WIDTH, color_system=None))
