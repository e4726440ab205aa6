"""Muon g-2 as a likelihood term of the PyMC model and the lepton couplings of a card's boson.

* :func:`muon_coupling`: the coupling of a card's boson to muons (g |Q'_mu|) and its kind.
* :func:`add_g2mu_term`: the Gaussian measurement of Delta a_mu (a named input of
  :data:`~bayes_cevns.physics.g_minus_2.G2_INPUTS`: default ``"wp2025"``, 38(63) x 1e-11, final
  FNAL vs the 2025 white paper; ``"lm2022"``, (25.1 +- 5.9) x 1e-10 of [LM] Eq. 57) for
  delta a_mu(g, M) ([LM] Eq. 58), added to a PyMC model (``build_model(..., extra=("g2mu",))``,
  CLI ``fit --with g2mu``).
* :func:`g2mu_upper_limit`: the (g-2)_mu upper limit on the card's coupling at a mass, for an
  input compatible with zero.
"""

import pymc as pm

from bayes_cevns.model.cards import CardError, ModelCard
from bayes_cevns.physics.constants import M_ELECTRON, M_MUON
from bayes_cevns.physics.g_minus_2 import (
    DEFAULT_G2_INPUT,
    coupling_upper_limit,
    delta_a,
    delta_a_numpy,
    g2_anomaly,
)

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


def add_g2mu_term(card: ModelCard, g, m_med, g2_input: str = DEFAULT_G2_INPUT) -> None:
    """Add the (g-2)_mu measurement ``g2_input`` (key of ``G2_INPUTS``) to the current PyMC model:
    observed Delta a_mu ~ Normal(delta a_mu(g |Q'_mu|, M) ([LM] Eq. 58), sigma), in 1e-10."""
    central, sigma = g2_anomaly(g2_input)
    q, kind = muon_coupling(card)
    mu = delta_a(q * g, m_med, M_MUON, kind) / A_UNIT
    pm.Deterministic("delta_a_mu_1e-10", mu)
    pm.Normal("g2mu", mu=mu, sigma=sigma / A_UNIT, observed=central / A_UNIT)


def g2mu_upper_limit(card: ModelCard, m_med, g2_input: str = DEFAULT_G2_INPUT, n_sigma: float = 2.0):
    """Upper limit on the card's coupling g at mediator mass(es) ``m_med`` (MeV) from
    delta a_mu(g |Q'_mu|, M) < Delta a_mu + n_sigma sigma ([LM] Eq. 58; see
    :func:`~bayes_cevns.physics.g_minus_2.coupling_upper_limit`, ValueError for an input that
    excludes zero). CardError if the boson does not couple to muons."""
    q, kind = muon_coupling(card)
    return coupling_upper_limit(m_med, kind, q, g2_input, n_sigma, M_MUON)
