"""What terreinen reads each column of a file as (``terreinen inspect``), and the column
mapping that writes it down for the user to complete (docs/data-model.md, "Column
mapping")."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from terreinen import schema
from terreinen.i18n import t
from terreinen.io.files import read_table, rename_columns
from terreinen.io.ibis import PARK_COLUMNS, is_ibis_table, park_column, registration_vocabulary
from terreinen.io.mapping import TARGET_UNITS, TARGETS, ColumnMapping, MappingSource
from terreinen.io.write import write_atomically
from terreinen.validation.values import as_text

__all__ = ["INSPECT_COLUMNS", "inspect_columns", "mapping_document", "write_mapping"]

#: The columns of :func:`inspect_columns`' table.
INSPECT_COLUMNS = ("kolom", "gelezen_als", "eenheid", "toelichting", "voorstellen", "onbekend")
#: Columns the parcel registrations' vocabulary reads together into one contract column:
#: named in a mapping they would be read alone, so a mapping leaves them as they are.
_READ_TOGETHER = {"uitgiftejaar": "uitgiftedatum", "uitgiftemaand": "uitgiftedatum"}
_CATEGORIES = ("status", "planfase", "milieucategorie", "eigenaar")
_SUGGESTIONS = 3
_VALUES_SHOWN = 8
_VALUES_TOLD = 20  # distinct values of a column looked at for what it might hold
_WKT = r"\s*(multi)?polygon\s*(z\s*)?\("


def inspect_columns(
    source: str | Path | gpd.GeoDataFrame,
    *,
    layer: str | None = None,
    columns: MappingSource | ColumnMapping | None = None,
) -> pd.DataFrame:
    """Per column of ``source``: the contract column it is read as (``gelezen_als``,
    empty when none), the unit its values are read in (``eenheid``: ``m2``, ``ha``), a
    note (``toelichting``), close contract columns for one that is not recognised
    (``voorstellen``) and the values of a category column the contract does not know
    (``onbekend``); read with the column mapping ``columns`` when given.

    >>> from terreinen.datasets import get_path
    >>> table = inspect_columns(get_path("parcels"))
    >>> table.set_index("kolom").loc["status", ["gelezen_als", "onbekend"]].tolist()
    ['status', []]
    """
    frame, label, _ = read_table(source, layer=layer, outlines=False)
    mapping = None if columns is None else ColumnMapping.of(columns)
    mapped = frame if mapping is None else mapping.apply(frame, label)
    units = {} if mapping is None else {r.target: r.unit for r in mapping.rules if r.unit}
    if is_ibis_table(mapped):
        read_as = [park_column(str(c)) for c in mapped.columns]
    else:
        renamed, _ = rename_columns(mapped)
        read_as = [_parcel_column(str(c)) for c in renamed.columns]
    rows = []
    for original, column, reading in zip(frame.columns, mapped.columns, read_as, strict=True):
        target, unit = reading if reading is not None else (None, None)
        target = "geometry" if column == "geometry" else target
        rows.append(_row(str(original), target, units.get(column, unit), mapped[column]))
    return pd.DataFrame(rows, columns=list(INSPECT_COLUMNS))


def _parcel_column(name: str) -> tuple[str, str | None] | None:
    """The contract column a parcels column (as renamed) is read as, and its unit."""
    if name == "opgegeven_m2":
        return "opgegeven_ha", "m2"
    if name in _READ_TOGETHER:
        return _READ_TOGETHER[name], None
    if name == "geometry" or name in (*schema.REQUIRED_COLUMNS, *schema.OPTIONAL_COLUMNS):
        return name, TARGET_UNITS.get(name)
    return None


def _row(column: str, target: str | None, unit: str | None, values: pd.Series) -> list:
    if target == "geometry" or isinstance(values, gpd.GeoSeries):
        return [column, "geometry", None, t("the outlines"), [], []]
    if target is None:
        suggested = _suggestions(column, values)
        return [column, None, None, t("not recognised: kept as it is"), suggested, []]
    note = None
    if schema.normalise_name(column) in _READ_TOGETHER:
        note = t("read with the other parts of the sale date")
    elif target in TARGET_UNITS and unit is not None and unit != TARGET_UNITS[target]:
        note = t("{unit} read as {target_unit}", unit=unit, target_unit=TARGET_UNITS[target])
    unknown = _unknown_values(target, values) if target in _CATEGORIES else []
    if unknown:
        note = t("values the contract does not know: give them in the mapping's values")
    return [column, target, unit, note, [], unknown]


def _suggestions(column: str, values: pd.Series) -> list[str]:
    """Contract columns a column not recognised may be: ``geometry`` for outlines as WKT, the
    category columns most of whose values it holds, then those whose names (or aliases) are
    close to its name."""
    lookup = {schema.normalise_name(c): c for c in PARK_COLUMNS}
    lookup.update(schema.alias_lookup())  # a name both tables have: the parcels' column
    names = difflib.get_close_matches(schema.normalise_name(column), list(lookup), n=10)
    found = list(dict.fromkeys(lookup[name] for name in names))
    text = as_text(values).dropna()
    if len(text) and text.str.match(_WKT, case=False).all():
        found.insert(0, "geometry")
    distinct = text.map(schema.normalise_value).unique()[:_VALUES_TOLD]
    for category in _CATEGORIES:
        known = {*schema.CATEGORY_VALUES[category], *schema.VALUE_SYNONYMS.get(category, {})}
        if len(distinct) and sum(v in known for v in distinct) * 2 >= len(distinct):
            found.insert(0, category)
    return list(dict.fromkeys(found))[:_SUGGESTIONS]


def _unknown_values(target: str, values: pd.Series) -> list[str]:
    """The values of a category column the contract does not know (nor a synonym of one)."""
    if target == "status":  # compound statuses of the parcel registrations: the status part
        values = registration_vocabulary(pd.DataFrame({"status": values}))["status"]
    known = {*schema.CATEGORY_VALUES[target], *schema.VALUE_SYNONYMS.get(target, {})}
    text = as_text(values).dropna()
    unknown = text[~text.map(schema.normalise_value).isin(known)]
    return [str(value) for value in unknown.unique()[:_VALUES_SHOWN]]


def mapping_document(table: pd.DataFrame, source: str) -> dict:
    """The column mapping (as a JSON document) that an :func:`inspect_columns` table writes
    down: each column with what it is read as (``null``: not recognised, with
    ``suggestions``), its unit, and an empty value for each value the contract does not
    know, to be completed (a mapping with an empty value is refused)."""
    entries: dict[str, dict] = {}
    for row in table.to_dict("records"):
        target, unit = row["gelezen_als"], row["eenheid"]
        if target == "geometry":
            continue
        if target not in TARGETS or schema.normalise_name(row["kolom"]) in _READ_TOGETHER:
            target = None
        entry: dict = {"column": target}
        if isinstance(unit, str) and target is not None:
            entry["unit"] = unit
        if row["onbekend"]:
            entry["values"] = dict.fromkeys(row["onbekend"], "")
        if row["voorstellen"]:
            entry["suggestions"] = list(row["voorstellen"])
        entries[str(row["kolom"])] = entry
    return {"source": source, "columns": entries}


def write_mapping(table: pd.DataFrame, path: str | Path, source: str, inputs: Iterable = ()):
    """Write :func:`mapping_document` of ``table`` to ``path`` as JSON (UTF-8, indented)."""
    text = json.dumps(mapping_document(table, source), ensure_ascii=False, indent=2)
    return write_atomically(path, text + "\n", inputs=inputs)
