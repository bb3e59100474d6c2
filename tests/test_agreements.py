"""terreinen.agreements: each kind of capacity, over-programming, inactive agreements and
municipalities without one, on the hand-built fixture of test_capacity."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import AS_OF, REGIONS, build

from terreinen import TerreinenDataError, TerreinenReadError, settings
from terreinen.agreements import compare_agreements
from terreinen.io.tables import read_agreements

AGREEMENTS = pd.DataFrame(
    [
        ["X1", "Assen", "gemeente", "", "hard", "10", "2020-01-01", "2030-12-31", "test"],
        ["X2", "Assen", "gemeente", "logistiek", "hard", "4", "2020-01-01", "2030-12-31", "test"],
        ["X3", "R1", "regio", "", "zacht", "3", "2020-01-01", "2030-12-31", "test"],
        ["X4", "Drenthe", "provincie", "", "totaal", "9", "2020-01-01", "2030-12-31", "test"],
        ["X5", "Emmen", "gemeente", "", "totaal", "5", "2010-01-01", "2015-12-31", "test"],
    ],
    columns=["afspraak_id", "gebied", "niveau", "segment", "plancapaciteit", "max_ha",
             "periode_start", "periode_eind", "bron"],
)  # fmt: skip


@pytest.fixture(scope="module")
def comparison():
    return compare_agreements(build(), AGREEMENTS, as_of=AS_OF, regions=REGIONS).set_index(
        "afspraak_id", drop=False
    )


@pytest.mark.parametrize(
    "afspraak,actual,status",
    [
        ("X1", 7.0, "binnen_afspraak"),  # Assen hard: A 1 + B 2 + G 4 (sold after the as-of date)
        ("X2", 5.0, "overprogrammering"),  # Assen logistiek hard: A 1 + G 4
        ("X3", 2.0, "binnen_afspraak"),  # R1 soft: C 0.5 (Assen) + H 1.5 (Emmen)
        ("X4", 10.25, "overprogrammering"),  # Drenthe unsold: 7.5 + 1.5 + 1.25
        ("X5", 1.5, "inactief"),  # period 2010-2015 does not hold the as-of date
    ],
)
def test_each_agreement(comparison, afspraak, actual, status):
    row = comparison.loc[afspraak]
    max_ha = float(AGREEMENTS.set_index("afspraak_id").loc[afspraak, "max_ha"])
    assert row["actual_ha"] == pytest.approx(actual)
    assert row["ruimte_ha"] == pytest.approx(max_ha - actual)
    assert row["benutting_pct"] == pytest.approx(100 * actual / max_ha)
    assert row["status"] == status


def test_municipality_without_agreement(comparison):
    extra = comparison[comparison["status"] == "geen_afspraak"]
    # Coevorden has 1.25 ha unsold and only the provincial agreement; Hardenberg has none unsold
    assert extra["gebied"].tolist() == ["Coevorden"]
    assert extra["actual_ha"].iloc[0] == pytest.approx(1.25)


def test_columns(comparison):
    assert list(comparison.columns[:10]) == [
        "afspraak_id", "gebied", "niveau", "segment", "plancapaciteit", "max_ha",
        "actual_ha", "ruimte_ha", "benutting_pct", "status",
    ]  # fmt: skip


def test_inactive_agreement_no_longer_covers(comparison):
    on_2012 = compare_agreements(build(), AGREEMENTS, as_of="2012-06-01", regions=REGIONS)
    statuses = dict(zip(on_2012["afspraak_id"], on_2012["status"], strict=True))
    assert statuses["X5"] == "binnen_afspraak" and statuses["X1"] == "inactief"
    assert "Assen" in set(on_2012.loc[on_2012["status"] == "geen_afspraak", "gebied"])


def test_unknown_area_is_named_with_a_suggestion():
    bad = AGREEMENTS.assign(gebied=["Asen", "Assen", "R1", "Drenthe", "Emmen"])
    with pytest.raises(TerreinenDataError) as info:
        compare_agreements(build(), bad, as_of=AS_OF, regions=REGIONS)
    [finding] = info.value.report.errors
    assert (finding.row, finding.column) == (1, "gebied")
    assert "'Assen'" in finding.suggestion


def test_regional_agreement_without_region_table():
    with pytest.raises(TerreinenDataError, match="region table"):
        compare_agreements(build(), AGREEMENTS, as_of=AS_OF)


def test_bad_agreement_values_are_named(tmp_path):
    path = tmp_path / "afspraken.csv"
    AGREEMENTS.assign(plancapaciteit=["hard", "harde", "zachtt", "totaal", "hard"]).assign(
        max_ha=["10", "4", "drie", "9", "5"]
    ).to_csv(path, index=False)
    with pytest.raises(TerreinenDataError) as info:
        read_agreements(path)
    found = {(f.row, f.column) for f in info.value.report.errors}
    assert found == {(3, "plancapaciteit"), (3, "max_ha")}


def test_missing_agreements_file(tmp_path):
    with pytest.raises(TerreinenReadError, match="not found"):
        read_agreements(tmp_path / "nope.csv")


def test_embedded_agreements(embedded):
    from conftest import DATA

    from terreinen.agreements import DeliveryHistory
    from terreinen.register import example_deliveries

    # the West-Overijssel agreements count what was made hard: from the embedded history
    history = DeliveryHistory((date, frame) for date, _, frame in example_deliveries())
    table = compare_agreements(
        embedded,
        DATA / "agreements.csv",
        as_of="2021-06-01",
        regions=DATA / "gemeenten.csv",
        history=history,
    ).set_index("afspraak_id")
    heemserpoort = table.loc["WO-2019-1"]
    assert heemserpoort["status"] != "inactief"
    assert heemserpoort["actual_ha"] == pytest.approx(15, abs=1.5)  # the 15 ha woon-werkkavels
    assert table.loc["DR-ZOD-1", "status"] == "inactief"  # 2024-2030


def test_the_agreements_findings_are_said_in_dutch(monkeypatch):
    """A misspelt municipality, an unknown segment and a regional agreement without the
    region table, each named in the reader's language with its suggestion."""
    bad = AGREEMENTS.assign(
        gebied=["Asen", "Assen", "R1", "Drenthe", "Emmen"],
        segment=["", "logistik", "", "", ""],
    )
    monkeypatch.setattr(settings, "language", "nl")
    with pytest.raises(TerreinenDataError) as info:
        compare_agreements(build(), bad, as_of=AS_OF)
    said = [(f.row, f.message, f.suggestion) for f in info.value.report.errors]
    assert said == [
        (1, "gemeente 'Asen' staat niet in de kavels of de regiotabel", "bedoelde u 'Assen'?"),
        (2, "onbekend segment 'logistik'", "bedoelde u 'logistiek'?"),
        (
            3,
            "regio 'R1' staat niet in de kavels of de regiotabel",
            "regionale afspraken vragen regions=..., de tabel van gemeenten en regio's "
            "(opdrachtregel: --regions)",
        ),
    ]
