"""Exchange with IBIS Bedrijventerreinen: the park-level table, written and read.

Column layout (one row per park): ``RIN_NUMMER, PLAN_NAAM, KERN, GEMEENTE, PROVINCIE, JAAR``,
``OPPBRUTO`` and ``OPPNETTO`` in m² (as IBIS records them), then in hectares:
``UITGEGEVEN`` (issued to date), ``UITGEGEVEN_JAAR`` (issued in ``JAAR``: the data's year
where they came from IBIS, else the as-of year),
``TERSTOND_UITGEEFBAAR`` and ``NIET_TERSTOND_UITGEEFBAAR`` with their ``_GEMEENTE`` /
``_PARTICULIER`` owner splits, ``ZACHTE_PLANCAPACITEIT`` (the part of the not immediately
available land in plans not yet adopted), ``GROOTST_UITGEEFBARE_DEEL``, and
``MAX_MILIEUCATEGORIE`` as IBIS records it: the main number only (4.2 -> 4).

IBIS counts land under option as available: ``optie`` is part of ``TERSTOND_UITGEEFBAAR``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd

from terreinen import schema, settings
from terreinen.figures import as_of_date, parcel_figures, sale_dates, status_on
from terreinen.i18n import format_number, t
from terreinen.io import cbs
from terreinen.outlines import dissolve, merge
from terreinen.report import Finding, Severity, ValidationReport
from terreinen.validation.parcels import check_table
from terreinen.validation.values import as_text, is_blank, parse_numbers

__all__ = [
    "HA_COLUMNS",
    "IBIS_COLUMNS",
    "check_parks",
    "ibis_to_parcels",
    "is_ibis_table",
    "park_column",
    "registration_vocabulary",
    "to_ibis",
]

HA_COLUMNS = (
    "UITGEGEVEN",
    "UITGEGEVEN_JAAR",
    "TERSTOND_UITGEEFBAAR",
    "TERSTOND_UITGEEFBAAR_GEMEENTE",
    "TERSTOND_UITGEEFBAAR_PARTICULIER",
    "NIET_TERSTOND_UITGEEFBAAR",
    "NIET_TERSTOND_UITGEEFBAAR_GEMEENTE",
    "NIET_TERSTOND_UITGEEFBAAR_PARTICULIER",
    "ZACHTE_PLANCAPACITEIT",
    "GROOTST_UITGEEFBARE_DEEL",
)
IBIS_COLUMNS = (
    "RIN_NUMMER",
    "PLAN_NAAM",
    "KERN",
    "GEMEENTE",
    "PROVINCIE",
    "JAAR",
    "OPPBRUTO",
    "OPPNETTO",
    *HA_COLUMNS,
    "MAX_MILIEUCATEGORIE",
)
_PARK_KEYS = ("terrein", "rin_nummer", "kern", "gemeente", "provincie")
_PART_COLUMNS = ("uitgegeven", "terstond_uitgeefbaar", "niet_terstond_uitgeefbaar")
# the subcategory a main IBIS number is read as: the lowest, so nothing is allowed that IBIS
# might not allow
_MAIN_TO_CATEGORY = {"1": "1", "2": "2", "3": "3.1", "4": "4.1", "5": "5.1", "6": "6"}
# the list export splits issued land into before and in the current year
_ISSUED_BEFORE = "totaal_uitgegeven_tm_vorig_jaar_ha"


def to_ibis(parcels: gpd.GeoDataFrame, *, as_of=None) -> gpd.GeoDataFrame:
    """Park-level table in IBIS's column layout, with each park's outline (EPSG:28992).

    >>> from terreinen.datasets import get_path
    >>> from terreinen.io.files import read_parcels
    >>> parks = to_ibis(read_parcels(get_path("parcels")), as_of="2026-01-01")
    >>> parks.loc[0, "PLAN_NAAM"], round(parks.loc[0, "OPPBRUTO"] / 10_000)  # m² -> ha
    ('Assen-Zuid', 110)
    """
    date = as_of_date(as_of)
    figures = parcel_figures(parcels, as_of=date)
    # owner unknown (optional column absent): counted in the totals, in neither split
    owner = parcels.get("eigenaar", pd.Series(None, index=parcels.index)).astype(object)
    # the data's year where the parcels came from IBIS, else the as-of year: UITGEGEVEN_JAAR
    # is what was issued in JAAR
    year = (
        pd.to_numeric(parcels["jaar"], errors="coerce").fillna(date.year)
        if "jaar" in parcels
        else pd.Series(float(date.year), index=parcels.index)
    )
    sold_this_year = (status_on(parcels, date) == "uitgegeven") & (
        sale_dates(parcels).dt.year == year
    )
    available = figures["terstond_ha"] + figures["optie_ha"]
    later = figures["niet_terstond_ha"]
    table = pd.DataFrame(
        {
            "OPPBRUTO": figures["bruto_ha"] * 10_000,
            "OPPNETTO": figures["netto_ha"] * 10_000,
            "UITGEGEVEN": figures["uitgegeven_ha"],
            "UITGEGEVEN_JAAR": figures["bruto_ha"].where(sold_this_year, 0.0),
            "TERSTOND_UITGEEFBAAR": available,
            "TERSTOND_UITGEEFBAAR_GEMEENTE": available.where(owner == "gemeente", 0.0),
            "TERSTOND_UITGEEFBAAR_PARTICULIER": available.where(owner == "particulier", 0.0),
            "NIET_TERSTOND_UITGEEFBAAR": later,
            "NIET_TERSTOND_UITGEEFBAAR_GEMEENTE": later.where(owner == "gemeente", 0.0),
            "NIET_TERSTOND_UITGEEFBAAR_PARTICULIER": later.where(owner == "particulier", 0.0),
            "ZACHTE_PLANCAPACITEIT": figures["zacht_ha"],
            "GROOTST_UITGEEFBARE_DEEL": figures["grootste_ha"],
            # no category: -1, left out of the maximum
            "MAX_MILIEUCATEGORIE": parcels["milieucategorie"].cat.codes.replace(-1, np.nan),
            "JAAR": year,
        }
    )
    table.loc[figures["onbekend_status"].to_numpy(), list(HA_COLUMNS)] = np.nan
    keys = pd.DataFrame(
        {key.upper(): parcels[key].astype(object) for key in _PARK_KEYS if key in parcels}
    ).rename(columns={"TERREIN": "PLAN_NAAM"})
    keys = keys.fillna("")
    aggregations = dict.fromkeys(table.columns, "sum")
    aggregations.update(GROOTST_UITGEEFBARE_DEEL="max", MAX_MILIEUCATEGORIE="max", JAAR="max")
    grouped = table.join(keys).groupby(list(keys.columns))
    parks = grouped.agg(aggregations)
    # unknown is not zero: a park figure with an unknown part is unknown (empty)
    unknown = table.isna().join(keys).groupby(list(keys.columns)).sum() > 0
    unknown["MAX_MILIEUCATEGORIE"] = False  # the highest known category is still right
    unknown["JAAR"] = False
    parks = parks.mask(unknown, np.nan)
    outlines = gpd.GeoDataFrame(keys, geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
    parks = parks.join(dissolve(outlines, list(keys.columns)).rename("geometry")).reset_index()
    categories = np.array(parcels["milieucategorie"].cat.categories)
    parks["MAX_MILIEUCATEGORIE"] = [
        int(categories[int(code)].split(".")[0]) if code == code else None
        for code in parks["MAX_MILIEUCATEGORIE"]
    ]
    parks["JAAR"] = parks["JAAR"].astype(int)
    for column in IBIS_COLUMNS:
        if column not in parks:
            parks[column] = ""
    return gpd.GeoDataFrame(parks[[*IBIS_COLUMNS, "geometry"]], crs=parcels.crs)


def registration_vocabulary(frame: pd.DataFrame) -> pd.DataFrame:
    """Parcels as the provincial IBIS parcel registrations write them, in the contract's
    columns (``frame`` has contract column names already).

    A status with its owner in one value (``Terstond uitgeefbaar gemeente``) becomes
    ``status`` and ``eigenaar`` (an ``eigenaar`` the file gives wins); ``uitgiftejaar`` and
    ``uitgiftemaand`` become ``uitgiftedatum`` (the first of the month, January without a
    month).

    >>> registration_vocabulary(pd.DataFrame({"status": ["Niet terstond uitgeefbaar particulier"]}))
                          status     eigenaar
    0  Niet terstond uitgeefbaar  particulier
    """
    frame = frame.copy()
    if "status" in frame:
        parts = as_text(frame["status"]).str.extract(_STATUS_OWNER, flags=re.IGNORECASE)
        compound = parts[0].notna()
        if compound.any():
            frame["status"] = parts[0].where(compound, frame["status"])
            owner = parts[1].str.lower().where(compound)
            given = frame["eigenaar"] if "eigenaar" in frame else pd.Series(None, frame.index)
            frame["eigenaar"] = given.where(~is_blank(given), owner).astype(object)
    if "uitgiftejaar" in frame and "uitgiftedatum" not in frame:
        year = parse_numbers(frame.pop("uitgiftejaar"))
        months = frame.pop("uitgiftemaand") if "uitgiftemaand" in frame else None
        month = parse_numbers(months).fillna(1) if months is not None else 1
        month = pd.Series(month, index=frame.index).astype(int).astype(str)
        text = year.astype("Int64").astype(str) + "-" + month + "-01"
        frame["uitgiftedatum"] = text.where(year.notna(), None)
    return frame


_STATUS_OWNER = r"^\s*(.*?uitgeefbaar)[\s_]+(gemeente|particulier)\s*$"


def is_ibis_table(frame: pd.DataFrame) -> bool:
    """Whether a table is a park-level table (IBIS layout or a viewer's park export) rather
    than parcels: it holds a gross area and a RIN number or park figures, and no status."""
    names = {schema.normalise_name(c) for c in frame.columns}
    identified = bool(names & {"rin_nummer", "rinnummer", "terstond_uitgeefbaar"})
    gross = bool(names & {"oppbruto", *_HECTARE_AREAS})
    return gross and identified and "status" not in names


#: The columns a park table is read from: the layout's, and those of the national
#: vocabularies that are read as some of them (a CBS code, the land issued before this year).
PARK_COLUMNS = (*IBIS_COLUMNS, "GEM_CODES", _ISSUED_BEFORE.upper())
#: The unit of each area column of the park columns (the others hold no area).
PARK_UNITS = {
    "OPPBRUTO": "m2",
    "OPPNETTO": "m2",
    **dict.fromkeys((*HA_COLUMNS, _ISSUED_BEFORE.upper()), "ha"),
}


def park_column(name: str) -> tuple[str, str | None] | None:
    """The column of the park layout a park table's column ``name`` is read as, and the
    unit its values are read in (``m2``, ``ha``; None for a column that holds no area), or
    None for a column the layout does not use.

    >>> park_column("HA_BRUTO"), park_column("Plannaam"), park_column("HA_TOTTUIT")
    (('OPPBRUTO', 'ha'), ('PLAN_NAAM', None), None)
    """
    key = schema.normalise_name(name)
    if key in _HECTARE_AREAS:
        return _HECTARE_AREAS[key].upper(), "ha"
    column = _ALIASES.get(key, key).upper()
    if column in PARK_COLUMNS:
        return column, PARK_UNITS.get(column)
    return None


def ibis_to_parcels(
    frame: pd.DataFrame,
    source: str,
    *,
    gemeente: str | None = None,
    provincie: str | None = None,
) -> tuple[gpd.GeoDataFrame | None, ValidationReport]:
    """Park-level IBIS records as parcel-like records that every terreinen figure accepts.

    Each park becomes one record per (status, owner, hard/soft) with its hectares from the
    IBIS figures in ``oppervlakte_ha`` and the park outline as geometry. Several rows of one
    RIN number are one park (outlines dissolved, figures taken once, a warning where they
    disagree). ``gemeente``/``provincie`` fill a file without them. Without sale figures
    (``TERSTOND_UITGEEFBAAR`` ...) the net area is one record of unknown status and plan
    phase; without ``ZACHTE_PLANCAPACITEIT`` the unsold land has an unknown plan phase.
    Sales of ``UITGEGEVEN_JAAR`` are dated 1 January of ``JAAR``; earlier sales carry no date
    (IBIS keeps no history). Segments are not in IBIS: every record is ``gemengd``.
    """
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    table.columns = [schema.normalise_name(c) for c in table.columns]
    table = table.rename(columns=_ALIASES)
    vocabulary_findings = _national_vocabulary(table, frame)
    for key, value in (("gemeente", gemeente), ("provincie", provincie)):
        if value is not None:
            given = pd.Series(value, index=table.index, dtype=object)
            table[key] = table[key].where(~is_blank(table[key]), given) if key in table else given
    numbers = ("oppbruto", "oppnetto", *(c.lower() for c in HA_COLUMNS))
    years, year_findings = _legacy_years(table)
    ibis, report = check_table(
        table.drop(columns="jaar", errors="ignore"),
        source,
        required=("plan_naam", "gemeente", "oppbruto", "oppnetto"),
        noun="parks",
        numbers=tuple(c for c in numbers if c in table),
    )
    report.findings = [_with_hint(f) for f in report.findings] + year_findings
    report.findings[:0] = vocabulary_findings
    if report.ok:
        report.findings += check_parks(ibis)  # net over gross, figures over gross, categories
    if not report.ok:
        return None, report
    ibis["jaar"] = years
    outlines = None
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        outlines = frame.geometry.to_crs(settings.rd_crs).to_numpy()
    elif isinstance(frame, gpd.GeoDataFrame) and frame.geometry.notna().any():
        # WKT in a CSV (IBIS's list export, Geometrie): IBIS writes RD New
        outlines = frame.geometry.to_numpy()
        report.findings.append(
            Finding(
                "warning",
                t("the park outlines have no coordinate system; read as RD New (EPSG:28992)"),
                column="geometry",
            )
        )
    ibis, outlines = _one_row_per_park(ibis, outlines, report)
    # a part of a figure the table does not give has no place among the parts: not used
    for total, splits in _SPLITS.items():
        if total not in ibis:
            ibis = ibis.drop(columns=[c for c in splits if c in ibis])
    has_sales = "terstond_uitgeefbaar" in ibis
    phases_known = "zachte_plancapaciteit" in ibis
    largest_given = "grootst_uitgeefbare_deel" in ibis
    for column in numbers:
        if column in ibis or has_sales:
            ibis[column] = ibis[column].fillna(0.0) if column in ibis else 0.0
    if not largest_given:  # unknown, not 0: the park's available land may hold a large part
        ibis["grootst_uitgeefbare_deel"] = np.nan
    records = _park_records(ibis, has_sales, phases_known)
    records = records[records["oppervlakte_ha"] > 1e-9].sort_index(kind="stable")
    park = ibis.loc[records.index]
    label = (
        park["rin_nummer"].fillna(park["plan_naam"]) if "rin_nummer" in park else park["plan_naam"]
    )
    category = ibis.get("max_milieucategorie", pd.Series("", index=ibis.index))
    # an empty column is read as floats
    text = category.astype(object).where(category.notna(), "").astype(str)
    main = text.str.split(".").str[0].map(_MAIN_TO_CATEGORY)
    parcels = pd.DataFrame(
        {
            "kavel_id": label + "-" + (records.groupby(level=0).cumcount() + 1).astype(str),
            "terrein": park["plan_naam"],
            "gemeente": park["gemeente"],
            **{key: park[key] for key in ("provincie", "rin_nummer", "kern") if key in park},
            "status": pd.Categorical(records["status"], categories=schema.STATUSES),
            "planfase": records["planfase"].astype("Int8"),
            "milieucategorie": pd.Categorical(
                main.loc[records.index], categories=schema.MILIEUCATEGORIEEN, ordered=True
            ),
            "segment": pd.Categorical(["gemengd"] * len(records), categories=schema.SEGMENTS),
            "eigenaar": pd.Categorical(records["eigenaar"], categories=schema.OWNERS),
            "uitgiftedatum": records["uitgiftedatum"],
            "oppervlakte_ha": records["oppervlakte_ha"],
            "grootste_deel_ha": records["grootste_deel_ha"],
            # the park's JAAR as read, so that to_ibis writes it back (a round trip)
            "jaar": park["jaar"].astype("Int64"),
        }
    ).reset_index(drop=True)
    geometry = np.full(len(parcels), None)  # a table without outlines
    if outlines is not None:
        geometry = outlines[records.index.to_numpy()]
    return gpd.GeoDataFrame(parcels, geometry=geometry, crs=settings.rd_crs), report


_ALIASES = {
    "plannaam": "plan_naam",
    "bedrijvent": "plan_naam",
    "bedrijventerrein": "plan_naam",
    "rinnummer": "rin_nummer",
    # IBIS's list export (locations/list/export)
    "grootst_uitgeefbaar_deel_ha": "grootst_uitgeefbare_deel",
    "uitgifte_huidig_jaar_ha": "uitgegeven_jaar",
    "terstond_uitgeefbaar_ha": "terstond_uitgeefbaar",
    "niet_terstond_uitgeefbaar_ha": "niet_terstond_uitgeefbaar",
}
# gross and net area in hectares (the national WFS layer, the list export), read as the m²
# of OPPBRUTO/OPPNETTO
_HECTARE_AREAS = {
    "ha_bruto": "oppbruto",
    "bruto": "oppbruto",
    "bruto_ha": "oppbruto",
    "ha_netto": "oppnetto",
    "netto": "oppnetto",
    "netto_ha": "oppnetto",
}
# figures that are parts of another figure
_SPLITS = {
    "uitgegeven": ("uitgegeven_jaar",),
    "terstond_uitgeefbaar": ("terstond_uitgeefbaar_gemeente", "terstond_uitgeefbaar_particulier"),
    "niet_terstond_uitgeefbaar": (
        "niet_terstond_uitgeefbaar_gemeente",
        "niet_terstond_uitgeefbaar_particulier",
        "zachte_plancapaciteit",
    ),
}
# figures that should repeat on every polygon of one park
_PARK_FIGURES = ("plan_naam", "gemeente", "oppbruto", "oppnetto", *(c.lower() for c in HA_COLUMNS))


def _national_vocabulary(table: pd.DataFrame, frame: pd.DataFrame) -> list[Finding]:
    """Read the national vocabularies into the layout, in place: hectare areas as m², issued
    land as the sum of its two parts, ``GEM_CODES`` (CBS codes) as municipality and
    province names, a park without one (``GM0000``) placed by its outline. Undocumented
    columns such as ``HA_TOTTUIT`` are left alone: not guessed."""
    for name, target in _HECTARE_AREAS.items():
        if name in table and target not in table:
            text = table.pop(name)
            number = parse_numbers(text)
            # text that is not a number stays, so the checks name its row
            table[target] = (number * 1e4).astype(object).where(number.notna(), text)
    if _ISSUED_BEFORE in table and "uitgegeven" not in table:
        this_year = parse_numbers(table.get("uitgegeven_jaar", pd.Series(0.0, table.index)))
        table["uitgegeven"] = parse_numbers(table[_ISSUED_BEFORE]) + this_year
    if "gem_codes" not in table or "gemeente" in table:
        return []
    return _municipality_from_codes(table, frame)


def _municipality_from_codes(table: pd.DataFrame, frame: pd.DataFrame) -> list[Finding]:
    findings = []
    codes = table["gem_codes"].map(cbs.municipality_code)
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        located = cbs.locate(frame.geometry).set_axis(table.index)
        codes = codes.where(codes.notna(), located)
    known = cbs.municipalities().set_index("gemeentecode")
    unknown = codes.notna() & ~codes.isin(known.index)
    for row in np.flatnonzero(unknown.to_numpy()).tolist():
        findings.append(
            Finding(
                "error",
                t(
                    "{code} is not a CBS municipality code of {year}",
                    code=repr(table["gem_codes"].iloc[row]),
                    year=cbs.CBS_YEAR,
                ),
                row=row + 1,
                column="GEM_CODES",
            )
        )
    valid = codes.where(~unknown)
    table["gemeente"] = valid.map(known["gemeente"]).astype(object)
    if "provincie" not in table:
        table["provincie"] = valid.map(known["provincie"]).astype(object)
    return findings


def _with_hint(finding: Finding) -> Finding:
    """A missing municipality or province can be given for the whole file."""
    if finding.column in ("gemeente", "provincie") and finding.row is None:
        hint = t(
            "give it for the whole file with {name}=... (CLI: --{name}-van-bestand)",
            name=finding.column,
        )
        return replace(finding, suggestion=hint)
    return finding


def _legacy_years(table: pd.DataFrame) -> tuple[pd.Series, list[Finding]]:
    """``JAAR`` as numbers; legacy values such as ``v1900`` (before 1900) or ``<1950`` (also
    in a broken encoding) read as that year, with a warning."""
    if "jaar" not in table:
        return pd.Series(np.nan, index=table.index), []
    text = as_text(table["jaar"]).str.strip()
    plain = pd.to_numeric(text, errors="coerce")
    legacy = text.str.extract(r"^\D{1,8}(\d{4})$")[0].astype(float).where(plain.isna())
    findings = []
    for row in np.flatnonzero(legacy.notna().to_numpy()).tolist():
        value, year = text.iloc[row], int(legacy.iloc[row])
        findings.append(
            Finding(
                "warning",
                t("{value} read as {year} (before {year})", value=repr(value), year=year),
                row=row + 1,
                column="JAAR",
            )
        )
    for row in np.flatnonzero((plain.isna() & legacy.isna() & text.notna()).to_numpy()).tolist():
        findings.append(
            Finding(
                "error",
                t("{value} is not a year", value=repr(text.iloc[row])),
                row=row + 1,
                column="JAAR",
            )
        )
    return plain.fillna(legacy), findings


def _one_row_per_park(
    ibis: pd.DataFrame, outlines: np.ndarray | None, report: ValidationReport
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Rows that share a RIN number are polygons of one park: the first row's figures, the
    outlines dissolved, a warning where the rows' figures disagree."""
    if "rin_nummer" not in ibis:
        return ibis.reset_index(drop=True), outlines
    rows = pd.Series(np.arange(len(ibis)), index=ibis.index)
    key = ibis["rin_nummer"].where(ibis["rin_nummer"].notna(), "#" + rows.astype(str))
    groups = ibis.groupby(key, sort=False)
    for rin, group in groups:
        if len(group) < 2:
            continue
        differ = [c for c in _PARK_FIGURES if c in group and group[c].nunique(dropna=False) > 1]
        if differ:
            report.findings.append(
                Finding(
                    "warning",
                    t(
                        "RIN {rin} comes as {n} polygons whose {columns} differ; used row "
                        "{row}'s figures",
                        rin=repr(rin),
                        n=len(group),
                        columns=", ".join(differ),
                        row=rows[group.index[0]] + 1,
                    ),
                    row=int(rows[group.index[0]]) + 1,
                    column="RINNUMMER",
                )
            )
    first = groups.head(1)
    if outlines is not None:
        positions = [rows[group.index].to_numpy() for _, group in groups]
        outlines = np.array([merge(outlines[p])[0] for p in positions], dtype=object)
    return first.reset_index(drop=True), outlines


def _park_records(ibis: pd.DataFrame, has_sales: bool, phases_known: bool) -> pd.DataFrame:
    """The parcel-like records of every park (index: the park's row)."""
    not_net = _records(
        ibis["oppbruto"] / 1e4 - ibis["oppnetto"] / 1e4, "niet_uitgeefbaar", "gemeente"
    )
    if not has_sales:  # only areas: the net area's state and plan phase are unknown
        return pd.concat([not_net, _records(ibis["oppnetto"] / 1e4, None, None, planfase=None)])
    year = ibis["jaar"].where(ibis["jaar"] > 0, as_of_date(None).year).astype(int)
    soft_share = (ibis["zachte_plancapaciteit"] / ibis["niet_terstond_uitgeefbaar"]).where(
        ibis["niet_terstond_uitgeefbaar"] > 0, 0.0
    )
    # the part of the net area the given figures do not cover (a figure the table does not
    # give, or parts that fall short): unknown, kept in gross and net, never 0
    given = sum(ibis[c] for c in _PART_COLUMNS)
    remainder = (ibis["oppnetto"] / 1e4 - given).clip(lower=0.0)
    parts = [
        not_net,
        _records(remainder, None, None, planfase=None),
        _records(ibis["uitgegeven"] - ibis["uitgegeven_jaar"], "uitgegeven", "particulier"),
        _records(ibis["uitgegeven_jaar"], "uitgegeven", "particulier", sold_in=year),
    ]
    largest = ibis["grootst_uitgeefbare_deel"]
    for status in ("terstond_uitgeefbaar", "niet_terstond_uitgeefbaar"):
        municipal, private = ibis[f"{status}_gemeente"], ibis[f"{status}_particulier"]
        unknown = ibis[status] - municipal - private
        soft = soft_share if status == "niet_terstond_uitgeefbaar" else 0.0
        for ha, owner in ((municipal, "gemeente"), (private, "particulier"), (unknown, None)):
            if not phases_known:
                parts.append(_records(ha, status, owner, planfase=None, largest=largest))
                continue
            parts.append(_records(ha * (1 - soft), status, owner, largest=largest))
            parts.append(_records(ha * soft, status, owner, planfase=4, largest=largest))
    return pd.concat(parts)


def _row_findings(
    rows: pd.Series,
    severity: Severity,
    column: str,
    message: Callable[[int], str],
    suggestion: str | None = None,
) -> list[Finding]:
    """A finding for each true row of ``rows`` (``message(position)``), numbered from 1."""
    return [
        Finding(severity, message(pos), row=pos + 1, column=column, suggestion=suggestion)
        for pos in map(int, np.flatnonzero(rows.to_numpy()))
    ]


def check_parks(ibis: pd.DataFrame) -> list[Finding]:
    """Park figures that cannot all be true, as errors with row and column: net area above
    gross, issued plus available land above the gross area, a category that is not 1-6.
    ``ibis`` has lower-case column names and numbers already read."""
    zero = pd.Series(0.0, index=ibis.index)
    gross, net = ibis["oppbruto"] / 1e4, ibis["oppnetto"] / 1e4  # m² -> ha
    parts = pd.concat([ibis.get(c, zero).fillna(0.0) for c in _PART_COLUMNS], axis=1).sum(axis=1)
    slack = 1e-6 * gross.abs() + 1e-6  # rounding of m² written as text
    named = " + ".join(_PART_COLUMNS)
    findings = _row_findings(
        net > gross + slack,
        "error",
        "oppnetto",
        lambda pos: t(
            "net area {net} ha is larger than the gross area {gross} ha",
            net=format_number(net.iloc[pos]),
            gross=format_number(gross.iloc[pos]),
        ),
    )
    findings += _row_findings(
        (parts > net + slack) & (parts <= gross + slack),
        "error",
        "oppnetto",
        lambda pos: t(
            "issued and available land ({named} = {parts} ha) exceeds the net area {net} ha",
            named=named,
            parts=format_number(parts.iloc[pos]),
            net=format_number(net.iloc[pos]),
        ),
    )
    findings += _row_findings(
        parts > gross + slack,
        "error",
        "oppbruto",
        lambda pos: t(
            "issued and available land ({named} = {parts} ha) exceeds the gross area {gross} ha",
            named=named,
            parts=format_number(parts.iloc[pos]),
            gross=format_number(gross.iloc[pos]),
        ),
    )
    findings += _implausible_areas(gross)
    if "max_milieucategorie" in ibis:
        text = ibis["max_milieucategorie"].astype("string").str.strip()
        unknown = (
            text.notna() & text.ne("") & text.str.split(".").str[0].map(_MAIN_TO_CATEGORY).isna()
        )
        findings += _row_findings(
            unknown,
            "error",
            "max_milieucategorie",
            lambda pos: t("unknown milieucategorie {value}", value=repr(text.iloc[pos])),
            t("IBIS records the main category as a number 1 to 6"),
        )
    return findings


def _implausible_areas(gross: pd.Series) -> list[Finding]:
    """Gross areas that suggest the wrong unit: hectares left in ``OPPBRUTO`` (m²) read as
    parks smaller than ``settings.ibis_min_park_ha``, m² in a hectare column as parks larger
    than ``settings.ibis_max_park_ha``. Warnings: such parks exist, rarely."""
    return _row_findings(
        (gross > 0) & (gross < settings.ibis_min_park_ha),
        "warning",
        "oppbruto",
        lambda pos: t(
            "gross area {m2} m² is only {ha} ha",
            m2=format_number(gross.iloc[pos] * 1e4, 0),
            ha=format_number(gross.iloc[pos], 4),
        ),
        t("OPPBRUTO and OPPNETTO are in m²; are these hectares?"),
    ) + _row_findings(
        gross > settings.ibis_max_park_ha,
        "warning",
        "oppbruto",
        lambda pos: t(
            "gross area {ha} ha is larger than any business park",
            ha=format_number(gross.iloc[pos], 0),
        ),
        t("hectare columns (HA_BRUTO, Bruto) are in ha; are these m²?"),
    )


def _records(ha, status, owner, *, planfase=1, sold_in=None, largest=0.0) -> pd.DataFrame:
    """One parcel-like record per park (index: the park's row)."""
    dates = pd.to_datetime(sold_in.astype(str) + "-01-01") if sold_in is not None else pd.NaT
    return pd.DataFrame(
        {
            "oppervlakte_ha": ha.astype(float),
            "status": status,
            "eigenaar": owner,
            "planfase": planfase,
            "uitgiftedatum": dates,
            "grootste_deel_ha": largest,
        },
        index=ha.index,
    )
