"""The page without script: the park and municipality tables as plain HTML, from the same
page data the script reads, every text HTML-escaped. A reader whose browser runs no script
(or a portal that strips it) still gets every figure."""

from __future__ import annotations

import html

from babel.numbers import format_decimal

__all__ = ["noscript_tables"]

_PARK_HEAD = [
    "Terrein",
    "Gemeente",
    "Beschikbaarheid",
    "Bruto",
    "Harde plancapaciteit",
    "Terstond uitgeefbaar",
    "Zachte plancapaciteit",
    "Uitgifte per jaar",
    "Voorraad (hard)",
]
_PARK_FIGURES = [0, 4, 3, 5, 7]  # positions in a park's figures, in the order of _PARK_HEAD
_MUNICIPALITY_HEAD = [
    "Gemeente",
    "Harde plancapaciteit",
    "Zachte plancapaciteit",
    "Terstond uitgeefbaar",
    "Uitgifte per jaar",
    "Voorraad (hard)",
    "Afspraken",
    "Gegevens van",
]
_UNKNOWN = "–"


def _number(value, digits: int, unit: str) -> str:
    """A figure as the page's script writes it (nl-NL), or a dash for unknown."""
    if value is None:
        return _UNKNOWN
    return format_decimal(value, format="#,##0." + "0" * digits, locale="nl_NL") + " " + unit


def _table(caption: str, head: list[str], rows: list[list[tuple[str, bool]]]) -> str:
    """An HTML table; each cell is (text, is a number)."""
    header = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="tr-num">{html.escape(text)}</td>'
            if numeric
            else f"<td>{html.escape(text)}</td>"
            for text, numeric in row
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="tr-scroll"><table><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def noscript_tables(data: dict) -> str:
    """The ``<noscript>`` section of the page: the as-of date, the source and the take-up
    years, and a table of every park and municipality with the figures the map shows."""
    parks, towns = data["parks"], data["municipalities"]
    park_rows = []
    for i, name in enumerate(parks["name"]):
        figures = parks["figures"][i]
        row = [
            (name, False),
            (parks["gemeente"][i], False),
            (data["parkClasses"][parks["cls"][i]], False),
        ]
        row += [(_number(figures[k], 2, "ha"), True) for k in _PARK_FIGURES]
        row.append((_number(figures[8], 1, "jaar"), True))
        park_rows.append(row)
    head = list(_MUNICIPALITY_HEAD)
    verdicts = towns["oordeel"]
    if verdicts:
        head.append("Oordeel vraag en aanbod")
    town_rows = []
    for i, name in enumerate(towns["name"]):
        figures = towns["figures"][i]
        status = towns["status"][i]
        row = [(name, False)]
        row += [(_number(value, 2, "ha"), True) for value in figures[:4]]
        row.append((_number(figures[4], 1, "jaar"), True))
        row.append((data["agreementStates"][status] if status >= 0 else _UNKNOWN, False))
        row.append((towns["dataDate"][i] or _UNKNOWN, False))
        if verdicts:
            row.append((verdicts[i] or _UNKNOWN, False))
        town_rows.append(row)
    lead = (
        f"{data['dates'][:1].upper()}{data['dates'][1:]}. Bron: {data['source']}. "
        f"Uitgifte per jaar: {data['takeupMethod']}."
    )
    return (
        '<noscript><section class="tr-plain" aria-labelledby="tr-plain-title">'
        '<h2 id="tr-plain-title">Alle terreinen en gemeenten (zonder kaart)</h2>'
        f"<p>{html.escape(lead)}</p>"
        + _table("Bedrijventerreinen", _PARK_HEAD, park_rows)
        + _table("Gemeenten", head, town_rows)
        + "</section></noscript>"
    )
