"""Light scalar mediator phi ([LM] Eqs. 31-43).

Scalar exchange flips helicity, so it adds incoherently to the SM cross section (Eq. 32) with

    dsigma/dT|_scalar = M^2 T / (4 pi E^2) g~^4 (sigma_piN/m_ud)_ref^2 [Z F_Z + N F_N]^2 / (|q|^2 + M_phi^2)^2,

(Eq. 41) where g~ (Eq. 42) absorbs g_phi^nu g_phi^q and the hadronic uncertainty of
sigma_piN / m_ud relative to the reference 17.3 (Eq. 40), in the isospin limit (Eq. 39). The
kinematic factor differs from the vector one, so the flux folding is carried by the NumPy ratio
R_S(T) of :func:`bayes_cevns.physics.flux.scalar_kernel_ratio`: the term enters as R_S Q_phi^2.
"""

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.physics.constants import SIGMA_PIN_OVER_MUD_REF
from bayes_cevns.physics.vector_mediator import propagator


def scalar_charge_sq(g_tilde, m_med, Z: int, N: int, q, f_p, f_n):
    """g~^4 (sigma/m)_ref^2 [Z F_Z + N F_N]^2 / (|q|^2 + M^2)^2 in MeV^-4, shape (K,) ([LM] Eq. 41)."""
    charge = SIGMA_PIN_OVER_MUD_REF * (Z * f_p + N * f_n)
    return pt.sqr(pt.sqr(g_tilde) * charge * propagator(q, m_med))


def scalar_rate_term(g_tilde, m_med, Z: int, N: int, q, f_p, f_n, ratio: np.ndarray):
    """Equivalent squared charge R_S(T) Q_phi^2 per beam flavour (3, K), added to |Q|^2."""
    return pt.as_tensor_variable(ratio) * scalar_charge_sq(g_tilde, m_med, Z, N, q, f_p, f_n)[None, :]


def dsigma_dt_scalar(energy, recoil_t, nuclear_mass: float, g_tilde, m_med, Z: int, N: int, f_p, f_n):
    """dsigma/dT of [LM] Eq. 41 in MeV^-3 (zero above the kinematic endpoint)."""
    q = pt.sqrt(2.0 * nuclear_mass * recoil_t)
    open_ = pt.ge(2.0 * energy**2 - nuclear_mass * recoil_t, 0.0)
    kin = nuclear_mass**2 * recoil_t / (4.0 * np.pi * energy**2)
    return pt.switch(open_, kin * scalar_charge_sq(g_tilde, m_med, Z, N, q, f_p, f_n), 0.0)
