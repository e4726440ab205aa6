"""Bayesian credible intervals next to profile-likelihood intervals, from one model.

For each requested parameter: posterior mean, HDI and equal-tailed interval at the same
probability, the profile best fit and Wilks interval (MINOS), and the endpoint differences.
"""

from collections.abc import Sequence

import numpy as np
from arviz import hdi

from bayes_cevns.model.built import BuiltModel
from bayes_cevns.inference.profile import minos_interval, objective


def compare_intervals(built: BuiltModel, idata, params: Sequence[str], prob: float = 0.6827) -> list[dict]:
    """Rows comparing posterior HDI/ETI with the MINOS interval at the same probability."""
    obj = objective(built)
    rows = []
    for name in params:
        x = np.asarray(idata.posterior[name]).reshape(-1)
        h_lo, h_hi = (float(v) for v in hdi(x, prob=prob))
        e_lo, e_hi = (float(v) for v in np.quantile(x, [(1 - prob) / 2, (1 + prob) / 2]))
        best, p_lo, p_hi = minos_interval(obj, name, cl=prob)
        rows.append({
            "param": name, "prob": prob, "post_mean": float(x.mean()), "post_sd": float(x.std(ddof=1)),
            "hdi": [h_lo, h_hi], "eti": [e_lo, e_hi], "profile_best": best, "profile": [p_lo, p_hi],
            "hdi_minus_profile": [h_lo - p_lo, h_hi - p_hi],
        })
    return rows


def markdown(rows: Sequence[dict]) -> str:
    """The comparison rows as a Markdown table."""
    lines = ["| parameter | posterior mean ± sd | HDI | ETI | profile best | profile (Wilks) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['param']} | {r['post_mean']:.4g} ± {r['post_sd']:.3g} | "
                     f"[{r['hdi'][0]:.4g}, {r['hdi'][1]:.4g}] | [{r['eti'][0]:.4g}, {r['eti'][1]:.4g}] | "
                     f"{r['profile_best']:.4g} | [{r['profile'][0]:.4g}, {r['profile'][1]:.4g}] |")
    return "\n".join(lines)
