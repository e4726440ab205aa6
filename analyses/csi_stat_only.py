"""Why the CsI fitted count and width differ from COHERENT's 306 +- 20: stat-only fits and binning.

    python analyses/csi_stat_only.py [--draws 600]

Card ``sm_scaled`` on CsI 2021 alone, NUTS (2 chains). Four fits: the default 9 x 11 binning and a
finer 30 x 24 one (2 PE x 0.25 us), each with all nuisances sampled and with every systematic
nuisance fixed at its nominal value (flux, quenching, efficiency, onset, BRN, NIN; the steady state
keeps its anti-coincidence constraint) via ``pm.do``. Prints mean, sd and 68% interval of the
CEvNS count per fit as JSON, and for each binning the Cramér-Rao bound on the width of a fitted
count of 306 with every background fixed (``inference/fisher.py``).
"""

import argparse
import json

import numpy as np
import pymc as pm

from bayes_cevns.model.cards import load_card
from bayes_cevns.experiments.coherent_csi_2021 import load
from bayes_cevns.inference.fisher import count_width_bound
from bayes_cevns.model.forward import prediction_function
from bayes_cevns.model.build import build_model
from bayes_cevns.inference.sampling import sample

SYSTEMATICS = ("csi_flux", "csi_qf_z0", "csi_qf_z1", "csi_eff", "csi_onset", "csi_brn_norm", "csi_nin_norm")


def nominal(exp, name: str) -> float:
    """Prior centre of a nuisance: the experiment's own value, 1 for the background norms."""
    return exp.nuisances[name].mu if name in exp.nuisances else 1.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=600)
    a = ap.parse_args()
    binnings = {"9x11": load(), "30x24": load(pe_edges=np.arange(0, 61, 2.0), time_edges=np.arange(0, 6.01, 0.25))}
    out = {}
    sm = load_card("sm")
    for label, exp in binnings.items():
        arr = prediction_function(sm, exp)(sm.values({}))
        bound = count_width_bound(arr["cevns"], arr["ss"] + arr["brn"] + arr["nin"], n_signal=306.0)
        out[f"{label}_cramer_rao_width"] = bound
        print(f"{label}: Cramer-Rao width of a fitted count of 306 (backgrounds fixed): {bound:.1f}")
        for stat_only in (False, True):
            model = build_model("sm_scaled", [exp])
            if stat_only:
                model = pm.do(model, {n: np.float64(nominal(exp, n)) for n in SYSTEMATICS})
            idata = sample(model, draws=a.draws, tune=a.draws, chains=2, seed=1, sampler="nutpie")
            c = np.asarray(idata.posterior["cevns_csi"]).ravel()
            key = f"{label}_{'stat_only' if stat_only else 'all_nuisances'}"
            out[key] = {"mean": float(c.mean()), "sd": float(c.std()),
                        "q16_q84": np.quantile(c, [0.16, 0.84]).tolist()}
            print(key, json.dumps(out[key]))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
