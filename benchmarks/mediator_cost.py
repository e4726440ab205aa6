"""Cost of new physics: logp + gradient of the combined CsI+Ar model, SM vs every mediator card.

Usage: ``python benchmarks/mediator_cost.py [--repeat 3000]``

For each card the PyMC model (all 19 nuisances, the card's free parameters) is compiled with
``model.compile_logp()`` and ``model.compile_dlogp()``; both are called alternately at the initial
point, and the time per logp+dlogp pair is reported with its ratio to the SM card (``sm`` with
sin^2 theta_W free). All numbers come from one run, interleaved to share machine load.
"""

import argparse
import json
import time

from bayes_cevns.model.build import build_model

CARDS = {"sm": ["sin2_theta_w"], "universal": ["g", "m_med"], "lmu_minus_ltau": ["g", "m_med"],
         "scalar": ["g", "m_med"], "nsi": [], "magnetic_moment": [], "u1r": ["g", "m_med"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3000)
    a = ap.parse_args()
    data = ["coherent_csi_2021", "coherent_ar_2020"]
    fns = {}
    for card, free in CARDS.items():
        m = build_model(card, data, free=free)
        lp, dlp, ip = m.compile_logp(), m.compile_dlogp(), m.initial_point()
        fns[card] = (lp, dlp, ip)
    times = {c: 0.0 for c in CARDS}
    for _ in range(5):
        for c, (lp, dlp, ip) in fns.items():
            lp(ip), dlp(ip)
            t0 = time.perf_counter()
            for _ in range(a.repeat // 5):
                lp(ip)
                dlp(ip)
            times[c] += time.perf_counter() - t0
    out = {c: {"logp_dlogp_us": 1e6 * t / a.repeat, "ratio_to_sm": t / times["sm"]} for c, t in times.items()}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
