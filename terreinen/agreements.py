"""Programming agreements (programmeringsafspraken) and the municipality/region table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from terreinen import schema
from terreinen.capacity import as_of_date, parcel_figures, read_regions
from terreinen.validation import TerreinenDataError, TerreinenReadError, check_table

COMPARISON_COLUMNS = (
    *schema.AGREEMENT_COLUMNS[:6],  # afspraak_id ... max_ha
    "actual_ha",
    "ruimte_ha",
    "benutting_pct",
    "status",
    *schema.AGREEMENT_COLUMNS[6:],  # periode_start, periode_eind, bron
)
_KIND_COLUMN = {"hard": "hard_ha", "zacht": "zacht_ha", "totaal": "onverkocht_ha"}


def read_table_checked(
    source: str | Path | pd.DataFrame,
    required: tuple[str, ...],
    *,
    kind: str,
    categories: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
) -> pd.DataFrame:
    """A CSV table (or DataFrame) checked like parcels; raises with file, row and column."""
    if isinstance(source, pd.DataFrame):
        frame, label = source.copy(), f"<{kind}>"
    else:
        label = str(source)
        path = Path(source)
        if not path.is_file():
            raise TerreinenReadError(label, f"{kind} not found", "check the path")
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise TerreinenReadError(
                label, "the file is not UTF-8 text", "save it as UTF-8"
            ) from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise TerreinenReadError(
                label, f"the {kind} is not a readable CSV file: {exc}"
            ) from None
    frame.columns = [schema.normalise_name(c) for c in frame.columns]
    checked, report = check_table(
        frame, label, required=required, categories=categories, dates=dates, numbers=numbers
    )
    if not report.ok:
        raise TerreinenDataError(report)
    return checked


def read_agreements(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Programming agreements from CSV with the DATA_MODEL columns, checked row by row."""
    table = read_table_checked(
        source,
        ("afspraak_id", "gebied", "niveau", "plancapaciteit", "max_ha"),
        kind="agreements table",
        categories=("niveau", "plancapaciteit", "segment"),
        dates=("periode_start", "periode_eind"),
        numbers=("max_ha",),
    )
    for column in schema.AGREEMENT_COLUMNS:
        if column not in table:
            table[column] = pd.NaT if column.startswith("periode") else None
    table["segment"] = table["segment"].fillna("").astype(object)  # empty: all segments
    return table


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

    >>> compare_agreements(parcels, "agreements.csv", regions="gemeenten.csv")  # doctest: +SKIP
    """
    date = as_of_date(as_of)
    table = read_agreements(agreements)
    region_table = read_regions(regions) if regions is not None else None
    members = _members(parcels, region_table)
    figures = parcel_figures(parcels, as_of=date)
    gemeente = parcels["gemeente"].astype(object)
    segment = parcels["segment"].astype(object)

    rows = []
    for agreement in table.to_dict("records"):
        key = (agreement["niveau"], agreement["gebied"])
        if key not in members:
            raise _unknown_area(table, agreement, members)
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


def _unknown_area(table: pd.DataFrame, agreement: dict, members) -> TerreinenDataError:
    import difflib

    from terreinen.validation import Finding, ValidationReport

    known = [gebied for niveau, gebied in members if niveau == agreement["niveau"]]
    close = difflib.get_close_matches(agreement["gebied"], known, n=1)
    row = int(np.flatnonzero(table["afspraak_id"].to_numpy() == agreement["afspraak_id"])[0]) + 1
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known)[:12])}"
    if agreement["niveau"] == "regio" and not known:
        hint = "regional agreements need the municipality/region table (regions=..., --regions)"
    finding = Finding(
        "error",
        f"{agreement['niveau']} {agreement['gebied']!r} is not in the parcels or region table",
        row=row,
        column="gebied",
        suggestion=hint,
    )
    return TerreinenDataError(ValidationReport("agreements", n_rows=len(table), findings=[finding]))
