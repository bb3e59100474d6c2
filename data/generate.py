"""Generate the embedded data ``terreinen/data/parcels.geojson`` from ``data/parks.csv``.

Run ``python data/generate.py``; the output is the same on every run. Each park of the
facts table (name, municipality, town, approximate location, gross hectares, unsold hard
and soft hectares, recent take-up, opening year, profile) becomes a rotated rectangle of
that gross area, laid out as rows of parcels between roads, with a green edge. Parcels
are sold from one end in the order the park was built, the unsold hard land comes next
and the soft plan capacity lies at the far end, as business parks grow.
Parks must not overlap and must lie inside the CBS outline of their municipality
(the run stops naming those that do not: move them in ``parks.csv``).

The parcels are synthetic; the facts are the province's and the municipalities' own
figures as listed in the README. ``scaled_parcels(n)`` scales the same realism to any
number of parcels for the benchmarks.
"""

from __future__ import annotations

import itertools
import sys
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from terreinen.io import cbs

DATA = Path(__file__).resolve().parent
PACKAGE_DATA = DATA.parent / "terreinen" / "data"  # what the package ships
REFERENCE_YEAR = 2026  # sales are dated up to the end of the year before
RECENT_YEARS = 20  # the facts' take-up rate holds over these years before REFERENCE_YEAR
ROAD_M = 20.0
GREEN_EDGE_M = 10.0

# segment shares, milieucategorie ladder (low to high, one step per row of parcels),
# parcel size (median ha, min ha, max ha), share of large lots, price range EUR/m²
PROFILES = {
    "lokaal": {
        "segments": {"gemengd": 0.85, "woon_werk": 0.1, "detailhandel": 0.05},
        "milieu": ["2", "3.1", "3.2"],
        "size": (0.35, 0.12, 1.5),
        "large": 0.0,
        "depth": (70, 100),
        "price": (35, 60),
    },
    "regionaal": {
        "segments": {"gemengd": 0.7, "logistiek": 0.12, "kantoor": 0.08, "detailhandel": 0.1},
        "milieu": ["2", "3.1", "3.2", "4.1"],
        "size": (0.9, 0.2, 5.0),
        "large": 0.03,
        "depth": (100, 160),
        "price": (45, 90),
    },
    "zwaar": {
        "segments": {"zwaar": 0.7, "gemengd": 0.15, "logistiek": 0.15},
        "milieu": ["3.2", "4.1", "4.2", "5.1", "5.2", "5.3"],
        "size": (2.0, 0.5, 8.0),
        "large": 0.06,
        "depth": (150, 220),
        "price": (30, 60),
    },
    "zware_industrie": {
        "segments": {"zwaar": 1.0},
        "milieu": ["4.1", "4.2", "5.1"],
        "size": (2.0, 0.8, 6.0),
        "large": 0.0,
        "depth": (150, 200),
        "price": (30, 50),
    },
    "logistiek": {
        "segments": {"logistiek": 0.75, "gemengd": 0.2, "kantoor": 0.05},
        "milieu": ["3.1", "3.2", "4.1", "4.2"],
        "size": (2.5, 0.8, 10.0),
        "large": 0.08,
        "depth": (160, 230),
        "price": (50, 85),
    },
    "haven": {
        "segments": {"haven": 0.6, "zwaar": 0.2, "gemengd": 0.2},
        "milieu": ["3.1", "3.2", "4.1", "4.2"],
        "size": (1.4, 0.3, 6.0),
        "large": 0.03,
        "depth": (110, 170),
        "price": (40, 70),
    },
    "woon_werk": {
        "segments": {"woon_werk": 0.95, "gemengd": 0.05},
        "milieu": ["1", "2"],
        "size": (0.25, 0.1, 0.6),
        "large": 0.0,
        "depth": (60, 80),
        "price": (85, 140),
    },
}

_TO_RD = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


def read_facts(path: Path = DATA / "parks.csv") -> pd.DataFrame:
    facts = pd.read_csv(path, dtype={"cbs_code": str}, keep_default_na=False)
    facts["profiel_aanbod"] = facts["profiel_aanbod"].where(facts["profiel_aanbod"] != "")
    facts["profiel_aanbod"] = facts["profiel_aanbod"].fillna(facts["profiel"])
    return facts


def _sizes(rng: np.random.Generator, profile: dict, total_ha: float, large_room: float) -> list:
    median, low, high = profile["size"]
    sizes, remaining = [], total_ha
    while remaining > 0:
        if rng.random() < profile["large"] and large_room >= 10:
            size = rng.uniform(8, min(20, large_room))
        else:
            size = float(np.clip(rng.lognormal(np.log(median), 0.55), low, high))
        size = min(size, remaining) if remaining - size < low / 2 else size
        sizes.append(size)
        remaining -= size
    if len(sizes) > 1 and sizes[-1] < low:  # no slivers: the last piece joins its neighbour
        sizes[-2] += sizes.pop()
    return sizes


def _park_layout(rng: np.random.Generator, fact: pd.Series) -> list[tuple[shapely.Polygon, str]]:
    """Parcels of one park in local metres around (0, 0): (polygon, kind) with kind
    ``kavel`` or ``infra``; parcels in the order the park was built (along its long side)."""
    profile = PROFILES[fact["profiel"]]
    area = fact["bruto_ha"] * 10_000
    aspect = rng.uniform(1.3, 2.2)
    width = np.sqrt(area * aspect)
    height = area / width
    depth = rng.uniform(*profile["depth"])
    inner = height - 2 * GREEN_EDGE_M
    n_rows = max(1, int((inner + ROAD_M) // (depth + ROAD_M)))
    depth = (inner - (n_rows - 1) * ROAD_M) / n_rows
    x0, y0 = -width / 2, -height / 2
    pieces: list[tuple[shapely.Polygon, str, float]] = [
        (shapely.box(x0, y0, x0 + width, y0 + GREEN_EDGE_M), "infra", 0.0),
        (shapely.box(x0, y0 + height - GREEN_EDGE_M, x0 + width, y0 + height), "infra", 0.0),
    ]
    y = y0 + GREEN_EDGE_M
    for row in range(n_rows):
        row_ha = width * depth / 10_000
        sizes = np.array(_sizes(rng, profile, row_ha, large_room=row_ha / 2))
        widths = sizes / sizes.sum() * width
        edges = x0 + np.concatenate([[0], np.cumsum(widths)])
        edges[-1] = x0 + width
        pieces += [
            (shapely.box(a, y, b, y + depth), f"kavel{row}", (a + b) / 2)
            for a, b in itertools.pairwise(edges)
        ]
        y += depth
        if row < n_rows - 1:
            pieces.append((shapely.box(x0, y, x0 + width, y + ROAD_M), "infra", 0.0))
            y += ROAD_M
    infra = [(p, "infra") for p, kind, _ in pieces if kind == "infra"]
    parcels = sorted((p for p in pieces if p[1] != "infra"), key=lambda p: p[2])
    return infra + [(p, kind) for p, kind, _ in parcels]


def _take(areas: np.ndarray, order: np.ndarray, target: float) -> np.ndarray:
    """Parcels from ``order`` until their area reaches ``target`` (to within half a parcel)."""
    chosen, total = [], 0.0
    for i in order:
        if total >= target or total + areas[i] / 2 > target:
            break
        chosen.append(i)
        total += areas[i]
    return np.array(chosen, dtype=int)


def _sale_dates(rng, areas, sold, fact) -> dict[int, str]:
    """Sale dates: going back from the last built parcel, sold at the park's recent take-up
    rate until the recent years are filled; older parcels from the opening year on."""
    order = sold[::-1]  # last built first
    first_recent = max(REFERENCE_YEAR - RECENT_YEARS, fact["open_jaar"])
    rate = fact["uitgifte_ha_jaar"]
    if rate > 0:
        midpoints = np.cumsum(areas[order]) - areas[order] / 2
        years = REFERENCE_YEAR - 1 - np.floor(midpoints / rate).astype(int)
    else:
        years = np.full(len(order), first_recent - 1)
    older = years < first_recent
    last_old = max(fact["open_jaar"], first_recent - 1)
    n_old = older.sum()
    # oldest built first, spread evenly from the opening year to the recent years
    span = last_old - fact["open_jaar"] + 1
    years[older] = fact["open_jaar"] + span * np.arange(n_old)[::-1] // max(1, n_old)
    start = pd.Timestamp(year=2000, month=1, day=1)
    days = rng.integers(0, 365, len(order))
    return {
        int(i): (start + pd.DateOffset(years=int(y) - 2000) + pd.Timedelta(days=int(d))).strftime(
            "%Y-%m-%d"
        )
        for i, y, d in zip(order, years, days, strict=True)
    }


def _park_parcels(fact: pd.Series, park_no: int, offset: tuple[float, float]) -> pd.DataFrame:
    rng = np.random.default_rng(zlib.crc32(fact["terrein"].encode()) + 7919 * park_no)
    layout = _park_layout(rng, fact)
    cx, cy = _TO_RD.transform(fact["lon"], fact["lat"])
    angle = rng.uniform(-25, 25)
    geoms = np.array([p for p, _ in layout], dtype=object)
    geoms = shapely.affinity.rotate(shapely.GeometryCollection(list(geoms)), angle, origin=(0, 0))
    geoms = shapely.get_parts(shapely.affinity.translate(geoms, cx + offset[0], cy + offset[1]))
    kinds = [kind for _, kind in layout]
    areas = shapely.area(geoms) / 10_000
    n = len(geoms)
    is_plot = np.array([k != "infra" for k in kinds])
    plots = np.flatnonzero(is_plot)

    soft = _take(areas, plots[::-1], fact["zacht_ha"])
    rest = np.setdiff1d(plots, soft, assume_unique=True)[::-1]
    hard = _take(areas, np.sort(rest)[::-1], fact["hard_ha"])
    sold = np.setdiff1d(plots, np.concatenate([soft, hard]))

    status = np.where(is_plot, "uitgegeven", "niet_uitgeefbaar").astype(object)
    planfase = np.ones(n, dtype=int)
    status[hard] = rng.choice(
        ["terstond_uitgeefbaar", "niet_terstond_uitgeefbaar", "optie"], len(hard), p=[0.7, 0.2, 0.1]
    )
    planfase[hard] = fact["hard_planfase"]
    status[soft] = "niet_terstond_uitgeefbaar"
    planfase[soft] = fact["zacht_planfase"]

    unsold = np.concatenate([hard, soft])
    segment = np.empty(n, dtype=object)
    milieu = np.empty(n, dtype=object)
    for part, profile_name in ((sold, "profiel"), (unsold, "profiel_aanbod")):
        profile = PROFILES[fact[profile_name]]
        names, shares = zip(*profile["segments"].items(), strict=True)
        segment[part] = rng.choice(names, len(part), p=np.array(shares) / sum(shares))
        ladder = profile["milieu"]
        rows = np.array([int(kinds[i][5:]) for i in part], dtype=int)
        top = max(1, rows.max() + 1) if len(rows) else 1
        milieu[part] = [ladder[min(len(ladder) - 1, r * len(ladder) // top)] for r in rows]
    main = PROFILES[fact["profiel"]]
    segment[~is_plot] = max(main["segments"], key=main["segments"].get)
    milieu[~is_plot] = main["milieu"][0]

    eigenaar = np.where(is_plot, "particulier", "gemeente").astype(object)
    eigenaar[unsold] = rng.choice(["gemeente", "particulier"], len(unsold), p=[0.85, 0.15])
    low, high = PROFILES[fact["profiel_aanbod"]]["price"]
    prijs = np.round(rng.uniform(low, high, n) * 2) / 2
    prijs[~is_plot] = np.nan
    uitgiftedatum = np.full(n, None, dtype=object)
    for i, date in _sale_dates(rng, areas, sold, fact).items():
        uitgiftedatum[i] = date
    updated = pd.Timestamp(f"{REFERENCE_YEAR - 2}-01-01") + pd.to_timedelta(
        rng.integers(0, 700, n), unit="D"
    )
    rin = f"{fact['cbs_code']}{park_no:03d}"
    return pd.DataFrame(
        {
            "kavel_id": [f"{rin}-{k:03d}" for k in range(1, n + 1)],
            "terrein": fact["terrein"],
            "rin_nummer": rin,
            "kern": fact["kern"],
            "gemeente": fact["gemeente"],
            "provincie": fact["provincie"],
            "status": status,
            "planfase": planfase,
            "milieucategorie": milieu,
            "segment": segment,
            "eigenaar": eigenaar,
            "uitgiftedatum": uitgiftedatum,
            "prijs_m2": prijs,
            "laatst_bijgewerkt": updated.strftime("%Y-%m-%d"),
            "geometry": geoms,
        }
    )


def generate_parcels(facts: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Parcels in EPSG:28992 for every park in ``facts`` (default: ``data/parks.csv``)."""
    facts = read_facts() if facts is None else facts
    frames = [
        _park_parcels(fact, park_no, (0.0, 0.0))
        for _, parks in facts.groupby("gemeente", sort=False)
        for park_no, (_, fact) in enumerate(parks.iterrows(), start=1)
    ]
    parcels = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(parcels, geometry="geometry", crs="EPSG:28992")


# Copies of the parks are laid out in rows over the Netherlands' bounding box in RD New (the
# one validation checks; at millions of parcels, copies also lie in the sea and across the
# border), apart from each other and from the original parks.
_SPREAD_BOUNDS = (-24_000.0, 276_000.0, 309_000.0, 649_000.0)
_COPY_GAP_M = 150.0
_MAX_COPIES = 1_500  # 5 million parcels


def scaled_parcels(size: int, facts: pd.DataFrame | None = None, *, first: int = 0):
    """``size`` parcels for benchmarks: the embedded parks (copy 1) followed by copies of
    them with the same parcels and attributes, each park moved to its own free place in the
    Netherlands, so that no parcels overlap. In copy k (k > 1) parks and municipalities are
    named "<name> k" and ids are prefixed "k-". ``first`` skips that many parcels, so a
    large set can be made in pieces: ``scaled_parcels(n, first=m)`` are rows m..m+n."""
    base = generate_parcels(facts)
    n_base = len(base)
    first_copy, last_copy = first // n_base, (first + size - 1) // n_base
    park = pd.factorize(base["terrein"])[0]
    bounds = shapely.bounds(base.geometry.to_numpy())
    boxes = (
        pd.DataFrame(bounds, columns=["x0", "y0", "x1", "y1"])
        .groupby(park)
        .agg(x0=("x0", "min"), y0=("y0", "min"), x1=("x1", "max"), y1=("y1", "max"))
        .to_numpy()
    )
    if last_copy >= _MAX_COPIES:
        raise ValueError(f"at most {_MAX_COPIES * n_base:,} parcels fit in the Netherlands")
    offsets = _copy_offsets(boxes, avoid=shapely.total_bounds(base.geometry))
    frames = [base] if first_copy == 0 else []
    copies = np.arange(max(first_copy, 1), last_copy + 1)
    if len(copies):
        frames.append(_copies(base, park, offsets, copies))
    parcels = pd.concat(frames, ignore_index=True)
    start = first - first_copy * n_base
    parcels = parcels.iloc[start : start + size].reset_index(drop=True)
    return gpd.GeoDataFrame(parcels, geometry="geometry", crs="EPSG:28992")


def _copies(base, park: np.ndarray, offsets: np.ndarray, copies: np.ndarray) -> pd.DataFrame:
    """The base parcels once per copy number in ``copies``, moved by ``offsets``."""
    copy = np.repeat(copies, len(base))
    frame = pd.concat([pd.DataFrame(base)] * len(copies), ignore_index=True)
    label = pd.Series(copy + 1, dtype=str)
    for column in ("terrein", "gemeente"):
        frame[column] = frame[column] + " " + label
    frame["kavel_id"] = label + "-" + frame["kavel_id"]
    shift = offsets[copy, np.tile(park, len(copies))]
    geoms = frame["geometry"].to_numpy()
    per_point = np.repeat(shift, shapely.get_num_coordinates(geoms), axis=0)
    frame["geometry"] = shapely.transform(geoms, lambda xy: xy + per_point)
    return frame


def _copy_offsets(boxes: np.ndarray, avoid: np.ndarray) -> np.ndarray:
    """Shifts (copy, park, xy) that put each park of copies 1.._MAX_COPIES - 1 in rows
    across ``_SPREAD_BOUNDS``, bounding boxes ``_COPY_GAP_M`` apart and clear of ``avoid``.
    The copies of the tallest park come first, so that rows hold parks of like height."""
    xmin, ymin, xmax, ymax = _SPREAD_BOUNDS
    gap = _COPY_GAP_M
    offsets = np.zeros((_MAX_COPIES, len(boxes), 2))
    x, y, row_height = xmin, ymin, 0.0
    for park in np.argsort(boxes[:, 1] - boxes[:, 3], kind="stable"):
        x0, y0, x1, y1 = boxes[park]
        width, height = x1 - x0, y1 - y0
        for copy in range(1, _MAX_COPIES):
            while True:
                if x + width > xmax:  # next row
                    x, y, row_height = xmin, y + row_height + gap, 0.0
                if y + height > ymax:
                    raise ValueError(f"{_MAX_COPIES} copies of the parks do not fit")
                clash = (
                    x < avoid[2] + gap
                    and x + width > avoid[0] - gap
                    and y < avoid[3] + gap
                    and y + height > avoid[1] - gap
                )
                if not clash:
                    break
                x = avoid[2] + gap
            offsets[copy, park] = (x - x0, y - y0)
            x += width + gap
            row_height = max(row_height, height)
    return offsets


def _check_parks_apart(parcels: gpd.GeoDataFrame) -> None:
    outlines = parcels.dissolve("terrein").geometry
    tree = shapely.STRtree(outlines.to_numpy())
    left, right = tree.query(outlines.to_numpy(), predicate="intersects")
    clash = [
        (outlines.index[a], outlines.index[b]) for a, b in zip(left, right, strict=False) if a < b
    ]
    if clash:
        sys.exit(f"parks overlap, move them apart in parks.csv: {clash}")


def _check_parks_in_their_municipality(parcels: gpd.GeoDataFrame) -> None:
    """Every parcel lies inside the CBS outline of its stated municipality (the check
    ``read_parcels`` makes, here without its margin)."""
    outlines = cbs.municipalities().set_index("gemeente").geometry
    inside = shapely.within(
        parcels.geometry.to_numpy(), outlines.loc[parcels["gemeente"]].to_numpy()
    )
    outside = parcels.loc[~inside].groupby(["terrein", "gemeente"]).size()
    if len(outside):
        sys.exit(f"parks outside their municipality, move them in parks.csv: {outside.to_dict()}")


def write_geojson(parcels: gpd.GeoDataFrame, path: Path) -> None:
    """Write as RFC 7946 GeoJSON (WGS84, 8 decimals, about 1 mm)."""
    tmp = path.with_name(path.name + ".tmp")
    parcels.to_crs("EPSG:4326").to_file(
        tmp,
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"RFC7946": "YES", "WRITE_NAME": "NO", "COORDINATE_PRECISION": 8},
    )
    tmp.replace(path)


# The register's example history: a delivery of every municipality each 1 January from
# FIRST_DELIVERY_YEAR to REFERENCE_YEAR (the last one is the embedded parcels), and the
# West-Overijssel agreement 2019-2022 under which Hardenberg made soft capacity hard:
# (park, segment or None for all, the first delivery in which it is hard).
FIRST_DELIVERY_YEAR = 2019
CONVERSIONS = (
    ("Heemserpoort", "woon_werk", 2020),  # 15 ha woon-werkkavels
    ("Broeklanden II (Zuid)", "zwaar", 2021),  # 12 ha zware industrie
    ("Bedrijventerrein Dedemsvaart", None, 2022),  # 10 ha
)
UNSOLD = ("terstond_uitgeefbaar", "niet_terstond_uitgeefbaar", "optie")


def deliveries(parcels: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The yearly deliveries (``datum, bron``) and, per delivery before the last, the parcels
    whose ``status, planfase, uitgiftedatum`` differ from the final ones: a parcel sold on or
    after the delivery date was still for sale then, and converted parcels were soft
    (planfase 4) before their conversion."""
    years = range(FIRST_DELIVERY_YEAR, REFERENCE_YEAR + 1)
    dates = [f"{year}-01-01" for year in years]
    listed = pd.DataFrame(
        {"datum": dates, "bron": [f"jaarlijkse levering {y} (synthetisch)" for y in years]}
    )
    sold_on = pd.to_datetime(parcels["uitgiftedatum"])
    hard = parcels["planfase"].isin([1, 2])
    convertible = parcels["status"].isin(UNSOLD) & hard
    differences = []
    for year, date in zip(years[:-1], dates[:-1], strict=True):
        status = parcels["status"].copy()
        planfase = parcels["planfase"].copy()
        later = sold_on >= pd.Timestamp(date)
        status[later] = np.where(hard[later], "terstond_uitgeefbaar", "niet_terstond_uitgeefbaar")
        for park, segment, first_hard in CONVERSIONS:
            if year < first_hard:
                chosen = convertible & (parcels["terrein"] == park)
                if segment is not None:
                    chosen &= parcels["segment"] == segment
                planfase[chosen] = 4
                status[chosen] = "niet_terstond_uitgeefbaar"
        differs = later | (status != parcels["status"]) | (planfase != parcels["planfase"])
        differences.append(
            pd.DataFrame(
                {
                    "datum": date,
                    "kavel_id": parcels["kavel_id"],
                    "status": status,
                    "planfase": planfase,
                    "uitgiftedatum": parcels["uitgiftedatum"].where(~later, None),
                }
            )[differs]
        )
    return listed, pd.concat(differences, ignore_index=True)


def main() -> None:
    parcels = generate_parcels()
    _check_parks_apart(parcels)
    _check_parks_in_their_municipality(parcels)
    write_geojson(parcels, PACKAGE_DATA / "parcels.geojson")
    listed, differences = deliveries(parcels)
    listed.to_csv(PACKAGE_DATA / "leveringen.csv", index=False)
    differences.to_csv(PACKAGE_DATA / "leveringen_verschillen.csv", index=False)
    summary = parcels.assign(ha=parcels.area / 10_000).groupby("provincie")
    print(summary.agg(parcels=("kavel_id", "size"), parks=("terrein", "nunique"), ha=("ha", "sum")))


if __name__ == "__main__":
    main()
