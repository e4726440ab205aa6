"""Muon g-2 as a test of each mediator model against COHERENT (the likelihood term itself is
:mod:`bayes_cevns.model.g2_term`).

* :func:`g2_slice_summary`: at one mass, from a CEvNS slice of :mod:`bayes_cevns.inference.limits`:
  the 2 sigma (g-2)_mu band, whether it survives the CEvNS chi^2 limit, the CEvNS posterior
  probability that delta a_mu lies in the band, and the evidence ratio
  R = Z(CEvNS + g-2) / (Z(CEvNS) Z(g-2)) (log-uniform prior on g): R < 1 means the two data
  sets prefer different couplings (tension), R > 1 agreement.
"""

import csv
import io
import math
from pathlib import Path

import numpy as np

from bayes_cevns.experiments.datasets import DEFAULT_DATA
from bayes_cevns.io import write_text_atomic
from bayes_cevns.model.g2_term import muon_coupling
from bayes_cevns.inference.limits import Slice, chi2_upper, posterior_log10_g
from bayes_cevns.physics.constants import M_MUON
from bayes_cevns.physics.g_minus_2 import (
    DEFAULT_G2_INPUT,
    band_couplings,
    coupling_upper_limit,
    delta_a_numpy,
    g2_anomaly,
)
from bayes_cevns.model.cards import load_card
from bayes_cevns.plotting import plot_g2
from bayes_cevns.studies.scan import applicable, compute_missing, load_slices


#: the input whose 2 sigma band is tested against COHERENT ([LM] Sec. 5: it excludes zero)
BAND_INPUT = "lm2022"


def g2_loglike(log10_g: np.ndarray, mass_mev: float, charge: float, kind: str,
               g2_input: str = BAND_INPUT) -> np.ndarray:
    """ln L of the (g-2)_mu measurement on a log10 g grid (Gaussian, [LM] Eq. 57 form)."""
    central, sigma = g2_anomaly(g2_input)
    unit = delta_a_numpy(charge, mass_mev, M_MUON, kind)
    da = unit * 10.0 ** (2.0 * np.asarray(log10_g))
    return -0.5 * ((da - central) / sigma) ** 2


def g2_slice_summary(sl: Slice, charge: float, kind: str) -> dict:
    """At the slice's mass: the [LM] (lm2022) 2 sigma band, the CEvNS chi^2 limit, P(delta a_mu in
    band | CEvNS), log10 R, and the 2 sigma upper limit from the current input (wp2025, compatible
    with zero) next to the CEvNS limit."""
    lo, hi = (float(v[0]) for v in band_couplings(np.array([sl.mass_mev]), M_MUON, kind, 2.0, charge,
                                                  g2_input=BAND_INPUT))
    limit = chi2_upper(sl)["coupling_upper"]
    fine, p = posterior_log10_g(sl, "log_uniform")
    inside = (fine >= math.log10(lo)) & (fine <= math.log10(hi))
    p_band = float(np.trapezoid(np.where(inside, p, 0.0), fine))
    lg2 = g2_loglike(fine, sl.mass_mev, charge, kind)
    prior = 1.0 / (fine[-1] - fine[0])
    z_g2 = float(np.trapezoid(np.exp(lg2) * prior, fine))
    z_joint_over_cevns = float(np.trapezoid(p * np.exp(lg2), fine))
    log10_r = math.log10(z_joint_over_cevns / z_g2) if z_joint_over_cevns > 0 else -math.inf
    g2_limit = float(coupling_upper_limit(sl.mass_mev, kind, charge, DEFAULT_G2_INPUT)[0])
    return {"mass_mev": sl.mass_mev, "band_g": [lo, hi], "chi2_limit": limit,
            "band_survives_chi2": bool(limit is None or lo < limit), "p_band_given_cevns": p_band,
            "log10_evidence_ratio": log10_r, "g2_upper_limit": g2_limit,
            "cevns_stronger_than_g2": bool(limit is not None and limit < g2_limit)}


#: Mediator cards of [LM] whose boson couples to muons.
G2_MODELS = ("universal", "b_minus_l", "b_minus_3lmu", "b_minus_2le_lmu", "b_minus_le_2lmu", "by_lmu_ltau",
             "le_minus_lmu", "lmu_minus_ltau", "scalar")
G2_DATA = DEFAULT_DATA


def run_g2_table(out, models=G2_MODELS, masses=None, workers: int = 2, scheduler: str | None = None,
                 options: dict | None = None) -> list[dict]:
    """Per model and mass: the (g-2)_mu band vs the CsI+Ar limits; table, CSV and one figure per model.

    Writes ``<out>/g2_table.{md,csv}`` and ``<out>/<model>_g2.png``; ``options``: the experiments'
    loader options (e.g. ``{"treatment": "lm2022"}``).
    """
    out, opts = Path(out), applicable(G2_DATA, options)
    masses = np.geomspace(0.1, 1000.0, 13) if masses is None else np.asarray(masses)
    compute_missing([(m, G2_DATA, float(x)) for m in models for x in masses], out, scheduler, workers, options=opts)
    rows = []
    for m in models:
        q, kind = muon_coupling(load_card(m))
        per_mass = [g2_slice_summary(sl, q, kind) for sl in load_slices(out, m, G2_DATA, masses, opts)]
        ok = [r["mass_mev"] for r in per_mass if r["band_survives_chi2"]]
        stronger = [r["mass_mev"] for r in per_mass if r["cevns_stronger_than_g2"]]
        rows.append({"model": m, "kind": kind, "muon_charge": q, "masses": per_mass,
                     "band_allowed_masses_mev": [min(ok), max(ok)] if ok else None,
                     "cevns_stronger_masses_mev": [min(stronger), max(stronger)] if stronger else None,
                     "max_p_band_given_cevns": max(r["p_band_given_cevns"] for r in per_mass),
                     "log10_R_range": [min(r["log10_evidence_ratio"] for r in per_mass),
                                       max(r["log10_evidence_ratio"] for r in per_mass)]})
        plot_g2(per_mass, m, str(out / f"{m}_g2.png"))
    _write_g2_table(rows, out, opts)
    return rows


def _write_g2_table(rows: list[dict], out, options=()) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["model", "mass_mev", "band_g_lo", "band_g_hi", "chi2_limit", "band_survives", "p_band_given_cevns",
                "log10_evidence_ratio", "g2_upper_limit_wp2025", "cevns_stronger"])
    for r in rows:
        for x in r["masses"]:
            w.writerow([r["model"], x["mass_mev"], *x["band_g"], x["chi2_limit"], x["band_survives_chi2"],
                        x["p_band_given_cevns"], x["log10_evidence_ratio"], x["g2_upper_limit"],
                        x["cevns_stronger_than_g2"]])
    write_text_atomic(buf.getvalue(), out / "g2_table.csv")
    lines = ["(g-2)_mu vs COHERENT CsI+Ar (95.45% chi^2 limit), masses 0.1 MeV - 1 GeV. Band: the 2 sigma "
             "band of [LM] Eq. 57 (lm2022); P = CEvNS posterior probability (log-uniform g) that delta a_mu "
             "lies in it; R = Z(CEvNS+g-2)/(Z(CEvNS) Z(g-2)) (R < 1: tension). Limit: the 2 sigma upper "
             "limit of the current input (wp2025, compatible with zero); last column: masses where the "
             "COHERENT limit is the stronger one." + "".join(f" Data option: {k}={v}." for k, v in options), "",
             "| model | kind, Q'_mu | lm2022 band allowed by COHERENT for M in [MeV] | max P(band) | log10 R range "
             "| COHERENT stronger than wp2025 limit for M in [MeV] |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        allowed = "none" if r["band_allowed_masses_mev"] is None else \
            f"{r['band_allowed_masses_mev'][0]:.3g} – {r['band_allowed_masses_mev'][1]:.3g}"
        lo, hi = r["log10_R_range"]
        stronger = "none" if r["cevns_stronger_masses_mev"] is None else \
            f"{r['cevns_stronger_masses_mev'][0]:.3g} – {r['cevns_stronger_masses_mev'][1]:.3g}"
        lines.append(f"| {r['model']} | {r['kind']}, {r['muon_charge']:g} | {allowed} | "
                     f"{r['max_p_band_given_cevns']:.3g} | {lo:.2f} … {hi:.2f} | {stronger} |")
    write_text_atomic("\n".join(lines) + "\n", out / "g2_table.md")
