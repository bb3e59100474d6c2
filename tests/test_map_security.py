"""Data never becomes code on a map page: no template engine sees it, no script runs from it,
and every text comes back literally (issue 10, item 1)."""

from __future__ import annotations

import csv
import json

import pandas as pd
from browser import open_map, page_data, popup_text
from conftest import DATA, frame, parcel, rect
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terreinen import read_parcels
from terreinen.maps import municipality_map, overview_map, save_map
from terreinen.maps.page import script_json

ALERT_NOTE = "{{ '</script><script>alert(1)</script>' }}"
COMMENT_NOTE = "{# the rest of this note {{ and more"
AGREEMENT_ID = "DR-{{ 6*7 }}-2"


def _parcels(**fields):
    return read_parcels(
        frame(
            [
                parcel("A1", rect(0, 0, 100, 100), **fields),
                parcel("A2", rect(120, 0, 100, 100), opmerking="buurman"),
            ]
        )
    )


def test_a_park_name_runs_no_shell_command(tmp_path):
    marker = tmp_path / "x"
    name = f"Park {{{{ lipsum.__globals__.os.system('id > {marker}') }}}}"
    page = save_map(overview_map(_parcels(terrein=name), title=name), tmp_path / "m.html")
    assert not marker.exists()
    text = page.read_text(encoding="utf-8")
    assert name in page_data(text)["parks"]["name"]
    assert "<title>Park {{ lipsum.__globals__.os.system(&#x27;id &gt; " in text


def test_a_note_or_title_plants_no_script(browser, tmp_path):
    title = "</title><script>alert(2)</script> A & B <i>"
    page = save_map(overview_map(_parcels(opmerking=ALERT_NOTE), title=title), tmp_path / "m.html")
    assert "</script><script>alert" not in page.read_text(encoding="utf-8")
    opened = open_map(browser, page)
    opened.js("void terreinenMap.parcelLayer('A1').openPopup()")
    assert ALERT_NOTE in popup_text(opened)
    assert opened.js("document.title") == title
    assert opened.js("document.querySelector('h1').textContent") == title
    assert opened.js("document.querySelectorAll('i').length") == 0
    assert opened.dialogs == [] and opened.errors == []
    opened.close()


def test_a_comment_opener_neither_breaks_nor_swallows(tmp_path):
    page = save_map(overview_map(_parcels(opmerking=COMMENT_NOTE)), tmp_path / "m.html")
    notes = page_data(page.read_text(encoding="utf-8"))["parcels"]["notes"]
    assert notes == [COMMENT_NOTE, "buurman"]


def test_an_agreement_id_stays_literal(browser, tmp_path, embedded):
    agreements = pd.read_csv(DATA / "agreements.csv", dtype=str)
    agreements = agreements[agreements["gebied"] == "Hardenberg"]
    agreements.loc[agreements["afspraak_id"] == "WO-2019-1", "afspraak_id"] = AGREEMENT_ID
    agreements.to_csv(tmp_path / "agreements.csv", index=False)
    m = municipality_map(embedded, "Hardenberg", agreements=tmp_path / "agreements.csv")
    page = save_map(m, tmp_path / "m.html")
    opened = open_map(browser, page)
    opened.page.locator("#tr-layers input[type=checkbox]").check()
    opened.js("void terreinenMap.municipalities.getLayers()[0].openPopup()")
    lines = popup_text(opened)
    assert any(line.startswith(AGREEMENT_ID + " Hardenberg") for line in lines)
    assert not any("DR-42-2" in line for line in lines)
    opened.close()


@given(st.text())
def test_script_json_keeps_the_text_and_leaves_the_script_element_closed(text):
    encoded = script_json({"t": text})
    assert not any(c in encoded for c in "<>&\u2028\u2029")
    assert json.loads(encoded) == {"t": text}


HOSTILE = [
    "{{ 7*7 }}",
    "{% for x in y %}",
    "{#",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!--",
    "${alert(1)}",
    "`alert(1)`",
    "\u2028\u2029",
    "[/red][link=https://x]y",
    "=HYPERLINK(1)",
    "\t\x01\x1f\x7f",
    "'\"&amp;",
]
_no_nul = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
# a visible letter at each end: the reader strips surrounding white space, by contract
hostile_text = st.builds(
    lambda a, core, b: a + core + b,
    st.sampled_from("abcXYZé"),
    st.one_of(st.sampled_from(HOSTILE), st.text(_no_nul, max_size=30)),
    st.sampled_from("qrs€k"),
)
_opened = []  # the first two examples are also opened in Chromium


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    terrein=hostile_text,
    gemeente=hostile_text,
    kavel_id=hostile_text,
    note=hostile_text,
    extra=hostile_text,
    column=hostile_text,
    agreement_id=hostile_text,
)
def test_any_text_comes_back_literally(
    browser, tmp_path, terrein, gemeente, kavel_id, note, extra, column, agreement_id
):
    column = "x_" + column  # never one of the contract's names or aliases
    parcels = read_parcels(
        frame(
            [
                parcel(
                    kavel_id,
                    rect(0, 0, 100, 100),
                    terrein=terrein,
                    gemeente=gemeente,
                    opmerking=note,
                    **{column: extra},
                ),
                parcel(
                    kavel_id + "2",
                    rect(120, 0, 100, 100),
                    terrein=terrein,
                    gemeente=gemeente,
                    **{column: extra},
                ),
            ]
        )
    )
    agreements = pd.DataFrame(
        {
            "afspraak_id": [agreement_id],
            "gebied": [gemeente],
            "niveau": ["gemeente"],
            "segment": ["gemengd"],
            "plancapaciteit": ["hard"],
            "max_ha": ["1"],
            "periode_start": ["2020-01-01"],
            "periode_eind": ["2030-12-31"],
        }
    )
    agreements.to_csv(tmp_path / "a.csv", index=False, quoting=csv.QUOTE_ALL)  # a CR too
    page = save_map(
        overview_map(parcels, agreements=tmp_path / "a.csv", title=terrein), tmp_path / "m.html"
    )
    data = page_data(page.read_text(encoding="utf-8"))
    assert data["parks"]["name"] == [terrein] and data["parks"]["gemeente"] == [gemeente]
    assert data["parcels"]["id"] == [kavel_id, kavel_id + "2"]
    assert data["parcels"]["notes"] == [note, ""]
    assert data["parcels"]["extra"] == {"names": [column], "values": [[extra, extra]]}
    assert data["municipalities"]["agreements"][0][0]["id"] == agreement_id
    if len(_opened) < 2:
        _opened.append(page)
        opened = open_map(browser, page)
        assert opened.js("document.querySelector('h1').textContent") == terrein
        cells = opened.js(
            "Array.from(document.querySelectorAll('#tr-park-table td')).map(c => c.textContent)"
        )
        assert cells[:2] == [terrein, gemeente]
        opened.js("id => void terreinenMap.parcelLayer(id).openPopup()", kavel_id)
        shown = popup_text(opened)
        assert f"Kavel {kavel_id}" in shown and note in shown
        assert column in shown and extra in shown
        opened.js("void terreinenMap.map.closePopup()")
        opened.page.locator("#tr-layers input[type=checkbox]").check()
        opened.js("void terreinenMap.municipalities.getLayers()[0].openPopup()")
        assert any(line.startswith(agreement_id + " " + gemeente) for line in popup_text(opened))
        assert opened.dialogs == [] and opened.errors == []
        opened.close()
