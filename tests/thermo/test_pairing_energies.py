"""Pairing runs with hosts, metal references, and hand-computed insertion energies of the public set."""

import pytest

from dualion.errors import DualionUserError
from dualion.io.readers import Run
from dualion.thermo import load_site_models
from dualion.thermo.energies import insertion_table
from dualion.thermo.grand import insertion_energies_eV, insertion_energy_eV
from dualion.thermo.models import bundled_model, dft_file
from dualion.thermo.pairing import counts_label, select_model, site_models_from_runs, title_key

VAC = dft_file("vacancy_intercalation.yaml")
REF = dft_file("elemental_reference.yaml")
STO = dft_file("stoichiometric_anatase.yaml")


def _rec(models, host, label):
    return next(r for r in insertion_table(models) if r.host == host and r.label == label)


def test_single_vacancy_hand_computed():
    models = load_site_models([VAC, REF])
    assert len(models) == 6  # 4F, 3F+1OH, 2F+2OH cis, 2F+2OH trans, 1F+3OH, 4OH
    li = _rec(models, "TiO2 4F stoichiometric", "Li")
    # E(TiO2 4F + Li) − E(TiO2 4F stoich.) − E(Li2)/2 = −880.34275831 + 875.70225705 + 3.91542685/2 = −2.68278783
    assert li.total_eV == pytest.approx(-2.68278783, abs=1e-7)
    assert li.insertion_energy_eV == pytest.approx(-2.68, abs=0.005) and li.per_charge_eV == pytest.approx(li.total_eV)
    mg = _rec(models, "TiO2 4F stoichiometric", "Mg")
    # −880.72394688 + 875.70225705 + 3.4490223/2 = −3.29717868 eV; per charge /2 = −1.64858934 eV
    assert mg.total_eV == pytest.approx(-3.29717868, abs=1e-7)
    assert mg.per_charge_eV == pytest.approx(-1.64858934, abs=1e-7) and round(mg.per_charge_eV, 2) == -1.65
    assert mg.average_voltage_V == pytest.approx(1.64858934, abs=1e-7) and mg.n_charges == 2


def test_title_pairing_of_hosts_sharing_a_composition():
    models = load_site_models([VAC, REF])
    cis = _rec(models, "TiO2 2F+2OH cis stoichiometric", "Li")
    trans = _rec(models, "TiO2 2F+2OH trans stoichiometric", "Li")
    assert cis.title == "TiO2 2F+2OH cis + Li" and trans.title == "TiO2 2F+2OH trans + Li"
    # cis: −892.03556887 + 888.22115228 + 1.957713425 = −1.856703165
    assert cis.total_eV == pytest.approx(-1.856703165, abs=1e-8)
    # trans: −891.9989668 + 888.24420241 = −3.75476439; + 1.957713425 = −1.797050965
    # (swapped hosts would give −1.8336 and −1.8201: the test tells the pairing apart)
    assert trans.total_eV == pytest.approx(-1.797050965, abs=1e-8)


def test_title_key():
    m = ["Li", "Mg", "Na"]
    assert title_key("TiO2 4F + Li", m) == title_key("TiO2 4F stoichiometric", m) == "tio2 4f"
    assert title_key("TiO2 2F+2OH cis + Mg", m) == "tio2 2f+2oh cis"
    assert title_key("stoichiometric anatase + Li", m) == title_key("stoichiometric anatase", m)


def test_incomplete_kept_and_flagged():
    recs = insertion_table(load_site_models([STO, REF], ions=("Li", "Mg")))
    mg = next(r for r in recs if r.label == "Mg")
    assert mg.status == "incomplete" and "INCOMPLETE" in mg.flag
    # −899.19696841 + 896.45323888 + 1.724511150 = −1.01921838 eV (kept, value still reported)
    assert mg.total_eV == pytest.approx(-1.01921838, abs=1e-7)
    assert not next(r for r in recs if r.label == "Li").flag


def test_other_metals_skipped_and_all_ions():
    li_mg = load_site_models([VAC, REF])
    assert all(set(c.counts) <= {"Li", "Mg"} for m in li_mg for c in m.configurations)
    everything = load_site_models([VAC, STO, REF], ions=("Li", "Na", "Mg", "Ca", "Al"))
    assert sum(len(m.configurations) for m in everything) == 35  # 6 vacancy hosts × 5 + interstitial × 5


def _runs():
    return [Run("host", {"Ti": 35, "O": 68, "F": 4}, -875.7, source="a.yaml", index=1),
            Run("host + Li", {"Ti": 35, "O": 68, "F": 4, "Li": 1}, -880.3, source="a.yaml", index=2),
            Run("elemental Li", {"Li": 2}, -3.9, source="a.yaml", index=3)]


def test_unbalanced_stoichiometry_names_both_runs():
    runs = _runs() + [Run("host + Li + extra F", {"Ti": 35, "O": 68, "F": 5, "Li": 1}, -884.0, source="b.yaml",
                          index=7)]
    with pytest.raises(DualionUserError) as ei:
        site_models_from_runs(runs)
    msg = ei.value.one_line()
    assert "host + Li + extra F" in msg and "'host'" in msg and "F: +1" in msg and ei.value.file == "b.yaml"


def test_missing_reference_and_given_reference():
    runs = _runs()[:2]
    with pytest.raises(DualionUserError) as ei:
        site_models_from_runs(runs)
    assert ei.value.field == "references.Li"
    (m,) = site_models_from_runs(runs, references={"Li": -1.95})
    # −880.3 + 875.7 + 1.95 = −2.65
    assert insertion_energy_eV(m, m.configurations[0]) == pytest.approx(-2.65)


def test_ambiguous_title_error():
    runs = _runs() + [Run("other", {"Ti": 35, "O": 68, "F": 4}, -875.0, source="a.yaml", index=4)]
    runs[1] = Run("something + Li", runs[1].composition, -880.3, source="a.yaml", index=2)
    with pytest.raises(DualionUserError, match="by title"):
        site_models_from_runs(runs)


def test_vectorised_insertion_energies_match():
    m = bundled_model("paired-vacancy")
    vec = insertion_energies_eV(m)
    assert vec.tolist() == pytest.approx([insertion_energy_eV(m, c) for c in m.configurations], abs=1e-12)
    # paired-vacancy file: ΔE values −2.95, −5.80, −3.69, −6.41, −6.61 eV (see its header)
    assert vec.tolist() == pytest.approx([-2.95, -5.80, -3.69, -6.41, -6.61], abs=1e-9)


def test_select_and_labels():
    models = load_site_models([VAC, REF])
    with pytest.raises(DualionUserError, match="several hosts"):
        select_model(models, None)
    with pytest.raises(DualionUserError, match="no host titled"):
        select_model(models, "nope")
    assert select_model(models, "tio2 4f stoichiometric").name == "TiO2 4F stoichiometric"
    assert counts_label({"Mg": 1, "Li": 2}, ("Li", "Mg")) == "Li+Li+Mg" and counts_label({}) == "empty"
    assert counts_label({"Li": 5}) == "5Li"


def test_bundled_names_and_provenance():
    pv = bundled_model("paired-vacancy")
    assert "not DFT" in pv.provenance["kind"]
    assert pv.references_eV_per_atom["Li"] == pytest.approx(-3.91542685 / 2)
    assert pv.references_eV_per_atom["Mg"] == pytest.approx(-3.4490223 / 2)
    assert sorted(c.label for c in pv.configurations) == ["Li", "Li+Li", "Li+Mg", "Mg", "Mg+Mg"]
    assert bundled_model("single-vacancy").host.title == "TiO2 4F stoichiometric"
    with pytest.raises(DualionUserError):
        load_site_models(["no-such-model"])


def test_elemental_host_graphite_like():
    # a single-element host (C6) is both a possible host and a reference; Li is a working ion
    runs = [Run("graphite", {"C": 6}, -55.0, source="g.yaml", index=1),
            Run("graphite + Li", {"C": 6, "Li": 1}, -57.5, source="g.yaml", index=2),
            Run("Li metal", {"Li": 2}, -3.8, source="g.yaml", index=3)]
    (m,) = site_models_from_runs(runs, ions=("Li",))
    assert m.host.title == "graphite"
    # −57.5 + 55.0 + 3.8/2 = −0.6 eV
    assert insertion_energy_eV(m, m.configurations[0]) == pytest.approx(-0.6)
