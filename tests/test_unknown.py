"""Unknown is not zero (issue 12, item 2): figures the data cannot support are NaN / empty /
null / "–" with the reason, also in totals over a mix of known and unknown."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import cli, frame, parcel, rect

from terreinen import settings
from terreinen.capacity import capacity
from terreinen.figures import UNKNOWN
from terreinen.i18n import t
from terreinen.io.files import read_parcels
from terreinen.io.ibis import ibis_to_parcels

AS_OF = "2026-01-01"


def _park_table(**extra) -> pd.DataFrame:
    """One park, 10 ha gross, 8 ha net, as text in m²."""
    row = {
        "RIN_NUMMER": "5",
        "PLAN_NAAM": "Park",
        "GEMEENTE": "Emmen",
        "PROVINCIE": "Drenthe",
        "OPPBRUTO": "100000",
        "OPPNETTO": "80000",
    }
    row.update(extra)
    return pd.DataFrame([row])


def _sold_parcels(**fields):
    """Assen: 1 ha unsold (hard), 2 ha sold in 2020."""
    return frame(
        [
            parcel("A", rect(0, 0, 100, 100), **fields),
            parcel("B", rect(100, 0, 200, 100), status="uitgegeven", **fields),
        ]
    )


def test_sales_unknown_without_status():
    parcels, report = ibis_to_parcels(_park_table(), "parks.csv")
    assert report.ok
    table = capacity(parcels, "gemeente", as_of=AS_OF)
    emmen = table.iloc[0]
    assert emmen["bruto_ha"] == pytest.approx(10.0) and emmen["netto_ha"] == pytest.approx(8.0)
    for column in ("uitgegeven_ha", "terstond_ha", "optie_ha", "hard_ha", "voorraad_jaren_hard"):
        assert np.isnan(emmen[column])
        assert "no status" in table.attrs["onbekend"][column]


def test_hard_soft_unknown_without_plan_phase():
    # sale figures, but no ZACHTE_PLANCAPACITEIT: unsold land in an unknown plan phase
    parks = _park_table(UITGEGEVEN="5", TERSTOND_UITGEEFBAAR="3", NIET_TERSTOND_UITGEEFBAAR="0")
    parcels, report = ibis_to_parcels(parks, "parks.csv")
    assert report.ok
    table = capacity(parcels, "gemeente", as_of=AS_OF)
    emmen = table.iloc[0]
    assert emmen["uitgegeven_ha"] == pytest.approx(5.0)
    assert emmen["terstond_ha"] == pytest.approx(3.0)
    assert np.isnan(emmen["hard_ha"]) and np.isnan(emmen["zacht_ha"])
    assert table.attrs["onbekend"]["hard_ha"] == "the data hold no plan phase"
    assert "uitgegeven_ha" not in table.attrs["onbekend"]


def test_takeup_unknown_without_sale_dates():
    parcels = read_parcels(_sold_parcels())  # no uitgiftedatum column at all
    table = capacity(parcels, "gemeente", as_of=AS_OF)
    assen = table.iloc[0]
    assert assen["uitgegeven_ha"] == pytest.approx(2.0)
    assert assen["hard_ha"] == pytest.approx(1.0)
    assert np.isnan(assen["uitgifte_ha_per_jaar"]) and np.isnan(assen["voorraad_jaren_hard"])
    assert "no sale dates" in table.attrs["onbekend"]["uitgifte_ha_per_jaar"]


def test_takeup_known_with_dates():
    parcels = read_parcels(_sold_parcels(uitgiftedatum="2020-03-01"))
    table = capacity(parcels, "gemeente", as_of=AS_OF)
    assert table.loc[0, "uitgifte_ha_per_jaar"] == pytest.approx(0.2)  # 2 ha / 10 years
    assert table.attrs["onbekend"] == {}


def test_total_over_a_mix_says_so():
    known = read_parcels(_sold_parcels(uitgiftedatum="2020-03-01"))
    unknown, _ = ibis_to_parcels(_park_table(), "parks.csv")
    mixed = pd.concat([known, unknown], ignore_index=True)
    table = capacity(mixed, "gemeente", as_of=AS_OF).set_index("gebied")
    assert table.loc["Assen", "hard_ha"] == pytest.approx(1.0)
    assert np.isnan(table.loc["Emmen", "hard_ha"])
    assert np.isnan(table.loc["Totaal", "hard_ha"])
    assert table.loc["Totaal", "bruto_ha"] == pytest.approx(3.0 + 10.0)
    assert "for 1 of 2 areas, so the total is unknown too" in table.attrs["onbekend"]["hard_ha"]


def test_screen_csv_json(tmp_path):
    path = tmp_path / "parks.csv"
    _park_table().to_csv(path, index=False)
    screen = cli("capacity", path, "--as-of", AS_OF, env={"COLUMNS": "100"})
    assert screen.exit_code == 0, screen.stderr
    total = next(line for line in screen.stdout.splitlines() if line.startswith("Totaal"))
    assert total.split()[1:] == ["10.00", "–", "–", "–", "–", "–"]
    assert "– unknown: " in screen.stdout and "no status" in screen.stdout
    csv = cli("capacity", path, "--as-of", AS_OF, "--format", "csv", "--csv", "international")
    rows = pd.read_csv(pd.io.common.StringIO(csv.stdout), dtype=str, keep_default_na=False)
    assert rows.loc[0, "hard_ha"] == "" and rows.loc[0, "bruto_ha"] == "10.0"
    out = tmp_path / "cap.json"
    assert cli("capacity", path, "--as-of", AS_OF, "-o", out, "--format", "json").exit_code == 0
    assert pd.read_json(out).loc[0, "hard_ha"] is None or np.isnan(
        pd.read_json(out).loc[0, "hard_ha"]
    )
    assert '"hard_ha":null' in out.read_text().replace(" ", "")


def test_ibis_export_breakdown_and_map_keep_unknown(tmp_path):
    from terreinen.capacity import breakdown
    from terreinen.io.ibis import to_ibis
    from terreinen.maps import STATES, overview_map, parcel_states, save_map

    parcels, _ = ibis_to_parcels(_park_table(), "parks.csv")
    parcels = parcels.set_geometry([rect(0, 0, 100, 100)] * len(parcels), crs="EPSG:28992")
    parks = to_ibis(parcels, as_of=AS_OF)
    assert parks.loc[0, "OPPBRUTO"] == pytest.approx(100_000)
    for column in ("UITGEGEVEN", "TERSTOND_UITGEEFBAAR", "ZACHTE_PLANCAPACITEIT"):
        assert np.isnan(parks.loc[0, column]), column
    assert parks.loc[0, "MAX_MILIEUCATEGORIE"] is None  # not 6 made up from nothing
    split = breakdown(parcels, "milieucategorie")
    assert split["hard_ha"].isna().all() and "hard_ha" in split.attrs["onbekend"]
    states = [STATES[s] for s in parcel_states(parcels, as_of=AS_OF)]
    assert sorted(states) == ["Niet uitgeefbaar (wegen, groen)", "Status onbekend"]
    page = save_map(overview_map(parcels, as_of=AS_OF), tmp_path / "map.html")
    assert "Status onbekend" in page.read_text(encoding="utf-8")


def test_why_a_figure_is_unknown_is_said_in_dutch(monkeypatch):
    """Every cause of an unknown figure has its Dutch words, and the table says them."""
    for why, _ in UNKNOWN.values():
        assert t(why, lang="nl") != why
    known = read_parcels(_sold_parcels(uitgiftedatum="2020-03-01"))
    unknown, _ = ibis_to_parcels(_park_table(), "parks.csv")
    monkeypatch.setattr(settings, "language", "nl")
    table = capacity(pd.concat([known, unknown], ignore_index=True), "gemeente", as_of=AS_OF)
    said = table.attrs["onbekend"]["hard_ha"]
    assert said.startswith("de gegevens bevatten geen status (uitgiftecijfers) voor 1 van de 2")
    assert said.endswith("dus ook het totaal is onbekend")
