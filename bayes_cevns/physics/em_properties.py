"""Neutrino electromagnetic properties in CEvNS ([LAR] Eqs. 9-10), per beam flavour.

Parameters are per beam flavour, as [LAR] Eqs. 13-14 bound them: suffix ``e`` for nu_e, ``mu``
for the prompt nu_mu and ``mubar`` for the delayed anti-nu_mu (:data:`FLAVOUR_SUFFIX`, in the
order of ``FLAVOURS``). A missing parameter is zero; ``mu_nu_tau`` / ``r2_nu_tau`` act on a nu_tau
slot (solar neutrinos at Earth, ``SOLAR_FLAVOURS``; none in the pi-DAR beam). The reactor anti-nu_e flux of the projected experiments
fills the first (``e``) row.

Magnetic moment (helicity flipping, adds incoherently; [LAR] Eq. 9):

    dsigma/dT|_mu = pi alpha^2 mu_nu^2 Z^2 / m_e^2 (1/T - 1/E) F_Z^2,   mu_nu in Bohr magnetons,

folded over the flux with the NumPy ratio of :func:`bayes_cevns.physics.flux.magnetic_kernel_ratio`.
Parameters ``mu_nu_e``, ``mu_nu_mu``, ``mu_nu_mubar`` in units of 1e-10 mu_B (the rate depends on
mu^2 only, so the sign is immaterial).

Charge radius (helicity preserving, coherent with the SM): the photon exchange between the
neutrino's charge radius and the proton charge shifts the proton coupling of flavour l,

    g_V^p(nu_l) -> g_V^p - sqrt(2) pi alpha <r^2_nu_l> / (3 G_F) = g_V^p - (2/3) m_W^2 s_W^2 <r^2_nu_l>

(the form of Cadeddu et al., PRD 98 (2018) 113010, arXiv:1810.05606), i.e. -0.0238 per 1e-32 cm^2
(with (hbar c)^2 to convert cm^2 to MeV^-2); the neutron coupling is unchanged. Parameters
``r2_nu_e``, ``r2_nu_mu``, ``r2_nu_mubar`` in 1e-32 cm^2.

Deviation from the printed [LAR] Eq. 10: it writes sin^2 theta_W -> s_Z^2 + sqrt(2) pi alpha
<r^2> / (3 G_F), which would shift g_V^p = 1/2 - 2 sin^2 theta_W by twice the amount above
(definitions of <r^2> in the literature differ by this factor 2). [LAR]'s own Eq. 14 intervals
fix the factor: for every flavour the two allowed intervals lie symmetrically about
<r^2> ~ -24e-32 cm^2 (e.g. nu_e: (-64, -41) and (-7, 16)). The rate depends on
(Q_W^SM + Z delta g_V^p)^2, symmetric about the point where the shift cancels the argon SM
charge of [LAR] Eq. 2, delta g_V^p = -Q_W^SM / Z = 10.32 / 18 = 0.57, which requires
0.57 / 24 = 0.024 per 1e-32 cm^2: the coefficient used here, not twice it (the equivalent
sin^2 theta_W shift is half of it, sqrt(2) pi alpha <r^2> / (6 G_F)). In this normalisation the
SM radii are <r^2_nu_l>_SM = -(G_F / (2 sqrt(2) pi^2)) (3 - 2 ln(m_l^2 / m_W^2)) = -0.83 (nu_e),
-0.48 (nu_mu) x 1e-32 cm^2 (Cadeddu et al. 2018), and their difference gives
g_V^p(nu_e) - g_V^p(nu_mu) = (alpha / 3 pi) ln(m_mu^2 / m_e^2) = 0.0083, the flavour splitting of the
radiative couplings of [LM] Eq. 12 (0.0401 - 0.0318); those SM radii are already inside
g_V^p(nu_l), so the card parameters are the non-standard part.

Sign convention for neutrinos and anti-neutrinos: <r^2_nu_l> is positive when it raises
sin^2 theta_W (lowers g_V^p). The anti-neutrino parameter ``r2_nu_mubar`` is the charge radius
*as seen by the anti-nu_mu in this same formula* (the convention of [LAR] Eq. 14, whose
anti-nu_mu intervals have the signs of the nu_mu ones): it enters g_V^p exactly as ``r2_nu_mu``
does for nu_mu. For a Dirac neutrino (CPT) the charge radius and the weak coupling of the
anti-neutrino flip sign together, so this effective value equals <r^2_nu_mu>, i.e. minus the
physical anti-nu_mu charge radius.
"""

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.physics.constants import ALPHA_EM, FLAVOURS, G_FERMI, M_ELECTRON, MEV2_TO_CM2

MU_NU_UNIT = 1e-10
R2_NU_UNIT_CM2 = 1e-32
#: Parameter-name suffix of each entry of FLAVOURS (``mu_nu_<suffix>``, ``r2_nu_<suffix>``).
FLAVOUR_SUFFIX: dict[str, str] = {"nu_e": "e", "nu_mu": "mu", "nu_mu_bar": "mubar", "nu_tau": "tau"}
#: Card parameters read by the magnetic-moment and charge-radius contributions.
MAGNETIC_PARAMETERS: tuple[str, ...] = tuple(f"mu_nu_{s}" for s in FLAVOUR_SUFFIX.values())
CHARGE_RADIUS_PARAMETERS: tuple[str, ...] = tuple(f"r2_nu_{s}" for s in FLAVOUR_SUFFIX.values())


def _per_flavour(params, prefix: str, flavours: tuple[str, ...] = FLAVOURS):
    vals = [params.get(f"{prefix}{FLAVOUR_SUFFIX[f]}", 0.0) for f in flavours]
    return pt.stack([pt.as_tensor_variable(v) for v in vals]).astype("float64")


def magnetic_charge_sq(mu_nu, Z: int, f_p):
    """pi alpha^2 mu^2 Z^2 F_Z^2 / m_e^2 (MeV^-2) for mu in Bohr magnetons: mu (3,), f_p (K,) -> (3, K)."""
    return np.pi * ALPHA_EM**2 / M_ELECTRON**2 * pt.sqr(mu_nu)[:, None] * (Z * f_p)[None, :] ** 2


def magnetic_rate_term(params, Z: int, f_p, ratio: np.ndarray, flavours: tuple[str, ...] = FLAVOURS):
    """Equivalent squared charge R_mu(T) (dsigma_mu coefficient, [LAR] Eq. 9) per flavour slot, (3, K)."""
    mu = MU_NU_UNIT * _per_flavour(params, "mu_nu_", flavours)
    return pt.as_tensor_variable(ratio) * magnetic_charge_sq(mu, Z, f_p)


def charge_radius_gvp_shift(r2_cm2):
    """delta g_V^p = -sqrt(2) pi alpha <r^2> / (3 G_F) for <r^2> in cm^2 (module docstring: the
    photon-exchange coefficient, half the one implied by the printed [LAR] Eq. 10)."""
    return -np.sqrt(2.0) * np.pi * ALPHA_EM / (3.0 * G_FERMI) * (r2_cm2 / MEV2_TO_CM2)


def charge_radius_shift(params, Z: int, f_p, flavours: tuple[str, ...] = FLAVOURS):
    """Change of the weak charge, delta g_V^p(nu_l) Z F_Z per flavour slot, (3, K)."""
    dg = charge_radius_gvp_shift(R2_NU_UNIT_CM2 * _per_flavour(params, "r2_nu_", flavours))
    return dg[:, None] * (Z * f_p)[None, :]


def dsigma_dt_magnetic(energy, recoil_t, nuclear_mass: float, mu_nu, Z: int, f_p):
    """dsigma/dT of [LAR] Eq. 9 in MeV^-3, mu_nu in Bohr magnetons (zero above T_max = 2E^2/M)."""
    open_ = pt.ge(2.0 * energy**2 - nuclear_mass * recoil_t, 0.0)
    kin = 1.0 / recoil_t - 1.0 / energy
    return pt.switch(open_, np.pi * ALPHA_EM**2 * mu_nu**2 * Z**2 / M_ELECTRON**2 * kin * f_p**2, 0.0)
