"""`toevoeging` agreements counted from a real register's history (GeoPackage store).

The hand-worked history (rectangles 100 m high, so every hectare is known), Hardenberg:

    2019-01-01 delivery 1                       2020-01-01 delivery 2
    H1 Heemserpoort woon_werk 2.0 ha fase 4     fase 2                     converted
    H2 Heemserpoort woon_werk 1.0 ha fase 4     fase 1, sold 2019-10-01    converted, then sold
    H3 Heemserpoort woon_werk 0.5 ha fase 1     fase 1                     hard from the start
    H5 Heemserpoort gemengd   0.4 ha fase 4     fase 1                     other segment
    B1 Broeklanden  woon_werk 3.0 ha fase 4     fase 1                     other park
    H4 (absent)                                 Heemserpoort woon_werk 0.6 ha fase 1: new
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from conftest import DATA, cli, frame, parcel, rect

from terreinen import read_parcels, settings
from terreinen.agreements import DeliveryHistory, compare_agreements
from terreinen.register import Register, example_deliveries

FIRST, SECOND = "2019-01-01", "2020-01-01"
HEADER = ["afspraak_id", "gebied", "niveau", "segment", "plancapaciteit", "max_ha",
          "periode_start", "periode_eind", "terreinen", "grondslag", "soort"]  # fmt: skip


def hardenberg(kavel_id, x, width, terrein="Heemserpoort", segment="woon_werk", **fields):
    fields = {"status": "niet_terstond_uitgeefbaar", **fields}
    return parcel(kavel_id, rect(x, 0, width, 100, "Hardenberg"), terrein=terrein, segment=segment,
                  gemeente="Hardenberg", provincie="Overijssel", **fields)  # fmt: skip


def delivery_1():
    return frame(
        [
            hardenberg("H1", 0, 200, planfase=4),
            hardenberg("H2", 200, 100, planfase=4),
            hardenberg("H3", 300, 50, planfase=1, status="terstond_uitgeefbaar"),
            hardenberg("H5", 350, 40, planfase=4, segment="gemengd"),
            hardenberg("B1", 400, 300, planfase=4, terrein="Broeklanden"),
        ]
    )


def delivery_2():
    return frame(
        [
            hardenberg("H1", 0, 200, planfase=2),
            hardenberg("H2", 200, 100, planfase=1, status="uitgegeven", uitgiftedatum="2019-10-01"),
            hardenberg("H3", 300, 50, planfase=1, status="terstond_uitgeefbaar"),
            hardenberg("H5", 350, 40, planfase=1, segment="gemengd"),
            hardenberg("B1", 400, 300, planfase=1, terrein="Broeklanden"),
            hardenberg("H4", 700, 60, planfase=1, status="terstond_uitgeefbaar"),
        ]
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("history") / "register.gpkg"
    with Register.create(path) as register:
        register.import_delivery(delivery_1(), date=FIRST, source="levering 1")
        register.import_delivery(delivery_2(), date=SECOND, source="levering 2")
    return path


@pytest.fixture(scope="module")
def register(store):
    with Register.open(store) as opened:
        yield opened


# id, segment, kind, max_ha, start, end, parks, soort
AGREEMENTS = pd.DataFrame(
    [
        ["T1", "Hardenberg", "gemeente", "woon_werk", "hard", 3, FIRST, "2022-12-31", "Heemserpoort", "toevoeging", ""],
        ["T2", "Hardenberg", "gemeente", "woon_werk", "hard", 3, "2020-06-01", "2022-12-31", "Heemserpoort", "toevoeging", ""],
        ["T3", "Hardenberg", "gemeente", "", "totaal", 1, FIRST, "2022-12-31", "Heemserpoort", "toevoeging", ""],
        ["T4", "Hardenberg", "gemeente", "", "hard", 5, "2018-01-01", "2022-12-31", "Heemserpoort", "toevoeging", ""],
        ["T5", "Hardenberg", "gemeente", "", "hard", 5, FIRST, "2022-12-31", "Broeklanden", "toevoeging", "minimum"],
        ["T6", "Hardenberg", "gemeente", "woon_werk", "hard", 3, FIRST, "2019-12-31", "Heemserpoort", "toevoeging", ""],
        ["T7", "Hardenberg", "gemeente", "woon_werk", "hard", 3, FIRST, "2022-12-31", "Heemserpoort", "", ""],
    ],
    columns=HEADER,
)  # fmt: skip


def compared(register, as_of):
    parcels = register.state(as_of=as_of)
    table = compare_agreements(parcels, AGREEMENTS, as_of=as_of, history=register)
    return table.set_index("afspraak_id")


@pytest.fixture(scope="module")
def on_2022(register):
    return compared(register, "2022-12-31")


def test_counts_exactly_the_hectares_converted_in_the_period_at_the_park(on_2022):
    # H1 2 (soft -> hard) + H2 1 (soft -> hard, then sold) + H4 0.6 (new and hard);
    # not H3 (hard before the period), H5 (gemengd) or B1 (Broeklanden)
    row = on_2022.loc["T1"]
    assert row["actual_ha"] == pytest.approx(3.6)
    assert row["ruimte_ha"] == pytest.approx(3 - 3.6)
    assert row["status"] == "overprogrammering" and row["reden"] == ""


def test_a_conversion_before_the_period_does_not_count(on_2022):
    # the conversions were delivered on 2020-01-01, before this period's start
    assert on_2022.loc["T2", "actual_ha"] == 0.0
    assert on_2022.loc["T2", "status"] == "binnen_afspraak"


def test_totaal_counts_new_capacity_only(on_2022):
    # H4 is the only new parcel; the conversions were capacity already (soft)
    assert on_2022.loc["T3", "actual_ha"] == pytest.approx(0.6)


def test_history_that_does_not_reach_back_is_unknown(on_2022):
    row = on_2022.loc["T4"]
    assert row["status"] == "onbekend" and pd.isna(row["actual_ha"])
    assert "does not reach back to 2018-01-01 for Hardenberg" in row["reden"]


def test_a_minimum_on_additions_reads_tekort(on_2022):
    # Broeklanden: B1 3 ha made hard, 5 ha promised
    assert on_2022.loc["T5", "actual_ha"] == pytest.approx(3.0)
    assert on_2022.loc["T5", "status"] == "tekort"
    assert on_2022.loc["T5", "ruimte_ha"] == pytest.approx(-2.0)


def test_the_period_ends_before_the_as_of_date(on_2022):
    # period 2019: the second delivery (2020-01-01) lies after its end
    assert on_2022.loc["T6", "actual_ha"] == 0.0
    assert on_2022.loc["T6", "status"] == "inactief"


def test_voorraad_beside_it_counts_the_stock(on_2022):
    # Heemserpoort woon_werk hard and unsold on 2022-12-31: H1 2 + H3 0.5 + H4 0.6
    assert on_2022.loc["T7", "actual_ha"] == pytest.approx(3.1)


def test_before_the_second_delivery_nothing_was_added(register):
    table = compared(register, "2019-06-01")
    assert table.loc["T1", "actual_ha"] == 0.0
    assert table.loc["T1", "status"] == "binnen_afspraak"


def test_deliveries_in_memory_count_as_the_register(register, on_2022):
    history = DeliveryHistory(
        [(FIRST, read_parcels(delivery_1())), (SECOND, read_parcels(delivery_2()))]
    )
    table = compare_agreements(
        register.state(as_of="2022-12-31"), AGREEMENTS, as_of="2022-12-31", history=history
    ).set_index("afspraak_id")
    pd.testing.assert_series_equal(table["actual_ha"], on_2022["actual_ha"])
    assert table["reden"].tolist() == on_2022["reden"].tolist()


def test_cli_register_as_parcels_and_as_store(store, tmp_path):
    path = tmp_path / "afspraken.csv"
    AGREEMENTS.to_csv(path, index=False)
    for args in ([store], [DATA / "parcels.geojson", "--store", store]):
        result = cli(
            "agreements",
            *args,
            "-a",
            path,
            "--as-of",
            "2022-12-31",
            "-f",
            "csv",
            "--csv",
            "international",
        )
        assert result.exit_code == 0, result.stderr
        cells = next(r for r in csv.reader(io.StringIO(result.stdout)) if r[0] == "T1")
        assert float(cells[6]) == pytest.approx(3.6)


def test_cli_store_that_is_no_register(tmp_path):
    result = cli("agreements", "--store", tmp_path / "nope.gpkg", "--as-of", "2022-12-31")
    assert result.exit_code == 2 and "no register there" in result.stderr


WEST_OVERIJSSEL = [
    ("WO-2019-1", "Heemserpoort", "woon_werk"),
    ("WO-2019-2", "Broeklanden II (Zuid)", "zwaar"),
    ("WO-2019-3", "Bedrijventerrein Dedemsvaart", None),
]


@pytest.fixture(scope="module")
def made_hard(embedded):
    """Per West-Overijssel agreement, the hectares of its park (and segment) that were soft
    in the first embedded delivery and are hard and issuable in the embedded parcels."""
    first = next(d for date, _, d in example_deliveries() if date == FIRST)
    soft_then = set(first.loc[first["planfase"] >= 3, "kavel_id"])
    made = {}
    for afspraak, park, segment in WEST_OVERIJSSEL:
        at_park = embedded[
            (embedded["terrein"] == park)
            & embedded["kavel_id"].isin(soft_then)
            & embedded["planfase"].isin([1, 2])
            & (embedded["status"] != "niet_uitgeefbaar")
        ]
        if segment:
            at_park = at_park[at_park["segment"] == segment]
        assert len(at_park) > 0
        made[afspraak] = at_park["oppervlakte_ha"].sum()
    return made


def test_embedded_agreements_show_the_realised_conversions(made_hard):
    """West-Overijssel 2019-2022 on the embedded history (the default of the command)."""
    result = cli("agreements", "--as-of", "2022-12-31", "-f", "csv", "--csv", "international")
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"segment": str})
    table = table.set_index("afspraak_id")
    for afspraak, hectares in made_hard.items():
        assert table.loc[afspraak, "actual_ha"] == pytest.approx(hectares, abs=0.005)  # 2 decimals
        assert table.loc[afspraak, "grondslag"] == "toevoeging"


def test_embedded_workbook_counts_them_too(made_hard, tmp_path):
    path = tmp_path / "studie.xlsx"
    result = cli("export", "--to", path, "--as-of", "2022-12-31")
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(path)["afspraken"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    for afspraak, hectares in made_hard.items():
        assert rows[afspraak][header.index("actual_ha")] == pytest.approx(hectares)


def test_demand_reads_a_register_on_the_as_of_date(store):
    result = cli(
        "demand", store, "--as-of", "2022-12-31", "--format", "csv", "--csv", "international"
    )
    assert result.exit_code == 0, result.stderr
    rows = csv.reader(io.StringIO(result.stdout))
    cells = next(r for r in rows if r[:2] == ["Hardenberg", "woon_werk"])
    # take-up 2012-2021: H2 1 ha sold 2019-10-01 -> 0.1 ha a year, 1 ha in 10 years;
    # hard and unsold on 2022-12-31: H1 2 + H3 0.5 + H4 0.6 (Heemserpoort) + B1 3 (Broeklanden)
    assert float(cells[2]) == pytest.approx(0.1)
    assert float(cells[4]) == pytest.approx(1.0)
    assert float(cells[6]) == pytest.approx(6.1)
    assert cells[-1] == "voldoende"


def test_a_period_that_ended_before_the_first_delivery_is_unknown(tmp_path, monkeypatch):
    # one delivery on 2026-01-01; the agreement's period 2019-2022 ended before it: what was
    # made hard within the period is unknown (not 0.0, not a crash), the stock beside it known
    store = tmp_path / "register.gpkg"
    with Register.create(store) as register:
        register.import_delivery(delivery_2(), date="2026-01-01", source="levering 2026")
    path = tmp_path / "afspraken.csv"
    AGREEMENTS.loc[AGREEMENTS["afspraak_id"].isin(["T1", "T7"])].to_csv(path, index=False)
    result = cli("agreements", store, "-a", path, "--as-of", "2026-06-30", "-f", "csv",
                 "--csv", "international")  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout)).set_index("afspraak_id")
    assert pd.isna(table.loc["T1", "actual_ha"])
    assert table.loc["T1", "reden"] == (
        "the history holds no delivery on or before 2022-12-31: capacity added within the "
        "period is unknown"
    )
    monkeypatch.setattr(settings, "language", settings.language)  # restored after --lang nl
    result = cli("agreements", store, "-a", path, "--as-of", "2026-06-30", "-f", "csv",
                 "--csv", "international", "--lang", "nl")  # fmt: skip
    dutch = pd.read_csv(io.StringIO(result.stdout)).set_index("afspraak_id")
    assert dutch.loc["T1", "reden"] == (
        "de geschiedenis heeft geen levering op of voor 2022-12-31: de capaciteit die in de "
        "periode is toegevoegd, is onbekend"
    )
    # T7 (voorraad): Heemserpoort woon_werk hard and unsold on 2026-06-30: H1 2 + H3 0.5
    # + H4 0.6 (H2 sold)
    assert table.loc["T7", "actual_ha"] == pytest.approx(3.1)
