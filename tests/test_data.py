"""The embedded dataset: its totals match the facts it was generated from, and the
generator reproduces it."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, ROOT

from terreinen import read_parcels, validate
from terreinen.io.files import load_parcels


def _generator():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_embedded_data_is_clean(embedded_path):
    report = validate(embedded_path)
    assert report.findings == []


def test_drenthe_totals_match_the_province(embedded):
    drenthe = embedded[embedded["provincie"] == "Drenthe"]
    assert drenthe["oppervlakte_ha"].sum() == pytest.approx(2600, rel=0.10)
    assert 60 <= drenthe["terrein"].nunique() <= 80
    assert drenthe["gemeente"].nunique() == 12


def test_hardenberg_totals_and_named_parks(embedded):
    hardenberg = embedded[embedded["gemeente"] == "Hardenberg"]
    assert hardenberg["oppervlakte_ha"].sum() == pytest.approx(485, rel=0.05)
    unsold = hardenberg[
        hardenberg["status"].isin(["terstond_uitgeefbaar", "niet_terstond_uitgeefbaar", "optie"])
    ]
    by_park = unsold.groupby("terrein")["oppervlakte_ha"].sum()
    assert by_park["Heemserpoort"] == pytest.approx(15, abs=1)
    assert by_park["Broeklanden II (Zuid)"] == pytest.approx(12, abs=1)
    assert by_park["Bedrijventerrein Dedemsvaart"] == pytest.approx(10, abs=1)
    woon_werk = unsold[unsold["terrein"] == "Heemserpoort"]
    assert (woon_werk["segment"] == "woon_werk").mean() > 0.8
    heavy = unsold[unsold["terrein"] == "Broeklanden II (Zuid)"]
    assert (heavy["milieucategorie"] >= "3.2").all()


def test_hardenberg_sold_about_six_hectares_a_year(embedded):
    sold = embedded[(embedded["gemeente"] == "Hardenberg") & (embedded["status"] == "uitgegeven")]
    years = sold["uitgiftedatum"].dt.year
    last_twenty = sold.loc[years.between(2006, 2025), "oppervlakte_ha"].sum() / 20
    assert last_twenty == pytest.approx(6, abs=0.75)
    assert sold["uitgiftedatum"].notna().all()


def test_parcels_are_realistic(embedded):
    plots = embedded[embedded["status"] != "niet_uitgeefbaar"]["oppervlakte_ha"]
    assert plots.between(0.1, 5).mean() > 0.85
    assert (plots > 5).sum() >= 5  # a few large lots
    infra = embedded[embedded["status"] == "niet_uitgeefbaar"]["oppervlakte_ha"].sum()
    assert 0.05 < infra / embedded["oppervlakte_ha"].sum() < 0.25
    assert embedded["kavel_id"].is_unique


def test_generator_reproduces_the_embedded_file(embedded):
    regenerated = read_parcels(_generator().generate_parcels())
    assert len(regenerated) == len(embedded)
    assert regenerated["kavel_id"].tolist() == embedded["kavel_id"].tolist()
    # the file holds WGS84 degrees: its areas must match the generator's RD areas to 0.1%
    np.testing.assert_allclose(regenerated["oppervlakte_ha"], embedded["oppervlakte_ha"], rtol=1e-3)
    for column in ("status", "planfase", "milieucategorie", "segment", "uitgiftedatum"):
        pd.testing.assert_series_equal(regenerated[column], embedded[column], check_dtype=False)


def test_region_table_covers_every_municipality(embedded):
    regions = pd.read_csv(DATA / "gemeenten.csv")
    assert list(regions.columns) == ["gemeente", "provincie", "regio"]
    assert set(embedded["gemeente"]) == set(regions["gemeente"])
    assert set(regions.loc[regions["gemeente"] == "Hardenberg", "regio"]) == {
        "West-Overijssel",
        "Regio Zwolle",
    }


def test_scaled_parcels_are_copies_that_do_not_overlap(embedded):
    generate = _generator()
    n = 3 * len(embedded) + 500  # the original, two whole copies and part of a fourth
    scaled = generate.scaled_parcels(n)
    assert len(scaled) == n and scaled["kavel_id"].is_unique
    parcels, report = load_parcels(scaled)
    assert report.findings == []  # no overlaps, all inside the Netherlands
    copy_3 = parcels[parcels["kavel_id"].str.startswith("3-")]
    assert copy_3["oppervlakte_ha"].sum() == pytest.approx(
        embedded["oppervlakte_ha"].sum(), rel=1e-3
    )
    assert set(copy_3["gemeente"]) == {f"{g} 3" for g in embedded["gemeente"].unique()}


def test_scaled_parcels_in_pieces_join_up():
    generate = _generator()
    whole = generate.scaled_parcels(7_100)
    piece = generate.scaled_parcels(300, first=6_800)
    assert piece["kavel_id"].tolist() == whole["kavel_id"].iloc[6_800:].tolist()
    assert piece.geometry.geom_equals_exact(
        whole.geometry.iloc[6_800:].reset_index(drop=True), 0
    ).all()
    with pytest.raises(ValueError, match="at most 5,040,000 parcels"):
        generate.scaled_parcels(10, first=5_040_000)
