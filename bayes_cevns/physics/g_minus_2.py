"""One-loop contribution of a light neutral boson to a lepton's anomalous magnetic moment.

[LM] Eqs. 58-59 (Brodsky & de Rafael 1968): a boson B of mass M_B coupling to the lepton with g_B
gives

    delta a = g_B^2 / (8 pi^2) int_0^1 dx Q(x) / (x^2 + (1 - x) M_B^2 / m^2),
    Q(x) = x^2 (2 - x) (scalar),   2 x^2 (1 - x) (vector).

Limits: vector g^2/(8 pi^2) for M << m and (g^2/8 pi^2)(2/3)(m^2/M^2) = g^2 m^2/(12 pi^2 M^2) for
M >> m; scalar 3 g^2/(16 pi^2) for M << m. The graph version integrates on 200 fixed
Gauss-Legendre nodes in t with x = 3t^2 - 2t^3 (nodes cluster where the integrand turns over at
either end), a fixed vectorised sum with no loop (relative accuracy 1e-5 for M_B/m_l <= 2000,
i.e. every muon case of the scans); :func:`delta_a_numpy` uses adaptive SciPy quadrature as the
reference.

The measured anomaly Delta a_mu = a_mu^exp - a_mu^SM is a named input (:data:`G2_INPUTS`):
``"lm2022"``, the 4.2 sigma anomaly used by [LM], and ``"wp2025"`` (default), the final Fermilab
result against the 2025 Theory Initiative white paper, compatible with zero. A two-sided band of
couplings (:func:`band_couplings`) exists only when Delta a_mu - n sigma > 0; otherwise
:func:`coupling_upper_limit` gives the upper limit on g from delta a_mu < Delta a_mu + n sigma.
"""

import numpy as np
import pytensor.tensor as pt
from scipy import integrate

from bayes_cevns.physics.constants import M_MUON

#: (g-2)_mu anomaly Delta a_mu = a_mu^exp - a_mu^SM: name -> (central, 1 sigma, source).
#: * lm2022: [LM] Eq. 57, (25.1 +- 5.9) x 1e-10 = 251(59) x 1e-11, BNL E821 + FNAL Run 1 (2021)
#:   against the 2020 Theory Initiative white paper (WP20).
#: * wp2025: 38(63) x 1e-11, the final FNAL E989 result (Runs 1-6, 127 ppb; Muon g-2 Collaboration,
#:   arXiv:2506.03069, PRL 2025) with BNL, against the 2025 Theory Initiative white paper
#:   (Aliberti et al., arXiv:2505.21476: a_mu^SM = 116 592 033(62) x 1e-11, lattice-QCD LO HVP).
#:   Checked with the literature search: a_mu^SM and its error (arXiv:2505.21476 abstract) and the
#:   127 ppb final FNAL precision (arXiv:2506.03069, Fermilab news 2025-06-03); the final
#:   experimental world average 116 592 071.5(14.5) x 1e-11 and hence the difference 38(63) were not
#:   in the retrieved text: to verify against arXiv:2506.03069.
G2_INPUTS: dict[str, tuple[float, float, str]] = {
    "lm2022": (251e-11, 59e-11, "[LM] Eq. 57: BNL E821 + FNAL Run 1 (2021) vs WP20"),
    "wp2025": (38e-11, 63e-11, "FNAL final (arXiv:2506.03069) + BNL vs WP25 (arXiv:2505.21476)"),
}
DEFAULT_G2_INPUT = "wp2025"
#: The [LM] Eq. 57 values (G2_INPUTS["lm2022"]), kept under their old names for the band studies
#: of [LM]'s figures (a band needs an anomaly that excludes zero; see :func:`band_couplings`).
DELTA_A_MU, DELTA_A_MU_SIGMA = G2_INPUTS["lm2022"][:2]
KINDS = ("vector", "scalar")

_T, _W = np.polynomial.legendre.leggauss(200)
_T, _W = 0.5 * (_T + 1.0), 0.5 * _W
#: nodes and weights in x = 3t^2 - 2t^3, which clusters quadratically at both ends (x ~ r for
#: M << m, 1 - x ~ 1/r^2 for M >> m)
_X, _WX = 3.0 * _T**2 - 2.0 * _T**3, 6.0 * _T * (1.0 - _T) * _W


def _q(x, kind: str):
    if kind == "vector":
        return 2.0 * x**2 * (1.0 - x)
    if kind == "scalar":
        return x**2 * (2.0 - x)
    raise ValueError(f"unknown boson kind {kind!r}; choose one of {KINDS}")


def loop_integral_numpy(m_boson: float, m_lepton: float, kind: str) -> float:
    """int_0^1 Q(x)/(x^2 + (1-x) r^2) dx with r = M_B/m_l, by adaptive quadrature (reference)."""
    r2 = (m_boson / m_lepton) ** 2
    val, _ = integrate.quad(lambda x: _q(x, kind) / (x**2 + (1.0 - x) * r2), 0.0, 1.0,
                            epsabs=0.0, epsrel=1e-12, limit=400,
                            points=[min(1.0, m_boson / m_lepton), max(0.0, 1.0 - 1.0 / r2)])
    return val


def delta_a_numpy(g_boson: float, m_boson: float, m_lepton: float, kind: str) -> float:
    """delta a of [LM] Eq. 58 (NumPy/SciPy reference)."""
    return g_boson**2 / (8.0 * np.pi**2) * loop_integral_numpy(m_boson, m_lepton, kind)


def delta_a(g_boson, m_boson, m_lepton: float, kind: str):
    """delta a of [LM] Eq. 58 as a PyTensor expression of (g_B, M_B) (fixed nodes in sqrt(x))."""
    x = _X
    qx = _q(x, kind) * _WX
    r2 = pt.sqr(pt.as_tensor_variable(m_boson) / m_lepton)
    integral = pt.sum(qx / (x**2 + (1.0 - x) * r2))
    return pt.sqr(g_boson) / (8.0 * np.pi**2) * integral


def g2_anomaly(name: str = DEFAULT_G2_INPUT) -> tuple[float, float]:
    """(Delta a_mu, sigma) of the named input of :data:`G2_INPUTS`."""
    try:
        central, sigma, _ = G2_INPUTS[name]
    except KeyError:
        raise ValueError(f"unknown (g-2)_mu input {name!r}; choose one of {sorted(G2_INPUTS)}") from None
    return central, sigma


def _unit_delta_a(m_boson, m_lepton: float, kind: str) -> np.ndarray:
    return np.array([delta_a_numpy(1.0, m, m_lepton, kind) for m in np.atleast_1d(np.asarray(m_boson, float))])


def band_couplings(m_boson: np.ndarray, m_lepton: float, kind: str, n_sigma: float = 2.0,
                   charge: float = 1.0, g2_input: str = "lm2022") -> tuple[np.ndarray, np.ndarray]:
    """Couplings g (with lepton charge ``charge``) for which delta a_mu ([LM] Eq. 58) lies within
    n_sigma of the anomaly: the (g-2)_mu band of [LM]'s (M, g) plots (default: its Eq. 57 input),
    as (lower, upper) arrays. The lower edge is 0 where Delta a_mu - n_sigma sigma <= 0."""
    central, sigma = g2_anomaly(g2_input)
    lo = max(central - n_sigma * sigma, 0.0)
    hi = central + n_sigma * sigma
    unit = _unit_delta_a(m_boson, m_lepton, kind)
    return np.sqrt(lo / unit) / abs(charge), np.sqrt(hi / unit) / abs(charge)


def coupling_upper_limit(m_boson, kind: str, charge: float = 1.0, g2_input: str = DEFAULT_G2_INPUT,
                         n_sigma: float = 2.0, m_lepton: float = M_MUON) -> np.ndarray:
    """Upper limit on g at each boson mass from delta a_mu(g |charge|, M) < Delta a_mu + n_sigma sigma
    ([LM] Eq. 58; delta a is g^2 times a positive integral, so the limit is
    sqrt((Delta a_mu + n sigma) / delta a(g = 1)) / |charge|).

    Defined only when the input is compatible with zero (Delta a_mu - n sigma <= 0, as for wp2025);
    an input that excludes zero (lm2022) gives a band, not a limit: ValueError, use
    :func:`band_couplings`. For a card's boson use :func:`bayes_cevns.model.g2_term.g2mu_upper_limit`.
    """
    central, sigma = g2_anomaly(g2_input)
    if central - n_sigma * sigma > 0.0:
        raise ValueError(f"(g-2)_mu input {g2_input!r} excludes zero at {n_sigma} sigma: it selects a band "
                         "of couplings (band_couplings), not an upper limit")
    return np.sqrt((central + n_sigma * sigma) / _unit_delta_a(m_boson, m_lepton, kind)) / abs(charge)
