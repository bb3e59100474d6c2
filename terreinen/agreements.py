"""Programming agreements (programmeringsafspraken) and the municipality/region table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from terreinen import schema
from terreinen._errors import TerreinenDataError
from terreinen._parse import closest
from terreinen.figures import as_of_date, parcel_figures
from terreinen.report import Finding, ValidationReport
from terreinen.tables import read_agreements, read_regions

__all__ = ["COMPARISON_COLUMNS", "compare_agreements"]

COMPARISON_COLUMNS = (
    *schema.AGREEMENT_COLUMNS[:6],  # afspraak_id ... max_ha
    "actual_ha",
    "ruimte_ha",
    "benutting_pct",
    "status",
    *schema.AGREEMENT_COLUMNS[6:],  # periode_start, periode_eind, bron
)
_KIND_COLUMN = {"hard": "hard_ha", "zacht": "zacht_ha", "totaal": "onverkocht_ha"}


def _members(
    parcels: pd.DataFrame, regions: pd.DataFrame | None
) -> dict[tuple[str, str], set[str]]:
    """Municipalities of every area, by (niveau, gebied)."""
    members: dict[tuple[str, str], set[str]] = {}
    pairs = parcels[["gemeente", "provincie"]].astype(object).drop_duplicates()
    if regions is not None:
        pairs = pd.concat([pairs, regions[["gemeente", "provincie"]]]).drop_duplicates()
        for regio, group in regions.groupby("regio"):
            members[("regio", regio)] = set(group["gemeente"])
    for gemeente, provincie in pairs.itertuples(index=False):
        members.setdefault(("gemeente", gemeente), set()).add(gemeente)
        members.setdefault(("provincie", provincie), set()).add(gemeente)
    return members


def compare_agreements(
    parcels: pd.DataFrame,
    agreements: pd.DataFrame | str | Path,
    *,
    as_of=None,
    regions: pd.DataFrame | str | Path | None = None,
) -> pd.DataFrame:
    """Compare plan capacity on the as-of date with each programming agreement.

    One row per agreement: ``actual_ha`` is the capacity of the agreement's kind (hard, soft
    or both) in its area and segment; ``ruimte_ha = max_ha - actual_ha``; ``status`` is
    ``binnen_afspraak``, ``overprogrammering``, or ``inactief`` when the as-of date lies
    outside the agreement's period. Then one ``geen_afspraak`` row per municipality with
    unsold capacity that no active municipal or regional agreement covers.

    ``regions`` defaults to ``gemeenten.csv`` beside an agreements file (as on the command
    line), never to the embedded table; without one, regional agreements are an error that
    says how to give it.

    >>> compare_agreements(parcels, "agreements.csv", regions="gemeenten.csv")  # doctest: +SKIP
    """
    date = as_of_date(as_of)
    if regions is None and isinstance(agreements, str | Path):
        beside = Path(agreements).parent / "gemeenten.csv"
        regions = beside if beside.is_file() else None
    table = read_agreements(agreements)
    region_table = read_regions(regions) if regions is not None else None
    members = _members(parcels, region_table)
    segments = {*schema.SEGMENTS, *parcels["segment"].dropna().astype(str)}
    source = "<agreements table>" if isinstance(agreements, pd.DataFrame) else str(agreements)
    _check_references(table, source, members, segments)
    figures = parcel_figures(parcels, as_of=date)
    gemeente = parcels["gemeente"].astype(object)
    segment = parcels["segment"].astype(object)

    rows = []
    for agreement in table.to_dict("records"):
        key = (agreement["niveau"], agreement["gebied"])
        in_area = gemeente.isin(members[key])
        if agreement["segment"]:
            in_area &= segment == agreement["segment"]
        actual = float(figures.loc[in_area, _KIND_COLUMN[agreement["plancapaciteit"]]].sum())
        start, end = agreement["periode_start"], agreement["periode_eind"]
        active = (pd.isna(start) or start <= date) and (pd.isna(end) or date <= end)
        room = agreement["max_ha"] - actual
        status = (
            "inactief" if not active else "binnen_afspraak" if room >= 0 else "overprogrammering"
        )
        rows.append(
            {
                **agreement,
                "actual_ha": actual,
                "ruimte_ha": room,
                "benutting_pct": 100 * actual / agreement["max_ha"]
                if agreement["max_ha"]
                else np.nan,
                "status": status,
            }
        )
    rows += _municipalities_without_agreement(rows, members, figures, gemeente)
    result = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    return result


def _municipalities_without_agreement(rows, members, figures, gemeente) -> list[dict]:
    covered: set[str] = set()
    for row in rows:
        if row["status"] != "inactief" and row["niveau"] in ("gemeente", "regio"):
            covered |= members[(row["niveau"], row["gebied"])]
    unsold = figures["onverkocht_ha"].groupby(gemeente).sum()
    return [
        {
            "afspraak_id": "",
            "gebied": name,
            "niveau": "gemeente",
            "segment": "",
            "plancapaciteit": "totaal",
            "max_ha": np.nan,
            "actual_ha": float(ha),
            "ruimte_ha": np.nan,
            "benutting_pct": np.nan,
            "status": "geen_afspraak",
        }
        for name, ha in unsold.items()
        if ha > 0 and name not in covered
    ]


def _check_references(table: pd.DataFrame, source: str, members: dict, segments: set[str]) -> None:
    """Every agreement's area must exist, and its segment must be known or in the parcels:
    an agreement on a misspelt name would otherwise count 0 ha and look kept."""
    findings = []
    for row, agreement in enumerate(table.to_dict("records"), start=1):
        niveau, gebied = agreement["niveau"], agreement["gebied"]
        if (niveau, gebied) not in members:
            known = [name for level, name in members if level == niveau]
            hint = closest(gebied, known, niveau)
            if niveau == "regio" and not known:
                hint = "regional agreements need the municipality/region table (--regions)"
            findings.append(
                Finding(
                    "error",
                    f"{niveau} {gebied!r} is not in the parcels or region table",
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
                    f"unknown segment {segment!r}",
                    row=row,
                    column="segment",
                    suggestion=closest(segment, segments, "segment"),
                )
            )
    if findings:
        report = ValidationReport(source, n_rows=len(table), findings=findings, noun="agreements")
        raise TerreinenDataError(report)
