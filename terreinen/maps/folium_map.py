"""The overview's layers on a folium map, for analysts who add their own layers.

branca compiles what an element's macros return as a new Jinja template when the figure
renders (``MacroElement.render`` wraps it in ``Element(text)``), so data text passed through
folium's own elements is template source: ``{{ ... }}`` in a park name would run. Nothing
from the data goes that way here. :class:`FinishedText` has no template: its ``render``
returns its text as it is, and the figure's template inserts that as a value, never parsing
it again. The page's head, body (side panel, tables, the JSON data block escaped as on the
page) and script go into the figure only through such elements.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import folium
from branca.element import Element, Figure, MacroElement

if TYPE_CHECKING:
    from terreinen.maps.page import MapPage

__all__ = ["FinishedText", "TerreinenLayers", "folium_map"]


class FinishedText(Element):
    """Finished HTML, CSS or JavaScript: rendered as it is, never compiled."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "FinishedText"
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class TerreinenLayers(MacroElement):
    """terreinen's map on a folium map: when the figure renders, its head, body and script
    go into the figure as :class:`FinishedText`, after the map's own script (which makes
    the Leaflet map the script draws on)."""

    def __init__(self, head: str, body: str, script: str):
        super().__init__()
        self._name = "TerreinenLayers"
        self._parts = {"header": head, "html": body, "script": script}

    def render(self, **kwargs) -> str:
        figure = self.get_root()
        for part, text in self._parts.items():
            getattr(figure, part).add_child(FinishedText(text), name=f"{self.get_name()}_{part}")
        return ""  # what it renders went into the figure


def folium_map(page: MapPage, m: folium.Map | None = None) -> folium.Map:
    """``page`` on ``m``, or on a new offline ``folium.Map`` (no CDN: Leaflet inlined,
    folium's jQuery/Bootstrap left out; the page's base tiles, its title escaped)."""
    own = m is None
    if m is None:
        m = folium.Map(tiles=None, prefer_canvas=True, zoom_control=True)
        m.default_js = []
        m.default_css = []
        figure = m.get_root()
        if isinstance(figure, Figure):
            figure.title = html.escape(page.title)  # branca writes the title unescaped
    layers = TerreinenLayers(
        page.head(leaflet=own),
        page.body(map_name=m.get_name(), tiles=own),
        page.script(),
    )
    m.add_child(layers, name="terreinen")
    return m
