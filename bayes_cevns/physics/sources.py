"""Neutrino sources other than the SNS pi-DAR beam: reactor antineutrinos and the 51Cr line source.

Reactor nu_e-bar spectrum per fission ([E6LR] Sec. 3.1, following [67] Mention et al. 2011):
above 2 MeV the exponential-polynomial fits of Mueller et al., PRC 83 (2011) 054615, Table VI,

    S_i(E) = exp(sum_{k=0}^{5} a_{ik} E^k)   (nu per MeV per fission, E in MeV, valid 2-8 MeV),

for i = 235U, 238U, 239Pu, 241Pu. Sub-keV CEvNS thresholds also see the spectrum below 2 MeV
(a 2 MeV antineutrino gives at most 2E^2/M ~ 120 eV on germanium), where these fits diverge;
there the Vogel & Engel, PRD 39 (1989) 3378 form exp(b_0 + b_1 E + b_2 E^2) is used, scaled to
join Mueller's value at 2 MeV continuously (an approximation: the true low-energy spectrum is
tabulated by Kopeikin et al. 1997, not distributed with the source papers). A reactor of
thermal power P with fission fractions f_i gives the flux at distance L

    phi(E) = P / (sum_i f_i E_i) * sum_i f_i S_i(E) / (4 pi L^2),

with E_i the energy released per fission (``ENERGY_PER_FISSION_MEV``).

51Cr ([E6LR] Sec. 3.2, Eqs. 18-20): electron capture gives nu_e lines at 747 keV (90%) and
427 keV (10%); the activity averaged over a run of length Delta t is
A_0 tau (1 - exp(-Delta t / tau)) / Delta t (Eq. 18) with mean life tau = 39.96 d, and a
cylindrical detector of radius R and height h whose axis passes through a source a distance x
below its base sees the volume-averaged inverse square distance (Eq. 20)

    <1/L^2> = (pi / V) int_x^{x+h} ln(1 + R^2 / z^2) dz.
"""

import numpy as np

from bayes_cevns.physics.constants import CURIE, ENERGY_PER_FISSION_MEV, MEV_TO_JOULE, REACTOR_ISOTOPES

#: Mueller et al. 2011, Table VI: a_0..a_5 of ln S_i(E) (E in MeV).
MUELLER_2011: dict[str, tuple[float, ...]] = {
    "U235": (3.217, -3.111, 1.395, -3.690e-1, 4.445e-2, -2.053e-3),
    "U238": (4.833e-1, 1.927e-1, -1.283e-1, -6.762e-3, 2.233e-3, -1.536e-4),
    "Pu239": (6.413, -7.432, 3.535, -8.820e-1, 1.025e-1, -4.550e-3),
    "Pu241": (3.251, -3.204, 1.428, -3.675e-1, 4.254e-2, -1.896e-3),
}
#: Vogel & Engel 1989: b_0, b_1, b_2 of ln S_i(E), used below ``JOIN_MEV``.
VOGEL_ENGEL_1989: dict[str, tuple[float, float, float]] = {
    "U235": (0.870, -0.160, -0.0910),
    "U238": (0.976, -0.162, -0.0790),
    "Pu239": (0.896, -0.239, -0.0981),
    "Pu241": (0.793, -0.080, -0.1085),
}
JOIN_MEV = 2.0
#: Highest reactor antineutrino energy kept (the fits end at 8 MeV; above it the flux is negligible).
REACTOR_E_MAX = 10.0
#: Typical fission fractions of a commercial low-enriched-uranium core (Mention et al. 2011).
COMMERCIAL_FRACTIONS = {"U235": 0.56, "U238": 0.08, "Pu239": 0.30, "Pu241": 0.06}

#: 51Cr lines in MeV and branching fractions ([E6LR] Sec. 3.2), and its mean life in days.
CR51_LINES: tuple[tuple[float, float], ...] = ((0.747, 0.90), (0.427, 0.10))
CR51_MEAN_LIFE_DAYS = 27.7025 / np.log(2.0)


def _check_isotope(iso: str) -> None:
    if iso not in MUELLER_2011:
        raise ValueError(f"unknown fissile isotope {iso!r}; known: {list(REACTOR_ISOTOPES)}")


def fission_spectrum(iso: str, energy) -> np.ndarray:
    """Antineutrinos per MeV per fission of one isotope (module docstring); zero above REACTOR_E_MAX."""
    _check_isotope(iso)
    e = np.asarray(energy, dtype=float)
    high = np.exp(np.polynomial.polynomial.polyval(np.minimum(e, REACTOR_E_MAX), MUELLER_2011[iso]))
    b = VOGEL_ENGEL_1989[iso]
    join = np.exp(np.polynomial.polynomial.polyval(JOIN_MEV, MUELLER_2011[iso]))
    scale = join / np.exp(np.polynomial.polynomial.polyval(JOIN_MEV, b))
    low = scale * np.exp(np.polynomial.polynomial.polyval(e, b))
    out = np.where(e < JOIN_MEV, low, high)
    return np.where((e >= 0.0) & (e <= REACTOR_E_MAX), out, 0.0)


def fission_rate(power_gw: float, fractions: dict[str, float]) -> float:
    """Fissions per second of a reactor of thermal power P (GW) with the given fission fractions."""
    for iso in fractions:
        _check_isotope(iso)
    total = sum(fractions.values())
    if power_gw <= 0 or not np.isclose(total, 1.0, atol=1e-3):
        raise ValueError(f"need power > 0 and fission fractions summing to 1, got {power_gw} GW, sum {total}")
    mean_e = sum(f * ENERGY_PER_FISSION_MEV[i] for i, f in fractions.items())
    return power_gw * 1e9 / (mean_e * MEV_TO_JOULE)


def reactor_flux(energy, power_gw: float, baseline_m: float, fractions: dict[str, float]) -> np.ndarray:
    """nu_e-bar flux dPhi/dE in cm^-2 s^-1 MeV^-1 at ``baseline_m`` (module docstring)."""
    spec = sum(f * fission_spectrum(i, energy) for i, f in fractions.items())
    return fission_rate(power_gw, fractions) * spec / (4.0 * np.pi * (baseline_m * 100.0) ** 2)


def ibd_cross_section(energy) -> np.ndarray:
    """Inverse-beta-decay cross section at zeroth order in 1/M (Vogel & Beacom 1999), cm^2.

    sigma = 0.9524e-43 cm^2 E_e p_e / MeV^2 with E_e = E - (m_n - m_p); a check of the reactor
    normalisation against the published IBD yields per fission.
    """
    e_e = np.asarray(energy, dtype=float) - 1.29333
    m_e = 0.51099895
    p_e = np.sqrt(np.clip(e_e**2 - m_e**2, 0.0, None))
    return np.where(e_e > m_e, 0.9524e-43 * e_e * p_e, 0.0)


def cr51_mean_activity(activity_mci: float, days: float) -> float:
    """Decays per second averaged over a run of ``days`` ([E6LR] Eq. 18)."""
    if activity_mci <= 0 or days <= 0:
        raise ValueError("activity and run time must be positive")
    tau = CR51_MEAN_LIFE_DAYS
    return activity_mci * 1e6 * CURIE * tau * (1.0 - np.exp(-days / tau)) / days


def cylinder_inverse_square(radius_m: float, height_m: float, distance_m: float) -> float:
    """<1/L^2> in m^-2 over a cylinder whose axis points at the source ([E6LR] Eq. 20, module docstring)."""
    if min(radius_m, height_m) <= 0 or distance_m < 0:
        raise ValueError("cylinder radius and height must be positive, distance non-negative")

    def prim(z):
        return z * np.log1p(radius_m**2 / z**2) + 2.0 * radius_m * np.arctan(z / radius_m) if z > 0 else 0.0

    volume = np.pi * radius_m**2 * height_m
    return float(np.pi / volume * (prim(distance_m + height_m) - prim(distance_m)))


#: Solar fluxes at Earth in cm^-2 s^-1 (B16-GS98 standard solar model, Vinyoles et al., ApJ 835
#: (2017) 202): pp and 7Be, and the 7Be lines (MeV, branching).
SOLAR_PP_FLUX = 5.98e10
SOLAR_BE7_FLUX = 4.93e9
BE7_LINES: tuple[tuple[float, float], ...] = ((0.8618, 0.897), (0.3843, 0.103))
PP_ENDPOINT = 0.42341
#: nu_e survival probability at pp / 7Be energies (LMA, vacuum-dominated regime; Borexino 2018).
SOLAR_PEE = 0.55


def pp_spectrum(energy) -> np.ndarray:
    """Normalised pp neutrino spectrum (MeV^-1): the allowed beta shape without Coulomb correction,
    E^2 (W - E) sqrt((W - E)^2 - m_e^2) with W = Q + m_e the total energy shared by e+ and nu."""
    m_e = 0.51099895
    e = np.asarray(energy, dtype=float)
    w = PP_ENDPOINT + m_e
    ee = w - e
    shape = np.where((e > 0) & (e < PP_ENDPOINT), e**2 * ee * np.sqrt(np.clip(ee**2 - m_e**2, 0.0, None)), 0.0)
    grid = np.linspace(0.0, PP_ENDPOINT, 20001)
    g_ee = w - grid
    norm_shape = grid**2 * g_ee * np.sqrt(np.clip(g_ee**2 - m_e**2, 0.0, None))
    return shape / np.trapezoid(norm_shape, grid)
