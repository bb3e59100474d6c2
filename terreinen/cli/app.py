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

from terreinen.cli.analyses import agreements_command, capacity_command, demand_command
from terreinen.cli.common import ErrorsInPlainWords, on_sigterm, state
from terreinen.cli.data import export_command, partition_command, validate_command
from terreinen.cli.find import find_command
from terreinen.cli.maps import map_command, overview_command
from terreinen.cli.register import changes_command, register_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="terreinen",
    help="Business-park land (bedrijventerreinen): parcels, plan capacity, agreements and maps.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=ErrorsInPlainWords,
)


app.command(name="validate")(validate_command)
app.command(name="capacity")(capacity_command)
app.command(name="demand")(demand_command)
app.command(name="agreements")(agreements_command)
app.command(name="find")(find_command)
app.command(name="map")(map_command)
app.command(name="overview")(overview_command)
app.command(name="export")(export_command)
app.command(name="partition")(partition_command)
app.add_typer(register_app, name="register")
app.command(name="changes")(changes_command)


@app.callback()
def _options(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every finding.")] = False,
) -> None:
    state.update(quiet=quiet, verbose=verbose)


def main() -> None:
    """Entry point of the console script. SIGTERM ends it as Ctrl-C does: cleanup runs and no
    temporary file stays behind."""
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        app()
    except BrokenPipeError:  # the reader stopped reading (`| head`): end without a word
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
