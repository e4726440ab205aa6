"""Free sin^2(theta_W) and R_n fits: posterior HDI vs profile-likelihood (MINOS) intervals, two priors each.

Usage: ``python analyses/parameter_fits.py [--draws 500 --tune 500 --chains 4] [--out results/parameter_fits.json]``

For each (parameter, datasets, prior): NUTS posterior mean and 68% HDI, and the iminuit profile
best fit and Wilks 68% interval (priors of the physics parameter excluded), with the
difference of the interval endpoints. Prints a Markdown table.
"""

import argparse
import json
import time

from bayes_cevns.inference import sampling
from bayes_cevns.io import write_json_atomic
from bayes_cevns.inference.compare import compare_intervals
from bayes_cevns.model.build import build_model

CASES = [
    ("sin2_theta_w", ["coherent_csi_2021"]),
    ("sin2_theta_w", ["coherent_ar_2020"]),
    ("sin2_theta_w", ["coherent_csi_2021", "coherent_ar_2020"]),
    ("rn_cs", ["coherent_csi_2021"]),
    ("rn_ar", ["coherent_ar_2020"]),
]
PRIORS = {
    "sin2_theta_w": ["uniform(0.0,0.5)", "truncated_normal(0.2386,0.05,0.0,0.5)"],
    "rn_cs": ["uniform(3.0,8.0)", "truncated_normal(5.09,0.5,3.0,8.0)"],
    "rn_ar": ["uniform(2.0,6.0)", "truncated_normal(3.55,0.5,2.0,6.0)"],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--out", default="results/parameter_fits.json")
    a = ap.parse_args()
    rows = []
    for param, data in CASES:
        for prior in PRIORS[param]:
            model = build_model("sm", data, priors={param: prior})
            t0 = time.perf_counter()
            idata = sampling.sample(model, draws=a.draws, tune=a.tune, chains=a.chains, seed=2)
            wall = time.perf_counter() - t0
            row = compare_intervals(model, idata, [param])[0]
            row.update(sampling.diagnostics(idata, [rv.name for rv in model.free_RVs]))
            row.update({"data": "+".join(d.split("_")[1] for d in data), "prior": prior, "wall_s": wall})
            rows.append(row)
            print(json.dumps(rows[-1]), flush=True)
    write_json_atomic({"rows": rows, "settings": vars(a)}, a.out)
    print("| parameter | data | prior | posterior mean [68% HDI] | profile best [Wilks 68%] |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['param']} | {r['data']} | {r['prior']} | {r['post_mean']:.3f} "
              f"[{r['hdi'][0]:.3f}, {r['hdi'][1]:.3f}] | {r['profile_best']:.3f} "
              f"[{r['profile'][0]:.3f}, {r['profile'][1]:.3f}] |")


if __name__ == "__main__":
    main()
