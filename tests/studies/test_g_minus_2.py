"""Muon g-2 loop of a light boson ([LM] Eqs. 57-59) against limits and SciPy references."""

import numpy as np
import pytensor
import pytest
from scipy import integrate, optimize

from bayes_cevns.physics.g_minus_2 import (
    DELTA_A_MU,
    DELTA_A_MU_SIGMA,
    band_couplings,
    delta_a,
    delta_a_numpy,
)
from support import M_MU, delta_a_reference



pytestmark = pytest.mark.usefixtures("fast_compile")


@pytest.mark.parametrize("kind", ["vector", "scalar"])
@pytest.mark.parametrize("mass", [1e-3, 0.5, 20.0, 105.0, 800.0, 1e4])
def test_graph_and_numpy_match_reference(kind, mass):
    """The graph (fixed nodes) and NumPy versions equal adaptive quadrature to 1e-6."""
    ref = delta_a_reference(1e-3, mass, kind)
    assert delta_a_numpy(1e-3, mass, M_MU, kind) == pytest.approx(ref, rel=1e-9)
    assert float(delta_a(1e-3, mass, M_MU, kind).eval()) == pytest.approx(ref, rel=1e-6)


def test_light_and_heavy_limits():
    """Vector: g^2/8pi^2 for M << m_mu and (g^2/8pi^2)(2/3)(m_mu/M)^2 for M >> m_mu;
    scalar: 3 g^2/16pi^2 for M << m_mu ([LM] Eq. 58 limits)."""
    g = 1e-3
    assert delta_a_numpy(g, 1e-4, M_MU, "vector") == pytest.approx(g**2 / (8 * np.pi**2), rel=1e-5)
    assert delta_a_numpy(g, 1e-4, M_MU, "scalar") == pytest.approx(3 * g**2 / (16 * np.pi**2), rel=1e-5)
    heavy = 1e5
    assert delta_a_numpy(g, heavy, M_MU, "vector") == pytest.approx(
        g**2 / (8 * np.pi**2) * 2 / 3 * (M_MU / heavy) ** 2, rel=1e-3)
    with pytest.raises(ValueError):
        delta_a_numpy(g, 1.0, M_MU, "tensor")


def test_gradient_of_graph_version():
    """verify_grad of delta a w.r.t. (log10 g, log10 M) for both kinds."""
    for kind in ("vector", "scalar"):
        pytensor.gradient.verify_grad(lambda lg, lm: 1e10 * delta_a(10**lg, 10**lm, M_MU, kind),
                                      [np.array(-3.3), np.array(1.2)], rng=np.random.default_rng(3))


def test_band_position_lmu_minus_ltau():
    """The 2 sigma (g-2)_mu band of L_mu - L_tau (vector, Q'_mu = 1) at M = 10 MeV: solve
    delta a_mu(g) = Delta a_mu -+ 2 sigma with a root finder on the independent integral; at
    M << m_mu the band centre tends to sqrt(8 pi^2 Delta a_mu) ~ 4.45e-4."""
    lo, hi = band_couplings(np.array([10.0, 1e-3]), M_MU, "vector")
    for target, got in ((DELTA_A_MU - 2 * DELTA_A_MU_SIGMA, lo[0]), (DELTA_A_MU + 2 * DELTA_A_MU_SIGMA, hi[0])):
        root = optimize.brentq(lambda g: delta_a_reference(g, 10.0, "vector") - target, 1e-5, 1e-2, xtol=1e-14)
        assert got == pytest.approx(root, rel=1e-7)
    centre = np.sqrt(8 * np.pi**2 * DELTA_A_MU)
    assert lo[1] < centre < hi[1] and centre == pytest.approx(4.45e-4, rel=0.01)
    lo2, _ = band_couplings(np.array([10.0]), M_MU, "vector", charge=3.0)
    assert lo2[0] == pytest.approx(lo[0] / 3.0, rel=1e-12)


def test_muon_couplings_of_the_cards():
    """|Q'_mu| and boson kind per card ([LM] Table 1, loops, scalar); no muon charge -> CardError."""
    from bayes_cevns.model.cards import CardError, load_card
    from bayes_cevns.model.g2_term import muon_coupling

    expect = {"universal": (1, "vector"), "b_minus_l": (1, "vector"), "b_minus_3lmu": (3, "vector"),
              "b_minus_2le_lmu": (1, "vector"), "b_minus_le_2lmu": (2, "vector"), "by_lmu_ltau": (1, "vector"),
              "le_minus_lmu": (1, "vector"), "lmu_minus_ltau": (1, "vector"), "scalar": (1, "scalar")}
    for name, (q, kind) in expect.items():
        assert muon_coupling(load_card(name)) == (pytest.approx(q), kind), name
    for name in ("b_minus_3le", "le_minus_ltau", "nsi"):
        with pytest.raises(CardError, match="muon"):
            muon_coupling(load_card(name))


def test_g2mu_likelihood_term_in_model():
    """build_model(extra=("g2mu",)) with no experiment: the model logp at (g, M) is the Gaussian
    log density of the default input, 3.8 +- 6.3 (x 1e-10; final FNAL vs WP25), at delta a_mu(g, M)
    (computed here independently) plus priors."""
    import pymc as pm

    from bayes_cevns.model.build import build_model

    from pymc.model.transform.conditioning import remove_value_transforms

    model = build_model("lmu_minus_ltau", [], fixed={"m_med": 10.0}, extra=("g2mu",))
    plain = remove_value_transforms(model)
    lp = plain.compile_logp(vars=[plain["g2mu"]])
    g = 5e-4
    point = {"log10_g": np.log10(g)}
    da = delta_a_reference(g, 10.0, "vector") / 1e-10
    ref = -0.5 * ((da - 3.8) / 6.3) ** 2 - np.log(6.3 * np.sqrt(2 * np.pi))
    assert float(lp(point)) == pytest.approx(ref, rel=1e-6)
    with pytest.raises(ValueError, match="extra"):
        build_model("lmu_minus_ltau", [], extra=("g2e",))
    assert isinstance(model.model, pm.Model)


@pytest.mark.parametrize("g2_input,central,sigma", [("lm2022", 25.1, 5.9), ("wp2025", 3.8, 6.3)])
def test_add_g2mu_term_named_inputs(g2_input, central, sigma):
    """add_g2mu_term(..., g2_input=...) observes the chosen Delta a_mu (x 1e-10): [LM] Eq. 57's
    25.1 +- 5.9 or the 2025 3.8 +- 6.3; the log density at fixed g is the independent Gaussian."""
    import pymc as pm

    from bayes_cevns.model.cards import load_card
    from bayes_cevns.model.g2_term import add_g2mu_term

    g = 4e-4
    with pm.Model() as m:
        add_g2mu_term(load_card("lmu_minus_ltau"), g, 10.0, g2_input=g2_input)
    da = delta_a_reference(g, 10.0, "vector") / 1e-10
    ref = -0.5 * ((da - central) / sigma) ** 2 - np.log(sigma * np.sqrt(2 * np.pi))
    assert float(m.compile_logp()({})) == pytest.approx(ref, rel=1e-6)
    with pytest.raises(ValueError, match="unknown"):
        with pm.Model():
            add_g2mu_term(load_card("lmu_minus_ltau"), g, 10.0, g2_input="wp2099")


def test_g2_slice_summary_on_synthetic_slice():
    """Band/limit logic and the evidence ratio: a CEvNS likelihood flat up to g = 1e-3 puts the
    M = 10 MeV band (3.7e-4 - 6.1e-4) inside the allowed region (R > 1 is impossible to exceed
    1/prior-fraction; here R ~ 1/P(g < 1e-3) = 7/4); one excluding everything above 1e-4 gives
    no surviving band and R << 1."""
    from bayes_cevns.studies.g2 import g2_slice_summary
    from bayes_cevns.inference.limits import Slice

    lg = np.linspace(-7, 0, 2000)
    for cut, survives in ((-3.0, True), (-4.0, False)):
        c2 = 1000 + (np.maximum(lg - cut, 0) / 0.05) ** 2
        res = g2_slice_summary(Slice(10.0, lg.tolist(), c2.tolist(), (-0.5 * c2).tolist()), 1.0, "vector")
        assert res["band_survives_chi2"] is survives
        if survives:
            assert res["log10_evidence_ratio"] == pytest.approx(np.log10(7 / 4), abs=0.03)
            assert res["p_band_given_cevns"] > 0.01
        else:
            assert res["log10_evidence_ratio"] < -1.5 and res["p_band_given_cevns"] < 1e-6


def test_electron_g2_of_cards():
    """delta a_e for cards with an electron charge: B - 3L_e (|Q'_e| = 3) equals the vector loop
    with m_e and coupling 3g (independent quadrature); L_mu - L_tau has no electron coupling."""
    from bayes_cevns.model.cards import CardError, load_card
    from bayes_cevns.model.g2_term import delta_a_electron

    m_e = 0.51099895
    q = lambda x: 2 * x**2 * (1 - x)  # noqa: E731
    r2 = (2.0 / m_e) ** 2
    val, _ = integrate.quad(lambda x: q(x) / (x**2 + (1 - x) * r2), 0, 1, epsabs=0, epsrel=1e-12, limit=400)
    ref = (3 * 1e-4) ** 2 / (8 * np.pi**2) * val
    assert delta_a_electron(load_card("b_minus_3le"), 1e-4, 2.0) == pytest.approx(ref, rel=1e-8)
    with pytest.raises(CardError, match="electron"):
        delta_a_electron(load_card("lmu_minus_ltau"), 1e-4, 2.0)
