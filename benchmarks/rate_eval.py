"""Time one rate evaluation (value + gradient) per experiment, and the combined model's logp+grad.

Usage: ``python benchmarks/rate_eval.py [--repeat 2000]``

For each experiment: the expected counts in all bins as a function of (sin2_theta_w, R_n) and
the gradient of their sum, compiled with PyTensor's default linker. Then the combined
CsI+Ar ``sm_scaled`` model: ``model.compile_logp()`` and ``model.compile_dlogp()``.
"""

import argparse
import json
import time

import numpy as np
import pytensor
import pytensor.tensor as pt

from bayes_cevns.cards import load_card
from bayes_cevns.experiments import load_experiment
from bayes_cevns.inference.forward import expected_components
from bayes_cevns.inference.model import build_model


def _time(fn, repeat: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2000)
    a = ap.parse_args()
    card = load_card("sm")
    out = {}
    for name, rn in (("coherent_csi_2021", "rn_cs"), ("coherent_ar_2020", "rn_ar")):
        exp = load_experiment(name)
        s2, r = pt.dscalar("s2"), pt.dscalar("rn")
        counts = expected_components(card, exp, {"sin2_theta_w": s2, rn: r}, {})["cevns"]
        total = counts.sum()
        t0 = time.perf_counter()
        fn = pytensor.function([s2, r], [counts, *pt.grad(total, [s2, r])])
        compile_s = time.perf_counter() - t0
        x = (0.2386, card.parameters[rn].default)
        out[name] = {"value_grad_us": 1e6 * _time(lambda: fn(*x), a.repeat), "compile_s": compile_s,
                     "bins": int(np.prod(exp.shape)), "recoil_nodes": int(exp.recoil_grid.size)}
    model = build_model("sm_scaled", ["coherent_csi_2021", "coherent_ar_2020"])
    t0 = time.perf_counter()
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    compile_s = time.perf_counter() - t0
    ip = model.initial_point()
    out["combined_model"] = {"logp_us": 1e6 * _time(lambda: logp(ip), a.repeat),
                             "dlogp_us": 1e6 * _time(lambda: dlogp(ip), a.repeat),
                             "compile_s": compile_s, "free_variables": len(model.free_RVs)}
    out["both_experiments_value_grad_us"] = sum(out[k]["value_grad_us"] for k in ("coherent_csi_2021", "coherent_ar_2020"))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
