"""Physical constants and nuclear data, each with its source.

Units: MeV for energies and masses, fm for lengths, ns for times unless a name says otherwise.
"""

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
#: Lepton flavour (e, mu, tau index) of each entry of FLAVOURS.
FLAVOUR_LEPTON: tuple[int, ...] = (0, 1, 1)


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
