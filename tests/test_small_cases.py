"""Issue 19, item 6: small hostile cases are plain messages, not internal errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import AS_OF, cli, frame, parcel, rect
from pyogrio import read_dataframe

from terreinen import TerreinenOptionError, read_parcels
from terreinen.agreements import compare_agreements
from terreinen.cli.common import map_files
from terreinen.figures import as_of_date
from terreinen.maps import overview_map
from terreinen.maps.plain import noscript_tables

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


def test_changes_from_the_first_day_there_is_is_a_plain_message(example_store):
    result = cli("changes", "-s", example_store, "--from", "0001-01-01", "--to", "2020-01-01")
    assert result.exit_code == 2
    assert "--from '0001-01-01' is not a date of the years 1678-2261" in result.stderr
    result = cli("capacity", example_store, "--as-of", "0001-03-01")
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


def _two_municipalities():
    """Assen 1 ha terstond, Emmen 2 ha terstond (rectangles of 100 x 100 m and 200 x 100 m)."""
    return read_parcels(
        frame(
            [
                parcel("A1", rect(0, 0, 100, 100), gemeente="Assen"),
                parcel("E1", rect(0, 0, 200, 100, "Emmen"), gemeente="Emmen"),
            ]
        )
    )


@pytest.mark.parametrize("value", ["x", 20260101, "2026-13-01"])
def test_a_data_date_that_is_no_date_is_a_plain_message_naming_the_municipality(value):
    with pytest.raises(TerreinenOptionError, match=r"data_dates\['Assen'\]"):
        overview_map(_two_municipalities(), as_of=AS_OF, data_dates={"Assen": value})


def test_data_dates_none_is_not_known_and_a_timestamp_is_its_day():
    dates = {"Assen": None, "Emmen": pd.Timestamp("2026-02-01 13:45")}
    data = overview_map(_two_municipalities(), as_of=AS_OF, data_dates=dates).data
    names, dates = data["municipalities"]["name"], data["municipalities"]["dataDate"]
    given = dict(zip(names, dates, strict=True))
    assert given == {"Assen": "", "Emmen": "2026-02-01"}  # not "NaT", not 1970


@pytest.mark.parametrize("number", [20260101, np.int64(20260101), 2026.0])
def test_a_number_is_not_an_as_of_date(number):
    with pytest.raises(TerreinenOptionError, match="is not a date"):
        as_of_date(number)


def test_an_upper_case_scheme_is_an_http_address():
    url = "HTTPS://www.example.nl/werklocaties"
    assert overview_map(_two_municipalities(), as_of=AS_OF, more_info_url=url).data["moreInfo"]
    with pytest.raises(TerreinenOptionError, match="http"):
        overview_map(_two_municipalities(), as_of=AS_OF, more_info_url="JAVASCRIPT:alert(1)")


def test_the_method_text_names_the_take_up_years():
    # AS_OF 2026-06-30 and no data date: the ten full years before it, 2016-2025
    data = overview_map(_two_municipalities(), as_of=AS_OF).data
    assert data["takeupMethod"] == "gemiddelde van de uitgifte in 2016–2025 (10 jaar)"
    assert "Uitgifte per jaar: gemiddelde van de uitgifte in 2016–2025" in noscript_tables(data)


def test_an_agreement_can_name_a_park_whose_name_holds_a_semicolon():
    """Park "Noord; fase 2" 1 ha and park Zuid 3 ha in Assen; an agreement of at most 10 ha
    on those two parks (the first quoted) counts 4 ha, leaving 6 ha."""
    parcels = read_parcels(
        frame(
            [
                parcel("N1", rect(0, 0, 100, 100), terrein="Noord; fase 2", rin_nummer="0106001"),
                parcel("Z1", rect(200, 0, 300, 100), terrein="Zuid", rin_nummer="0106002"),
                parcel("W1", rect(600, 0, 500, 100), terrein="West", rin_nummer="0106003"),
            ]
        )
    )
    agreements = pd.DataFrame(
        [["P1", "Assen", "gemeente", "", "hard", 10, "2020-01-01", "2030-12-31",
          '"Noord; fase 2";Zuid', "", ""]],
        columns=["afspraak_id", "gebied", "niveau", "segment", "plancapaciteit", "max_ha",
                 "periode_start", "periode_eind", "terreinen", "grondslag", "soort"],
    )  # fmt: skip
    row = compare_agreements(parcels, agreements, as_of=AS_OF).set_index("afspraak_id").loc["P1"]
    assert row["actual_ha"] == pytest.approx(4.0)
    assert row["ruimte_ha"] == pytest.approx(6.0)
