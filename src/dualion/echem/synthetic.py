"""A documented synthetic Mg || Ti0.78□0.22O1.12F0.40(OH)0.48 cell with known capacities.

The paper's raw cycler files are not public, so the demo and tests use this generator. It is a
*bookkeeping* model, not a physical simulation (a later model may replace it):

* State of discharge x ∈ (0, 1) is the inserted charge as a fraction of ``q_host_mAh_g`` (320 mA h g-1,
  the charge the host could take up; the reachable capacities below stay under it).
* Sloping solid-solution open-circuit voltage (no plateau, as the paper reports for this material),
  in V vs Mg2+/Mg:  E_ocv(x) = e0_V − slope_V (x − ½) + ln_V · ln((1 − x)/x).
* Overpotential at current density j (mA g-1): η(j) = b_V · asinh(j / j0_mA_g) + r_V_per_mA_g · j
  (a Butler–Volmer-like term plus an ohmic IR drop); discharge V = E_ocv − η, charge V = E_ocv + η.
* Prescribed capacities (this is what makes them known exactly): the discharge capacity of cycle n at
  j is  Q_dis(n, j) = q0 / (1 + (j / j_half)^p) · exp(−fade · (n − 1))  mA h g-1 (rate capability of
  Fig. 2a: ≈ 275 at 20 mA g-1, ≈ 200 at 1000 mA g-1; slow fade, > 90 % after 400 cycles as in Fig. 2b),
  (q0 = 280 mA h g-1, close to the paper's 264–284 mA h g-1 for x ≈ 0.30–0.35 Li, 0.18 Mg),
  and the charge capacity is Q_ch = CE_n · Q_dis with CE_n = ce_final − (ce_final − ce_first) e^{−(n−1)}
  (first-cycle loss to electrolyte decomposition). Each discharge starts at x = x0; each charge
  returns by Q_ch (the irreversible part is assumed restored before the next discharge).
* Constant current I = −j · mass (discharge) / +j · mass (charge) in mA (team sign convention: > 0
  charge), sampled uniformly in time with ``points_per_half`` rows, so Q = |I| · t / 3600 exactly;
  rests of ``rest_s`` at open circuit (zero current, voltage = E_ocv) between half-cycles.
* Gaussian voltage noise of ``noise_V`` (seeded) makes the curves look measured.

Cycles are discharge-then-charge (cathode vs Mg metal, as in the paper); the CSV carries
``cycle`` and ``step`` (and optionally ``control``) columns and ``# mass_mg=…``, ``# reference=Mg`` metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dualion.core import paper

#: Current densities of the paper's rate test (Fig. 2a), mA g-1 (:data:`dualion.core.paper.RATES_MA_G`).
PAPER_RATES_MA_G = paper.RATES_MA_G


@dataclass(frozen=True)
class SyntheticCell:
    """Parameters of the synthetic cell (units in the names; see the module docstring)."""

    mass_mg: float = 1.6
    q0_mAh_g: float = 280.0
    q_host_mAh_g: float = 320.0
    j_half_mA_g: float = 3175.0
    p: float = 0.793
    e0_V: float = 1.1
    slope_V: float = 1.2
    ln_V: float = 0.15
    b_V: float = 0.03
    j0_mA_g: float = 20.0
    r_V_per_mA_g: float = 2.0e-4
    x0: float = 0.02
    fade: float = 2.0e-4
    ce_first: float = 0.90
    ce_final: float = 0.995
    noise_V: float = 0.0005
    seed: int = 7

    def ocv_V(self, x):
        """Open-circuit voltage (V vs Mg2+/Mg) at state of discharge ``x``."""
        x = np.clip(np.asarray(x, dtype=float), 1e-6, 1 - 1e-6)
        return self.e0_V - self.slope_V * (x - 0.5) + self.ln_V * np.log((1 - x) / x)

    def overpotential_V(self, j_mA_g: float) -> float:
        """η(j) in V for a current density ``j_mA_g`` (mA g-1, magnitude)."""
        j = abs(j_mA_g)
        return float(self.b_V * np.arcsinh(j / self.j0_mA_g) + self.r_V_per_mA_g * j)

    def discharge_capacity_mAh_g(self, cycle: int, j_mA_g: float) -> float:
        """Prescribed discharge capacity (mA h g-1) of cycle ``cycle`` (1-based) at ``j_mA_g``."""
        q = self.q0_mAh_g / (1.0 + (abs(j_mA_g) / self.j_half_mA_g) ** self.p)
        return float(q * np.exp(-self.fade * (cycle - 1)))

    def coulombic_efficiency(self, cycle: int) -> float:
        """Prescribed Q_charge / Q_discharge of cycle ``cycle``."""
        return float(self.ce_final - (self.ce_final - self.ce_first) * np.exp(-(cycle - 1)))

    def charge_capacity_mAh_g(self, cycle: int, j_mA_g: float) -> float:
        """Prescribed charge capacity (mA h g-1)."""
        return self.coulombic_efficiency(cycle) * self.discharge_capacity_mAh_g(cycle, j_mA_g)


def rate_schedule(rates_mA_g: Sequence[float] = PAPER_RATES_MA_G, cycles_per_rate: int = 5,
                  back_to_first: bool = True) -> list[float]:
    """Per-cycle current densities of a rate test (each rate ``cycles_per_rate`` times, then back)."""
    out = [float(r) for r in rates_mA_g for _ in range(cycles_per_rate)]
    if back_to_first:
        out += [float(rates_mA_g[0])] * cycles_per_rate
    return out


def expected(cell: SyntheticCell, schedule: Sequence[float]) -> list[dict]:
    """The known per-cycle values: cycle, rate (mA g-1), discharge/charge capacity (mA h g-1 and mA h)."""
    m_g = cell.mass_mg / 1000.0
    rows = []
    for n, j in enumerate(schedule, start=1):
        qd = cell.discharge_capacity_mAh_g(n, j)
        qc = cell.charge_capacity_mAh_g(n, j)
        rows.append({"cycle": n, "current_density_mA_g": float(j), "discharge_mAh_g": qd, "charge_mAh_g": qc,
                     "discharge_mAh": qd * m_g, "charge_mAh": qc * m_g, "ce_pct": 100.0 * qc / qd})
    return rows


def generate(cell: SyntheticCell, schedule: Sequence[float], points_per_half: int = 200, rest_s: float = 600.0,
             rest_points: int = 5, initial_rest_s: float = 3600.0) -> dict[str, np.ndarray]:
    """Arrays ``time_s, voltage_V, current_mA, cycle, step, control`` (control: 1 rest, 2 CC).

    Steps: 1 initial rest, then per cycle 2 discharge, 3 rest, 4 charge, 5 rest.
    """
    if points_per_half < 2:
        raise ValueError("points_per_half must be ≥ 2")
    rng = np.random.default_rng(cell.seed)
    m_g = cell.mass_mg / 1000.0
    t_parts, v_parts, i_parts, c_parts, s_parts, k_parts = [], [], [], [], [], []
    t_now = 0.0

    def add(t, v, i, cyc, step, ctl):
        t_parts.append(t)
        v_parts.append(v)
        i_parts.append(np.full(t.size, i) if np.isscalar(i) else i)
        c_parts.append(np.full(t.size, cyc, dtype=np.int64))
        s_parts.append(np.full(t.size, step, dtype=np.int64))
        k_parts.append(np.full(t.size, ctl, dtype=np.int8))

    def rest(x, cyc, step, dur, npts):
        nonlocal t_now
        if dur <= 0 or npts <= 0:
            return
        t = t_now + np.linspace(dur / npts, dur, npts)
        add(t, np.full(npts, float(cell.ocv_V(x))), 0.0, cyc, step, 1)
        t_now = float(t[-1])

    rest(cell.x0, 1 if schedule else 0, 1, initial_rest_s, max(rest_points, 2))
    frac = np.linspace(0.0, 1.0, points_per_half)
    for n, j in enumerate(schedule, start=1):
        qd = cell.discharge_capacity_mAh_g(n, j)
        qc = cell.charge_capacity_mAh_g(n, j)
        eta = cell.overpotential_V(j)
        i_mA = abs(j) * m_g
        for sign, q, step in ((-1, qd, 2), (+1, qc, 4)):
            dur = q * m_g / i_mA * 3600.0  # s, so that |I| t / 3600 = q · mass
            if sign < 0:
                x = cell.x0 + frac * q / cell.q_host_mAh_g
            else:
                x = cell.x0 + (qd - frac * q) / cell.q_host_mAh_g
            t = t_now + 1.0 + frac * dur  # 1 s after the previous row
            v = cell.ocv_V(x) + sign * eta
            add(t, v, sign * i_mA, n, step, 2)
            t_now = float(t[-1])
            rest(x[-1], n, step + 1, rest_s, rest_points)
    out = {"time_s": np.concatenate(t_parts), "voltage_V": np.concatenate(v_parts),
           "current_mA": np.concatenate(i_parts), "cycle": np.concatenate(c_parts),
           "step": np.concatenate(s_parts), "control": np.concatenate(k_parts)}
    if cell.noise_V > 0:
        out["voltage_V"] = out["voltage_V"] + rng.normal(0.0, cell.noise_V, out["voltage_V"].size)
    return out


def write_csv(path: str | Path, cell: SyntheticCell, schedule: Sequence[float], include_control: bool = False,
              **kw) -> Path:
    """Generate and write the plain dualion CSV (atomic); returns the path.

    ``include_control`` adds the ``control`` column (rest/cc); without it (the default, leaner and
    faster to read) the reader infers rest from zero current. Other keywords go to :func:`generate`.
    """
    from dualion.echem.readers.csv import write

    arr = generate(cell, schedule, **kw)
    if not include_control:
        arr["control"] = None
    meta = {"mass_mg": cell.mass_mg, "reference": "Mg",
            "generator": "dualion.echem.synthetic (Mg || Ti0.78[]0.22O1.12F0.40(OH)0.48 synthetic cell)"}
    return write(path, time_s=arr["time_s"], voltage_V=arr["voltage_V"], current_mA=arr["current_mA"],
                 cycle=arr["cycle"], step=arr["step"], control=arr["control"], meta=meta)


def synthetic_cycling(n_cycles: int = 5, n_per_half: int = 2000, mass_mg: float = 1.6,
                      rate_mA_g: float = 20.0, peaks_V=(0.77, 1.00), caps_mAh_g=(110.0, 170.0),
                      width_V: float = 0.025, polarisation_V: float = 0.05, fade: float = 0.05,
                      noise_V: float = 0.001, seed: int = 1):
    """(time_s, voltage_V, current_mA, cycle) of a synthetic cell for dQ/dV: two logistic insertion steps
    (default at 0.77 V and 1.00 V vs Mg2+/Mg, the dQ/dV peaks of the paper's Fig. 1d; widths 25 mV,
    110 and 170 mA h g-1), a ±50 mV polarisation (discharge below, charge above equilibrium), 5 % fade
    per cycle and 1 mV Gaussian voltage noise. Expected peaks: discharge ≈ 0.72 / 0.95 V, charge ≈
    0.82 / 1.05 V.

    Equilibrium capacity ``q(V) = Σ_k Q_k / (1 + exp((V − V_k)/w))`` (mA h g⁻¹ inserted at voltage
    V); each half-cycle samples ``n_per_half`` equal capacity steps of the (faded) total.
    """
    rng = np.random.default_rng(seed)
    g = mass_mg / 1000.0
    v_fine = np.linspace(0.3, 1.6, 20001)
    q_fine = sum(Q / (1.0 + np.exp((v_fine - V0) / width_V)) for V0, Q in zip(peaks_V, caps_mAh_g))
    # q decreases with V: invert on the fine grid
    order = np.argsort(q_fine)
    q_sorted, v_sorted = q_fine[order], v_fine[order]
    qtot = float(q_fine.max() - q_fine.min())
    I = rate_mA_g * g
    ts, vs, cs, cyc = [], [], [], []
    t0 = 0.0
    for c in range(1, n_cycles + 1):
        cap = qtot * (1.0 - fade) ** (c - 1)
        frac = np.linspace(0.0, 1.0, n_per_half)
        q_dis = q_fine.min() + 0.001 * qtot + frac * (cap - 0.002 * qtot)
        v_eq = np.interp(q_dis, q_sorted, v_sorted)
        dt = (cap / rate_mA_g) * 3600.0 / (n_per_half - 1)
        for direction, sign in (("discharge", -1.0), ("charge", 1.0)):
            veq = v_eq if direction == "discharge" else v_eq[::-1]
            v = veq + sign * polarisation_V + rng.normal(0.0, noise_V, n_per_half)
            t = t0 + np.arange(n_per_half) * dt
            ts.append(t)
            vs.append(v)
            cs.append(np.full(n_per_half, sign * I))
            cyc.append(np.full(n_per_half, c))
            t0 = t[-1] + dt
    return np.concatenate(ts), np.concatenate(vs), np.concatenate(cs), np.concatenate(cyc)
