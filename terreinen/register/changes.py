"""What changed in a register between two dates, per area: the state at the start against
the state at the end, and the versions recorded in between."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from terreinen import schema
from terreinen.capacity import TOTAL, area_keys
from terreinen.errors import TerreinenOptionError
from terreinen.i18n import t
from terreinen.register.store.base import as_day

CHANGES_COLUMNS = (
    "gebied",
    "verkocht_ha",
    "teruggedraaid_ha",
    "naar_hard_ha",
    "naar_zacht_ha",
    "nieuw_ha",
    "vervallen_ha",
    "n_wijzigingen",
)


def changes(
    register,
    date_from,
    date_to,
    by: str = "gemeente",
    *,
    regions: pd.DataFrame | str | Path | None = None,
) -> pd.DataFrame:
    """What changed from ``date_from`` to ``date_to`` (both included), per area: the state
    at the start (the day before ``date_from``) against the state on ``date_to``.

    Columns: ``gebied``; ``verkocht_ha`` (parcels that became ``uitgegeven``);
    ``teruggedraaid_ha`` (versions in the window that made a sold parcel unsold again: a
    reversal, shown even when a sale in the same window cancels it in the net);
    ``naar_hard_ha`` (unsold, plan phase went from 3-5 to 1-2); ``naar_zacht_ha`` (the
    reverse); ``nieuw_ha`` (parcels added); ``vervallen_ha`` (parcels retired);
    ``n_wijzigingen`` (versions recorded in the window); and a ``Totaal`` row.
    """
    start, end = as_day(date_from), as_day(date_to)
    if start > end:
        raise TerreinenOptionError(
            t("date_from {start} is after date_to {end}", start=start, end=end)
        )
    if dt.date.fromisoformat(start) == dt.date.min:
        raise TerreinenOptionError(
            t("date_from {start}: there is no day before it to compare with", start=start)
        )
    before = register._rows(dt.date.fromisoformat(start) - dt.timedelta(days=1)).set_index(
        "kavel_id"
    )
    after = register._rows(end).set_index("kavel_id")
    ids = before.index.union(after.index)
    b, a = before.reindex(ids), after.reindex(ids)
    where = a[["terrein", "gemeente", "provincie"]].fillna(b[["terrein", "gemeente", "provincie"]])
    ha_after, ha_before = _hectares(a["geometry"]), _hectares(b["geometry"])
    both = b["status"].notna() & a["status"].notna()
    unsold = a["status"].isin(schema.UNSOLD_STATUSES) & b["status"].isin(schema.UNSOLD_STATUSES)
    hard_before = b["planfase"].isin(schema.HARD_PHASES)
    hard_after = a["planfase"].isin(schema.HARD_PHASES)
    soft_before = b["planfase"].isin(schema.SOFT_PHASES)
    soft_after = a["planfase"].isin(schema.SOFT_PHASES)
    figures = pd.DataFrame(
        {
            "verkocht_ha": ha_after.where(
                both & (b["status"] != "uitgegeven") & (a["status"] == "uitgegeven"), 0.0
            ),
            "teruggedraaid_ha": 0.0,
            "naar_hard_ha": ha_after.where(both & unsold & soft_before & hard_after, 0.0),
            "naar_zacht_ha": ha_after.where(both & unsold & hard_before & soft_after, 0.0),
            "nieuw_ha": ha_after.where(b["status"].isna(), 0.0),
            "vervallen_ha": ha_before.where(a["status"].isna(), 0.0),
            "n_wijzigingen": 0,
        }
    ).reset_index(drop=True)
    where = where.reset_index(drop=True)
    versions = register._versions_between(start, end)
    counted = pd.DataFrame({"n_wijzigingen": np.ones(len(versions), dtype=int)})
    for column in figures.columns[:-1]:
        counted[column] = 0.0
    reversed_sale = (
        (versions["status_voor"] == "uitgegeven")
        & versions["status"].isin(schema.UNSOLD_STATUSES)
        & ~versions["vervallen"]
    ).to_numpy()
    counted["teruggedraaid_ha"] = np.where(
        reversed_sale, shapely.area(versions["geometry"].to_numpy()) / 10_000, 0.0
    )
    rows = pd.concat([figures, counted[figures.columns]], ignore_index=True)
    places = pd.concat([where, versions[["terrein", "gemeente", "provincie"]]], ignore_index=True)
    keys = area_keys(places, [by], regions)
    table = (
        pd.concat(
            [rows.loc[keys.index].reset_index(drop=True), keys.reset_index(drop=True)], axis=1
        )
        .groupby(by, sort=True)
        .sum()
        .reset_index()
        .rename(columns={by: "gebied"})
    )
    total = pd.DataFrame([{"gebied": TOTAL, **rows.sum().to_dict()}])
    table = pd.concat([table, total], ignore_index=True)[list(CHANGES_COLUMNS)]
    table["n_wijzigingen"] = table["n_wijzigingen"].astype(int)
    return table


def _hectares(geoms: pd.Series) -> pd.Series:
    """Areas in RD New, NaN where there is no parcel."""
    values = geoms.astype(object).where(geoms.notna(), None).to_numpy()
    return pd.Series(shapely.area(values) / 10_000, index=geoms.index)
