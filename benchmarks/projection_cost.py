"""Cost of the projection machinery: compile, one counts evaluation, one M_Z' bound, one coupling bound.

    python benchmarks/projection_cost.py [--repeat 2000]

Prints one JSON object; timings from one run on the current machine (report ratios from one run).
"""

import argparse
import json
import time

from bayes_cevns.studies.projection import Counter, coupling_upper_bound, mass_lower_bound
from rate_eval import _time  # benchmarks/ is on sys.path when run as a script


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2000)
    a = ap.parse_args()
    out = {}
    for card, exp in (("left_right", "coherent_lar_ton"), ("left_right", "conus"), ("left_right", "cr51_lxe_c"),
                      ("u1r", "texono_nue")):
        t0 = time.perf_counter()
        c = Counter(card, exp)
        compile_s = time.perf_counter() - t0
        values = {"m_zprime_gev": 300.0} if card == "left_right" else {"g": 1e-6, "m_med": 0.1}
        per_call = _time(lambda: c(values), a.repeat)
        if card == "left_right":
            bound = _time(lambda: mass_lower_bound(c, exp), 20)
        else:
            bound = _time(lambda: coupling_upper_bound(c, exp, 0.1), 20)
        out[f"{card}@{exp}"] = {"compile_s": round(compile_s, 3), "counts_call_us": round(per_call * 1e6, 2),
                                "one_bound_ms": round(bound * 1e3, 2)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
