"""The ``terreinen`` command group: global options, and every command registered from its
module (:mod:`.data`, :mod:`.analyses`, :mod:`.maps`, :mod:`.find`, :mod:`.register`).

Exit codes: see :data:`terreinen.cli.common.EXIT_CODES`.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated

import typer

from terreinen import settings
from terreinen.cli.analyses import agreements_command, capacity_command, demand_command
from terreinen.cli.common import ErrorsInPlainWords, HelpInLanguage, fail, on_sigterm, state
from terreinen.cli.data import (
    export_command,
    inspect_command,
    partition_command,
    validate_command,
)
from terreinen.cli.find import find_command
from terreinen.cli.maps import map_command, overview_command
from terreinen.cli.rapport import rapport_command
from terreinen.cli.register import changes_command, register_app
from terreinen.i18n import language, t
from terreinen.io.write import CSV_DIALECTS

__all__ = ["app", "main"]

app = typer.Typer(
    name="terreinen",
    help="Business-park land (bedrijventerreinen): parcels, plan capacity, agreements and maps.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=ErrorsInPlainWords,
)


app.command(name="validate", cls=HelpInLanguage)(validate_command)
app.command(name="inspect", cls=HelpInLanguage)(inspect_command)
app.command(name="capacity", cls=HelpInLanguage)(capacity_command)
app.command(name="demand", cls=HelpInLanguage)(demand_command)
app.command(name="agreements", cls=HelpInLanguage)(agreements_command)
app.command(name="rapport", cls=HelpInLanguage)(rapport_command)
app.command(name="find", cls=HelpInLanguage)(find_command)
app.command(name="map", cls=HelpInLanguage)(map_command)
app.command(name="overview", cls=HelpInLanguage)(overview_command)
app.command(name="export", cls=HelpInLanguage)(export_command)
app.command(name="partition", cls=HelpInLanguage)(partition_command)
app.add_typer(register_app, name="register")
app.command(name="changes", cls=HelpInLanguage)(changes_command)


@app.callback()
def _options(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every finding.")] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="nl or en: numbers (and text) as that language writes them; "
            "default: TERREINEN_LANG, else nl.",
        ),
    ] = None,
    csv: Annotated[
        str,
        typer.Option(
            "--csv",
            help="CSV as Dutch Excel opens it (nl: ';', decimal comma, two decimals, BOM in "
            "files) or international (',', decimal point, full precision).",
        ),
    ] = "nl",
) -> None:
    if csv.lower() not in CSV_DIALECTS:
        raise fail(t("--csv {value}: choose nl or international", value=repr(csv)))
    # each run its own language: --lang, else the environment (not an earlier run's)
    settings.language = lang or os.environ.get("TERREINEN_LANG") or "nl"
    try:
        language()
    except ValueError as exc:  # language() says which languages there are
        chosen, settings.language = settings.language, "en"  # say it in the source strings
        message = t("--lang {value}: choose nl or en", value=repr(chosen)) if lang else str(exc)
        raise fail(message) from None
    state.update(quiet=quiet, verbose=verbose, csv=CSV_DIALECTS[csv.lower()])


def main() -> None:
    """Entry point of the console script. SIGTERM ends it as Ctrl-C does: cleanup runs and no
    temporary file stays behind."""
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        app()
    except BrokenPipeError:  # the reader stopped reading (`| head`): end without a word
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
