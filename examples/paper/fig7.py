"""Fig. 7 — anion–anion distances across opposite vertices of both V_Ti octahedra of the paired-vacancy
[2V_Ti + 8F_O] model as Li+ and Mg2+ are inserted.

Builds the 4x4x2 anatase model (382 atoms) and its configurations (CIF + manifest), and measures the
bundled CHGNet-relaxed structures (the paper used DFT-relaxed ones); the unrelaxed (ideal-lattice)
distances are kept in the table for comparison.
Run: python examples/paper/fig7.py --out fig7
"""

from pathlib import Path

from dualion.plotting import figure_style, save
from dualion.structures import build_site_model
from dualion.structures.distortion import distortion_table, ideal_reference, plot_distortion
from dualion.structures.relaxed import bundled_relaxed_structures
from dualion.structures.writers import write_structures

PAPER = "paper (DFT-relaxed host): equatorial ≈ 3.9 Å, axial ≈ 4.6 Å"


def main(out: Path, fast: bool = False) -> list[str]:
    out = Path(out)
    dims = (2, 2, 1) if fast else (4, 4, 2)
    tag = "x".join(map(str, dims))
    models = build_site_model("paired-vacancy", dims, ions=("Li", "Mg"))
    write_structures(models, out / f"paired-vacancy-{tag}", "cif", site_model="paired-vacancy")
    host = models[0]
    vac = host.meta["vacancies"]
    rows = distortion_table([(m.label, m.structure) for m in models], vac, source="unrelaxed")
    relaxed, src = bundled_relaxed_structures(host.structure.lattice)
    rel = distortion_table([(m.label, relaxed[m.label]) for m in models if m.label in relaxed], vac,
                           source="relaxed") if relaxed else []
    ref = ideal_reference(host.meta["a_A"], host.meta["c_A"], host.meta["u"])
    note = (f"Structures relaxed with {src} at fixed cell (fmax 0.05 eV/Å); dashed: ideal anatase."
            if rel else "UNRELAXED models (ideal anatase positions): relax them for the Fig. 7 distortion.")
    with figure_style():
        save(plot_distortion(rel or rows, reference=ref, note=note), out, "fig7_distortion", data=rows + rel,
             json_payload={"units": "Å", "supercell": tag, "ideal_anatase": ref, "relaxed_source": src or None,
                           "paper": PAPER, "rows": rows + rel})
    lines = [f"[2V_Ti + 8F_O] in a {tag} anatase supercell ({host.formula}, {len(host.structure)} atoms): "
             f"{len(models) - 1} configurations as CIF (`paired-vacancy-{tag}/`, `manifest.yaml`). Ideal anatase: "
             f"equatorial = a = {ref['equatorial_A']:.3f} Å, axial = 2uc = {ref['axial_A']:.3f} Å; {PAPER}.", ""]
    if not rel:
        return lines + ["No bundled relaxed structures for this cell: `fig7_distortion.png` shows the UNRELAXED "
                        "geometry (labelled so)."]
    lines += [f"Relaxed with {src}:", "", "| configuration | site | occupant | eq. a (Å) | eq. b (Å) | axial (Å) |",
              "|---|---|---|---|---|---|"]
    return lines + [f"| {r['structure']} | {r['vacancy']} | {r['occupant']} | {r['equatorial_a_A']:.3f} | "
                    f"{r['equatorial_b_A']:.3f} | {r['axial_A']:.3f} |" for r in rel]


if __name__ == "__main__":
    from dualion.demo import script_main

    script_main(main, __doc__, "fig7")
