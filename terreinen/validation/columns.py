"""Column checks shared by parcels and plain tables: each converts a column into the
contract's type and records what cannot be converted as a finding with its row."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from terreinen import schema
from terreinen.i18n import format_number, t
from terreinen.report import Finding, Severity, ValidationReport
from terreinen.validation.values import (
    as_text,
    canonical_value,
    is_blank,
    parse_dates,
    parse_numbers,
    row_list,
    suggest,
)

Text = str | Callable[[int], str | None] | None


class Checker:
    """Collects findings while the columns of one frame are checked and converted."""

    def __init__(self, frame: pd.DataFrame, source: str, noun: str = "parcels"):
        self.frame = frame
        self.report = ValidationReport(source, n_rows=len(frame), noun=noun)
        ids = frame["kavel_id"] if "kavel_id" in frame else pd.Series(None, index=frame.index)
        # object first: a str column turns None back into NaN ("kavel_id 'nan'")
        self.ids = ids.astype(object).where(ids.notna(), None).to_numpy()

    def add(self, severity: Severity, message: str, column: str | None = None, **kw) -> None:
        self.report.findings.append(Finding(severity, message, column=column, **kw))

    def flag(
        self,
        mask: Iterable[bool],
        severity: Severity,
        column: str | None,
        message: Text,
        suggestion: Text = None,
    ) -> None:
        """One finding per flagged row; ``message``/``suggestion`` may be functions of the row."""
        for pos in np.flatnonzero(np.asarray(mask, dtype=bool)).tolist():
            kavel_id = self.ids[pos]
            self.report.findings.append(
                Finding(
                    severity,
                    str(message(pos) if callable(message) else message),
                    row=int(pos) + 1,
                    kavel_id=None if kavel_id is None else str(kavel_id),
                    column=column,
                    suggestion=suggestion(pos) if callable(suggestion) else suggestion,
                )
            )


def check_category(chk: Checker, column: str, *, open_ended: bool = False) -> pd.Series:
    """Values in their canonical spelling; respellings are warnings, unknown values errors.

    ``open_ended`` (segments) accepts any plain lower-case word besides the known values.
    """
    raw = as_text(chk.frame[column])
    allowed = set(schema.CATEGORY_VALUES[column])
    unknown_words = schema.UNKNOWN_VALUES.get(column, ())
    mapping: dict[str, str | None] = {}
    unknown_said: list[str] = []
    for value in raw.dropna().unique():  # each distinct value once: columns repeat a few
        canonical = canonical_value(column, value)
        if canonical in allowed or (open_ended and re.fullmatch(r"[a-z0-9_]+", canonical)):
            mapping[value] = canonical
        else:
            mapping[value] = None
        if schema.normalise_value(value) in unknown_words:
            unknown_said.append(value)
    converted = raw.map(mapping, na_action="ignore")
    said_unknown = raw.isin(unknown_said)
    _per_spelling(
        chk,
        column,
        raw,
        said_unknown,
        t("read as unknown ({rows}): the figures that need it are unknown"),
        mapping,
    )
    unknown = raw.notna() & converted.isna() & ~said_unknown
    values = raw.to_numpy()
    chk.flag(
        unknown,
        "error",
        column,
        lambda pos: t("unknown value {value}", value=repr(values[pos])),
        lambda pos: suggest(column, values[pos]),
    )
    respelled = raw.notna() & converted.notna() & (raw != converted)
    _per_spelling(chk, column, raw, respelled, t("read as {canonical} ({rows})"), mapping)
    return converted


def _per_spelling(
    chk: Checker,
    column: str,
    raw: pd.Series,
    rows: pd.Series,
    said: str,
    mapping: dict[str, str | None],
) -> None:
    """A warning per spelling among ``rows``: how many values were written so, and ``said``
    of them (``{canonical}``: the value read, ``{rows}``: the rows), both in the reader's
    language."""
    for original in raw[rows].unique():
        where = np.flatnonzero((raw == original).to_numpy()) + 1
        rows_said = t("rows {rows}", rows=row_list(where))
        text = said.format(canonical=repr(mapping.get(original)), rows=rows_said)
        said_of = {"n": format_number(len(where), 0), "original": repr(original), "text": text}
        written = (
            t("{n} value written as {original} {text}", **said_of)
            if len(where) == 1
            else t("{n} values written as {original} {text}", **said_of)
        )
        chk.add("warning", written, column)


def check_dates(chk: Checker, column: str, *, future_ok: bool = False) -> pd.Series:
    raw = chk.frame[column]
    parsed = parse_dates(raw)
    bad = parsed.isna().to_numpy() & ~is_blank(raw)
    values = raw.to_numpy()
    chk.flag(
        bad,
        "error",
        column,
        lambda pos: t("{value} is not a date", value=repr(values[pos])),
        t("write dates as YYYY-MM-DD (or DD-MM-YYYY), between the years 1800 and 2200"),
    )
    if not future_ok:
        future = (parsed > pd.Timestamp(dt.date.today())).to_numpy()
        chk.flag(
            future,
            "warning",
            column,
            lambda pos: t("date {date} lies in the future", date=parsed.iloc[pos].date()),
        )
    return parsed


def check_numbers(chk: Checker, column: str, *, positive: bool = False) -> pd.Series:
    """Numbers; unreadable, infinite and negative ones (or zero, ``positive``) are errors
    and read as missing."""
    raw = chk.frame[column]
    parsed = parse_numbers(raw)
    values = raw.to_numpy()
    chk.flag(
        parsed.isna().to_numpy() & ~is_blank(raw),
        "error",
        column,
        lambda pos: t("{value} is not a number", value=repr(values[pos])),
    )
    infinite = np.isinf(parsed.to_numpy())
    chk.flag(
        infinite,
        "error",
        column,
        lambda pos: t("{value} is not a finite number", value=repr(values[pos])),
    )
    parsed = parsed.mask(infinite)
    too_small = (parsed <= 0) if positive else (parsed < 0)
    limit = t("must be more than 0") if positive else t("must not be negative")
    chk.flag(too_small.to_numpy(), "error", column, limit)
    return parsed


def check_text(chk: Checker, column: str, *, required: bool) -> pd.Series:
    text = as_text(chk.frame[column])
    if required:
        chk.flag(text.isna().to_numpy(), "error", column, t("value is missing"))
    return text


def check_unique(chk: Checker, values: pd.Series, column: str, what: str) -> None:
    """Duplicate values are errors pointing at the row that used the value first."""
    dup = (values.duplicated(keep="first") & values.notna()).to_numpy()
    if not dup.any():
        return
    first_row = pd.Series(np.arange(1, len(values) + 1)).groupby(values.to_numpy()).transform("min")
    chk.flag(
        dup,
        "error",
        column,
        lambda pos: t(
            "duplicate {column}, first used in row {row}", column=column, row=first_row.iloc[pos]
        ),
        t("give every {what} its own id", what=t(what)),
    )
