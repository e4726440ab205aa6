"""Physical constants and nuclear data, each with its source.

Units: MeV for energies and masses, fm for lengths, ns for times unless a name says otherwise.
"""

import math
from dataclasses import dataclass

#: Fermi constant in MeV^-2 (PDG 2024, G_F/(hbar c)^3 = 1.1663788e-5 GeV^-2).
G_FERMI = 1.1663788e-11
#: hbar*c in MeV fm (CODATA 2018).
HBARC_MEV_FM = 197.3269804
#: 1 MeV^-2 expressed in cm^2: (hbar c)^2 = (197.3269804e-13 MeV cm)^2.
MEV2_TO_CM2 = (HBARC_MEV_FM * 1e-13) ** 2
#: Avogadro constant (CODATA 2018, exact).
AVOGADRO = 6.02214076e23
#: Atomic mass unit in MeV (CODATA 2018).
AMU_MEV = 931.49410242
#: Electron mass in MeV (CODATA 2018).
M_ELECTRON = 0.51099895
#: Tau mass in MeV (PDG 2024).
M_TAU = 1776.86
#: Fine-structure constant at zero momentum transfer (CODATA 2018).
ALPHA_EM = 1.0 / 137.035999084
#: Z boson mass in MeV (PDG 2024).
M_Z = 91187.6
#: sin^2 theta_W(M_Z), MS-bar (PDG 2024), used for the GUT-normalised Z' couplings of [E6LR].
SIN2_THETA_W_MZ = 0.23122
#: Reference pion-nucleon sigma term over the mean light-quark mass ([LM] Eq. 40).
SIGMA_PIN_OVER_MUD_REF = 17.3

#: Charged pion mass in MeV (PDG 2024).
M_PION = 139.57039
#: Muon mass in MeV (PDG 2024).
M_MUON = 105.6583755
#: pi+ lifetime in ns (PDG 2024: 26.033 ns).
TAU_PION_NS = 26.033
#: mu+ lifetime in ns (PDG 2024: 2.1969811 us).
TAU_MUON_NS = 2196.9811
#: Prompt nu_mu energy from pi+ -> mu+ nu_mu at rest, (m_pi^2 - m_mu^2)/(2 m_pi) ([LM] Eq. 1).
E_PROMPT = (M_PION**2 - M_MUON**2) / (2.0 * M_PION)
#: Endpoint of the delayed spectra, m_mu/2 ([LM] below Eq. 4).
E_MAX_DELAYED = M_MUON / 2.0
#: Low-energy weak mixing angle, MS-bar, sin^2 theta_W(0) = 0.23857 (PDG 2024, Erler & Su 2013).
SIN2_THETA_W_LOW_Q = 0.23857

#: Radiative-corrected neutrino-nucleon vector couplings ([LM] Eq. 12, Cadeddu et al. 2020).
GV_P_NUE = 0.0401
GV_P_NUMU = 0.0318
GV_N = -0.5094

#: Neutrino flavours in the pi-DAR beam, fixed order used by every array in the package.
FLAVOURS: tuple[str, ...] = ("nu_e", "nu_mu", "nu_mu_bar")
#: Lepton flavours, and the charged-lepton masses in MeV (the loop masses of [LM] Eq. 29).
LEPTONS: tuple[str, ...] = ("e", "mu", "tau")
LEPTON_MASSES: tuple[float, ...] = (M_ELECTRON, M_MUON, M_TAU)
#: Lepton flavour (e, mu, tau index) of every neutrino species a flavour slot can carry.
LEPTON_OF: dict[str, int] = {"nu_e": 0, "nu_mu": 1, "nu_mu_bar": 1, "nu_tau": 2}
#: Lepton flavour (e, mu, tau index) of each entry of FLAVOURS.
FLAVOUR_LEPTON: tuple[int, ...] = tuple(LEPTON_OF[f] for f in FLAVOURS)
#: The flavour slots of a solar source at Earth: nu_e, nu_mu, nu_tau (no anti-neutrinos).
SOLAR_FLAVOURS: tuple[str, ...] = ("nu_e", "nu_mu", "nu_tau")


@dataclass(frozen=True)
class Isotope:
    """A target nucleus.

    ``mass`` is the nuclear mass in MeV (atomic mass minus Z electron masses; electron
    binding neglected). ``rp`` is the proton rms radius ([LM] Eq. 13) and ``rn`` the default
    neutron rms radius ([LM] Eq. 14, Hoferichter et al. 2020 shell-model skins), both in fm.
    ``rn_param`` names the model-card parameter that overrides ``rn``.
    """

    name: str
    Z: int
    N: int
    atomic_mass_u: float
    rp: float
    rn: float
    rn_param: str

    @property
    def A(self) -> int:
        return self.Z + self.N

    @property
    def mass(self) -> float:
        return self.atomic_mass_u * AMU_MEV - self.Z * M_ELECTRON


#: Isotopes used by the COHERENT analyses. Atomic masses from AME2020.
ISOTOPES: dict[str, Isotope] = {
    "Cs133": Isotope("Cs133", 55, 78, 132.905451961, 4.821, 5.09, "rn_cs"),
    "I127": Isotope("I127", 53, 74, 126.904473, 4.766, 5.03, "rn_i"),
    "Ar40": Isotope("Ar40", 18, 22, 39.9623831237, 3.448, 3.55, "rn_ar"),
    # Minor natural argon isotopes (optional); radii taken equal to Ar40's ([LM] gives only Ar).
    "Ar38": Isotope("Ar38", 18, 20, 37.96273211, 3.448, 3.55, "rn_ar"),
    "Ar36": Isotope("Ar36", 18, 18, 35.967545105, 3.448, 3.55, "rn_ar"),
}

#: Natural argon isotopic abundances (IUPAC 2013, atom fractions).
NATURAL_ARGON = {"Ar40": 0.996035, "Ar38": 0.000629, "Ar36": 0.003336}


def _lewin_smith_rms(a: int) -> float:
    """rms radius (fm) of the Lewin-Smith Helm parametrisation, c = 1.23 A^(1/3) - 0.60, a = 0.52, s = 0.9.

    Used for the nuclei of the projected detectors, which have no measured neutron radius in
    the source papers: R_p = R_n is assumed (no skin); the rms follows from the Helm relation
    R^2 = 3/5 R_0^2 + 3 s^2 with R_0^2 = c^2 + 7/3 pi^2 a^2 - 5 s^2 (Lewin & Smith 1996).
    """
    c, aa, s = 1.23 * a ** (1.0 / 3.0) - 0.60, 0.52, 0.9
    r0_sq = c**2 + 7.0 / 3.0 * math.pi**2 * aa**2 - 5.0 * s**2
    return math.sqrt(3.0 / 5.0 * r0_sq + 3.0 * s**2)


def _natural(symbol: str, z: int, isotopes: dict[int, tuple[float, float]]) -> dict[str, tuple[Isotope, float]]:
    """Isotopes of a natural element: {name: (Isotope, atom fraction)} (R_p = R_n, Lewin-Smith)."""
    out = {}
    for a, (mass_u, frac) in isotopes.items():
        r = _lewin_smith_rms(a)
        out[f"{symbol}{a}"] = (Isotope(f"{symbol}{a}", z, a - z, mass_u, r, r, f"rn_{symbol.lower()}"), frac)
    return out


#: Natural isotopic compositions of the projected-detector targets ([E6LR] Table 2): atomic
#: masses (u, AME2020) and atom fractions (IUPAC 2013), minor isotopes below 0.5% dropped and
#: the rest renormalised by :func:`element_isotopes`.
NATURAL_ELEMENTS: dict[str, dict[str, tuple[Isotope, float]]] = {
    "Ge": _natural("Ge", 32, {70: (69.92425, 0.2057), 72: (71.922076, 0.2745), 73: (72.923459, 0.0775),
                              74: (73.921178, 0.3650), 76: (75.921403, 0.0773)}),
    "Si": _natural("Si", 14, {28: (27.976927, 0.92223), 29: (28.976495, 0.04685), 30: (29.973770, 0.03092)}),
    "Na": _natural("Na", 11, {23: (22.989769, 1.0)}),
    "Xe": _natural("Xe", 54, {128: (127.903531, 0.0191), 129: (128.904780, 0.2640), 130: (129.903509, 0.0407),
                              131: (130.905084, 0.2123), 132: (131.904155, 0.2691), 134: (133.905395, 0.1044),
                              136: (135.907214, 0.0886)}),
    "Zn": _natural("Zn", 30, {64: (63.929142, 0.4917), 66: (65.926034, 0.2773), 67: (66.927128, 0.0404),
                              68: (67.924845, 0.1845), 70: (69.925319, 0.0061)}),
    "Ca": _natural("Ca", 20, {40: (39.962591, 0.96941), 44: (43.955482, 0.02086)}),
    "W": _natural("W", 74, {182: (181.948204, 0.2650), 183: (182.950223, 0.1431), 184: (183.950931, 0.3064),
                            186: (185.954364, 0.2843)}),
    "O": _natural("O", 8, {16: (15.994915, 1.0)}),
}
for _iso, _ in (v for el in NATURAL_ELEMENTS.values() for v in el.values()):
    ISOTOPES.setdefault(_iso.name, _iso)
NATURAL_ELEMENTS["Cs"] = {"Cs133": (ISOTOPES["Cs133"], 1.0)}
NATURAL_ELEMENTS["I"] = {"I127": (ISOTOPES["I127"], 1.0)}
NATURAL_ELEMENTS["Ar"] = {k: (ISOTOPES[k], f) for k, f in NATURAL_ARGON.items()}


def element_isotopes(symbol: str) -> list[tuple[Isotope, float]]:
    """(Isotope, atom fraction) of a natural element, fractions renormalised to one."""
    try:
        table = NATURAL_ELEMENTS[symbol]
    except KeyError:
        raise ValueError(f"unknown element {symbol!r}; known: {sorted(NATURAL_ELEMENTS)}") from None
    total = sum(f for _, f in table.values())
    return [(iso, f / total) for iso, f in table.values()]


#: Standard atomic weights (g/mol, IUPAC 2021) of the target elements, for target counts per kg.
ATOMIC_WEIGHTS: dict[str, float] = {"Ge": 72.630, "Si": 28.085, "Na": 22.98977, "I": 126.90447, "Cs": 132.90545,
                                     "Xe": 131.293, "Ar": 39.95, "Zn": 65.38, "Ca": 40.078, "W": 183.84, "O": 15.999}

#: Radiative-corrected nu_mu-e effective couplings at low energy, g_V^{nu e} = -0.0397 and
#: g_A^{nu e} = -0.5064 (PDG 2024, "Electroweak model and constraints on new physics", Table 10.3,
#: SM values). nu_e adds the charged-current +1 to both ([E6LR] Eqs. 6-7).
GV_NU_E = -0.0397
GA_NU_E = -0.5064

#: Reactor: mean energy released per fission in MeV (Ma et al., PRC 88 (2013) 014605), isotopes
#: in the order of REACTOR_ISOTOPES.
REACTOR_ISOTOPES: tuple[str, ...] = ("U235", "U238", "Pu239", "Pu241")
ENERGY_PER_FISSION_MEV: dict[str, float] = {"U235": 202.36, "U238": 205.99, "Pu239": 211.12, "Pu241": 214.26}
#: 1 MeV in joule (CODATA 2018).
MEV_TO_JOULE = 1.602176634e-13
#: 1 curie in decays per second (exact).
CURIE = 3.7e10
