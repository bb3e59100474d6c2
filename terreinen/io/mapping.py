"""Column mappings: how to read a file whose column names (or units, or values) nobody
foresaw, kept by the user as one JSON file per source (docs/data-model.md, "Column
mapping").

A mapping names, per column of the file, the contract column it holds, optionally the unit
of its values (``m2`` or ``ha``) and a map of its values to the contract's:

>>> mapping = ColumnMapping.of(
...     {"columns": {"opp": {"column": "opgegeven_ha", "unit": "m2"}, "plaats": "kern"}}
... )
>>> mapping.apply(pd.DataFrame({"opp": ["12500", "800"], "plaats": ["Gramsbergen", None]}))
  opgegeven_ha         kern
0         1.25  Gramsbergen
1         0.08          NaN
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from terreinen import schema
from terreinen.errors import DATA_MODEL_HINT, TerreinenReadError
from terreinen.i18n import t
from terreinen.io.ibis import PARK_COLUMNS, PARK_UNITS
from terreinen.io.write import record_input
from terreinen.validation.values import as_text, closest, parse_numbers

__all__ = ["TARGETS", "TARGET_UNITS", "UNITS", "ColumnMapping", "ColumnRule", "MappingSource"]

#: The units a mapping may state, in square metres.
UNITS = {"m2": 1.0, "ha": 10_000.0}
#: The columns a mapping may name: the contract's parcel columns, the park table's, and
#: ``geometry`` (a CSV's outlines as WKT).
TARGETS = (*schema.REQUIRED_COLUMNS, *schema.OPTIONAL_COLUMNS, *PARK_COLUMNS, "geometry")
#: The unit each area column holds its values in (only these take a ``unit``).
TARGET_UNITS = {"opgegeven_ha": "ha", **PARK_UNITS}
# a name both tables have (kern, gemeente) is written as the parcels' column: a park table
# reads names in any case
_BY_NAME = {schema.normalise_name(name): name for name in reversed(TARGETS)}
_ENTRY_KEYS = ("column", "unit", "values", "suggestions")
_TOP_KEYS = ("source", "columns")
# the category columns whose values a value map must give as the contract writes them
_CATEGORIES = ("status", "planfase", "milieucategorie", "eigenaar")

MappingSource = str | Path | Mapping

#: What ``columns=`` is called in messages about a mapping given in memory.
_IN_MEMORY = "columns="


@dataclass(frozen=True)
class ColumnRule:
    """One entry of a mapping: the file's column ``source`` read as ``target`` (None: as
    without a mapping), its values in ``unit``, and ``values`` (the normalised source value
    to the contract's value; None: unknown)."""

    source: str
    target: str | None
    unit: str | None = None
    values: Mapping[str, str | None] | None = None


@dataclass(frozen=True)
class ColumnMapping:
    """A column mapping, read from a JSON file (``label`` names it in messages) or a dict."""

    label: str
    rules: tuple[ColumnRule, ...]

    @classmethod
    def of(cls, given: MappingSource | ColumnMapping) -> ColumnMapping:
        """A mapping from a JSON file, a dict of the same shape, or a mapping already read.

        Raises :class:`TerreinenReadError` naming the mapping and the entry when the file
        cannot be read or an entry names a column, unit or value the contract does not know.
        """
        if isinstance(given, ColumnMapping):
            return given
        if isinstance(given, Mapping):
            return _parse(given, _IN_MEMORY)
        return _parse(_read_json(Path(given)), str(given))

    def apply(self, frame: pd.DataFrame, data: str | None = None) -> pd.DataFrame:
        """``frame`` with the mapped columns renamed, converted and their values mapped.

        ``data`` names the file in messages. A column the mapping names that ``frame``
        lacks, or a target ``frame`` has under another column already, raises
        :class:`TerreinenReadError`."""
        data = t("the file") if data is None else data
        names = {schema.normalise_name(c): c for c in frame.columns}
        found = {rule.source: self._column(rule, frame, names, data) for rule in self.rules}
        mapped = [rule for rule in self.rules if rule.target is not None]
        moved = {found[rule.source] for rule in mapped}
        for rule in mapped:
            already = names.get(schema.normalise_name(str(rule.target)))
            if already is not None and already not in moved:
                raise self.error(
                    rule.source,
                    t(
                        "{data} has a column {column} already, which means {target}",
                        data=data,
                        column=repr(already),
                        target=repr(rule.target),
                    ),
                    t("leave this entry out, or map that column to another column"),
                )
        frame = frame.copy()
        for rule in mapped:
            column = found[rule.source]
            frame[column] = _converted(_valued(frame[column], rule.values), rule)
        return frame.rename(columns={found[rule.source]: rule.target for rule in mapped})

    def _column(
        self, rule: ColumnRule, frame: pd.DataFrame, names: dict[str, str], data: str
    ) -> str:
        """The column of ``frame`` a rule names: as written, else as its name normalises."""
        if rule.source in frame.columns:
            return rule.source
        column = names.get(schema.normalise_name(rule.source))
        if column is None:
            known = [str(c) for c in frame.columns]
            raise self.error(
                rule.source,
                t("{data} has no column {column}", data=data, column=repr(rule.source)),
                closest(rule.source, known, "column"),
            )
        return column

    def error(self, entry: str, message: str, hint: str | None = None) -> TerreinenReadError:
        """The error about one entry of this mapping."""
        return TerreinenReadError(
            self.label, t("entry {entry}: {message}", entry=repr(entry), message=message), hint
        )


def _read_json(path: Path) -> object:
    label = str(path)
    record_input(path)
    if not path.is_file():
        raise TerreinenReadError(label, t("column mapping not found"), t("check the path"))
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return json.load(handle)
    except UnicodeDecodeError:
        raise TerreinenReadError(
            label, t("the mapping is not UTF-8 text"), t("save it as UTF-8")
        ) from None
    except json.JSONDecodeError as exc:
        raise TerreinenReadError(
            label,
            t(
                "the mapping is not valid JSON: {msg} at line {line}, character {character}",
                msg=exc.msg,
                line=exc.lineno,
                character=exc.colno,
            ),
            t("write it as `terreinen inspect FILE -o mapping.json` does"),
        ) from None
    except RecursionError:
        raise TerreinenReadError(label, t("the mapping is nested too deep to be one")) from None


def _parse(document: object, label: str) -> ColumnMapping:
    shape = t(
        'an object {{"columns": {{"{file_column}": "{contract_column}", ...}}}}',
        file_column=t("column of the file"),
        contract_column=t("contract column"),
    )
    if not isinstance(document, Mapping) or not isinstance(document.get("columns"), Mapping):
        raise TerreinenReadError(label, t("a column mapping holds an object 'columns'"), shape)
    for key in document:
        if key not in _TOP_KEYS:
            raise TerreinenReadError(
                label,
                t("{key} is not part of a column mapping", key=repr(key)),
                t("it holds {shape}", shape=shape),
            )
    empty = ColumnMapping(label, ())
    rules = tuple(_rule(empty, str(source), entry) for source, entry in document["columns"].items())
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.target is None:
            continue
        if rule.target in seen:
            raise empty.error(
                rule.source,
                t(
                    "{source} is mapped to {target} too",
                    source=repr(seen[rule.target]),
                    target=repr(rule.target),
                ),
            )
        seen[rule.target] = rule.source
    return ColumnMapping(label, rules)


def _rule(mapping: ColumnMapping, source: str, entry: object) -> ColumnRule:
    """One entry: a contract column's name, null, or an object with ``column`` and
    optionally ``unit`` and ``values`` (``suggestions``, written by inspect, is not read)."""
    if entry is None or isinstance(entry, str):
        entry = {"column": entry}
    if not isinstance(entry, Mapping):
        raise mapping.error(source, t("give a column name, null, or an object with 'column'"))
    for key in entry:
        if key not in _ENTRY_KEYS:
            raise mapping.error(
                source,
                t("{key} is not part of an entry", key=repr(key)),
                closest(str(key), _ENTRY_KEYS, "key"),
            )
    target = _target(mapping, source, entry.get("column"))
    unit = _unit(mapping, source, target, entry.get("unit"))
    values = entry.get("values")
    if values is not None and (target is None or not isinstance(values, Mapping)):
        raise mapping.error(source, t("'values' maps values of a mapped column: give an object"))
    value_map = None if values is None else _value_map(mapping, source, str(target), values)
    return ColumnRule(source, target, unit, value_map)


def _target(mapping: ColumnMapping, source: str, column: object) -> str | None:
    if column is None:
        return None
    target = _BY_NAME.get(schema.normalise_name(str(column)))
    if not isinstance(column, str) or target is None:
        hint = closest(str(column), _BY_NAME, "contract column", t(DATA_MODEL_HINT))
        raise mapping.error(
            source, t("{column} is not a column of the contract", column=repr(column)), hint
        )
    return target


def _unit(mapping: ColumnMapping, source: str, target: str | None, unit: object) -> str | None:
    if unit is None:
        return None
    if target not in TARGET_UNITS:
        areas = ", ".join(TARGET_UNITS)
        raise mapping.error(
            source,
            t("{target} holds no area: no unit", target=repr(target)),
            t("units go with {areas}", areas=areas),
        )
    if unit not in UNITS:
        raise mapping.error(
            source, t("unit {unit} is not known", unit=repr(unit)), t("choose m2 or ha")
        )
    return str(unit)


def _value_map(
    mapping: ColumnMapping, source: str, target: str, values: Mapping
) -> dict[str, str | None]:
    """Source values (normalised) to contract values; for a category column, values the
    contract knows only (``null``: unknown)."""
    out: dict[str, str | None] = {}
    for value, meant in values.items():
        if meant is None:
            out[schema.normalise_value(value)] = None
            continue
        text = schema.normalise_value(str(meant)) if target in _CATEGORIES else str(meant)
        known = schema.CATEGORY_VALUES.get(target)
        if not isinstance(meant, str | int | float) or (
            target in _CATEGORIES and known is not None and text not in known
        ):
            hint = closest(str(meant), known or (), target)
            raise mapping.error(
                source,
                t(
                    "value {value}: {meant} is not a value of {target}",
                    value=repr(value),
                    meant=repr(meant),
                    target=repr(target),
                ),
                hint,
            )
        out[schema.normalise_value(value)] = text
    return out


def _valued(values: pd.Series, value_map: Mapping[str, str | None] | None) -> pd.Series:
    """``values`` with those the map names replaced (compared as normalised)."""
    if not value_map:
        return values
    keys = as_text(values).map(schema.normalise_value, na_action="ignore")
    hit = keys.isin(list(value_map)).to_numpy()
    mapped = keys.map(value_map).astype(object)
    return values.astype(object).where(~hit, mapped)


def _converted(values: pd.Series, rule: ColumnRule) -> pd.Series:
    """Areas in the target's unit; text that is not a number stays, so the checks name its
    row."""
    if rule.unit is None or rule.target is None:
        return values
    number = parse_numbers(values)
    factor_m2, target_m2 = UNITS[rule.unit], UNITS[TARGET_UNITS[rule.target]]
    converted = number * factor_m2 / target_m2  # m² to ha divides: 12500 / 10000 is 1.25
    return converted.astype(object).where(number.notna(), values)
