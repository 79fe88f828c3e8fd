"""The kinetic fit's targets file (dualion.model.rate_fit): the paper set's equilibrium, its cell, one discharge per
(LiCl, rate)."""

from __future__ import annotations

import numpy as np
import pytest

from dualion.model import paper_set as ps
from dualion.model.fit import Evaluator
from dualion.model.rate_fit import PAPER_RATE_TARGETS, RATE_FIT_BOUNDS, paper_rate_spec


def test_spec_uses_the_paper_set_equilibrium_and_cell():
    spec = paper_rate_spec()
    assert set(spec.parameters) == set(RATE_FIT_BOUNDS)
    assert len(spec.targets) == len(PAPER_RATE_TARGETS)
    ev = Evaluator(spec)
    p = {n: spec.parameters[n].initial for n in spec.parameters}
    model, dE = ev.model_for(p)
    assert dE == ps.value("delta_e_ref_V")
    V = np.linspace(2.3, 0.05, 120)
    kw = dict(li_activity=0.2, delta_e_ref_V=dE, activity_exponent=ps.value("activity_exponent"))
    a, b = model.curve(V, **kw), ps.defective_model().curve(V, **kw)
    assert np.max(np.abs(a.Q_mAh_g - b.Q_mAh_g)) < 1e-9
    # the cell of the rate targets is the paper set's cell (transport on, the set's kinetics, ν)
    from dualion.cell import CellParameters

    cp = ev.cell_parameters(p, 0.2, dE)
    ref = CellParameters.paper(licl_M=0.2)
    for f in ("D_Li_cm2_s", "D_Mg_cm2_s", "j0_Li_mA_cm2", "j0_Mg_mA_cm2", "D_Li_electrolyte_cm2_s",
              "activity_exponent", "electrolyte_transport", "separator_um", "loading_mg_cm2"):
        assert getattr(cp, f) == pytest.approx(getattr(ref, f), rel=1e-12), f


def test_one_discharge_serves_both_uptake_targets(monkeypatch):
    from dualion import cell

    calls = []
    real = cell.discharge

    def counting(*a, **k):
        calls.append(a[1])
        return real(*a, **k)

    monkeypatch.setattr(cell, "discharge", counting)
    targets = [{**t, "rate_mA_g": 1000.0} for t in PAPER_RATE_TARGETS if t["kind"] == "rate_uptake"]
    spec = paper_rate_spec(names=("log10_D_Mg",), targets=targets)
    ev = Evaluator(spec)
    v = ev.values({"log10_D_Mg": spec.parameters["log10_D_Mg"].initial})
    assert len(calls) == 1 and calls[0] == 1000.0
    assert 0 < v[0] < 0.78 and 0 < v[1] < 0.22 + 1e-9
