"""Interactive maps: the provincial overview of business parks and parcels, one
municipality, and the matches of ``find``, each one self-contained HTML page.

The page is a fixed template (``templates/page.html``) with a few slots. The data goes in
after the template is complete, in one pass that never looks at what it inserts: as JSON
in a ``<script type="application/json">`` block that the page reads with ``JSON.parse``,
the title HTML-escaped. No text from the data ever reaches a template engine.
"""

from __future__ import annotations

import base64
import html
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import xstatic.pkg.leaflet as xleaflet
import xyzservices.providers as xyz

from terreinen import schema, settings
from terreinen.errors import TerreinenDataError, TerreinenNotFoundError, TerreinenOptionError
from terreinen.figures import AsOf
from terreinen.io.files import read_parcels
from terreinen.io.write import write_atomically
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
    encode_geometries,
    found_data,
    located,
    municipality_data,
    parcel_data,
    parcel_states,
    park_data,
)
from terreinen.report import Finding, ValidationReport
from terreinen.study import Study

__all__ = [
    "STATES",
    "MapPage",
    "encode_geometries",
    "find_map",
    "municipality_map",
    "overview_map",
    "parcel_states",
    "save_map",
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
    "notFound": "Geen terrein met die naam.",
    "lead": "Aanbod op bedrijventerreinen: hard en zacht, terstond en later. Peildatum",
    "dataDates": "zie de kolom ‘Gegevens van’ in de tabel met gemeenten",
    "moreInfo": "Meer informatie",
    "point": "Zoekpunt",
    "combination": "combinatie",
}
_SLOT = re.compile(r"<!--terreinen:(\w+)-->")
_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet"
DEFAULT_SOURCE = "kavelbestanden van de gemeenten"


def _tile_layers(tiles) -> list[dict]:
    if tiles == "default":
        tiles = [xyz.nlmaps.standaard, xyz.nlmaps.grijs, xyz.OpenStreetMap.Mapnik]
    layers = []
    for provider in tiles or []:
        name = provider.get("name", "tiles").replace("nlmaps.", "PDOK ")
        attribution = provider.get("html_attribution") or provider.get("attribution", "")
        layers.append({"name": name, "url": provider.build_url(), "attribution": attribution})
    return layers


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

    def inline(match: re.Match) -> str:
        image = base / "images" / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode()
        return f"url(data:image/png;base64,{encoded})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, (base / "leaflet.css").read_text("utf-8"))
    return script.replace("</script", "<\\/script"), css


def _template(name: str) -> str:
    return resources.files("terreinen.maps").joinpath("templates", name).read_text(encoding="utf-8")


class MapPage:
    """A finished map: its data and title. :meth:`render` gives the HTML page; in a
    notebook it shows itself (``_repr_html_``), :meth:`save` writes it."""

    def __init__(self, data: dict, title: str):
        self.data = data
        self.title = title

    def render(self, *, offline: bool = True) -> str:
        """The page. ``offline=True`` inlines Leaflet (no internet needed but for the base
        tiles); ``offline=False`` loads it from its CDN, for a smaller file."""
        if offline:
            script, css = _leaflet_assets()
            leaflet = f"<style>{css}</style><script>{script}</script>"
        else:
            leaflet = f'<link rel="stylesheet" href="{_CDN}.css"><script src="{_CDN}.js"></script>'
        slots = {
            "title": html.escape(self.title),
            "leaflet": leaflet,
            "css": _template("overview.css"),
            "data": script_json(self.data),
            "script": _template("overview.js"),
        }
        # one pass over the fixed template: inserted text is never scanned again
        return _SLOT.sub(lambda match: slots[match.group(1)], _template("page.html"))

    def save(self, path: str | Path, *, offline: bool = True) -> Path:
        return save_map(self, path, offline=offline)

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
    if url is not None and not re.match(r"https?://[^\s]+$", url):
        raise TerreinenOptionError(f"more_info_url must be an http(s) address, not {url!r}")
    return url


def overview_map(
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
    ``more_info_url`` link) are on the page. Base maps PDOK BRT-Achtergrondkaart and
    OpenStreetMap, or ``tiles`` (a list of xyzservices providers; None for none).
    ``map_kwds`` are Leaflet map options.

    >>> page = overview_map(read_parcels(get_path("parcels")))  # doctest: +SKIP
    >>> save_map(page, "maps/overview.html")  # doctest: +SKIP
    """
    study = _as_study(parcels, agreements=agreements, regions=regions, history=history, as_of=as_of)
    return _page(
        study,
        boundaries=boundaries,
        demand=demand,
        data_dates=data_dates,
        municipal_colour=municipal_colour,
        title=title,
        source=source,
        more_info_url=more_info_url,
        tiles=tiles,
        parcel_zoom=parcel_zoom,
        map_kwds=map_kwds,
    )


def _as_study(parcels, **options) -> Study:
    """A Study of ``parcels``; a Study as it is (its own options then hold: giving them
    again would say two things)."""
    if isinstance(parcels, Study):
        given = sorted(name for name, value in options.items() if value is not None)
        if given:
            raise TerreinenOptionError(
                f"{', '.join(given)}: the study holds these already; give them to the Study"
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


def _page(
    study: Study,
    *,
    boundaries=None,
    demand=None,
    data_dates=None,
    municipal_colour: str = "afspraken",
    title: str,
    source: str = DEFAULT_SOURCE,
    more_info_url: str | None = None,
    tiles="default",
    parcel_zoom: int = 13,
    map_kwds: dict | None = None,
    found: dict | None = None,
) -> MapPage:
    """The page's data; ``found`` are the matches of a search (see :func:`find_map`)."""
    if municipal_colour not in ("afspraken", "oordeel"):
        raise TerreinenOptionError(
            f"municipal_colour {municipal_colour!r}: choose 'afspraken' or 'oordeel'"
        )
    if municipal_colour == "oordeel" and demand is None:
        raise TerreinenOptionError("municipal_colour='oordeel' needs demand= (terreinen.demand)")
    drawn = _drawable(study)
    parcels = drawn.parcels
    date = study.as_of
    parks, park_of = park_data(drawn)
    data = {
        "title": title,
        "text": _TEXT,
        "asOf": date.strftime("%Y-%m-%d"),
        "source": source,
        "moreInfo": _checked_url(more_info_url),
        "takeupYears": study.takeup_years,
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
        "bounds": _bounds(parcels, found),
        "parks": parks,
        "parcels": parcel_data(drawn, park_of),
        "municipalities": municipality_data(
            study, drawn, boundaries=boundaries, demand=demand, data_dates=data_dates
        ),
        "found": found,
    }
    return MapPage(data, title)


def _bounds(parcels: gpd.GeoDataFrame, found: dict | None) -> list[list[float]]:
    """South-west and north-east corners of the parcels, and of a search point."""
    west, south, east, north = parcels.to_crs(settings.web_crs).total_bounds
    if found and found["point"]:
        lat, lon = found["point"]
        west, south, east, north = min(west, lon), min(south, lat), max(east, lon), max(north, lat)
    return [[south, west], [north, east]]


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
    title: str = "Gevonden kavels",
    **kwargs,
) -> MapPage:
    """The matches of :func:`terreinen.matching.find_parcels` on the map: numbered best
    first, a combination of adjacent parcels outlined as one offer, with the search
    ``point`` (in the parcels' coordinate system) and the circle of ``radius_km``."""
    study = _as_study(
        parcels, **{k: kwargs.pop(k, None) for k in ("agreements", "regions", "history", "as_of")}
    )
    if found.empty:
        raise TerreinenNotFoundError("no parcels match, so there is no map to write")
    ids = set("+".join(found["kavel_id"].astype(str)).split("+"))
    shown = study.subset(study.parcels["kavel_id"].astype(str).isin(ids))
    parcels = study.parcels
    extra = found_data(found.to_crs(parcels.crs))
    extra["point"], extra["radius"] = None, None
    if point is not None:
        lonlat = gpd.GeoSeries([point], crs=parcels.crs).to_crs(settings.web_crs).iloc[0]
        extra["point"] = [round(lonlat.y, 6), round(lonlat.x, 6)]
        extra["radius"] = None if radius_km is None else radius_km * 1000
    return _page(shown, title=title, found=extra, **kwargs)


def save_map(page: MapPage, path: str | Path, *, offline: bool = True) -> Path:
    """Write the map as one HTML file, atomically (see :meth:`MapPage.render`)."""
    text = page.render(offline=offline)
    return write_atomically(path, text)
