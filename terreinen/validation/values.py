"""Reading values as the contract spells them: text, numbers, dates and category values.

Pure functions on pandas Series, shared by the checks of parcels and of plain tables.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from terreinen import schema, settings
from terreinen.i18n import format_number, t


def as_text(values: pd.Series) -> pd.Series:
    """Text column (pandas ``str``) with numbers written as whole numbers (1.0 -> "1") and
    blanks as missing.

    >>> as_text(pd.Series([1.0, " a ", "", None])).tolist()
    ['1', 'a', nan, nan]
    """
    if values.dtype == "str":
        text = values.str.strip()
    else:  # each distinct value is converted once: columns repeat few values, except ids
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
        texts = np.array([*map(_text_of, distinct), None], dtype=object)  # code -1: missing
        text = pd.Series(texts[codes], index=values.index, dtype="str")
    return text.mask(text.eq(""))


NUL_REMOVED = (  # a message id: t(NUL_REMOVED) where it is said
    "NUL characters removed from the text (GDAL's writers would cut it there, so the same "
    "data would differ between formats)"
)


def without_nul(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    r"""The table with NUL characters removed from its text and column names, and per
    column (its new name) the rows that held one.

    >>> table, rows = without_nul(pd.DataFrame({"a\x00": ["x\x00y", "z", 1]}))
    >>> table.columns.tolist(), table["a"].tolist(), {c: m.tolist() for c, m in rows.items()}
    (['a'], ['xy', 'z', 1], {'a': [True, False, False]})
    """
    names = [c.replace("\x00", "") if isinstance(c, str) else c for c in frame.columns]
    had: dict[str, np.ndarray] = {}
    changed = {}
    for column, name in zip(frame.columns, names, strict=True):
        values = frame[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        mask = values.map(lambda v: isinstance(v, str) and "\x00" in v).to_numpy(dtype=bool)
        if mask.any():
            changed[column] = values.map(
                lambda v: v.replace("\x00", "") if isinstance(v, str) else v
            )
            had[name] = mask
    if not changed and names == list(frame.columns):
        return frame, had
    frame = frame.copy()
    for column, values in changed.items():
        frame[column] = values
    return frame.set_axis(names, axis=1), had


def is_blank(values: pd.Series) -> np.ndarray:
    return as_text(values).isna().to_numpy()


def _text_of(value) -> str | None:
    if isinstance(value, float):
        if np.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def _canonical_milieucategorie(text: str) -> str:
    match = re.fullmatch(r"(?:(?:max_?)?(?:milieu)?cat(?:egorie)?\.?_?)?(\d)(?:\.(\d))?", text)
    return ".".join(g for g in match.groups() if g) if match else text


def canonical_value(column: str, raw: str) -> str:
    """A category value in the contract's spelling where only its writing differs.

    >>> canonical_value("milieucategorie", "4,2"), canonical_value("status", "Verkocht")
    ('4.2', 'uitgegeven')
    """
    text = schema.normalise_value(raw)
    if column == "milieucategorie":
        text = _canonical_milieucategorie(text)
    return schema.VALUE_SYNONYMS.get(column, {}).get(text, text)


def suggest(column: str, raw: str) -> str | None:
    """What a user probably meant by an unknown category value.

    >>> suggest("segment", "logistik")
    "did you mean 'logistiek'?"
    """
    text = canonical_value(column, raw)
    if column == "milieucategorie" and text in {"3", "4", "5"}:
        subs = [c for c in schema.MILIEUCATEGORIEEN if c.startswith(text + ".")]
        return t("IBIS records only the main number; write one of {values}", values=", ".join(subs))
    allowed = schema.CATEGORY_VALUES[column]
    meant = {value: value for value in allowed} | schema.VALUE_SYNONYMS.get(column, {})
    return closest(
        text, meant, column, otherwise=t("allowed values: {values}", values=", ".join(allowed))
    )


def closest(
    name: str, known: Iterable[object] | Mapping[str, str], what: str, otherwise: str | None = None
) -> str:
    """The one "did you mean" of terreinen: for a name that is not among ``known``, the
    closest one; failing that ``otherwise``, or the known names listed. A mapping for
    ``known`` matches its keys and suggests their values (a synonym suggests what it means).

    >>> closest("Hardenburg", ["Assen", "Hardenberg"], "municipality")
    "did you mean 'Hardenberg'?"
    >>> closest("Zwolle", ["Assen", "Hardenberg"], "municipality")
    'known (municipality): Assen, Hardenberg'
    """
    meant = dict(known) if isinstance(known, Mapping) else {str(k): str(k) for k in known}
    match = difflib.get_close_matches(str(name), list(meant), n=1)
    if match:
        return t("did you mean {name}?", name=repr(meant[match[0]]))
    if otherwise is not None:
        return otherwise
    names = sorted(set(meant.values()))
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    if not names:
        return t("there is no {what} to choose from", what=t(what))
    return t("known ({what}): {names}", what=t(what), names=shown)


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates from ISO text, Dutch day-month-year text or datetime values; NaT where unreadable.

    A date with a time-zone offset reads as its local date. Years outside
    ``settings.date_years`` (such as ``0001-01-01``, a common placeholder) are unreadable.

    >>> parse_dates(pd.Series(["2024-03-01", "01-03-2024", "2024-03-01T10:00+02:00", "x"]))
    0   2024-03-01
    1   2024-03-01
    2   2024-03-01
    3          NaT
    dtype: datetime64[ns]
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if values.dt.tz is not None else values
        first, last = settings.date_years
        parsed = parsed.where(parsed.dt.year.between(first, last))
        return parsed.dt.normalize().astype("datetime64[ns]")
    # each distinct text is read once: a date column repeats few values
    codes, distinct = pd.factorize(as_text(values), use_na_sentinel=True)
    dates = np.array([*_distinct_dates(np.asarray(distinct, dtype=object)), None],
                     dtype="datetime64[ns]")  # fmt: skip
    return pd.Series(dates[codes], index=values.index, dtype="datetime64[ns]")


def _distinct_dates(texts: np.ndarray) -> list:
    """Plain ISO dates (the usual case) at once; anything else one by one."""
    plain = pd.Series(texts, dtype=object).str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy(bool)
    dates: list = [None] * len(texts)
    if plain.any():
        parsed = pd.to_datetime(pd.Series(texts[plain]), format="%Y-%m-%d", errors="coerce")
        first, last = settings.date_years
        parsed = parsed.where(parsed.dt.year.between(first, last))
        for pos, stamp in zip(np.flatnonzero(plain), parsed, strict=True):
            dates[pos] = None if pd.isna(stamp) else stamp.to_datetime64()
    for pos in np.flatnonzero(~plain):
        dates[pos] = _one_date(texts[pos])
    return dates


def _one_date(text: str) -> np.datetime64 | None:
    """One date in ISO or Dutch notation, its offset dropped (the local date is meant)."""
    iso = re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}([ T].*)?", text)
    for fmt in ("ISO8601",) if iso else ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            stamp = pd.to_datetime(text, format=fmt)
        except (ValueError, OverflowError):
            continue
        first, last = settings.date_years
        if first <= stamp.year <= last:
            return np.datetime64(stamp.date(), "ns")
    return None


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers from numbers or text (Dutch ``1.250,50`` too); NaN where unreadable.

    >>> parse_numbers(pd.Series(["1.250,50", "3", "", "x"])).tolist()
    [1250.5, 3.0, nan, nan]
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = as_text(values).str.replace(r"\s", "", regex=True)
    dutch = text.str.contains(",", na=False)
    text = text.where(~dutch, text.str.replace(".", "", regex=False).str.replace(",", "."))
    return pd.to_numeric(text, errors="coerce")


def row_list(rows: np.ndarray) -> str:
    """Up to ten row numbers, and how many more, in the reader's language."""
    shown = ", ".join(str(r) for r in rows[:10])
    if len(rows) <= 10:
        return shown
    return t("{shown} and {n} more", shown=shown, n=format_number(len(rows) - 10, 0))
