"""typer's own words (``Usage:``, the panels ``Options``, ``Arguments``, ``Commands`` and
``Error``, ``No such option``, ``Missing argument``, ...) in the reader's language.

typer (0.29) carries its own copy of click, whose messages are English f-strings with no
gettext to hook into; what typer offers is the words of its help and error panels as
attributes of :mod:`typer.rich_utils` for a program to set, and the usage line's prefix as a
parameter of ``formatter.write_usage``. So: :func:`typer_words` sets those attributes to the
catalog's words for one run (and puts typer's back after it), :data:`USAGE` is the prefix
the commands write, and :func:`in_language` gives a usage error typer raised as the same
error in the reader's words, read back from typer's English by the message templates below
(each one an English msgid of ``terreinen/data/nl.po``; one that no template matches stays
as typer wrote it).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import typer.rich_utils
from typer._click.exceptions import NoArgsIsHelpError, UsageError

from terreinen.i18n import language, t

__all__ = [
    "MESSAGES",
    "USAGE",
    "WORDS",
    "in_language",
    "say_in_language",
    "set_typer_words",
    "typer_words",
]

#: The prefix of the usage line, a msgid (click writes ``Usage: `` when given none).
USAGE = "Usage: "

#: typer.rich_utils' words, by attribute, as typer writes them (English msgids).
WORDS = {
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "DEPRECATED_STRING": "(deprecated) ",
}

#: typer's usage errors as it writes them, ``{field}`` standing for what varies (a name, a
#: value, typer's own explanation); the more specific of two that could match first.
MESSAGES = (
    "No such option: {name} (Possible options: {options})",
    "No such option: {name}",
    "No such command {name}. Did you mean {suggestions}?",
    "No such command {name}.",
    "Missing command.",
    "Missing argument {name}. {details}",
    "Missing argument {name}.",
    "Missing option {name}. {details}",
    "Missing option {name}.",
    "Missing parameter: {name}",
    "Invalid value for {name}: {message}",
    "Invalid value: {message}",
    "Got unexpected extra argument(s) ({arguments})",
    "Option {name} requires an argument.",
    "Option {name} requires {n} arguments.",
    "Option {name} does not take a value.",
    "Argument {name} takes {n} values.",
    # pydantic's explanations, which typer quotes after "Invalid value for ...:"
    "Input should be a valid integer, unable to parse string as an integer",
    "Input should be a valid number, unable to parse string as a number",
    "Input should be greater than or equal to {limit}",
    "Input should be less than or equal to {limit}",
    "Input should be greater than {limit}",
    "Input should be less than {limit}",
    "Choose from:{choices}",
)

_FIELD = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    """The English message ``template`` as a regular expression, a group per field."""
    literal = _FIELD.split(template)  # text, field, text, field, ..., text
    parts = [re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(literal)]
    return re.compile("".join(parts), re.DOTALL)


_PATTERNS = [(template, _pattern(template)) for template in MESSAGES]


def say_in_language(message: str) -> str:
    """One of typer's English messages in the reader's language; its fields (typer's
    explanation after "Invalid value for ...:") too. A message no template matches, and
    every message when the language is English, stays as it is.

    >>> from terreinen import settings
    >>> with settings.applied({"language": "nl"}):
    ...     say_in_language("Missing argument 'gebied'.")
    ...     say_in_language("Invalid value for '--n': Input should be greater than or equal to 1")
    "Argument 'gebied' ontbreekt."
    "Ongeldige waarde voor '--n': moet minstens 1 zijn"
    """
    if language() == "en":
        return message
    for template, pattern in _PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            fields = {name: say_in_language(value) for name, value in found.groupdict().items()}
            return t(template, **fields)
    return message


def in_language(error: UsageError) -> UsageError:
    """``error`` in the reader's words: a usage error of the same context (the usage line
    and the hint to ``--help`` above it, exit code 2), or ``error`` itself when its message
    is not one of :data:`MESSAGES` (or the language is English)."""
    if isinstance(error, NoArgsIsHelpError):  # its message is the help, already in language
        return error
    english = error.format_message()
    said = say_in_language(english)
    if said == english:
        return error
    return UsageError(said, ctx=error.ctx)


@contextlib.contextmanager
def typer_words() -> Iterator[None]:
    """For one run: typer.rich_utils' words as :func:`set_typer_words` last set them, and
    typer's own back afterwards (a program that runs typer apps in-process keeps its
    words)."""
    before = {name: getattr(typer.rich_utils, name) for name in WORDS}
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(typer.rich_utils, name, value)


def set_typer_words() -> None:
    """typer.rich_utils' words in the language now in force (inside :func:`typer_words`)."""
    for name, english in WORDS.items():
        setattr(typer.rich_utils, name, t(english))
