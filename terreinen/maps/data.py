"""The data behind the interactive maps: parks, parcels and municipalities as compact,
JSON-ready columns, and the page's colours.

Geometries travel as integers of 1e-6 degree (about 0.1 m), each stored as the difference
from the one before; properties travel as columns. Only numbers and plain strings leave
here: the page puts them on screen as text (``textContent``), never as markup.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import schema, settings
from terreinen.capacity import TOTAL
from terreinen.errors import TerreinenOptionError
from terreinen.figures import AsOf, as_of_date, status_on
from terreinen.i18n import t
from terreinen.io import cbs
from terreinen.io.write import record_input
from terreinen.outlines import dissolve, simplify
from terreinen.study import Study

STATES = (
    "Terstond uitgeefbaar",
    "Niet terstond uitgeefbaar",
    "Zachte plancapaciteit",
    "Optie",
    "Uitgegeven",
    "Niet uitgeefbaar (wegen, groen)",
    "Status onbekend",  # a park table without sale figures: unknown, not zero
)
# Okabe-Ito colours: told apart with deuteranopia and protanopia
STATE_COLORS = ("#0072B2", "#56B4E9", "#E69F00", "#CC79A7", "#BBBBBB", "#F2F2F2", "#000000")
PARK_CLASSES = (
    "Vooral hard, terstond uitgeefbaar",
    "Vooral hard, later uitgeefbaar",
    "Vooral zachte capaciteit",
    "Vol",
    "Onbekend (geen verkoopcijfers)",
)
PARK_COLORS = ("#0072B2", "#56B4E9", "#E69F00", "#BBBBBB", "#000000")
SEGMENT_COLORS = ("#999999", "#D55E00", "#0072B2", "#CC79A7", "#56B4E9", "#009E73", "#F0E442")
# viridis, light (category 1) to dark (category 6)
MILIEU_COLORS = (
    "#FDE725",
    "#B5DE2B",
    "#6ECE58",
    "#35B779",
    "#1F9E89",
    "#26828E",
    "#31688E",
    "#3E4989",
    "#482878",
    "#440154",
)
# a municipality's summary is the first of these that one of its active agreements has
AGREEMENT_STATES = ("overprogrammering", "tekort", "onbekend", "binnen_afspraak", "geen_afspraak")
AGREEMENT_COLORS = ("#D55E00", "#CC79A7", "#F0E442", "#009E73", "#BBBBBB")
# the demand verdicts (terreinen.demand), worst first; Okabe-Ito as above
VERDICTS = ("tekort", "krap", "voldoende")
VERDICT_COLORS = ("#D55E00", "#E69F00", "#009E73")
COORDINATE_SCALE = 1_000_000  # 1e-6 degree: 0.11 m north-south, 0.07 m east-west here
_BOUNDARY_NAMES = ("gemeente", "gemeentenaam", "statnaam", "naam", "name")
_SHOWN_COLUMNS = {*schema.REQUIRED_COLUMNS, *schema.OPTIONAL_COLUMNS, "oppervlakte_ha"}


def clean(values, digits: int = 2) -> list:
    """Numbers rounded for the page, missing values as null."""
    array = np.round(np.asarray(values, dtype=float), digits)
    return [None if not np.isfinite(v) else float(v) for v in array]


def encode_geometries(geoms: np.ndarray, scale: int = COORDINATE_SCALE) -> dict:
    """Polygons (WGS84) as delta-encoded integer coordinates; rings lose their closing point.

    ``parts`` polygons per feature, ``rings`` rings per polygon, ``points`` points per ring.
    """
    polygons, polygon_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(polygons, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    counts = np.bincount(coord_of, minlength=len(rings))
    keep = np.ones(len(coords), bool)
    keep[np.cumsum(counts) - 1] = False
    quantized = np.round(coords[keep] * scale).astype(np.int64)
    origin = quantized[0] if len(quantized) else np.zeros(2, np.int64)
    deltas = np.diff(quantized, axis=0, prepend=origin[None, :])
    return {
        "origin": origin.tolist(),
        "scale": scale,
        "xy": deltas.ravel().tolist(),
        "points": (counts - 1).tolist(),
        "rings": np.bincount(ring_of, minlength=len(polygons)).tolist(),
        "parts": np.bincount(polygon_of, minlength=len(geoms)).tolist(),
    }


CONTEXT_MARGIN_M = 15_000  # outlines this far around the parcels: context when panning
CONTEXT_SIMPLIFY_M = 25.0  # finer than a screen pixel at municipality zoom


def context_data(parcels: gpd.GeoDataFrame) -> dict:
    """The CBS province and municipality outlines around ``parcels`` (RD New), for a light
    base layer that gives the map its geography without tiles: names and outlines (WGS84,
    encoded as the parks'), and the credit the licence asks for."""
    west, south, east, north = parcels.total_bounds
    area = shapely.box(west, south, east, north).buffer(CONTEXT_MARGIN_M)
    layers: dict = {"attribution": cbs.ATTRIBUTION}
    for key, table, name in (
        ("provinces", cbs.provinces(), "provincie"),
        ("municipalities", cbs.municipalities(), "gemeente"),
    ):
        near = table[table.intersects(area)]
        outlines = near.geometry.simplify(CONTEXT_SIMPLIFY_M).to_crs(settings.web_crs)
        layers[key] = {
            "name": near[name].astype(str).tolist(),
            "geometry": encode_geometries(outlines.to_numpy()),
        }
    return layers


def parcel_states(parcels: pd.DataFrame, *, as_of: AsOf = None) -> np.ndarray:
    """Map state of each parcel on the as-of date: an index into :data:`STATES`."""
    status = status_on(parcels, as_of).to_numpy()
    soft = np.isin(parcels["planfase"].to_numpy(dtype=float), schema.SOFT_PHASES)
    unsold = np.isin(status, schema.UNSOLD_STATUSES)
    return np.select(
        [
            pd.isna(status),
            unsold & soft,
            status == "terstond_uitgeefbaar",
            status == "niet_terstond_uitgeefbaar",
            status == "optie",
            status == "uitgegeven",
        ],
        [6, 2, 0, 1, 3, 4],
        default=5,
    )


def located(parcels: gpd.GeoDataFrame) -> np.ndarray:
    """Which parcels have an outline to draw (a park table may have none)."""
    geoms = parcels.geometry.to_numpy()
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _centers(parcels: gpd.GeoDataFrame, key: pd.Series) -> pd.DataFrame:
    """Area-weighted centre (lat, lon) of the parcels of each key that have outlines (NaN
    for a key without any)."""
    centroids = shapely.centroid(parcels.geometry.to_numpy())
    xy = np.column_stack([shapely.get_x(centroids), shapely.get_y(centroids)])
    area = np.where(np.isnan(xy[:, 0]), 0.0, parcels["oppervlakte_ha"].to_numpy(dtype=float))
    xy = np.nan_to_num(xy)
    weighted = pd.DataFrame(xy * area[:, None], columns=["x", "y"]).assign(w=area)
    sums = weighted.groupby(key.to_numpy()).sum()
    points = gpd.GeoSeries.from_xy(sums["x"] / sums["w"], sums["y"] / sums["w"], crs=parcels.crs)
    lonlat = shapely.get_coordinates(points.to_crs(settings.web_crs).to_numpy())
    return pd.DataFrame({"lat": lonlat[:, 1], "lon": lonlat[:, 0]}, index=sums.index).round(6)


def _dominant(parcels: pd.DataFrame, key: pd.Series, unsold: np.ndarray) -> pd.Series:
    """Per key: the segment with most unsold hectares (most hectares when none are unsold)."""
    frame = pd.DataFrame(
        {
            "key": key.to_numpy(),
            "segment": parcels["segment"].astype(str).to_numpy(),
            "unsold": unsold,
            "ha": parcels["oppervlakte_ha"].to_numpy(dtype=float),
        }
    )
    totals = frame.groupby(["key", "segment"])[["unsold", "ha"]].sum().reset_index()
    totals = totals.sort_values(["key", "unsold", "ha"], ascending=[True, False, False])
    return totals.drop_duplicates("key").set_index("key")["segment"]


_PARK_KEYS = ["gemeente", "terrein"]
_PARK_FIGURES = [
    "bruto_ha",
    "netto_ha",
    "uitgegeven_ha",
    "terstond_ha",
    "hard_ha",
    "zacht_ha",
    "grootste_kavel_ha",
    "uitgifte_ha_per_jaar",
    "voorraad_jaren_hard",
]


def _park_table(study: Study) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per park of ``study``: its figures, class, dominant segment, highest
    category, centre and outline (WGS84); and each parcel's row."""
    parcels = study.parcels
    table = study.capacity(_PARK_KEYS)
    table = table[table["gemeente"] != TOTAL].reset_index(drop=True)
    index = pd.Series(range(len(table)), index=pd.MultiIndex.from_frame(table[_PARK_KEYS]))
    park_of = pd.Series(
        index.loc[pd.MultiIndex.from_frame(parcels[_PARK_KEYS].astype(object))].to_numpy()
    )
    outlines = dissolve(parcels, _PARK_KEYS)
    outlines = outlines.loc[pd.MultiIndex.from_frame(table[_PARK_KEYS])]
    thin = gpd.GeoSeries(simplify(outlines.to_numpy(), 1.0), crs=outlines.crs)
    table["outline"] = thin.to_crs(settings.web_crs).to_numpy()
    parks = np.arange(len(table))
    table[["lat", "lon"]] = _centers(parcels, park_of).loc[parks, ["lat", "lon"]].to_numpy()
    figures = study.figures
    unsold = figures["onverkocht_ha"].to_numpy()
    table["segment"] = _dominant(parcels, park_of, unsold).reindex(parks).to_numpy()
    order = {c: i for i, c in enumerate(schema.MILIEUCATEGORIEEN)}
    milieu = parcels["milieucategorie"].astype(str).map(order).groupby(park_of.to_numpy()).max()
    table["milieu"] = milieu.reindex(parks).fillna(-1).astype(int).to_numpy()  # -1: none
    towns = parcels["kern"] if "kern" in parcels else pd.Series(pd.NA, index=parcels.index)
    towns = towns.astype(object).where(towns.notna(), "").astype(str)
    first_town = towns.groupby(park_of.to_numpy()).agg(lambda v: next((t for t in v if t), ""))
    table["kern"] = first_town.reindex(parks).to_numpy()  # for the search; "" when unknown
    if "milieucategorie_feitelijk" in parcels:  # milieuzonering: the highest effective one
        real = parcels["milieucategorie_feitelijk"].astype(object).map(order)
        real = real.groupby(park_of.to_numpy()).max()
        table["milieu_feitelijk"] = real.reindex(parks).fillna(-1).astype(int).to_numpy()
    # the kind of land that makes up most of what is unsold: a class a planner reads at once
    now = figures["terstond_ha"].where(figures["hard_ha"] > 0, 0.0)
    kinds = pd.DataFrame(
        {"now": now, "later": figures["hard_ha"] - now, "soft": figures["zacht_ha"]}
    )
    kind_ha = kinds.groupby(park_of.to_numpy()).sum().reindex(parks).to_numpy()
    park_class = np.where(kind_ha.max(axis=1) > 0, kind_ha.argmax(axis=1), 3)
    unknown = figures["onbekend_status"] | figures["onbekend_planfase"]
    park_unknown = unknown.groupby(park_of.to_numpy()).any().reindex(parks).to_numpy()
    table["cls"] = np.where(park_unknown, 4, park_class)
    return table, park_of.to_numpy()


def park_data(study: Study) -> tuple[dict, pd.Series]:
    """The parks of the study's parcels (which all have outlines: see :func:`located`):
    names, figures, class, dominant segment, highest category, centre, outline. Computed
    once for the whole study a slice was cut from; a slice takes its parks' rows."""
    root = study.root
    table, park_of_root = root.derived("map parks", lambda: _park_table(root))
    mine = park_of_root[study.positions]
    present = np.unique(mine)
    rows = table.iloc[present]
    data = {
        "name": rows["terrein"].astype(str).tolist(),
        "gemeente": rows["gemeente"].astype(str).tolist(),
        "kern": rows["kern"].tolist(),
        "cls": rows["cls"].astype(int).tolist(),
        "segment": [schema.SEGMENTS.index(s) for s in rows["segment"]],
        "milieu": rows["milieu"].astype(int).tolist(),
        **(
            {"milieuReal": rows["milieu_feitelijk"].astype(int).tolist()}
            if "milieu_feitelijk" in rows
            else {}
        ),
        "center": rows[["lat", "lon"]].round(6).to_numpy().tolist(),
        "figures": [clean(row) for row in rows[_PARK_FIGURES].to_numpy()],
        "geometry": encode_geometries(rows["outline"].to_numpy()),
    }
    return data, pd.Series(np.searchsorted(present, mine))


def _extra_columns(parcels: pd.DataFrame) -> dict:
    """Text of the columns beyond the contract, to show as they are."""
    names = [c for c in parcels.columns if c not in _SHOWN_COLUMNS and c != parcels.geometry.name]
    values = [parcels[c].astype(object).where(parcels[c].notna(), "").astype(str) for c in names]
    return {"names": [str(n) for n in names], "values": [v.tolist() for v in values]}


def parcel_data(study: Study, park_of: pd.Series) -> dict:
    """The parcels: id, park, hectares, state, categories, take-up flag, notes, outlines."""
    parcels = study.parcels
    empty = pd.Series("", index=parcels.index)
    updated = (
        parcels["laatst_bijgewerkt"].dt.strftime("%Y-%m-%d").fillna("")
        if "laatst_bijgewerkt" in parcels
        else empty
    )
    owner = (
        parcels["eigenaar"]
        .astype(object)
        .map({o: i for i, o in enumerate(schema.OWNERS)})
        .fillna(-1)
        if "eigenaar" in parcels
        else pd.Series(-1, index=parcels.index)
    )
    figures = study.figures
    return {
        "id": parcels["kavel_id"].astype(str).tolist(),
        "park": park_of.tolist(),
        "ha": clean(parcels["oppervlakte_ha"], 4),  # 1 m²: sums in view stay exact
        "state": parcel_states(parcels, as_of=study.as_of).tolist(),
        "sold": (figures["uitgifte_ha"].to_numpy() > 0).astype(int).tolist(),
        "planfase": [None if pd.isna(v) else int(v) for v in parcels["planfase"]],
        "milieu": parcels["milieucategorie"].cat.codes.astype(int).tolist(),  # -1: none
        "segment": [schema.SEGMENTS.index(str(s)) for s in parcels["segment"]],
        "owner": owner.astype(int).tolist(),  # an index into schema.OWNERS, -1 unknown
        "price": clean(parcels["prijs_m2"]) if "prijs_m2" in parcels else [None] * len(parcels),
        "updated": updated.tolist(),
        "notes": parcels.get("opmerking", empty).fillna("").astype(str).tolist(),
        "extra": _extra_columns(parcels),
        "geometry": encode_geometries(_web_outlines(study)),
    }


def _web_outlines(study: Study) -> np.ndarray:
    """The parcels' outlines in WGS84, projected once for the whole study."""
    root = study.root
    web = root.derived(
        "map parcel outlines", lambda: root.parcels.geometry.to_crs(settings.web_crs).to_numpy()
    )
    return web[study.positions]


def municipality_data(study: Study, drawn: Study, *, boundaries, demand, data_dates) -> dict:
    """Per municipality of ``drawn`` (the study's parcels with outlines): the figures of
    ``study`` (all its parcels, with outlines or not), agreement status and lines, data
    date, demand verdict."""
    parcels = drawn.parcels
    table = study.capacity("gemeente")
    table = table[table["gebied"].isin(drawn.municipalities)].reset_index(drop=True)
    names = table["gebied"].astype(str).tolist()
    centers = _centers(parcels, parcels["gemeente"].astype(str).reset_index(drop=True)).loc[names]
    status, lines = _agreement_lines(study, names)
    columns = ["hard_ha", "zacht_ha", "terstond_ha", "uitgifte_ha_per_jaar", "voorraad_jaren_hard"]
    data = {
        "name": names,
        "figures": [clean(row) for row in table[columns].to_numpy()],
        "center": centers[["lat", "lon"]].to_numpy().tolist(),
        "status": [AGREEMENT_STATES.index(s) if s else -1 for s in status],
        "agreements": lines,
        "dataDate": _data_dates(study.parcels, names, data_dates),
        "oordeel": _verdicts(demand, names),
        "geometry": None,
    }
    if boundaries is not None:
        data["geometry"] = encode_geometries(_boundary_shapes(boundaries, names))
    return data


def _data_dates(parcels: pd.DataFrame, names: list[str], given) -> list[str]:
    """The date of each municipality's data: given, a register's latest delivery (its
    state's ``attrs["leveringen"]``), or the latest ``laatst_bijgewerkt``."""
    given = parcels.attrs.get("leveringen") if given is None else given
    if given is not None:
        return [_given_date(given.get(n), n) for n in names]
    if "laatst_bijgewerkt" not in parcels:
        return [""] * len(names)
    latest = parcels.groupby(parcels["gemeente"].astype(str))["laatst_bijgewerkt"].max()
    return [latest[n].strftime("%Y-%m-%d") if pd.notna(latest.get(n)) else "" for n in names]


def _given_date(value, name: str) -> str:
    """A date given for municipality ``name``; empty (not known) when None or NaN."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return f"{as_of_date(value, f'data_dates[{name!r}]'):%Y-%m-%d}"


def _verdicts(demand, names: list[str]) -> list[str] | None:
    """Per municipality the ``oordeel`` of a demand table (:func:`terreinen.demand.demand`
    by gemeente: its ``Totaal`` rows; or any table with ``gemeente`` and ``oordeel``);
    None without one."""
    if demand is None or "oordeel" not in demand:
        return None
    key = "gemeente" if "gemeente" in demand else "gebied"
    rows = demand
    for split in ("segment", "milieucategorie"):
        if split in rows:
            rows = rows[rows[split].astype(str) == TOTAL]
    verdict = rows.set_index(rows[key].astype(str))["oordeel"]
    verdict = verdict[~verdict.index.duplicated()]
    return [str(verdict[n]) if n in verdict.index and pd.notna(verdict[n]) else "" for n in names]


def _agreement_lines(study: Study, names: list[str]) -> tuple[list[str], list[list[dict]]]:
    """Per municipality: the summary status and the agreements that cover it, as numbers
    and plain strings (the page formats them), from the study's one comparison."""
    comparison = study.comparison
    if comparison is None:
        return [""] * len(names), [[] for _ in names]
    region_table = study.regions
    status, lines = [], []
    for name in names:
        regions_of = (
            set(region_table.loc[region_table["gemeente"] == name, "regio"])
            if region_table is not None
            else set()
        )
        covers = ((comparison["niveau"] == "gemeente") & (comparison["gebied"] == name)) | (
            (comparison["niveau"] == "regio") & comparison["gebied"].isin(regions_of)
        )
        rows = comparison[covers]
        lines.append(
            [
                {
                    "id": str(row.afspraak_id),
                    "gebied": str(row.gebied),
                    "segment": str(row.segment or ""),
                    "kind": str(row.plancapaciteit),
                    "actual": clean([row.actual_ha])[0],
                    "max": clean([row.max_ha])[0],
                    "status": str(row.status),
                }
                for row in rows.itertuples()
            ]
        )
        active = set(rows["status"]) - {"inactief"}
        status.append(next((s for s in AGREEMENT_STATES if s in active), "geen_afspraak"))
    return status, lines


def _boundary_shapes(boundaries, names: list[str]) -> np.ndarray:
    """Municipality outlines in the order of ``names`` (empty where a name is missing)."""
    if not isinstance(boundaries, gpd.GeoDataFrame):
        record_input(boundaries)
    frame = boundaries if isinstance(boundaries, gpd.GeoDataFrame) else gpd.read_file(boundaries)
    column = next((c for c in frame.columns if str(c).lower() in _BOUNDARY_NAMES), None)
    if column is None:
        raise TerreinenOptionError(
            t("the boundaries need a name column, one of {names}", names=", ".join(_BOUNDARY_NAMES))
        )
    if frame.crs is None:
        raise TerreinenOptionError(t("the boundaries have no coordinate system"))
    shapes = frame.to_crs(settings.rd_crs).set_index(frame[column].astype(str)).geometry
    shapes = shapes[~shapes.index.duplicated()].simplify(10).to_crs(settings.web_crs)
    return np.array([shapes.get(name, shapely.Polygon()) for name in names], dtype=object)


def found_data(found: gpd.GeoDataFrame) -> dict:
    """The matches of :func:`terreinen.matching.find_parcels`, ranked, combinations whole."""
    outlines = found.geometry.to_crs(settings.rd_crs).buffer(0.5).simplify(1.0)
    return {
        "id": found["kavel_id"].astype(str).tolist(),
        "ha": clean(found["oppervlakte_ha"]),
        "combination": found["combinatie"].astype(bool).astype(int).tolist(),
        "distance": clean(found["afstand_km"]) if "afstand_km" in found else [None] * len(found),
        "terrein": found["terrein"].astype(str).tolist(),
        "geometry": encode_geometries(outlines.to_crs(settings.web_crs).to_numpy()),
    }
