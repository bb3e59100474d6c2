"""Geography without tiles: the CBS province and municipality outlines as a light base
layer, always on, credited (issue 23, item 2)."""

from __future__ import annotations

import shapely
from browser import open_map
from test_maps import AS_OF

from terreinen.io import cbs
from terreinen.maps import municipality_map


def test_outlines_around_the_data(browser, plain_overview, plain_overview_file, embedded):
    context = plain_overview.data["context"]
    assert set(embedded["gemeente"]) <= set(context["municipalities"]["name"])
    assert {"Drenthe", "Overijssel"} <= set(context["provinces"]["name"])
    assert "Zeeland" not in context["provinces"]["name"]  # far away: left out
    opened = open_map(browser, plain_overview_file)
    drawn = opened.js("terreinenMap.contextCount()")
    assert drawn == len(context["municipalities"]["name"]) + len(context["provinces"]["name"])
    credit = opened.page.locator(".leaflet-control-attribution").inner_text()
    assert cbs.ATTRIBUTION in credit
    assert opened.errors == []
    opened.close()


def test_a_municipality_map_gets_its_neighbours(embedded):
    context = municipality_map(embedded, "Hardenberg", as_of=AS_OF).data["context"]
    names = set(context["municipalities"]["name"])
    outline = cbs.municipalities().set_index("gemeente").geometry
    neighbours = set(outline.index[outline.touches(outline["Hardenberg"])])
    assert {"Hardenberg", *neighbours} <= names
    far = outline.distance(shapely.box(*embedded[embedded.gemeente == "Hardenberg"].total_bounds))
    assert not names & set(far.index[far > 20_000])  # nothing far beyond the margin
    # the outlines keep their shape: the encoded polygons are those of CBS, simplified
    assert len(context["municipalities"]["geometry"]["parts"]) == len(names)
