"""Interactive maps: the provincial overview of business parks and parcels, and per
municipality, as folium maps that save to one self-contained HTML file.

Parcels travel to the page compactly: coordinates as integers of 1e-6 degree (about 0.1 m)
each stored as the difference from the one before, properties as columns; a short script
(``templates/overview.js``) draws them on a canvas. Below ``parcel_zoom`` the parks are drawn
filled by what they still offer, and the parcels are not drawn at all.
"""

from __future__ import annotations

import base64
import difflib
import html
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

import branca
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xstatic.pkg.leaflet as xleaflet
import xyzservices.providers as xyz

from terreinen import schema, settings
from terreinen._errors import TerreinenError
from terreinen._io import atomic_path
from terreinen.agreements import compare_agreements
from terreinen.capacity import capacity
from terreinen.figures import status_on
from terreinen.loading import read_parcels
from terreinen.tables import read_regions

STATES = (
    "Terstond uitgeefbaar",
    "Niet terstond uitgeefbaar",
    "Zachte plancapaciteit",
    "Optie",
    "Uitgegeven",
    "Niet uitgeefbaar (wegen, groen)",
    "Status onbekend",  # a park table without sale figures: unknown, not zero
)
STATE_COLORS = ("#1a9641", "#a6d96a", "#fdae61", "#2b83ba", "#bdbdbd", "#f7f7f7", "#7b3294")
PARK_STATES = ("Harde capaciteit beschikbaar", "Alleen zachte capaciteit", "Vol", "Onbekend")
PARK_COLORS = ("#1a9641", "#fdae61", "#9e9e9e", "#7b3294")
AGREEMENT_COLORS = {
    "overprogrammering": "#d7191c",
    "binnen_afspraak": "#1a9641",
    "geen_afspraak": "#969696",
    "": "#7b3294",
}
COORDINATE_SCALE = 1_000_000  # 1e-6 degree: 0.11 m north-south, 0.07 m east-west here
_TEXT = {
    "plain": "Geen achtergrond",
    "gemeente": "Gemeente",
    "terrein": "Bedrijventerrein",
    "kavel": "Kavel",
    "gemeenten": "Gemeenten: capaciteit en afspraken",
    "legend": "Kavels",
    "parks": "Bedrijventerreinen",
    "search": "Zoek een bedrijventerrein",
    "fullscreen": "Volledig scherm",
}
_BOUNDARY_NAMES = ("gemeente", "gemeentenaam", "statnaam", "naam", "name")


def _default_tiles() -> list:
    return [xyz.nlmaps.standaard, xyz.nlmaps.grijs, xyz.OpenStreetMap.Mapnik]


def _tile_layers(tiles) -> list[dict]:
    providers = _default_tiles() if tiles == "default" else list(tiles or [])
    layers = []
    for provider in providers:
        name = provider.get("name", "tiles").replace("nlmaps.", "PDOK ")
        attribution = provider.get("html_attribution") or provider.get("attribution", "")
        layers.append({"name": name, "url": provider.build_url(), "attribution": attribution})
    return layers


def _script_json(value) -> str:
    """JSON that is safe inside a <script> element whatever text the data holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _clean(values, digits: int = 2) -> list:
    """Numbers rounded for the page, missing values as null."""
    array = np.round(np.asarray(values, dtype=float), digits)
    return [None if np.isnan(v) else float(v) for v in array]


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


def parcel_states(parcels: pd.DataFrame, *, as_of=None) -> np.ndarray:
    """Map state of each parcel on the as-of date: an index into :data:`STATES`."""
    status = status_on(parcels, as_of).to_numpy()
    soft = np.isin(parcels["planfase"].to_numpy(dtype=float), schema.SOFT_PHASES)
    unsold = np.isin(status, schema.UNSOLD_STATUSES)
    state = np.select(
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
    return state


def _park_data(parcels: gpd.GeoDataFrame, as_of) -> tuple[dict, pd.Series]:
    keys = ["gemeente", "terrein"]
    table = capacity(parcels, keys, as_of=as_of)
    table = table[table["gemeente"] != "Totaal"].reset_index(drop=True)
    outlines = parcels[[*keys, "geometry"]].dissolve(by=keys).geometry
    outlines = outlines.simplify(1.0).to_crs(settings.web_crs)
    hard, soft = table["hard_ha"], table["zacht_ha"]
    state = np.select([hard > 0, soft > 0, hard.isna() | soft.isna()], [0, 1, 3], default=2)
    centers = shapely.get_coordinates(shapely.point_on_surface(outlines.to_numpy()))
    radius = 3 + 12 * np.sqrt(table["bruto_ha"] / table["bruto_ha"].max())
    figures = table[
        [
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
    ]
    data = {
        "name": table["terrein"].astype(str).tolist(),
        "gemeente": table["gemeente"].astype(str).tolist(),
        "state": state.tolist(),
        "center": [[round(lat, 6), round(lon, 6)] for lon, lat in centers],
        "radius": _clean(radius, 1),
        "figures": [_clean(row) for row in figures.to_numpy()],
        "geometry": encode_geometries(outlines.to_numpy()),
    }
    index = pd.Series(range(len(table)), index=pd.MultiIndex.from_frame(table[keys]))
    return data, index


def _parcel_data(parcels: gpd.GeoDataFrame, park_index: pd.Series, as_of) -> dict:
    def codes(column: str) -> tuple[list, list]:
        values = parcels[column].astype("category")
        present = [c for c in values.cat.categories if (values == c).any()]
        values = values.cat.set_categories(present)
        return values.cat.codes.tolist(), [str(c) for c in present]

    segment_codes, segments = codes("segment")
    milieu_codes, milieu = codes("milieucategorie")
    owner = parcels["eigenaar"].cat.codes.tolist() if "eigenaar" in parcels else [-1] * len(parcels)
    park = park_index.loc[pd.MultiIndex.from_frame(parcels[["gemeente", "terrein"]].astype(object))]
    updated = (
        parcels["laatst_bijgewerkt"].dt.strftime("%Y-%m-%d").fillna("")
        if "laatst_bijgewerkt" in parcels
        else pd.Series("", index=parcels.index)
    )
    notes = parcels["opmerking"] if "opmerking" in parcels else pd.Series("", index=parcels.index)
    geoms = parcels.geometry.to_crs(settings.web_crs).to_numpy()
    return {
        "id": parcels["kavel_id"].astype(str).tolist(),
        "park": park.tolist(),
        "ha": _clean(parcels["oppervlakte_ha"]),
        "state": parcel_states(parcels, as_of=as_of).tolist(),
        "planfase": _clean(parcels["planfase"].astype(float)),  # null: unknown
        "milieuCode": milieu_codes,
        "milieu": milieu,
        "segmentCode": segment_codes,
        "segments": segments,
        "owner": owner,
        "price": _clean(parcels["prijs_m2"]) if "prijs_m2" in parcels else [None] * len(parcels),
        "updated": updated.tolist(),
        "notes": notes.fillna("").astype(str).tolist(),
        "geometry": encode_geometries(geoms),
    }


def _municipality_data(parcels, agreements, regions, boundaries, as_of) -> dict:
    table = capacity(parcels, "gemeente", as_of=as_of)
    table = table[table["gebied"] != "Totaal"].reset_index(drop=True)
    names = table["gebied"].astype(str).tolist()
    area = parcels["oppervlakte_ha"].to_numpy()
    centroids = shapely.get_coordinates(shapely.centroid(parcels.geometry.to_numpy()))
    weighted = pd.DataFrame(centroids * area[:, None], columns=["x", "y"]).assign(
        w=area, gemeente=parcels["gemeente"].astype(object).to_numpy()
    )
    sums = weighted.groupby("gemeente").sum().loc[names]
    centers = gpd.GeoSeries.from_xy(sums["x"] / sums["w"], sums["y"] / sums["w"], crs=parcels.crs)
    centers = shapely.get_coordinates(centers.to_crs(settings.web_crs).to_numpy())
    unsold = (table["hard_ha"] + table["zacht_ha"]).to_numpy()
    radius = 5 + 25 * np.sqrt(unsold / unsold.max()) if unsold.max() > 0 else np.full(len(names), 5)
    status, texts = _municipality_agreements(parcels, names, agreements, regions, as_of)
    data = {
        "name": names,
        "figures": [
            _clean(row)
            for row in table[
                ["hard_ha", "zacht_ha", "uitgifte_ha_per_jaar", "voorraad_jaren_hard"]
            ].to_numpy()
        ],
        "center": [[float(lat), float(lon)] for lon, lat in centers],
        "radius": _clean(radius, 1),
        "status": [s.replace("_", " ") for s in status],
        "color": [AGREEMENT_COLORS[s] for s in status],
        "agreements": texts,
        # a register's state carries each municipality's latest delivery (Register.state)
        "dataDate": [parcels.attrs.get("leveringen", {}).get(name) for name in names],
        "geometry": None,
    }
    if boundaries is not None:
        data["geometry"] = encode_geometries(_boundary_shapes(boundaries, names))
    return data


def _municipality_agreements(parcels, names, agreements, regions, as_of):
    """Per municipality: the summary status and one line per agreement that covers it."""
    if agreements is None:
        return [""] * len(names), [[] for _ in names]
    comparison = compare_agreements(parcels, agreements, as_of=as_of, regions=regions)
    region_table = read_regions(regions) if regions is not None else None
    status, texts = [], []
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
        lines = []
        for row in rows.itertuples():
            segment = row.segment or "alle segmenten"
            limit = "" if pd.isna(row.max_ha) else f" van {row.max_ha:,.1f} ha"
            lines.append(
                {
                    "status": row.status,
                    "text": f"{row.afspraak_id} {row.gebied}, {segment}, {row.plancapaciteit}: "
                    f"{row.actual_ha:,.1f} ha{limit} ({row.status.replace('_', ' ')})",
                }
            )
        active = set(rows["status"]) - {"inactief"}
        summary = next(
            (s for s in ("overprogrammering", "binnen_afspraak") if s in active), "geen_afspraak"
        )
        status.append(summary)
        texts.append(lines)
    return status, texts


def _boundary_shapes(boundaries, names: list[str]) -> np.ndarray:
    """Municipality outlines in the order of ``names`` (empty where a name is missing)."""
    frame = boundaries if isinstance(boundaries, gpd.GeoDataFrame) else gpd.read_file(boundaries)
    column = next((c for c in frame.columns if str(c).lower() in _BOUNDARY_NAMES), None)
    if column is None:
        raise TerreinenError(
            f"the boundaries need a name column, one of {', '.join(_BOUNDARY_NAMES)}"
        )
    if frame.crs is None:
        raise TerreinenError("the boundaries have no coordinate system")
    shapes = frame.to_crs(settings.rd_crs).set_index(frame[column].astype(str)).geometry
    shapes = shapes[~shapes.index.duplicated()].simplify(10).to_crs(settings.web_crs)
    return np.array([shapes.get(name, shapely.Polygon()) for name in names], dtype=object)


@cache
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's script and style sheet from the xstatic-leaflet package, its images inlined."""
    base = Path(xleaflet.BASE_DIR)
    script = (base / "leaflet.js").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        image = base / "images" / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode()
        return f"url(data:image/png;base64,{encoded})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, (base / "leaflet.css").read_text("utf-8"))
    return script.replace("</script", "<\\/script"), css


def _template(name: str) -> str:
    return resources.files("terreinen").joinpath("templates", name).read_text(encoding="utf-8")


class _OverviewLayer(branca.element.MacroElement):
    """The data and the script that draws parks, parcels and municipalities on the map."""

    _template = branca.element.Template(
        "{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}"
    )

    def __init__(self, data: dict):
        super().__init__()
        self._name = "TerreinenOverview"
        self.data = data

    def render(self, **kwargs):
        script = _template("overview.js")
        self.code = script.replace("__MAP__", self._parent.get_name()).replace(
            "__DATA__", _script_json(self.data)
        )
        super().render(**kwargs)


def _as_parcels(parcels) -> gpd.GeoDataFrame:
    """Parcels as read_parcels returns them: reprojected and checked when they are not."""
    if (
        isinstance(parcels, gpd.GeoDataFrame)
        and "oppervlakte_ha" in parcels
        and parcels.crs is not None
        and parcels.crs.equals(settings.rd_crs)
    ):
        return parcels
    return read_parcels(parcels)


def overview_map(
    parcels,
    *,
    agreements=None,
    regions=None,
    boundaries=None,
    as_of=None,
    title: str | None = "Bedrijventerreinen",
    tiles="default",
    parcel_zoom: int = 13,
    map_kwds: dict | None = None,
) -> folium.Map:
    """The overview map of every business park and parcel in ``parcels``.

    Parcels are coloured by their state on the as-of date (immediately available, not
    immediately available, soft capacity, option, sold, not for issue) and can be switched
    per segment and per milieucategorie; parks show their name and capacity; the
    municipality layer shows hard and soft hectares, take-up, supply in years and, with
    ``agreements`` (and ``regions`` for regional ones), the agreement status: as a
    choropleth when ``boundaries`` (municipality polygons with a name column) are given,
    as proportional circles otherwise. With a legend, layer control, park search,
    fullscreen button and scale bar; base maps PDOK BRT-Achtergrondkaart (standard and
    grey) and OpenStreetMap, or ``tiles`` (a list of xyzservices providers; None for a
    plain background). ``map_kwds`` go to :class:`folium.Map`.

    Leaflet is inlined: the map needs no internet but for its base tiles.

    >>> m = overview_map(read_parcels("data/parcels.geojson"))  # doctest: +SKIP
    >>> save_map(m, "maps/overview.html")  # doctest: +SKIP
    """
    parcels = _as_parcels(parcels)
    parks, park_index = _park_data(parcels, as_of)
    bounds = parcels.to_crs(settings.web_crs).total_bounds
    data = {
        "title": title,
        "text": _TEXT,
        "states": list(STATES),
        "stateColors": list(STATE_COLORS),
        "parkStates": list(PARK_STATES),
        "parkColors": list(PARK_COLORS),
        "phases": ["", *schema.PLAN_PHASES.values()],
        "owners": list(schema.OWNERS),
        "tiles": _tile_layers(tiles),
        "parcelZoom": parcel_zoom,
        "parkZoom": parcel_zoom - 2,
        "collapsed": True,
        "bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
        "parks": parks,
        "parcels": _parcel_data(parcels, park_index, as_of),
        "municipalities": _municipality_data(parcels, agreements, regions, boundaries, as_of),
    }
    options = {"tiles": None, "control_scale": True, "prefer_canvas": True, "zoom_start": 9}
    options.update(map_kwds or {})
    center = [(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2]
    m = folium.Map(location=center, **options)
    # no CDN: Leaflet itself is inlined below, and nothing here needs jQuery or Bootstrap
    m.default_js, m.default_css = [], []
    script, css = _leaflet_assets()
    head = f"<style>{css}\n{_template('overview.css')}</style><script>{script}</script>"
    if title:
        head = f"<title>{html.escape(title)}</title>{head}"
    m.get_root().header.add_child(branca.element.Element(head), name="terreinen_assets")
    m.add_child(_OverviewLayer(data))
    return m


def municipality_map(parcels, gemeente: str, **kwargs) -> folium.Map:
    """:func:`overview_map` of one municipality's parcels, zoomed to them."""
    parcels = _as_parcels(parcels)
    names = sorted(set(parcels["gemeente"].astype(str)))
    if gemeente not in names:
        close = difflib.get_close_matches(gemeente, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(names)}"
        raise TerreinenError(f"municipality {gemeente!r} is not in the parcels{hint}")
    kwargs.setdefault("title", f"Bedrijventerreinen {gemeente}")
    return overview_map(parcels[parcels["gemeente"] == gemeente], **kwargs)


def save_map(m: folium.Map, path: str | Path, *, offline: bool = True) -> Path:
    """Write the map as one HTML file, atomically.

    ``offline=True`` (the default) keeps every script and style sheet inside the file, so
    it works without internet and under a strict content policy; ``offline=False`` loads
    Leaflet from its CDN instead, for a smaller file.
    """
    root = m.get_root()
    assets = root.header._children.get("terreinen_assets")
    if not offline and assets is not None:
        root.header._children.pop("terreinen_assets")
        m.default_js = [("leaflet", folium.Map.default_js[0][1])]
        m.default_css = [("leaflet_css", folium.Map.default_css[0][1])]
        css = branca.element.Element(f"<style>{_template('overview.css')}</style>")
        root.header.add_child(css, name="terreinen_style")
    try:
        page = root.render()
    finally:
        if not offline and assets is not None:
            # rendering leaves the CDN links in the header: take them out again
            for name in ("terreinen_style", "leaflet", "leaflet_css"):
                root.header._children.pop(name, None)
            root.header.add_child(assets, name="terreinen_assets")
            m.default_js, m.default_css = [], []
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(path)
