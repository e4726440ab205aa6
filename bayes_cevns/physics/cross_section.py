"""CEvNS differential cross section ([LM] Eq. 10) and the factorised event-rate kernel.

dsigma/dT (E, T) = G_F^2 M / pi * (1 - M T / (2 E^2)) * Q^2, in MeV^-3 (times MeV^-2 -> cm^2
with ``MEV2_TO_CM2``).
"""

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.physics.constants import G_FERMI, MEV2_TO_CM2
from bayes_cevns.physics.flux import folded_kernel


def dsigma_dt(energy, recoil_t, nuclear_mass: float, weak_charge):
    """dsigma/dT in cm^2/MeV for neutrino energy E and recoil T (MeV) ([LM] Eq. 10).

    Zero above the kinematic endpoint (where 1 - MT/2E^2 < 0).
    """
    kin = 1.0 - nuclear_mass * recoil_t / (2.0 * energy**2)
    pref = G_FERMI**2 * nuclear_mass / np.pi * MEV2_TO_CM2
    return pref * pt.maximum(kin, 0.0) * weak_charge**2


def rate_weights(recoil_t: np.ndarray, dt_weights: np.ndarray, nuclear_mass: float,
                 n_targets: float, fluence: float) -> np.ndarray:
    """Parameter-independent NumPy weights W_f(T_k) so that events = sum_k W_f(T_k) Q_f(T_k)^2.

    W_f(T_k) = N_targets * eta * (G_F^2 M / pi) * K_f(T_k) * w_k, where w_k are quadrature
    weights of the recoil grid (MeV) and K_f the folded flux moment ([LM] Eq. 4 with Eq. 10).
    Shape (3, K).
    """
    pref = n_targets * fluence * G_FERMI**2 * nuclear_mass / np.pi * MEV2_TO_CM2
    return pref * folded_kernel(recoil_t, nuclear_mass) * np.asarray(dt_weights)[None, :]
