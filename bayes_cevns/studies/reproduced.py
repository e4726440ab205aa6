"""Published numbers recomputed in their authors' statistical treatment and in the package's own.

Two sets, each as ``compute_*`` (numbers) + :func:`write_reproduced` (files):

* [LAR] Eqs. 11-14 (COHERENT Ar, 90% C.L., one parameter at a time, Delta chi^2 = 2.71): sin^2 theta_W,
  R_n(Ar), the three effective magnetic moments and charge radii. [LAR]'s conventions are set on the
  cards: tree-level couplings g_V^p = 1/2 - 2 sin^2 theta_W ([LAR] Eq. 2) with sin^2 theta_W = 0.2312
  where it is not fitted, and R_n(Ar) = 3.36 fm ([LAR] Eq. 3).
* [LM] Table 2's universal Z' bounds from CsI + Ar (2 sigma): g at M = 0.01 MeV and g/M at 10 GeV.
* [E6LR] Table 3's heavy-Z' bounds from the CsI 2017 data (90% C.L.): M_Z' for E6 chi, eta, LR, with
  [E6LR] Eq. 21 (``e6lr``) and with the full (PE, t) likelihood of the release.

Each row holds the paper's value, the package's under each treatment (``lar2021``/``lm2022`` and
``full``, the package's likelihood) and the ratio to the paper where the quantity is a bound.
"""

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from bayes_cevns.experiments import load_experiment
from bayes_cevns.experiments.datasets import AR_2020, CSI_2017, CSI_2021
from bayes_cevns.inference.intervals import allowed_intervals
from bayes_cevns.inference.limits import MediatorScan, chi2_upper
from bayes_cevns.inference.objective import objective
from bayes_cevns.inference.profile import minimise, profile_scan
from bayes_cevns.inference.slices import CL_2SIGMA, delta_chi2_threshold
from bayes_cevns.io import write_json_atomic, write_text_atomic
from bayes_cevns.model.build import build_model
from bayes_cevns.model.cards import ModelCard, load_card
from bayes_cevns.studies.projection import largest_excluded_mass

AR, CSI, CSI17 = AR_2020, CSI_2021, CSI_2017
LAR_CL = 0.90
#: [LAR] Eq. 2 (tree-level couplings, MS-bar sin^2 theta_W at the Z pole) and Eq. 3 (R_n(Ar))
LAR_SIN2 = 0.2312
LAR_RN_AR = 3.36

#: (card, parameter, scan grid, [LAR] 90% C.L. allowed set, source)
LAR_ROWS = (
    ("sm", "sin2_theta_w", np.linspace(0.10, 0.45, 71), [[0.208, 0.306]], "[LAR] Eq. 11 (best fit 0.258)"),
    ("sm", "rn_ar", np.linspace(2.0, 6.5, 46), [[None, 4.33]], "[LAR] Eq. 12"),
    ("magnetic_moment", "mu_nu_e", np.linspace(0.0, 150.0, 76), [[None, 94.0]], "[LAR] Eq. 13"),
    ("magnetic_moment", "mu_nu_mu", np.linspace(0.0, 150.0, 76), [[None, 53.0]], "[LAR] Eq. 13"),
    ("magnetic_moment", "mu_nu_mubar", np.linspace(0.0, 150.0, 76), [[None, 78.0]], "[LAR] Eq. 13"),
    ("charge_radius", "r2_nu_e", np.linspace(-100.0, 50.0, 151), [[-64.0, -41.0], [-7.0, 16.0]], "[LAR] Eq. 14"),
    ("charge_radius", "r2_nu_mu", np.linspace(-100.0, 50.0, 151), [[-69.0, -37.0], [-10.0, 21.0]], "[LAR] Eq. 14"),
    ("charge_radius", "r2_nu_mubar", np.linspace(-100.0, 50.0, 151), [[-60.0, -43.0], [-5.0, 12.0]],
     "[LAR] Eq. 14"),
)
#: [LM] Table 2, universal Z', CsI + Ar, 2 sigma: (mass in MeV, bound, quantity)
LM_UNIVERSAL = ((0.01, 2.07e-5, "g"), (1.0e4, 0.48e-3, "g/M [GeV^-1]"))
#: [E6LR] Table 3, COHERENT CsI 2017, 90% C.L. lower bounds on M_Z' in GeV (card, bound); its E6 eta
#: row is the card ``e6_eta_e6lr`` (docs/results.md)
E6LR_ROWS = (("e6_chi", 183.0), ("e6_eta_e6lr", 144.0), ("left_right", 110.0))
E6LR_CL = 0.90
#: the heavy-Z' mass standing for the SM (the cards' upper bound)
E6LR_SM_MASS_GEV = 1.0e6
#: the releases' loader options per column: [LM]'s treatment with each reading of its "N_SS obtained
#: from the AC data" (the package's smooth fit, the product of the AC marginals, the AC histogram),
#: and the package's likelihood
LM_VARIANTS = {
    "lm2022": ({"treatment": "lm2022"}, {"treatment": "lm2022"}),
    "lm2022, SS = AC marginals": ({"treatment": "lm2022", "ss_model": "factorised"}, {"treatment": "lm2022"}),
    "lm2022, SS = AC histogram": ({"treatment": "lm2022", "ss_model": "histogram"}, {"treatment": "lm2022"}),
    "full": ({}, {}),
}


def lar_card(name: str) -> ModelCard:
    """The card ``name`` in [LAR]'s conventions (module docstring)."""
    card, sm = load_card(name), load_card("sm")
    params = dict(card.parameters)
    for p, value in (("sin2_theta_w", LAR_SIN2), ("rn_ar", LAR_RN_AR)):
        params[p] = replace(params.get(p, sm.parameters[p]), default=value)
    return replace(card, options={**card.options, "coupling_scheme": "tree"}, parameters=params)


def _bound_ratio(package: list, paper: list) -> float | None:
    """Package / paper upper edge for a one-sided bound (a single piece open below)."""
    if len(paper) == 1 and paper[0][0] is None and package:
        return package[-1][1] / paper[0][1]
    return None


def compute_lar_bounds(treatments: Sequence[str] = ("lar2021", "full")) -> dict:
    """[LAR] Eqs. 11-14 under each treatment of the Ar release (see the module docstring)."""
    level = delta_chi2_threshold(LAR_CL, 1)
    exps = {t: load_experiment(AR, treatment=t) for t in treatments}
    rows = []
    for card_name, param, grid, paper, source in LAR_ROWS:
        row = {"parameter": param, "paper": paper, "source": source}
        card = lar_card(card_name)
        others = {k: p.default for k, p in card.parameters.items() if p.free and k != param}  # one at a time
        for t, exp in exps.items():
            built = build_model(card, [exp], free=[param], fixed=others)
            prof = profile_scan(objective(built), param, grid)
            pieces = allowed_intervals(grid, np.asarray(prof["delta_chi2"]), level)
            row[t] = {"best_fit": prof["best_fit"], "allowed": pieces, "ratio": _bound_ratio(pieces, paper)}
        rows.append(row)
    return {"cl": LAR_CL, "delta_chi2": level, "treatments": list(treatments), "rows": rows,
            "conventions": {"coupling_scheme": "tree", "sin2_theta_w": LAR_SIN2, "rn_ar_fm": LAR_RN_AR}}


def compute_lm_universal(variants: Sequence[str] = tuple(LM_VARIANTS)) -> dict:
    """[LM] Table 2's universal Z' bounds (CsI + Ar, 2 sigma) for each column of :data:`LM_VARIANTS`."""
    rows = [{"mass_mev": m, "quantity": q, "paper": v} for m, v, q in LM_UNIVERSAL]
    for t in variants:
        csi, ar = LM_VARIANTS[t]
        scan = MediatorScan("universal", [load_experiment(CSI, **csi), load_experiment(AR, **ar)])
        for row in rows:
            g = chi2_upper(scan.slice(row["mass_mev"]), CL_2SIGMA)["coupling_upper"]
            value = g if row["quantity"] == "g" else g / (row["mass_mev"] * 1e-3)
            row[t] = {"value": value, "ratio": value / row["paper"]}
    return {"cl": CL_2SIGMA, "treatments": list(variants), "rows": rows}


def _mass_lower(obj, mass: str, level: float) -> float | None:
    """Largest M_Z' (GeV) with Delta chi^2 >= level against the SM (M at its upper bound), every
    nuisance profiled; None when no mass on the grid is excluded."""
    sm = minimise(obj, fixed={mass: E6LR_SM_MASS_GEV}).chi2
    return largest_excluded_mass(lambda m: minimise(obj, fixed={mass: m}).chi2 - sm, level)


def compute_e6lr_bounds(treatments: Sequence[str] = ("e6lr", "full")) -> dict:
    """[E6LR] Table 3 (CsI 2017, 90% C.L.): lower bounds on M_Z' under each treatment of the CsI 2017 data."""
    level = delta_chi2_threshold(E6LR_CL, 1)
    rows = []
    for card_name, paper in E6LR_ROWS:
        card = load_card(card_name)
        mass = next(n for n, p in card.parameters.items() if p.role == "mass")
        row = {"model": card_name, "paper_gev": paper}
        for t in treatments:
            built = build_model(card, [load_experiment(CSI17, treatment=t)],  # M itself the variable
                                priors={mass: f"uniform(1.0,{E6LR_SM_MASS_GEV})"})
            m = _mass_lower(objective(built), mass, level)
            row[t] = {"mass_lower_gev": m, "ratio": None if m is None else m / paper}
        rows.append(row)
    return {"cl": E6LR_CL, "treatments": list(treatments), "rows": rows}


def _fmt_set(pieces: list) -> str:
    def edge(x):
        return "" if x is None else f"{x:.3g}"
    return " ∪ ".join(f"[{edge(a)}, {edge(b)}]" if a is not None else f"< {edge(b)}" for a, b in pieces) or "none"


def write_reproduced(lar: dict | None, lm: dict | None, e6: dict | None, out: str | Path,
                     prov: dict | None = None) -> None:
    """``reproduced.{md,json}`` in ``out`` from :func:`compute_lar_bounds`, :func:`compute_lm_universal`
    and :func:`compute_e6lr_bounds` (a part given as None is left out)."""
    out = Path(out)
    lines = []
    if lar is not None:
        ts = lar["treatments"]
        lines += [f"[LAR] bounds, COHERENT Ar, {100 * lar['cl']:g}% C.L. (Δχ² = {lar['delta_chi2']:.2f}); [LAR] "
                  f"conventions: tree-level couplings, sin²θ_W = {LAR_SIN2} when not fitted, R_n(Ar) = {LAR_RN_AR} fm.",
                  "", "| parameter | [LAR] | " + " | ".join(f"package, {t}" for t in ts) + " | source |",
                  "|---" * (len(ts) + 3) + "|"]
        for r in lar["rows"]:
            cells = []
            for t in ts:
                c = r[t]
                ratio = f" ({c['ratio']:.2f}×)" if c["ratio"] is not None else ""
                cells.append(f"{_fmt_set(c['allowed'])}{ratio}, best {c['best_fit']:.3g}")
            lines.append(f"| {r['parameter']} | {_fmt_set(r['paper'])} | " + " | ".join(cells) + f" | {r['source']} |")
        lines.append("")
    if lm is not None:
        ts = lm["treatments"]
        lines += ["[LM] Table 2, universal Z', CsI + Ar, 2σ (Δχ² = 4):", "",
                  "| M_Z' [MeV] | quantity | [LM] | " + " | ".join(f"package, {t}" for t in ts) + " |",
                  "|---" * (len(ts) + 3) + "|"]
        for r in lm["rows"]:
            cells = [f"{r[t]['value']:.4g} ({r[t]['ratio']:.3f}×)" for t in ts]
            lines.append(f"| {r['mass_mev']:g} | {r['quantity']} | {r['paper']:.3g} | " + " | ".join(cells) + " |")
    if e6 is not None:
        ts = e6["treatments"]
        lines += ["" if lines else None, f"[E6LR] Table 3, COHERENT CsI 2017, {100 * e6['cl']:g}% C.L. lower bounds on M_Z' [GeV]:", "",
                  "| model | [E6LR] | " + " | ".join(f"package, {t}" for t in ts) + " |", "|---" * (len(ts) + 2) + "|"]
        for r in e6["rows"]:
            cells = ["none" if r[t]["mass_lower_gev"] is None else f"{r[t]['mass_lower_gev']:.1f} ({r[t]['ratio']:.3f}×)"
                     for t in ts]
            lines.append(f"| {r['model']} | {r['paper_gev']:g} | " + " | ".join(cells) + " |")
    write_text_atomic("\n".join(x for x in lines if x is not None) + "\n", out / "reproduced.md")
    write_json_atomic({"lar2021": lar, "lm2022": lm, "e6lr": e6, "provenance": prov or {}}, out / "reproduced.json")
