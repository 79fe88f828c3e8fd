r"""Science check of a paired-vacancy site model: sequential insertion and the mixed [Li + Mg] region.

For ions X, Y inserted into the two vacancies of [2V_Ti + 8F_O] (total insertion energies ΔE, eV,
from :func:`dualion.thermo.grand.insertion_energy_eV`):

* first insertion :math:`\Delta E_1(X) = \Delta E(X)`;
* second insertion :math:`\Delta E_2(X) = \Delta E(X{+}X) - \Delta E(X)`;
* second-insertion penalty :math:`\Delta E_2 - \Delta E_1` (eV per ion; > 0: the second is less
  favourable), also per transferred charge (divided by z);
* mixed-pair interaction :math:`\Delta E(X{+}Y) - \Delta E(X) - \Delta E(Y)`.

The paper (Fig. 6c) reports a second insertion less favourable than the first, more so for Mg, and a
narrow region where [Li_Ti + Mg_Ti] is the stable product; the region's area in the per-charge
(Δμ_Li, Δμ_Mg) window is computed with :func:`dualion.thermo.diagram.phase_diagram`.
"""

from __future__ import annotations

from typing import Any

from dualion.thermo.grand import insertion_energy_eV
from dualion.thermo.sitemodel import SiteModel


def sequential_insertion(model: SiteModel, ions: tuple[str, str] = ("Li", "Mg")) -> dict[str, Any]:
    """First/second insertion energies and penalties (eV per ion and per charge) of a paired-vacancy model."""
    dE = {c.label: insertion_energy_eV(model, c) for c in model.configurations}
    out: dict[str, Any] = {"dE_eV": dE}
    for ion in ions:
        pair = f"{ion}+{ion}"
        if ion not in dE or pair not in dE:
            continue
        z = model.charge(ion)
        first, second = dE[ion], dE[pair] - dE[ion]
        out[ion] = {"first_eV": first, "second_eV": second, "penalty_eV": second - first,
                    "penalty_eV_per_charge": (second - first) / z}
    x, y = ions
    mixed = f"{x}+{y}" if f"{x}+{y}" in dE else f"{y}+{x}"
    if mixed in dE and x in dE and y in dE:
        out["mixed_label"] = mixed
        out["mixed_interaction_eV"] = dE[mixed] - dE[x] - dE[y]
    return out


def paired_vacancy_check(model: SiteModel, ions: tuple[str, str] = ("Li", "Mg"),
                         window: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    """The paper's three features, as booleans plus the numbers behind them.

    ``second_less_favourable``: penalty > 0 for both ions; ``stronger_for_Mg``: the Mg penalty (eV per
    ion) exceeds the Li one; ``mixed_region_area_eV2``: area of the [Li + Mg] stability region in the
    per-charge diagram window (0 if absent). ``window`` defaults to the thermo default window.
    """
    from dualion.thermo.diagram import phase_diagram

    seq = sequential_insertion(model, ions)
    d = phase_diagram(model, ions=ions, per="charge", window=window, allow_incomplete=True)
    mixed = seq.get("mixed_label", "")
    areas = {r.label: r.area for r in d.regions}
    win = d.window
    total = (win[1] - win[0]) * (win[3] - win[2])
    x, y = ions
    return {
        "sequential": seq,
        "second_less_favourable": {i: bool(seq[i]["penalty_eV"] > 0) for i in ions if i in seq},
        "stronger_for_Mg": bool(seq[y]["penalty_eV"] > seq[x]["penalty_eV"]) if x in seq and y in seq else None,
        "mixed_region_area_eV2": float(areas.get(mixed, 0.0)),
        "mixed_region_fraction_of_window": float(areas.get(mixed, 0.0) / total),
        "region_areas_eV2": areas,
        "window_eV": list(win),
    }
