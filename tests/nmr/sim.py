"""Independent simulator for the NMR tests: spectra with a known truth, written as real Bruker data sets
with nmrglue (processed ``pdata/1/1r`` + ``procs`` and raw ``fid`` + ``acqus``).

Written apart from :mod:`dualion.nmr.model` on purpose: its own line shapes (Lorentzian from the
half width γ, Gaussian from σ), its own axis, and for raw data a time-domain FID (decaying complex
exponentials and Gaussians) delayed by a fractional digital-filter group delay.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

HDR = ["##TITLE= Parameter file, TOPSPIN\t\tVersion 3.6.2", "##JCAMPDX= 5.0", "##DATATYPE= Parameter Values",
       "##ORIGIN= Bruker BioSpin GmbH", "##OWNER= dualion-tests"]


def pv(x, c, fwhm, eta, area):
    """Pseudo-Voigt of integral ``area`` written from γ = FWHM/2 and σ = FWHM/(2√(2 ln 2))."""
    g = fwhm / 2.0
    s = fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0)))
    lor = g / math.pi / ((x - c) ** 2 + g ** 2)
    gau = np.exp(-((x - c) ** 2) / (2 * s * s)) / (s * math.sqrt(2 * math.pi))
    return area * (eta * lor + (1 - eta) * gau)


def bands(lines, mas_Hz, sf_MHz):
    """(δ, fwhm, η, area) of every centre band and sideband; line = dict(delta, fwhm, eta, area, sb={n: ratio})."""
    out = []
    step = mas_Hz / sf_MHz  # Hz / MHz = ppm
    for ln in lines:
        out.append((ln["delta"], ln["fwhm"], ln["eta"], ln["area"]))
        for n, r in ln.get("sb", {}).items():
            out.append((ln["delta"] + n * step, ln["fwhm"], ln["eta"], ln["area"] * r))
    return out


def truth(lines):
    """True intensities (centre + sidebands), fractions and ⟨δ⟩."""
    inten = np.array([ln["area"] * (1 + sum(ln.get("sb", {}).values())) for ln in lines])
    frac = inten / inten.sum()
    return inten, frac, float(np.sum(frac * np.array([ln["delta"] for ln in lines])))


def axis(si, sw_Hz, sf_MHz, o1p_ppm):
    """TopSpin axis written from first principles: point i at carrier + SW/2 − i·SW/SI (Hz)."""
    f = sw_Hz / 2.0 - np.arange(si) * sw_Hz / si
    return o1p_ppm + f / sf_MHz


def _params(d: dict) -> dict:
    return {"_coreheader": list(HDR), "_comments": [], **d}


def acqus(nucleus, sf_MHz, sw_Hz, td, mas_Hz, ns, rg, o1p_ppm, grpdly=67.9862):
    return _params({"NUC1": nucleus, "BF1": sf_MHz, "SFO1": sf_MHz + o1p_ppm * sf_MHz * 1e-6, "O1": o1p_ppm * sf_MHz,
                    "SW_h": sw_Hz, "SW": sw_Hz / sf_MHz, "TD": td, "MASR": mas_Hz, "NS": ns, "RG": rg,
                    "DECIM": 1666, "DSPFVS": 20, "GRPDLY": grpdly, "BYTORDA": 0, "DTYPA": 0, "AQ_mod": 3,
                    "PARMODE": 0})


def write_processed(exp: Path, lines, *, nucleus="19F", sf_MHz=282.4, sw_Hz=400000.0, si=16384, o1p_ppm=-50.0,
                    mas_Hz=60000.0, ns=64, rg=101.0, noise=0.0, seed=0, gain=1.0):
    """Simulate on the TopSpin axis and write ``exp/acqus`` + ``exp/pdata/1/{1r,procs}``; return (ppm, y)."""
    import nmrglue as ng

    exp = Path(exp)
    exp.mkdir(parents=True, exist_ok=True)
    ppm = axis(si, sw_Hz, sf_MHz, o1p_ppm)
    y = np.zeros(si)
    for b in bands(lines, mas_Hz, sf_MHz):
        y += pv(ppm, *b)
    y *= gain
    if noise:
        y += np.random.default_rng(seed).normal(0.0, noise * y.max(), si)
    nc = int(math.floor(math.log2(np.abs(y).max() / 2 ** 29))) if np.abs(y).max() > 0 else 0
    ints = np.round(y / 2.0 ** nc)
    offset = o1p_ppm + sw_Hz / 2.0 / sf_MHz
    procs = _params({"SI": si, "OFFSET": offset, "SW_p": sw_Hz, "SF": sf_MHz, "NC_proc": nc, "BYTORDP": 0,
                     "DTYPP": 0, "PPARMOD": 0, "FT_mod": 6, "PHC0": 0.0, "PHC1": 0.0})
    ng.bruker.write_jcamp(acqus(nucleus, sf_MHz, sw_Hz, 2 * si, mas_Hz, ns, rg, o1p_ppm), str(exp / "acqus"),
                          overwrite=True)
    ng.bruker.write_pdata(str(exp), {"procs": procs}, ints * 2.0 ** nc, scale_data=True, write_procs=True,
                          pdata_folder=1, overwrite=True)
    return ppm, ints * 2.0 ** nc


def write_raw(exp: Path, lines, *, nucleus="19F", sf_MHz=282.4, sw_Hz=400000.0, n=16384, o1p_ppm=-50.0,
              mas_Hz=60000.0, ns=64, rg=101.0, noise=0.0, seed=0, phase0_deg=35.0, grpdly=67.9862):
    """Time-domain FID of the same lines (Lorentzian part e^{−πΔν t}, Gaussian part e^{−(πΔν t)²/(4 ln 2)},
    Δν = FWHM in Hz), a zero-order phase error, delayed by ``grpdly`` points, written as ``exp/fid`` + ``acqus``."""
    import nmrglue as ng

    exp = Path(exp)
    exp.mkdir(parents=True, exist_ok=True)
    t = np.arange(n) / sw_Hz
    s = np.zeros(n, complex)
    for d, w, eta, a in bands(lines, mas_Hz, sf_MHz):
        dnu = w * sf_MHz
        env = eta * np.exp(-math.pi * dnu * t) + (1 - eta) * np.exp(-((math.pi * dnu * t) ** 2) / (4 * math.log(2)))
        s += a * env * np.exp(2j * math.pi * (d - o1p_ppm) * sf_MHz * t)
    s *= np.exp(1j * math.radians(phase0_deg))
    k = np.fft.fftfreq(n) * n
    s = np.fft.ifft(np.fft.fft(s) * np.exp(-2j * math.pi * k * grpdly / n))  # delay by grpdly points
    if noise:
        rng = np.random.default_rng(seed)
        s += noise * np.abs(s).max() * (rng.normal(size=n) + 1j * rng.normal(size=n))
    s *= 2e8 / np.abs(s).max()
    ng.bruker.write(str(exp), {"acqus": acqus(nucleus, sf_MHz, sw_Hz, 2 * n, mas_Hz, ns, rg, o1p_ppm, grpdly)},
                    np.round(s.real) + 1j * np.round(s.imag), overwrite=True, write_prog=False)
    return t, s


def csa_sidebands(zeta_ppm, mas_Hz, sf_MHz, n_max, n_beta=400, n_t=512):
    """Sideband ratios {n: I_n/I_0} of an axial (η = 0) shielding anisotropy ζ under MAS, computed here
    from first principles (Maricq–Waugh): ω(t) = ω_ζ[(√2/2) sin2β cos ω_r t + ½ sin²β cos 2ω_r t],
    Φ(t) = ∫ω, I_n = ⟨|(1/T)∫₀ᵀ e^{iΦ} e^{−inω_r t} dt|²⟩ over β (sin β weight; the γ average is |·|²)."""
    w = 2 * math.pi * zeta_ppm * sf_MHz  # rad/s (ppm × MHz = Hz)
    wr = 2 * math.pi * mas_Hz
    beta = (np.arange(n_beta) + 0.5) * math.pi / n_beta
    t = np.arange(n_t) / n_t / mas_Hz
    phi = (w / wr) * (math.sqrt(2) / 2 * np.sin(2 * beta)[:, None] * np.sin(wr * t)[None, :]
                      + 0.25 * np.sin(beta)[:, None] ** 2 * np.sin(2 * wr * t)[None, :])
    f = np.fft.fft(np.exp(1j * phi), axis=1) / n_t  # coefficient of e^{+i n ω_r t} at index n
    inten = (np.abs(f) ** 2 * np.sin(beta)[:, None]).sum(axis=0)
    return {n: float(inten[n % n_t] / inten[0]) for n in range(-n_max, n_max + 1) if n}
