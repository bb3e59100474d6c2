"""The language people read: numbers on screen and in spreadsheets as their language writes
them (Dutch ``1.693,72``, English ``1,693.72``), through Babel's locale data.

The language is ``settings.language`` (``"nl"`` by default, ``TERREINEN_LANG`` when set),
read on every call, so a change at run time (``--lang en``) applies at once. Data files,
JSON and GeoPackage keep machine numbers whatever the language.
"""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal

from terreinen import settings
from terreinen.errors import TerreinenOptionError

__all__ = ["LANGUAGES", "decimal_separator", "format_number", "language", "locale"]

#: The languages terreinen speaks, with the Babel locale of each.
LANGUAGES = {"nl": "nl_NL", "en": "en_GB"}


def language() -> str:
    """The language now in force (``settings.language``), checked.

    >>> language()
    'nl'
    """
    chosen = str(settings.language).strip().lower()
    if chosen not in LANGUAGES:
        raise TerreinenOptionError(
            f"language {settings.language!r}: choose {' or '.join(LANGUAGES)}"
        )
    return chosen


def locale() -> Locale:
    """The Babel locale of :func:`language`."""
    return Locale.parse(LANGUAGES[language()])


def format_number(value: float, decimals: int = 2) -> str:
    """A number as the reader's language writes it, with thousands grouped and ``decimals``
    decimals (hectares: 2).

    >>> format_number(1693.7249), format_number(-1.06), format_number(2620, 0)
    ('1.693,72', '-1,06', '2.620')
    """
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=locale())


def decimal_separator() -> str:
    """The decimal separator of :func:`language` (``,`` in Dutch).

    >>> decimal_separator()
    ','
    """
    return locale().number_symbols["latn"]["decimal"]
