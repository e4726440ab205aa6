"""Time one rate evaluation (value + gradient) per experiment, and the combined model's logp+grad.

Usage: ``python benchmarks/rate_eval.py [--repeat 2000]``

For each experiment: the expected counts in all bins as a function of (sin2_theta_w, R_n) and
the gradient of their sum, compiled with PyTensor's default linker; then both experiments in one
compiled function (as inside a combined fit: one call, shared overhead). Functions are called
with ``trust_input=True`` on float64 arrays, as a sampler calls them; input validation would add
~15 us per call. Then the combined
CsI+Ar ``sm_scaled`` model: ``model.compile_logp()`` and ``model.compile_dlogp()``.
"""

import argparse
import json
import time

import numpy as np
import pytensor
import pytensor.tensor as pt

from bayes_cevns.model.cards import load_card
from bayes_cevns.experiments import load_experiment
from bayes_cevns.model.forward import expected_components
from bayes_cevns.model.build import build_model


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
        fn.trust_input = True  # as inside a sampler: inputs are already float64 arrays
        compile_s = time.perf_counter() - t0
        x = (np.array(0.2386), np.array(card.parameters[rn].default))
        out[name] = {"value_grad_us": 1e6 * _time(lambda: fn(*x), a.repeat), "compile_s": compile_s,
                     "bins": int(np.prod(exp.shape)), "recoil_nodes": int(exp.recoil_grid.size)}
    s2, rcs, rar = pt.dscalar("s2"), pt.dscalar("rn_cs"), pt.dscalar("rn_ar")
    params = {"sin2_theta_w": s2, "rn_cs": rcs, "rn_ar": rar}
    both = [expected_components(card, load_experiment(n), params, {})["cevns"]
            for n in ("coherent_csi_2021", "coherent_ar_2020")]
    total = both[0].sum() + both[1].sum()
    fn = pytensor.function([s2, rcs, rar], [*both, *pt.grad(total, [s2, rcs, rar])])
    fn.trust_input = True
    x3 = (np.array(0.2386), np.array(5.09), np.array(3.55))
    out["both_in_one_function_value_grad_us"] = 1e6 * _time(lambda: fn(*x3), a.repeat)
    model = build_model("sm_scaled", ["coherent_csi_2021", "coherent_ar_2020"])
    t0 = time.perf_counter()
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    compile_s = time.perf_counter() - t0
    ip = model.initial_point()
    out["combined_model"] = {"logp_us": 1e6 * _time(lambda: logp(ip), a.repeat),
                             "dlogp_us": 1e6 * _time(lambda: dlogp(ip), a.repeat),
                             "compile_s": compile_s, "free_variables": len(model.free_RVs)}
    out["sum_of_separate_functions_us"] = sum(out[k]["value_grad_us"] for k in ("coherent_csi_2021", "coherent_ar_2020"))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
