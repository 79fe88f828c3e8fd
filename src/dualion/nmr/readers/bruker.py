"""Bruker TopSpin data sets (adapter over nmrglue).

* processed: ``pdata/N/1r`` + ``procs`` — the ppm axis is taken from ``procs``:
  ``δ_i = OFFSET − i·SW_p/(SF·SI)`` (ppm, i = 0 … SI−1). nmrglue's ``guess_udic`` axis is not used
  (it is built from other parameters and is half a point off; nmrglue issue 54).
* raw: ``fid`` + ``acqus`` — the FID is zero-filled to ``SI`` (``procs``) or the next power of two, the
  digital filter's group delay ``g`` (``GRPDLY``, else nmrglue's DSPFVS/DECIM table) removed as TopSpin does,
  an exact linear phase ``exp(2πi k g/N)`` over the signed frequency index ``k`` (nmrglue's
  ``remove_digital_filter`` ramps over the unsigned index, which leaves a phase step of 2π·frac(g) at
  the carrier for a fractional ``GRPDLY``), the first point halved (no DC offset), Fourier
  transformed into TopSpin's point order (point 0 = highest frequency, ``ν_i − ν_carrier = SW_h/2 −
  i·SW_h/SI``) and phased with nmrglue's ``ps`` (``p0``/``p1`` in degrees when given; else zero order only,
  ``p0 = −arg Σ_i S_i``, the phase of the first FID point, which makes a spectrum of absorption lines
  with a zero-order phase error purely absorptive: exact for a FID or an echo sampled from its top). Axis: ``OFFSET = ((SFO1 − SF)·10⁶ + SW_h/2)/SF`` with ``SF`` from ``procs`` when present,
  else ``BF1``.

Nucleus (``NUC1``), spinning rate (``MASR``, Hz), ``NS`` and ``RG`` come from ``acqus``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from dualion.errors import DualionUserError
from dualion.nmr.spectrum import Spectrum, normalise_nucleus


def find_pdata(path: Path) -> Path | None:
    """The ``pdata/N`` folder (holding ``1r``) for ``path`` (the ``1r`` file, the ``pdata/N`` folder or the
    experiment folder, lowest N), or ``None`` when there is none."""
    if path.is_file() and path.name == "1r":
        return path.parent
    if (path / "1r").is_file():
        return path
    pd_root = path / "pdata"
    if pd_root.is_dir():
        procnos = sorted((p for p in pd_root.iterdir() if p.is_dir() and p.name.isdigit() and (p / "1r").is_file()),
                         key=lambda p: int(p.name))
        if procnos:
            return procnos[0]
    return None


def _read_params(file: Path) -> dict:
    import nmrglue as ng

    if not file.is_file():
        raise DualionUserError("missing parameter file", file=file.parent, field=file.name)
    try:
        return ng.bruker.read_jcamp(str(file), encoding="latin-1")
    except Exception as exc:  # noqa: BLE001 - any parse failure is a user error
        raise DualionUserError(f"cannot parse the JCAMP parameter file: {exc}", file=file) from None


def _number(params: dict, key: str, file: Path, required: bool = True, positive: bool = False) -> float | None:
    if key not in params:
        if required:
            raise DualionUserError("required parameter missing", file=file, field=key)
        return None
    try:
        v = float(params[key])
    except (TypeError, ValueError):
        raise DualionUserError(f"expected a number, got {params[key]!r}", file=file, field=key) from None
    if not math.isfinite(v) or (positive and v <= 0):
        raise DualionUserError(f"expected a {'positive ' if positive else ''}finite number, got {params[key]!r}",
                               file=file, field=key)
    return v


def procs_ppm_axis(offset_ppm: float, sw_p_Hz: float, sf_MHz: float, si: int) -> np.ndarray:
    """TopSpin processed axis (ppm): ``OFFSET − i·SW_p/(SF·SI)``, i = 0 … SI−1 (SW_p in Hz, SF in MHz)."""
    return offset_ppm - np.arange(int(si)) * (sw_p_Hz / (sf_MHz * int(si)))


def _acq_meta(acqus: dict, file: Path) -> dict:
    nuc = acqus.get("NUC1")
    mas = _number(acqus, "MASR", file, required=False)
    return dict(nucleus=normalise_nucleus(nuc) if nuc else None,
                mas_Hz=mas if mas and mas > 0 else None,
                ns=_number(acqus, "NS", file, required=False, positive=True),
                rg=_number(acqus, "RG", file, required=False, positive=True),
                bf1=_number(acqus, "BF1", file, required=False, positive=True),
                sfo1=_number(acqus, "SFO1", file, required=False, positive=True))


def read_processed(path: str | Path, mass_mg: float | None = None) -> Spectrum:
    """Read ``pdata/N/1r`` with its ``procs`` (and ``acqus`` two folders up, if present)."""
    import nmrglue as ng

    path = Path(path)
    pdir = find_pdata(path)
    if pdir is None:
        raise DualionUserError("no processed Bruker spectrum (pdata/N/1r) found", file=path, field="1r")
    procs_file = pdir / "procs"
    procs = _read_params(procs_file)
    si = _number(procs, "SI", procs_file, positive=True)
    offset = _number(procs, "OFFSET", procs_file)
    sw_p = _number(procs, "SW_p", procs_file, positive=True)
    sf = _number(procs, "SF", procs_file, positive=True)
    raw = (pdir / "1r").read_bytes()
    dtype = ">" if int(procs.get("BYTORDP", 0)) == 1 else "<"
    dtype += "f8" if int(procs.get("DTYPP", 0)) == 2 else "i4"
    n_file = len(raw) // np.dtype(dtype).itemsize
    if n_file != int(si):
        raise DualionUserError(f"1r holds {n_file} points but procs SI = {int(si)}", file=pdir / "1r", field="SI")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dic, data = ng.bruker.read_pdata(str(pdir), read_acqus=False, scale_data="NC_proc" in procs)
    data = np.asarray(data, dtype=float).reshape(-1)
    acqus_file = pdir.parent.parent / "acqus"
    meta = _acq_meta(_read_params(acqus_file), acqus_file) if acqus_file.is_file() else {}
    return Spectrum(ppm=procs_ppm_axis(offset, sw_p, sf, int(si)), intensity=data, nucleus=meta.get("nucleus"),
                    larmor_MHz=sf, mas_Hz=meta.get("mas_Hz"), ns=meta.get("ns"), rg=meta.get("rg"), mass_mg=mass_mg,
                    source=str(pdir / "1r"), fmt="bruker-1r",
                    meta={"procs": {k: procs.get(k) for k in ("SI", "OFFSET", "SW_p", "SF", "NC_proc")}})


def group_delay_points(acqus: dict, file: Path) -> float:
    """Digital-filter group delay in points: ``GRPDLY`` when > 0, else nmrglue's DSPFVS/DECIM table (0 if unknown)."""
    from nmrglue.fileio.bruker import bruker_dsp_table

    g = _number(acqus, "GRPDLY", file, required=False)
    if g is not None and g > 0:
        return g
    dspfvs, decim = int(acqus.get("DSPFVS", 0)), int(acqus.get("DECIM", 0))
    return float(bruker_dsp_table.get(dspfvs, {}).get(decim, 0.0))


def remove_group_delay(fid: np.ndarray, grpdly_points: float) -> np.ndarray:
    """Advance a complex FID by ``grpdly_points`` (may be fractional): ``ifft(fft(s)·exp(2πi k g/N))``, k signed."""
    if not grpdly_points:
        return fid
    n = fid.size
    k = np.fft.fftfreq(n) * n
    return np.fft.ifft(np.fft.fft(fid) * np.exp(2j * np.pi * k * grpdly_points / n))


def zero_order_phase_deg(spec: np.ndarray) -> float:
    """Zero-order phase (degrees, nmrglue ``ps`` convention) that puts Σ S_i on the positive real axis."""
    return float(-np.degrees(np.angle(np.sum(spec))))


def read_fid(path: str | Path, mass_mg: float | None = None, phase_deg: tuple[float, float] | None = None) -> Spectrum:
    """Read a raw ``fid`` + ``acqus`` experiment folder and process it (see the module docstring)."""
    import nmrglue as ng

    path = Path(path)
    exp = path.parent if path.is_file() else path
    acqus_file = exp / "acqus"
    acqus = _read_params(acqus_file)
    if not (exp / "fid").is_file():
        raise DualionUserError("missing raw data file", file=exp, field="fid")
    td = _number(acqus, "TD", acqus_file, positive=True)
    sw_h = _number(acqus, "SW_h", acqus_file, positive=True)
    sfo1 = _number(acqus, "SFO1", acqus_file, positive=True)
    for key in ("DECIM", "DSPFVS"):
        _number(acqus, key, acqus_file)
    dtype = np.dtype((">" if int(acqus.get("BYTORDA", 0)) == 1 else "<") + ("f8" if int(acqus.get("DTYPA", 0)) == 2 else "i4"))
    n_file = (exp / "fid").stat().st_size // dtype.itemsize
    if n_file < int(td) or int(td) % 2:
        raise DualionUserError(f"fid holds {n_file} numbers but acqus TD = {int(td)} (complex pairs expected)",
                               file=exp / "fid", field="TD")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dic, data = ng.bruker.read(str(exp), read_pulseprogram=False)
        data = np.asarray(data).reshape(-1)[: int(td) // 2]
        if not np.all(np.isfinite(data)):
            raise DualionUserError("the FID holds NaN or infinite values", file=exp / "fid", field="fid")
    procs_file = exp / "pdata" / "1" / "procs"
    procs = _read_params(procs_file) if procs_file.is_file() else {}
    si = int(_number(procs, "SI", procs_file, required=False, positive=True) or 2 ** math.ceil(math.log2(data.size)))
    sf = _number(procs, "SF", procs_file, required=False, positive=True) or _number(acqus, "BF1", acqus_file,
                                                                                      required=False, positive=True) or sfo1
    si = max(si, 16)
    fid = np.array(ng.proc_base.zf_size(data, si) if si > data.size else data[:si], dtype=complex)
    fid = remove_group_delay(fid, group_delay_points(acqus, acqus_file))
    fid[0] *= 0.5  # first-point correction: the DFT of a sampled FID otherwise carries an offset of s(0)/2
    spec = ng.proc_base.fft(fid)  # fftshift(fft): ascending frequency
    spec = np.roll(spec[::-1], 1)  # TopSpin order: point i at SW_h/2 − i·SW_h/SI from the carrier
    p0, p1 = (float(phase_deg[0]), float(phase_deg[1])) if phase_deg is not None else (zero_order_phase_deg(spec), 0.0)
    spec = ng.proc_base.ps(spec, p0=p0, p1=p1)
    offset = ((sfo1 - sf) * 1e6 + sw_h / 2.0) / sf
    meta = _acq_meta(acqus, acqus_file)
    return Spectrum(ppm=procs_ppm_axis(offset, sw_h, sf, si), intensity=spec.real, nucleus=meta["nucleus"],
                    larmor_MHz=sf, mas_Hz=meta["mas_Hz"], ns=meta["ns"], rg=meta["rg"], mass_mg=mass_mg,
                    source=str(exp / "fid"), fmt="bruker-fid",
                    meta={"SI": si, "GRPDLY": acqus.get("GRPDLY"), "phase_deg": [p0, p1],
                          "phase": "given" if phase_deg else "zero order from the first point"})
