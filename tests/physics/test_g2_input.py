"""(g-2)_mu inputs and the upper limit on a boson's coupling from Delta a_mu.

Delta a_mu choices: [LM] Eq. 57, 251(59) x 1e-11 (BNL + FNAL 2021 vs WP20), and the final FNAL
result (2025) against the 2025 Theory Initiative white paper, 38(63) x 1e-11. With the latter the
2 sigma "band" reaches zero, so it only bounds the coupling: delta a_mu(g, M) < 38e-11 + 2 x 63e-11.
References below are NumPy/SciPy evaluations of [LM] Eq. 58 written here:
delta a = g^2/(8 pi^2) int_0^1 Q(x)/(x^2 + (1-x) M^2/m^2) dx, whose vector limits are g^2/(8 pi^2)
(M << m_mu) and g^2 m_mu^2 / (12 pi^2 M^2) (M >> m_mu: int 2x^2(1-x)/((1-x) r^2) = 2/(3 r^2)).
"""

import numpy as np
import pytest
from scipy import optimize

from bayes_cevns.model.cards import CardError, load_card
from bayes_cevns.model.g2_term import g2mu_upper_limit
from bayes_cevns.physics.g_minus_2 import (
    DEFAULT_G2_INPUT,
    DELTA_A_MU,
    DELTA_A_MU_SIGMA,
    G2_INPUTS,
    band_couplings,
    coupling_upper_limit,
)
from support import M_MU, delta_a_reference

BOUND_WP2025 = 38e-11 + 2 * 63e-11


def test_named_inputs_and_default():
    """Both literature values are present with their sources; the default is the 2025 one; the old
    module constants keep [LM] Eq. 57's numbers."""
    assert G2_INPUTS["lm2022"][:2] == pytest.approx((251e-11, 59e-11))
    assert G2_INPUTS["wp2025"][:2] == pytest.approx((38e-11, 63e-11))
    assert all(isinstance(v[2], str) and v[2] for v in G2_INPUTS.values())
    assert DEFAULT_G2_INPUT == "wp2025"
    assert (DELTA_A_MU, DELTA_A_MU_SIGMA) == pytest.approx((25.1e-10, 5.9e-10))


def test_upper_limit_heavy_and_light_vector_limits():
    """Vector, |Q'_mu| = 1: at M >> m_mu the limit is sqrt(12 pi^2 M^2 B / m_mu^2), at M << m_mu
    sqrt(8 pi^2 B), with B = Delta a_mu + 2 sigma = 164e-11 (wp2025)."""
    heavy, light = 1e5, 1e-4
    got = coupling_upper_limit(np.array([heavy, light]), "vector")
    assert got[0] == pytest.approx(np.sqrt(12 * np.pi**2 * heavy**2 * BOUND_WP2025 / M_MU**2), rel=1e-3)
    assert got[1] == pytest.approx(np.sqrt(8 * np.pi**2 * BOUND_WP2025), rel=1e-4)


@pytest.mark.parametrize("kind", ["vector", "scalar"])
@pytest.mark.parametrize("mass", [1.0, 10.0, 300.0])
def test_upper_limit_is_root_of_delta_a(kind, mass):
    """The limit solves delta a_mu(g) = Delta a_mu + 2 sigma (root finder on the quadrature here)."""
    root = optimize.brentq(lambda g: delta_a_reference(g, mass, kind) - BOUND_WP2025, 1e-6, 1.0, xtol=1e-15)
    assert coupling_upper_limit(mass, kind)[0] == pytest.approx(root, rel=1e-7)


def test_upper_limit_of_cards():
    """Per card: the coupling to muons |Q'_mu| divides the limit (B - 3L_mu: 3; L_mu - L_tau: 1;
    the scalar card uses the scalar loop); a card without muon coupling raises CardError; an input
    that excludes zero (lm2022) has a band, not a limit."""
    m = 20.0
    base = optimize.brentq(lambda g: delta_a_reference(g, m, "vector") - BOUND_WP2025, 1e-6, 1.0, xtol=1e-15)
    assert g2mu_upper_limit(load_card("lmu_minus_ltau"), m)[0] == pytest.approx(base, rel=1e-7)
    assert g2mu_upper_limit(load_card("b_minus_3lmu"), m)[0] == pytest.approx(base / 3, rel=1e-7)
    scal = optimize.brentq(lambda g: delta_a_reference(g, m, "scalar") - BOUND_WP2025, 1e-6, 1.0, xtol=1e-15)
    assert g2mu_upper_limit(load_card("scalar"), m)[0] == pytest.approx(scal, rel=1e-7)
    with pytest.raises(CardError, match="muon"):
        g2mu_upper_limit(load_card("b_minus_3le"), m)
    with pytest.raises(ValueError, match="excludes zero"):
        g2mu_upper_limit(load_card("lmu_minus_ltau"), m, g2_input="lm2022")
    with pytest.raises(ValueError, match="unknown"):
        coupling_upper_limit(m, "vector", g2_input="nope")


def test_band_with_wp2025_reaches_zero():
    """With wp2025 the 2 sigma band's lower edge is zero and its upper edge is the upper limit."""
    lo, hi = band_couplings(np.array([20.0]), M_MU, "vector", g2_input="wp2025")
    assert lo[0] == 0.0
    assert hi[0] == pytest.approx(coupling_upper_limit(20.0, "vector")[0], rel=1e-12)
