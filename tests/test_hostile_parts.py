"""Issue 19, item 5: hostile GeoParquet parts and ``partition`` inputs give plain messages
that name the part, never an internal error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import build, cli, copy_example

from terreinen.distributed import _client, capacity, partition
from terreinen.errors import TerreinenDataError, TerreinenReadError


def spoil(part: Path, how: str) -> None:
    """Make one part hostile: another schema, garbage WKB, a nonsense CRS, no geo metadata."""
    table = pq.read_table(part)
    if how == "schema":
        build().head(2)[["kavel_id", "geometry"]].rename(columns={"kavel_id": "id"}).to_parquet(
            part
        )
        return
    if how == "wkb":
        column = table.schema.get_field_index("geometry")
        table = table.set_column(
            column, "geometry", pa.array([b"garbage"] * len(table), pa.binary())
        )
        pq.write_table(table, part)
        return
    metadata = dict(table.schema.metadata)
    if how == "crs":
        geo = json.loads(metadata[b"geo"])
        geo["columns"]["geometry"]["crs"] = "nonsense"
        metadata[b"geo"] = json.dumps(geo).encode()
    else:
        del metadata[b"geo"]
    pq.write_table(table.replace_schema_metadata(metadata), part)


HOW = {
    "schema": "its columns differ from the other parts'",
    "wkb": "its geometries are not valid WKB",
    "crs": "its coordinate system is not one pyproj knows",
    "nogeo": "it is no GeoParquet",
}


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> dict[str, Path]:
    """The hand-worked parcels (14) in four parts, and a copy with each kind of hostile last part."""
    here = tmp_path_factory.mktemp("parts")
    build().to_file(here / "k.gpkg")
    assert partition(here / "k.gpkg", here / "good", parcels_per_part=4) == 4
    folders = {"good": here / "good"}
    for how in HOW:
        shutil.copytree(here / "good", here / how)
        spoil(sorted((here / how).glob("*.parquet"))[-1], how)
        folders[how] = here / how
    return folders


@pytest.fixture(scope="module")
def client():
    with _client(None) as client:
        yield client


@pytest.mark.parametrize("how", HOW)
def test_a_hostile_part_is_an_error_that_names_it(how, parts, client):
    with pytest.raises(TerreinenDataError) as caught:
        capacity(parts[how], scheduler=client)
    (error,) = caught.value.report.errors
    assert error.source == f"{parts[how]}, part 4"
    assert error.message.startswith(HOW[how])


def test_on_the_command_line_the_part_and_why_are_said(parts):
    result = cli("capacity", parts["wkb"], "--engine", "dask")
    assert result.exit_code == 2, result.stderr
    assert f"{parts['wkb']}, part 4: its geometries are not valid WKB" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_partition_of_hostile_inputs_is_a_plain_message(tmp_path, example_store):
    parcels = build()
    parcels.loc[0, "geometry"] = None
    parcels.to_file(tmp_path / "null.gpkg")
    with pytest.raises(TerreinenReadError, match="cannot be put in spatial order"):
        partition(tmp_path / "null.gpkg", tmp_path / "out")
    copy_example(example_store, tmp_path / "reg.gpkg")
    result = cli("partition", tmp_path / "reg.gpkg", tmp_path / "out")
    assert (
        result.exit_code == 2 and "is a register: partition reads a parcels file" in result.stderr
    )
    build().to_parquet(tmp_path / "in.parquet")
    (tmp_path / "folder").mkdir()
    build().to_parquet(tmp_path / "folder" / "a.parquet")
    result = cli("partition", tmp_path / "folder", tmp_path / "folder" / "inner")
    assert result.exit_code == 2 and "lies inside the input" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "folder",
        "in.parquet",
        "null.gpkg",
        "reg.gpkg",
    ]
    assert [p.name for p in (tmp_path / "folder").iterdir()] == ["a.parquet"]
