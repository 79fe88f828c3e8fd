"""Fig. 4 — 19F MAS NMR of pristine, discharged (EoD) and charged (EoC) electrodes: lines, sidebands, ⟨δiso⟩.

No measured 19F spectra of these electrodes are public, so the series is SIMULATED: pristine at 60 kHz,
EoD and EoC at 64 kHz, 282.2 MHz, lines at the paper's reference shifts (F–TiIV□2 98, F–TiIV2□ 0,
F–TiIV3 −88, F–TiIII2 in TiF3 −145, F–Mg3 in MgF2 −197, F–Li6 in LiF −204 ppm, and a new line at −180 ppm
after charge) with spinning sidebands, weighted so that ⟨δiso⟩ is the paper's 25 ppm (pristine) and
−150 ppm (EoD, 1 M LiCl). Each spectrum is written as a Bruker TopSpin data set (`pdata/1/1r` + `procs`,
`acqus`) with nmrglue, read back and deconvolved by `dualion.nmr` from start shifts 2–4 ppm off.
Run: python examples/paper/fig4.py --out fig4
"""

import copy
from pathlib import Path

from dualion.nmr.assign import load_table
from dualion.nmr.fit import fit_spectrum
from dualion.nmr.model import model_from_shifts
from dualion.nmr.plots import series_outputs
from dualion.nmr.readers import read_spectrum
from dualion.nmr.results import NMRSeriesResult
from dualion.nmr.simulate import TrueLine as L
from dualion.nmr.simulate import true_mean_shift, write_bruker_processed

#: (label, MAS Hz, lines, start shifts ppm); the 4th number of a line is its intensity fraction (centre band
#: + sidebands), turned into a centre-band area by `with_areas`.
SERIES = [
    ("pristine", 60000.0, [L(98.0, 28.0, 0.3, 0.4347, {-2: 0.03, -1: 0.14, 1: 0.10, 2: 0.02}),
                           L(0.0, 38.0, 0.4, 0.3653, {-2: 0.04, -1: 0.18, 1: 0.12, 2: 0.03}),
                           L(-88.0, 42.0, 0.4, 0.2000, {-2: 0.05, -1: 0.22, 1: 0.14, 2: 0.03})], [94, 4, -84]),
    ("EoD", 64000.0, [L(-88.0, 45.0, 0.4, 0.22, {-1: 0.20, 1: 0.12}),
                      L(-145.0, 50.0, 0.3, 0.46, {-2: 0.04, -1: 0.22, 1: 0.18, 2: 0.03}),
                      L(-197.0, 9.0, 0.5, 0.18, {-1: 0.10, 1: 0.08}),
                      L(-204.0, 7.0, 0.5, 0.14, {-1: 0.10, 1: 0.06})], [-84, -140, -195, -206]),
    ("EoC", 64000.0, [L(0.0, 40.0, 0.4, 0.20, {-1: 0.15, 1: 0.10}),
                      L(-88.0, 45.0, 0.4, 0.25, {-1: 0.20, 1: 0.12}),
                      L(-145.0, 50.0, 0.3, 0.30, {-1: 0.22, 1: 0.18}),
                      L(-180.0, 15.0, 0.5, 0.15, {-1: 0.10, 1: 0.08}),
                      L(-197.0, 9.0, 0.5, 0.10, {-1: 0.10, 1: 0.08})], [4, -84, -140, -182, -195]),
]
SYNTHETIC = "SIMULATED 19F MAS spectra (not measured), fitted by dualion.nmr"


def with_areas(lines: list[L]) -> list[L]:
    return [L(x.delta_ppm, x.fwhm_ppm, x.lorentz_fraction, x.area / (1.0 + sum(x.sidebands.values())), x.sidebands)
            for x in lines]


def main(out: Path, fast: bool = False) -> list[str]:
    out = Path(out)
    table = load_table(nucleus="19F")
    fits, rows = [], []
    for k, (label, mas, lines, starts) in enumerate(SERIES):
        lines = with_areas(lines)
        exp = write_bruker_processed(out / "simulated_bruker" / label / "1", lines, larmor_MHz=282.2, mas_Hz=mas,
                                     si=2048 if fast else 4096, seed=k)
        res = fit_spectrum(read_spectrum(exp), model_from_shifts(starts), copy.deepcopy(table), label=label)
        fits.append(res)
        total = sum(x.intensity for x in lines)
        err = max(abs(f.intensity_fraction - x.intensity / total) for f, x in zip(res.lines, lines))
        rows.append(f"| {label} | {mas / 1e3:.0f} | {true_mean_shift(lines):.1f} | {res.mean_delta_iso_ppm:.1f} ± "
                    f"{res.mean_delta_iso_sigma or float('nan'):.1f} | {err:.4f} |")
    series_outputs(NMRSeriesResult(labels=[f.label for f in fits], fits=fits), out, stem="fig4_nmr_series",
                   synthetic=SYNTHETIC)
    return ["**Simulated data** (no measured 19F spectra of these electrodes are public): lines + spinning "
            "sidebands at 282.2 MHz written as Bruker TopSpin data sets with nmrglue (`simulated_bruker/`), read "
            "back from `pdata/1/1r` + `procs` and deconvolved by `dualion.nmr` from start shifts 2–4 ppm off.", "",
            "| sample | MAS (kHz) | true ⟨δiso⟩ (ppm) | fitted ⟨δiso⟩ (ppm) | max abs. fraction error |",
            "|---|---|---|---|---|", *rows, "",
            "Figures: `fig4_nmr_series.png` (spectra, ⟨δiso⟩, environment fractions), `nmr_fit_<sample>.png`."]


if __name__ == "__main__":
    from dualion.demo import script_main

    script_main(main, __doc__, "fig4")
