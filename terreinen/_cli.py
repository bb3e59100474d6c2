"""What the commands of the ``terreinen`` command line share: options, printing, loading.

Only light modules are imported here (typer, rich): ``terreinen --help`` and argument
errors answer without loading pandas or geopandas. The commands import the library when
they run.

Everything from the data (names, notes, file names, messages quoting values) is printed as
plain text, never as rich markup, so a park named ``[link=...]`` prints as written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import re
import shutil
import sys
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
import typer.core
from rich.cells import cell_len
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from terreinen._errors import TerreinenConflictError, TerreinenDataWarning, TerreinenError
from terreinen.datasets import get_path

out = Console(soft_wrap=True, highlight=False, emoji=False)  # width: _screen_width()
err = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)
# C0/C1 control characters (ESC starts terminal escapes such as OSC 8 hyperlinks) and the
# bidirectional overrides that reorder what a terminal shows
_UNPRINTABLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
state = {"quiet": False, "verbose": False}

EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2
EXIT_INTERNAL = 3
EXIT_CONFLICT = 4

EMBEDDED = get_path("parcels")


class StoreURL(type(Path())):  # type: ignore[misc]
    """A register URL given where a parcels file goes: a Path, so the commands need no
    special case, that keeps the URL (a Path folds its ``//``)."""

    url = ""


def parcels_source(value: str | Path) -> Path:
    """A parcels file, or a register store (a .gpkg file or a ``postgresql://`` URL)."""
    if isinstance(value, Path):
        return value
    if value.startswith(("postgresql://", "postgres://")):
        store = StoreURL(value)
        store.url = value
        return store
    return Path(value)


ParcelsArg = Annotated[
    Path,
    typer.Argument(
        help="Parcels file (GeoJSON, GeoPackage, Shapefile, GeoParquet, CSV with WKT, an IBIS "
        "table) or a register (.gpkg or postgresql:// URL; --as-of reads its history); "
        "default: the embedded Drenthe + Hardenberg data.",
        parser=parcels_source,
    ),
]
LayerOpt = Annotated[str | None, typer.Option(help="Layer of a GeoPackage to read.")]
GemeenteOpt = Annotated[
    str | None,
    typer.Option("--gemeente", help="Municipality of a file without one (e.g. a park export)."),
]
ProvincieOpt = Annotated[
    str | None, typer.Option("--provincie", help="Province of a file without one.")
]
AllColumnsOpt = Annotated[
    bool, typer.Option("--all-columns", help="On screen, every column (default: the key ones).")
]
CrsOpt = Annotated[str | None, typer.Option(help="CRS of a file that has none, e.g. EPSG:28992.")]
RegionsOpt = Annotated[
    Path | None,
    typer.Option(
        help="Municipality/region table (gemeente,provincie,regio); default: "
        "gemeenten.csv beside the parcels file."
    ),
]
AgreementsOpt = Annotated[
    Path | None,
    typer.Option(
        "--agreements", "-a", help="Agreements CSV; default: agreements.csv beside the parcels."
    ),
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="As-of date (peildatum) YYYY-MM-DD; default today.")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv, json or xlsx.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of the screen.")
]


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that cleanup (temporary files) runs."""


def on_sigterm(signum, frame) -> None:
    raise Terminated


class ErrorsInPlainWords(typer.core.TyperGroup):
    """The command group: terreinen's own errors become a plain message and an exit code,
    a bug of ours one line (the traceback with --verbose), never a traceback otherwise."""

    def invoke(self, ctx):
        try:
            with _warnings_said():
                return super().invoke(ctx)
        except TerreinenConflictError as exc:
            raise fail(str(exc), EXIT_CONFLICT) from None
        except TerreinenError as exc:  # bad input: a file, a table, an output path, an option
            raise fail(str(exc)) from None
        except (KeyboardInterrupt, Terminated) as exc:
            interrupted = isinstance(exc, KeyboardInterrupt)
        except (typer.Exit, typer.Abort, typer.TyperException, BrokenPipeError):
            raise  # usage errors: click says what is wrong; a closed pipe: main() ends quietly
        except Exception as exc:  # a bug of ours: say so in one line, details with --verbose
            if state["verbose"]:
                raise
            line(
                err,
                f"internal error: {type(exc).__name__}: {exc} "
                "(run again with --verbose for details, and please report it)",
            )
            raise typer.Exit(EXIT_INTERNAL) from None
        # interrupted: the work's frames (and GDAL's open files) are freed by now, so the
        # temporary files it left can go
        from terreinen._io import remove_temporary_files

        remove_temporary_files()
        line(err, "interrupted" if interrupted else "terminated")
        raise typer.Exit(130 if interrupted else 143)


def plain(text: object, *, one_line: bool = False) -> Text:
    r"""Text exactly as written, never markup or emoji codes; control characters (terminal
    escapes) shown as ``\xNN`` instead of being sent to the terminal.

    >>> plain("[red]a\x1b]8;;x").plain
    '[red]a\\x1b]8;;x'
    """
    text = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))
    return Text(text.replace("\n", "\\x0a") if one_line else text)


def line(console: Console, text: object, style: str | None = None, end: str = "\n") -> None:
    """One line of plain text (see :func:`plain`)."""
    shown = plain(text)
    if style:
        shown.stylize(style)
    console.print(shown, end=end)


@contextlib.contextmanager
def _warnings_said() -> Iterator[None]:
    """The library's data warnings (an as-of date past the data, ...) as plain lines on
    stderr, each once, instead of Python's file:line form."""
    with warnings.catch_warnings():
        warnings.simplefilter("once", TerreinenDataWarning)
        shown = warnings.showwarning

        def show(message, category, *args, **kwargs):
            if issubclass(category, TerreinenDataWarning):
                say(f"warning: {message}", style="yellow")
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield


def progress_bar() -> Progress:
    """A progress bar on stderr for work in steps (maps, parts); off with --quiet and off a
    terminal (a pipe or a log file gets no control codes)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=state["quiet"] or not err.is_interactive,
    )


@contextlib.contextmanager
def progress(what: str) -> Iterator[None]:
    """A spinner with the time taken on stderr while ``what`` runs (reading, validating,
    drawing, writing)."""
    with progress_bar() as bar:
        bar.add_task(what, total=None)
        yield


def say(text: str, *, style: str | None = None) -> None:
    """A progress or result line on stderr, as plain text (suppressed by --quiet)."""
    if not state["quiet"]:
        line(err, text, style)


def fail(message: str, code: int = EXIT_UNUSABLE) -> typer.Exit:
    """Print an error in plain words; ``raise fail(...)`` ends the command with ``code``."""
    line(err, "error: ", "bold red", end="")
    line(err, message)
    return typer.Exit(code)


def print_findings(report, *, limit: int | None) -> None:
    findings = report.findings if not state["quiet"] else report.errors
    shown = findings if limit is None else findings[:limit]
    for finding in shown:
        style = "red" if finding.severity == "error" else "yellow"
        line(err, finding, style)
    if len(findings) > len(shown):
        line(err, f"... and {len(findings) - len(shown)} more (use --verbose to see all)")


def load(
    parcels: Path,
    layer: str | None,
    crs: str | None,
    as_of: dt.date | None = None,
    *,
    gemeente: str | None = None,
    provincie: str | None = None,
):
    """Parcels from a file, or from a register as they were on ``as_of``, for the commands
    that compute with them, or exit 2 explaining why. ``gemeente``/``provincie`` fill a
    file without them (--gemeente, --provincie)."""
    from terreinen.loading import load_parcels

    frame = register_state(parcels, as_of)
    if frame is not None:
        return frame
    with progress(f"reading and checking {parcels.name}"):
        frame, report = load_parcels(
            parcels, layer=layer, crs=crs, gemeente=gemeente, provincie=provincie
        )
    if not report.ok:
        print_findings(report, limit=None if state["verbose"] else 20)
        raise fail(f"{report.summary()}; fix the errors above first (see `terreinen validate`)")
    if report.warnings:
        say(f"{report.summary()} (`terreinen validate` lists them)", style="yellow")
    return frame


def register_state(source: Path, as_of: dt.date | None = None):
    """The parcels of a register valid on ``as_of`` (latest when None), with a warning per
    municipality whose latest delivery is stale; None when ``source`` is not a register."""
    from terreinen import settings
    from terreinen._errors import TerreinenError
    from terreinen.register import Register, is_register

    store = getattr(source, "url", "") or source
    if not is_register(store):
        return None
    try:
        with Register.open(store) as register:
            frame = register.state(as_of)
            stale = register.stale(as_of)
    except TerreinenError as exc:
        raise fail(str(exc)) from None
    when = as_of or dt.date.today()
    for day, rows in stale.groupby("laatste_levering"):
        say(
            f"warning: data may be stale: latest delivery {day:%Y-%m-%d}, more than "
            f"{settings.stale_after_months} months before {when}, for "
            f"{', '.join(rows['gemeente'])}",
            style="yellow",
        )
    return frame


@contextlib.contextmanager
def history_for(parcels: Path, store: str | None):
    """The parcel history that ``toevoeging`` agreements count from: the register ``--store``
    names, else PARCELS when it is a register, else for the embedded parcels the embedded
    yearly deliveries; None otherwise."""
    from terreinen.register import Register, is_register

    source = store or getattr(parcels, "url", "") or parcels
    if store is None and not is_register(source):
        if parcels != EMBEDDED:
            yield None
            return
        from terreinen.agreements import DeliveryHistory
        from terreinen.register import example_deliveries

        yield DeliveryHistory((date, frame) for date, _, frame in example_deliveries())
        return
    with Register.open(source) as register:
        yield register


def beside(parcels: Path, given: Path | None, name: str, what: str) -> Path | None:
    """An explicit table (which must exist), else the one named ``name`` beside the parcels."""
    if given is not None:
        if not given.is_file():
            raise fail(f"{given}: {what} not found")
        return given
    found = parcels.parent / name
    return found if found.is_file() else None


def regions_for(parcels: Path, regions: Path | None) -> Path | None:
    return beside(parcels, regions, "gemeenten.csv", "region table")


def agreements_for(parcels: Path, agreements: Path | None) -> Path | None:
    return beside(parcels, agreements, "agreements.csv", "agreements table")


def parse_as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"--as-of {value!r} is not a date; write YYYY-MM-DD") from None


def parse_factors(value: str, option: str) -> list[float]:
    """``--scenarios 0.7,1.0,1.3`` as numbers; the library checks how many and their sign."""
    try:
        return [float(part) for part in value.split(",")]
    except ValueError:
        raise fail(
            f"{option} {value!r}: give numbers separated by commas, e.g. 0.7,1.0,1.3"
        ) from None


def by_levels(by: str) -> str | list[str]:
    """``--by provincie,gemeente`` as the library takes it."""
    levels = [level.strip() for level in by.split(",") if level.strip()]
    return levels if len(levels) > 1 else levels[0]


# the capacity columns shown on screen by default: they fit 80 columns
KEY_CAPACITY_COLUMNS = (
    "bruto_ha",
    "hard_ha",
    "zacht_ha",
    "terstond_ha",
    "uitgifte_ha_per_jaar",
    "voorraad_jaren_hard",
)
AGREEMENT_KEY_COLUMNS = ("max_ha", "actual_ha", "ruimte_ha", "status")
UNKNOWN_MARK = "–"


def guard(inputs: tuple, *outputs: Path | None) -> None:
    """Before any work: refuse an output that is one of the inputs (exit 2)."""
    from terreinen._io import refuse_inputs

    for output in outputs:
        if output is not None:
            refuse_inputs(output, inputs)


def emit(
    table,
    fmt: str,
    output: Path | None,
    title: str,
    inputs: tuple = (),
    *,
    key_columns: tuple[str, ...] = (),
) -> None:
    """A result table to the screen (rich table, CSV or JSON) or to a file, whose name
    decides the format (a --format other than table must agree with it), with its notes (on
    screen below it, else on stderr). On screen with ``key_columns``: the area columns and
    those only, and a note how to get all."""
    from terreinen._io import TABLE_FORMATS, csv_text, table_to_json, write_table

    fmt = fmt.lower()
    if fmt not in ("table", *TABLE_FORMATS):
        raise fail(f"--format {fmt!r}: choose table, csv, json or xlsx")
    if output is not None:
        write_table(table, output, None if fmt == "table" else fmt, inputs=inputs)
        say(f"wrote {output}")
        for note in notes(table):
            say(note)
    elif fmt == "csv":
        sys.stdout.write(csv_text(table))
        for note in notes(table):
            say(note)
    elif fmt == "json":
        sys.stdout.write(table_to_json(table) + "\n")
        for note in notes(table):
            say(note)
    elif fmt == "xlsx":
        raise fail("--format xlsx needs --output FILE.xlsx")
    else:
        show(table, title, key_columns=key_columns)


def show(table, title: str, *, key_columns: tuple[str, ...] = ()) -> None:
    """A table on screen with its notes below: unknown figures and why, take-up years,
    hidden columns. With ``key_columns``: the leading text columns (areas, ids) and those."""
    import pandas as pd

    out.width = _screen_width()
    shown = table
    if key_columns:
        areas = list(
            itertools.takewhile(lambda c: not pd.api.types.is_numeric_dtype(table[c]), table)
        )
        shown = table[[*areas, *(c for c in key_columns if c in table and c not in areas)]]
    out.print(rich_table(shown, title), soft_wrap=False)
    for note in notes(table):
        out.print(plain(note))
    hidden = len(table.columns) - len(shown.columns)
    if hidden:
        out.print(
            f"{hidden} more columns: --all-columns, or --format csv / -o FILE.xlsx for all",
            markup=False,
        )


def _screen_width() -> int:
    """COLUMNS when set, else the terminal's width; off a terminal (a pipe, a file) tables
    keep their natural width. Read when printing: the console outlives the environment."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    # off a terminal (a pipe, a file): natural width, every row on one line
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else 100_000


def notes(table) -> list[str]:
    """The lines that belong under a table: unknown figures and why, take-up years."""
    lines = list(table.attrs.get("opmerkingen", []))
    by_reason: dict[str, list[str]] = {}
    for column, why in table.attrs.get("onbekend", {}).items():
        if column in table.columns:
            by_reason.setdefault(why, []).append(column)
    for why, columns in by_reason.items():
        lines.append(f"{UNKNOWN_MARK} unknown: {', '.join(columns)}: {why}")
    window = table.attrs.get("uitgifte_jaren")
    if window is not None and "uitgifte_ha_per_jaar" in table.columns:
        first, last = window
        lines.append(f"take-up (uitgifte_ha_per_jaar) averages {first}-{last}")
    return lines


def rich_table(table, title: str, width: int | None = None):
    """A rich Table of a DataFrame; every cell is plain text (never markup). Nothing is cut
    on a narrow terminal (``width``): numbers keep their width, headers wrap at spaces and
    names fold onto more lines when the room runs out; a missing figure shows as ``–``."""
    import pandas as pd
    from rich import box
    from rich.table import Table

    numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    cells = [
        [  # as printed: control characters shown as \xNN, one line
            plain(_cell(value, is_number), one_line=True).plain
            for value, is_number in zip(row, numeric, strict=True)
        ]
        for row in table.itertuples(index=False)
    ]
    headers = [str(c).replace("_", " ") for c in table.columns]
    view = Table(
        title=plain(title),
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    widths = _column_widths(headers, cells, numeric, (width or out.width) - 3 * len(headers) + 3)
    for header, is_number, fixed in zip(headers, numeric, widths, strict=True):
        view.add_column(
            plain(header, one_line=True),
            justify="right" if is_number else "left",
            overflow="fold",
            width=fixed,
        )
    for row in cells:
        view.add_row(
            *(plain(cell, one_line=True) for cell in row),
            style="bold" if row and row[0] == "Totaal" else None,
        )
    return view


def _cell(value, is_number: bool) -> str:
    import pandas as pd

    if pd.isna(value):
        return UNKNOWN_MARK if is_number else ""
    if is_number and isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _column_widths(headers, cells, numeric, room: int) -> list[int]:
    """Each column as wide as its header and cells where there is room. Otherwise, in turn:
    headers wrap at spaces (long words fold); names fold, the widest first, down to 5
    characters; the first column (ids, areas) folds, down to 8. Numbers never fold."""
    columns = list(zip(*cells, strict=True)) if cells else [()] * len(headers)
    longest = [max([cell_len(c) for c in column] + [1]) for column in columns]  # wide chars: 2
    widths = [max(n, cell_len(h)) for n, h in zip(longest, headers, strict=True)]
    names = [i for i, is_number in enumerate(numeric) if not is_number]
    stages = [
        dict(enumerate(longest)),  # headers fold down to the widest cell
        {i: min(longest[i], 5) for i in names if i > 0},
        {i: min(longest[i], 8) for i in names if i == 0},
    ]
    for least in stages:
        while sum(widths) > room:
            slack = {i: widths[i] - m for i, m in least.items() if widths[i] > m}
            if not slack:
                break
            widths[max(slack, key=lambda i: slack[i])] -= 1
    return widths


def map_files(municipalities) -> dict[str, str]:
    """A map file name per municipality, in name order; names that would collide
    (``Hardenberg``, ``HARDENBERG``) get ``-2``, ``-3``: no map overwrites another.

    >>> map_files(["Hardenberg", "HARDENBERG", "Overview"])  # doctest: +NORMALIZE_WHITESPACE
    {'HARDENBERG': 'hardenberg.html', 'Hardenberg': 'hardenberg-2.html',
     'Overview': 'overview-2.html'}
    """
    taken = {"overview"}  # the overview map's own file
    files = {}
    for name in sorted(municipalities):
        base = candidate = slug(name)
        number = 1
        while candidate in taken:
            number += 1
            candidate = f"{base}-{number}"
        taken.add(candidate)
        files[name] = f"{candidate}.html"
    return files


def slug(name: str) -> str:
    """A file name for a municipality's map.

    >>> slug("Aa en Hunze"), slug("Súdwest-Fryslân")
    ('aa-en-hunze', 'sudwest-fryslan')
    """
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "gemeente"
