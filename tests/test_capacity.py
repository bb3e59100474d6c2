"""terreinen.capacity: every DATA_MODEL figure on a hand-built fixture, worked out by hand,
and properties that hold for any parcels."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import AS_OF, COLUMNS, EXPECTED, REGIONS, frame, parcel, rect
from hypothesis import HealthCheck, given, settings

from terreinen import read_parcels
from terreinen.capacity import breakdown, capacity, takeup
from terreinen.io.ibis import ibis_to_parcels


@pytest.fixture(scope="module")
def parcels(hand_worked):
    return hand_worked


def _as_dict(table: pd.DataFrame, key="gebied") -> dict:
    return {row[key]: [row[c] for c in COLUMNS] for _, row in table.iterrows()}


def test_capacity_per_municipality(parcels):
    table = capacity(parcels, "gemeente", as_of=AS_OF)
    assert list(table.columns) == ["gebied", *COLUMNS]
    got = _as_dict(table)
    assert list(got) == list(EXPECTED)
    for area, expected in EXPECTED.items():
        np.testing.assert_allclose(got[area], expected, rtol=1e-9, atol=1e-9, err_msg=area)


def test_as_of_after_the_late_sale(parcels):
    assen = _as_dict(capacity(parcels, "gemeente", as_of="2026-11-01"))["Assen"]
    # G (4 ha) is sold by then: uitgegeven 3.5 + 4, terstond and hard 4 less, largest B (2 ha)
    np.testing.assert_allclose(
        assen, [7, 11.2, 11.0, 7.5, 0.5, 1.0, 2.0, 3.0, 0.5, 2.0, 0.3, 10.0], rtol=1e-9
    )


def test_as_of_in_the_past_restates_sales(parcels):
    assen = _as_dict(capacity(parcels, "gemeente", as_of="2015-01-01"))["Assen"]
    # D (2020) unsold then; take-up window 2005-2014 holds only E (0.5 ha): 0.05 ha a year
    assert assen[COLUMNS.index("uitgegeven_ha")] == pytest.approx(0.5)
    assert assen[COLUMNS.index("hard_ha")] == pytest.approx(10.0)
    assert assen[COLUMNS.index("uitgifte_ha_per_jaar")] == pytest.approx(0.05)


def test_takeup_years_option(parcels):
    total = _as_dict(capacity(parcels, "provincie", as_of=AS_OF, takeup_years=5))["Totaal"]
    # 2021-2025: only I (1 ha) -> 0.2 ha a year
    assert total[COLUMNS.index("uitgifte_ha_per_jaar")] == pytest.approx(0.2)


def test_regions_count_a_municipality_in_each_and_the_total_once(parcels):
    got = _as_dict(capacity(parcels, "regio", as_of=AS_OF, regions=REGIONS))
    assert list(got) == ["R1", "R2", "R3", "Totaal"]
    bruto = COLUMNS.index("bruto_ha")
    assert got["R1"][bruto] == pytest.approx(11.2 + 2.5)
    assert got["R2"][bruto] == pytest.approx(2.5 + 1.8)
    assert got["R3"][bruto] == pytest.approx(1.25)
    assert got["Totaal"][bruto] == pytest.approx(16.75)


def test_municipality_missing_from_region_table(parcels):
    got = _as_dict(capacity(parcels, "regio", as_of=AS_OF, regions=REGIONS.iloc[:2]))
    assert got["(geen regio)"][COLUMNS.index("bruto_ha")] == pytest.approx(1.8 + 1.25)


def test_regio_without_table_is_explained(parcels):
    with pytest.raises(ValueError, match="municipality/region table"):
        capacity(parcels, "regio")


def test_several_levels(parcels):
    table = capacity(parcels, ["provincie", "gemeente"], as_of=AS_OF)
    assert list(table.columns[:2]) == ["provincie", "gemeente"]
    assert table[["provincie", "gemeente"]].values.tolist() == [
        ["Drenthe", "Assen"],
        ["Drenthe", "Coevorden"],
        ["Drenthe", "Emmen"],
        ["Overijssel", "Hardenberg"],
        ["Totaal", ""],
    ]


def test_per_park_and_province(parcels):
    provinces = _as_dict(capacity(parcels, "provincie", as_of=AS_OF))
    hard = COLUMNS.index("hard_ha")
    assert provinces["Drenthe"][hard] == pytest.approx(8.05)
    assert provinces["Overijssel"][hard] == 0
    parks = _as_dict(capacity(parcels, "terrein", as_of=AS_OF))
    assert parks["Park Assen"] == _as_dict(capacity(parcels, as_of=AS_OF))["Assen"]


@pytest.mark.parametrize(
    "by,expected",
    [
        # category: (unsold parcels, hard ha, soft ha)
        ("milieucategorie", {"2": (1, 0, 1.5), "3.1": (4, 3.05, 0.2), "4.2": (2, 5.0, 0), "5.1": (1, 0, 0.5)}),
        ("segment", {"logistiek": (2, 5.0, 0), "gemengd": (4, 3.05, 0.2), "zwaar": (1, 0, 0.5), "woon_werk": (1, 0, 1.5)}),
        ("eigenaar", {"gemeente": (5, 2.05, 2.0), "particulier": (3, 6.0, 0.2)}),
        (
            "grootteklasse",
            {"< 0.1 ha": (1, 0.05, 0), "0.1-0.25 ha": (1, 0, 0.2), "0.25-0.5 ha": (0, 0, 0),
             "0.5-1 ha": (1, 0, 0.5), ">= 1 ha": (5, 8.0, 1.5)},
        ),
    ],
)  # fmt: skip
def test_breakdowns(parcels, by, expected):
    table = breakdown(parcels, by, as_of=AS_OF).set_index(by)
    for category, (n, hard, soft) in expected.items():
        row = table.loc[category]
        assert (row["n_kavels"], row["hard_ha"], row["zacht_ha"]) == pytest.approx((n, hard, soft))
        assert row["onverkocht_ha"] == pytest.approx(hard + soft)
    others = table.drop(index=list(expected))
    assert (others[["n_kavels", "hard_ha", "zacht_ha"]] == 0).all().all()


def test_breakdown_lists_categories_in_their_order(parcels):
    table = breakdown(parcels, "milieucategorie", as_of=AS_OF)
    assert table["milieucategorie"].astype(str).tolist() == [
        "1", "2", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2", "5.3", "6",
    ]  # fmt: skip


def test_breakdown_per_municipality(parcels):
    table = breakdown(parcels, "milieucategorie", per="gemeente", as_of=AS_OF)
    row = table[(table["gemeente"] == "Assen") & (table["milieucategorie"] == "4.2")].iloc[0]
    assert row["hard_ha"] == pytest.approx(5.0)
    assert len(table) == 4 * 10


def test_takeup_history(parcels):
    history = takeup(parcels, "gemeente", as_of=AS_OF)
    assert history.index[0] == 2010 and history.index[-1] == 2026
    assert history.loc[2010, "Assen"] == pytest.approx(0.5)
    assert history.loc[2020, "Assen"] == pytest.approx(3.0)
    assert history.loc[2026, "Assen"] == 0  # G is sold after the as-of date
    assert history.loc[2015, "Hardenberg"] == pytest.approx(0.8)
    assert history.loc[2025, "Emmen"] == pytest.approx(1.0)
    assert history.loc[2016:2025, "Totaal"].sum() / 10 == pytest.approx(0.5)
    assert "Coevorden" in history.columns and history["Coevorden"].sum() == 0


def test_embedded_hardenberg_takeup_near_six(embedded):
    row = _as_dict(capacity(embedded, "gemeente", as_of="2026-01-01"))["Hardenberg"]
    assert row[COLUMNS.index("uitgifte_ha_per_jaar")] == pytest.approx(6, abs=1)


# --- properties ---------------------------------------------------------------------

parcel_rows = st.lists(
    st.tuples(
        st.sampled_from(["Assen", "Emmen", "Meppel"]),
        st.integers(5, 300),  # width m
        st.integers(5, 300),  # height m
        st.sampled_from(["terstond_uitgeefbaar", "niet_terstond_uitgeefbaar", "optie", "uitgegeven", "niet_uitgeefbaar"]),
        st.integers(1, 5),
        st.one_of(st.none(), st.dates(min_value=pd.Timestamp("2000-01-01").date(), max_value=pd.Timestamp("2025-12-31").date())),
    ),
    min_size=1,
    max_size=25,
)  # fmt: skip


def _random_parcels(rows):
    """The parcels in rows of at most 1.8 km around each municipality's point: 1.3 km
    from it at most, inside its outline."""
    built, x, y = [], -900.0, -900.0
    for i, (gemeente, w, h, status, phase, date) in enumerate(rows):
        if x + w > 900:
            x, y = -900.0, y + 301
        built.append(
            parcel(
                f"k{i}",
                rect(x, y, w, h, gemeente),
                gemeente=gemeente,
                status=status,
                planfase=phase,
                uitgiftedatum=date.isoformat() if date and status == "uitgegeven" else None,
            )
        )
        x += w + 1
    return frame(built)


SUMS = [c for c in COLUMNS if c not in ("grootste_kavel_ha", "voorraad_jaren_hard")]
hyp = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@hyp
@given(parcel_rows)
def test_property_partitions_and_totals(rows):
    parcels = read_parcels(_random_parcels(rows))
    table = capacity(parcels, "gemeente", as_of="2026-01-01").set_index("gebied")
    areas, total = table.drop(index="Totaal"), table.loc["Totaal"]
    unsold = areas["terstond_ha"] + areas["niet_terstond_ha"] + areas["optie_ha"]
    np.testing.assert_allclose(areas["hard_ha"] + areas["zacht_ha"], unsold, atol=1e-9)
    # an unknown figure (take-up without sale dates) leaves the total unknown too
    sums = areas[SUMS].sum(skipna=False)
    np.testing.assert_allclose(sums, total[SUMS].astype(float), rtol=1e-9, atol=1e-9)
    assert total["grootste_kavel_ha"] == pytest.approx(areas["grootste_kavel_ha"].max())


@hyp
@given(parcel_rows, st.data())
def test_property_splitting_a_parcel_changes_no_total(rows, data):
    original = _random_parcels(rows)
    index = data.draw(st.integers(0, len(original) - 1))
    cut = data.draw(st.floats(0.1, 0.9))
    geom = original.geometry.iloc[index]
    xmin, ymin, xmax, ymax = geom.bounds
    x = xmin + cut * (xmax - xmin)
    halves = original.iloc[[index, index]].copy()
    halves["kavel_id"] = ["left", "right"]
    halves.geometry = [shapely.box(xmin, ymin, x, ymax), shapely.box(x, ymin, xmax, ymax)]
    split = pd.concat([original.drop(index=original.index[index]), halves], ignore_index=True)
    before = capacity(read_parcels(original), "provincie", as_of="2026-01-01").set_index("gebied")
    after = capacity(read_parcels(split), "provincie", as_of="2026-01-01").set_index("gebied")
    sums = [c for c in SUMS if c != "n_kavels"]
    np.testing.assert_allclose(after[sums], before[sums], rtol=1e-9, atol=1e-9)


@hyp
@given(parcel_rows)
def test_property_reprojection_changes_no_area(rows):
    original = _random_parcels(rows)
    rd = read_parcels(original)["oppervlakte_ha"]
    wgs84 = read_parcels(original.to_crs(4326))["oppervlakte_ha"]
    np.testing.assert_allclose(wgs84, rd, rtol=1e-4)


def test_parcels_without_sale_dates(three_parcels):
    from terreinen.io.ibis import to_ibis

    unsold = read_parcels(
        three_parcels.drop(columns="uitgiftedatum").assign(
            status="terstond_uitgeefbaar", planfase=1
        )
    )
    assert "uitgiftedatum" not in unsold
    assert capacity(unsold, "gemeente", as_of=AS_OF)["hard_ha"].iloc[-1] == pytest.approx(3.5)
    assert takeup(unsold, as_of=AS_OF)["Totaal"].sum() == 0
    assert to_ibis(unsold, as_of=AS_OF)["UITGEGEVEN_JAAR"].iloc[0] == 0


def _park_table() -> pd.DataFrame:
    """Three parks by hand: Assen's A (20 ha unsold of category 4), Assen's B (all sold),
    Emmen's C (5 ha unsold of category 2); each becomes several records."""
    header = ("RIN_NUMMER", "PLAN_NAAM", "GEMEENTE", "PROVINCIE", "OPPBRUTO", "OPPNETTO")
    figures = ("UITGEGEVEN", "TERSTOND_UITGEEFBAAR", "NIET_TERSTOND_UITGEEFBAAR")
    rows = [
        ("1", "A", "Assen", "Drenthe", 500_000, 400_000, 20, 12, 8, 4),
        ("2", "B", "Assen", "Drenthe", 100_000, 80_000, 8, 0, 0, 4),
        ("3", "C", "Emmen", "Drenthe", 100_000, 90_000, 4, 5, 0, 2),
    ]
    frame = pd.DataFrame(rows, columns=[*header, *figures, "MAX_MILIEUCATEGORIE"])
    frame["ZACHTE_PLANCAPACITEIT"] = 0
    parcels, report = ibis_to_parcels(frame, "parks.csv")
    assert report.ok, report.findings
    return parcels


def test_a_park_table_counts_parks_not_records():
    parcels = _park_table()
    assert len(parcels) > 3  # parts of parks: issued, at once, later, not net
    table = capacity(parcels, "gemeente", as_of="2026-01-01").set_index("gebied")
    assert "n_kavels" not in table
    assert table["n_terreinen"].to_dict() == {"Assen": 2, "Emmen": 1, "Totaal": 3}
    assert table.loc["Assen", "bruto_ha"] == pytest.approx(60.0)
    by_park = capacity(parcels, "terrein", as_of="2026-01-01")
    assert by_park["n_terreinen"].tolist() == [1, 1, 1, 3]
    # a breakdown counts the parks with unsold land in each category
    split = breakdown(parcels, "milieucategorie", per="gemeente", as_of="2026-01-01")
    counts = split.set_index(["gemeente", "milieucategorie"])["n_terreinen"]
    assert (counts[("Assen", "4.1")], counts[("Emmen", "2")]) == (1, 1)
    assert counts.sum() == 2  # B has nothing unsold
