"""The workbook's "vraag en aanbod" sheet: demand beside supply per municipality and
segment, unknown take-up as an empty cell."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import AS_OF, ROWS, build

from terreinen.demand import DEMAND_COLUMNS
from terreinen.export import export


def _rows(path):
    sheet = openpyxl.load_workbook(path)["vraag en aanbod"]
    header = [c.value for c in sheet[1]]
    rows = {
        (r[0], r[1]): dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    return header, rows


def test_demand_sheet(tmp_path):
    header, rows = _rows(export(build(), tmp_path / "studie.xlsx", as_of=AS_OF))
    assert header == ["gebied", "segment", *DEMAND_COLUMNS]
    # Assen gemengd: D 3 ha sold in 2020 -> 0.3 ha a year, 3 ha in 10 years; B 2 ha hard
    assert rows[("Assen", "gemengd")]["vraag_midden_ha"] == pytest.approx(3.0)
    assert rows[("Assen", "gemengd")]["aanbod_hard_ha"] == pytest.approx(2.0)
    assert rows[("Assen", "gemengd")]["oordeel"] == "tekort"
    assert rows[("Emmen", "Totaal")]["oordeel"] == "krap"  # hard 0 < 1 <= hard + soft 1.5


def test_unknown_take_up_is_an_empty_cell(tmp_path):
    undated = [(*row[:-1], None) for row in ROWS]
    _, rows = _rows(export(build(undated), tmp_path / "studie.xlsx", as_of=AS_OF))
    assert rows[("Emmen", "gemengd")]["uitgifte_ha_per_jaar"] is None
    assert rows[("Emmen", "gemengd")]["oordeel"] is None
    assert rows[("Emmen", "woon_werk")]["aanbod_zacht_ha"] == pytest.approx(1.5)
