"""The plain tables of the contract: programming agreements and the municipality/region
table (CSV files, or DataFrames), read and checked like parcels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from terreinen import schema
from terreinen.errors import TerreinenDataError, TerreinenReadError
from terreinen.i18n import t
from terreinen.io.files import read_csv
from terreinen.report import Finding
from terreinen.validation.parcels import check_table

__all__ = ["read_agreements", "read_regions", "read_table_checked", "regions_beside"]


def read_table_checked(
    source: str | Path | pd.DataFrame,
    required: tuple[str, ...],
    *,
    noun: str,
    kind: str,
    categories: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
    positive: tuple[str, ...] = (),
    unique: str | None = None,
) -> pd.DataFrame:
    """A CSV table (or DataFrame) checked like parcels; raises with file, row and column.

    ``kind`` names the table in messages ("agreements table"), ``noun`` its records."""
    if isinstance(source, pd.DataFrame):
        frame, label = source.copy(), f"<{kind}>"
    else:
        label = str(source)
        path = Path(source)
        if not path.is_file():
            raise TerreinenReadError(
                label, t("{kind} not found", kind=t(kind)), t("check the path")
            )
        frame = read_csv(path, label)
    frame.columns = [schema.normalise_name(c) for c in frame.columns]
    checked, report = check_table(
        frame,
        label,
        required=required,
        noun=noun,
        categories=categories,
        dates=dates,
        numbers=numbers,
        positive=positive,
        unique=unique,
    )
    if "periode_start" in checked and "periode_eind" in checked:
        backwards = (checked["periode_eind"] < checked["periode_start"]).to_numpy()
        for pos in backwards.nonzero()[0]:
            report.findings.append(
                Finding(
                    "error",
                    t(
                        "the period ends ({end}) before it starts ({start})",
                        end=checked["periode_eind"].iloc[pos].date(),
                        start=checked["periode_start"].iloc[pos].date(),
                    ),
                    row=int(pos) + 1,
                    column="periode_eind",
                )
            )
    if not report.ok:
        raise TerreinenDataError(report)
    return checked


def read_agreements(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Programming agreements from CSV with the contract's columns, checked row by row;
    ``terreinen`` empty (all parks), ``grondslag`` ``voorraad`` and ``soort`` ``maximum``
    where a file leaves them out."""
    table = read_table_checked(
        source,
        ("afspraak_id", "gebied", "niveau", "plancapaciteit", "max_ha"),
        noun="agreements",
        kind="agreements table",
        categories=("niveau", "plancapaciteit", "segment", "grondslag", "soort"),
        dates=("periode_start", "periode_eind"),
        numbers=("max_ha",),
        unique="afspraak_id",
    )
    for column in schema.AGREEMENT_COLUMNS:
        if column not in table:
            table[column] = pd.NaT if column.startswith("periode") else None
    table["segment"] = table["segment"].astype(object).fillna("")  # empty: all segments
    # files without the optional columns keep their meaning: a ceiling on the whole stock
    defaults = {"terreinen": "", "grondslag": "voorraad", "soort": "maximum"}
    for column, default in defaults.items():
        values = table[column] if column in table else pd.Series(None, index=table.index)
        table[column] = values.astype(object).fillna(default)
    return table


def read_regions(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The municipality/region table (``gemeente, provincie, regio``)."""
    return read_table_checked(
        source, schema.REGION_COLUMNS, noun="municipalities", kind="municipality/region table"
    )


def regions_beside(agreements: str | Path | pd.DataFrame | None) -> Path | None:
    """The region table that goes with an agreements file: ``gemeenten.csv`` beside it, as on
    the command line (None for a table in memory, or when there is none): regional
    agreements are read against the regions their own folder holds, never against the
    embedded table silently."""
    if not isinstance(agreements, str | Path):
        return None
    beside = Path(agreements).parent / "gemeenten.csv"
    return beside if beside.is_file() else None
