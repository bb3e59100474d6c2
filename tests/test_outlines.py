"""Outlines merged with bounded work (terreinen.outlines), and the overlap check per piece.

The shape of the issue: a self-intersecting parcel whose repair falls apart into thousands
of pieces that touch at points. Here a chain of bow-ties of ``k`` crossings, scale ``s``:
its ring runs up and down one zigzag and back along the mirrored one, so that it repairs
into ``k - 1`` diamonds of ``2 s^2`` and two end triangles of ``s^2``: ``k + 1`` pieces,
``2 k s^2`` in all.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import X0, Y0, cli, frame, parcel, rect

from terreinen import read_parcels, settings
from terreinen.errors import TerreinenDataWarning
from terreinen.maps.data import park_data
from terreinen.outlines import dissolve, merge, simplify
from terreinen.study import Study
from terreinen.validation import geometry


def bowtie_chain(k: int, s: float, x: float = 0.0) -> shapely.Polygon:
    """The self-intersecting ring described above, from ``x`` metres east of the origin."""
    i = np.arange(k + 1)
    there = np.column_stack([X0 + x + 2 * s * i, Y0 + 2 * s * (i % 2)])
    back = np.column_stack([X0 + x + 2 * s * i, Y0 + 2 * s * ((i + 1) % 2)])[::-1]
    return shapely.Polygon(np.vstack([there, back]))


def repaired(geom) -> shapely.Geometry:
    return shapely.make_valid(geom, method="structure", keep_collapsed=False)


def test_the_chain_repairs_into_the_pieces_worked_out_by_hand():
    pieces = shapely.get_parts(repaired(bowtie_chain(40, 2.0)))
    assert len(pieces) == 41
    assert sorted(np.round(shapely.area(pieces), 9)) == [4.0, 4.0] + [8.0] * 39


def test_pieces_of_a_coverage_merge_exactly():
    outline, unmerged = merge(shapely.get_parts(repaired(bowtie_chain(3000, 2.0))))
    assert not unmerged
    assert outline.area == pytest.approx(2 * 3000 * 4.0)
    assert shapely.get_num_geometries(outline) == 3001  # touching at points: kept apart


def test_overlapping_pieces_within_the_budget_merge_exactly():
    outline, unmerged = merge([shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1)])
    assert not unmerged
    assert outline.area == pytest.approx(3.0)


def test_overlapping_pieces_beyond_the_budget_are_kept_unmerged(monkeypatch):
    monkeypatch.setattr(settings, "outline_piece_budget", 3)
    # five 2 x 1 boxes each overlapping the next by 1: 10 m² of pieces on 6 m² of land
    boxes = [shapely.box(x, 0, x + 2, 1) for x in (0, 1, 2, 3, 4)]
    outline, unmerged = merge(boxes)
    assert unmerged
    assert shapely.get_num_geometries(outline) == 5
    assert outline.area == pytest.approx(10.0)
    assert shapely.union_all(outline).area == pytest.approx(6.0)


def test_dissolve_names_the_unmerged_group_once(monkeypatch):
    monkeypatch.setattr(settings, "outline_piece_budget", 1)
    monkeypatch.setattr(settings, "language", "en")
    rows = [
        {"gemeente": "Assen", "terrein": "Noord", "geometry": rect(0, 0, 20, 10)},
        {"gemeente": "Assen", "terrein": "Noord", "geometry": rect(10, 0, 20, 10)},
        {"gemeente": "Assen", "terrein": "Zuid", "geometry": rect(0, 100, 20, 10)},
        {"gemeente": "Emmen", "terrein": "Zuid", "geometry": rect(0, 200, 20, 10)},
    ]
    with pytest.warns(TerreinenDataWarning) as caught:
        outlines = dissolve(frame(rows), ["gemeente", "terrein"])
    assert [str(w.message) for w in caught] == [
        "the outline of Assen / Noord (2 rows) has more overlapping pieces than "
        "settings.outline_piece_budget: it is drawn as its pieces, not merged"
    ]
    assert list(outlines.index) == [("Assen", "Noord"), ("Assen", "Zuid"), ("Emmen", "Zuid")]
    assert outlines.area.tolist() == pytest.approx([400.0, 200.0, 200.0])  # 100 m² twice
    assert outlines.crs == "EPSG:28992"


def test_simplify_keeps_every_piece_and_drops_what_is_within_the_tolerance():
    chain = repaired(bowtie_chain(500, 0.1))  # diamonds 0.2 m tall: thinner than 1 m
    assert shapely.get_num_geometries(simplify(np.array([chain]), 1.0)[0]) == 501
    notch = shapely.Polygon([(0, 0), (5, 0.01), (10, 0), (10, 10), (0, 10)])
    assert shapely.get_num_coordinates(simplify(np.array([notch, None]), 1.0)[0]) == 5


def test_overlaps_of_a_parcel_in_pieces_are_measured_and_counted_once(monkeypatch):
    monkeypatch.setattr(geometry, "_QUERY_CHUNK", 1)  # every parcel its own chunk
    two_pieces = shapely.MultiPolygon([rect(0, 0, 10, 10), rect(20, 0, 10, 10)])
    across = rect(5, 0, 20, 10)  # 5 x 10 of each piece: 100 of its 200 m²
    beside = rect(40, 0, 10, 10)
    found = geometry.find_overlaps(np.array([two_pieces, across, beside], dtype=object))
    assert found.counts.tolist() == [0, 1, 0]
    assert found.listed == {1: [(0, pytest.approx(0.5))]}


def test_a_chain_parcel_through_every_command(tmp_path):
    """The issue's workflow on a real-shaped file: one self-intersecting parcel of 6,002
    vertices (3,001 pieces) that overlaps its neighbour, read, checked, counted, mapped and
    exported; every output states the same hand-worked hectares."""
    k, s = 3000, 2.0
    chain_ha = 2 * k * s * s / 10_000  # 2.4 ha
    # the neighbour covers the chain's last triangle (s^2 = 4 m²) and 76 m² more: 5% of it
    # 12 km long, from the west to 3.5 km east of the origin: its east end, the neighbour
    # and Elders lie in Assen (which reaches 3.96 km east of the origin)
    start = 3_500 - 2 * k * s
    neighbour = rect(start + 2 * k * s - s, 0, s + 18, 2 * s)
    rows = [
        parcel("KETEN", bowtie_chain(k, s, start), terrein="Keten"),
        parcel("BUUR", neighbour, terrein="Keten"),
        parcel("ELDERS", rect(0, 500, 100, 100), terrein="Elders"),
    ]
    source = tmp_path / "kavels.gpkg"
    frame(rows).to_file(source, driver="GPKG")

    checked = cli("validate", source)
    assert checked.exit_code == 0, checked.stderr
    said_by_validate = checked.stdout + checked.stderr
    assert "repaired with make_valid" in said_by_validate
    assert "overlaps kavel_id 'KETEN' (row 1) by 5%" in said_by_validate

    table = cli("capacity", source, "--by", "gemeente", "-f", "json", "--as-of", "2026-01-01")
    assert table.exit_code == 0, table.stderr
    parcels = read_parcels(source)
    assert parcels.set_index("kavel_id")["oppervlakte_ha"]["KETEN"] == pytest.approx(chain_ha)

    # 3,002 pieces that are no coverage (two overlap): beyond the budget of 1,000, so the
    # park's pieces are kept unmerged, and the map and the workbook say so, once each
    said = "the outline of Assen / Keten (2 rows) has more overlapping pieces"
    mapped = cli("map", source, "-o", tmp_path / "kaart.html", "--as-of", "2026-01-01")
    assert mapped.exit_code == 0, mapped.stderr
    assert mapped.stderr.count(said) == 1
    exported = cli("export", source, "--to", tmp_path / "studie.gpkg", "--as-of", "2026-01-01")
    assert exported.exit_code == 0, exported.stderr
    assert exported.stderr.count("the outline of Assen (3 rows)") == 1
    # kept unmerged: the same land as the exact union, its pieces only collected
    exact = shapely.union_all([repaired(row["geometry"]) for row in rows])
    assert exact.area == pytest.approx(2 * k * s * s + (s + 18) * 2 * s - s * s + 100 * 100)
    outline = gpd.read_file(tmp_path / "studie.gpkg", layer="gemeenten").geometry.iloc[0]
    assert shapely.get_num_geometries(outline) == k + 1 + 2
    assert outline.area == pytest.approx(exact.area + s * s)  # the overlap counted twice

    study = Study(parcels, as_of="2026-01-01")
    with pytest.warns(TerreinenDataWarning, match="Assen / Keten"):
        data, _ = park_data(study)
    assert sorted(data["name"]) == ["Elders", "Keten"]


def test_a_park_beyond_the_budget_is_drawn_unmerged_and_said(monkeypatch):
    monkeypatch.setattr(settings, "outline_piece_budget", 100)
    monkeypatch.setattr(settings, "language", "en")
    rows = [
        parcel("KETEN", repaired(bowtie_chain(300, 2.0)), terrein="Keten"),
        parcel("BUUR", rect(2 * 300 * 2.0 - 2.0, 0, 20, 4), terrein="Keten"),
    ]
    study = Study(read_parcels(frame(rows)), as_of="2026-01-01")
    with pytest.warns(TerreinenDataWarning, match="Assen / Keten .2 rows. has more overlapping"):
        data, _ = park_data(study)
    assert data["name"] == ["Keten"]
