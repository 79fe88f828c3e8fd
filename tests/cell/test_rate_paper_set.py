"""The paper set's rate curves (fitted kinetics, Li+ transport in the electrolyte): monotone, 1 M above 0.2 M."""

from __future__ import annotations

import numpy as np
import pytest

from dualion import cell
from dualion.cell import CellParameters


@pytest.fixture(scope="module")
def eq():
    from dualion.model.paper_set import defective_model

    return defective_model()


@pytest.mark.parametrize("rate", [100.0, 1000.0])
def test_no_rising_discharge_voltage_and_no_spikes_on_charge(eq, rate):
    """Galvanostatic: the discharge voltage never rises and the charge voltage never falls between recorded points
    (no spikes: a spike is a rise and fall). The jump at the current reversal (η changes sign) is not a spike."""
    p = CellParameters.paper(licl_M=0.2)
    assert p.transport_on
    res = cell.discharge_charge(p, rate, equilibrium=eq)
    d, c = res.step == 1, res.step == 2
    assert d.sum() > 20 and c.sum() > 20
    assert np.max(np.diff(res.voltage_V[d])) <= 1e-3
    assert np.min(np.diff(res.voltage_V[c])) >= -1e-3
    # the Li+ at the electrode stays physical and recovers on charge (Li+ released)
    ce = res.c_Li_electrode_M
    assert np.all(ce > 0) and ce[d].min() < p.licl_M
    assert ce[c][-1] > ce[d][-1]


def test_one_molar_above_point_two_at_1000(eq):
    q = {c: cell.summarize(cell.discharge(CellParameters.paper(licl_M=c), 1000.0, equilibrium=eq))
         for c in (0.2, 1.0)}
    assert q[1.0].discharge_capacity_mAh_g > q[0.2].discharge_capacity_mAh_g + 10
    # the 0.2 M cell is short of Li: it inserts less Li than the 1 M one
    assert q[0.2].x_Li_discharged < q[1.0].x_Li_discharged
