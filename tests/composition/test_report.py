"""The composition report tables carry the paper's numbers (hand values in test_capacity.py)."""

import pytest

from dualion.composition.report import family_table, paper_table


def test_paper_table_numbers():
    rows = {r["case"].split(" (")[0].split(",")[0]: r for r in paper_table()}
    th = rows["Theoretical Ti4+/Ti3+"]
    assert th["capacity_pristine_mAh_g"] == pytest.approx(294.36, abs=0.01)     # 0.78 e / 71.018 g mol-1
    icp = rows["ICP-AES"]
    assert icp["electrons_per_formula"] == pytest.approx(0.83)                 # 0.47 + 2 × 0.18
    assert icp["capacity_pristine_mAh_g"] == pytest.approx(313.23, abs=0.01)
    assert icp["capacity_discharged_mAh_g"] == pytest.approx(282.82, abs=0.01)
    assert rows["Site model x = 0.30"]["capacity_pristine_mAh_g"] == pytest.approx(264.17, abs=0.01)
    assert rows["Site model x = 0.35"]["capacity_pristine_mAh_g"] == pytest.approx(283.04, abs=0.01)


def test_family_table_corners():
    rows = family_table(step=0.1)
    # 0.1 grid on x, y ≥ 0, x + y ≤ 0.5: 6 + 5 + 4 + 3 + 2 + 1 = 21 points, plus the paper's (0.10, 0.12)
    assert len(rows) == 22
    tio2 = next(r for r in rows if r["x"] == 0 and r["y"] == 0)
    assert tio2["formula"] == "TiO2" and tio2["theoretical_capacity_mAh_g"] == pytest.approx(335.58, abs=0.01)
    paper = [r for r in rows if r["is_paper"]]
    assert len(paper) == 1 and paper[0]["formula"] == "Ti0.78□0.22O1.12F0.40(OH)0.48"
