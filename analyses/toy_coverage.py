"""Full coverage check of profile-likelihood intervals on prior-predictive toys.

Usage: ``python analyses/toy_coverage.py [--toys 400] [--truth 1.0]``
"""

import argparse
import json
import time

from bayes_cevns.inference.coverage import toy_coverage


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--toys", type=int, default=400)
    ap.add_argument("--truth", type=float, default=1.0)
    a = ap.parse_args()
    out = {}
    for cl in (0.6827, 0.9545):
        t0 = time.perf_counter()
        out[str(cl)] = toy_coverage("sm_scaled", "coherent_csi_2021", "cevns_scale_csi", a.truth,
                                    a.toys, cl=cl, seed=7)
        out[str(cl)]["wall_s"] = time.perf_counter() - t0
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
