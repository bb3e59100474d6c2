"""Issue 19, item 6: small hostile cases are plain messages, not internal errors."""

from __future__ import annotations

from conftest import cli, frame, parcel, rect
from pyogrio import read_dataframe

from terreinen.cli.common import map_files

LONG = "Gemeente " + "heel lang " * 30  # 309 characters: no file system takes it as a name


def test_geojson_nested_100000_deep_is_a_plain_message(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "deep.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        f'{{"a": {deep}}}, "geometry": null}}]}}'
    )
    for command in ("validate", "capacity"):
        result = cli(command, tmp_path / "deep.geojson")
        assert result.exit_code == 2, result.stderr
        assert "nested deeper than any parcels file" in result.stderr
        assert "internal error" not in result.stderr


def test_changes_from_the_first_day_there_is_is_a_plain_message(tmp_path):
    assert cli("register", "init", "-s", tmp_path / "reg.gpkg", "--example").exit_code == 0
    result = cli(
        "changes", "-s", tmp_path / "reg.gpkg", "--from", "0001-01-01", "--to", "2020-01-01"
    )
    assert result.exit_code == 2
    assert "--from '0001-01-01' is not a date of the years 1678-2261" in result.stderr
    result = cli("capacity", tmp_path / "reg.gpkg", "--as-of", "0001-03-01")
    assert result.exit_code == 2 and "--as-of '0001-03-01' is not a date" in result.stderr


def test_long_municipality_names_get_short_distinct_map_files(tmp_path):
    names = [LONG + "A", LONG + "B"]
    files = map_files(names)
    assert len(set(files.values())) == 2
    assert all(len(name) <= 64 + len(".html") for name in files.values())
    assert all(name.startswith("gemeente-heel-lang-") for name in files.values())
    rows = [
        parcel(f"K{i}", rect(i * 100, 0, 100, 100), gemeente=name, terrein=f"Park {i}")
        for i, name in enumerate(names)
    ]
    frame(rows).to_file(tmp_path / "k.geojson")
    result = cli("overview", tmp_path / "k.geojson", "--out-dir", tmp_path / "maps")
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "maps").iterdir())
    assert written == sorted(["overview.html", *files.values()])


def test_nul_is_stripped_with_a_finding_and_every_format_agrees(tmp_path):
    rows = [parcel(f"K{i}", rect(i * 100, 0, 100, 100), terrein="Park\x00Noord") for i in range(2)]
    table = frame(rows)
    table["x\x00opmerking"] = ["a\x00b", "c"]
    table.to_parquet(tmp_path / "k.parquet")
    result = cli("validate", tmp_path / "k.parquet")
    assert result.exit_code == 0, result.stderr
    said = result.stdout + result.stderr
    assert "row 1, kavel_id 'K0', column 'terrein': NUL characters removed" in said
    assert "row 1, kavel_id 'K0', column 'xopmerking': NUL characters removed" in said
    for suffix in (".geojson", ".gpkg"):
        assert (
            cli("export", tmp_path / "k.parquet", "--to", tmp_path / f"out{suffix}").exit_code == 0
        )
        back = read_dataframe(tmp_path / f"out{suffix}", layer="kavels")
        assert back["terrein"].tolist() == ["ParkNoord", "ParkNoord"]
        assert back["xopmerking"].tolist() == ["ab", "c"]
