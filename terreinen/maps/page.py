"""Interactive maps: the provincial overview of business parks and parcels, one
municipality, and the matches of ``find``, each one self-contained HTML page.

The page is a fixed template (``templates/page.html``) with a few slots. The data goes in
after the template is complete, in one pass that never looks at what it inserts: as JSON
in a ``<script type="application/json">`` block that the page reads with ``JSON.parse``,
the title HTML-escaped. No text from the data ever reaches a template engine.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd
import shapely
import xstatic.pkg.leaflet as xleaflet
import xyzservices.providers as xyz
from babel.numbers import format_decimal

from terreinen import schema, settings
from terreinen.errors import (
    TerreinenDataError,
    TerreinenNotFoundError,
    TerreinenOptionError,
    TerreinenWriteError,
    optional_import,
)
from terreinen.figures import AsOf, dated
from terreinen.i18n import t
from terreinen.io.files import read_parcels
from terreinen.io.write import atomic_path, write_atomically
from terreinen.maps.data import (
    AGREEMENT_COLORS,
    AGREEMENT_STATES,
    MILIEU_COLORS,
    PARK_CLASSES,
    PARK_COLORS,
    SEGMENT_COLORS,
    STATE_COLORS,
    STATES,
    VERDICT_COLORS,
    VERDICTS,
    context_data,
    encode_geometries,
    found_data,
    located,
    municipality_data,
    parcel_data,
    parcel_states,
    park_data,
)
from terreinen.maps.plain import noscript_tables
from terreinen.report import Finding, ValidationReport
from terreinen.study import Study
from terreinen.validation.values import closest

__all__ = [
    "ASSET_FILES",
    "STATES",
    "TILES",
    "MapPage",
    "content_policy",
    "encode_geometries",
    "find_map",
    "municipality_map",
    "overview_map",
    "parcel_states",
    "save_map",
    "tile_providers",
]

_TEXT = {
    "plain": "Geen achtergrond",
    "base": "Achtergrond",
    "gemeente": "Gemeente",
    "terrein": "Bedrijventerrein",
    "kavel": "Kavel",
    "klasse": "Beschikbaarheid",
    "gemeenten": "Gemeenten: capaciteit en afspraken",
    "noAgreements": "geen afspraak bekend",
    "gemeentenOordeel": "Gemeenten: vraag en aanbod (middenscenario)",
    "noVerdict": "oordeel onbekend",
    "legend": "Kavels (ingezoomd)",
    "parks": "Terreinen",
    "sizeNote": "Oppervlakte van een cirkel: nog niet uitgegeven ha (hard + zacht).",
    "byClass": "Beschikbaarheid",
    "bySegment": "Dominant segment",
    "byMilieu": "Hoogste milieucategorie",
    "byMilieuReal": "Hoogste milieucategorie feitelijk (afstand tot woningen)",
    "inView": "Alles in beeld",
    "notFound": "Geen terrein, gemeente of kern met die naam.",
    "kern": "Kern",
    "lead": "Aanbod op bedrijventerreinen: hard en zacht, terstond en later;",
    "dataDates": "zie de kolom ‘Gegevens van’ in de tabel met gemeenten",
    "moreInfo": "Meer informatie",
    "point": "Zoekpunt",
    "combination": "combinatie",
}
_MAP_BOX = '<section class="tr-mapbox" aria-label="Kaart"><div id="tr-map"></div></section>'
_SLOT = re.compile(r"<!--terreinen:(\w+)-->")
_CDN_ORIGIN = "https://cdn.jsdelivr.net"
_CDN = f"{_CDN_ORIGIN}/npm/leaflet@1.9.3/dist/leaflet"
DEFAULT_SOURCE = "kavelbestanden van de gemeenten"


TILES = {
    "standaard": xyz.nlmaps.standaard,
    "grijs": xyz.nlmaps.grijs,
    "pastel": xyz.nlmaps.pastel,
    "water": xyz.nlmaps.water,
    "luchtfoto": xyz.nlmaps.luchtfoto,
    "osm": xyz.OpenStreetMap.Mapnik,
}
"""Base maps by name: PDOK BRT-Achtergrondkaart's variants, and OpenStreetMap (whose tile
servers' usage policy does not allow a heavily visited page: only when asked for)."""
DEFAULT_TILES = ("standaard", "grijs")


def tile_providers(tiles) -> list:
    """The xyzservices providers of ``tiles``: ``"default"`` (PDOK standaard and grijs), a
    name of :data:`TILES`, ``"none"`` or None, or a list of names and providers."""
    if tiles is None or tiles == "none":
        return []
    if isinstance(tiles, str):
        tiles = DEFAULT_TILES if tiles == "default" else [tiles]
    providers = []
    for tile in tiles:
        if isinstance(tile, str):
            if tile not in TILES:
                raise TerreinenOptionError(
                    t(
                        "tiles {tile}: not a base map; {hint}",
                        tile=repr(tile),
                        hint=closest(tile, [*TILES, "none"], "base map"),
                    )
                )
            tile = TILES[tile]
        providers.append(tile)
    return providers


def _tile_layers(tiles) -> list[dict]:
    layers = []
    for provider in tile_providers(tiles):
        name = provider.get("name", "tiles").replace("nlmaps.", "PDOK ")
        attribution = provider.get("html_attribution") or provider.get("attribution", "")
        layers.append({"name": name, "url": provider.build_url(), "attribution": attribution})
    return layers


def _tile_origins(tiles) -> list[str]:
    """The origins base tiles come from (a ``{s}`` in the host: each of its subdomains)."""
    origins: list[str] = []
    for provider in tile_providers(tiles):
        parts = urlsplit(provider.build_url())
        hosts = [parts.netloc]
        if "{s}" in parts.netloc:
            hosts = [parts.netloc.replace("{s}", s) for s in provider.get("subdomains", "abc")]
        origins += [
            f"{parts.scheme}://{host}"
            for host in hosts
            if f"{parts.scheme}://{host}" not in origins
        ]
    return origins


def script_json(value) -> str:
    """JSON that stays data inside a <script> element whatever text it holds: no ``</``,
    ``<!--``, ``<``, ``>``, ``&``, U+2028 or U+2029 appear in it literally."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@cache
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's script and style sheet from the xstatic-leaflet package, its images inlined."""
    base = Path(xleaflet.BASE_DIR)
    script = (base / "leaflet.js").read_text(encoding="utf-8")

    def image(name: str) -> str:
        encoded = base64.b64encode((base / "images" / name).read_bytes()).decode()
        return f"data:image/png;base64,{encoded}"

    css = re.sub(
        r"url\(images/([\w.-]+\.png)\)",
        lambda match: f"url({image(match.group(1))})",
        (base / "leaflet.css").read_text("utf-8"),
    )
    # the default marker (an analyst's folium.Marker) from data too, not from images/ beside
    # the page, which is not there
    icons = {
        "iconUrl": image("marker-icon.png"),
        "iconRetinaUrl": image("marker-icon-2x.png"),
        "shadowUrl": image("marker-shadow.png"),
    }
    script += (
        f"\nL.Icon.Default.imagePath = '';\nL.Icon.Default.mergeOptions({json.dumps(icons)});\n"
    )
    return script.replace("</script", "<\\/script"), css


def _template(name: str) -> str:
    return resources.files("terreinen.maps").joinpath("templates", name).read_text(encoding="utf-8")


ASSET_FILES = ("leaflet.css", "terreinen.css", "leaflet.js", "terreinen.js")
"""The files ``assets=`` writes beside a page: its styles and scripts, the same text the
single-file page holds inline."""


@cache
def _assets() -> dict[str, str]:
    script, css = _leaflet_assets()
    return {
        "leaflet.css": css,
        "terreinen.css": _template("overview.css"),
        "leaflet.js": script,
        "terreinen.js": _template("overview.js"),
    }


def _hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return f"'sha256-{digest}'"


def content_policy(*, assets: bool = False, tiles="default", offline: bool = True) -> str:
    """The Content-Security-Policy a portal can send with the maps: nothing from elsewhere
    but the base tiles. The single-file page (``assets=False``) needs the hashes of its
    inline styles and scripts, which do not change with the data (the data sit in a
    ``<script type="application/json">`` block, which a policy does not run); the page
    written with ``assets=`` needs no hash at all (``script-src 'self'; style-src 'self'``).
    ``tiles`` as for :func:`overview_map`: their servers are allowed as image sources;
    ``offline=False`` allows Leaflet's CDN."""
    scripts, styles = ["'self'"], ["'self'"]
    if not assets:
        inline = _assets() if offline else {k: v for k, v in _assets().items() if "terreinen" in k}
        scripts += [_hash(text) for name, text in inline.items() if name.endswith(".js")]
        styles += [_hash(text) for name, text in inline.items() if name.endswith(".css")]
    if not offline:
        scripts.append(_CDN_ORIGIN)
        styles.append(_CDN_ORIGIN)
    images = ["'self'", "data:", *_tile_origins(tiles)]
    return (
        f"default-src 'self'; script-src {' '.join(scripts)}; style-src {' '.join(styles)}; "
        f"img-src {' '.join(images)}; object-src 'none'; base-uri 'none'"
    )


class MapPage:
    """A finished map: its data and title. :meth:`render` gives the HTML page; in a
    notebook it shows itself (``_repr_html_``), :meth:`save` writes it."""

    def __init__(self, data: dict, title: str):
        self.data = data
        self.title = title

    def render(self, *, offline: bool = True, assets: str | None = None) -> str:
        """The page. ``offline=True`` inlines Leaflet (no internet needed but for the base
        tiles); ``offline=False`` loads it from its CDN, for a smaller file. ``assets``
        (a relative address of a folder holding :data:`ASSET_FILES`, as :func:`save_map`
        writes them) links the styles and scripts instead of inlining them, so that a
        policy of ``script-src 'self'; style-src 'self'`` suffices (see
        :func:`content_policy`)."""
        if assets is not None:
            prefix = assets.rstrip("/") + "/"
            head = "".join(
                f'<link rel="stylesheet" href="{html.escape(prefix + name)}">'
                if name.endswith(".css")
                else f'<script src="{html.escape(prefix + name)}"></script>'
                for name in ASSET_FILES
                if name != "terreinen.js"
            )
            script = f'<script src="{html.escape(prefix)}terreinen.js"></script>'
        else:
            head = self.head(offline=offline)
            script = f"<script>{self.script()}</script>"
        return self._filled(_template("page.html"), head=head, mapbox=_MAP_BOX, script=script)

    def head(self, *, offline: bool = True, leaflet: bool = True) -> str:
        """The inline styles and scripts of the page's head (without Leaflet when
        ``leaflet=False``: a folium map brings its own)."""
        files = _assets()
        parts = []
        if leaflet and offline:
            parts.append(f"<style>{files['leaflet.css']}</style>")
            parts.append(f"<script>{files['leaflet.js']}</script>")
        elif leaflet:
            parts.append(f'<link rel="stylesheet" href="{_CDN}.css">')
            parts.append(f'<script src="{_CDN}.js"></script>')
        parts.append(f"<style>{files['terreinen.css']}</style>")
        return "".join(parts)

    def body(self, *, map_name: str, tiles: bool) -> str:
        """The page's body without its own map: its script draws on ``map_name`` (a folium
        map's variable) instead; without base tiles of its own unless ``tiles``."""
        body = _template("page.html").split("<body>", 1)[1].split("</body>", 1)[0]
        data = {**self.data, "map": map_name, "tiles": self.data["tiles"] if tiles else []}
        return self._filled(body, head="", mapbox="", script="", data=data)

    def script(self) -> str:
        """The page's script (it reads the data block of the page or of :meth:`body`)."""
        return _assets()["terreinen.js"]

    def _filled(self, template: str, *, data: dict | None = None, **parts: str) -> str:
        data = self.data if data is None else data
        slots = {
            "title": html.escape(self.title),
            "noscript": noscript_tables(data),
            "data": script_json(data),
            **parts,
        }
        # one pass over the fixed template: inserted text is never scanned again
        return _SLOT.sub(lambda match: slots[match.group(1)], template)

    def to_folium(self, m=None):
        """This map's layers, side panel and tables on a ``folium.Map`` (``m``, or a new
        one, offline: Leaflet inlined, no CDN), to which an analyst adds layers, a
        ``LayerControl`` or ``GeoDataFrame.explore(m=...)``. No text of the data reaches
        branca's template compilation (see :mod:`terreinen.maps.folium_map`). Needs the
        ``folium`` extra."""
        return optional_import("terreinen.maps.folium_map", extra="folium").folium_map(self, m)

    def save(
        self, path: str | Path, *, offline: bool = True, assets: str | Path | None = None
    ) -> Path:
        return save_map(self, path, offline=offline, assets=assets)

    def _repr_html_(self) -> str:
        page = html.escape(self.render(offline=True), quote=True)
        return f'<iframe srcdoc="{page}" style="width:100%;height:720px;border:0"></iframe>'


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


def _checked_url(url: str | None) -> str | None:
    # a scheme is case-insensitive (RFC 3986 3.1): HTTPS:// is as good as https://
    if url is not None and not re.match(r"https?://[^\s]+$", url, re.IGNORECASE):
        raise TerreinenOptionError(
            t("more_info_url must be an http(s) address, not {url}", url=repr(url))
        )
    return url


def _takeup_method(study: Study) -> str:
    """The method line for take-up: which full years the yearly figure averages (or that
    the data give none)."""
    if not study.takeup_known:
        return "onbekend: de gegevens geven geen uitgifte (verkoopcijfers of -datums)"
    first, last = study.window
    return f"gemiddelde van de uitgifte in {first}–{last} ({study.takeup_years} jaar)"


def overview_map(  # noqa: PLR0913  (keywords as GeoDataFrame.explore has them)
    parcels,
    *,
    agreements=None,
    regions=None,
    boundaries=None,
    demand: pd.DataFrame | None = None,
    data_dates: dict | None = None,
    history=None,
    municipal_colour: str = "afspraken",
    as_of: AsOf = None,
    title: str = "Bedrijventerreinen",
    source: str = DEFAULT_SOURCE,
    more_info_url: str | None = None,
    tiles="default",
    parcel_zoom: int = 13,
    map_kwds: dict | None = None,
    m=None,
) -> MapPage:
    """The overview map of every business park and parcel in ``parcels`` (parcels as
    :func:`terreinen.read_parcels` returns them, a file, or a :class:`terreinen.study.Study`,
    whose as-of date, agreements, regions and history it then uses).

    At province zoom each park is a circle whose area follows its unsold hectares (hard +
    soft), coloured by availability (hard and immediately available / hard, later / only
    soft / full), by dominant segment or by highest milieucategorie ("kleur naar"), with
    the municipalities' names; closer, the parks' outlines; closest, the parcels by state.
    The municipality layer shows hard and soft hectares, take-up, years of supply and, with
    ``agreements`` (and ``regions`` for regional ones), the agreement status: as areas when
    ``boundaries`` (municipality polygons with a name column) are given, circles otherwise.
    ``demand`` (:func:`terreinen.demand.demand` by gemeente, or a table with ``gemeente`` and
    ``oordeel``) adds each municipality's verdict;
    ``data_dates`` (municipality -> date) the date of its data (else the latest
    ``laatst_bijgewerkt``); ``history`` (a :class:`terreinen.register.Register`) lets
    ``toevoeging`` agreements count what was added. ``municipal_colour`` colours the
    municipality layer by agreement status (``"afspraken"``) or by the demand verdict
    (``"oordeel"``: tekort, krap, voldoende; needs ``demand``). A summary panel, a sortable table of
    every park and municipality, and the method (as-of date, ``source``, a
    ``more_info_url`` link) are on the page. Base maps: PDOK BRT-Achtergrondkaart standaard
    and grijs, or ``tiles`` (see :func:`tile_providers`: ``"grijs"``, ``"osm"``, ``"none"``,
    a list of names or xyzservices providers). Without script the page shows the park and
    municipality tables; :func:`content_policy` gives the policy to publish it under.
    ``map_kwds`` are Leaflet map options. Given ``m`` (a ``folium.Map``, as
    ``GeoDataFrame.explore`` takes one), the layers go on it and ``m`` is returned (see
    :meth:`MapPage.to_folium`).

    >>> page = overview_map(read_parcels(get_path("parcels")))  # doctest: +SKIP
    >>> save_map(page, "maps/overview.html")  # doctest: +SKIP
    """
    study = _as_study(parcels, agreements=agreements, regions=regions, history=history, as_of=as_of)
    if municipal_colour not in ("afspraken", "oordeel"):
        raise TerreinenOptionError(
            t(
                "municipal_colour {value}: choose 'afspraken' or 'oordeel'",
                value=repr(municipal_colour),
            )
        )
    if municipal_colour == "oordeel" and demand is None:
        raise TerreinenOptionError(t("municipal_colour='oordeel' needs demand= (terreinen.demand)"))
    tile_providers(tiles)  # an unknown base map is refused before any work
    drawn = _drawable(study)
    parcels = drawn.parcels
    date = study.as_of
    parks, park_of = park_data(drawn)
    data = {
        "title": title,
        "text": _TEXT,
        "asOf": date.strftime("%Y-%m-%d"),
        # both dates, as every title states them; the page is Dutch whatever the language
        "dates": dated(date, study.data_dates, lang="nl"),
        "source": source,
        "moreInfo": _checked_url(more_info_url),
        "takeupYears": study.takeup_years,
        "takeupMethod": _takeup_method(study),
        "states": list(STATES),
        "stateColors": list(STATE_COLORS),
        "parkClasses": list(PARK_CLASSES),
        "parkColors": list(PARK_COLORS),
        "segments": list(schema.SEGMENTS),
        "segmentColors": list(SEGMENT_COLORS),
        "milieus": list(schema.MILIEUCATEGORIEEN),
        "milieuColors": list(MILIEU_COLORS),
        "agreementKeys": list(AGREEMENT_STATES),
        "agreementStates": [s.replace("_", " ") for s in AGREEMENT_STATES],
        "agreementColors": list(AGREEMENT_COLORS),
        "verdicts": list(VERDICTS),
        "verdictColors": list(VERDICT_COLORS),
        "municipalColour": municipal_colour,
        "phases": ["", *schema.PLAN_PHASES.values()],
        "owners": list(schema.OWNERS),
        "tiles": _tile_layers(tiles),
        "mapOptions": map_kwds or {},
        "parcelZoom": parcel_zoom,
        "parkZoom": parcel_zoom - 2,
        "bounds": _bounds(parcels),
        "parks": parks,
        "parcels": parcel_data(drawn, park_of),
        "municipalities": municipality_data(
            study, drawn, boundaries=boundaries, demand=demand, data_dates=data_dates
        ),
        "found": None,  # the matches of a search: see find_map
        "context": context_data(parcels),
    }
    page = MapPage(data, title)
    return page if m is None else page.to_folium(m)


def _as_study(parcels, **options) -> Study:
    """A Study of ``parcels``; a Study as it is (its own options then hold: giving them
    again would say two things)."""
    if isinstance(parcels, Study):
        given = sorted(name for name, value in options.items() if value is not None)
        if given:
            raise TerreinenOptionError(
                t(
                    "{names}: the study holds these already; give them to the Study",
                    names=", ".join(given),
                )
            )
        return parcels
    return Study(_as_parcels(parcels), **options)


def _drawable(study: Study) -> Study:
    """The part of the study that has outlines (a park table may have none): all of it, or
    the parcels with outlines; an error when nothing can be drawn."""
    drawn = located(study.parcels)
    if drawn.all():
        return study
    if not drawn.any():
        raise TerreinenDataError(
            ValidationReport(
                study.source,
                n_rows=len(study.parcels),
                findings=[
                    Finding(
                        "error",
                        "no parcel or park has an outline, so there is nothing to draw",
                        suggestion="capacity and export give the figures; a park table "
                        "with outlines (GeoJSON, GeoPackage) can be mapped",
                    )
                ],
            )
        )
    return study.subset(pd.Series(drawn, index=study.parcels.index))


def _bounds(parcels: gpd.GeoDataFrame) -> list[list[float]]:
    """South-west and north-east corners of the parcels (latitude, longitude)."""
    west, south, east, north = parcels.to_crs(settings.web_crs).total_bounds
    return [[south, west], [north, east]]


def _including(bounds: list[list[float]], point: list[float] | None) -> list[list[float]]:
    """``bounds`` grown to hold ``point`` (latitude, longitude), if there is one."""
    if point is None:
        return bounds
    (south, west), (north, east) = bounds
    lat, lon = point
    return [[min(south, lat), min(west, lon)], [max(north, lat), max(east, lon)]]


def municipality_map(parcels, gemeente: str, **kwargs) -> MapPage:
    """:func:`overview_map` of one municipality's parcels, zoomed to them: of a
    :class:`terreinen.study.Study` (its slice: nothing computed again), or of parcels with
    the same keywords as :func:`overview_map`."""
    study_options = ("agreements", "regions", "history", "as_of")
    if not isinstance(parcels, Study):
        parcels = _as_study(parcels, **{k: kwargs.pop(k, None) for k in study_options})
    kwargs.setdefault("title", f"Bedrijventerreinen {gemeente}")
    return overview_map(parcels.for_gemeente(gemeente), **kwargs)


def find_map(
    found: gpd.GeoDataFrame,
    parcels,
    *,
    point: shapely.Point | None = None,
    radius_km: float | None = None,
    criteria: dict | None = None,
    title: str | None = None,
    **kwargs,
) -> MapPage:
    """The matches of :func:`terreinen.matching.find_parcels` on the map: numbered best
    first, a combination of adjacent parcels outlined as one offer, with the search
    ``point`` (in the parcels' coordinate system) and the circle of ``radius_km``. The
    title states the ``criteria`` (the keywords given to ``find_parcels``) unless
    ``title`` is given."""
    if title is None:
        title = criteria_title(criteria or {})
    study = _as_study(
        parcels, **{k: kwargs.pop(k, None) for k in ("agreements", "regions", "history", "as_of")}
    )
    if found.empty:
        raise TerreinenNotFoundError(t("no parcels match, so there is no map to write"))
    ids = set("+".join(found["kavel_id"].astype(str)).split("+"))
    shown = study.subset(study.parcels["kavel_id"].astype(str).isin(ids))
    parcels = study.parcels
    extra = found_data(found.to_crs(parcels.crs))
    extra["point"], extra["radius"] = None, None
    if point is not None:
        lonlat = gpd.GeoSeries([point], crs=parcels.crs).to_crs(settings.web_crs).iloc[0]
        extra["point"] = [round(lonlat.y, 6), round(lonlat.x, 6)]
        extra["radius"] = None if radius_km is None else radius_km * 1000
    m = kwargs.pop("m", None)  # a folium map gets the finished page, matches included
    page = overview_map(shown, title=title, **kwargs)
    page.data["found"] = extra
    page.data["bounds"] = _including(page.data["bounds"], extra["point"])
    return page if m is None else page.to_folium(m)


def criteria_title(criteria: dict) -> str:
    """A find map's title that states the search: ``min_ha``, ``max_ha``,
    ``milieucategorie``, ``segment``, ``near`` with ``radius_km``, ``hard_only``,
    ``without_option``.

    >>> criteria_title({"min_ha": 2.5, "near": "Hardenberg", "radius_km": 15})
    'Gevonden kavels: vanaf 2,5 ha, binnen 15 km van Hardenberg'
    """

    def number(value) -> str:
        return format_decimal(value, locale="nl_NL")

    parts = []
    if criteria.get("min_ha") is not None:
        parts.append(f"vanaf {number(criteria['min_ha'])} ha")
    if criteria.get("max_ha") is not None:
        parts.append(f"tot {number(criteria['max_ha'])} ha")
    if criteria.get("milieucategorie") is not None:
        parts.append(f"milieucategorie {criteria['milieucategorie']} of hoger")
    if criteria.get("segment") is not None:
        parts.append(f"segment {criteria['segment']}")
    if criteria.get("near") is not None:
        radius = criteria.get("radius_km")
        near = criteria["near"]
        parts.append(f"binnen {number(radius)} km van {near}" if radius else f"bij {near}")
    if criteria.get("hard_only"):
        parts.append("alleen harde plancapaciteit")
    if criteria.get("without_option"):
        parts.append("zonder kavels onder optie")
    return "Gevonden kavels" + (": " + ", ".join(parts) if parts else "")


def save_map(
    page: MapPage, path: str | Path, *, offline: bool = True, assets: str | Path | None = None
) -> Path:
    """Write the map as one HTML file, atomically (see :meth:`MapPage.render`). With
    ``assets`` (a folder, relative to the current directory like ``path``) the styles and
    scripts are written there as :data:`ASSET_FILES` and the page links them."""
    path = Path(path)
    href = None
    if assets is not None:
        href = Path(os.path.relpath(Path(assets).resolve(), path.resolve().parent)).as_posix()
    text = page.render(offline=offline, assets=href)
    with atomic_path(path) as tmp:  # checks the page's folder before any asset is written
        if assets is not None:
            _write_assets(Path(assets))
        tmp.write_text(text, encoding="utf-8")
    return path


def _write_assets(folder: Path) -> None:
    """:data:`ASSET_FILES` into ``folder`` (made when its parent exists), each atomically."""
    if not folder.is_dir():
        try:
            folder.mkdir()
        except OSError as exc:
            raise TerreinenWriteError(
                t("{path}: cannot create the folder ({why})", path=folder, why=exc.strerror)
            ) from None
    for name, text in _assets().items():
        write_atomically(folder / name, text)
