"""Tables and text on the terminal: every text from the data printed as plain text (never
rich markup, never a terminal escape), tables that fit the screen and say what is unknown.

Light imports only (rich): pandas is imported when a table is drawn."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import sys

import pandas as pd
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from terreinen.i18n import format_number, t

out = Console(soft_wrap=True, highlight=False, emoji=False)  # width: _screen_width()
err = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)
# C0/C1 control characters (ESC starts terminal escapes such as OSC 8 hyperlinks) and the
# bidirectional overrides that reorder what a terminal shows
_UNPRINTABLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def plain(text: object, *, one_line: bool = False) -> Text:
    r"""Text exactly as written, never markup or emoji codes; control characters (terminal
    escapes) shown as ``\xNN`` instead of being sent to the terminal.

    >>> plain("[red]a\x1b]8;;x").plain
    '[red]a\\x1b]8;;x'
    """
    text = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))
    return Text(text.replace("\n", "\\x0a") if one_line else text)


def for_terminal(text: str) -> str:
    r"""Machine output (CSV, JSON) as it may go to stdout: to a terminal, control, C1 and
    bidirectional characters shown as ``\xNN`` (as in tables: data never drives the
    terminal); to a file or a pipe, the data as it is.

    >>> for_terminal("a\x1b[2J") == ("a\\x1b[2J" if sys.stdout.isatty() else "a\x1b[2J")
    True
    """
    return plain(text).plain if sys.stdout.isatty() else text


def line(console: Console, text: object, style: str | None = None, end: str = "\n") -> None:
    """One line of plain text (see :func:`plain`)."""
    shown = plain(text)
    if style:
        shown.stylize(style)
    console.print(shown, end=end)


# the capacity columns shown on screen by default: they fit 80 columns
KEY_CAPACITY_COLUMNS = (
    "bruto_ha",
    "hard_ha",
    "zacht_ha",
    "terstond_ha",
    "uitgifte_ha_per_jaar",
    "voorraad_jaren_hard",
)
# the agreements on screen, in this order: what fits 80 columns first (segment may be left off)
AGREEMENT_KEY_COLUMNS = (
    "afspraak_id",
    "gebied",
    "max_ha",
    "actual_ha",
    "ruimte_ha",
    "status",
    "segment",
)
UNKNOWN_MARK = "–"


def show(
    table, title: str, *, key_columns: tuple[str, ...] = (), console: Console | None = None
) -> None:
    """A table on screen with its notes below: unknown figures and why, take-up years,
    hidden columns. With ``key_columns``: those, after the leading text columns (areas, ids)
    unless they name some of them; on ``console`` (default: the screen).
    Columns that would not fit the terminal without breaking a word or a number are left
    off (the rightmost first), and a line says how to see them; notes wrap at spaces."""

    if console is None:  # the screen, as wide as it is now
        console = out
        out.width = _screen_width()
    shown = table
    if key_columns:
        areas = list(
            itertools.takewhile(lambda c: not pd.api.types.is_numeric_dtype(table[c]), table)
        )
        if any(c in key_columns for c in areas):  # the key columns name the text ones too
            areas = []
        shown = table[[*areas, *(c for c in key_columns if c in table and c not in areas)]]
    fitting = fit(shown, console.width)
    console.print(rich_table(fitting, title, console.width), soft_wrap=False)
    for note in notes(table):  # wrapped at spaces to the screen's width, as tables are
        console.print(plain(note), soft_wrap=False)
    hidden = len(table.columns) - len(fitting.columns)
    if hidden:
        narrow = len(fitting.columns) < len(shown.columns)
        said = (
            t(
                "{n} more columns: --all-columns on a wider terminal, or --format csv / "
                "-o FILE.xlsx for all",
                n=hidden,
            )
            if narrow
            else t(
                "{n} more columns: --all-columns, or --format csv / -o FILE.xlsx for all", n=hidden
            )
        )
        console.print(plain(said), soft_wrap=False)  # wrapped at spaces, as the notes


def fit(table, width: int):
    """The leading columns of ``table`` that fit ``width`` characters with every word and
    number whole (headers and names wrap at spaces only); at least the first column."""
    headers, cells, numeric = _texts(table)
    least = _least_widths(headers, cells, numeric)
    kept = len(least)
    while kept > 1 and sum(least[:kept]) + _GAP * (kept - 1) > width:
        kept -= 1
    return table.iloc[:, :kept]


_GAP = 3  # characters between two columns


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
        columns_said = ", ".join(columns)
        lines.append(
            t("{mark} unknown: {columns}: {why}", mark=UNKNOWN_MARK, columns=columns_said, why=why)
        )
    window = table.attrs.get("uitgifte_jaren")
    # the years take-up averages, where the table states any take-up
    if (
        window is not None
        and table.get("uitgifte_ha_per_jaar", pd.Series(dtype=float)).notna().any()
    ):
        first, last = window
        lines.append(
            t("take-up (uitgifte_ha_per_jaar) averages {first}-{last}", first=first, last=last)
        )
    return lines


def rich_table(table, title: str, width: int | None = None):
    """A rich Table of a DataFrame; every cell is plain text (never markup). Nothing is cut
    on a narrow terminal (``width``): numbers keep their width, headers and names wrap at
    spaces, never inside a word (:func:`fit` first leaves off what cannot fit that way);
    a missing figure shows as ``–``."""

    headers, cells, numeric = _texts(table)
    view = Table(
        title=plain(title),
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    room = (width or out.width) - _GAP * (len(headers) - 1)
    widths = _column_widths(headers, cells, numeric, room)
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


def _texts(table) -> tuple[list[str], list[list[str]], list[bool]]:
    """Headers (``_`` as spaces, so they wrap), cells as printed, and which columns are
    numbers."""
    numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    cells = [
        [  # as printed: control characters shown as \xNN, one line
            plain(cell_text(value, is_number), one_line=True).plain
            for value, is_number in zip(row, numeric, strict=True)
        ]
        for row in table.itertuples(index=False)
    ]
    headers = [str(c).replace("_", " ") for c in table.columns]
    return headers, cells, numeric


def cell_text(value, is_number: bool) -> str:
    """A cell as printed: numbers in the reader's language with two decimals, a missing
    figure ``–``, a date as a date."""

    if pd.isna(value):
        return UNKNOWN_MARK if is_number else ""
    if is_number and isinstance(value, float):
        return format_number(value)
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()  # a date, not "2019-01-01 00:00:00"
    return str(value)


def _words(text: str) -> int:
    """The width of the longest word of ``text`` (where it may wrap)."""
    return max([cell_len(word) for word in text.split()] + [1])


def _least_widths(headers, cells, numeric) -> list[int]:
    """Each column's narrowest width with every word whole: numbers whole, headers and
    names wrapped at spaces."""
    columns = list(zip(*cells, strict=True)) if cells else [()] * len(headers)
    return [
        max(
            _words(header),
            *((cell_len(c) for c in column) if is_number else (_words(c) for c in column)),
            1,
        )
        for header, column, is_number in zip(headers, columns, numeric, strict=True)
    ]


def _column_widths(headers, cells, numeric, room: int) -> list[int]:
    """Each column as wide as its header and cells where there is room. Otherwise the
    widest column gives way first, down to its longest word (headers wrap at spaces, then
    names); numbers never fold."""
    columns = list(zip(*cells, strict=True)) if cells else [()] * len(headers)
    longest = [max([cell_len(c) for c in column] + [1]) for column in columns]  # wide chars: 2
    widths = [max(n, cell_len(h)) for n, h in zip(longest, headers, strict=True)]
    least = _least_widths(headers, cells, numeric)
    stages = [  # headers wrap first (down to the widest cell), then names
        [max(n, m) for n, m in zip(longest, least, strict=True)],
        least,
    ]
    for floor in stages:
        while sum(widths) > room:
            slack = {i: w - floor[i] for i, w in enumerate(widths) if w > floor[i]}
            if not slack:
                break
            widths[max(slack, key=lambda i: slack[i])] -= 1
    return widths
