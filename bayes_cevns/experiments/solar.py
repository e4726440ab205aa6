"""Solar 8B and hep neutrinos at Earth from the vendored tables in ``data/solar_spectra/``.

* 8B shape: Winter et al., Phys. Rev. C 73, 025503 (2006), as transcribed in PEANUTS
  (``8B_shape_Winter_et_al.csv``): lambda(E) per 1000 per MeV on 0-15.5 MeV in 0.1 MeV steps.
  The file's last row "20.00, 0.000, 0.000" is an end sentinel added by the transcription, not a
  value of the paper, and is dropped (interpolating to it would invent a 15.5-20 MeV tail); the
  spectrum ends at 15.5 MeV, where lambda = 0.014, i.e. the cut discards < 1e-5 of the flux.
  The third (uncertainty) column is not used.
* hep shape: Bahcall, Phys. Rev. C 56, 3391 (1997) (``hep_shape.csv``), 1000 rows to 18.784 MeV.
* fluxes: B16 standard solar models (Vinyoles et al., ApJ 835, 202 (2017), ``fluxes_b16.dat``),
  GS98 column: 8B 5.46e6 cm^-2 s^-1 (+-12%), hep 7.98e3 cm^-2 s^-1 (+-30%).

Both shapes are linear between the tabulated points and renormalised to one by that trapezoid rule.
Flavour content through the MSW-LMA survival probability of :mod:`bayes_cevns.physics.solar`. The
flux moments are taken on a grid ``REFINE`` times finer than the table (the shape interpolated
linearly, P_ee evaluated on it): the cumulative trapezoids of
:func:`~bayes_cevns.physics.flux.numeric_moments` are then exact to ~1e-5 also near the endpoint,
where K = A - (M T / 2) B is a small difference (on the table nodes alone it is 1% low at 3 keV).
"""

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from bayes_cevns.experiments.base import Nuisance
from bayes_cevns.experiments.data import DataIntegrityError, data_dir
from bayes_cevns.experiments.release_manifest import release_file, release_file_checksums
from bayes_cevns.physics.flux import Moments, numeric_moments
from bayes_cevns.physics.solar import N_E_B8, N_E_HEP, flavour_spectra

RELEASE = "solar_spectra"
#: rows of ``fluxes_b16.dat`` (as read by PEANUTS, peanuts/solar.py) and their units in cm^-2 s^-1
FLUX_ROWS = ("pp", "pep", "hep", "7Be", "8B", "13N", "15O", "17F")
FLUX_UNITS = {"pp": 1e10, "pep": 1e8, "hep": 1e3, "7Be": 1e9, "8B": 1e6, "13N": 1e8, "15O": 1e8, "17F": 1e6}
#: last energy (MeV) of the Winter et al. table; the row after it is the transcription's sentinel
WINTER_LAST_MEV = 15.5
#: sub-intervals per table interval of the grid on which the flux moments are integrated
REFINE = 10
#: SNO's combined measurement of the 8B flux through the neutral current (all flavours), Aharmim et
#: al., Phys. Rev. C 88, 025501 (2013): 5.25 +- 0.16 (stat) +0.11 -0.13 (syst) 1e6 cm^-2 s^-1; the
#: systematic part is symmetrised to 0.12, total 0.20 (3.81%, the width XENONnT's alea model gives its
#: b8_rate_multiplier, light_wimp_data_release@a09cd8f, data/statistical_model_base.yaml)
SNO_NC_B8 = (5.25e6, 0.20e6)
#: choices of the solar-flux prior of the solar experiments (``flux_prior`` option)
FLUX_PRIORS = ("b16", "sno_nc", "none")
#: name of the one relative 8B flux nuisance shared by every solar experiment
B8_FLUX_NUISANCE = "solar_b8_flux"


@dataclass(frozen=True, eq=False)
class SolarSource:
    """One solar neutrino source: dN/dE per neutrino (MeV^-1) on ``energy`` (MeV), flux at Earth
    (cm^-2 s^-1) with its relative 1 sigma, and the production-region electron density (N_A cm^-3)."""

    name: str
    energy: np.ndarray
    shape: np.ndarray
    flux: float
    flux_sigma: float
    n_e: float

    @cached_property
    def fine_energy(self) -> np.ndarray:
        """The table's energies with ``REFINE`` equal sub-intervals per interval (MeV)."""
        e = self.energy
        u = np.arange(REFINE) / REFINE
        return np.concatenate([(e[:-1, None] + np.diff(e)[:, None] * u[None, :]).ravel(), e[-1:]])

    def flavour_flux(self) -> np.ndarray:
        """(3, n) differential flux per flavour slot (e, mu, 0) on ``fine_energy``, cm^-2 s^-1 MeV^-1."""
        fine = self.fine_energy
        return self.flux * flavour_spectra(fine, np.interp(fine, self.energy, self.shape), self.n_e)

    def moments(self, emin: np.ndarray) -> Moments:
        """Flux moments A, B, C (per flavour slot) above the threshold energies ``emin`` (MeV)."""
        return numeric_moments(self.fine_energy, self._flux_table, emin)

    @cached_property
    def _flux_table(self) -> np.ndarray:
        return self.flavour_flux()

    @property
    def endpoint(self) -> float:
        """Highest energy with a non-zero spectrum (MeV)."""
        return float(self.energy[np.flatnonzero(self.shape > 0)[-1]])


def _table(name: str, ncols: int) -> np.ndarray:
    path = release_file(RELEASE, name)
    try:
        arr = np.loadtxt(path, comments="#", delimiter="," if name.endswith(".csv") else None, ndmin=2)
    except ValueError:
        raise DataIntegrityError(f"data file {path} is malformed: not a numeric table") from None
    if arr.shape[1] != ncols or not np.all(np.isfinite(arr)) or np.any(arr[:, :2] < 0):
        raise DataIntegrityError(f"data file {path} is malformed: expected {ncols} finite columns")
    return arr


def _normalised(energy: np.ndarray, values: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    if np.any(np.diff(energy) <= 0):
        raise DataIntegrityError(f"solar spectrum {name}: energies are not ascending")
    shape = values / np.trapezoid(values, energy)
    keep = energy > 0  # the moments need E > 0; the spectrum vanishes at E = 0
    return energy[keep], shape[keep]


def b16_fluxes() -> dict[str, tuple[float, float]]:
    """GS98 fluxes (cm^-2 s^-1) and relative 1 sigma of the B16 table, by source."""
    return _b16_fluxes(data_dir())


def boron8() -> SolarSource:
    """The 8B source (Winter et al. shape, B16-GS98 flux)."""
    return _boron8(data_dir())


def hep() -> SolarSource:
    """The hep source (Bahcall 1997 shape, B16-GS98 flux)."""
    return _hep(data_dir())


def b8_flux_nuisance(prior: str) -> Nuisance | None:
    """The shared relative 8B-flux nuisance (in units of the B16-GS98 flux) for a ``FLUX_PRIORS`` choice.

    ``b16``: mean 1, the SSM's 12%; ``sno_nc``: SNO's measurement (``SNO_NC_B8``), mean 5.25 / 5.46 =
    0.962, width 3.7%; ``none``: no nuisance (the flux held at B16, as when it is what is measured)."""
    if prior not in FLUX_PRIORS:
        raise ValueError(f"unknown solar flux prior {prior!r}; choose one of {FLUX_PRIORS}")
    if prior == "none":
        return None
    b16 = boron8()
    mu, sigma = (1.0, b16.flux_sigma) if prior == "b16" else (SNO_NC_B8[0] / b16.flux, SNO_NC_B8[1] / b16.flux)
    what = "B16-GS98 12%" if prior == "b16" else "SNO NC, PRC 88, 025501"
    return Nuisance(B8_FLUX_NUISANCE, mu, sigma, f"solar 8B flux / B16 ({what})", lower=0.0, role="flux",
                    shared=True)


@lru_cache(maxsize=2)
def _b16_fluxes(root: Path) -> dict[str, tuple[float, float]]:
    arr = _table("fluxes_b16.dat", 4)
    if arr.shape[0] != len(FLUX_ROWS):
        raise DataIntegrityError(f"fluxes_b16.dat has {arr.shape[0]} rows, expected {len(FLUX_ROWS)}")
    return {k: (float(row[0]) * FLUX_UNITS[k], float(row[1])) for k, row in zip(FLUX_ROWS, arr)}


@lru_cache(maxsize=2)
def _boron8(root: Path) -> SolarSource:
    arr = _table("8B_shape_Winter_et_al.csv", 3)
    rows = arr[arr[:, 0] <= WINTER_LAST_MEV + 1e-9]
    if arr.shape[0] - rows.shape[0] != 1 or np.any(arr[-1, 1:] != 0):
        raise DataIntegrityError("8B_shape_Winter_et_al.csv: expected one zero end row after 15.5 MeV")
    energy, shape = _normalised(rows[:, 0], rows[:, 1], "8B")
    flux, sigma = _b16_fluxes(root)["8B"]
    return SolarSource("8B", energy, shape, flux, sigma, N_E_B8)


@lru_cache(maxsize=2)
def _hep(root: Path) -> SolarSource:
    arr = _table("hep_shape.csv", 2)
    energy, shape = _normalised(arr[:, 0], arr[:, 1], "hep")
    flux, sigma = _b16_fluxes(root)["hep"]
    return SolarSource("hep", energy, shape, flux, sigma, N_E_HEP)


def checksums() -> dict[str, str]:
    """Checksums of the vendored solar tables (for result provenance)."""
    return release_file_checksums(RELEASE)
