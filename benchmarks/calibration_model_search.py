"""How far can a simple correction take CHGNet towards the public DFT insertion energies?

Reads the 33 (ML, DFT) insertion-energy pairs stored in the bundled calibration
(``src/dualion/data/engines/calibration_chgnet-0.3.0.yaml``; no engine run needed) and reports the
leave-one-out MAE (eV) of

1. every linear correction δ = c0 + Σ c_k d_k with 1–5 descriptors d_k drawn from 17 simple ones
   (ion charge z, Shannon radius r, site type v, n_F, n_OH, their products, the raw ML energy, ...),
   fitted by least squares — the best of ~9,400 models (optimistic: the choice itself is not
   cross-validated);
2. a few physically motivated models fitted by least squares, least absolute deviations (LAD) and
   Huber loss (robust to the 4OH outliers);
3. the residual spread between points that no site descriptor can tell apart (2F+2OH cis vs trans).

Usage: ``.venv/bin/python benchmarks/calibration_model_search.py [--top 10]``. Prints tables;
results are recorded in ``benchmarks/RESULTS_engines.md``.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
import yaml
from scipy.optimize import least_squares, linprog

from dualion.engines.calibration import SHANNON_RADIUS_A
from dualion.ions import formal_charge

CAL = Path(__file__).resolve().parents[1] / "src/dualion/data/engines/calibration_chgnet-0.3.0.yaml"


def load_points(path: Path = CAL) -> list[dict]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc["metrics"]["points"]


def features(p: dict) -> dict[str, float]:
    z, r = formal_charge(p["ion"]), SHANNON_RADIUS_A[p["ion"]]
    v = 1.0 if p["site"] == "vacancy" else 0.0
    nf, noh, ml = float(p["n_F"]), float(p["n_OH"]), float(p["dE_ml_eV"])
    return {"v": v, "z": z, "r": r, "nF": nf, "nOH": noh, "z*v": z * v, "r*v": r * v, "r*nOH": r * noh,
            "z*nOH": z * noh, "z*nF": z * nf, "r*nF": r * nf, "ml": ml, "ml*v": ml * v, "nOH^2": noh ** 2,
            "r^2*nOH": r * r * noh, "[nOH=4]": float(noh == 4), "r*[nOH=4]": r * float(noh == 4)}


def design(points: list[dict], names: list[str]) -> np.ndarray:
    rows = []
    for p in points:
        f = features(p)
        rows.append([1.0 if n == "1" else (float(p["ion"] == n[4:]) if n.startswith("ion=") else f[n])
                     for n in names])
    return np.array(rows)


def lstsq(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(X, y, rcond=None)[0]


def lad(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least absolute deviations as a linear programme: min Σ(u⁺ + u⁻), X c + u⁺ − u⁻ = y."""
    n, m = X.shape
    res = linprog(np.r_[np.zeros(m), np.ones(2 * n)], A_eq=np.c_[X, np.eye(n), -np.eye(n)], b_eq=y,
                  bounds=[(None, None)] * m + [(0, None)] * (2 * n), method="highs")
    return res.x[:m]


def huber(X: np.ndarray, y: np.ndarray, delta: float = 0.2) -> np.ndarray:
    return least_squares(lambda c: X @ c - y, lstsq(X, y), loss="huber", f_scale=delta).x


def loo(X: np.ndarray, y: np.ndarray, fit=lstsq) -> tuple[float, float, float]:
    """(fit MAE, LOO MAE, LOO max |error|) in eV."""
    n = len(y)
    pred = np.empty(n)
    for k in range(n):
        keep = np.arange(n) != k
        pred[k] = X[k] @ fit(X[keep], y[keep])
    return float(np.mean(np.abs(y - X @ fit(X, y)))), float(np.mean(np.abs(y - pred))), float(np.max(np.abs(y - pred)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    pts = load_points()
    y = np.array([p["dE_dft_eV"] - p["dE_ml_eV"] for p in pts])
    names = list(features(pts[0]))
    t0 = time.perf_counter()
    results = []
    for k in range(1, 6):
        for comb in itertools.combinations(names, k):
            cols = ["1", *comb]
            results.append((*loo(design(pts, cols), y), cols))
    results.sort(key=lambda r: r[1])
    print(f"## Exhaustive search: {len(results)} linear models (1–5 descriptors + intercept), "
          f"{len(pts)} points, {time.perf_counter() - t0:.1f} s\n")
    print("| rank | descriptors | fit MAE (eV) | LOO MAE (eV) | LOO max (eV) |\n|---|---|---|---|---|")
    for i, (f, l, mx, cols) in enumerate(results[: args.top], 1):
        print(f"| {i} | {' + '.join(cols)} | {f:.3f} | {l:.3f} | {mx:.2f} |")

    ions = sorted({p["ion"] for p in pts})
    models = {
        "raw (δ = 0)": None,
        "site_F_OHsize (bundled choice)": ["1", "v", "nF", "r*nOH"],
        "affine in ΔE_ML": ["1", "ml"],
        "affine + site": ["1", "ml", "v", "ml*v"],
        "nF + z·nOH + ΔE_ML": ["1", "nF", "z*nOH", "ml"],
        "per ion + site": [f"ion={i}" for i in ions] + ["v"],
        "per ion + site + nF": [f"ion={i}" for i in ions] + ["v", "nF"],
    }
    print("\n## Loss functions (LOO MAE, eV)\n")
    print("| model | params | least squares | LAD | Huber (0.2 eV) |\n|---|---|---|---|---|")
    for label, cols in models.items():
        if cols is None:
            print(f"| {label} | 0 | {np.mean(np.abs(y)):.3f} | – | – |")
            continue
        X = design(pts, cols)
        print(f"| {label} | {len(cols)} | {loo(X, y)[1]:.3f} | {loo(X, y, lad)[1]:.3f} | {loo(X, y, huber)[1]:.3f} |")

    print("\n## Points no site descriptor separates (2F+2OH cis vs trans): residual δ = ΔE_DFT − ΔE_ML (eV)\n")
    print("| ion | δ cis | δ trans | difference |\n|---|---|---|---|")
    by = {(p["ion"], p["host"]): y[i] for i, p in enumerate(pts)}
    for ion in ions:
        c, t = by.get((ion, "V_Ti+2F_O+2OH_O(cis)")), by.get((ion, "V_Ti+2F_O+2OH_O(trans)"))
        if c is not None and t is not None:
            print(f"| {ion} | {c:+.3f} | {t:+.3f} | {abs(c - t):.3f} |")


if __name__ == "__main__":
    main()
