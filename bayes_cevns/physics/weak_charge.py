"""Standard-Model weak charge of the nucleus ([LM] Eqs. 11-12) as PyTensor expressions."""

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.physics.constants import (
    FLAVOURS,
    GV_N,
    LEPTON_OF,
    GV_P_NUE,
    GV_P_NUMU,
    SIN2_THETA_W_LOW_Q,
)

#: Radiative-corrected g_V^p per lepton flavour (e, mu, tau); tau taken equal to mu.
_GV_P_RC = np.array([GV_P_NUE, GV_P_NUMU, GV_P_NUMU])

COUPLING_SCHEMES = ("radiative", "tree")


def nucleon_couplings(sin2_theta_w, scheme: str = "radiative", flavours: tuple[str, ...] = FLAVOURS):
    """Neutrino-nucleon vector couplings (g_V^p per beam flavour, g_V^n).

    ``radiative``: [LM] Eq. 12 at the reference sin^2 theta_W(0) = 0.23857, shifted linearly
    as d g_V^p / d sin^2 theta_W = -2 (the tree-level slope) when sin^2 theta_W is moved;
    g_V^n = -0.5094 does not depend on the mixing angle at this order.
    ``tree``: g_V^p = 1/2 - 2 sin^2 theta_W, g_V^n = -1/2 for every flavour.

    Returns ``(gvp, gvn)`` with ``gvp`` of shape (3,) ordered like ``flavours`` (the slots' species).
    """
    s2 = pt.as_tensor_variable(sin2_theta_w)
    lepton = [LEPTON_OF[f] for f in flavours]
    if scheme == "radiative":
        gvp = pt.as_tensor_variable(_GV_P_RC[lepton]) - 2.0 * (s2 - SIN2_THETA_W_LOW_Q)
        gvn = pt.as_tensor_variable(GV_N)
    elif scheme == "tree":
        gvp = (0.5 - 2.0 * s2) * pt.ones(len(lepton))
        gvn = pt.as_tensor_variable(-0.5)
    else:
        raise ValueError(f"unknown coupling scheme {scheme!r}; choose one of {COUPLING_SCHEMES}")
    return gvp, gvn


def weak_charge_sm(gvp, gvn, Z: int, N: int, f_p, f_n):
    """Q_SM^V = g_V^p Z F_Z + g_V^n N F_N ([LM] Eq. 11).

    ``gvp`` has shape (3,) (flavours) or (3, K) (q-dependent); ``f_p``, ``f_n`` have shape (K,).
    Returns shape (3, K).
    """
    gvp = pt.as_tensor_variable(gvp)
    gvp = gvp[:, None] if gvp.ndim == 1 else gvp
    return gvp * Z * f_p[None, :] + gvn * N * f_n[None, :]


def quark_vector_charge(c_u, c_d, Z: int, N: int, f_p, f_n):
    """Nuclear charge of a vector current with quark couplings (c_u, c_d).

    The vector current is conserved, so the nucleon couplings are the sums over valence quarks,
    c_p = 2 c_u + c_d and c_n = c_u + 2 c_d, and the nucleus adds them coherently:
    (2 c_u + c_d) Z F_Z + (c_u + 2 c_d) N F_N ([LM] Eq. 16, [LAR] Eq. 5). ``f_p``, ``f_n``
    have shape (K,); the couplings may be scalars or arrays broadcasting against (K,).
    """
    return (2.0 * c_u + c_d) * Z * f_p + (c_u + 2.0 * c_d) * N * f_n
