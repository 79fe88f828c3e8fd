r"""Compiled (numba) model of :class:`~dualion.cell.SingleParticleCell`: right-hand side, Jacobian, voltage.

The same equations as :meth:`SingleParticleCell.rhs_factory <dualion.cell.particle.SingleParticleCell.rhs_factory>`
(the reference, pure Python, used by LSODA), written as flat loops over the state vector

    y = [x_Mg,0, x_Li,0, …, x_Mg,m−1, x_Li,m−1, p, q, c_0, …, c_{n_el−1}]      (m = n_shells − 1)

so that numba compiles them. Parameters travel as one float array ``P`` and one int array ``K`` (indices below);
the unit-D finite-volume Laplacian as its three diagonals ``lo, di, up`` (it is tridiagonal per ion); the surface
chemical potentials as the equilibrium table of :mod:`dualion.cell.tables` (bilinear in the logits, linear
continuation outside) or the exact Langmuir closed form.

Jacobian (:func:`jacobian`), analytic: the diffusion rows are linear in x (the surface shell enters through
x_s(p, q)); the two surface rows (p, q) depend on (x_Mg,m−1, x_Li,m−1, p, q) also through the electrode
potential V, which solves the galvanostatic balance Σ_i i_i(V) = i implicitly: dV/dθ by the implicit-function
theorem (:func:`surface` with ``grad``). The Jacobian is banded, lower bandwidth 3 and upper 2 in this
interleaved order.

Electrolyte transport (K[K_NEL] = n_el > 0): the Li+ concentrations c_k (M) of the finite-volume block
(:class:`~dualion.cell.electrolyte.ElectrolyteGrid`) follow the surface logits; their tridiagonal matrix travels
appended to the shell diagonals (lo/di/up[n_shells + k]), the electrode sink is EL_SINK·i_Li (particle-area
current), the bulk source EL_BULK on the last cell. c_0 enters the surface through U_Li += ν kT ln(c_0/c_b) and
i0_Li ∝ (c_0/c_b)^(να) (ratio floored at 1e-12, as the reference); θ then gains a fifth entry c_0, and the
c_0 row gets EL_SINK·∂i_Li/∂θ. Band: lower 4 (the c_0 row ← x_Mg,m−1 through a held Mg surface), upper 2.

Without numba the module still imports (``HAVE_NUMBA = False``) and the cell uses the LSODA reference.
"""

from __future__ import annotations

import math

import numpy as np

from dualion._numba import HAVE_NUMBA, njit  # noqa: F401 - numba, or a no-op decorator without it

# -- float parameters P[...] ---------------------------------------------------------------------------------------
D_MG, D_LI, SRC_MG, SRC_LI, CAP_MG, SITES_LI, N_E, U0_MG, U0_LI, J0_MG, J0_LI, ALPHA, F, I_APP, LIM, V_OFF, \
    EPS_LI, SLOPE_LI, EPS_MG, SLOPE_MG, TAB_G0, TAB_H, EL_SINK, EL_BULK, EL_CB, EL_NU_KT, EL_NU_ALPHA = range(27)
N_FLOAT = 27
# -- int parameters K[...] -----------------------------------------------------------------------------------------
K_M, K_LI_OFF, K_DIR, K_MU, K_TAB_N, K_NEL = range(6)
N_INT = 6
#: chemical-potential kinds (K[K_MU])
MU_TABLE2, MU_LINEAR, MU_TABLE1_MG, MU_TABLE1_LI = 0, 1, 2, 3


@njit(cache=True, error_model="numpy")
def expit(z):  # pragma: no cover - compiled
    """Logistic σ(z), overflow-safe."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True, error_model="numpy")
def interp2(g0, h, n, vals, p, q):  # pragma: no cover - compiled
    """Bilinear interpolation with edge-slope continuation outside the grid (tables._interp2) and its gradient:
    (value, ∂/∂p, ∂/∂q)."""
    s = (p - g0) / h
    r = (q - g0) / h
    sc = min(max(s, 0.0), n - 1.0)
    rc = min(max(r, 0.0), n - 1.0)
    i = min(int(sc), n - 2)
    j = min(int(rc), n - 2)
    t = sc - i
    u = rc - j
    v00, v10, v01, v11 = vals[i, j], vals[i + 1, j], vals[i, j + 1], vals[i + 1, j + 1]
    val = v00 * (1 - t) * (1 - u) + v10 * t * (1 - u) + v01 * (1 - t) * u + v11 * t * u
    slope_s = (v10 - v00) * (1 - u) + (v11 - v01) * u      # ∂val/∂t
    slope_r = (v01 - v00) * (1 - t) + (v11 - v10) * t      # ∂val/∂u
    cross = v11 - v10 - v01 + v00
    ds, dr = slope_s, slope_r
    if s != sc:
        val += slope_s * (s - sc)
        if r == rc:
            dr += cross * (s - sc)
    if r != rc:
        val += slope_r * (r - rc)
        if s == sc:
            ds += cross * (r - rc)
    return val, ds / h, dr / h


@njit(cache=True, error_model="numpy")
def interp1(g0, h, n, vals, p):  # pragma: no cover - compiled
    """Linear interpolation on a uniform grid, linear extrapolation with the end slopes (tables._interp1), and
    its derivative: (value, d/dp)."""
    s = (p - g0) / h
    k = min(max(int(math.floor(s)), 0), n - 2)
    t = s - k
    return vals[k] * (1.0 - t) + vals[k + 1] * t, (vals[k + 1] - vals[k]) / h


@njit(cache=True, error_model="numpy")
def mu_surface(q, p, P, K, T2li, T2mg, T1):  # pragma: no cover - compiled
    """(Δμ_Li, Δμ_Mg) in eV per charge at surface logits (q, p) (NaN for an ion the source does not hold) and
    their derivatives (∂Δμ_Li/∂p, ∂Δμ_Li/∂q, ∂Δμ_Mg/∂p, ∂Δμ_Mg/∂q)."""
    kind = K[K_MU]
    if kind == MU_LINEAR:
        return P[EPS_LI] + P[SLOPE_LI] * q, P[EPS_MG] + P[SLOPE_MG] * p, 0.0, P[SLOPE_LI], P[SLOPE_MG], 0.0
    g0, h, n = P[TAB_G0], P[TAB_H], K[K_TAB_N]
    if kind == MU_TABLE2:
        li, li_p, li_q = interp2(g0, h, n, T2li, p, q)
        mg, mg_p, mg_q = interp2(g0, h, n, T2mg, p, q)
        return li, mg, li_p, li_q, mg_p, mg_q
    if kind == MU_TABLE1_MG:
        mg, mg_p = interp1(g0, h, n, T1, p)
        return math.nan, mg, 0.0, 0.0, mg_p, 0.0
    li, li_q = interp1(g0, h, n, T1, q)
    return li, math.nan, 0.0, li_q, 0.0, 0.0


@njit(cache=True, error_model="numpy")
def cap_li(xm, P):  # pragma: no cover - compiled
    """Li capacity still open at Mg content xm, and its derivative d c_Li/d x_Mg (tables.SurfaceThermo)."""
    ne = P[N_E]
    if math.isnan(ne):
        return P[SITES_LI], 0.0
    e_lim = ne - 2.0 * xm
    if P[SITES_LI] <= e_lim:
        return P[SITES_LI], 0.0
    return e_lim, -2.0


@njit(cache=True, error_model="numpy")
def _bv(eta, i0, z, alpha, f):  # pragma: no cover - compiled
    a = min(alpha * z * f * eta, 700.0)
    c = min(-(1.0 - alpha) * z * f * eta, 700.0)
    return i0 * (math.exp(a) - math.exp(c))


@njit(cache=True, error_model="numpy")
def solve_V(target, U1, i01, z1, on1, U2, i02, z2, on2, alpha, f, guess):  # pragma: no cover - compiled
    """Electrode potential V with Σ_i i_i(V − U_i) = target over the ions that are on (i0 > 0, U finite):
    safeguarded Newton from ``guess`` inside a bracket (kinetics.solve_electrode_potential_V). NaN: no ion on."""
    on1 = on1 and i01 > 0 and math.isfinite(U1)
    on2 = on2 and i02 > 0 and math.isfinite(U2)
    if not (on1 or on2):
        return math.nan
    if math.isfinite(guess):
        V = guess
    else:
        V = (U1 if on1 else 0.0) + (U2 if on2 else 0.0)
        V /= (1.0 if on1 != on2 else 2.0)
    lo, hi = -math.inf, math.inf
    expand = 0.05
    for _ in range(400):
        g = -target
        dg = 0.0
        if on1:
            a = min(alpha * z1 * f * (V - U1), 700.0)
            c = min(-(1.0 - alpha) * z1 * f * (V - U1), 700.0)
            ea, ec = math.exp(a), math.exp(c)
            g += i01 * (ea - ec)
            dg += i01 * z1 * f * (alpha * ea + (1.0 - alpha) * ec)
        if on2:
            a = min(alpha * z2 * f * (V - U2), 700.0)
            c = min(-(1.0 - alpha) * z2 * f * (V - U2), 700.0)
            ea, ec = math.exp(a), math.exp(c)
            g += i02 * (ea - ec)
            dg += i02 * z2 * f * (alpha * ea + (1.0 - alpha) * ec)
        if g == 0.0:
            return V
        if g < 0:
            lo = V
        else:
            hi = V
        Vn = V - g / dg if dg > 0 else math.nan
        if abs(Vn - V) < 1e-14:
            return Vn
        if not (lo < Vn < hi):
            if math.isfinite(lo) and math.isfinite(hi):
                Vn = 0.5 * (lo + hi)
            else:
                Vn = V + expand if g < 0 else V - expand
                expand *= 2.0
                if expand > 1e6:
                    return math.nan
        elif not (math.isfinite(lo) and math.isfinite(hi)) and abs(Vn - V) > expand:
            Vn = V + math.copysign(expand, Vn - V)
            expand *= 2.0
        if hi - lo < 1e-14:
            return Vn
        V = Vn
    return V


@njit(cache=True, error_model="numpy")
def surface(xm_prev, xl_prev, p, q, c0, pin_mg, pin_li, P, K, lo, di, T2li, T2mg, T1, vg, grad, gp, gq,
            gi):  # pragma: no cover
    """Surface shell: (V, dp/dt, dq/dt, x_Mg,s, x_Li,s) from the last interior shell and the surface logits.

    ``pin_mg``/``pin_li``: 1 = the ion's surface is held (exhausted, passes on the diffusive supply), 0 = free,
    −1 = decide from the state (the reported voltage). ``vg[0]``: Newton start for V (updated). ``c0``: Li+ at the
    electrode (M; used when K[K_NEL] > 0). Returns also i_Li (A cm-2). With ``grad``, ``gp``/``gq``/``gi`` (5,)
    receive ∂(dp/dt)/∂θ, ∂(dq/dt)/∂θ, ∂i_Li/∂θ for θ = (x_Mg,m−1, x_Li,m−1, p, q, c_0): every partial is
    analytic, and V enters through the implicit-function derivative of the galvanostatic balance,
    dV/dθ = −(Σ_free ∂i_j/∂θ|_V + Σ_held ∂i_j/∂θ) / Σ_free ∂i_j/∂V."""
    m = K[K_M]
    li_off = K[K_LI_OFF] != 0
    direction = K[K_DIR]
    in_p = -300.0 < p < 300.0
    in_q = -300.0 < q < 300.0
    p = min(max(p, -300.0), 300.0)
    q = min(max(q, -300.0), 300.0)
    sp, sq = expit(p), expit(q)
    spp, sqq = sp * expit(-p), sq * expit(-q)      # σ'(p), σ'(q)
    cap = P[CAP_MG]
    xm_s = cap * sp
    c_li, dcap = cap_li(xm_s, P)
    xl_s = c_li * sq
    dm, dl = P[D_MG], P[D_LI]
    Fm = dm * (lo[m] * xm_prev + di[m] * xm_s)
    Fl = dl * (lo[m] * xl_prev + di[m] * xl_s)
    fix_mg, fix_li = False, False
    f_mg, f_li = 0.0, 0.0
    if direction != 0:
        lim = P[LIM]
        if pin_mg < 0:
            ex_mg = -direction * p > lim
            ex_li = (not li_off) and c_li > 0 and -direction * q > lim
        else:
            ex_mg = pin_mg == 1
            ex_li = (not li_off) and c_li > 0 and pin_li == 1
        if ex_mg and not ex_li and not li_off:
            fix_mg, f_mg = True, -Fm / P[SRC_MG]
        elif ex_li and not ex_mg:
            fix_li, f_li = True, -Fl / P[SRC_LI]
    mu_li, mu_mg, mli_p, mli_q, mmg_p, mmg_q = mu_surface(q, p, P, K, T2li, T2mg, T1)
    U_mg = P[U0_MG] - mu_mg
    U_li = -math.inf if li_off else P[U0_LI] - mu_li
    i0_mg = P[J0_MG] * 2.0 * math.sqrt(spp)
    i0_li = P[J0_LI] * 2.0 * math.sqrt(sqq)
    dUli_c, dlni0_c = 0.0, 0.0          # ∂U_Li/∂c_0 (V M-1), ∂ln i0_Li/∂c_0 (M-1)
    if K[K_NEL] > 0:
        cr = c0 / P[EL_CB]
        floored = not (cr > 1e-12)
        cr = 1e-12 if floored else cr
        if not li_off:
            U_li += P[EL_NU_KT] * math.log(cr)
        i0_li *= cr ** P[EL_NU_ALPHA]
        if not floored:
            dUli_c = P[EL_NU_KT] / c0
            dlni0_c = P[EL_NU_ALPHA] / c0
    alpha, f = P[ALPHA], P[F]
    V = solve_V(P[I_APP] - f_mg - f_li, U_mg, i0_mg, 2, not fix_mg, U_li, i0_li, 1, not fix_li, alpha, f, vg[0])
    if math.isfinite(V):
        vg[0] = V
    on_mg = (not fix_mg) and i0_mg > 0 and math.isfinite(U_mg)
    on_li = (not fix_li) and i0_li > 0 and math.isfinite(U_li)
    i_mg, G_mg, e_mg = f_mg, 0.0, 0.0
    i_li, G_li, e_li = f_li, 0.0, 0.0
    if on_mg:
        a = min(alpha * 2 * f * (V - U_mg), 700.0)
        c = min(-(1.0 - alpha) * 2 * f * (V - U_mg), 700.0)
        e_mg = math.exp(a) - math.exp(c)
        i_mg = i0_mg * e_mg
        G_mg = i0_mg * 2 * f * (alpha * math.exp(a) + (1.0 - alpha) * math.exp(c))
    elif not fix_mg:
        i_mg = 0.0
    if on_li:
        a = min(alpha * f * (V - U_li), 700.0)
        c = min(-(1.0 - alpha) * f * (V - U_li), 700.0)
        e_li = math.exp(a) - math.exp(c)
        i_li = i0_li * e_li
        G_li = i0_li * f * (alpha * math.exp(a) + (1.0 - alpha) * math.exp(c))
    elif not fix_li:
        i_li = 0.0
    Fm_t = 0.0 if fix_mg else Fm + P[SRC_MG] * i_mg
    Fl_t = 0.0 if fix_li else Fl + P[SRC_LI] * i_li
    den_p = cap * spp
    dp = Fm_t / den_p
    q_on = not (li_off or c_li <= 0)
    if q_on:
        num_q = Fl_t - sq * dcap * Fm_t
        den_q = c_li * sqq
        dq = num_q / den_q
    else:
        dq = 0.0
    if grad:
        kp = 1.0 if in_p else 0.0
        kq = 1.0 if in_q else 0.0
        # θ = (a, b, p, q): partials of the pre-source fluxes and of the surface quantities
        dxm_p = cap * spp * kp
        dcli_p = dcap * dxm_p
        dxl_p = dcli_p * sq
        dxl_q = c_li * sqq * kq
        dFm = (dm * lo[m], 0.0, dm * di[m] * dxm_p, 0.0, 0.0)
        dFl = (0.0, dl * lo[m], dl * di[m] * dxl_p, dl * di[m] * dxl_q, 0.0)
        # ∂i/∂θ at fixed V (free ions) — U depends on (p, q) (and U_Li on c_0), i0 on its own logit (i0_Li on c_0)
        di_mg = (0.0, 0.0, 0.0, 0.0, 0.0)
        di_li = (0.0, 0.0, 0.0, 0.0, 0.0)
        if on_mg:
            di0 = i0_mg * (1.0 - 2.0 * sp) / 2.0 * kp
            di_mg = (0.0, 0.0, e_mg * di0 + G_mg * mmg_p * kp, G_mg * mmg_q * kq, 0.0)   # ∂i/∂U = −G, ∂U/∂θ = −∂μ/∂θ
        if on_li:
            di0 = i0_li * (1.0 - 2.0 * sq) / 2.0 * kq
            di_li = (0.0, 0.0, G_li * mli_p * kp, e_li * di0 + G_li * mli_q * kq,
                     i_li * dlni0_c - G_li * dUli_c)
        Gs = G_mg + G_li
        for t in range(5):
            # held ions: their current −F/src is imposed
            held = 0.0
            if fix_mg:
                held += -dFm[t] / P[SRC_MG]
            if fix_li:
                held += -dFl[t] / P[SRC_LI]
            dV = -(di_mg[t] + di_li[t] + held) / Gs if Gs > 0 else 0.0
            dim = di_mg[t] + G_mg * dV if on_mg else 0.0
            dil = di_li[t] + G_li * dV if on_li else 0.0
            dFm_t = 0.0 if fix_mg else dFm[t] + P[SRC_MG] * dim
            dFl_t = 0.0 if fix_li else dFl[t] + P[SRC_LI] * dil
            gi[t] = -dFl[t] / P[SRC_LI] if fix_li else dil
            g = dFm_t / den_p
            if t == 2:
                g -= dp * cap * spp * (1.0 - 2.0 * sp) * kp / den_p
            gp[t] = g
            if q_on:
                dsq = sqq * kq if t == 3 else 0.0
                dnum = dFl_t - dcap * (dsq * Fm_t + sq * dFm_t)
                dden = dcli_p * sqq if t == 2 else (c_li * sqq * (1.0 - 2.0 * sq) * kq if t == 3 else 0.0)
                gq[t] = (dnum - dq * dden) / den_q
            else:
                gq[t] = 0.0
    return V, dp, dq, xm_s, xl_s, i_li


@njit(cache=True, error_model="numpy")
def rhs(y, out, pin_mg, pin_li, P, K, lo, di, up, T2li, T2mg, T1, vg):  # pragma: no cover - compiled
    """dy/dt into ``out`` (the reference's right-hand side with the given pinned surfaces); returns V."""
    m = K[K_M]
    nel = K[K_NEL]
    c0 = y[2 * m + 2] if nel > 0 else 0.0
    V, dp, dq, xm_s, xl_s, i_li = surface(y[2 * m - 2], y[2 * m - 1], y[2 * m], y[2 * m + 1], c0, pin_mg, pin_li,
                                          P, K, lo, di, T2li, T2mg, T1, vg, False, out[:0], out[:0], out[:0])
    dm, dl = P[D_MG], P[D_LI]
    for k in range(m):
        xm_l = y[2 * k - 2] if k > 0 else 0.0
        xl_l = y[2 * k - 1] if k > 0 else 0.0
        xm_r = y[2 * k + 2] if k < m - 1 else xm_s
        xl_r = y[2 * k + 3] if k < m - 1 else xl_s
        out[2 * k] = dm * (lo[k] * xm_l + di[k] * y[2 * k] + up[k] * xm_r)
        out[2 * k + 1] = dl * (lo[k] * xl_l + di[k] * y[2 * k + 1] + up[k] * xl_r)
    out[2 * m] = dp
    out[2 * m + 1] = dq
    if nel > 0:     # electrolyte block: dc/dt = A c + s (A tridiagonal, at lo/di/up[m + 1 + k])
        r0, b = 2 * m + 2, m + 1
        for k in range(nel):
            acc = di[b + k] * y[r0 + k]
            if k > 0:
                acc += lo[b + k] * y[r0 + k - 1]
            if k < nel - 1:
                acc += up[b + k] * y[r0 + k + 1]
            out[r0 + k] = acc
        out[r0] += P[EL_SINK] * i_li
        out[r0 + nel - 1] += P[EL_BULK]
    return V


@njit(cache=True, error_model="numpy")
def jacobian(y, J, pin_mg, pin_li, P, K, lo, di, up, T2li, T2mg, T1, vg):  # pragma: no cover - compiled
    """∂f/∂y into ``J`` (N × N, band: lower 4, upper 2; entries outside the band untouched), analytic."""
    m = K[K_M]
    nel = K[K_NEL]
    N = 2 * m + 2 + nel
    for i in range(N):
        for j in range(max(0, i - 4), min(N, i + 3)):
            J[i, j] = 0.0
    dm, dl = P[D_MG], P[D_LI]
    for k in range(m):
        if k > 0:
            J[2 * k, 2 * k - 2] = dm * lo[k]
            J[2 * k + 1, 2 * k - 1] = dl * lo[k]
        J[2 * k, 2 * k] = dm * di[k]
        J[2 * k + 1, 2 * k + 1] = dl * di[k]
        if k < m - 1:
            J[2 * k, 2 * k + 2] = dm * up[k]
            J[2 * k + 1, 2 * k + 3] = dl * up[k]
    # last interior shell ← surface shell x_s(p, q)
    p = y[2 * m]
    q = y[2 * m + 1]
    k = m - 1
    sp = expit(min(max(p, -300.0), 300.0))
    sq = expit(min(max(q, -300.0), 300.0))
    c_li, dcap = cap_li(P[CAP_MG] * sp, P)
    if -300.0 < p < 300.0:
        dxm = P[CAP_MG] * sp * (1.0 - sp)
        J[2 * k, 2 * m] = dm * up[k] * dxm
        J[2 * k + 1, 2 * m] = dl * up[k] * dcap * dxm * sq
    if -300.0 < q < 300.0:
        J[2 * k + 1, 2 * m + 1] = dl * up[k] * c_li * sq * (1.0 - sq)
    # surface rows
    gp = np.empty(5)
    gq = np.empty(5)
    gi = np.empty(5)
    c0 = y[2 * m + 2] if nel > 0 else 0.0
    surface(y[2 * m - 2], y[2 * m - 1], p, q, c0, pin_mg, pin_li, P, K, lo, di, T2li, T2mg, T1, vg, True, gp, gq,
            gi)
    for c in range(4 if nel == 0 else 5):
        J[2 * m, 2 * m - 2 + c] = gp[c]
        J[2 * m + 1, 2 * m - 2 + c] = gq[c]
    if nel > 0:     # electrolyte rows: A, plus the sink's dependence on θ = (x_Mg,m−1, x_Li,m−1, p, q, c_0)
        r0, b = 2 * m + 2, m + 1
        for k in range(nel):
            if k > 0:
                J[r0 + k, r0 + k - 1] = lo[b + k]
            J[r0 + k, r0 + k] = di[b + k]
            if k < nel - 1:
                J[r0 + k, r0 + k + 1] = up[b + k]
        for c in range(5):
            J[r0, 2 * m - 2 + c] += P[EL_SINK] * gi[c]


@njit(cache=True, error_model="numpy")
def voltage(y, P, K, lo, di, T2li, T2mg, T1, vg):  # pragma: no cover - compiled
    """Reported voltage (V vs Mg, counter overpotential included) at state y, pinned surfaces decided from y."""
    m = K[K_M]
    c0 = y[2 * m + 2] if K[K_NEL] > 0 else 0.0
    V, _, _, _, _, _ = surface(y[2 * m - 2], y[2 * m - 1], y[2 * m], y[2 * m + 1], c0, -1, -1, P, K, lo, di,
                               T2li, T2mg, T1, vg, False, y[:0], y[:0], y[:0])
    return V + P[V_OFF]


@njit(cache=True, error_model="numpy")
def voltages(Y, P, K, lo, di, T2li, T2mg, T1):  # pragma: no cover - compiled
    """:func:`voltage` for each column of Y (N, G)."""
    G = Y.shape[1]
    out = np.empty(G)
    vg = np.array([math.nan])
    for g in range(G):
        out[g] = voltage(Y[:, g], P, K, lo, di, T2li, T2mg, T1, vg)
    return out
