"""NSI results of issue #6: one-at-a-time bounds, the u/d flat direction, LMA-Dark vs Z' mass, Bayes factors.

    python analyses/nsi_table.py [--out results] [--quick]

Writes results/nsi_bounds.{md,csv,json}, results/nsi_ud_plane.png, results/nsi_corner.png,
results/nsi_lma_dark.{md,json,png} and results/nsi_checks.json (NUTS cross-check, KDE Bayes
factor, u/d numbers, timings).
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from bayes_cevns.inference.evidence import savage_dickey_samples
from bayes_cevns.model.build import build_model
from bayes_cevns.studies.lma_dark import compute_lma_dark, write_lma_dark
from bayes_cevns.studies.nsi import (
    DATASETS,
    allowed_s_range,
    compute_bounds_table,
    flat_direction,
    plot_ud_plane,
    ud_plane,
    write_bounds_table,
)
from bayes_cevns.inference.nsi_scan import EpsScan, posterior_density
from bayes_cevns.inference.sampling import diagnostics, sample
from bayes_cevns.io import provenance, write_json_atomic


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="results")
    ap.add_argument("--quick", action="store_true", help="coarser grids (smoke run)")
    a = ap.parse_args()
    out = Path(a.out)
    n = 101 if a.quick else 401
    timing, checks = {}, {}
    t0 = time.perf_counter()
    scans = {k: EpsScan(list(v)) for k, v in DATASETS.items()}
    timing["compile_3_scans_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    write_bounds_table(compute_bounds_table(n_grid=n, scans=scans), out)
    timing["bounds_table_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    slope = flat_direction("coherent_csi_2021")
    checks["flat_slope"] = {"CsI": slope, "Ar": flat_direction("coherent_ar_2020")}
    s = np.linspace(-8.0, 8.0, 33 if a.quick else 65)
    tt = np.linspace(-0.2, 0.5, 22 if a.quick else 36)
    planes = {k: ud_plane(sc, "ee", slope, s, tt) for k, sc in scans.items()}
    checks["ee_flat_s_allowed_90"] = {k: allowed_s_range(p) for k, p in planes.items()}
    checks["ee_flat_profile_dchi2_at_s"] = {k: dict(zip([f"{x:+.1f}" for x in s[::8]], p["profile_s"][::8].round(2)))
                                           for k, p in planes.items()}
    plot_ud_plane(planes, out / "nsi_ud_plane.png")
    pl = planes["CsI+Ar"]
    w = np.exp(pl["log_marginal"] - np.nanmax(pl["log_marginal"]))
    w = np.nan_to_num(w) / np.nansum(w)
    rng = np.random.default_rng(1)
    k = rng.choice(w.size, size=20000, p=w.ravel())
    si, ti = np.unravel_index(k, w.shape)
    ds, dt = s[1] - s[0], tt[1] - tt[0]
    S = s[si] + rng.uniform(-ds / 2, ds / 2, k.size)
    T = tt[ti] + rng.uniform(-dt / 2, dt / 2, k.size)
    eu, ed = S * pl["flat"][0] + T * pl["perp"][0], S * pl["flat"][1] + T * pl["perp"][1]
    import corner
    import matplotlib

    matplotlib.use("Agg")
    fig = corner.corner(np.column_stack([eu, ed]), labels=["eps_ee^u", "eps_ee^d"],
                        range=[(-8, 8), (-8, 8)], bins=60)
    fig.suptitle("CsI+Ar, grid posterior (Laplace), flat prior in the (s, t) window")
    fig.savefig(out / "nsi_corner.png", dpi=100)
    checks["ee_plane_posterior_corr_u_d"] = float(np.corrcoef(eu, ed)[0, 1])
    timing["ud_planes_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    masses = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 1000, 1e5]
    res = compute_lma_dark(scans["CsI+Ar"], masses, np.linspace(-1, 1, n))
    prov = provenance(scans["CsI+Ar"].card, scans["CsI+Ar"].built.experiments, method="grid")
    write_lma_dark(res, out, prov)
    timing["lma_dark_s"] = time.perf_counter() - t0

    # NUTS cross-check: eps_ee_u, CsI, prior restricted to the SM mode, vs the grid posterior there
    t0 = time.perf_counter()
    lo, hi = -0.2, 0.2
    model = build_model("nsi", ["coherent_csi_2021"], priors={"eps_ee_u": f"uniform({lo},{hi})"},
                        fixed={"eps_mumu_u": 0.0})
    idata = sample(model, draws=500, tune=500, chains=2, seed=3)
    draws = np.asarray(idata.posterior["eps_ee_u"])
    grid = scans["CsI"].line({"eps_ee_u": 1.0}, np.linspace(lo, hi, 201))
    fine, p = posterior_density(grid)
    cdf = np.cumsum(p) / p.sum()
    q_grid = [float(np.interp(q, cdf, fine)) for q in (0.05, 0.5, 0.95)]
    q_nuts = [float(np.quantile(draws, q)) for q in (0.05, 0.5, 0.95)]
    sd_kde = savage_dickey_samples(draws, 1.0 / (hi - lo), 0.0, bounds=(lo, hi))
    from bayes_cevns.inference.evidence import savage_dickey_grid

    sd_grid = savage_dickey_grid(fine, p, 1.0 / (hi - lo))
    checks["nuts_cross_check_eps_ee_u_csi"] = {
        "prior": [lo, hi], "note": "eps_mumu_u fixed at 0 (the card frees it by default)",
        "quantiles_5_50_95_grid_laplace": q_grid, "quantiles_5_50_95_nuts": q_nuts,
        "bf01_grid": sd_grid, "bf01_kde_nuts": sd_kde, "diagnostics": diagnostics(idata, ["eps_ee_u"])}
    timing["nuts_cross_check_s"] = time.perf_counter() - t0
    checks["timing"] = timing
    write_json_atomic({"provenance": prov, **checks}, out / "nsi_checks.json")
    print(json.dumps(checks, indent=1, default=float))
    print((out / "nsi_bounds.md").read_text())
    print((out / "nsi_lma_dark.md").read_text())


if __name__ == "__main__":
    main()
