"""Solar neutrinos at Earth: the MSW-LMA electron-neutrino survival probability and flavour spectra.

Adiabatic day-time survival probability, three flavours with theta_13, averaged over the
oscillation phase (the standard MSW-LMA result, e.g. the solar-neutrino section of the PDG 2024
review "Neutrino masses, mixing and oscillations"; Maltoni & Smirnov, Eur. Phys. J. A 52 (2016) 87):

    P_ee(E) = cos^4(theta_13) P_2nu(E) + sin^4(theta_13),
    P_2nu(E) = 1/2 + 1/2 cos(2 theta_12) cos(2 theta_12^m(E)),
    cos(2 theta_12^m) = (cos 2theta_12 - beta) / sqrt((cos 2theta_12 - beta)^2 + sin^2 2theta_12),
    beta = 2 sqrt(2) G_F cos^2(theta_13) n_e E / Delta m^2_21,

with n_e the electron density where the neutrino is produced. One density per source is used,
the production-weighted mean of the B16-GS98 solar model (``N_E_B8``, ``N_E_HEP``); the Earth
matter (day-night) effect, a few per cent for 8B, is neglected.

Flavour content at Earth, in the slots ``SOLAR_FLAVOURS`` = (nu_e, nu_mu, nu_tau): nu_e with weight
P_ee, and the rest split as nu_mu : nu_tau = cos^2 theta_23 : sin^2 theta_23, the theta_13 -> 0 form of
P_e_mu and P_e_tau for neutrinos arriving as incoherent mass states (the O(sin theta_13) terms, which
depend on delta_CP, are neglected). The split only matters for physics that tells nu_mu from nu_tau
(L_mu - L_tau, eps_mumu vs eps_tautau, flavoured moments); SM CEvNS sees the sum.
"""

import numpy as np

from bayes_cevns.physics.constants import AVOGADRO, G_FERMI, HBARC_MEV_FM

#: NuFIT 6.0 (Esteban et al., JHEP 12 (2024) 216, arXiv:2410.05380), normal ordering, best fit
#: without the SK atmospheric table: sin^2 theta_12, sin^2 theta_13, Delta m^2_21 (eV^2).
SIN2_THETA12 = 0.307
SIN2_THETA13 = 0.02195
DM2_21_EV2 = 7.49e-5
#: sin^2 theta_23, NuFIT 6.0 normal ordering without the SK atmospheric table (to verify).
SIN2_THETA23 = 0.561
#: Mean electron density (units of N_A cm^-3) over the 8B and hep production regions of the
#: B16-GS98 model (Vinyoles et al., ApJ 835 (2017) 202): the production fractions per radial zone
#: (columns 9 and 7 of ``nudistr_b16_gs98.dat`` as distributed with PEANUTS, Eur. Phys. J. C 84
#: (2024) 119) weighting 10^(column 3); the 8B production peaks at r = 0.046 R_sun.
N_E_B8 = 87.9
N_E_HEP = 51.4
#: (hbar c)^3 in MeV^3 cm^3, to turn G_F n_e into an energy.
_HBARC3_MEV3_CM3 = (HBARC_MEV_FM * 1e-13) ** 3


def matter_potential_ev(n_e_avogadro: float) -> float:
    """sqrt(2) G_F n_e in eV for n_e in units of N_A cm^-3 (7.63e-14 eV per N_A cm^-3)."""
    return float(np.sqrt(2.0) * G_FERMI * n_e_avogadro * AVOGADRO * _HBARC3_MEV3_CM3 * 1e6)


def survival_probability(energy_mev, n_e_avogadro: float, sin2_theta12: float = SIN2_THETA12,
                         sin2_theta13: float = SIN2_THETA13, dm2_21_ev2: float = DM2_21_EV2) -> np.ndarray:
    """Adiabatic MSW-LMA P_ee(E) (module docstring) for neutrino energies in MeV."""
    e_ev = np.asarray(energy_mev, dtype=float) * 1e6
    if np.any(e_ev < 0) or n_e_avogadro < 0 or dm2_21_ev2 <= 0:
        raise ValueError("energies and electron density must be non-negative, Delta m^2_21 positive")
    c13 = 1.0 - sin2_theta13
    cos2 = 1.0 - 2.0 * sin2_theta12
    sin2_2 = 4.0 * sin2_theta12 * (1.0 - sin2_theta12)
    beta = 2.0 * matter_potential_ev(n_e_avogadro) * c13 * e_ev / dm2_21_ev2
    cos2m = (cos2 - beta) / np.sqrt((cos2 - beta) ** 2 + sin2_2)
    p2 = 0.5 + 0.5 * cos2 * cos2m
    return c13**2 * p2 + sin2_theta13**2


def flavour_spectra(energy_mev, spectrum, n_e_avogadro: float, sin2_theta23: float = SIN2_THETA23) -> np.ndarray:
    """(3, n_E) spectra in the slots (nu_e, nu_mu, nu_tau): P_ee phi, (1 - P_ee) cos^2 theta_23 phi,
    (1 - P_ee) sin^2 theta_23 phi (module docstring)."""
    phi = np.asarray(spectrum, dtype=float)
    p = survival_probability(energy_mev, n_e_avogadro)
    rest = (1.0 - p) * phi
    return np.stack([p * phi, (1.0 - sin2_theta23) * rest, sin2_theta23 * rest])
