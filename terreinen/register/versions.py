"""What becomes a new version of a parcel: a delivery compared with the register's latest
versions (vectorised: one merge on kavel_id, one comparison per field), and an edit's values
checked against the data contract."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import schema, settings
from terreinen.errors import TerreinenDataError, TerreinenOptionError
from terreinen.i18n import t
from terreinen.io.files import load_parcels
from terreinen.register.store.base import FIELDS, as_day, normalised
from terreinen.validation.values import suggest

DIFF_COLUMNS = ("kavel_id", "gemeente", "wijziging", "veld", "oud", "nieuw")
ROW_COLUMNS = ("kavel_id", *FIELDS)
EDIT_SOURCE, CORRECTION_SOURCE = "bewerking", "correctie"
#: The ``bron`` of versions an officer recorded (an edit or a correction).
OFFICER_SOURCES = (EDIT_SOURCE, CORRECTION_SOURCE)
#: Fields an officer's edit sets (a sale sets its date too) that a delivery can contradict.
CONFLICT_FIELDS = ("status", "planfase", "uitgiftedatum", "prijs_m2", "eigenaar")
#: Fields that only say when the data were kept: a difference there alone is no new version.
BOOKKEEPING_FIELDS = ("laatst_bijgewerkt",)
CONFLICT_LIST_COLUMNS = (
    "kavel_id",
    "gemeente",
    "veld",
    "bewerkt",
    "geleverd",
    "bewerkt_door",
    "bewerkt_op",
    "bewerking_reden",
)


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
    #: One row per field the delivery contradicts of an edit made after the municipality's
    #: previous delivery (``CONFLICT_LIST_COLUMNS``); ``accepted``: the delivery was applied
    #: there too, else the edits were kept.
    conflicts: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=CONFLICT_LIST_COLUMNS)
    )
    accepted: bool = False
    #: Why the delivery would be refused (a dry run says so instead of refusing).
    refusal: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.new or self.retired or self.changed)

    def summary(self) -> str:
        done = t("applied") if self.applied else t("not applied (dry run)")
        if self.empty:
            done = t("nothing to change")
        text = t(
            "{gemeenten}: {new} new, {retired} retired, {changed} changed, {unchanged} "
            "unchanged parcels; {done}",
            gemeenten=", ".join(self.gemeenten),
            new=len(self.new),
            retired=len(self.retired),
            changed=len(self.changed),
            unchanged=self.unchanged,
            done=done,
        )
        if not self.conflicts.empty:
            n = self.conflicts["kavel_id"].nunique()
            kept = (
                t("the delivery applied over the edits")
                if self.accepted
                else t("the edits kept, the delivery's values recorded as findings")
            )
            said = t(
                "{n} parcels contradict an edit made after the previous delivery: {kept}",
                n=n,
                kept=kept,
            )
            text += f"; {said}"
        if self.refusal:
            text += "; " + t("it would be refused: {refusal}", refusal=self.refusal)
        return text


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
        raise TerreinenOptionError(
            t(
                "{source}: the delivery for {covered} holds parcels of {others}; import those "
                "separately or name them in gemeente",
                source=report.source,
                covered=", ".join(covered),
                others=", ".join(others),
            )
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
    any_change = mask.drop(columns=list(BOOKKEEPING_FIELDS)).any(axis=1).to_numpy()
    table = _diff_table(pairs[any_change], mask[any_change], new, retired)
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


def find_conflicts(
    history: pd.DataFrame, since: dict, current: pd.DataFrame, delivery: pd.DataFrame
) -> pd.DataFrame:
    """The fields of ``CONFLICT_FIELDS`` that an officer changed after the municipality's
    latest delivery (recorded after ``since[gemeente]``, a UTC time) and that the new
    delivery gives another value: one row per parcel and field (``CONFLICT_LIST_COLUMNS``).

    ``history`` holds the standing versions of the parcels (``kavel_id, versie, bron,
    vastgelegd_op, door, reden, gemeente`` and the fields), ``current`` and ``delivery``
    their latest versions and the delivered rows."""
    if history.empty:
        return pd.DataFrame(columns=CONFLICT_LIST_COLUMNS)
    history = normalised(history).sort_values(["kavel_id", "versie"], kind="stable")
    recorded = pd.to_datetime(history["vastgelegd_op"], utc=True)
    limit = pd.to_datetime(history["gemeente"].map(since), utc=True)
    recent = history["bron"].isin(OFFICER_SOURCES) & (limit.isna() | (recorded > limit))
    now = current.set_index("kavel_id")
    delivered = delivery.set_index("kavel_id")
    rows = []
    for kavel_id, versions in history[recent].groupby("kavel_id", sort=True):
        earlier = history[
            (history["kavel_id"] == kavel_id) & (history["versie"] < versions["versie"].min())
        ]
        if earlier.empty:
            continue
        before, edit = earlier.iloc[-1], versions.iloc[-1]
        for column in CONFLICT_FIELDS:
            kept, given = now.at[kavel_id, column], delivered.at[kavel_id, column]
            if same_value(kept, before[column]) or same_value(kept, given):
                continue  # not changed by the edits, or the delivery agrees
            rows.append(
                (kavel_id, now.at[kavel_id, "gemeente"], column, *_texts(pd.Series([kept, given])),
                 edit["door"], str(edit["vastgelegd_op"]), edit["reden"])
            )  # fmt: skip
    table = pd.DataFrame(rows, columns=CONFLICT_LIST_COLUMNS).astype(object)
    return table.where(table.notna(), None)


def same_value(a, b) -> bool:
    """Two stored values are the same (two missing values too)."""
    return bool((pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b))


def reconciled(delivery: pd.DataFrame, current: pd.DataFrame, conflicts) -> pd.DataFrame:
    """The delivery with the edited values kept where it contradicts them."""
    kept = delivery.set_index("kavel_id")
    now = current.set_index("kavel_id")
    for kavel_id, column in zip(conflicts["kavel_id"], conflicts["veld"], strict=True):
        kept.loc[kavel_id, column] = now.loc[kavel_id, column]
    return kept.reset_index()


def check_retirement(diff: DeliveryDiff, current: pd.DataFrame, label: str) -> str | None:
    """Why the delivery may not be imported as it is: it retires more than
    ``settings.register_retire_share`` of a municipality's parcels or all of them (None: it
    does not)."""
    share = settings.register_retire_share
    counts = current["gemeente"].value_counts().to_dict()
    gone = current.loc[current["kavel_id"].isin(diff.retired), "gemeente"].value_counts()
    for gemeente, n in gone.to_dict().items():
        total = counts[gemeente]
        if n == total or n > share * total:
            limit = t("all of them") if n == total else t("more than {share}", share=f"{share:.0%}")
            return t(
                "{label}: the delivery would retire {n} of the {total} parcels of {gemeente} "
                "({limit}); is the file complete and the municipality right? (allow it with "
                "allow_retire)",
                label=label,
                n=n,
                total=total,
                gemeente=gemeente,
                limit=limit,
            )
    return None


def check_not_future(day: str, allow_future: bool) -> None:
    """A date more than ``settings.register_future_days`` after today is a typo unless
    allowed."""
    limit = dt.date.today() + dt.timedelta(days=settings.register_future_days)
    if not allow_future and day > limit.isoformat():
        raise TerreinenOptionError(
            t(
                "date {day} is more than {days} days after today; a typo? (allow it with "
                "allow_future); nothing was written",
                day=day,
                days=settings.register_future_days,
            )
        )


def check_dates(diff: DeliveryDiff, heads: pd.DataFrame, day: str, label: str) -> None:
    """A delivery may not start a version before the latest version of a parcel it changes."""
    touched = [k for k in (*diff.changed, *diff.retired, *diff.new) if k in heads.index]
    if not touched:
        return
    since = heads.loc[touched, "geldig_van"].map(as_day)
    late = since[since > day]
    if not late.empty:
        examples = ", ".join(f"{k} ({d})" for k, d in late.head(5).items())
        raise TerreinenOptionError(
            t(
                "{label}: the delivery of {day} is older than the latest version of {n} parcels "
                "it changes, e.g. {examples}; nothing was written",
                label=label,
                day=day,
                n=len(late),
                examples=examples,
            )
        )


def _category(column: str, value: str) -> str:
    text = schema.normalise_value(value)
    text = schema.VALUE_SYNONYMS.get(column, {}).get(text, text)
    allowed = schema.CATEGORY_VALUES[column]
    if text not in allowed:
        raise TerreinenOptionError(
            t(
                "{column} {value} is not one of {allowed}; {hint}; nothing was written",
                column=column,
                value=repr(value),
                allowed=", ".join(allowed),
                hint=suggest(column, value),
            )
        )
    return text


def edit_values(*, status, planfase, prijs_m2, eigenaar, required: bool = True) -> dict:
    """The fields an edit sets, checked and in storage types (at least one when
    ``required``)."""
    values: dict[str, object] = {}
    if status is not None:
        values["status"] = _category("status", status)
    if planfase is not None:
        values["planfase"] = int(_category("planfase", str(planfase)))
    if prijs_m2 is not None:
        price = float(prijs_m2)
        if not math.isfinite(price) or price < 0:
            raise TerreinenOptionError(
                t("prijs_m2 {value} must be a price of 0 or more EUR/m²", value=repr(prijs_m2))
            )
        values["prijs_m2"] = price
    if eigenaar is not None:
        values["eigenaar"] = _category("eigenaar", eigenaar)
    if required and not values:
        raise TerreinenOptionError(
            t("an edit sets at least one of status, planfase, prijs_m2, eigenaar")
        )
    return values


def as_parcels(rows: pd.DataFrame, label: str) -> gpd.GeoDataFrame:
    """Stored versions as terreinen.read_parcels returns parcels (same checks, same types)."""
    empty = [c for c in schema.OPTIONAL_COLUMNS if c in rows and rows[c].isna().all()]
    frame = gpd.GeoDataFrame(rows.drop(columns=empty), geometry="geometry", crs=settings.rd_crs)
    parcels, report = load_parcels(frame)
    if parcels is None or not report.ok:  # changed behind the register's back, or damaged
        raise TerreinenDataError(report)
    return parcels
