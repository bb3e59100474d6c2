"""The language people read: messages in it (English source strings, a Dutch gettext
catalog, ``terreinen/data/nl.po``, compiled by Babel when first needed) and numbers as it
writes them (Dutch ``1.693,72``, English ``1,693.72``), through Babel's locale data.

The language is ``settings.language`` (``"nl"`` by default, ``TERREINEN_LANG`` when set),
read on every call, so a change at run time (``--lang en``) applies at once. Data files,
JSON and GeoPackage keep machine numbers whatever the language.
"""

from __future__ import annotations

import functools
import gettext
import io
from importlib import resources

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from terreinen import settings

__all__ = ["LANGUAGES", "format_number", "language", "locale", "t"]

#: The languages terreinen speaks, with the Babel locale of each.
LANGUAGES = {"nl": "nl_NL", "en": "en_GB"}


def language() -> str:
    """The language now in force (``settings.language``), checked: a ``ValueError``
    naming the choices for one terreinen does not speak (a plain one, as this module sits
    below :mod:`terreinen.errors`, whose reports are written in the reader's language).

    >>> language() in LANGUAGES
    True
    """
    chosen = str(settings.language).strip().lower()
    if chosen not in LANGUAGES:
        raise ValueError(f"language {settings.language!r}: choose {' or '.join(LANGUAGES)}")
    return chosen


def locale() -> Locale:
    """The Babel locale of :func:`language`."""
    return Locale.parse(LANGUAGES[language()])


def format_number(value: float, decimals: int = 2, *, lang: str | None = None) -> str:
    """A number as the reader's language (or ``lang``) writes it, with thousands grouped
    and ``decimals`` decimals (hectares: 2).

    >>> format_number(1693.7249, lang="nl"), format_number(-1.06, lang="nl")
    ('1.693,72', '-1,06')
    >>> format_number(2620, 0, lang="en")
    '2,620'
    """
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    where = locale() if lang is None else Locale.parse(LANGUAGES[lang])
    return format_decimal(value, format=pattern, locale=where)


def t(msgid: str, /, *, lang: str | None = None, **values: object) -> str:
    """``msgid`` (an English message with ``{name}`` fields) in the reader's language (or
    ``lang``: a page that is Dutch whatever the reader's language), the fields filled in
    from ``values``. A message the catalog lacks stays English.

    >>> t("wrote {path}", lang="nl", path="x.csv"), t("wrote {path}", lang="en", path="x.csv")
    ('x.csv geschreven', 'wrote x.csv')
    """
    chosen = str(settings.language if lang is None else lang).strip().lower()
    # a language terreinen does not speak reads the source strings (and language() says so)
    text = _translations(chosen if chosen in LANGUAGES else "en").gettext(msgid)
    return text.format(**values) if values else text


@functools.cache
def _translations(chosen: str) -> gettext.NullTranslations:
    """The catalog of a language, compiled in memory from its ``.po`` file once."""
    if chosen == "en":  # the source strings are English
        return gettext.NullTranslations()
    with resources.files("terreinen.data").joinpath(f"{chosen}.po").open("rb") as po:
        catalog = read_po(po, locale=LANGUAGES[chosen])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
