"""terreinen.matching: exactly the expected parcels, in the expected order, distances to 10 m."""

from __future__ import annotations

import pytest
from conftest import ORIGIN, X0, Y0, close_frame, frame, parcel, rect

from terreinen import TerreinenError, read_parcels, settings
from terreinen.matching import closest_candidates, find_parcels

# In Assen, which reaches 3.96 km east and 3.81 km west of the fixture origin: along a line
# east of it, L1 and S1 west, the K parcels 6.1 km north-east; "Ver" 20 km east, in Aa en
# Hunze.
ROWS = [
    # id, x m, y m, width m, status, planfase, milieucategorie, segment, park, gemeente
    ("T1", 0, 0, 300, "terstond_uitgeefbaar", 1, "4.2", "zwaar", "Noord", "Assen"),  # 3 ha
    ("N1", 1000, 0, 400, "niet_terstond_uitgeefbaar", 2, "5.1", "zwaar", "Noord", "Assen"),  # 4 ha
    ("O1", 2000, 0, 350, "optie", 1, "4.2", "zwaar", "Noord", "Assen"),  # 3.5 ha
    ("Z1", 3000, 0, 500, "niet_terstond_uitgeefbaar", 4, "6", "zwaar", "Noord", "Assen"),  # 5 ha soft
    ("L1", -2000, 0, 300, "terstond_uitgeefbaar", 1, "3.2", "zwaar", "Noord", "Assen"),  # too low
    ("S1", -3000, 0, 300, "uitgegeven", 1, "4.2", "zwaar", "Noord", "Assen"),  # sold
    # K1's centre 6,075 m from the origin (2,078 m east, 5,709 m north)
    ("K1", 2003, 5709, 150, "terstond_uitgeefbaar", 1, "4.2", "zwaar", "Zuid", "Assen"),  # 1.5 ha
    ("K2", 2153, 5709, 200, "terstond_uitgeefbaar", 1, "5.1", "zwaar", "Zuid", "Assen"),  # 2 ha, touches K1
    ("K3", 2403, 5709, 100, "terstond_uitgeefbaar", 1, "4.2", "zwaar", "Zuid", "Assen"),  # 1 ha, 50 m away
    ("F1", 20_000, 0, 300, "terstond_uitgeefbaar", 1, "4.2", "zwaar", "Ver", "Aa en Hunze"),  # 3 ha, far
]  # fmt: skip


@pytest.fixture(scope="module")
def parcels():
    rows = [
        parcel(i, rect(x, y, w, 100), status=s, planfase=p, milieucategorie=m, segment=seg,
               terrein=park, gemeente=g, uitgiftedatum="2020-01-01" if s == "uitgegeven" else None)
        for i, x, y, w, s, p, m, seg, park, g in ROWS
    ]  # fmt: skip
    return read_parcels(frame(rows))


def _ids(found):
    return found["kavel_id"].tolist()


def test_order_hard_then_status_then_distance(parcels):
    # from the fixture origin (lat,lon of X0, Y0): T1 centre is 150 m away, N1 1,200 m, ...
    import geopandas as gpd
    import shapely

    origin = gpd.GeoSeries([shapely.Point(X0, Y0 + 50)], crs=28992).to_crs(4326).iloc[0]
    found = find_parcels(
        parcels, min_ha=3, milieucategorie="4.2", near=f"{origin.y},{origin.x}", as_of="2026-01-01"
    )
    assert _ids(found) == ["T1", "K1+K2", "F1", "N1", "O1", "Z1"]
    distances = dict(zip(found["kavel_id"], found["afstand_km"], strict=True))
    assert distances["T1"] == pytest.approx(0.150, abs=0.010)
    assert distances["N1"] == pytest.approx(1.200, abs=0.010)
    assert distances["K1+K2"] == pytest.approx(6.075, abs=0.010)  # the nearer part's centre
    assert distances["F1"] == pytest.approx(20.150, abs=0.010)
    combo = found.set_index("kavel_id").loc["K1+K2"]
    assert combo["oppervlakte_ha"] == pytest.approx(3.5) and combo["combinatie"]
    assert combo["milieucategorie"] == "4.2"  # as allowed as its weakest part
    assert combo["geometry"].area == pytest.approx(35_000)


def test_radius_hard_only_and_size(parcels):
    found = find_parcels(
        parcels,
        min_ha=3,
        max_ha=4,
        milieucategorie="4.2",
        near="Assen",
        radius_km=50,
        hard_only=True,
    )
    assert set(_ids(found)) == {"T1", "N1", "O1", "K1+K2", "F1"}
    small = find_parcels(parcels, max_ha=1.5, combinations=False)
    assert _ids(small) == ["K1", "K3"]


def test_radius_counts_from_the_town(parcels):
    # "Ver" is not a town here; Aa en Hunze is the municipality of F1 alone: F1 at 0 km
    found = find_parcels(parcels, near="Aa en Hunze", radius_km=1)
    assert _ids(found) == ["F1"] and found["afstand_km"].iloc[0] == pytest.approx(0, abs=0.01)


def test_segment_filter(parcels):
    assert find_parcels(parcels, segment="logistiek").empty


def test_as_of_makes_a_sold_parcel_available(parcels):
    assert "S1" in _ids(find_parcels(parcels, as_of="2019-01-01"))
    assert "S1" not in _ids(find_parcels(parcels, as_of="2021-01-01"))


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"min_ha": -1}, "must not be negative"),
        ({"min_ha": 5, "max_ha": 2}, "larger than max_ha"),
        ({"milieucategorie": "4.3"}, "unknown"),
        ({"near": "Asen"}, "did you mean 'Assen'"),
    ],
)
def test_bad_arguments(parcels, kwargs, message):
    with pytest.raises(TerreinenError, match=message):
        find_parcels(parcels, **kwargs)


@pytest.mark.parametrize(
    "language,message",
    [("nl", "min_ha 5 is groter dan max_ha 2"), ("en", "min_ha 5 is larger than max_ha 2")],
)
def test_exceptions_follow_the_language(parcels, monkeypatch, language, message):
    """The library's exceptions are in settings.language, read when the function runs."""
    monkeypatch.setattr(settings, "language", language)
    with pytest.raises(TerreinenError, match=message):
        find_parcels(parcels, min_ha=5, max_ha=2)


WISHES = {"min_ha": 6, "milieucategorie": "5.1", "near": ORIGIN, "radius_km": 10}


@pytest.fixture
def english(monkeypatch):
    """The reasons in English, whatever TERREINEN_LANG the run has."""
    monkeypatch.setattr(settings, "language", "en")


@pytest.fixture(scope="module")
def close_parcels():
    return read_parcels(close_frame())


def test_closest_when_nothing_fits(close_parcels, english):
    found = find_parcels(
        close_parcels, hard_only=True, without_option=True, as_of="2026-01-01", **WISHES
    )
    assert found.empty
    near = found.attrs["dichtstbij"]
    # one wish missed each, smallest share first: P1 0.5/6, P2 one step of ten, P5 and P4
    # one (hard P5 before soft P4), P3 (20.35 - 10) / 10; P6 misses two wishes
    assert _ids(near) == ["P1", "P2", "P5", "P4", "P3"]
    assert near["tekortkomingen"].tolist() == [1, 1, 1, 1, 1]
    assert near["reden"].tolist() == [
        "too small: 0.50 ha less than the 6.00 ha asked",
        "milieucategorie 4.2, below the 5.1 asked",
        "under option",
        "soft plan capacity (zacht); not immediately available",
        "too far: 20.35 km, beyond the 10.00 km asked",
    ]
    assert near["afstand_km"].tolist() == pytest.approx([0.275, 1.3, 5.45, 3.4, 20.35], abs=0.01)
    everything = closest_candidates(
        close_parcels, hard_only=True, without_option=True, as_of="2026-01-01", n=10, **WISHES
    )
    assert _ids(everything) == ["P1", "P2", "P5", "P4", "P3", "P6"]  # never the sold S
    assert everything["reden"].iloc[-1] == (
        "too small: 4.00 ha less than the 6.00 ha asked; milieucategorie 3.1, below the 5.1 asked"
    )
    assert everything["tekortkomingen"].iloc[-1] == 2


def test_closest_larger_segment_and_effective_category(close_parcels, english):
    zoned = close_parcels.assign(
        milieucategorie_feitelijk=["4.1", "5.1", None, "5.1", "6", "3.1", "6"],
        afstand_gevoelig_m=100.0,
        gebiedstype_gevoelig="rustig",
    )
    near = closest_candidates(zoned, max_ha=5, milieucategorie="5.1", segment="logistiek", n=10)
    # every parcel is zwaar (one share each). Over 5 ha by a share of 5 ha, each category
    # step below 5.1 a tenth: P2 0.2, P6 0.4 (3.1: four steps), P4 0.6, P5 0.8; P1 (5.5 ha,
    # effective 4.1) and P3 (7 ha, effective none) miss three wishes
    assert _ids(near) == ["P2", "P6", "P4", "P5", "P1", "P3"]
    assert near["tekortkomingen"].tolist() == [2, 2, 2, 2, 3, 3]
    assert near["reden"].iloc[[0, -1]].tolist() == [
        "too large: 1.00 ha more than the 5.00 ha at most; segment zwaar, not logistiek",
        "too large: 2.00 ha more than the 5.00 ha at most; effective milieucategorie none, "
        "below the 5.1 asked; segment zwaar, not logistiek",
    ]


def test_without_option_and_the_point_used(close_parcels, english):
    wishes = {"min_ha": 6, "milieucategorie": "5.1", "as_of": "2026-01-01"}
    # hard first, then immediately available before under option
    assert _ids(find_parcels(close_parcels, **wishes)) == ["P3", "P5", "P4"]
    found = find_parcels(close_parcels, without_option=True, **wishes)
    assert _ids(found) == ["P3", "P4"] and "dichtstbij" not in found.attrs
    aa_en_hunze = find_parcels(close_parcels, near="Aa en Hunze", **wishes)
    point = aa_en_hunze.attrs["punt"]  # the centre of Aa en Hunze's one parcel, P3
    assert (point["soort"], point["n_kavels"]) == ("gemeente", 1)
    assert (point["x"], point["y"]) == pytest.approx((X0 + 20_350, Y0 + 50))
    assert "RD x 253350, y 557050" in aa_en_hunze.attrs["opmerkingen"][-1]
    assert "centre of the municipality's 1 parcels" in aa_en_hunze.attrs["opmerkingen"][-1]
    with pytest.raises(TypeError, match="without_options"):
        find_parcels(close_parcels, without_options=True)  # type: ignore[call-arg]
