"""What becomes a new version of a parcel: a delivery compared with the register's latest
versions (vectorised: one merge on kavel_id, one comparison per field), and an edit's values
checked against the data contract."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import schema, settings
from terreinen.errors import TerreinenDataError, TerreinenError
from terreinen.i18n import t
from terreinen.io.files import load_parcels
from terreinen.register.store.base import FIELDS, as_day, normalised

DIFF_COLUMNS = ("kavel_id", "gemeente", "wijziging", "veld", "oud", "nieuw")
ROW_COLUMNS = ("kavel_id", *FIELDS)


@dataclass
class DeliveryDiff:
    """What a delivery changes: new, retired and changed parcels, one row per changed field
    in ``table`` (``kavel_id, gemeente, wijziging, veld, oud, nieuw``)."""

    gemeenten: list[str]
    new: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DIFF_COLUMNS))
    applied: bool = False

    @property
    def empty(self) -> bool:
        return not (self.new or self.retired or self.changed)

    def summary(self) -> str:
        done = t("applied") if self.applied else t("not applied (dry run)")
        if self.empty:
            done = t("nothing to change")
        return t(
            "{gemeenten}: {new} new, {retired} retired, {changed} changed, {unchanged} "
            "unchanged parcels; {done}",
            gemeenten=", ".join(self.gemeenten),
            new=len(self.new),
            retired=len(self.retired),
            changed=len(self.changed),
            unchanged=self.unchanged,
            done=done,
        )


def checked_delivery(parcels, gemeente) -> tuple[pd.DataFrame, list[str]]:
    """The delivery validated as read_parcels validates, in storage types, and the
    municipalities it covers."""
    frame, report = load_parcels(parcels)
    if not report.ok or frame is None:
        raise TerreinenDataError(report)
    delivery = normalised(frame[[c for c in frame.columns if c in ROW_COLUMNS]])
    delivery["geometry"] = frame.geometry.to_numpy()
    present = sorted(delivery["gemeente"].unique())
    if gemeente is None:
        return delivery, present
    covered = [gemeente] if isinstance(gemeente, str) else list(gemeente)
    others = sorted(set(present) - set(covered))
    if others:
        raise TerreinenError(
            f"{report.source}: the delivery for {', '.join(covered)} holds parcels of "
            f"{', '.join(others)}; import those separately or name them with --gemeente"
        )
    return delivery, covered


def compare(current: pd.DataFrame, delivery: pd.DataFrame, covered: list[str], heads):
    """The differences between the register's latest versions and a delivery, and the rows
    to record as new versions (with their ``_reden``)."""
    merged = delivery.merge(
        current, on="kavel_id", how="outer", suffixes=("", "_oud"), indicator=True
    )
    both = merged["_merge"] == "both"
    retired = merged[(merged["_merge"] == "right_only") & merged["gemeente_oud"].isin(covered)]
    new = merged[merged["_merge"] == "left_only"]
    pairs = merged[both].reset_index(drop=True)
    differs = {}
    for column in FIELDS:
        a, b = pairs[column], pairs[f"{column}_oud"]
        same = (a == b).fillna(False).astype(bool) | (a.isna() & b.isna())
        differs[column] = ~same.to_numpy()
    differs["geometry"] = _moved(pairs["geometry"].to_numpy(), pairs["geometry_oud"].to_numpy())
    mask = pd.DataFrame(differs)
    any_change = mask.any(axis=1).to_numpy()
    table = _diff_table(pairs, mask, new, retired)
    reappearing = new["kavel_id"].isin(heads.index)
    reasons = pd.concat(
        [
            pd.Series(
                [
                    "levering: " + ", ".join(mask.columns[row])
                    for row in mask.to_numpy()[any_change]
                ],
                dtype=object,
            ),
            pd.Series(
                np.where(reappearing, "weer in de levering", "nieuw in de levering"), dtype=object
            ),
        ],
        ignore_index=True,
    )
    keep = ["kavel_id", *FIELDS, "geometry"]
    changed = pd.concat([pairs.loc[any_change, keep], new[keep]], ignore_index=True)
    changed["_reden"] = reasons
    diff = DeliveryDiff(
        gemeenten=covered,
        new=new["kavel_id"].tolist(),
        retired=retired["kavel_id"].tolist(),
        changed=pairs.loc[any_change, "kavel_id"].tolist(),
        unchanged=int((~any_change).sum()),
        table=table,
    )
    return diff, changed


def _moved(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Outlines that moved more than ``settings.register_geometry_tolerance`` anywhere: the
    same outline sent again through another CRS or file format is not a change."""
    tolerance = settings.register_geometry_tolerance
    moved = ~shapely.equals_exact(new, old, tolerance)  # quick: same vertices in same order
    moved[moved] = shapely.hausdorff_distance(new[moved], old[moved]) > tolerance
    return moved


def _diff_table(pairs: pd.DataFrame, mask: pd.DataFrame, new, retired) -> pd.DataFrame:
    """One row per new parcel, retired parcel and changed field, values as text."""
    parts = [
        pd.DataFrame(
            {"kavel_id": new["kavel_id"], "gemeente": new["gemeente"], "wijziging": "nieuw"}
        ),
        pd.DataFrame(
            {
                "kavel_id": retired["kavel_id"],
                "gemeente": retired["gemeente_oud"],
                "wijziging": "vervallen",
            }
        ),
    ]
    for column in mask.columns:
        rows = pairs[mask[column].to_numpy()]
        if rows.empty:
            continue
        if column == "geometry":
            old = [f"{ha:.4f} ha" for ha in shapely.area(rows["geometry_oud"].to_numpy()) / 10_000]
            now = [f"{ha:.4f} ha" for ha in shapely.area(rows["geometry"].to_numpy()) / 10_000]
        else:
            old, now = _texts(rows[f"{column}_oud"]), _texts(rows[column])
        parts.append(
            pd.DataFrame(
                {
                    "kavel_id": rows["kavel_id"],
                    "gemeente": rows["gemeente"],
                    "wijziging": "gewijzigd",
                    "veld": column,
                    "oud": old,
                    "nieuw": now,
                }
            )
        )
    table = pd.concat([p for p in parts if not p.empty] or [parts[0]], ignore_index=True)
    return table.reindex(columns=list(DIFF_COLUMNS)).astype(object)


def _texts(values: pd.Series) -> list:
    return [None if pd.isna(v) else str(v) for v in values]


def check_dates(diff: DeliveryDiff, heads: pd.DataFrame, day: str, label: str) -> None:
    """A delivery may not start a version before the latest version of a parcel it changes."""
    touched = [k for k in (*diff.changed, *diff.retired, *diff.new) if k in heads.index]
    if not touched:
        return
    since = heads.loc[touched, "geldig_van"].map(as_day)
    late = since[since > day]
    if not late.empty:
        examples = ", ".join(f"{k} ({d})" for k, d in late.head(5).items())
        raise TerreinenError(
            f"{label}: the delivery of {day} is older than the latest version of "
            f"{len(late)} parcels it changes, e.g. {examples}; nothing was written"
        )


def _category(column: str, value: str) -> str:
    text = schema.normalise_value(value)
    text = schema.VALUE_SYNONYMS.get(column, {}).get(text, text)
    allowed = schema.CATEGORY_VALUES[column]
    if text not in allowed:
        close = difflib.get_close_matches(text, allowed, n=1)
        hint = f"; is {close[0]!r} meant?" if close else ""
        raise TerreinenError(
            f"{column} {value!r} is not one of {', '.join(allowed)}{hint}; nothing was written"
        )
    return text


def edit_values(*, status, planfase, prijs_m2, eigenaar) -> dict:
    """The fields an edit sets, checked and in storage types."""
    values: dict[str, object] = {}
    if status is not None:
        values["status"] = _category("status", status)
    if planfase is not None:
        values["planfase"] = int(_category("planfase", str(planfase)))
    if prijs_m2 is not None:
        price = float(prijs_m2)
        if not math.isfinite(price) or price < 0:
            raise TerreinenError(f"prijs_m2 {prijs_m2!r} must be a price of 0 or more EUR/m²")
        values["prijs_m2"] = price
    if eigenaar is not None:
        values["eigenaar"] = _category("eigenaar", eigenaar)
    if not values:
        raise TerreinenError("an edit sets at least one of status, planfase, prijs_m2, eigenaar")
    return values


def as_parcels(rows: pd.DataFrame, label: str) -> gpd.GeoDataFrame:
    """Stored versions as terreinen.read_parcels returns parcels (same checks, same types)."""
    empty = [c for c in schema.OPTIONAL_COLUMNS if c in rows and rows[c].isna().all()]
    frame = gpd.GeoDataFrame(rows.drop(columns=empty), geometry="geometry", crs=settings.rd_crs)
    parcels, report = load_parcels(frame)
    if parcels is None:  # stored parcels passed these checks when they were recorded
        raise TerreinenDataError(report)
    return parcels
