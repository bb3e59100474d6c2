"""terreinen.validation: every finding, each from a small hand-made file."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import shapely
from conftest import X0, Y0, frame, parcel, rect

from terreinen import validate


def _write(tmp_path, rows, crs="EPSG:28992", name="kavels.gpkg"):
    path = tmp_path / name
    frame(rows, crs=crs).to_file(path)
    return path


def _only(report, severity="error"):
    found = [f for f in report.findings if f.severity == severity]
    assert len(found) == 1, [str(f) for f in report.findings]
    return found[0]


def test_clean_file_has_no_findings(tmp_path, three_parcels):
    path = tmp_path / "ok.gpkg"
    three_parcels.to_file(path)
    report = validate(path)
    assert report.ok and report.findings == []
    assert report.summary().endswith("3 parcels, 0 errors, 0 warnings")


def test_missing_required_column_with_suggestion(tmp_path, three_parcels):
    path = tmp_path / "k.gpkg"
    three_parcels.rename(columns={"status": "statuss"}).to_file(path)
    finding = _only(validate(path))
    assert finding.column == "status" and finding.row is None
    assert "missing" in finding.message and "statuss" in finding.suggestion


@pytest.mark.parametrize(
    "column,value,suggestion",
    [
        ("status", "uitgegevn", "did you mean 'uitgegeven'?"),
        ("status", "te koop", "allowed values"),
        ("milieucategorie", "7", "allowed values"),
        ("milieucategorie", "4", "write one of 4.1, 4.2"),
        ("segment", "zwaar!", "did you mean 'zwaar'?"),
        ("planfase", "7", "allowed values: 1, 2, 3, 4, 5"),
        ("eigenaar", "gemeentee", "did you mean 'gemeente'?"),
    ],
)
def test_unknown_category_value_is_an_error_with_a_suggestion(tmp_path, column, value, suggestion):
    path = _write(
        tmp_path,
        [parcel("A", rect(0, 0, 10, 10)), parcel("B", rect(20, 0, 10, 10), **{column: value})],
    )
    finding = _only(validate(path))
    assert (finding.row, finding.kavel_id, finding.column) == (2, "B", column)
    assert repr(value) in finding.message
    assert suggestion in finding.suggestion


@pytest.mark.parametrize(
    "column,value,canonical",
    [
        ("milieucategorie", "4,2", "4.2"),
        ("status", "Uitgegeven", "uitgegeven"),
        ("status", "Niet terstond uitgeefbaar", "niet_terstond_uitgeefbaar"),
        ("status", "verkocht", "uitgegeven"),
        ("planfase", "vastgesteld", "2"),
        ("segment", "Woon-werk", "woon_werk"),
    ],
)
def test_respelled_values_are_read_with_a_warning(tmp_path, column, value, canonical):
    extra = {"uitgiftedatum": "2020-01-01"} if canonical == "uitgegeven" else {}
    path = _write(tmp_path, [parcel("A", rect(0, 0, 10, 10), **{column: value}, **extra)])
    from terreinen.io.files import load_parcels

    parcels, report = load_parcels(path)
    finding = _only(report, "warning")
    assert finding.column == column and f"read as {canonical!r}" in finding.message
    assert str(parcels[column].iloc[0]) == canonical


def test_duplicate_kavel_id(tmp_path):
    rows = [
        parcel("A", rect(0, 0, 10, 10)),
        parcel("B", rect(20, 0, 10, 10)),
        parcel("A", rect(40, 0, 10, 10)),
    ]
    finding = _only(validate(_write(tmp_path, rows)))
    assert (finding.row, finding.kavel_id, finding.column) == (3, "A", "kavel_id")
    assert "first used in row 1" in finding.message


def test_missing_required_value(tmp_path):
    rows = [parcel("A", rect(0, 0, 10, 10), terrein=None)]
    finding = _only(validate(_write(tmp_path, rows)))
    assert (finding.row, finding.column) == (1, "terrein") and "missing" in finding.message


def test_null_and_empty_geometry(tmp_path):
    rows = [parcel("A", rect(0, 0, 10, 10)), parcel("B", None), parcel("C", shapely.Polygon())]
    report = validate(_write(tmp_path, rows))
    assert [(f.row, f.column) for f in report.errors] == [(2, "geometry"), (3, "geometry")]


def test_non_polygon_geometry(tmp_path):
    path = tmp_path / "k.geojson"
    rows = [parcel("A", rect(0, 0, 10, 10)), parcel("B", shapely.Point(X0, Y0))]
    frame(rows).to_crs(4326).to_file(path)
    finding = _only(validate(path))
    assert finding.row == 2 and "Point" in finding.message


def test_invalid_geometry_is_repaired_with_a_warning(tmp_path):
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    from terreinen.io.files import load_parcels

    parcels, report = load_parcels(_write(tmp_path, [parcel("A", bowtie)]))
    finding = _only(report, "warning")
    assert finding.row == 1 and "make_valid" in finding.message
    assert parcels.geometry.iloc[0].is_valid
    assert parcels["oppervlakte_ha"].iloc[0] == pytest.approx(0.5)  # two triangles of 0.25 ha


def _geojson_without_crs(tmp_path, coords):
    path = tmp_path / "nocrs.geojson"
    feature = {
        "type": "Feature",
        "properties": {k: v for k, v in parcel("A", None).items() if k != "geometry"},
        "geometry": {"type": "Polygon", "coordinates": [coords]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def test_rd_coordinates_in_a_geojson_without_crs(tmp_path):
    square = [[X0, Y0], [X0 + 100, Y0], [X0 + 100, Y0 + 100], [X0, Y0 + 100], [X0, Y0]]
    from terreinen.io.files import load_parcels

    parcels, report = load_parcels(_geojson_without_crs(tmp_path, square))
    finding = _only(report, "warning")
    assert "RD New" in finding.message
    assert parcels["oppervlakte_ha"].iloc[0] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "coords,expected",
    [
        ([[6.56, 52.99], [6.561, 52.99], [6.561, 52.991], [6.56, 52.99]], "WGS84"),  # Assen
        ([[0, 0], [10, 0], [10, 10], [0, 0]], None),
    ],
    ids=["wgs84", "ambiguous"],
)
def test_missing_crs_is_told_from_the_coordinates_or_refused(tmp_path, coords, expected):
    path = tmp_path / "nocrs.csv"
    path.write_text(
        "kavel_id,terrein,gemeente,provincie,status,planfase,milieucategorie,segment,wkt\n"
        f'A,P,Assen,Drenthe,optie,1,2,gemengd,"{shapely.Polygon(coords).wkt}"\n'
    )
    report = validate(path)
    if expected:
        finding = _only(report, "warning")
        assert expected in finding.message and report.ok
    else:
        finding = _only(report)
        assert "neither RD New" in finding.message and "crs=" in finding.suggestion


def test_explicit_crs_overrides(tmp_path):
    path = tmp_path / "nocrs.csv"
    path.write_text(
        "kavel_id,terrein,gemeente,provincie,status,planfase,milieucategorie,segment,wkt\n"
        f'A,P,Assen,Drenthe,optie,1,2,gemengd,"{rect(0, 0, 100, 100).wkt}"\n'
    )
    report = validate(path, crs="EPSG:28992")
    assert report.findings == []


def test_outside_the_netherlands(tmp_path):
    paris = shapely.box(2.35, 48.85, 2.36, 48.86)
    rows = [parcel("A", shapely.box(6.56, 52.99, 6.561, 52.991)), parcel("B", paris)]
    finding = _only(validate(_write(tmp_path, rows, crs="EPSG:4326")))
    assert finding.row == 2 and "outside the Netherlands" in finding.message


def test_sold_without_sale_date(tmp_path):
    rows = [parcel("A", rect(0, 0, 10, 10), status="uitgegeven")]
    finding = _only(validate(_write(tmp_path, rows)), "warning")
    assert (finding.row, finding.column) == (1, "uitgiftedatum")


def test_sale_date_in_the_future(tmp_path):
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    rows = [parcel("A", rect(0, 0, 10, 10), status="uitgegeven", uitgiftedatum=future)]
    finding = _only(validate(_write(tmp_path, rows)), "warning")
    assert finding.column == "uitgiftedatum" and "future" in finding.message


def test_unreadable_date_and_number(tmp_path):
    rows = [
        parcel("A", rect(0, 0, 10, 10), status="uitgegeven", uitgiftedatum="ergens in 2020"),
        parcel("B", rect(20, 0, 10, 10), prijs_m2="duur"),
        parcel("C", rect(40, 0, 10, 10), prijs_m2="-5"),
    ]
    report = validate(_write(tmp_path, rows))
    assert [(f.row, f.column) for f in report.errors] == [
        (1, "uitgiftedatum"),
        (2, "prijs_m2"),
        (3, "prijs_m2"),
    ]


def test_dutch_dates_and_decimal_comma_are_read(tmp_path):
    rows = [
        parcel(
            "A",
            rect(0, 0, 10, 10),
            status="uitgegeven",
            uitgiftedatum="31-12-2019",
            prijs_m2="47,50",
        )
    ]
    from terreinen.io.files import load_parcels

    parcels, report = load_parcels(_write(tmp_path, rows))
    assert report.findings == []
    assert str(parcels["uitgiftedatum"].iloc[0].date()) == "2019-12-31"
    assert parcels["prijs_m2"].iloc[0] == 47.5


def test_soft_plan_phase_cannot_be_immediately_available(tmp_path):
    rows = [parcel("A", rect(0, 0, 10, 10), planfase=4, status="terstond_uitgeefbaar")]
    finding = _only(validate(_write(tmp_path, rows)), "warning")
    assert finding.column == "status" and "soft plan phase 4" in finding.message


def test_overlap_above_one_percent_is_reported_below_is_not(tmp_path):
    rows = [
        parcel("A", rect(0, 0, 100, 100)),
        parcel("B", rect(98, 0, 100, 100)),  # 2 m x 100 m = 2 % of B
        parcel("C", rect(300, 0, 100, 100)),
        parcel("D", rect(399.5, 0, 100, 100)),  # 0.5 %: tolerated
        parcel("E", rect(600, 0, 100, 100)),
        parcel("F", rect(700, 0, 100, 100)),  # touching only
    ]
    finding = _only(validate(_write(tmp_path, rows)), "warning")
    assert (finding.row, finding.kavel_id) == (2, "B")
    assert "'A' (row 1)" in finding.message and "2%" in finding.message


def test_overlap_depth_separates_rounding_from_real_overlap(tmp_path):
    """Edges crossing by 5 mm (a GeoJSON file's rounding) are not an overlap; 3 cm along
    a 2 m wide parcel is 1.5 % of it, and is."""
    rows = [
        parcel("A", rect(0, 0, 100, 100)),
        parcel("B", rect(99.995, 0, 100, 100)),  # 5 mm: rounding
        parcel("C", rect(300, 0, 100, 100)),
        parcel("D", rect(399.97, 0, 2, 100)),  # 3 cm x 100 m of a 2 m x 100 m parcel
        parcel("E", rect(600, 0, 100, 100)),
        parcel("F", rect(650, 50, 10, 10)),  # inside E
    ]
    report = validate(_write(tmp_path, rows))
    assert [(f.kavel_id, f.message.split(" by ")[0]) for f in report.warnings] == [
        ("D", "overlaps kavel_id 'C' (row 3)"),
        ("F", "overlaps kavel_id 'E' (row 5)"),
    ]
    assert "by 100%" in report.warnings[1].message


@pytest.mark.parametrize("threads", [1, 3])
def test_overlaps_found_alike_in_any_number_of_threads(tmp_path, monkeypatch, threads):
    monkeypatch.setattr("terreinen.settings.threads", threads)
    rows = [parcel(f"P{i}", rect(95 * i, 0, 100, 100)) for i in range(7)]  # 5 % each
    report = validate(_write(tmp_path, rows))
    assert [f.kavel_id for f in report.warnings] == [f"P{i}" for i in range(1, 7)]


def test_stated_area_that_differs_more_than_five_percent(tmp_path):
    rows = [
        parcel("A", rect(0, 0, 100, 100), oppervlakte_ha=1.04),
        parcel("B", rect(200, 0, 100, 100), oppervlakte_ha=1.2),
        parcel("C", rect(400, 0, 100, 100), oppervlakte_ha=10_000),
    ]
    report = validate(_write(tmp_path, rows))
    assert [f.row for f in report.warnings] == [2, 3]
    assert "+20%" in report.warnings[0].message
    assert "m²" in report.warnings[1].suggestion


def test_no_parcels(tmp_path, three_parcels):
    path = tmp_path / "empty.gpkg"
    three_parcels.iloc[:0].to_file(path)
    assert "no parcels" in _only(validate(path)).message


def test_report_table_and_text(tmp_path):
    rows = [parcel("A", rect(0, 0, 10, 10), status="weg")]
    report = validate(_write(tmp_path, rows))
    table = report.to_frame()
    assert table.columns.tolist() == [
        "severity",
        "row",
        "kavel_id",
        "column",
        "message",
        "suggestion",
    ]
    assert table.iloc[0].tolist()[:4] == ["error", 1, "A", "status"]
    assert "row 1, kavel_id 'A', column 'status'" in str(report)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "nl",
            [
                "fout: kolom 'milieucategorie': verplichte kolom 'milieucategorie' ontbreekt "
                "(zie docs/data-model.md in de terreinen-repository)",
                "fout: rij 1, kavel_id 'A', kolom 'status': onbekende waarde 'xyz' (",
                "fout: rij 2, kavel_id 'B', kolom 'uitgiftedatum': 'gisteren' is geen datum "
                "(schrijf datums als JJJJ-MM-DD",
                "waarschuwing: rij 2, kavel_id 'B', kolom 'geometry': overlapt kavel_id 'A' "
                "(rij 1) voor 100% (aandeel van de kleinste kavel) (kavels horen niet te "
                "overlappen)",
                "2 kavels, 3 fouten, 1 waarschuwingen",
            ],
        ),
        (
            "en",
            [
                "error: column 'milieucategorie': required column 'milieucategorie' is missing "
                "(see docs/data-model.md in the terreinen repository)",
                "error: row 1, kavel_id 'A', column 'status': unknown value 'xyz' (",
                "error: row 2, kavel_id 'B', column 'uitgiftedatum': 'gisteren' is not a date "
                "(write dates as YYYY-MM-DD",
                "warning: row 2, kavel_id 'B', column 'geometry': overlaps kavel_id 'A' (row 1) "
                "by 100% (share of the smaller parcel) (parcels should not overlap)",
                "2 parcels, 3 errors, 1 warnings",
            ],
        ),
    ],
)
def test_findings_in_the_readers_language(tmp_path, monkeypatch, lang, expected):
    """Issue 22: a finding's frame and message are in the reader's language; kavel_id,
    column names and values stay as they are."""
    rows = [
        parcel("A", rect(0, 0, 100, 100), status="xyz", uitgiftedatum=None),
        parcel("B", rect(0, 0, 50, 50), uitgiftedatum="gisteren"),  # inside A: 100 % of B
    ]
    for row in rows:
        del row["milieucategorie"]
    monkeypatch.setattr("terreinen.settings.language", lang)
    said = str(validate(_write(tmp_path, rows)))
    assert [text for text in expected if text not in said] == [], said
