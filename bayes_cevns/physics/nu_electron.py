"""Neutrino-electron elastic scattering ([E6LR] Eqs. 6-7, 10, 14-15; [U1R] Eqs. 35-36).

With the low-energy effective interaction L = -2 sqrt(2) G_F (nu gamma^mu P_L nu)
(e gamma_mu (g_L P_L + g_R P_R) e), the differential cross section in the electron recoil
energy T is ([E6LR] Eq. 6)

    dsigma/dT = (2 G_F^2 m_e / pi) [g_L^2 + g_R^2 (1 - T/E)^2 - g_L g_R m_e T / E^2],

and for antineutrinos g_L and g_R exchange roles. In the SM g_L = (g_V + g_A)/2 and
g_R = (g_V - g_A)/2 with the radiative-corrected nu_mu-e couplings of the PDG
(``GV_NU_E``, ``GA_NU_E``); nu_e adds the charged-current W exchange, +1 to g_V and g_A
(g_L -> g_L + 1) ([E6LR] Eq. 7). Kinematics: T_max = 2 E^2 / (m_e + 2 E), and a recoil T needs
E >= E_min(T) = (T + sqrt(T^2 + 2 m_e T)) / 2.

New physics enters as shifts of g_L and g_R that may depend on T through |q|^2 = 2 m_e T:

* light vector mediator with charges Q'_nu, Q'_e (same cards as CEvNS): the vector current
  shifts both chiralities by g^2 Q'_nu Q'_e / (2 sqrt(2) G_F (2 m_e T + M^2)), i.e.
  g_V -> g_V + g^2 Q'_nu Q'_e / (sqrt(2) G_F (2 m_e T + M^2)), the same normalisation as the
  nucleus term of [LM] Eq. 16;
* U(1)_R ([U1R] Eq. 35): comparing its amplitude with the SM one gives
  g_V -> g_V + (sqrt(2)/G_F) 2 (1 - 2 s_W^2) lambda / (m_X^2 + 2 m_e T) for every flavour;
* heavy E6 and left-right Z' ([E6LR] Eqs. 10, 14-15): contact shifts eps^{eL}, eps^{eR} of
  g_L, g_R, derived in :mod:`bayes_cevns.physics.heavy_zprime`.

Every function is written with arithmetic only, so it takes NumPy arrays (precomputation and
independent checks) as well as PyTensor tensors (the sampled graph). Energies in MeV.
"""

from collections.abc import Callable, Mapping

import numpy as np

from bayes_cevns.physics.constants import GA_NU_E, G_FERMI, GV_NU_E, M_ELECTRON, MEV2_TO_CM2, SIN2_THETA_W_MZ
from bayes_cevns.physics.heavy_zprime import e6_electron_eps, lr_electron_eps

#: Beam neutrino species of nu-e scattering: (lepton flavour index, antineutrino?).
SPECIES: dict[str, tuple[int, bool]] = {
    "nu_e": (0, False), "nu_e_bar": (0, True), "nu_mu": (1, False), "nu_mu_bar": (1, True),
    "nu_tau": (2, False), "nu_tau_bar": (2, True),
}


def species(name: str) -> tuple[int, bool]:
    try:
        return SPECIES[name]
    except KeyError:
        raise ValueError(f"unknown neutrino species {name!r}; known: {sorted(SPECIES)}") from None


def sm_couplings(name: str) -> tuple[float, float]:
    """(g_L, g_R) of the SM for a neutrino species ([E6LR] Eq. 7, PDG radiative-corrected couplings).

    For an antineutrino the same (g_L, g_R) are returned; :func:`dsigma_dt` swaps their roles.
    """
    lepton, _ = species(name)
    cc = 1.0 if lepton == 0 else 0.0
    gv, ga = GV_NU_E + cc, GA_NU_E + cc
    return 0.5 * (gv + ga), 0.5 * (gv - ga)


def tree_couplings(name: str, sin2_theta_w: float) -> tuple[float, float]:
    """Tree-level (g_L, g_R) = (-1/2 + s_W^2 [+1 for nu_e], s_W^2)."""
    lepton, _ = species(name)
    return -0.5 + sin2_theta_w + (1.0 if lepton == 0 else 0.0), sin2_theta_w


def t_max(energy):
    """Maximum electron recoil T_max = 2 E^2 / (m_e + 2 E)."""
    return 2.0 * energy**2 / (M_ELECTRON + 2.0 * energy)


def e_min(recoil_t):
    """Smallest neutrino energy that gives electron recoil T: (T + sqrt(T^2 + 2 m_e T)) / 2."""
    t = np.asarray(recoil_t, dtype=float)
    return 0.5 * (t + np.sqrt(t**2 + 2.0 * M_ELECTRON * t))


def dsigma_dt(energy, recoil_t, g_l, g_r, antineutrino: bool = False):
    """dsigma/dT in cm^2/MeV ([E6LR] Eq. 6); zero above T_max. Antineutrinos swap g_L and g_R."""
    if antineutrino:
        g_l, g_r = g_r, g_l
    y = recoil_t / energy
    shape = g_l**2 + g_r**2 * (1.0 - y) ** 2 - g_l * g_r * M_ELECTRON * recoil_t / energy**2
    inside = recoil_t <= t_max(energy)
    return 2.0 * G_FERMI**2 * M_ELECTRON / np.pi * MEV2_TO_CM2 * shape * inside


def total_cross_section(energy: float, g_l: float, g_r: float, antineutrino: bool = False,
                        t_lo: float = 0.0, t_hi: float | None = None) -> float:
    """Integral of :func:`dsigma_dt` over T in [t_lo, min(t_hi, T_max)] in closed form (cm^2)."""
    if antineutrino:
        g_l, g_r = g_r, g_l
    hi = t_max(energy) if t_hi is None else min(t_hi, t_max(energy))
    if hi <= t_lo:
        return 0.0

    def prim(t):
        return (g_l**2 * t - g_r**2 * energy / 3.0 * (1.0 - t / energy) ** 3
                - g_l * g_r * M_ELECTRON * t**2 / (2.0 * energy**2))

    return 2.0 * G_FERMI**2 * M_ELECTRON / np.pi * MEV2_TO_CM2 * (prim(hi) - prim(t_lo))


def q_squared(recoil_t):
    """|q|^2 = 2 m_e T (MeV^2) of an electron recoil."""
    return 2.0 * M_ELECTRON * recoil_t


def vector_mediator_shift(g, m_med, q_nu: float, q_e: float, recoil_t):
    """Shift of g_L and of g_R (each) by a light Z' with charges Q'_nu, Q'_e (module docstring)."""
    return g**2 * q_nu * q_e / (2.0 * np.sqrt(2.0) * G_FERMI * (q_squared(recoil_t) + m_med**2))


def u1r_shift(g, m_med, recoil_t, s2: float = SIN2_THETA_W_MZ):
    """Shift of g_L and of g_R (each) by the U(1)_R boson ([U1R] Eq. 35), g = sqrt(lambda)."""
    dgv = np.sqrt(2.0) / G_FERMI * 2.0 * (1.0 - 2.0 * s2) * g**2 / (m_med**2 + q_squared(recoil_t))
    return 0.5 * dgv


def _vector(params, lepton, t, options):
    ch = options["charges"]
    d = vector_mediator_shift(params["g"], params["m_med"], ch[("e", "mu", "tau")[lepton]], ch["e"], t)
    return d, d


def _u1r(params, lepton, t, options):
    d = u1r_shift(params["g"], params["m_med"], t)
    return d, d


def _e6(params, lepton, t, options):
    return e6_electron_eps(params["beta"], params["m_zprime_gev"], float(options.get("coupling_ratio", 1.0)))


def _left_right(params, lepton, t, options):
    return lr_electron_eps(params["m_zprime_gev"])


#: Contributions with a neutrino-electron term: name -> f(params, lepton, T, options) = (dg_L, dg_R).
ELECTRON_TERMS: dict[str, Callable] = {
    "sm": lambda params, lepton, t, options: (0.0, 0.0),
    "vector_mediator": _vector,
    "u1r": _u1r,
    "e6": _e6,
    "left_right": _left_right,
}


def couplings(physics: tuple[str, ...], params: Mapping, name: str, recoil_t, options: Mapping):
    """(g_L, g_R) of a species on the recoil grid for the card's physics contributions.

    Raises for a contribution that has no neutrino-electron term here (its CEvNS term may
    still exist): a silent SM answer would be wrong.
    """
    missing = [p for p in physics if p not in ELECTRON_TERMS]
    if missing:
        raise ValueError(f"no neutrino-electron term for {missing}; available: {sorted(ELECTRON_TERMS)}")
    lepton, _ = species(name)
    g_l, g_r = sm_couplings(name)
    for p in physics:
        dl, dr = ELECTRON_TERMS[p](params, lepton, recoil_t, options)
        g_l, g_r = g_l + dl, g_r + dr
    return g_l, g_r
