"""Exchange with IBIS Bedrijventerreinen: the park-level table, written and read.

Column layout (one row per park): ``RIN_NUMMER, PLAN_NAAM, KERN, GEMEENTE, PROVINCIE, JAAR``,
``OPPBRUTO`` and ``OPPNETTO`` in m² (as IBIS records them), then in hectares:
``UITGEGEVEN`` (issued to date), ``UITGEGEVEN_JAAR`` (issued in the as-of year),
``TERSTOND_UITGEEFBAAR`` and ``NIET_TERSTOND_UITGEEFBAAR`` with their ``_GEMEENTE`` /
``_PARTICULIER`` owner splits, ``ZACHTE_PLANCAPACITEIT`` (the part of the not immediately
available land in plans not yet adopted), ``GROOTST_UITGEEFBARE_DEEL``, and
``MAX_MILIEUCATEGORIE`` as IBIS records it: the main number only (4.2 -> 4).

IBIS counts land under option as available: ``optie`` is part of ``TERSTOND_UITGEEFBAAR``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from terreinen import schema, settings
from terreinen.figures import as_of_date, parcel_figures, sale_dates, status_on
from terreinen.report import ValidationReport
from terreinen.validation import check_table

__all__ = ["IBIS_COLUMNS", "ibis_to_parcels", "is_ibis_table", "to_ibis"]

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
# the subcategory a main IBIS number is read as: the lowest, so nothing is allowed that IBIS
# might not allow
_MAIN_TO_CATEGORY = {"1": "1", "2": "2", "3": "3.1", "4": "4.1", "5": "5.1", "6": "6"}


def to_ibis(parcels: gpd.GeoDataFrame, *, as_of=None) -> gpd.GeoDataFrame:
    """Park-level table in IBIS's column layout, with each park's outline (EPSG:28992).

    >>> to_ibis(parcels, as_of="2026-01-01").loc[0, ["PLAN_NAAM", "OPPBRUTO"]]  # doctest: +SKIP
    """
    date = as_of_date(as_of)
    figures = parcel_figures(parcels, as_of=date)
    # owner unknown (optional column absent): counted in the totals, in neither split
    owner = parcels.get("eigenaar", pd.Series(None, index=parcels.index)).astype(object)
    sold_this_year = (status_on(parcels, date) == "uitgegeven") & (
        sale_dates(parcels).dt.year == date.year
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
            "MAX_MILIEUCATEGORIE": parcels["milieucategorie"].cat.codes,
        }
    )
    keys = pd.DataFrame(
        {key.upper(): parcels[key].astype(object) for key in _PARK_KEYS if key in parcels}
    ).rename(columns={"TERREIN": "PLAN_NAAM"})
    keys = keys.fillna("")
    aggregations = dict.fromkeys(table.columns, "sum")
    aggregations.update(GROOTST_UITGEEFBARE_DEEL="max", MAX_MILIEUCATEGORIE="max")
    parks = table.join(keys).groupby(list(keys.columns)).agg(aggregations)
    outlines = gpd.GeoDataFrame(keys, geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
    parks = parks.join(outlines.dissolve(by=list(keys.columns))).reset_index()
    categories = np.array(parcels["milieucategorie"].cat.categories)
    parks["MAX_MILIEUCATEGORIE"] = [
        int(categories[code].split(".")[0]) for code in parks["MAX_MILIEUCATEGORIE"]
    ]
    parks["JAAR"] = date.year
    for column in IBIS_COLUMNS:
        if column not in parks:
            parks[column] = ""
    return gpd.GeoDataFrame(parks[[*IBIS_COLUMNS, "geometry"]], crs=parcels.crs)


def is_ibis_table(frame: pd.DataFrame) -> bool:
    """Whether a table is IBIS's park-level layout rather than parcels."""
    names = {schema.normalise_name(c) for c in frame.columns}
    return {"oppbruto", "terstond_uitgeefbaar"} <= names and "status" not in names


def ibis_to_parcels(
    frame: pd.DataFrame, source: str
) -> tuple[gpd.GeoDataFrame | None, ValidationReport]:
    """Park-level IBIS records as parcel-like records that every terreinen figure accepts.

    Each park becomes one record per (status, owner, hard/soft) with its hectares from the
    IBIS figures in ``oppervlakte_ha`` and the park outline as geometry. Sales of ``JAAR``
    are dated 1 January of that year; earlier sales carry no date (IBIS keeps no history).
    Segments are not in IBIS: every record is ``gemengd``.
    """
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    table.columns = [schema.normalise_name(c) for c in table.columns]
    table = table.rename(columns={"plannaam": "plan_naam", "bedrijvent": "plan_naam"})
    table = table.rename(columns={"rinnummer": "rin_nummer"})
    numbers = ("oppbruto", "oppnetto", "jaar", *(c.lower() for c in HA_COLUMNS))
    ibis, report = check_table(
        table,
        source,
        required=("plan_naam", "gemeente", "oppbruto", "oppnetto", "terstond_uitgeefbaar"),
        noun="parks",
        numbers=tuple(c for c in numbers if c in table),
    )
    if not report.ok:
        return None, report
    for column in numbers:
        ibis[column] = ibis[column].fillna(0.0) if column in ibis else 0.0
    year = ibis["jaar"].where(ibis["jaar"] > 0, as_of_date(None).year).astype(int)
    soft_share = (ibis["zachte_plancapaciteit"] / ibis["niet_terstond_uitgeefbaar"]).where(
        ibis["niet_terstond_uitgeefbaar"] > 0, 0.0
    )
    parts = [
        _records(ibis["oppbruto"] / 1e4 - ibis["oppnetto"] / 1e4, "niet_uitgeefbaar", "gemeente"),
        _records(ibis["uitgegeven"] - ibis["uitgegeven_jaar"], "uitgegeven", "particulier"),
        _records(ibis["uitgegeven_jaar"], "uitgegeven", "particulier", sold_in=year),
    ]
    for status in ("terstond_uitgeefbaar", "niet_terstond_uitgeefbaar"):
        municipal, private = ibis[f"{status}_gemeente"], ibis[f"{status}_particulier"]
        unknown = ibis[status] - municipal - private
        soft = soft_share if status == "niet_terstond_uitgeefbaar" else 0.0
        for ha, owner in ((municipal, "gemeente"), (private, "particulier"), (unknown, None)):
            largest = ibis["grootst_uitgeefbare_deel"]
            parts.append(_records(ha * (1 - soft), status, owner, largest=largest))
            parts.append(_records(ha * soft, status, owner, planfase=4, largest=largest))
    records = pd.concat(parts)
    records = records[records["oppervlakte_ha"] > 1e-9].sort_index(kind="stable")
    park = ibis.loc[records.index]
    label = (
        park["rin_nummer"].fillna(park["plan_naam"]) if "rin_nummer" in park else park["plan_naam"]
    )
    category = ibis.get("max_milieucategorie", pd.Series("", index=ibis.index))
    main = category.astype(str).str.split(".").str[0].map(_MAIN_TO_CATEGORY)
    parcels = pd.DataFrame(
        {
            "kavel_id": label + "-" + (records.groupby(level=0).cumcount() + 1).astype(str),
            "terrein": park["plan_naam"],
            "gemeente": park["gemeente"],
            **{key: park[key] for key in ("rin_nummer", "kern", "provincie") if key in park},
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
        }
    ).reset_index(drop=True)
    geometry = gpd.GeoSeries([None] * len(parcels), crs=settings.rd_crs)  # a table without outlines
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        outlines = frame.geometry.to_crs(settings.rd_crs).to_numpy()[records.index.to_numpy()]
        geometry = gpd.GeoSeries(outlines, crs=settings.rd_crs)
    return gpd.GeoDataFrame(parcels, geometry=geometry.to_numpy(), crs=settings.rd_crs), report


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
