"""NUTS posteriors with several NSI couplings free, and an SMC evidence cross-check of Savage-Dickey.

    python analyses/nsi_nuts.py [--out results] [--draws 1000]

1. eps_ee^u and eps_ee^d free (U(-1, 1) each), CsI + Ar: the ridge along the u/d flat direction
   eps^d/eps^u = -(2Z+N)/(Z+2N) seen by NUTS (corner plot ``nsi_nuts_ee_ud.png``), with and without
   the ``current_lma`` oscillation preset (which constrains eps_ee - eps_mumu on u + d only).
2. All ten CEvNS-visible couplings free (U(-0.5, 0.5)) with the ``current_lma`` preset: the
   global CEvNS + oscillation posterior (corner plot ``nsi_nuts_all.png``), diagnostics reported.
3. SMC evidence (pm.sample_smc) of the SM and of NSI with eps_ee^u ~ U(-0.2, 0.2) on CsI:
   ln B01 compared with the Savage-Dickey grid estimate on the same prior.
Writes ``nsi_nuts.json`` with diagnostics, correlations and timings.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pymc as pm

from bayes_cevns.inference.evidence import savage_dickey_grid
from bayes_cevns.model.build import build_model
from bayes_cevns.inference.nsi_scan import CEVNS_VISIBLE, EpsScan, posterior_density
from bayes_cevns.inference.sampling import diagnostics, sample
from bayes_cevns.io import provenance, write_json_atomic
from bayes_cevns.priors.presets import preset

DATA = ["coherent_csi_2021", "coherent_ar_2020"]


def _corner(idata, names, path):
    import corner
    import matplotlib

    matplotlib.use("Agg")
    x = np.column_stack([np.asarray(idata.posterior[n]).ravel() for n in names])
    fig = corner.corner(x, labels=names, bins=40)
    fig.savefig(path, dpi=45 if len(names) > 4 else 90)
    return x


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="results")
    ap.add_argument("--draws", type=int, default=1000)
    a = ap.parse_args()
    out = Path(a.out)
    res = {}

    for label, terms in (("ee_ud", []), ("ee_ud_current_lma", preset("current_lma"))):
        t0 = time.perf_counter()
        model = build_model("nsi", DATA, priors={"eps_ee_u": "uniform(-1,1)", "eps_ee_d": "uniform(-1,1)"},
                            fixed={"eps_mumu_u": 0.0}, prior_terms=terms)
        idata = sample(model, draws=a.draws, tune=a.draws, chains=4, seed=11, target_accept=0.95)
        x = _corner(idata, ["eps_ee_u", "eps_ee_d"], out / f"nsi_nuts_{label}.png")
        u, d = x[:, 0], x[:, 1]
        slope = np.polyfit(u, d, 1)[0]
        res[label] = {"wall_s": time.perf_counter() - t0, "corr_u_d": float(np.corrcoef(u, d)[0, 1]),
                      "fitted_slope_d_over_u": float(slope),
                      "u_quantiles_5_50_95": np.quantile(u, [0.05, 0.5, 0.95]).tolist(),
                      "diagnostics": diagnostics(idata, ["eps_ee_u", "eps_ee_d"])}
        print(label, json.dumps(res[label], default=float))

    t0 = time.perf_counter()
    priors = {c: "uniform(-0.5,0.5)" for c in CEVNS_VISIBLE}
    model = build_model("nsi", DATA, priors=priors, prior_terms=preset("current_lma"))
    idata = sample(model, draws=a.draws, tune=a.draws, chains=4, seed=12, target_accept=0.95)
    x = _corner(idata, list(CEVNS_VISIBLE), out / "nsi_nuts_all.png")
    res["all_current_lma"] = {"wall_s": time.perf_counter() - t0,
                              "sd": dict(zip(CEVNS_VISIBLE, x.std(axis=0).tolist())),
                              "diagnostics": diagnostics(idata, list(CEVNS_VISIBLE))}
    print("all", json.dumps(res["all_current_lma"], default=float))

    t0 = time.perf_counter()
    lo, hi = -0.2, 0.2
    logz = {}
    for label, kw in (("sm", {"fixed": {"eps_ee_u": 0.0, "eps_mumu_u": 0.0}}),
                      ("nsi", {"priors": {"eps_ee_u": f"uniform({lo},{hi})"}, "fixed": {"eps_mumu_u": 0.0}})):
        m = build_model("nsi", ["coherent_csi_2021"], **kw)
        with m:
            tr = pm.sample_smc(draws=2000, chains=2, random_seed=5, progressbar=False)
        lml = np.asarray(tr.sample_stats["log_marginal_likelihood"])
        per_chain = np.array([np.asarray(c)[-1] if np.ndim(c) else c for c in lml.reshape(lml.shape[0], -1)],
                             dtype=float)
        logz[label] = per_chain.tolist()
    ln_b01 = np.array(logz["sm"]) - np.array(logz["nsi"])
    grid = EpsScan(["coherent_csi_2021"]).line({"eps_ee_u": 1.0}, np.linspace(lo, hi, 201))
    fine, p = posterior_density(grid)
    sd = savage_dickey_grid(fine, p, 1.0 / (hi - lo))
    res["smc_vs_savage_dickey"] = {"wall_s": time.perf_counter() - t0, "log_z": logz,
                                   "ln_b01_smc_per_chain": ln_b01.tolist(),
                                   "ln_b01_smc_mean": float(ln_b01.mean()),
                                   "ln_b01_smc_spread": float(ln_b01.std(ddof=1)) if ln_b01.size > 1 else None,
                                   "ln_b01_savage_dickey_grid": float(np.log(sd["bf01"]))}
    print("smc", json.dumps(res["smc_vs_savage_dickey"], default=float))
    write_json_atomic({"provenance": provenance(model, 11, "nuts"), **res}, out / "nsi_nuts.json")


if __name__ == "__main__":
    main()
