"""Neutrino electromagnetic properties in CEvNS ([LAR] Eqs. 9-10).

Magnetic moment (helicity flipping, adds incoherently; [LAR] Eq. 9):

    dsigma/dT|_mu = pi alpha^2 mu_nu^2 Z^2 / m_e^2 (1/T - 1/E) F_Z^2,   mu_nu in Bohr magnetons,

folded over the flux with the NumPy ratio of :func:`bayes_cevns.physics.flux.magnetic_kernel_ratio`.
Parameters are per flavour in units of 1e-10 mu_B (``mu_nu_e``, ``mu_nu_mu``).

Charge radius (helicity preserving, coherent with the SM; [LAR] Eq. 10): sin^2 theta_W ->
sin^2 theta_W + sqrt(2) pi alpha / (3 G_F) <r^2_nu_l>, i.e. g_V^p(nu_l) shifts by
-2 sqrt(2) pi alpha <r^2_nu_l> / (3 G_F). Parameters per flavour in 1e-32 cm^2 (``r2_nu_e``,
``r2_nu_mu``). The anti-nu_mu of the beam takes the nu_mu values: its charge radius and its
weak coupling change sign together, leaving the shift of the charge unchanged.
"""

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.physics.constants import ALPHA_EM, FLAVOUR_LEPTON, G_FERMI, LEPTONS, M_ELECTRON, MEV2_TO_CM2

MU_NU_UNIT = 1e-10
R2_NU_UNIT_CM2 = 1e-32


def _per_flavour(params, prefix: str):
    vals = [params.get(f"{prefix}{LEPTONS[lep]}", 0.0) for lep in FLAVOUR_LEPTON]
    return pt.stack([pt.as_tensor_variable(v) for v in vals]).astype("float64")


def magnetic_charge_sq(mu_nu, Z: int, f_p):
    """pi alpha^2 mu^2 Z^2 F_Z^2 / m_e^2 (MeV^-2) for mu in Bohr magnetons: mu (3,), f_p (K,) -> (3, K)."""
    return np.pi * ALPHA_EM**2 / M_ELECTRON**2 * pt.sqr(mu_nu)[:, None] * (Z * f_p)[None, :] ** 2


def magnetic_rate_term(params, Z: int, f_p, ratio: np.ndarray):
    """Equivalent squared charge R_mu(T) (dsigma_mu coefficient) per flavour, (3, K)."""
    mu = MU_NU_UNIT * _per_flavour(params, "mu_nu_")
    return pt.as_tensor_variable(ratio) * magnetic_charge_sq(mu, Z, f_p)


def charge_radius_sin2_shift(r2_cm2):
    """sqrt(2) pi alpha <r^2> / (3 G_F) for <r^2> in cm^2 ([LAR] Eq. 10)."""
    return np.sqrt(2.0) * np.pi * ALPHA_EM / (3.0 * G_FERMI) * (r2_cm2 / MEV2_TO_CM2)


def charge_radius_shift(params, Z: int, f_p):
    """Change of the weak charge, -2 Delta sin^2 theta_W(nu_l) Z F_Z per flavour, (3, K)."""
    ds2 = charge_radius_sin2_shift(R2_NU_UNIT_CM2 * _per_flavour(params, "r2_nu_"))
    return -2.0 * ds2[:, None] * (Z * f_p)[None, :]


def dsigma_dt_magnetic(energy, recoil_t, nuclear_mass: float, mu_nu, Z: int, f_p):
    """dsigma/dT of [LAR] Eq. 9 in MeV^-3, mu_nu in Bohr magnetons (zero above T_max = 2E^2/M)."""
    open_ = pt.ge(2.0 * energy**2 - nuclear_mass * recoil_t, 0.0)
    kin = 1.0 / recoil_t - 1.0 / energy
    return pt.switch(open_, np.pi * ALPHA_EM**2 * mu_nu**2 * Z**2 / M_ELECTRON**2 * kin * f_p**2, 0.0)
