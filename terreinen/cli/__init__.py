"""The ``terreinen`` command line: :mod:`.screen` (plain terminal text and tables),
:mod:`.usage` (typer's own words in the reader's language),
:mod:`.common` (shared options, sources, errors to exit codes), one module per command
group (:mod:`.find`, :mod:`.register`) and :mod:`.app`, the command group itself."""

from terreinen.cli.app import app, main

__all__ = ["app", "main"]
