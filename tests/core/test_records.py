"""Results load back: load(dump(x)) == x for every result type, under the one NaN policy."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualion
from dualion.core import CyclerData, Electrolyte, Host, records
from dualion.core.records import Record, jsonable, records_equal, register
from dualion.errors import DualionUserError


def roundtrip(obj, tmp_path, name="r.json"):
    path = dualion.dump(obj, tmp_path / name)
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text        # strict JSON
    assert json.loads(text)["kind"] == obj.kind
    return dualion.load(path)


# ---------------------------------------------------------------------------------------- the policy
def test_json_policy_nan_null_inf_strings():
    data = {"a": float("nan"), "b": [1.0, float("inf"), -math.inf], "c": np.array([np.nan, 2.0]), "d": np.int64(3)}
    assert jsonable(data) == {"a": None, "b": [1.0, "inf", "-inf"], "c": [None, 2.0], "d": 3}
    back = records.floats(jsonable(data)["b"])
    assert back[1] == math.inf and back[2] == -math.inf
    assert math.isnan(records.num(None))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=20))
def test_float_arrays_round_trip_bit_for_bit(vals):
    a = np.array(vals, dtype=float)
    b = records.floats(json.loads(json.dumps(jsonable(a), allow_nan=False)))
    assert np.array_equal(a, b, equal_nan=True)


def test_registering_a_new_kind_is_two_lines(tmp_path):
    @register("testpkg.thing")
    class Thing(Record):
        def __init__(self, v):
            self.v = v

        def to_dict(self):
            return {"v": self.v}

        @classmethod
        def from_dict(cls, d):
            return cls(d["v"])

    assert roundtrip(Thing(1.5), tmp_path) == Thing(1.5)
    assert Thing(1.5) != Thing(2.0)


def test_load_errors_are_user_errors(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"no": "kind"}')
    with pytest.raises(DualionUserError, match="kind"):
        dualion.load(p)
    p.write_text('{"kind": "nowhere.nothing"}')
    with pytest.raises(DualionUserError, match="unknown result kind"):
        dualion.load(p)
    with pytest.raises(DualionUserError, match="not found"):
        dualion.load(tmp_path / "missing.json")


# ---------------------------------------------------------------------------------------- core objects
@settings(max_examples=25, deadline=None)
@given(c=st.floats(0.0, 2.0), dE=st.floats(0.5, 1.0), T=st.floats(250.0, 350.0))
def test_electrolyte_round_trip(tmp_path_factory, c, dE, T):
    e = Electrolyte.licl(c, delta_e_ref_V=dE, T_K=T)
    assert roundtrip(e, tmp_path_factory.mktemp("e")) == e


def test_host_round_trip(tmp_path):
    h = Host.paper()
    back = roundtrip(h, tmp_path)
    assert back == h and back.molar_mass_g_mol == h.molar_mass_g_mol


def test_cycler_data_round_trip(tmp_path):
    from dualion.core import make_cycler_data

    t = np.linspace(0, 100, 11)
    d = make_cycler_data(t, 1.0 + 0.01 * t, np.where(t < 50, -0.1, 0.1), step=(t >= 50).astype(int) + 1,
                         mass_mg=1.6, source="s", meta={"reference": "Mg"})
    back = roundtrip(d, tmp_path)
    assert back == d and back.reference == "Mg" and back.step.dtype == np.int64


# ---------------------------------------------------------------------------------------- domain results
def test_phase_diagram_round_trip(tmp_path):
    from dualion.thermo import load_site_models, phase_diagram

    (pv,) = load_site_models(["paired-vacancy"])
    d = phase_diagram(pv, per="charge", window=(-4, 0, -2.5, 0))
    back = roundtrip(d, tmp_path)
    assert back == d
    assert back.locate(-2.8, -2.5).label == d.locate(-2.8, -2.5).label
    assert [e.label for e in back.entries] == [e.label for e in d.entries]


def test_equilibrium_model_curve_and_curveset_round_trip(tmp_path):
    from dualion.model import paper_model
    from dualion.model.report import compute_curves

    m = paper_model()
    assert records_equal(roundtrip(m, tmp_path, "m.json"), m)
    c = m.curve(np.linspace(2.3, 0.05, 41), li_activity=0.0)        # Li-free: Δμ_Li = −inf survives
    back = roundtrip(c, tmp_path, "c.json")
    assert back == c and np.all(np.isneginf(back.uptake.dmu_per_charge["Li"]))
    cs = compute_curves(m, licl_M=(0.0, 0.2), n=21)
    assert roundtrip(cs, tmp_path, "cs.json") == cs


def test_fit_result_round_trip(tmp_path):
    from dualion.model.fit import FitResult

    f = FitResult("x", [{"name": "a", "value": 1.0, "stderr": float("nan")}], [{"name": "t", "model": 2.0}],
                  ["note"], 0.5, 1.0, True, "ok", 7, [[float("nan")]], {"name": "m"})
    assert roundtrip(f, tmp_path) == f


def test_cell_run_rate_point_gitt_round_trip(tmp_path):
    from dualion import cell

    p = cell.CellParameters(licl_M=0.0, D_Mg_cm2_s=1e-15, j0_Mg_mA_cm2=1e-4, n_shells=6)
    res = cell.simulate_gitt(p, equilibrium=cell.LangmuirPair(), max_pulses=2)
    back = roundtrip(res, tmp_path, "run.json")
    assert back == res and back.params == res.params
    pt = cell.summarize(res)
    assert roundtrip(pt, tmp_path, "pt.json") == pt
    g = cell.gitt_analysis(res)
    gb = roundtrip(g, tmp_path, "g.json")
    assert gb == g and [q.eta_V for q in gb.pulses] == [q.eta_V for q in g.pulses]
    both = records.RecordList(cell.gitt_points(res))
    assert list(roundtrip(both, tmp_path, "pts.json")) == list(both)


def test_cycle_summary_round_trip(tmp_path):
    from dualion.echem import cycles, make_cycler_data, segment

    t = np.arange(0, 4000.0, 10.0)
    i = np.where((t // 1000) % 2 == 0, -0.16, 0.16)
    v = 1.5 + np.where(i < 0, -1, 1) * (t % 1000) / 2000.0
    data = make_cycler_data(t, v, i, mass_mg=1.6, source="synthetic")
    s = cycles.summarise(data, segment.half_cycles(data))
    back = roundtrip(s, tmp_path)
    assert back == s and len(back.cycles) == len(s.cycles)


def test_insertion_capacity_round_trip(tmp_path):
    from dualion.composition import capacity_from_inserted

    c = capacity_from_inserted("Ti0.78□0.22O1.12F0.40(OH)0.48", {"Li": 0.47, "Mg": 0.18})
    assert roundtrip(c, tmp_path) == c


def test_dqdv_result_round_trip_and_cli_file_loads(tmp_path):
    from dualion.echem.dqdv import DQDVPeak, DQDVResult

    r = DQDVResult(np.linspace(0.1, 2.0, 5), np.arange(10.0).reshape(2, 5), np.array([1.0, 2.0]), (0, 1),
                   ("discharge", "charge"), (1, None), 0.01, 0.02, 1.6,
                   (DQDVPeak(0, "discharge", 1, 0.9, 3.0, 2.0, None),))
    back = roundtrip(r, tmp_path)
    assert back == r and back.peaks[0].height_mAh_per_g_V is None


def test_cli_outputs_load_back(tmp_path):
    """Files the CLIs write (diagram.json, summary.json, *_gitt.json, cell_run.json) come back as objects."""
    import subprocess
    import sys

    from dualion.echem.gitt import synthetic_gitt, write_plain_csv

    def cli(*args):
        r = subprocess.run([sys.executable, "-m", "dualion.cli", *map(str, args)], capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr
    cli("diagram", "paired-vacancy", "--out", tmp_path / "d")
    d = dualion.load(tmp_path / "d" / "diagram.json")
    assert type(d).__name__ == "PhaseDiagram" and d.regions
    s = synthetic_gitt(n_pulses=3)
    write_plain_csv(tmp_path / "g.csv", s.time_s, s.voltage_V, s.current_mA, header=[f"mass_mg={s.mass_mg}"])
    cli("echem", "gitt", tmp_path / "g.csv", "--out", tmp_path / "gitt")
    (res,) = dualion.load(tmp_path / "gitt" / "g_gitt.json")
    assert type(res).__name__ == "GITTResult" and len(res.pulses) == 3 and all(p.eta_V < 0 for p in res.pulses)


def test_discharge_path_round_trip(tmp_path):
    from dualion.thermo import discharge_paths, load_site_models

    (pv,) = load_site_models(["paired-vacancy"])
    paths = records.RecordList(discharge_paths(pv, [0.0, 0.2]))
    back = roundtrip(paths, tmp_path)
    assert list(back) == list(paths) and back[0].no_li and not back[1].no_li


def test_cycler_data_half_cycle_ids():
    from dualion.echem import make_cycler_data, segment

    t = np.arange(0, 4000.0, 10.0)
    i = np.where((t // 1000) % 2 == 0, -0.16, 0.16)
    v = 1.5 + np.where(i < 0, -1, 1) * (t % 1000) / 2000.0
    data = make_cycler_data(t, v, i, mass_mg=1.6)
    halves = segment.half_cycles(data)
    ids = data.half_cycle_ids(halves)
    assert ids.shape == t.shape and set(ids[ids >= 0]) == {h.index for h in halves}
    for h in halves:   # hand check: the rows of a half-cycle all carry the current sign of its direction
        assert np.all(np.sign(data.current_mA[ids == h.index]) == h.sign)


def test_pdf_results_plug_in_without_a_decorator(tmp_path):
    """The PDF package's result classes (kind + from_dict, no decorator) load back through dualion.load."""
    import dataclasses

    results = pytest.importorskip("dualion.pdf.results")
    required = [f.name for f in dataclasses.fields(results.VegardResult)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    v = results.VegardResult(**{k: 0.25 for k in required})
    p = tmp_path / "vegard.json"
    p.write_text(json.dumps(jsonable(v.to_dict())))
    back = dualion.load(p)
    assert type(back) is results.VegardResult and back == v
