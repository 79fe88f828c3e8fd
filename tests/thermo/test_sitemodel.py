"""Site-model YAML reader: the issue's shape, round trip, and errors naming file + field."""

import pytest
import yaml

from dualion.errors import DualionUserError
from dualion.thermo.energies import insertion_table
from dualion.thermo.sitemodel import dump_site_model, load_site_model

ISSUE_SHAPE = """\
name: paired Ti vacancy
ions: [Li, Mg]
references: {Li: -1.957713425, Mg: -1.72451115}   # eV per atom of each metal
host: {label: "2V_Ti+8F_O", energy: -3150.0}       # eV, total energy of the empty host cell
configurations:                                    # total energies, eV
  - {label: "Li", counts: {Li: 1}, energy: -3154.1}
  - {label: "Li+Mg", counts: {Li: 1, Mg: 1}, energy: -3159.8}
"""


def test_issue_shape_and_round_trip(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(ISSUE_SHAPE)
    m = load_site_model(p)
    li, limg = insertion_table([m])
    # Li: −3154.1 + 3150.0 + 1.957713425 = −2.142286575 eV
    assert li.total_eV == pytest.approx(-2.142286575, abs=1e-9)
    # Li+Mg: −3159.8 + 3150.0 + 1.957713425 + 1.72451115 = −6.117775425 eV; 3 charges → −2.039258475 eV/e
    assert limg.total_eV == pytest.approx(-6.117775425, abs=1e-9) and limg.n_charges == 3
    assert limg.per_charge_eV == pytest.approx(-6.117775425 / 3, abs=1e-9)
    assert limg.insertion_energy_basis == "total" and li.insertion_energy_basis == "per inserted ion"
    m2 = load_site_model(dump_site_model(m, tmp_path / "m2.yaml"))
    assert [(c.label, dict(c.counts), c.energy_eV) for c in m2.configurations] == \
        [(c.label, dict(c.counts), c.energy_eV) for c in m.configurations]


def _doc(**over):
    d = yaml.safe_load(ISSUE_SHAPE)
    for k, v in over.items():
        if k.startswith("conf0_"):
            d["configurations"][0][k[6:]] = v
        else:
            d[k] = v
    return d


@pytest.mark.parametrize("over,field", [
    ({"references": {"Li": -1.95}}, "references.Mg"),                     # missing reference
    ({"references": {"Li": -1.95, "Mg": True}}, "references.Mg"),         # bool is not an energy
    ({"conf0_counts": {"Li": 0}}, "configurations[0].counts"),            # inserts nothing
    ({"conf0_counts": {"Na": 1}}, "configurations[0].counts"),            # not a working ion
    ({"conf0_counts": {"Li": 1.5}}, "configurations[0].counts.Li"),
    ({"conf0_multiplicity": "abc"}, "configurations[0].multiplicity"),
    ({"conf0_site": [1, 2]}, "configurations[0].site"),
    ({"conf0_status": None}, "configurations[0].status"),
    ({"conf0_energy": "nan"}, "configurations[0].energy"),
    ({"ions": ["Li", "Xx"]}, "charges"),
])
def test_errors_name_file_and_field(tmp_path, over, field):
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(_doc(**over)))
    with pytest.raises(DualionUserError) as ei:
        load_site_model(p)
    assert ei.value.file == str(p) and ei.value.field == field and "\n" not in ei.value.one_line()


def test_malformed_yaml_names_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(ISSUE_SHAPE.replace('energy: -3159.8}', 'energy: -3159.8'))
    with pytest.raises(DualionUserError) as ei:
        load_site_model(p)
    assert ei.value.file == str(p) and ei.value.field.startswith("line ")


def test_status_is_normalised_and_flagged(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(ISSUE_SHAPE.replace('energy: -3154.1}', 'energy: -3154.1, status: " Incomplete"}'))
    li, limg = insertion_table([load_site_model(p)])
    assert li.status == "incomplete" and "INCOMPLETE" in li.flag and not limg.flag
