"""U(1)_R light mediator of the tau_3R model ([U1R] Eqs. 35-39).

Only right-handed fermions carry U(1)_R charge; the new boson X mixes with the Z, and one
coupling sqrt(lambda) = g_X c_alpha Y_phi / 4 (Eq. 37) fixes all processes. Its CEvNS amplitude
(Eq. 38) couples to the baryon current and multiplies the SM cross section by (Eq. 39)

    [1 + 4 sqrt(2)/(3 G_F) (A/Q_W) lambda s_W^2 / (m_X^2 + 2 M T)]^2,  Q_W = N - (1 - 4 s_W^2) Z.

With our charge normalisation Q_SM = -Q_W/2 this is the coherent shift

    dQ = -(2 sqrt(2)/3) lambda s_W^2 (Z F_Z + N F_N) / (G_F (m_X^2 + |q|^2)),

with the nucleon number A generalised to Z F_Z + N F_N. The card parameter ``g`` is
sqrt(lambda), so that lambda = g^2 like the other mediator cards. The nu-e amplitude (Eq. 35)
belongs to the neutrino-electron module.
"""

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.physics.constants import G_FERMI
from bayes_cevns.physics.vector_mediator import propagator


def u1r_shift(g, m_med, s2, Z: int, N: int, q, f_p, f_n):
    """Coherent U(1)_R term per beam flavour (3, K) ([U1R] Eq. 39, see module docstring)."""
    lam = pt.sqr(g)
    dq = -(2.0 * np.sqrt(2.0) / 3.0) * lam * s2 * (Z * f_p + N * f_n) * propagator(q, m_med) / G_FERMI
    return pt.tile(dq[None, :], (3, 1))
