"""`find` as land-sale staff type it (issue 12, item 6)."""

from __future__ import annotations

import pytest
from conftest import ORIGIN, X0, Y0, cli, close_frame, frame, parcel, read_cli_csv, rect
from pyproj import Transformer

from terreinen import schema
from terreinen.matching import find_parcels

LONG_ID = "NL.IMRO.0106.BP-BEDRIJVENTERREIN-NOORD-2024-kavel-0001"


@pytest.fixture
def parcels_file(tmp_path):
    """In one park: A 1 ha, B 1.2 ha, C 1 ha side by side (gemengd); D 1 ha logistiek beside
    E 1.5 ha zwaar; F 3 ha at 4.1, G 3 ha at 4.2 and a long id, H 3 ha at 3.2, far apart."""
    rows = [
        parcel("A", rect(0, 0, 100, 100)),
        parcel("B", rect(100, 0, 120, 100)),
        parcel("C", rect(220, 0, 100, 100)),
        parcel("D", rect(1000, 0, 100, 100), segment="logistiek"),
        parcel("E", rect(1100, 0, 150, 100), segment="zwaar"),
        parcel("F", rect(2000, 0, 300, 100), milieucategorie="4.1"),
        parcel(LONG_ID, rect(3000, 0, 300, 100), milieucategorie="4.2"),
        parcel("H", rect(4000, 0, 300, 100), milieucategorie="3.2"),
    ]
    path = tmp_path / "kavels.geojson"
    frame(rows).to_file(path)
    return path


def _ids(result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return read_cli_csv(result.stdout)["kavel_id"].tolist()


def test_category_with_a_comma(parcels_file):
    dot = _ids(cli("find", parcels_file, "-m", "4.2", "--format", "csv"))
    comma = _ids(cli("find", parcels_file, "-m", "4,2", "--format", "csv"))
    assert dot == comma == [LONG_ID]


def test_numeric_options_take_a_decimal_comma(parcels_file):
    """``--min-ha 2,5`` is ``--min-ha 2.5`` (Dutch typing), as ``-m 4,2`` is ``4.2``."""
    for option, comma, dot in (("--min-ha", "2,5", "2.5"), ("--max-ha", "1,5", "1.5")):
        assert _ids(cli("find", parcels_file, option, comma, "-f", "csv")) == _ids(
            cli("find", parcels_file, option, dot, "-f", "csv")
        )
    near = ("--near", "Assen", "--radius-km")
    assert _ids(cli("find", parcels_file, *near, "0,5", "-f", "csv")) == _ids(
        cli("find", parcels_file, *near, "0.5", "-f", "csv")
    )
    result = cli("find", parcels_file, "--min-ha", "2,5,1")
    assert result.exit_code == 2 and "'2,5,1' is not a number" in result.stderr


def test_main_category_means_its_lowest_and_up(parcels_file):
    result = cli("find", parcels_file, "-m", "4", "--min-ha", "2")
    assert result.exit_code == 0
    assert "4 read as 4.1 and up" in result.stdout
    ids = _ids(cli("find", parcels_file, "-m", "4", "--min-ha", "2", "--format", "csv"))
    assert sorted(ids) == sorted(["F", LONG_ID])  # not H (3.2)


def test_unknown_segment_is_exit_2_listing_segments(parcels_file):
    result = cli("find", parcels_file, "--segment", "industrie")
    assert result.exit_code == 2
    assert all(segment in result.stderr for segment in schema.SEGMENTS)
    assert "Traceback" not in result.stderr


def test_swapped_latitude_and_longitude(parcels_file):
    lon, lat = Transformer.from_crs(28992, 4326, always_xy=True).transform(X0 + 2150, Y0 + 50)
    args = ["find", parcels_file, "--radius-km", "0.5", "--format", "csv"]
    right = cli(*args, "--near", f"{lat:.6f},{lon:.6f}")
    swapped = cli(*args, "--near", f"{lon:.6f},{lat:.6f}")
    assert _ids(right) == _ids(swapped) == ["F"]
    assert "read as" in swapped.stderr and "read as" not in right.stderr


def test_limit_with_the_count_of_the_rest(parcels_file):
    result = cli("find", parcels_file, "--limit", "2", env={"COLUMNS": "100"})
    assert result.exit_code == 0
    # 8 unsold parcels, no size asked: no combinations
    assert "8 parcels found" in result.stdout and "and 6 more" in result.stdout
    limited = _ids(cli("find", parcels_file, "--limit", "2", "--format", "csv"))
    assert len(limited) == 2


def test_screen_default_limit_on_embedded_data():
    everything = _ids(cli("find", "--min-ha", "1", "--format", "csv"))
    assert len(everything) > 20
    result = cli("find", "--min-ha", "1", env={"COLUMNS": "100"})
    assert f"and {len(everything) - 20} more" in result.stdout


def test_one_combination_per_parcel_and_one_segment(parcels_file):
    found = find_parcels(__import__("terreinen").read_parcels(parcels_file), min_ha=2, max_ha=2.5)
    combos = found[found["combinatie"]]
    # A+B and B+C both reach 2.2 ha; B may be offered once: A+B (first by id). D and E are
    # adjacent and together 2.5 ha, but of different segments.
    assert combos["kavel_id"].tolist() == ["A+B"]
    assert combos["oppervlakte_ha"].tolist() == pytest.approx([2.2])
    parts = [p for ids in found["kavel_id"] for p in ids.split("+")]
    assert len(parts) == len(set(parts))


def test_long_ids_are_not_cut(parcels_file):
    for width in (80, 100):
        result = cli("find", parcels_file, "-m", "4.2", env={"COLUMNS": str(width)})
        assert result.exit_code == 0
        if width == 100:
            assert LONG_ID in result.stdout
        assert "…" not in result.stdout
        # folded onto lines, the id is still all there
        lines = result.stdout.splitlines()
        body = lines[next(i for i, line in enumerate(lines) if line.startswith("─")) + 1 :]
        text = "".join(line.split(" ")[0] for line in body)
        assert LONG_ID in text


@pytest.fixture
def close_file(tmp_path):
    path = tmp_path / "dichtbij.geojson"
    close_frame().to_file(path)
    return path


def test_nothing_fits_shows_the_closest_in_dutch(close_file):
    """Issue 22, item 7: no parcel fits 6 ha at 5.1, hard, without option, within 10 km:
    the five closest, each with why, in Dutch by default, and the point used for --near."""
    wishes = ["--min-ha", "6", "-m", "5,1", "--near", ORIGIN, "--radius-km", "10"]
    args = ["--lang", "nl", "find", close_file, *wishes, "--hard-only", "--zonder-optie"]
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    said = result.stdout
    assert "Geen kavel voldoet; de 5 die het dichtst in de buurt komen, en waarom" in said
    for reason in (
        "te klein: 0,50 ha minder dan de gevraagde 6,00 ha",
        "milieucategorie 4.2, lager dan de gevraagde 5.1",
        "onder optie",
        "zachte plancapaciteit; niet terstond uitgeefbaar",
        "te ver: 20,35 km, verder dan de gevraagde 10,00 km",
    ):
        assert reason in said
    assert "P6" not in said  # it misses two wishes: the sixth
    assert f"afstanden (afstand_km) vanaf {ORIGIN}: lat,lon" in said
    assert "RD x 233000, y 557050" in said
    listed = cli(*args, "-f", "csv")
    table = read_cli_csv(listed.stdout)
    assert table["kavel_id"].tolist() == ["P1", "P2", "P5", "P4", "P3"]
    assert table["tekortkomingen"].tolist() == [1] * 5
    assert table["reden"].iloc[0] == "te klein: 0,50 ha minder dan de gevraagde 6,00 ha"
    assert "Geen kavel voldoet" in listed.stderr and "(kolom reden)" in listed.stderr


def test_zonder_optie_leaves_out_parcels_under_option(close_file):
    wishes = ["find", close_file, "--min-ha", "6", "-m", "5.1", "-f", "csv"]
    assert _ids(cli(*wishes)) == ["P3", "P5", "P4"]  # P5 under option: offered, after P3
    assert _ids(cli(*wishes, "--zonder-optie")) == ["P3", "P4"]
