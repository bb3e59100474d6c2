"""Zoomed in, only the parcels near the view are drawn, so zooming in stays quick at
100,000 parcels (issue 23, item 6; the timing is in benchmarks/zoom.py)."""

from __future__ import annotations

from browser import open_map

EDGE = 1e-5  # degrees: the page's coordinates are rounded to 1e-6


def _near_view(boxes, view, shown) -> tuple[set, set]:
    """The parcels whose box meets ``view`` (south, west, north, east), and those too near
    its edge to say (rounding)."""
    s, w, n, e = view
    meets = (boxes.miny <= n) & (boxes.maxy >= s) & (boxes.minx <= e) & (boxes.maxx >= w)
    inner = (
        (boxes.miny <= n - EDGE) & (boxes.maxy >= s + EDGE)
        & (boxes.minx <= e - EDGE) & (boxes.maxx >= w + EDGE)
    )  # fmt: skip
    outer = (
        (boxes.miny <= n + EDGE) & (boxes.maxy >= s - EDGE)
        & (boxes.minx <= e + EDGE) & (boxes.maxx >= w - EDGE)
    )  # fmt: skip
    return set(boxes.index[meets & shown]), set(boxes.index[(outer & ~inner) & shown])


def test_only_the_parcels_near_the_view_are_drawn(browser, plain_overview_file, embedded):
    opened = open_map(browser, plain_overview_file)
    boxes = embedded.set_index(embedded["kavel_id"].astype(str)).geometry.to_crs(4326).bounds
    shown = boxes.index == boxes.index  # no filter yet
    assert opened.js("terreinenMap.drawnParcels().length") == 0  # province zoom: none
    previous = None
    for place in ("Heemserpoort", "Bargermeer"):
        opened.js("name => void terreinenMap.findPark(name)", place)
        opened.js("void terreinenMap.map.closePopup()")
        opened.page.wait_for_timeout(600)  # the popup's pan into view is animated
        assert opened.js("terreinenMap.map.getZoom()") >= 13
        view = opened.js(
            "(() => { const b = terreinenMap.map.getBounds().pad(0.25);"
            " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; })()"
        )
        drawn = set(opened.js("terreinenMap.drawnParcels()"))
        expected, unsure = _near_view(boxes, view, shown)
        assert drawn - unsure == expected - unsure and expected
        assert len(drawn) < len(embedded) // 4  # a small part of the data
        assert drawn != previous  # moving on: the parcels of the new view
        previous = drawn
    # a filter takes its parcels off the view too
    opened.page.locator(".tr-filters summary").click()
    segment = embedded.set_index(embedded["kavel_id"].astype(str))["segment"].astype(str)
    hidden = segment.loc[sorted(previous)].iloc[0]
    opened.page.locator("#tr-segments").get_by_label(hidden).uncheck()
    drawn = set(opened.js("terreinenMap.drawnParcels()"))
    assert drawn == {k for k in previous if segment[k] != hidden}
    assert opened.errors == []
    opened.close()
