"""The land-sale officer's page of one municipality or region: how many hectares are
available, immediately and later, per segment and per milieucategorie, what sells, how many
years the supply lasts, what the agreements allow, and which parcels, all from one
:class:`terreinen.study.Study` (so every figure is the one ``capacity``, ``demand`` and
``agreements`` state for the same area and date).

>>> from terreinen.datasets import get_path
>>> study = Study.from_file(get_path("parcels"), as_of="2026-01-01",
...                         agreements=get_path("agreements"))
>>> page = area_report(study, "Hardenberg")
>>> page.tables["samenvatting"].set_index("cijfer").loc["hard_ha", "waarde"].round(2)
np.float64(55.86)
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from terreinen import schema
from terreinen.capacity import EFFECTIVE, NO_CATEGORY
from terreinen.errors import TerreinenOptionError
from terreinen.figures import status_on
from terreinen.i18n import t
from terreinen.matching import MATCH_COLUMNS
from terreinen.study import Study
from terreinen.validation.values import closest

__all__ = [
    "AVAILABLE_BY",
    "SUMMARY_FIGURES",
    "AreaReport",
    "area_report",
    "available_by",
    "available_parcels",
]

#: The summary's figures, in order, with their unit (capacity table columns, and
#: ``onverkocht_ha`` = terstond + niet terstond + optie).
SUMMARY_FIGURES = {
    "bruto_ha": "ha",
    "netto_ha": "ha",
    "uitgegeven_ha": "ha",
    "onverkocht_ha": "ha",
    "terstond_ha": "ha",
    "niet_terstond_ha": "ha",
    "optie_ha": "ha",
    "hard_ha": "ha",
    "zacht_ha": "ha",
    "grootste_kavel_ha": "ha",
    "uitgifte_ha_per_jaar": "ha/jaar",
    "voorraad_jaren_hard": "jaar",
}
#: What :func:`available_by` splits by, with the contract's values in their order.
AVAILABLE_BY = {"segment": schema.SEGMENTS, "milieucategorie": schema.MILIEUCATEGORIEEN}
# with a layer of sensitive objects (milieuzonering): land that meets no category listed too
_BY_EFFECTIVE = (NO_CATEGORY, *schema.MILIEUCATEGORIEEN)
# the available land per segment or category: by status and by plan capacity
_SPLIT = ["terstond_ha", "niet_terstond_ha", "optie_ha", "hard_ha", "zacht_ha", "onverkocht_ha"]
# the available parcels: the columns find lists, up to the status it adds itself
_PARCEL_COLUMNS = list(MATCH_COLUMNS[: MATCH_COLUMNS.index("status")])


@dataclasses.dataclass
class AreaReport:
    """One area's page: its ``name``, ``level`` (``gemeente`` or ``regio``), the dates and
    take-up years it is computed on, its ``tables`` by name, in reading order
    (``samenvatting``, ``per segment``, ``per milieucategorie``, with sensitive objects
    ``per milieucategorie feitelijk`` (first ``geen``), ``vraag en aanbod``,
    ``afspraken`` when the study has agreements, ``beschikbare kavels``), and the area's
    ``study`` (its parcels, sharing the whole study's figures)."""

    name: str
    level: str
    as_of: pd.Timestamp
    #: the earliest and latest of the area's municipalities' own dates (None: no dates)
    data_dates: tuple[pd.Timestamp, pd.Timestamp] | None
    #: the take-up years; None when the data give no take-up (a park table without sales)
    window: tuple[int, int] | None
    tables: dict[str, pd.DataFrame]
    study: Study


def area_report(study: Study, gemeente: str | None = None, *, regio: str | None = None):
    """The officer's page of ``gemeente`` (a municipality of the parcels) or of ``regio``
    (a region of ``study.regions``); exactly one of them. Names must be written as in the
    data (the command line resolves case first). Raises
    :class:`terreinen.errors.TerreinenOptionError` for an unknown area."""
    if (gemeente is None) == (regio is None):
        raise TerreinenOptionError(t("give either gemeente or regio"))
    if gemeente is not None:
        part, name, level = study.for_gemeente(gemeente), gemeente, "gemeente"
        members = [gemeente]
    else:
        name, level = str(regio), "regio"
        members = _members(study, name)
        part = study.subset(study.parcels["gemeente"].isin(members))
    capacity = part.capacity("gemeente")
    total = capacity[capacity["gebied"] == "Totaal"].iloc[0]
    tables = {
        "samenvatting": _summary(total),
        "per segment": available_by(part, "segment"),
        "per milieucategorie": available_by(part, "milieucategorie"),
    }
    if part.zoned:  # milieuzonering: what the distance to homes allows
        tables["per milieucategorie feitelijk"] = available_by(part, EFFECTIVE)
    tables |= {
        "vraag en aanbod": _demand(part, level, name),
    }
    if study.comparison is not None:
        tables["afspraken"] = study.agreements_on(members, name)
    tables["beschikbare kavels"] = available_parcels(part)
    tables["samenvatting"].attrs = dict(capacity.attrs)
    window = part.window if part.takeup_known else None
    return AreaReport(name, level, study.as_of, part.data_dates, window, tables, part)


def _members(study: Study, regio: str) -> list[str]:
    """The municipalities of a region (those with parcels)."""
    if study.regions is None:
        raise TerreinenOptionError(
            t("regio {regio}: the study has no region table; give regions=", regio=repr(regio))
        )
    known = sorted(study.regions["regio"].dropna().astype(str).unique())
    if regio not in known:
        raise TerreinenOptionError(
            t(
                "regio {regio} is not in the region table ({hint})",
                regio=repr(regio),
                hint=closest(regio, known, "region"),
            )
        )
    named = set(study.regions.loc[study.regions["regio"] == regio, "gemeente"].astype(str))
    members = [m for m in study.municipalities if m in named]
    if not members:
        raise TerreinenOptionError(
            t("regio {regio}: none of its municipalities has parcels", regio=repr(regio))
        )
    return members


def _summary(total: pd.Series) -> pd.DataFrame:
    """The area's figures, one per row: unknown stays unknown (NaN)."""
    available = total[["terstond_ha", "niet_terstond_ha", "optie_ha"]].astype(float)
    values = {**total.to_dict(), "onverkocht_ha": available.sum(skipna=False)}
    return pd.DataFrame(
        {
            "cijfer": list(SUMMARY_FIGURES),
            "waarde": [float(values[c]) for c in SUMMARY_FIGURES],
            "eenheid": list(SUMMARY_FIGURES.values()),
        }
    )


def available_by(part: Study, by: str) -> pd.DataFrame:
    """Unsold hectares by status and by plan capacity per ``segment`` or
    ``milieucategorie`` (``by``), every value of the contract listed (also with 0 ha);
    unknown where any of the group's land is unknown; and a ``Totaal``."""
    if by not in AVAILABLE_BY and by != EFFECTIVE:
        raise TerreinenOptionError(
            t("by {by}: choose {choices}", by=repr(by), choices=t(" or ").join(AVAILABLE_BY))
        )
    categories = _BY_EFFECTIVE if by == EFFECTIVE else AVAILABLE_BY[by]
    figures = part.figures[_SPLIT]
    values = part.parcels[by].astype(object)
    if by == EFFECTIVE:  # land that meets no category is a group of its own
        values = values.where(values.notna(), NO_CATEGORY)
    keys = pd.Series(
        pd.Categorical(values, categories=list(categories)),
        index=figures.index,
    )
    grouped = figures.groupby(keys, observed=False)
    table = grouped.sum().where(~figures.isna().groupby(keys, observed=False).any())
    table.loc["Totaal"] = figures.sum(skipna=False)
    return table.rename_axis(by).reset_index()


def _demand(part: Study, level: str, name: str) -> pd.DataFrame:
    """Need beside supply for the area, per segment (a municipality in two regions counts
    in both: only this region's rows)."""
    table = part.demand(level)
    return table[table["gebied"].astype(str) == name].reset_index(drop=True)


def available_parcels(part: Study) -> pd.DataFrame:
    """The study's unsold parcels on the as-of date, by park and id: the list an officer
    prints (``kavel_id``, ``terrein``, ``gemeente``, ``oppervlakte_ha``, ``milieucategorie``,
    ``segment``, ``status`` on the as-of date, ``capaciteit``, ``prijs_m2``)."""
    figures = part.figures
    unsold = (figures["onverkocht_ha"] > 0).to_numpy()
    parcels = part.parcels[unsold]
    capacity = np.where(figures["hard_ha"][unsold] > 0, "hard", "zacht")
    table = pd.DataFrame(parcels[_PARCEL_COLUMNS]).assign(
        status=status_on(parcels, part.as_of).to_numpy(),
        capaciteit=np.where(figures["hard_ha"][unsold].isna(), "onbekend", capacity),
        prijs_m2=parcels.get("prijs_m2", np.nan),
    )
    for column in ("milieucategorie", "segment"):
        table[column] = table[column].astype(object)
    return table.sort_values(["terrein", "kavel_id"], kind="stable").reset_index(drop=True)
