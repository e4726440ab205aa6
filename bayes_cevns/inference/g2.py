"""Muon g-2 as a likelihood term and as a test of each mediator model against COHERENT.

* :func:`muon_coupling`: the coupling of a card's boson to muons (g |Q'_mu|) and its kind.
* :func:`add_g2mu_term`: the Gaussian measurement Delta a_mu = (25.1 +- 5.9) x 1e-10 ([LM] Eq. 57)
  of delta a_mu(g, M) ([LM] Eq. 58), added to a PyMC model (``build_model(..., extra=("g2mu",))``,
  CLI ``fit --with g2mu``).
* :func:`g2_slice_summary`: at one mass, from a CEvNS slice of :mod:`bayes_cevns.inference.limits`:
  the 2 sigma (g-2)_mu band, whether it survives the CEvNS chi^2 limit, the CEvNS posterior
  probability that delta a_mu lies in the band, and the evidence ratio
  R = Z(CEvNS + g-2) / (Z(CEvNS) Z(g-2)) (log-uniform prior on g): R < 1 means the two data
  sets prefer different couplings (tension), R > 1 agreement.
"""

import math

import numpy as np
import pymc as pm

from bayes_cevns.cards import CardError, ModelCard
from bayes_cevns.inference.limits import Slice, chi2_upper, posterior_log10_g
from bayes_cevns.physics.constants import M_ELECTRON, M_MUON
from bayes_cevns.physics.g_minus_2 import DELTA_A_MU, DELTA_A_MU_SIGMA, band_couplings, delta_a, delta_a_numpy

A_UNIT = 1e-10


def lepton_coupling(card: ModelCard, lepton: str) -> tuple[float, str]:
    """(|Q'_l|, "vector" | "scalar") of the card's boson for the charged lepton ``"e"`` or ``"mu"``
    (the scalar card couples universally, [LM] Eq. 37); CardError if it does not couple to it."""
    q, kind = 0.0, "vector"
    if "vector_mediator" in card.physics:
        q = abs(card.options["charges"][lepton])
    elif "lepton_loop" in card.physics:
        q = 1.0 if lepton in card.options["loop"] else 0.0
    elif "scalar_mediator" in card.physics:
        q, kind = 1.0, "scalar"
    if q == 0.0:
        name = {"mu": "muon", "e": "electron"}[lepton]
        raise CardError(f"model {card.name!r} has no {name} coupling: (g-2)_{lepton} does not constrain it")
    return q, kind


def muon_coupling(card: ModelCard) -> tuple[float, str]:
    """(|Q'_mu|, kind) of the card's boson (see :func:`lepton_coupling`)."""
    return lepton_coupling(card, "mu")


def delta_a_electron(card: ModelCard, g: float, m_med: float) -> float:
    """delta a_e of the card's boson at (g, M) ([LM] Eq. 58 with m_e)."""
    q, kind = lepton_coupling(card, "e")
    return delta_a_numpy(q * g, m_med, M_ELECTRON, kind)


def add_g2mu_term(card: ModelCard, g, m_med) -> None:
    """Add the (g-2)_mu measurement to the current PyMC model context."""
    q, kind = muon_coupling(card)
    mu = delta_a(q * g, m_med, M_MUON, kind) / A_UNIT
    pm.Deterministic("delta_a_mu_1e-10", mu)
    pm.Normal("g2mu", mu=mu, sigma=DELTA_A_MU_SIGMA / A_UNIT, observed=DELTA_A_MU / A_UNIT)


def g2_loglike(log10_g: np.ndarray, mass_mev: float, charge: float, kind: str) -> np.ndarray:
    """ln L of the (g-2)_mu measurement on a log10 g grid (Gaussian, [LM] Eq. 57)."""
    unit = delta_a_numpy(charge, mass_mev, M_MUON, kind)
    da = unit * 10.0 ** (2.0 * np.asarray(log10_g))
    return -0.5 * ((da - DELTA_A_MU) / DELTA_A_MU_SIGMA) ** 2


def g2_slice_summary(sl: Slice, charge: float, kind: str) -> dict:
    """Band, CEvNS limit, P(delta a_mu in band | CEvNS) and log10 R at the slice's mass."""
    lo, hi = (float(v[0]) for v in band_couplings(np.array([sl.mass_mev]), M_MUON, kind, 2.0, charge))
    limit = chi2_upper(sl)["coupling_upper"]
    fine, p = posterior_log10_g(sl, "log_uniform")
    inside = (fine >= math.log10(lo)) & (fine <= math.log10(hi))
    p_band = float(np.trapezoid(np.where(inside, p, 0.0), fine))
    lg2 = g2_loglike(fine, sl.mass_mev, charge, kind)
    prior = 1.0 / (fine[-1] - fine[0])
    z_g2 = float(np.trapezoid(np.exp(lg2) * prior, fine))
    z_joint_over_cevns = float(np.trapezoid(p * np.exp(lg2), fine))
    log10_r = math.log10(z_joint_over_cevns / z_g2) if z_joint_over_cevns > 0 else -math.inf
    return {"mass_mev": sl.mass_mev, "band_g": [lo, hi], "chi2_limit": limit,
            "band_survives_chi2": bool(limit is None or lo < limit), "p_band_given_cevns": p_band,
            "log10_evidence_ratio": log10_r}


#: Mediator cards of [LM] whose boson couples to muons.
G2_MODELS = ("universal", "b_minus_l", "b_minus_3lmu", "b_minus_2le_lmu", "b_minus_le_2lmu", "by_lmu_ltau",
             "le_minus_lmu", "lmu_minus_ltau", "scalar")
G2_DATA = ("coherent_csi_2021", "coherent_ar_2020")


def run_g2_table(out, models=G2_MODELS, masses=None, workers: int = 2, scheduler: str | None = None) -> list[dict]:
    """Per model and mass: the (g-2)_mu band vs the CsI+Ar limits; table, CSV and one figure per model.

    Writes ``<out>/g2_table.{md,csv}`` and ``<out>/<model>_g2.png``.
    """
    from pathlib import Path

    from bayes_cevns.cards import load_card
    from bayes_cevns.inference.plots import plot_g2
    from bayes_cevns.inference.scan import compute_missing, load_slices

    out = Path(out)
    masses = np.geomspace(0.1, 1000.0, 13) if masses is None else np.asarray(masses)
    compute_missing([(m, G2_DATA, float(x)) for m in models for x in masses], out, scheduler, workers)
    rows = []
    for m in models:
        q, kind = muon_coupling(load_card(m))
        per_mass = [g2_slice_summary(sl, q, kind) for sl in load_slices(out, m, G2_DATA, masses)]
        ok = [r["mass_mev"] for r in per_mass if r["band_survives_chi2"]]
        rows.append({"model": m, "kind": kind, "muon_charge": q, "masses": per_mass,
                     "band_allowed_masses_mev": [min(ok), max(ok)] if ok else None,
                     "max_p_band_given_cevns": max(r["p_band_given_cevns"] for r in per_mass),
                     "log10_R_range": [min(r["log10_evidence_ratio"] for r in per_mass),
                                       max(r["log10_evidence_ratio"] for r in per_mass)]})
        plot_g2(per_mass, m, str(out / f"{m}_g2.png"))
    _write_g2_table(rows, out)
    return rows


def _write_g2_table(rows: list[dict], out) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["model", "mass_mev", "band_g_lo", "band_g_hi", "chi2_limit", "band_survives", "p_band_given_cevns",
                "log10_evidence_ratio"])
    for r in rows:
        for x in r["masses"]:
            w.writerow([r["model"], x["mass_mev"], *x["band_g"], x["chi2_limit"], x["band_survives_chi2"],
                        x["p_band_given_cevns"], x["log10_evidence_ratio"]])
    (out / "g2_table.csv").write_text(buf.getvalue())
    lines = ["(g-2)_mu 2 sigma band vs COHERENT CsI+Ar (95.45% chi^2 limit), masses 0.1 MeV - 1 GeV. "
             "P = CEvNS posterior probability (log-uniform g) that delta a_mu lies in the band; "
             "R = Z(CEvNS+g-2)/(Z(CEvNS) Z(g-2)) (R < 1: tension).", "",
             "| model | kind, Q'_mu | band allowed by COHERENT for M in [MeV] | max P(band) | log10 R range |",
             "|---|---|---|---|---|"]
    for r in rows:
        allowed = "none" if r["band_allowed_masses_mev"] is None else \
            f"{r['band_allowed_masses_mev'][0]:.3g} – {r['band_allowed_masses_mev'][1]:.3g}"
        lo, hi = r["log10_R_range"]
        lines.append(f"| {r['model']} | {r['kind']}, {r['muon_charge']:g} | {allowed} | "
                     f"{r['max_p_band_given_cevns']:.3g} | {lo:.2f} … {hi:.2f} |")
    (out / "g2_table.md").write_text("\n".join(lines) + "\n")
