"""terreinen.matching: exactly the expected parcels, in the expected order, distances to 10 m."""

from __future__ import annotations

import pytest
from conftest import X0, Y0, frame, parcel, rect

from terreinen import TerreinenError, read_parcels
from terreinen.matching import find_parcels

# Along a line east of the fixture origin, in Assen; "Ver" lies 20 km further east.
ROWS = [
    # id, x m, width m, status, planfase, milieucategorie, segment, park, gemeente
    ("T1", 0, 300, "terstond_uitgeefbaar", 1, "4.2", "zwaar", "Noord", "Assen"),  # 3 ha
    ("N1", 1000, 400, "niet_terstond_uitgeefbaar", 2, "5.1", "zwaar", "Noord", "Assen"),  # 4 ha
    ("O1", 2000, 350, "optie", 1, "4.2", "zwaar", "Noord", "Assen"),  # 3.5 ha
    ("Z1", 3000, 500, "niet_terstond_uitgeefbaar", 4, "6", "zwaar", "Noord", "Assen"),  # 5 ha soft
    (
        "L1",
        4000,
        300,
        "terstond_uitgeefbaar",
        1,
        "3.2",
        "zwaar",
        "Noord",
        "Assen",
    ),  # too low a category
    ("S1", 5000, 300, "uitgegeven", 1, "4.2", "zwaar", "Noord", "Assen"),  # sold
    ("K1", 6000, 150, "terstond_uitgeefbaar", 1, "4.2", "zwaar", "Zuid", "Assen"),  # 1.5 ha
    (
        "K2",
        6150,
        200,
        "terstond_uitgeefbaar",
        1,
        "5.1",
        "zwaar",
        "Zuid",
        "Assen",
    ),  # 2 ha, touches K1
    (
        "K3",
        6400,
        100,
        "terstond_uitgeefbaar",
        1,
        "4.2",
        "zwaar",
        "Zuid",
        "Assen",
    ),  # 1 ha, 50 m away
    ("F1", 20_000, 300, "terstond_uitgeefbaar", 1, "4.2", "zwaar", "Ver", "Emmen"),  # 3 ha, far
]


@pytest.fixture(scope="module")
def parcels():
    rows = [
        parcel(i, rect(x, 0, w, 100), status=s, planfase=p, milieucategorie=m, segment=seg,
               terrein=park, gemeente=g, uitgiftedatum="2020-01-01" if s == "uitgegeven" else None)
        for i, x, w, s, p, m, seg, park, g in ROWS
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
    # "Ver" is not a town here; Emmen is the municipality of F1 alone: F1 at 0 km
    found = find_parcels(parcels, near="Emmen", radius_km=1)
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
