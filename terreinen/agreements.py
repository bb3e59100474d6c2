"""Programming agreements (programmeringsafspraken) as they are written: a maximum or a
minimum, on the stock of an area on the as-of date (``voorraad``) or on the capacity added
within the agreement's period (``toevoeging``, from a register's history), optionally only
at named parks. Definitions: docs/data-model.md, "Agreements as written"."""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from terreinen import schema
from terreinen.errors import TerreinenDataError, TerreinenNotFoundError
from terreinen.figures import UNKNOWN, AsOf, as_of_date, parcel_figures
from terreinen.i18n import t
from terreinen.io.tables import read_agreements, read_regions, regions_beside
from terreinen.report import Finding, ValidationReport
from terreinen.validation.values import closest

__all__ = [
    "COMPARISON_COLUMNS",
    "DeliveryHistory",
    "History",
    "compare_agreements",
    "compare_read_agreements",
]

COMPARISON_COLUMNS = (
    *schema.AGREEMENT_COLUMNS[:6],  # afspraak_id ... max_ha
    "actual_ha",
    "ruimte_ha",
    "benutting_pct",
    "status",
    "reden",
    *schema.AGREEMENT_OPTIONAL_COLUMNS,  # terreinen, grondslag, soort
    *schema.AGREEMENT_COLUMNS[6:],  # periode_start, periode_eind, bron
)
_KIND_COLUMN = {"hard": "hard_ha", "zacht": "zacht_ha", "totaal": "onverkocht_ha"}
_KIND_PHASES = {
    "hard": schema.HARD_PHASES,
    "zacht": schema.SOFT_PHASES,
    "totaal": (*schema.HARD_PHASES, *schema.SOFT_PHASES),
}


class History(Protocol):
    """What ``toevoeging`` agreements need of a parcel history, such as a
    :class:`terreinen.register.Register`: the parcels valid on a date, and per municipality
    its latest delivery up to a date (a ``gemeente`` column; none: no history yet)."""

    def state(self, as_of=None) -> pd.DataFrame: ...

    def deliveries(self, as_of=None) -> pd.DataFrame: ...


class DeliveryHistory:
    """A :class:`History` held in memory: dated full deliveries ``(date, parcels)``, each the
    complete parcels (as :func:`terreinen.read_parcels` returns them) of the municipalities
    it covers (as
    :func:`terreinen.register.example_deliveries` yields them). A register serves the same
    purpose from a store."""

    def __init__(self, deliveries: Iterable[tuple[AsOf, pd.DataFrame]]):
        # read when first asked for: a run without toevoeging agreements never reads them
        self._given = deliveries

    @functools.cached_property
    def _deliveries(self) -> list[tuple[pd.Timestamp, pd.DataFrame]]:
        return sorted(
            ((as_of_date(date), parcels) for date, parcels in self._given), key=lambda d: d[0]
        )

    def deliveries(self, as_of=None) -> pd.DataFrame:
        """Per municipality its latest delivery date up to ``as_of``."""
        latest: dict[str, pd.Timestamp] = {}
        for date, parcels in self._deliveries:
            if as_of is None or date <= as_of_date(as_of):
                # each municipality once (in order of appearance): not every row
                latest.update(dict.fromkeys(parcels["gemeente"].astype(str).unique(), date))
        return pd.DataFrame({"gemeente": list(latest), "laatste_levering": list(latest.values())})

    def state(self, as_of=None) -> pd.DataFrame:
        """Per municipality, its parcels in its latest delivery up to ``as_of``."""
        latest = self.deliveries(as_of).set_index("gemeente")["laatste_levering"]
        parts = [
            parcels[parcels["gemeente"].astype(str).map(latest).eq(date)]
            for date, parcels in self._deliveries
        ]
        if not any(len(part) for part in parts):
            raise TerreinenNotFoundError(
                t("no delivery on or before {day}", day=as_of_date(as_of).date())
            )
        return pd.concat([part for part in parts if len(part)], ignore_index=True)


def _members(
    parcels: pd.DataFrame, regions: pd.DataFrame | None
) -> dict[tuple[str, str], set[str]]:
    """Municipalities of every area, by (niveau, gebied)."""
    members: dict[tuple[str, str], set[str]] = {}
    pairs = parcels[["gemeente", "provincie"]].astype(object).drop_duplicates()
    if regions is not None:
        pairs = pd.concat([pairs, regions[["gemeente", "provincie"]]]).drop_duplicates()
        for regio, group in regions.groupby("regio"):
            members[("regio", str(regio))] = set(group["gemeente"])
    for gemeente, provincie in pairs.itertuples(index=False):
        members.setdefault(("gemeente", gemeente), set()).add(gemeente)
        members.setdefault(("provincie", provincie), set()).add(gemeente)
    return members


def _park_tokens(text: str) -> list[str]:
    """The parks an agreement names: separated by ``;``; a name that holds a ``;`` itself
    stands in double quotes (``"Park; Noord";Zuid``), as a CSV field would."""
    row = next(csv.reader([str(text or "")], delimiter=";", skipinitialspace=True), [])
    return [token.strip() for token in row if token.strip()]


def _in_parks(parcels: pd.DataFrame, tokens: list[str]) -> pd.Series:
    """Parcels of the named parks (by name or RIN number); all parcels when none are named."""
    if not tokens:
        return pd.Series(True, index=parcels.index)
    named = parcels["terrein"].astype(object).isin(tokens)
    if "rin_nummer" in parcels:
        named |= parcels["rin_nummer"].astype(object).isin(tokens)
    return named


def _in_agreement(parcels: pd.DataFrame, agreement: dict, members: dict, *, segment: bool):
    """Parcels the agreement counts: its area, its parks and (``segment``) its segment."""
    mask = (
        parcels["gemeente"].astype(object).isin(members[(agreement["niveau"], agreement["gebied"])])
    )
    mask &= _in_parks(parcels, _park_tokens(agreement["terreinen"]))
    if segment and agreement["segment"]:
        mask &= parcels["segment"].astype(object) == agreement["segment"]
    return mask


def compare_agreements(
    parcels: pd.DataFrame,
    agreements: pd.DataFrame | str | Path,
    *,
    as_of: AsOf = None,
    regions: pd.DataFrame | str | Path | None = None,
    history: History | None = None,
    figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compare plan capacity with each programming agreement as it is written.

    One row per agreement: ``actual_ha`` is the capacity of the agreement's kind (hard, soft
    or both) in its area, parks and segment: on the as-of date (``grondslag`` ``voorraad``)
    or added within its period up to the as-of date (``toevoeging``, from ``history``, e.g.
    a :class:`terreinen.register.Register`). ``ruimte_ha`` is the margin to the agreed
    figure (``max_ha - actual_ha`` for a maximum, ``actual_ha - max_ha`` for a minimum);
    ``status`` is ``binnen_afspraak``, ``overprogrammering`` (above a maximum), ``tekort``
    (below a minimum), ``inactief`` (as-of date outside the period) or ``onbekend`` (with
    the ``reden``: no history, one that does not reach back to the period's start, or land
    in the agreement whose status or plan phase the data do not give). Then
    one ``geen_afspraak`` row per municipality with unsold capacity that no active municipal
    or regional agreement covers.

    ``regions`` defaults to ``gemeenten.csv`` beside an agreements file (as on the command
    line), never to the embedded table; without one, regional agreements are an error that
    says how to give it. ``figures``: the parcels' :func:`terreinen.figures.parcel_figures`
    on the as-of date, when already computed (see :class:`terreinen.study.Study`).

    >>> from terreinen.datasets import get_path
    >>> from terreinen.io.files import read_parcels
    >>> parcels = read_parcels(get_path("parcels"))
    >>> table = compare_agreements(parcels, get_path("agreements"),
    ...                            regions=get_path("gemeenten"), as_of="2026-01-01")
    >>> row = table.loc[3]
    >>> row["afspraak_id"], float(row["max_ha"]), round(float(row["actual_ha"]), 1), row["status"]
    ('DR-ZOD-1', 190.0, 262.4, 'overprogrammering')
    """
    date = as_of_date(as_of)
    if regions is None:
        regions = regions_beside(agreements)
    return compare_read_agreements(
        parcels,
        read_agreements(agreements),
        read_regions(regions) if regions is not None else None,
        source="<agreements table>" if isinstance(agreements, pd.DataFrame) else str(agreements),
        as_of=date,
        history=history,
        figures=figures,
    )


def compare_read_agreements(
    parcels: pd.DataFrame,
    table: pd.DataFrame,
    region_table: pd.DataFrame | None,
    *,
    source: str = "<agreements table>",
    as_of: AsOf = None,
    history: History | None = None,
    figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`compare_agreements` of agreements and regions already read, as
    :func:`terreinen.io.tables.read_agreements` and :func:`terreinen.io.tables.read_regions`
    return them (a :class:`terreinen.study.Study` holds them so): nothing is read or checked
    again. ``source`` names the agreements in messages."""
    date = as_of_date(as_of)
    members = _members(parcels, region_table)
    segments = {*schema.SEGMENTS, *parcels["segment"].dropna().astype(str)}
    _check_references(table, source, members, segments, parcels)
    if figures is None:
        figures = parcel_figures(parcels, as_of=date)
    states = _States(history)

    rows, covered = [], pd.Series(False, index=parcels.index)
    for agreement in table.to_dict("records"):
        start, end = agreement["periode_start"], agreement["periode_eind"]
        active = (pd.isna(start) or start <= date) and (pd.isna(end) or date <= end)
        if agreement["grondslag"] == "toevoeging":
            actual, reason = _added(agreement, members, states, date)
        else:
            in_area = _in_agreement(parcels, agreement, members, segment=True)
            actual, reason = _stock(figures[in_area.to_numpy()], agreement["plancapaciteit"])
        rows.append({**agreement, **_judged(agreement, actual, active), "reden": reason})
        if active and agreement["niveau"] in ("gemeente", "regio"):
            covered |= _in_agreement(parcels, agreement, members, segment=False)
    rows += _municipalities_without_agreement(figures, parcels["gemeente"], covered)
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def _stock(figures: pd.DataFrame, kind: str) -> tuple[float, str]:
    """Hectares of capacity of ``kind`` in ``figures`` (the agreement's parcels), and why they
    are unknown (NaN) when any of that land's figure is: unknown is not zero."""
    values = figures[_KIND_COLUMN[kind]]
    if not values.isna().any():
        return float(values.sum()), ""
    causes = [
        t(why)
        for cause, (why, columns) in UNKNOWN.items()
        if figures[f"onbekend_{cause}"].any() and _KIND_COLUMN[kind] in (*columns, "onverkocht_ha")
    ]
    return np.nan, "; ".join(causes) or t("the data do not give this figure for part of the land")


def _judged(agreement: dict, actual: float, active: bool) -> dict:
    """Margin, use and status of an agreement given its actual hectares (NaN: unknown)."""
    agreed = agreement["max_ha"]
    minimum = agreement["soort"] == "minimum"
    room = actual - agreed if minimum else agreed - actual
    if not active:
        status = "inactief"
    elif np.isnan(actual):
        status = "onbekend"
    elif room >= 0:
        status = "binnen_afspraak"
    else:
        status = "tekort" if minimum else "overprogrammering"
    return {
        "actual_ha": actual,
        "ruimte_ha": room,
        "benutting_pct": 100 * actual / agreed if agreed else np.nan,
        "status": status,
    }


class _States:
    """A history's parcels by date, each read once (agreements share their periods)."""

    def __init__(self, history: History | None):
        self.history = history
        self._states: dict[pd.Timestamp, pd.DataFrame | None] = {}

    def delivered(self, day: pd.Timestamp) -> set[str]:
        """Municipalities with a delivery on or before ``day``."""
        assert self.history is not None
        return set(self.history.deliveries(as_of=day.date())["gemeente"])

    def on(self, day: pd.Timestamp) -> pd.DataFrame:
        assert self.history is not None
        if day not in self._states:
            try:
                self._states[day] = self.history.state(as_of=day.date())
            except TerreinenNotFoundError:  # no delivery yet on that day: nothing counts
                self._states[day] = None
        state = self._states[day]
        return state if state is not None else pd.DataFrame(columns=["kavel_id"])


def _added(agreement: dict, members: dict, states: _States, date: pd.Timestamp):
    """Hectares of the agreement's kind added within its period up to the as-of date, and
    why they are unknown (NaN) when they are."""
    start = agreement["periode_start"]
    if states.history is None:
        return np.nan, t(
            "grondslag toevoeging needs the register's history (history=..., "
            "CLI: a register as PARCELS or --store)"
        )
    if pd.isna(start):
        return np.nan, t("grondslag toevoeging needs a periode_start")
    if date < start:
        return np.nan, t("the period starts on {day}, after the as-of date", day=start.date())
    end = date if pd.isna(agreement["periode_eind"]) else min(agreement["periode_eind"], date)
    if not states.delivered(end):
        return np.nan, t(
            "the history holds no delivery on or before {day}: capacity added within the "
            "period is unknown",
            day=end.date(),
        )
    after = states.on(end)
    counted = after[_in_agreement(after, agreement, members, segment=True)]
    missing = _not_reached(agreement, members, states, set(counted["gemeente"]), end, date)
    if missing:
        return np.nan, t(
            "the history does not reach back to {day} for {gemeenten}",
            day=start.date(),
            gemeenten=", ".join(sorted(missing)),
        )
    before = states.on(start).set_index("kavel_id")
    phases = _KIND_PHASES[agreement["plancapaciteit"]]
    was = _capacity_of_kind(before, phases).reindex(counted["kavel_id"], fill_value=False)
    now = _capacity_of_kind(counted.set_index("kavel_id"), phases)
    return float(counted["oppervlakte_ha"].to_numpy()[now.to_numpy() & ~was.to_numpy()].sum()), ""


def _not_reached(
    agreement: dict,
    members: dict,
    states: _States,
    counted: set[str],
    end: pd.Timestamp,
    date: pd.Timestamp,
) -> set[str]:
    """The agreement's municipalities whose history does not cover its period: with land it
    counts at the period's end but no delivery by its start, or first delivered after its
    end (by the as-of date): what they held in the period is unknown."""
    delivered = states.delivered(date)
    area = members[(agreement["niveau"], agreement["gebied"])]
    late = (area & delivered) - states.delivered(end)
    return (counted - states.delivered(agreement["periode_start"])) | late


def _capacity_of_kind(parcels: pd.DataFrame, phases) -> pd.Series:
    """Issuable land (not ``niet_uitgeefbaar``) in one of ``phases``: capacity of a kind,
    sold or not (land made hard and sold within the period was still added)."""
    if parcels.empty:
        return pd.Series(False, index=parcels.index, dtype=bool)
    issuable = parcels["status"].astype(object) != "niet_uitgeefbaar"
    return issuable & parcels["planfase"].astype(float).isin(phases)


def _municipalities_without_agreement(
    figures: pd.DataFrame, gemeente: pd.Series, covered: pd.Series
) -> list[dict]:
    """One row per municipality with unsold land that no active municipal or regional
    agreement covers (an agreement on named parks covers only those)."""
    unsold = (
        figures["onverkocht_ha"]
        .where(~covered, 0.0)
        .groupby(gemeente.astype(object))
        .sum(min_count=1)  # all unknown: unknown, listed (it may hold unsold land)
    )
    unknown = (
        (figures["onverkocht_ha"].isna() & ~covered)
        .groupby(gemeente.astype(object))
        .any()
        .to_dict()
    )
    return [
        {
            "afspraak_id": "",
            "gebied": name,
            "niveau": "gemeente",
            "segment": "",
            "plancapaciteit": "totaal",
            "max_ha": np.nan,
            "actual_ha": np.nan if unknown[name] else float(ha),
            "ruimte_ha": np.nan,
            "benutting_pct": np.nan,
            "status": "geen_afspraak",
            "reden": t(UNKNOWN["status"][0]) if unknown[name] else "",
            "terreinen": "",
            "grondslag": "voorraad",
            "soort": "",
        }
        for name, ha in unsold.items()
        if ha > 0 or unknown[name]
    ]


def _check_references(
    table: pd.DataFrame, source: str, members: dict, segments: set[str], parcels: pd.DataFrame
) -> None:
    """Every agreement's area must exist, its segment must be known or in the parcels, and
    its parks must be in the parcels and in its area: an agreement on a misspelt name would
    otherwise count 0 ha and look kept."""
    findings = []
    for row, agreement in enumerate(table.to_dict("records"), start=1):
        niveau, gebied = agreement["niveau"], agreement["gebied"]
        if (niveau, gebied) not in members:
            known = [name for level, name in members if level == niveau]
            hint = closest(gebied, known, niveau)
            if niveau == "regio" and not known:
                hint = t(
                    "regional agreements need regions=..., the municipality/region table "
                    "(CLI: --regions)"
                )
            findings.append(
                Finding(
                    "error",
                    t(
                        "{niveau} {gebied} is not in the parcels or region table",
                        niveau=niveau,
                        gebied=repr(gebied),
                    ),
                    row=row,
                    column="gebied",
                    suggestion=hint,
                )
            )
        segment = agreement["segment"]
        if segment and segment not in segments:
            findings.append(
                Finding(
                    "error",
                    t("unknown segment {segment}", segment=repr(segment)),
                    row=row,
                    column="segment",
                    suggestion=closest(segment, segments, "segment"),
                )
            )
        if (niveau, gebied) in members:
            findings += _park_findings(agreement, row, members, parcels)
    if findings:
        report = ValidationReport(source, n_rows=len(table), findings=findings, noun="agreements")
        raise TerreinenDataError(report)


def _park_findings(agreement: dict, row: int, members: dict, parcels: pd.DataFrame) -> list:
    """Each park named in ``terreinen`` that is not in the parcels, or not in the area."""
    findings = []
    area = members[(agreement["niveau"], agreement["gebied"])]
    if not parcels["gemeente"].astype(object).isin(area).any():
        return []  # parcels of other areas only (one municipality's map): nothing to count
    for token in _park_tokens(agreement["terreinen"]):
        named = _in_parks(parcels, [token])
        if not named.any():
            known = parcels["terrein"].astype(object).dropna().unique()
            message = t(
                "park {park} is not in the parcels (by name or RIN number)", park=repr(token)
            )
            hint = closest(token, known, "park")
        elif not parcels.loc[named, "gemeente"].astype(object).isin(area).any():
            where = ", ".join(sorted(parcels.loc[named, "gemeente"].astype(str).unique()))
            area_name = f"{agreement['niveau']} {agreement['gebied']!r}"
            message = t(
                "park {park} lies in {where}, not in {area}",
                park=repr(token),
                where=where,
                area=area_name,
            )
            hint = t("name a park of the agreement's area")
        else:
            continue
        findings.append(Finding("error", message, row=row, column="terreinen", suggestion=hint))
    return findings
