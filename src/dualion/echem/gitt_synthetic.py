"""A synthetic GITT record with known answers (tests, demo): spheres whose pulse transient is the exact
spherical-diffusion response (:func:`dualion.echem.gitt_sphere.sphere_response`), not the inverse of the
Weppner–Huggins formula, so that Weppner–Huggins' bias on spheres shows in it as it does in real data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

@dataclass(frozen=True)
class SyntheticGITT:
    """A synthetic GITT record and the values it was built with."""

    time_s: np.ndarray
    voltage_V: np.ndarray
    current_mA: np.ndarray
    E_eq_V: np.ndarray          # quasi-equilibrium potential after each pulse
    eta_V: np.ndarray           # E(end of pulse) − E_eq after each pulse
    ir_V: float                 # IR drop (signed, same for every pulse)
    dE_t_V: np.ndarray          # IR-free transient of each pulse
    D_cm2_s: np.ndarray        # D of each pulse
    volume_to_surface_cm: float
    tau_s: float
    mass_mg: float


def synthetic_gitt(*, n_pulses: int = 12, mass_mg: float = 1.6, current_mA_g: float = -10.0,
                   tau_s: float = 3600.0, rest_s: float = 36000.0, dt_pulse_s: float = 20.0,
                   dt_rest_s: float = 120.0, E0_V: float = 1.6, E_end_V: float = 0.6,
                   R_ohm: float = 2000.0, D_cm2_s: float | Sequence[float] = 1e-12, radius_um: float = 2.0,
                   relax_time_s: float = 1500.0, noise_V: float = 0.0, seed: int = 0) -> SyntheticGITT:
    """Build a GITT record (discharge by default) whose answers are known by construction.

    * Quasi-equilibrium potentials fall linearly from ``E0_V`` to ``E_end_V`` over ``n_pulses``
      (``ΔE_s = (E_end − E0)/n`` per pulse), a solid-solution curve like Fig. 3a.
    * Under current (pulse time ``t`` from the last rest point) the voltage is
      ``E_eq,k−1 + I R + (ΔE_s / (3 T_k)) φ_s(T_k t/τ)`` with ``T_k = D_k τ / r²`` and φ_s the exact
      response of a sphere of radius ``radius_um`` to a constant flux (``ΔE_t,k`` is its value at τ);
      for ``T_k → 0`` this is Weppner–Huggins' ``ΔE_s · 2 (r/3) / √(π τ D_k) · √(t/τ)``. ``D_cm2_s`` may
      be one value or one per pulse (a D falling with depth makes η grow, as for Mg²⁺ in Fig. 3a).
    * When the current stops, the IR drop recovers instantly (first rest point ``= E_pulse_end − I R``),
      then the voltage relaxes exponentially (time constant ``relax_time_s``) to ``E_eq,k``.
    * η_k = E_pulse_end,k − E_eq,k = ``(E_eq,k−1 − E_eq,k) + I R + ΔE_t,k``.

    Current ``I = current_mA_g · mass`` (mA; < 0 = discharge). Returns arrays and the answers.
    """
    rng = np.random.default_rng(seed)
    g = mass_mg / 1000.0
    I = current_mA_g * g
    L = radius_um * 1e-4 / 3.0
    D = np.broadcast_to(np.asarray(D_cm2_s, dtype=float), (n_pulses,)).copy()
    E_eq = E0_V + (E_end_V - E0_V) * np.arange(1, n_pulses + 1) / n_pulses
    dE_s = (E_end_V - E0_V) / n_pulses
    from dualion.echem.gitt_sphere import sphere_response

    T = D * tau_s / (radius_um * 1e-4) ** 2
    dE_t = dE_s / (3.0 * T) * sphere_response(T)
    ir = I / 1000.0 * R_ohm
    ts, vs, cs = [np.array([0.0, 600.0])], [np.array([E0_V, E0_V])], [np.array([0.0, 0.0])]
    t_now = 600.0
    e_prev = E0_V
    etas = []
    n_p = int(round(tau_s / dt_pulse_s))
    n_r = int(round(rest_s / dt_rest_s))
    tp = np.arange(1, n_p + 1) * dt_pulse_s
    tr = np.arange(1, n_r + 1) * dt_rest_s
    for k in range(n_pulses):
        vp = e_prev + ir + dE_s / (3.0 * T[k]) * sphere_response(T[k] * tp / tau_s)
        E_end = float(vp[-1])
        v_after_ir = E_end - ir
        vr = E_eq[k] + (v_after_ir - E_eq[k]) * np.exp(-(tr - dt_rest_s) / relax_time_s)
        ts += [t_now + tp, t_now + tau_s + tr]
        vs += [vp, vr]
        cs += [np.full(n_p, I), np.zeros(n_r)]
        etas.append(E_end - E_eq[k])
        t_now += tau_s + rest_s
        e_prev = E_eq[k]
    t = np.concatenate(ts)
    v = np.concatenate(vs)
    c = np.concatenate(cs)
    if noise_V:
        v = v + rng.normal(0.0, noise_V, v.size)
    return SyntheticGITT(t, v, c, E_eq, np.array(etas), ir, dE_t, D, L, tau_s, mass_mg)


def write_plain_csv(path, time_s: np.ndarray, voltage_V: np.ndarray, current_mA: np.ndarray,
                    header: Sequence[str] = (), step: np.ndarray | None = None) -> None:
    """Write the team's plain cycler CSV (``time_s,voltage_V,current_mA[,step]``, ``#`` header lines)
    atomically."""
    import io

    from dualion.io.atomic import atomic_write_text

    buf = io.StringIO()
    for line in header:
        buf.write(f"# {line}\n")
    cols = [time_s, voltage_V, current_mA]
    names = ["time_s", "voltage_V", "current_mA"]
    fmt = ["%.3f", "%.6f", "%.6g"]
    if step is not None:
        cols.append(step)
        names.append("step")
        fmt.append("%d")
    buf.write(",".join(names) + "\n")
    np.savetxt(buf, np.column_stack(cols), delimiter=",", fmt=fmt)
    atomic_write_text(path, buf.getvalue())
