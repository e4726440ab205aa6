"""Rate weights of a projected experiment: every parameter-independent factor, precomputed in NumPy.

A row of the setup table (:mod:`bayes_cevns.experiments.projected_setups`) becomes a
:class:`Projection` whose expected counts are a small contraction with the squared weak charge
(CEvNS) or with the electron couplings g_L^2, g_R^2, g_L g_R (neutrino-electron scattering),
exactly the factorisation of the COHERENT modules:

* CEvNS ([E6LR] Eq. 16): counts = sum_iso sum_f W_{iso,f}(T_k) |Q_f(T_k)|^2, with
  W = N_iso * exposure * (G_F^2 M / pi) K_f(T) * eff(T) * w_k and K_f the folded flux moment of
  the source (pi-DAR for the SNS, :func:`~bayes_cevns.physics.sources.reactor_flux` otherwise).
* nu-e ([E6LR] Eqs. 6, 19): counts_b = N_e * exposure * (2 G_F^2 m_e / pi)
  sum_k w_bk [g_L^2 A(T_k) + g_R^2 (A - 2 T C + T^2 B) - g_L g_R m_e T B] (L and R swapped for
  antineutrinos), A, B, C the moments int phi E^{0,-2,-1} dE above E_min(T).

:mod:`bayes_cevns.experiments.projected_release` turns a projection into an Experiment.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bayes_cevns.experiments.projected_setups import Setup, get_setup, setup_table
from bayes_cevns.physics import nu_electron
from bayes_cevns.physics.atomic import stepping_fraction
from bayes_cevns.physics.constants import (
    ATOMIC_WEIGHTS,
    AVOGADRO,
    E_MAX_DELAYED,
    G_FERMI,
    M_ELECTRON,
    MEV2_TO_CM2,
    Isotope,
    element_isotopes,
)
from bayes_cevns.physics.flux import flux_moments, folded_kernel, line_moments, numeric_moments
from bayes_cevns.physics.kinematics import Kinematics
from bayes_cevns.physics.sources import (
    BE7_LINES,
    COMMERCIAL_FRACTIONS,
    CR51_LINES,
    PP_ENDPOINT,
    REACTOR_E_MAX,
    SOLAR_BE7_FLUX,
    SOLAR_PEE,
    SOLAR_PP_FLUX,
    cr51_mean_activity,
    cylinder_inverse_square,
    pp_spectrum,
    reactor_flux,
)

SECONDS_PER_DAY = 86400.0
#: recoil nodes per experiment (log-spaced, trapezoid weights) and per nu-e bin
N_NODES = 240
NODES_PER_BIN = 6


def atoms_per_kg(target: dict[str, float]) -> dict[str, float]:
    """Atoms of each element per kg of a compound with the given stoichiometry."""
    molar = sum(n * ATOMIC_WEIGHTS[el] for el, n in target.items())
    return {el: n * AVOGADRO * 1000.0 / molar for el, n in target.items()}


def csi_2017_acceptance(recoil_kev: np.ndarray) -> np.ndarray:
    """COHERENT 2017 CsI acceptance vs nuclear recoil (arXiv:1804.09459).

    eps(x) = a / (1 + exp(-k (x - x0))) for x >= 5 PE, a = 0.6655, k = 0.4942, x0 = 10.8507, with
    x = 1.17 PE per keV of nuclear recoil (13.348 PE/keVee times the 8.78% quenching factor).
    """
    x = 1.17 * np.asarray(recoil_kev, dtype=float)
    return np.where(x >= 5.0, 0.6655 / (1.0 + np.exp(-0.4942 * (x - 10.8507))), 0.0)


@dataclass(frozen=True, eq=False)
class CevnsBlock:
    """Rate weights of one isotope: counts = sum_{f,k} weights[f, k] |Q_f(T_k)|^2."""

    kinematics: Kinematics
    weights: np.ndarray


@dataclass(frozen=True, eq=False)
class NueBlock:
    """Rate weights of one neutrino species: counts_b = sum_k (wa g_L^2 + wb g_R^2 - wc g_L g_R)[b, k]."""

    species: str
    t: np.ndarray
    wa: np.ndarray
    wb: np.ndarray
    wc: np.ndarray


@dataclass(frozen=True, eq=False)
class Projection:
    """The rate weights of one setup row, with its analysis bin edges (keV)."""

    setup: Setup
    bin_edges_kev: np.ndarray
    cevns: tuple[CevnsBlock, ...] = ()
    nue: tuple[NueBlock, ...] = ()

    @property
    def name(self) -> str:
        return self.setup.name


def _log_grid(lo: float, hi: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Log-spaced nodes on [lo, hi] and their trapezoid weights (MeV)."""
    t = np.geomspace(lo, hi, n)
    w = np.zeros(n)
    d = np.diff(t)
    w[:-1] += 0.5 * d
    w[1:] += 0.5 * d
    return t, w


def _efficiency(setup: Setup, t_mev: np.ndarray) -> np.ndarray:
    if setup.efficiency == "coherent_csi_2017":
        return csi_2017_acceptance(t_mev * 1e3)
    if isinstance(setup.efficiency, str):
        raise ValueError(f"experiment {setup.name}: unknown efficiency {setup.efficiency!r}")
    return np.full_like(t_mev, float(setup.efficiency))


def _seconds(setup: Setup) -> float:
    return setup.exposure_days * SECONDS_PER_DAY


def _reactor_grid(setup: Setup) -> tuple[np.ndarray, np.ndarray]:
    energy = np.linspace(1e-3, REACTOR_E_MAX, 4000)
    fractions = setup.extra.get("fractions", COMMERCIAL_FRACTIONS)
    return energy, reactor_flux(energy, setup.extra["power_gw"], setup.baseline_m, fractions)


def _sns_fluence_per_flavour(setup: Setup, table: dict) -> float:
    sns = table["sns"]
    pot = setup.extra.get("pot", sns["pot_per_year"] * setup.exposure_days / 365.25)
    return sns["nu_per_flavour_per_pot"] * pot / (4.0 * np.pi * (setup.baseline_m * 100.0) ** 2)


def _cevns_blocks(setup: Setup) -> tuple[tuple[CevnsBlock, ...], float, float]:
    isotopes: list[tuple[Isotope, float]] = []
    for target, mass in setup.components:
        for el, n_atoms in atoms_per_kg(target).items():
            isotopes += [(iso, frac * n_atoms * mass) for iso, frac in element_isotopes(el)]
    if setup.source == "sns":
        e_max = E_MAX_DELAYED
        scale = _sns_fluence_per_flavour(setup, setup_table())
    elif setup.source == "reactor":
        energy, phi = _reactor_grid(setup)
        e_max = REACTOR_E_MAX
        scale = _seconds(setup)
    else:
        raise ValueError(f"experiment {setup.name}: CEvNS from source {setup.source!r} is not modelled")
    t_lo = setup.threshold_kev * 1e-3
    t_hi_all = max(2.0 * e_max**2 / iso.mass for iso, _ in isotopes)
    t_hi = t_hi_all if setup.recoil_max_kev is None else setup.recoil_max_kev * 1e-3
    blocks = []
    for iso, n_targets in isotopes:
        t, w = _log_grid(t_lo, min(t_hi, 2.0 * e_max**2 / iso.mass), N_NODES)
        if setup.source == "sns":
            moments = flux_moments(t, iso.mass)
        else:
            zero = np.zeros_like(phi)
            moments = numeric_moments(energy, np.stack([phi, zero, zero]), np.sqrt(iso.mass * t / 2.0))
        kin = Kinematics.from_moments(iso, t, moments)
        kern = folded_kernel(t, iso.mass, moments)
        weights = (n_targets * scale * G_FERMI**2 * iso.mass / np.pi * MEV2_TO_CM2
                   * kern * (w * _efficiency(setup, t))[None, :])
        blocks.append(CevnsBlock(kin, weights))
    return tuple(blocks), t_lo, t_hi


def electrons(setup: Setup) -> float:
    """Electrons in the target: Z per atom, or from the cylinder volume and density for 51Cr."""
    total = 0.0
    for target, mass in setup.components:
        if setup.source == "cr51":
            cyl = setup.extra["cylinder"]
            mass = np.pi * cyl["radius_m"] ** 2 * cyl["height_m"] * 1e6 * setup.extra["density_g_cm3"] / 1000.0
        for el, n in atoms_per_kg(target).items():
            z = element_isotopes(el)[0][0].Z
            total += z * n * mass
    return total


def _solar_moments(emin: np.ndarray):
    energy = np.linspace(1e-4, PP_ENDPOINT, 3000)
    pp = numeric_moments(energy, SOLAR_PP_FLUX * pp_spectrum(energy)[None, :], emin)
    be = line_moments(BE7_LINES, emin)
    return tuple(a + SOLAR_BE7_FLUX * b for a, b in zip(pp, be))


def _nue_source(setup: Setup):
    """(species with weights, fluence factor, highest energy, moments(emin)) of the nu-e source."""
    if setup.source == "reactor":
        energy, phi = _reactor_grid(setup)
        return ((("nu_e_bar", 1.0),), _seconds(setup), REACTOR_E_MAX,
                lambda emin: numeric_moments(energy, phi[None, :], emin))
    if setup.source == "cr51":
        cyl = setup.extra["cylinder"]
        inv_l2 = cylinder_inverse_square(cyl["radius_m"], cyl["height_m"], cyl["distance_m"]) * 1e-4
        fluence = cr51_mean_activity(setup.extra["activity_mci"], setup.exposure_days) * inv_l2 / (4.0 * np.pi)
        return ((("nu_e", 1.0),), fluence * _seconds(setup), max(e for e, _ in CR51_LINES),
                lambda emin: line_moments(CR51_LINES, emin))
    if setup.source == "solar":
        # nu_e survive with P_ee; the rest arrive as nu_mu/nu_tau, which scatter alike (NC only)
        return ((("nu_e", SOLAR_PEE), ("nu_mu", 1.0 - SOLAR_PEE)), _seconds(setup),
                max(e for e, _ in BE7_LINES), _solar_moments)
    raise ValueError(f"experiment {setup.name}: nu-e scattering from source {setup.source!r} is not modelled")


def _nue_blocks(setup: Setup) -> tuple[tuple[NueBlock, ...], np.ndarray]:
    species, fluence, e_top, moments = _nue_source(setup)
    t_lo = setup.threshold_kev * 1e-3
    t_hi = float(nu_electron.t_max(e_top)) if setup.recoil_max_kev is None else setup.recoil_max_kev * 1e-3
    edges = np.linspace(t_lo, t_hi, setup.bins + 1)
    x, gw = np.polynomial.legendre.leggauss(NODES_PER_BIN)
    half = 0.5 * np.diff(edges)
    t = ((edges[:-1] + half)[:, None] + half[:, None] * x[None, :]).ravel()
    w = (half[:, None] * gw[None, :]).ravel()
    select = np.kron(np.eye(setup.bins), np.ones(NODES_PER_BIN))
    a, b, c = (m[0] for m in moments(nu_electron.e_min(t)))
    binding = np.ones_like(t)
    if setup.atomic_binding:
        (target, _), = setup.components
        (element,) = target
        binding = stepping_fraction(element, t * 1e3)
    pref = electrons(setup) * fluence * 2.0 * G_FERMI**2 * M_ELECTRON / np.pi * MEV2_TO_CM2
    base = pref * select * (w * _efficiency(setup, t) * binding)[None, :]
    blocks = []
    for name, weight in species:
        wa, wb, wc = weight * base * a, weight * base * (a - 2.0 * t * c + t**2 * b), weight * base * M_ELECTRON * t * b
        if nu_electron.species(name)[1]:
            wa, wb = wb, wa
        blocks.append(NueBlock(name, t, wa, wb, wc))
    return tuple(blocks), edges * 1e3


@lru_cache(maxsize=32)
def load_projection(name: str) -> Projection:
    """The precomputed projection of the table row ``name``."""
    setup = get_setup(name)
    if setup.channel == "cevns":
        blocks, lo, hi = _cevns_blocks(setup)
        return Projection(setup, np.array([lo, hi]) * 1e3, cevns=blocks)
    blocks, edges = _nue_blocks(setup)
    return Projection(setup, edges, nue=blocks)
