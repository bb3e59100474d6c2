"""The map for analysts: terreinen's layers on a folium map they extend, safe by
construction (issue 23, item 4)."""

from __future__ import annotations

import sys

import folium
import pytest
from browser import open_map, page_data, popup_text
from conftest import AS_OF, build, frame, parcel, rect
from hypothesis import HealthCheck, given, settings
from test_map_security import hostile_text

from terreinen import TerreinenError, read_parcels
from terreinen.maps import overview_map


def _parks(parcels) -> list[list[str]]:
    pairs = parcels[["gemeente", "terrein"]].drop_duplicates().astype(str).to_numpy()
    return sorted(map(list, pairs))


def test_an_analyst_adds_a_marker_a_layer_control_and_explore(browser, tmp_path):
    parcels = build()
    m = overview_map(parcels, as_of=AS_OF).to_folium()
    assert isinstance(m, folium.Map)
    folium.Marker([53.0, 6.56], tooltip="Zelf toegevoegd").add_to(m)
    parcels.explore(m=m, name="Eigen laag", tooltip=False, popup=False)
    folium.LayerControl().add_to(m)
    m.fit_bounds([[52.99, 6.55], [53.01, 6.58]])
    path = tmp_path / "analyse.html"
    m.save(path)
    text = path.read_text(encoding="utf-8")
    assert "cdn." not in text and "<link" not in text  # offline: no CDN, no jQuery
    opened = open_map(browser, path)
    assert opened.errors == [] and opened.dialogs == []
    assert all(u.startswith("https://service.pdok.nl/") for u in opened.blocked)
    assert sorted(opened.js("terreinenMap.parks()")) == _parks(parcels)
    assert opened.js(f"terreinenMap.map === window[{m.get_name()!r}]")
    overlays = opened.js(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(l => l.textContent.trim())"
    )
    assert "Eigen laag" in overlays
    assert opened.js("document.querySelectorAll('.leaflet-marker-icon').length") == 1
    rows = opened.js("document.querySelectorAll('#tr-municipality-table tbody tr').length")
    assert rows == parcels["gemeente"].nunique()
    opened.close()


def test_overview_map_on_the_analyst_s_own_map(tmp_path):
    mine = folium.Map(location=[52.7, 6.5], zoom_start=9, tiles=None)
    assert overview_map(build(), as_of=AS_OF, m=mine) is mine
    text = mine.get_root().render()
    assert text.count("leaflet.js") == 1  # folium's own Leaflet, not a second copy
    data = page_data(text)
    assert data["map"] == mine.get_name() and data["tiles"] == []


def test_a_page_without_m_is_still_a_page():
    page = overview_map(build(), as_of=AS_OF)
    assert not isinstance(page, folium.Map) and page.render().startswith("<!DOCTYPE html>")


def test_a_park_name_runs_no_command_through_folium(tmp_path):
    marker = tmp_path / "ran"
    name = (
        f"Park {{{{ lipsum.__globals__.os.system('touch {marker}') }}}} {{% if 1 %}}x{{% endif %}}"
    )
    parcels = read_parcels(frame([parcel("A1", rect(0, 0, 100, 100), terrein=name)]))
    m = overview_map(parcels, title=name).to_folium()
    folium.Marker([53.0, 6.56], tooltip="eigen").add_to(m)
    text = m.get_root().render()
    assert not marker.exists()
    assert page_data(text)["parks"]["name"] == [name]
    assert "<title>Park {{ lipsum.__globals__.os.system(&#x27;touch " in text


_opened: list = []  # the first two examples are also opened in Chromium


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(terrein=hostile_text, note=hostile_text, column=hostile_text, extra=hostile_text)
def test_any_text_comes_back_literally_through_folium(
    browser, tmp_path, terrein, note, column, extra
):
    column = "x_" + column  # never one of the contract's names or aliases
    rows = [
        parcel("A1", rect(0, 0, 100, 100), terrein=terrein, opmerking=note, **{column: extra}),
        parcel("A2", rect(120, 0, 100, 100), terrein=terrein, **{column: extra}),
    ]
    m = overview_map(read_parcels(frame(rows)), title=terrein).to_folium()
    folium.LayerControl().add_to(m)
    path = tmp_path / "f.html"
    m.save(path)
    data = page_data(path.read_text(encoding="utf-8"))
    assert data["title"] == terrein and data["parks"]["name"] == [terrein]
    assert data["parcels"]["notes"] == [note, ""]
    assert data["parcels"]["extra"] == {"names": [column], "values": [[extra, extra]]}
    if len(_opened) < 2:
        _opened.append(path)
        opened = open_map(browser, path)
        assert opened.js("document.querySelector('h1').textContent") == terrein
        assert opened.js("document.querySelector('title').textContent") == terrein
        opened.js("void terreinenMap.parcelLayer('A1').openPopup()")
        shown = popup_text(opened)
        assert note in shown and column in shown and extra in shown
        assert opened.dialogs == [] and opened.errors == []
        opened.close()


def test_without_folium_the_message_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "folium", None)
    monkeypatch.delitem(sys.modules, "terreinen.maps.folium_map", raising=False)
    with pytest.raises(TerreinenError, match=r'pip install "terreinen\[folium\]"'):
        overview_map(build(), as_of=AS_OF).to_folium()
