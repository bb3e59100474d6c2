"""What the commands of the ``terreinen`` command line share: options, printing, and the
study each command computes from (:func:`open_study`: the parcels, their tables and history
resolved once).

Everything from the data (names, notes, file names, messages quoting values) is printed as
plain text, never as rich markup, so a park named ``[link=...]`` prints as written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import os
import re
import sys
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
import typer.core
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TimeElapsedColumn,
)
from rich.text import Text
from typer._click.exceptions import UsageError

from terreinen import settings
from terreinen.agreements import DeliveryHistory, History
from terreinen.cli.screen import (
    err,
    for_terminal,
    line,
    notes,
    plain,
    show,
)
from terreinen.cli.usage import USAGE, in_language, set_typer_words, typer_words
from terreinen.datasets import get_path
from terreinen.errors import (
    TerreinenConflictError,
    TerreinenDataError,
    TerreinenDataWarning,
    TerreinenError,
    TerreinenNotFoundError,
    TerreinenOptionError,
    TerreinenReadError,
)
from terreinen.figures import as_of_date, dated
from terreinen.i18n import LANGUAGES, t
from terreinen.io.files import load_parcels
from terreinen.io.source import URL_SCHEMES, Source
from terreinen.io.write import (
    DUTCH_CSV,
    TABLE_FORMATS,
    csv_text,
    inputs_protected,
    refuse_inputs,
    remove_temporary_files,
    table_to_json,
    write_table,
)
from terreinen.register import Register, example_deliveries, is_register
from terreinen.study import Study
from terreinen.validation.values import closest, parse_numbers

state: dict = {"quiet": False, "verbose": False, "csv": DUTCH_CSV}
# the global options (app.py), taken after the subcommand too: flags, and those with a value
_GLOBAL_FLAGS = ("--quiet", "-q", "--verbose", "-v")
_GLOBAL_WITH_VALUE = ("--lang", "--csv")

EXIT_FINDINGS = 1  # validate: the data were checked and have errors
EXIT_UNUSABLE = 2  # the command cannot run on this input or these options
EXIT_INTERNAL = 3  # a bug of ours
EXIT_CONFLICT = 4  # an edit someone else overtook: read again and retry

EXIT_CODES: dict[type[TerreinenError], int] = {
    TerreinenConflictError: EXIT_CONFLICT,
    TerreinenError: EXIT_UNUSABLE,
}
"""The one table from terreinen's errors to the command line's exit codes: the most
specific class of an error that the table names decides (:func:`exit_code_of`)."""


def exit_code_of(error: TerreinenError) -> int:
    """The exit code :data:`EXIT_CODES` gives ``error``'s class or its nearest base."""
    return next(EXIT_CODES[kind] for kind in type(error).__mro__ if kind in EXIT_CODES)


def failure(error: TerreinenError, flags: dict[str, str] | None = None) -> typer.Exit:
    """Print one of terreinen's errors in plain words (a data error's findings first, as
    many as ``--verbose`` allows) and return the exit that ends the command. ``flags``:
    the command's options by parameter name (:func:`option_flags`), which an argument's
    error names as the user typed them."""
    if isinstance(error, TerreinenDataError) and not isinstance(error, TerreinenReadError):
        print_findings(error.report, limit=None if state["verbose"] else 20)
        said = t("{summary}; nothing was written", summary=error.report.summary())
        return fail(said, exit_code_of(error))
    if isinstance(error, TerreinenOptionError | TerreinenNotFoundError):
        return fail(as_typed(str(error), flags or {}), exit_code_of(error))
    return fail(str(error), exit_code_of(error))


def option_flags(command: typer.core.TyperCommand | typer.core.TyperGroup) -> dict[str, str]:
    """The long flag of each of ``command``'s options, by parameter name
    (``{"min_ha": "--min-ha"}``)."""
    return {
        param.name: max(param.opts, key=len)
        for param in command.params
        if param.param_type_name == "option" and param.name and param.opts
    }


def as_typed(message: str, flags: dict[str, str]) -> str:
    """A library message about an argument names its parameter (``min_ha``); the command
    line says the option the user typed (``--min-ha``). A parameter whose name cannot be a
    plain word (``max_ha``) is renamed wherever it stands as a word; one that can (``by``),
    where it opens the message followed by its value, or stands in parentheses: "cannot
    group by ..." stays as it is.

    >>> flags = {"min_ha": "--min-ha", "max_ha": "--max-ha", "by": "--by"}
    >>> as_typed("min_ha 3.0 is larger than max_ha 1.0", flags)
    '--min-ha 3.0 is larger than --max-ha 1.0'
    >>> as_typed("an edit needs who made it (by); cannot group by 'straat'", flags)
    "an edit needs who made it (--by); cannot group by 'straat'"
    """
    for name, flag in flags.items():
        word = re.escape(name)
        pattern = (
            rf"(?<![\w'\"./-]){word}(?!\w)" if "_" in name else rf"^{word}(?= )|(?<=\(){word}(?=\))"
        )
        message = re.sub(pattern, flag, message)
    return message


EMBEDDED = Source.of(get_path("parcels"))
_SLUG_LENGTH = 64  # characters of a map's file name before ".html" (file systems allow 255)


def parcels_source(value: str | Source) -> Source:
    """A parcels file, or a register store (a .gpkg file or a ``postgresql://`` URL): a
    :class:`Source`, whose text never shows a password."""
    return Source.of(value)


ParcelsArg = Annotated[
    Source,
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
    typer.Option(
        "--gemeente", help="Only this municipality (as the data write it; case does not matter)."
    ),
]
GemeenteVanBestandOpt = Annotated[
    str | None,
    typer.Option(
        "--gemeente-van-bestand",
        help="Municipality of a file without one (e.g. a park export without outlines).",
    ),
]
ProvincieVanBestandOpt = Annotated[
    str | None,
    typer.Option("--provincie-van-bestand", help="Province of a file without one."),
]
ColumnsOpt = Annotated[
    Path | None,
    typer.Option(
        "--columns",
        help="Column mapping (JSON, as `terreinen inspect FILE -o mapping.json` writes it): "
        "the file's columns read as the contract's, with units and values.",
    ),
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
GevoeligOpt = Annotated[
    Path | None,
    typer.Option(
        "--gevoelig",
        help="Sensitive objects (homes: points or polygons, optional column gebiedstype "
        "rustig/gemengd): the milieucategorie parcels can really take (VNG distances).",
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


@contextlib.contextmanager
def help_in_language(command, ctx) -> Iterator[None]:
    """While help is shown: the help texts of ``command``, its parameters (``--help``
    included) and its subcommands (their one-line summaries) in the reader's language."""
    parts = [
        command,
        *command.get_params(ctx),
        *getattr(command, "commands", {}).values(),
    ]
    written = [(part, part.help) for part in parts if getattr(part, "help", None)]
    for part, text in written:
        part.help = t(text)
    try:
        yield
    finally:
        for part, text in written:
            part.help = text


class _InLanguage:
    """A command's help and usage line in the reader's language (a mixin of typer's
    command classes)."""

    def format_help(self, ctx, formatter):
        with help_in_language(self, ctx):
            return super().format_help(ctx, formatter)  # type: ignore[misc]

    def format_usage(self, ctx, formatter):
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=t(USAGE))

    def collect_usage_pieces(self, ctx):
        # typer's placeholders ([OPTIONS], COMMAND [ARGS]...) translated, parameters as named
        placeholders = (self.options_metavar, getattr(self, "subcommand_metavar", None))  # type: ignore[attr-defined]
        pieces = super().collect_usage_pieces(ctx)  # type: ignore[misc]
        return [t(piece) if piece in placeholders else piece for piece in pieces]


class HelpInLanguage(_InLanguage, typer.core.TyperCommand):
    """A command whose ``--help`` and usage line are in the reader's language."""


class GroupHelpInLanguage(_InLanguage, typer.core.TyperGroup):
    """A command group whose ``--help`` and usage line are in the reader's language."""


_FLAGS = "terreinen.flags"  # the invoked command's option_flags, in the context's meta


def _named_command(group, ctx, args: list[str]):
    """The (sub)command the words ``args`` name, e.g. ``register`` then ``set``."""
    command = group
    for token in args:
        found = command.get_command(ctx, token) if hasattr(command, "get_command") else None
        command = found or command
    return command


class ErrorsInPlainWords(GroupHelpInLanguage):
    """The command group: terreinen's own errors become a plain message and an exit code,
    a bug of ours one line (the traceback with --verbose), never a traceback otherwise.
    Global options are taken after the subcommand too (``terreinen overview --quiet``).
    typer's own words (usage errors, the panels of help) are in the reader's language."""

    def main(self, *args, **kwargs):
        # a run's --lang (and typer's words in it) are the run's: a program that runs
        # commands in-process keeps its own
        language_before = settings.language
        try:
            with typer_words():
                return super().main(*args, **kwargs)
        finally:
            settings.language = language_before

    def parse_args(self, ctx, args):
        args = global_options_first(args)
        ctx.meta[_FLAGS] = option_flags(_named_command(self, ctx, args))
        # --help is answered while parsing, before the options take effect: the language first
        settings.language = _language_asked(args) or os.environ.get("TERREINEN_LANG") or "nl"
        set_typer_words()
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            raise in_language(exc) from None

    def invoke(self, ctx):
        try:
            with _warnings_said(), inputs_protected():
                return super().invoke(ctx)
        except TerreinenError as exc:  # bad input: a file, a table, an output path, an option
            raise failure(exc, ctx.meta.get(_FLAGS)) from None
        except (KeyboardInterrupt, Terminated) as exc:
            interrupted = isinstance(exc, KeyboardInterrupt)
        except UsageError as exc:  # a subcommand's: click says what is wrong, in language
            raise in_language(exc) from None
        except (typer.Exit, typer.Abort, typer.TyperException, BrokenPipeError):
            raise  # usage errors: click says what is wrong; a closed pipe: main() ends quietly
        except Exception as exc:  # a bug of ours: say so in one line, details with --verbose
            if state["verbose"]:
                raise
            said = t(
                "internal error: {kind}: {exc} (run again with --verbose for details, and "
                "please report it)",
                kind=type(exc).__name__,
                exc=exc,
            )
            line(err, said)
            raise typer.Exit(EXIT_INTERNAL) from None
        # interrupted: the work's frames (and GDAL's open files) are freed by now, so the
        # temporary files it left can go

        remove_temporary_files()
        line(err, t("interrupted") if interrupted else t("terminated"))
        raise typer.Exit(130 if interrupted else 143)


def _language_asked(args: list[str]) -> str | None:
    """The value of ``--lang`` among the (global-first) arguments, if any and known."""
    for word, after in zip(args, [*args[1:], ""], strict=True):
        chosen = word.removeprefix("--lang=") if word.startswith("--lang=") else None
        chosen = after if word == "--lang" else chosen
        if chosen is not None:
            return chosen if chosen in LANGUAGES else None
    return None


def global_options_first(args: list[str]) -> list[str]:
    """The arguments with the global options (wherever they are, up to ``--``) first.

    >>> global_options_first(["overview", "x.gpkg", "--quiet", "--lang=en", "--csv", "nl"])
    ['--quiet', '--lang=en', '--csv', 'nl', 'overview', 'x.gpkg']
    """
    found: list[str] = []
    rest: list[str] = []
    words = iter(map(str, args))  # in-process callers may pass paths
    for word in words:
        if word == "--":
            rest += [word, *words]
        elif word in _GLOBAL_FLAGS or word.startswith(tuple(f"{o}=" for o in _GLOBAL_WITH_VALUE)):
            found.append(word)
        elif word in _GLOBAL_WITH_VALUE:
            found += [word, *itertools.islice(words, 1)]
        else:
            rest.append(word)
    return found + rest


def decimal_number(text: str) -> float:
    """A number as people type it, with a decimal comma or point (``2,5``, ``2.5``):
    numeric options take it as :func:`terreinen.validation.values.parse_numbers` reads data.

    >>> decimal_number("2,5"), decimal_number("15.5")
    (2.5, 15.5)
    """
    value = parse_numbers(pd.Series([text], dtype=object)).iloc[0]
    if pd.isna(value):
        raise typer.BadParameter(
            t("{value} is not a number; write e.g. 2,5 or 2.5", value=repr(text))
        )
    return float(value)


@contextlib.contextmanager
def _warnings_said() -> Iterator[None]:
    """Warnings as plain lines on stderr instead of Python's file:line form: the library's
    data warnings (an as-of date past the data, ...) and those of the libraries beneath (GDAL
    quoting a column name of the file), as text from the data, never markup or a terminal
    escape; each distinct one once per run, however many municipalities, maps or tables
    computed it."""
    said: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always", TerreinenDataWarning)  # ours: counted below

        def show(message, category, *args, **kwargs):
            if str(message) not in said:
                said.add(str(message))
                say(t("warning: {message}", message=message), style="yellow")

        warnings.showwarning = show
        yield


class PlainDescription(ProgressColumn):
    """A task's description as plain text (:func:`plain`, as in tables): a file name such
    as ``[link=...]x.gpkg`` or one holding ESC is shown as written, never as markup or a
    terminal escape."""

    def render(self, task) -> Text:
        return plain(task.description, one_line=True)


def progress_bar() -> Progress:
    """A progress bar on stderr for work in steps (maps, parts); off with --quiet and off a
    terminal (a pipe or a log file gets no control codes)."""
    return Progress(
        SpinnerColumn(),
        PlainDescription(),
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
    line(err, t("error: "), "bold red", end="")
    line(err, message)
    return typer.Exit(code)


def print_findings(report, *, limit: int | None) -> None:
    findings = report.findings if not state["quiet"] else report.errors
    shown = findings if limit is None else findings[:limit]
    for finding in shown:
        style = "red" if finding.severity == "error" else "yellow"
        line(err, finding, style)
    if len(findings) > len(shown):
        rest = len(findings) - len(shown)
        line(err, t("... and {n} more (use --verbose to see all)", n=rest))


def load(
    source: Source,
    layer: str | None,
    crs: str | None,
    as_of: dt.date | None = None,
    *,
    gemeente: str | None = None,
    provincie: str | None = None,
    columns: Path | None = None,
):
    """Parcels from a file, or from a register as they were on ``as_of``, or exit 2 explaining
    why. ``gemeente``/``provincie`` fill a file without them (--gemeente, --provincie);
    ``columns`` is a column mapping (--columns)."""
    if is_register(source.location):
        with Register.open(source.location) as register:
            return _register_state(register, as_of)
    with progress(t("reading and checking {name}", name=source.name)):
        reading = {"layer": layer, "crs": crs, "gemeente": gemeente, "provincie": provincie}
        frame, report = load_parcels(source.location, columns=columns, **reading)
    if not report.ok:
        print_findings(report, limit=None if state["verbose"] else 20)
        raise fail(
            t(
                "{summary}; fix the errors above first (see `terreinen validate`)",
                summary=report.summary(),
            )
        )
    if report.warnings:  # the first three, as read_parcels warns them
        print_findings(report, limit=None if state["verbose"] else 3)
        said = t("{summary} (`terreinen validate` lists them)", summary=report.summary())
        say(said, style="yellow")
    return frame


def _register_state(register: Register, as_of: dt.date | None):
    """The parcels of a register valid on ``as_of`` (latest when None), with a warning per
    municipality whose latest delivery is stale."""
    frame = register.state(as_of)
    when = as_of or dt.date.today()
    for day, rows in register.stale(as_of).groupby("laatste_levering"):
        said = t(
            "warning: data may be stale: latest delivery {day}, more than {months} months "
            "before {when}, for {names}",
            day=f"{day:%Y-%m-%d}",
            months=settings.stale_after_months,
            when=when,
            names=", ".join(rows["gemeente"]),
        )
        say(said, style="yellow")
    return frame


@contextlib.contextmanager
def open_study(
    source: Source,
    *,
    as_of: dt.date | None = None,
    layer: str | None = None,
    crs: str | None = None,
    file_gemeente: str | None = None,
    file_provincie: str | None = None,
    gemeente: str | None = None,
    agreements: Path | None = None,
    regions: Path | None = None,
    store: str | None = None,
    takeup_years: int | None = None,
    sensitive: Path | None = None,
    columns: Path | None = None,
) -> Iterator[Study]:
    """The study a command computes from: the parcels of ``source`` (a file, or a register
    on ``as_of``), the agreements and regions (given, or ``agreements.csv`` /
    ``gemeenten.csv`` beside the parcels), and the history ``toevoeging`` agreements count
    from (``store``, else ``source`` when it is a register, else for the embedded parcels
    their yearly deliveries). ``file_gemeente``, ``file_provincie``: of a file without
    them. ``gemeente``: the study of that municipality only (as the data write it, case
    aside). Registers stay open while the study is used."""
    with contextlib.ExitStack() as stack:
        history: History | None = None
        if is_register(source.location):
            history = stack.enter_context(Register.open(source.location))
            frame = _register_state(history, as_of)
        else:
            named = {"gemeente": file_gemeente, "provincie": file_provincie}
            frame = load(source, layer, crs, as_of, columns=columns, **named)
        if store is not None:
            history = stack.enter_context(Register.open(store))
        elif history is None and source == EMBEDDED:
            history = DeliveryHistory((day, part) for day, _, part in example_deliveries())
        study = Study(
            frame,
            as_of=as_of,
            agreements=agreements_for(source, agreements),
            regions=regions_for(source, regions),
            history=history,
            takeup_years=takeup_years,
            source=source,
            sensitive=sensitive,
        )
        if gemeente is not None:
            named_as = resolve_name(gemeente, study.municipalities, "municipality", "--gemeente")
            study = study.for_gemeente(named_as)
        yield study


def resolve_name(name: str, known, what: str, option: str) -> str:
    """A name as the data write it: exact, else the one known name that differs only in
    case (``hardenberg`` is ``Hardenberg``); else exit 2 with the closest names.

    >>> resolve_name("hardenberg", ["Assen", "Hardenberg"], "municipality", "--gemeente")
    'Hardenberg'
    """
    names = sorted({str(k) for k in known})
    if name in names:
        return name
    same = [k for k in names if k.casefold() == name.casefold()]
    if len(same) == 1:
        return same[0]
    if same:
        raise fail(
            t(
                "{option} {name}: several names differ only in case: {same}",
                option=option,
                name=repr(name),
                same=", ".join(same),
            )
        )
    raise fail(
        t(
            "{option} {name}: not a known {what} ({hint})",
            option=option,
            name=repr(name),
            what=t(what),
            hint=closest(name, names, what),
        )
    )


def study_dates(study: Study) -> str:
    """A title's dates: the study's as-of date and its data's own date, the range of its
    municipalities' dates when they differ (``peildatum 2026-12-02, gegevens t/m
    2025-06-30 – 2025-12-22``)."""
    return dated(study.as_of, study.data_dates)


def beside(source: Source, given: Path | None, name: str, what: str) -> Path | None:
    """An explicit table (which must exist), else the one named ``name`` beside the parcels."""
    if given is not None:
        if not given.is_file():
            raise fail(t("{path}: {what} not found", path=given, what=t(what)))
        return given
    found = source.folder / name
    return found if found.is_file() else None


def regions_for(source: Source, regions: Path | None) -> Path | None:
    return beside(source, regions, "gemeenten.csv", "region table")


def agreements_for(source: Source, agreements: Path | None) -> Path | None:
    return beside(source, agreements, "agreements.csv", "agreements table")


def inputs_of(source: Source, *tables: Path | str | None) -> tuple[Path, ...]:
    """The files a command reads, which no output may be: the parcels file (a URL is not a
    file) and the tables."""
    files = [] if source.is_url else [source.path]
    files += [
        Path(table)
        for table in tables
        if table is not None and not str(table).startswith(URL_SCHEMES)
    ]
    return tuple(files)


def parse_as_of(value: str | None, option: str = "--as-of") -> dt.date | None:
    """A date option as a date (None stays None), read as the library reads dates, with a
    message that names the option."""
    return None if value is None else as_of_date(value, option).date()


def parse_factors(value: str, option: str) -> list[float]:
    """``--scenarios 0.7,1.0,1.3`` (or with decimal commas ``0,7;1,0;1,3``) as numbers; the
    library checks how many and their sign."""
    try:
        if ";" in value:
            return [decimal_number(part) for part in value.split(";")]
        return [float(part) for part in value.split(",")]
    except (ValueError, typer.BadParameter):
        said = t(
            "{option} {value}: give numbers separated by commas, e.g. 0.7,1.0,1.3 (or by "
            "semicolons with decimal commas: 0,7;1,0;1,3)",
            option=option,
            value=repr(value),
        )
        raise fail(said) from None


def by_levels(by: str) -> str | list[str]:
    """``--by provincie,gemeente`` as the library takes it."""
    levels = [level.strip() for level in by.split(",") if level.strip()]
    return levels if len(levels) > 1 else levels[0]


def guard(inputs: tuple, *outputs: Path | None) -> None:
    """Before any work: refuse an output that is one of the inputs (exit 2)."""

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

    fmt = fmt.lower()
    if fmt not in ("table", *TABLE_FORMATS):
        raise fail(t("--format {fmt}: choose table, csv, json or xlsx", fmt=repr(fmt)))
    if output is not None:
        write_table(
            table, output, None if fmt == "table" else fmt, inputs=inputs, dialect=state["csv"]
        )
        say(t("wrote {path}", path=output))
        for note in notes(table):
            say(note)
    elif fmt == "csv":
        sys.stdout.write(for_terminal(csv_text(table, state["csv"])))
        for note in notes(table):
            say(note)
    elif fmt == "json":
        sys.stdout.write(for_terminal(table_to_json(table) + "\n"))
        for note in notes(table):
            say(note)
    elif fmt == "xlsx":
        raise fail(t("--format xlsx needs --output FILE.xlsx"))
    else:
        show(table, title, key_columns=key_columns)


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
    """A file name for a municipality's map; a name too long for a file name is cut, with
    a short hash of the whole name so that two long names stay apart.

    >>> slug("Aa en Hunze"), slug("Súdwest-Fryslân"), len(slug("x" * 300))
    ('aa-en-hunze', 'sudwest-fryslan', 64)
    """
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "gemeente"
    if len(text) <= _SLUG_LENGTH:
        return text
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{text[: _SLUG_LENGTH - 9].rstrip('-')}-{digest}"
