"""L_alpha - L_beta gauge bosons: CEvNS through the one-loop kinetic mixing ([LM] Eqs. 28-30).

The Z' of L_alpha - L_beta couples to no quark; it reaches the nucleus through a charged-lepton
loop that mixes it with the photon, so only protons see it ([LM] Eq. 28):

    Q_l = [g_V^p(nu_l) + sqrt(2) alpha g^2 (delta_{l alpha} eps_{beta alpha}(|q|)
           + delta_{l beta} eps_{alpha beta}(|q|)) / (pi G_F (|q|^2 + M^2))] Z F_Z + g_V^n N F_N,

    eps_{beta alpha}(|q|) = int_0^1 x(1-x) ln[(m_beta^2 + x(1-x)|q|^2) / (m_alpha^2 + x(1-x)|q|^2)] dx
                                                                                     (Eq. 29)

The charged lepton of the scattering neutrino's own flavour is always in the denominator, the
other one in the numerator (the sign rule below Eq. 29); the result is symmetric under
alpha <-> beta. eps depends on |q| only, which is fixed on the recoil grid, so it is computed
once in NumPy/SciPy; only g and M enter the graph.
"""

import numpy as np
import pytensor.tensor as pt
from scipy import integrate

from bayes_cevns.physics.constants import ALPHA_EM, FLAVOUR_LEPTON, G_FERMI, LEPTON_MASSES, LEPTONS
from bayes_cevns.physics.vector_mediator import propagator


def _loop_integral(q: np.ndarray, m_numerator: float, m_denominator: float, running_denominator: bool):
    q2 = np.atleast_1d(np.asarray(q, dtype=float)) ** 2

    def integrand(x):
        w = x * (1.0 - x)
        den = m_denominator**2 + (w * q2 if running_denominator else 0.0)
        return w * np.log((m_numerator**2 + w * q2) / den)

    val, _ = integrate.quad_vec(integrand, 0.0, 1.0, epsabs=0.0, epsrel=1e-10, points=(0.5,))
    return val.reshape(np.shape(q)) if np.ndim(q) else val[0]


def loop_epsilon(q: np.ndarray, m_numerator: float, m_denominator: float) -> np.ndarray:
    """eps(|q|) of [LM] Eq. 29 with the given lepton masses (MeV), for |q| in MeV (NumPy)."""
    return _loop_integral(q, m_numerator, m_denominator, True)


def vacuum_polarisation(q: np.ndarray, mass: float) -> np.ndarray:
    """int_0^1 x(1-x) ln[1 + x(1-x)|q|^2/m^2] dx: the |q| dependence of a lepton loop (NumPy).

    Zero at q = 0; (1/6)[ln(q^2/m^2) - 5/3] for q >> m.
    """
    return _loop_integral(q, mass, mass, False)


def loop_coefficients(alpha: str, beta: str, q: np.ndarray,
                      leptons: tuple[int, ...] = FLAVOUR_LEPTON) -> np.ndarray:
    """delta_{l alpha} eps_{beta alpha} + delta_{l beta} eps_{alpha beta} per flavour slot, (3, K)."""
    if alpha not in LEPTONS or beta not in LEPTONS or alpha == beta:
        raise ValueError(f"L_alpha - L_beta needs two different flavours of {LEPTONS}, got {alpha!r}, {beta!r}")
    ia, ib = LEPTONS.index(alpha), LEPTONS.index(beta)
    m = LEPTON_MASSES
    out = np.zeros((len(leptons), np.size(q)))
    for f, lep in enumerate(leptons):
        if lep == ia:
            out[f] = loop_epsilon(q, m[ib], m[ia])
        elif lep == ib:
            out[f] = loop_epsilon(q, m[ia], m[ib])
    return out


def lepton_loop_shift(g, m_med, alpha: str, beta: str, Z: int, q: np.ndarray, f_p,
                      leptons: tuple[int, ...] = FLAVOUR_LEPTON):
    """Z' term of [LM] Eq. 28 per flavour slot, shape (3, K)."""
    coef = pt.as_tensor_variable(loop_coefficients(alpha, beta, q, leptons))
    strength = np.sqrt(2.0) * ALPHA_EM * pt.sqr(g) * propagator(q, m_med) / (np.pi * G_FERMI)
    return coef * (strength * Z * f_p)[None, :]


def charge_radius_running(q: np.ndarray, leptons: tuple[int, ...] = FLAVOUR_LEPTON) -> np.ndarray:
    """q-dependence of g_V^p(nu_l), shape (3, K), for the SM card option ``running = true``.

    The flavour dependence of the radiative-corrected g_V^p ([LM] Eq. 12) is the neutrino charge
    radius term -(alpha/3pi) ln m_l^2 (it reproduces g_V^p(nu_e) - g_V^p(nu_mu) =
    (alpha/3pi) ln(m_mu^2/m_e^2) = 0.0082 vs 0.0401 - 0.0318). At momentum transfer |q| the
    lepton loop gives ln m_l^2 -> 6 int x(1-x) ln(m_l^2 + x(1-x)|q|^2) dx, so

        g_V^p(nu_l, q) = g_V^p(nu_l, 0) - (2 alpha/pi) int_0^1 x(1-x) ln[1 + x(1-x)|q|^2/m_l^2] dx.

    For nu_e at |q| = 50 MeV this is -0.0058; for nu_mu it is below 1e-4. The flavour-universal
    running of sin^2 theta_W from the electron loop is suppressed by (1/2 - 2 sin^2 theta_W) and
    not included.
    """
    rows = [vacuum_polarisation(q, LEPTON_MASSES[lep]) for lep in leptons]
    return -(2.0 * ALPHA_EM / np.pi) * np.array(rows)
