"""Vector neutral-current non-standard interactions ([LAR] Eqs. 4-5), contact or light-mediated.

With L = -2 sqrt(2) G_F eps_{ab}^{qV} (nu_a gamma^mu P_L nu_b)(q gamma_mu q), a neutrino of
flavour a scatters into every flavour b; amplitudes with different final flavours do not
interfere, so the rate of an incoming nu_a is ([LAR] Eq. 5, flavour-resolved)

    |Q_a|^2 = (Q_a^SM + Q_aa^NSI)^2 + sum_{b != a} (Q_ab^NSI)^2,
    Q_ab^NSI = (2 eps_ab^u + eps_ab^d) Z F_Z + (eps_ab^u + 2 eps_ab^d) N F_N.

Couplings are real and symmetric (eps_ba = eps_ab) and named ``eps_<ab>_<q>`` with
<ab> in ee, emu, etau, mumu, mutau, tautau and <q> in u, d. A light mediator of mass M turns
each eps into eps M^2 / (|q|^2 + M^2) (the q-dependent NSI of [LAR] Eq. 6); eps then is the
contact-limit value.
"""

from collections.abc import Mapping

import pytensor.tensor as pt

from bayes_cevns.physics.constants import FLAVOUR_LEPTON, LEPTONS
from bayes_cevns.physics.weak_charge import quark_vector_charge

PAIRS: tuple[str, ...] = tuple(LEPTONS[i] + LEPTONS[j] for i in range(3) for j in range(i, 3))
NSI_PARAMETERS: tuple[str, ...] = tuple(f"eps_{p}_{q}" for p in PAIRS for q in ("u", "d"))


def pair_name(a: int, b: int) -> str:
    i, j = sorted((a, b))
    return LEPTONS[i] + LEPTONS[j]


def nsi_charges(params: Mapping, Z: int, N: int, f_p, f_n, q=None, m_med=None,
                leptons: tuple[int, ...] = FLAVOUR_LEPTON):
    """NSI charges per flavour slot (lepton index ``leptons`` of each): (diagonal (3, K), list of
    off-diagonal (3, K) terms).

    Couplings missing from ``params`` are zero. With ``m_med`` the light-mediator propagator
    factor M^2/(|q|^2 + M^2) multiplies every coupling.
    """
    unknown = [k for k in params if k.startswith("eps_") and k not in NSI_PARAMETERS]
    if unknown:
        raise ValueError(f"unknown NSI parameter(s) {unknown}; known: {list(NSI_PARAMETERS)}")
    scale = 1.0 if m_med is None else pt.sqr(m_med) / (pt.sqr(q) + pt.sqr(m_med))

    def charge(a: int, b: int):
        name = pair_name(a, b)
        u, d = params.get(f"eps_{name}_u"), params.get(f"eps_{name}_d")
        if u is None and d is None:
            return None
        return scale * quark_vector_charge(0.0 if u is None else u, 0.0 if d is None else d, Z, N, f_p, f_n)

    zero = pt.zeros_like(pt.as_tensor_variable(f_p))
    diag = pt.stack([zero if (c := charge(lep, lep)) is None else c for lep in leptons])
    off = []
    for other in range(3):
        rows = [charge(lep, other) if other != lep else None for lep in leptons]
        if any(r is not None for r in rows):
            off.append(pt.stack([zero if r is None else r for r in rows]))
    return diag, off
