"""Light vector mediator Z' coupled to U(1)' charges ([LM] Eqs. 15-25, Table 1, Appendix A).

The Z' adds coherently to the SM weak charge of a neutrino of lepton flavour l ([LM] Eq. 16):

    Q_l = Q_l^SM + g^2 Q'_l / (sqrt(2) G_F (|q|^2 + M^2)) [(2Q'_u + Q'_d) Z F_Z + (Q'_u + 2Q'_d) N F_N],

with |q|^2 = 2 M_A T. The coefficient is the one proven in [LM] Appendix A (not the half-size
one of part of the literature: a coupling quoted in that convention is sqrt(2) times ours).
Charges come from a model card, either directly (Q'_u, Q'_d, Q'_e, Q'_mu, Q'_tau) or as the
anomaly-free family G_B(c_B, c_e, c_mu, c_tau) = c_B B - c_e L_e - c_mu L_mu - c_tau L_tau of
Eq. 19, whose quark charge is c_B/3 and lepton charges -c_l, anomaly-free iff
3 c_B - c_e - c_mu - c_tau = 0 (Eq. 20).
"""

from collections.abc import Mapping

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.physics.constants import FLAVOUR_LEPTON, G_FERMI, LEPTONS
from bayes_cevns.physics.weak_charge import quark_vector_charge

CHARGE_KEYS = ("u", "d", "e", "mu", "tau")
GB_KEYS = ("c_b", "c_e", "c_mu", "c_tau")


def charges_from_gb(c_b: float, c_e: float, c_mu: float, c_tau: float,
                    require_anomaly_free: bool = True) -> dict[str, float]:
    """U(1)' charges of the G_B family ([LM] Eq. 19), checking anomaly freedom (Eq. 20)."""
    anomaly = 3.0 * c_b - c_e - c_mu - c_tau
    if require_anomaly_free and abs(anomaly) > 1e-12:
        raise ValueError(f"G_B({c_b}, {c_e}, {c_mu}, {c_tau}) is anomalous: 3 c_B - c_e - c_mu - c_tau = "
                         f"{anomaly:g} != 0 ([LM] Eq. 20)")
    return {"u": c_b / 3.0, "d": c_b / 3.0, "e": -c_e, "mu": -c_mu, "tau": -c_tau}


def parse_charges(spec: Mapping) -> dict[str, float]:
    """Charges from a card's ``[charges]`` table: the five of ``CHARGE_KEYS`` or the four of ``GB_KEYS``."""
    keys = set(spec) - {"anomaly_free"}
    if keys == set(CHARGE_KEYS):
        return {k: float(spec[k]) for k in CHARGE_KEYS}
    if keys == set(GB_KEYS):
        return charges_from_gb(*(float(spec[k]) for k in GB_KEYS),
                               require_anomaly_free=bool(spec.get("anomaly_free", True)))
    raise ValueError(f"[charges] must give exactly {CHARGE_KEYS} or {GB_KEYS}, got {sorted(keys)}")


def propagator(q, m_med):
    """1 / (|q|^2 + M^2) in MeV^-2, the low-energy Z' (or phi) propagator."""
    return 1.0 / (pt.sqr(q) + pt.sqr(m_med))


def vector_mediator_shift(g, m_med, charges: Mapping[str, float], Z: int, N: int, q, f_p, f_n,
                          leptons: tuple[int, ...] = FLAVOUR_LEPTON):
    """Z' term of [LM] Eq. 16 per flavour slot (lepton index ``leptons`` of each), shape (3, K)."""
    nuclear = quark_vector_charge(charges["u"], charges["d"], Z, N, f_p, f_n)
    lepton = np.array([charges[LEPTONS[i]] for i in leptons])
    strength = pt.sqr(g) * propagator(q, m_med) / (np.sqrt(2.0) * G_FERMI)
    return pt.as_tensor_variable(lepton)[:, None] * (strength * nuclear)[None, :]
