"""Simulated spectra with a known truth, written as Bruker TopSpin data sets (nmrglue) — for the demo.

(The tests use their own, independent simulator in ``tests/nmr/sim.py``.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dualion.nmr.lineshape import pseudo_voigt, sideband_positions

_HDR = ["##TITLE= Parameter file, written by dualion (simulated data)", "##JCAMPDX= 5.0",
        "##DATATYPE= Parameter Values", "##ORIGIN= dualion.nmr.simulate", "##OWNER= dualion"]


@dataclass
class TrueLine:
    """A simulated line: shift, FWHM (ppm), Lorentzian fraction, centre-band area and sideband ratios {n: r_n}."""

    delta_ppm: float
    fwhm_ppm: float
    lorentz_fraction: float
    area: float
    sidebands: dict[int, float] = field(default_factory=dict)

    @property
    def intensity(self) -> float:
        """Centre band + sidebands."""
        return self.area * (1.0 + sum(self.sidebands.values()))


def true_mean_shift(lines: list[TrueLine]) -> float:
    """Σ I δ / Σ I of the truth (ppm)."""
    i = np.array([ln.intensity for ln in lines])
    return float(np.sum(i * np.array([ln.delta_ppm for ln in lines])) / i.sum())


def spectrum(ppm: np.ndarray, lines: list[TrueLine], mas_Hz: float, larmor_MHz: float) -> np.ndarray:
    """Sum of the lines and their sidebands on ``ppm``."""
    y = np.zeros_like(ppm, dtype=float)
    for ln in lines:
        y += pseudo_voigt(ppm, ln.delta_ppm, ln.fwhm_ppm, ln.lorentz_fraction, ln.area)
        for n, r in ln.sidebands.items():
            pos = float(sideband_positions(ln.delta_ppm, [n], mas_Hz, larmor_MHz)[0])
            y += pseudo_voigt(ppm, pos, ln.fwhm_ppm, ln.lorentz_fraction, ln.area * r)
    return y


def write_bruker_processed(exp: str | Path, lines: list[TrueLine], *, nucleus: str = "19F", larmor_MHz: float = 282.2,
                           mas_Hz: float = 60000.0, sw_Hz: float = 400000.0, si: int = 4096, o1p_ppm: float = -50.0,
                           ns: int = 64, rg: float = 101.0, noise: float = 0.002, seed: int = 0) -> Path:
    """Write ``exp/acqus`` and ``exp/pdata/1/{1r,procs}`` for the simulated lines; return ``exp``.

    Axis: ``OFFSET = o1p + SW/(2·SF)`` and ``δ_i = OFFSET − i·SW/(SF·SI)``; Gaussian noise of
    ``noise``·max added; intensities stored as int32 with ``NC_proc`` so that the scale survives.
    """
    import nmrglue as ng

    exp = Path(exp)
    (exp / "pdata" / "1").mkdir(parents=True, exist_ok=True)
    offset = o1p_ppm + sw_Hz / 2.0 / larmor_MHz
    ppm = offset - np.arange(si) * sw_Hz / (larmor_MHz * si)
    y = spectrum(ppm, lines, mas_Hz, larmor_MHz)
    y = y + np.random.default_rng(seed).normal(0.0, noise * float(np.max(y)), si)
    nc = int(math.floor(math.log2(float(np.max(np.abs(y))) / 2 ** 29)))
    ints = np.round(y / 2.0 ** nc)
    acqus = {"_coreheader": list(_HDR), "_comments": ["$$ simulated by dualion: not a measurement"],
             "NUC1": nucleus, "BF1": larmor_MHz, "SFO1": larmor_MHz * (1 + o1p_ppm * 1e-6), "O1": o1p_ppm * larmor_MHz,
             "SW_h": sw_Hz, "TD": 2 * si, "MASR": mas_Hz, "NS": ns, "RG": rg, "DECIM": 1, "DSPFVS": 20, "GRPDLY": 0.0,
             "BYTORDA": 0, "DTYPA": 0}
    procs = {"_coreheader": list(_HDR), "_comments": [], "SI": si, "OFFSET": offset, "SW_p": sw_Hz, "SF": larmor_MHz,
             "NC_proc": nc, "BYTORDP": 0, "DTYPP": 0, "PPARMOD": 0}
    ng.bruker.write_jcamp(acqus, str(exp / "acqus"), overwrite=True)
    ng.bruker.write_pdata(str(exp), {"procs": procs}, ints * 2.0 ** nc, scale_data=True, write_procs=True,
                          pdata_folder=1, overwrite=True)
    return exp
