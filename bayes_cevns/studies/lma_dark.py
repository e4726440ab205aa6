"""LMA-Dark with CEvNS: the posterior probability of the LMA-Dark solution vs the Z' mass.

The U(1)_B and U(1)_{B-L} models of [NSI-UV] Sec. 3 (kappa_mu = kappa_tau = 0, so only eps_ee;
eps^u = eps^d by Eq. 11) with the two-solution oscillation prior (LMA or LMA-Dark,
:func:`bayes_cevns.priors.lma_two_solution_prior`): :func:`compute_lma_dark` gives P(LMA-Dark) with
and without CEvNS per mass, :func:`write_lma_dark` the table, JSON and figure. Oscillations see the
contact eps (zero momentum transfer) in Earth matter; CEvNS sees the quark eps M^2/(q^2 + M^2). For
U(1)_{B-L} the Z' also couples to electrons, eps^e = -3 eps^q, which halves the matter effect
(:func:`~bayes_cevns.physics.nsi_zprime.matter_scale`): LMA-Dark then needs twice the quark eps that
CEvNS sees. (The same electron coupling makes nu-e scattering a further constraint, which [NSI-UV]
uses against B-L; it is not included here.)
"""

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from bayes_cevns.inference.nsi_scan import EPS_RANGE, EpsGrid, EpsScan, check_grid, posterior_density
from bayes_cevns.io import write_json_atomic, write_text_atomic
from bayes_cevns.physics.nsi_zprime import coupling_for_eps, matter_scale
from bayes_cevns.priors.linear import PriorTerm
from bayes_cevns.priors.presets import LMA_DARK_THRESHOLD, lma_two_solution_prior

#: the U(1)_B direction of [NSI-UV] Sec. 3: eps^u_ee = eps^d_ee = t
U1B_EE = {"eps_ee_u": 1.0, "eps_ee_d": 1.0}


def compute_lma_dark(scan: EpsScan, masses: Sequence[float], t: np.ndarray | None = None,
                     direction: Mapping[str, float] = U1B_EE, prior: PriorTerm | None = None,
                     threshold: float = LMA_DARK_THRESHOLD, dark_side: str = "below", group: str = "B") -> dict:
    """P(LMA-Dark) with and without CEvNS for eps = t * ``direction`` at each mediator mass.

    ``prior``: a prior term on one linear combination x (default: LMA or LMA-Dark with equal odds
    on eps_ee - eps_mumu (u + d)); the LMA-Dark region is x < ``threshold`` (``dark_side="above"``
    flips it). Oscillations see the contact eps times ``matter_scale(group)`` (``"B"`` or ``"B-L"``),
    CEvNS eps M^2/(q^2 + M^2) (the scan's mass).
    Returns per mass the posterior probability, the Bayes factor of CEvNS for LMA-Dark vs LMA
    (posterior odds / prior odds) and the coupling g' g_psi kappa_e^2 of [NSI-UV] Eq. 11 (U(1)_B)
    that gives the LMA-Dark centre at that mass.
    """
    scale = matter_scale(group)
    # default grid: the contact range, stretched by 1/scale so the LMA-Dark mirror stays inside it
    t = np.linspace(EPS_RANGE[0] / scale, EPS_RANGE[1], 401) if t is None else check_grid(t, "t grid")
    prior = lma_two_solution_prior() if prior is None else prior
    if dark_side not in ("below", "above"):
        raise ValueError(f"dark_side must be 'below' or 'above', got {dark_side!r}")
    x = scale * np.asarray(prior.combination.value({k: t * v for k, v in direction.items()}), dtype=float)
    if np.ptp(x) == 0:
        raise ValueError(f"the direction {dict(direction)} does not move the prior's combination "
                         f"{prior.combination.label}")
    log_prior = prior.logp_x(x)
    fine_t = np.linspace(t[0], t[-1], 8001)
    fine_x = np.interp(fine_t, t, x)
    region = fine_x < threshold if dark_side == "below" else fine_x > threshold

    def prob(p):
        return float(np.trapezoid(np.where(region, p, 0.0), fine_t) / np.trapezoid(p, fine_t))

    lp = np.interp(fine_t, t, log_prior)
    p0 = prob(np.exp(lp - lp.max()))
    x_dark = fine_x[region][np.argmax(lp[region])] if region.any() else float("nan")
    t_dark = float(fine_t[region][np.argmax(lp[region])]) if region.any() else float("nan")
    rows = []
    for m in masses:
        g = scan.line(direction, t, m)
        fine, p = posterior_density(g, log_prior)
        p1 = prob(p)
        odds = (p1 / (1 - p1)) / (p0 / (1 - p0)) if 0 < p1 < 1 else (math.inf if p1 == 1 else 0.0)
        dchi2 = float(np.interp(t_dark, g.t, g.chi2) - np.min(g.chi2))
        rows.append({"mass_mev": float(m), "p_dark_with_cevns": p1, "bayes_factor_dark_vs_lma": odds,
                     "delta_chi2_cevns_at_dark_centre": dchi2, "grid": g,
                     "coupling_gB_gpsi_kappa2_at_dark_centre": coupling_for_eps(t_dark, m, group)})
    return {"group": group, "direction": dict(direction), "combination": prior.combination.label, "threshold": threshold,
            "dark_side": dark_side, "p_dark_without_cevns": p0, "t_dark_centre": t_dark,
            "x_dark_centre": float(x_dark), "masses": rows, "experiments": list(scan.experiments)}


def result_stem(group: str) -> str:
    """File stem of the results of one group: ``nsi_lma_dark`` (U(1)_B), ``nsi_lma_dark_b_minus_l``."""
    return "nsi_lma_dark" if group == "B" else "nsi_lma_dark_" + group.lower().replace("-", "_minus_")


def write_lma_dark(res: dict, out: str | Path, prov: dict | None = None) -> None:
    """``<stem>.{md,json}`` (provenance ``prov``) and the figure ``<stem>.png`` of a
    :func:`compute_lma_dark` result (stem: :func:`result_stem` of its group)."""
    out = Path(out)
    group = res.get("group", "B")
    stem = result_stem(group)
    lines = [f"LMA-Dark test, {'+'.join(res['experiments'])}: eps = t * {res['direction']} (U(1)_{group} of [NSI-UV] "
             f"Sec. 3; matter effect x {matter_scale(group):g}), oscillation prior = LMA or LMA-Dark on {res['combination']}, LMA-Dark "
             f"region x {'<' if res['dark_side'] == 'below' else '>'} {res['threshold']:.3f}. Without CEvNS: "
             f"P(LMA-Dark) = {res['p_dark_without_cevns']:.3f}; LMA-Dark centre t = {res['t_dark_centre']:+.3f}.", "",
             "| M_Z' [MeV] | P(LMA-Dark \\| osc + CEvNS) | B(Dark:LMA) from CEvNS | Δχ²_CEvNS at Dark centre | "
             "g_B g_psi kappa_e^2 at Dark centre |", "|---|---|---|---|---|"]
    for r in res["masses"]:
        p, b = (f"{v:.3g}" if v > 1e-30 else "< 1e-30" for v in (r["p_dark_with_cevns"], r["bayes_factor_dark_vs_lma"]))
        lines.append(f"| {r['mass_mev']:.4g} | {p} | {b} | "
                     f"{r['delta_chi2_cevns_at_dark_centre']:.1f} | {r['coupling_gB_gpsi_kappa2_at_dark_centre']:.3g} |")
    write_text_atomic("\n".join(lines) + "\n", out / f"{stem}.md")
    js = {k: v for k, v in res.items() if k != "masses"}
    js["masses"] = [{k: v for k, v in r.items() if k != "grid"} for r in res["masses"]]
    js["provenance"] = prov or {}
    write_json_atomic(js, out / f"{stem}.json")
    plot_lma_dark(res, out / f"{stem}.png")


def plot_lma_dark(res: dict, path: str | Path) -> None:
    """P(LMA-Dark) vs the Z' mass, and the CEvNS Delta chi^2 along the direction at a few masses."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = np.array([r["mass_mev"] for r in res["masses"]])
    p = np.array([r["p_dark_with_cevns"] for r in res["masses"]])
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].semilogx(m, p, "o-", label="oscillation prior + CEvNS")
    ax[0].axhline(res["p_dark_without_cevns"], color="k", ls="--", label="oscillation prior only")
    ax[0].set(xlabel="Z' mass M [MeV]", ylabel="P(LMA-Dark)", ylim=(-0.02, 1.02),
              title=f"LMA-Dark with U(1)_{res.get('group', 'B')} NSI (eps^u_ee = eps^d_ee)")
    ax[0].legend()
    for r in res["masses"][:: max(1, len(res["masses"]) // 5)]:
        g: EpsGrid = r["grid"]
        ax[1].plot(g.t, np.minimum(g.chi2 - g.chi2.min(), 60), label=f"M = {r['mass_mev']:.3g} MeV")
    ax[1].axvline(res["t_dark_centre"], color="k", ls=":", label="LMA-Dark centre")
    ax[1].set(xlabel="eps_ee (u = d, contact value)", ylabel="CEvNS Δχ² (clipped at 60)")
    ax[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
