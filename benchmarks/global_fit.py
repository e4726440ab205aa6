"""Wall time and ESS/s of the six-release combined SM fit (CsI 2017, CsI 2021, Ar 2020, XENONnT SR0-SR2).

Usage: ``python benchmarks/global_fit.py [--draws 1000 --tune 1000 --chains 4]``

One NUTS fit of the ``sm`` card with sin^2 theta_W and the Cs, I and Ar neutron radii free, every
nuisance sampled (:func:`bayes_cevns.studies.global_cevns.global_sm_fits`); prints the wall time
(build, compile and sampling together, as a user waits for it), the convergence diagnostics and
the minimum bulk ESS per wall-clock second.
"""

import json

from bayes_cevns.experiments.datasets import GLOBAL_COMBINATIONS
from bayes_cevns.studies.global_cevns import global_sm_fits
from nuts_options import nuts_arguments


def main() -> None:
    ap = nuts_arguments(__doc__)
    a = ap.parse_args()
    label = "all six"
    res = global_sm_fits(a.draws, a.tune, a.chains, seed=0, combinations={label: GLOBAL_COMBINATIONS[label]})
    fit = res["fits"][label]
    d = fit["diagnostics"]
    print(json.dumps({"data": fit["data"], "free_parameters": fit["n_free"], "wall_s": round(fit["wall_s"], 1),
                      "rhat_max": d["rhat_max"], "ess_bulk_min": d["ess_bulk_min"], "divergences": d["divergences"],
                      "ess_per_wall_s": d["ess_bulk_min"] / fit["wall_s"],
                      "settings": {"draws": a.draws, "tune": a.tune, "chains": a.chains}}, indent=2))


if __name__ == "__main__":
    main()
