"""terreinen.distributed: the dask engine gives the in-memory engine's figures, on a
LocalCluster, from parts of the hand-worked fixture and from partitioned GeoParquet."""

from __future__ import annotations

import json
import re
from pathlib import Path

import dask
import dask_geopandas
import geopandas as gpd
import pandas as pd
import pytest
from conftest import AS_OF, COLUMNS, EXPECTED, REGIONS, build, cli, frame, parcel, rect
from distributed import Client, LocalCluster

from terreinen import TerreinenDataError, TerreinenReadError, read_parcels, settings, validate
from terreinen.capacity import capacity
from terreinen.distributed import capacity as dask_capacity
from terreinen.distributed import partition
from terreinen.distributed import validate as dask_validate


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=40
    ) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    with Client(cluster) as connected:
        yield connected


@pytest.fixture(scope="module")
def embedded_parquet(tmp_path_factory, embedded_path) -> Path:
    """The embedded parcels as one GeoParquet file: what partition reads fastest (a
    GeoJSON is parsed again for every chunk dask reads of it)."""
    path = tmp_path_factory.mktemp("embedded") / "kavels.parquet"
    gpd.read_file(embedded_path).to_parquet(path)
    return path


@pytest.fixture(scope="module")
def fixture_parcels():
    return build()


def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal figures; sums taken in another order may differ in the last bits."""
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12, atol=1e-12)


def _in_parts(parcels, parts: int):
    return dask_geopandas.from_geopandas(parcels, npartitions=parts)


@pytest.mark.parametrize(
    ("by", "options"),
    [
        ("gemeente", {}),
        ("regio", {"regions": REGIONS}),
        (["provincie", "gemeente"], {"takeup_years": 5}),
        ("terrein", {"as_of": "2020-06-30"}),
    ],
)
def test_dask_engine_equals_in_memory_engine(client, fixture_parcels, by, options):
    options = {"as_of": AS_OF, **options}
    in_memory = capacity(fixture_parcels, by, **options)
    on_cluster = dask_capacity(_in_parts(fixture_parcels, 3), by, scheduler=client, **options)
    _same(on_cluster, in_memory)


def test_dask_engine_gives_the_hand_worked_figures(client, fixture_parcels):
    table = dask_capacity(_in_parts(fixture_parcels, 4), as_of=AS_OF, scheduler=client)
    figures = table.set_index("gebied")[COLUMNS]
    expected = pd.DataFrame.from_dict(EXPECTED, orient="index", columns=COLUMNS)
    _same(figures.rename_axis(None), expected.astype(figures.dtypes.to_dict()))


def test_partitioned_geoparquet_on_a_scheduler_address(
    tmp_path, cluster, embedded_path, embedded_parquet
):
    folder = tmp_path / "parts"
    assert partition(embedded_parquet, folder, parcels_per_part=1_000) == 4
    assert len(list(folder.glob("*.parquet"))) == 4
    in_memory = capacity(read_parcels(embedded_path), "provincie", as_of=AS_OF)
    on_cluster = dask_capacity(
        folder, "provincie", as_of=AS_OF, scheduler=cluster.scheduler_address
    )
    _same(on_cluster, in_memory)


def test_errors_in_a_part_name_the_part_and_row(client, fixture_parcels):
    bad = fixture_parcels.copy()
    bad["status"] = bad["status"].astype(object)
    bad.loc[12, "status"] = "verkocht?"  # the 13th parcel: part 2 of 2 (rows 8-14), row 6
    with pytest.raises(TerreinenDataError) as caught:
        dask_capacity(_in_parts(bad, 2), scheduler=client)
    (error,) = caught.value.report.errors
    assert (error.source, error.row, error.column) == ("<dask GeoDataFrame>, part 2", 6, "status")
    assert "part 2, row 6, kavel_id 'M'" in str(caught.value)


def test_warnings_of_the_parts_are_summed_up(client):
    rows = [parcel("A", rect(0, 0, 100, 100)), parcel("B", rect(50, 0, 100, 100))]
    with pytest.warns(UserWarning, match="2 parcels, 0 errors, 1 warnings"):
        dask_capacity(_in_parts(frame(rows), 1), scheduler=client)


def test_dask_engine_reads_only_geoparquet(embedded_path):
    with pytest.raises(TerreinenReadError, match="terreinen partition"):
        dask_capacity(embedded_path)


def test_partition_will_not_overwrite(tmp_path, embedded_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    with pytest.raises(TerreinenReadError, match="already exists"):
        partition(embedded_path, folder)
    assert list(tmp_path.iterdir()) == [folder]  # no scratch folder left behind


def test_partition_works_after_clients_were_closed_out_of_order(tmp_path, fixture_parcels):
    """Two clients closed in the order they were opened leave dask's global scheduler
    setting at "distributed" with no client (each restores what it found): how test
    modules on one worker, or a notebook, can leave it. partition works all the same, on
    this machine's threads."""
    fixture_parcels.to_file(tmp_path / "k.gpkg")
    fixture_parcels.to_parquet(tmp_path / "k.parquet")  # read by dask, not pyogrio
    with dask.config.set(scheduler="dask.distributed"):
        assert partition(tmp_path / "k.gpkg", tmp_path / "parts", parcels_per_part=8) == 2
        assert partition(tmp_path / "k.parquet", tmp_path / "delen", parcels_per_part=8) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["delen", "k.gpkg", "k.parquet", "parts"]


def test_cli_engine_dask_on_a_local_cluster_prints_the_in_memory_figures(
    tmp_path, embedded_path, embedded_parquet
):
    folder = tmp_path / "parts"
    result = cli("partition", str(embedded_parquet), str(folder), "--parcels-per-part", "2000")
    assert result.exit_code == 0, result.stderr
    assert "2 parts" in result.stderr
    args = ["capacity", "--as-of", AS_OF, "-f", "json"]
    expected = json.loads(cli(*args, str(embedded_path)).stdout)
    result = cli(*args, str(folder), "--engine", "dask")  # starts its own LocalCluster
    assert result.exit_code == 0, result.stderr
    _same(pd.DataFrame(json.loads(result.stdout)), pd.DataFrame(expected))


def test_cli_engine_dask_explains_an_unreachable_scheduler(tmp_path, embedded_path):
    folder = tmp_path / "parts"
    partition(embedded_path, folder)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = cli("capacity", folder, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert "cannot reach the dask scheduler tcp://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_engine_dask_explains_a_file_it_cannot_use(embedded_path):
    result = cli("capacity", str(embedded_path), "--engine", "dask")
    assert result.exit_code == 2
    assert "terreinen partition" in result.stderr and "Traceback" not in result.stderr


def test_cli_engine_dask_refuses_file_options(tmp_path):
    result = cli("capacity", str(tmp_path), "--engine", "dask", "--crs", "EPSG:28992")
    assert result.exit_code == 2
    assert "GeoParquet parts carry their own CRS" in result.stderr


def _overlap_findings(report) -> set:
    """(parcel, kind, the parcels it is compared with) of the copy and overlap findings."""
    found = set()
    for finding in report.warnings:
        if finding.column == "geometry":
            kind = "copy" if finding.message.startswith("has the same outline") else "overlap"
            others = frozenset(re.findall(r"kavel_id '([^']+)'", finding.message))
            found.add((finding.kavel_id, kind, others))
    return found


def test_overlaps_across_parts_equal_the_in_memory_check(client):
    """Three parts of three parcels (100 x 100 m). P4 (part 2) overlaps P3 (part 1) by half;
    P7 (part 3) is a copy of P5 (part 2); P9 (part 3) overlaps P6 (part 2) by 30% and P8
    (its own part) by 60%; P6 overlaps P5 within part 2."""
    xs = {"P1": 0, "P2": 100, "P3": 200, "P4": 250, "P5": 400, "P6": 450, "P7": 400}
    xs.update(P8=560, P9=520)
    parcels = frame([parcel(name, rect(x, 0, 100, 100)) for name, x in xs.items()])
    expected = {
        ("P4", "overlap", frozenset({"P3"})),
        ("P6", "overlap", frozenset({"P5"})),
        ("P7", "copy", frozenset({"P5"})),
        ("P9", "overlap", frozenset({"P6", "P8"})),
    }
    assert _overlap_findings(validate(parcels)) == expected
    parts = _in_parts(parcels, 3)
    assert [len(p) for p in parts.partitions] == [3, 3, 3]
    report = dask_validate(parts, scheduler=client)
    assert _overlap_findings(report) == expected
    p9 = next(f for f in report.warnings if f.kavel_id == "P9")
    assert (p9.source, p9.row) == ("<dask GeoDataFrame>, part 3", 3)
    assert "kavel_id 'P6' (part 2, row 3) by 30%" in p9.message
    assert "kavel_id 'P8' (row 2) by 60%" in p9.message
    with pytest.warns(UserWarning, match="9 parcels, 0 errors, 4 warnings"):
        on_cluster = dask_capacity(_in_parts(parcels, 3), as_of=AS_OF, scheduler=client)
    _same(on_cluster, capacity(read_parcels(parcels), as_of=AS_OF))


def test_workers_take_the_callers_settings(client, monkeypatch):
    """P2 overlaps P1 by 3% (3 m of 100 m): an overlap at the default tolerance of 1%, none
    at 5%. Both engines agree at either setting: the workers, which check a part's own
    parcels, get the caller's settings (the check across parts runs on the caller)."""
    parcels = frame([parcel("P1", rect(0, 0, 100, 100)), parcel("P2", rect(97, 0, 100, 100))])
    parts = _in_parts(parcels, 1)
    overlap = {("P2", "overlap", frozenset({"P1"}))}
    in_memory, on_cluster = validate(parcels), dask_validate(parts, scheduler=client)
    assert _overlap_findings(in_memory) == _overlap_findings(on_cluster) == overlap
    worded = "overlaps kavel_id 'P1' (row 1) by 3% (share of the smaller parcel)"
    assert [f.message for f in in_memory.warnings] == [f.message for f in on_cluster.warnings]
    assert [f.message for f in on_cluster.warnings] == [worded]
    monkeypatch.setattr(settings, "overlap_tolerance", 0.05)
    assert _overlap_findings(validate(parcels)) == set()
    assert _overlap_findings(dask_validate(parts, scheduler=client)) == set()


@pytest.mark.parametrize(
    ("make", "said"),
    [
        ("folder", "{folder}: de uitvoermap bestaat al (verwijder die eerst)"),
        ("missing", "{source}: bestand niet gevonden (controleer het pad)"),
    ],
)
def test_partition_says_why_not_in_dutch(tmp_path, monkeypatch, embedded_path, make, said):
    """Issue 22, item 1: the reader's language (Dutch by default) in the Python API too."""
    monkeypatch.setattr(settings, "language", "nl")
    source = embedded_path if make == "folder" else tmp_path / "geen.gpkg"
    folder = tmp_path / "parts"
    if make == "folder":
        folder.mkdir()
    with pytest.raises(TerreinenReadError) as raised:
        partition(source, folder)
    assert str(raised.value) == said.format(folder=folder, source=source)


def test_the_dask_engine_asks_for_geoparquet_in_dutch(monkeypatch, embedded_path):
    monkeypatch.setattr(settings, "language", "nl")
    with pytest.raises(TerreinenReadError) as raised:
        dask_capacity(embedded_path)
    assert str(raised.value) == (
        f"{embedded_path}: de dask-engine leest GeoParquet (een bestand of een map met "
        f"bestanden) (zet het eerst om: terreinen partition {embedded_path} MAP)"
    )


def test_overlaps_across_parts_in_dutch_replace_the_parts_own(client, monkeypatch):
    """In Dutch as in English: P9 (part 3) overlaps P6 (part 2) by 30% and P8 (its own
    part) by 60%; its part's own finding (P8 only) gives way to the one across parts."""
    monkeypatch.setattr(settings, "language", "nl")
    xs = {"P1": 0, "P2": 100, "P3": 200, "P4": 250, "P5": 400, "P6": 450, "P7": 400}
    xs.update(P8=560, P9=520)
    parcels = frame([parcel(name, rect(x, 0, 100, 100)) for name, x in xs.items()])
    report = dask_validate(_in_parts(parcels, 3), scheduler=client)
    assert len(report.warnings) == len(validate(parcels).warnings) == 4
    (p9,) = (f for f in report.warnings if f.kavel_id == "P9")
    assert (p9.source, p9.row) == ("<dask GeoDataFrame>, deel 3", 3)
    assert "kavel_id 'P6' (deel 2, rij 3) voor 30%" in p9.message
    assert "kavel_id 'P8' (rij 2) voor 60%" in p9.message


def test_partition_in_one_pass_or_chunk_by_chunk_writes_the_same_parts(
    tmp_path, fixture_parcels, monkeypatch
):
    """A file read in one pass (up to settings.partition_in_memory parcels) or chunk by
    chunk gives the same parcels in the same parts."""
    fixture_parcels.to_file(tmp_path / "k.geojson")
    parts = {}
    for name, limit in (("whole", 1_000), ("chunks", 0)):
        monkeypatch.setattr(settings, "partition_in_memory", limit)
        assert partition(tmp_path / "k.geojson", tmp_path / name, parcels_per_part=5) == 3
        parts[name] = [
            sorted(gpd.read_parquet(part)["kavel_id"])
            for part in sorted((tmp_path / name).glob("*.parquet"))
        ]
    assert parts["whole"] == parts["chunks"]
    assert sorted(k for part in parts["whole"] for k in part) == sorted(fixture_parcels["kavel_id"])
