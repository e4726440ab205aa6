"""XENONnT solar-8B CEvNS search, science runs SR0, SR1 and SR2 (data release 2026).

Release: ``XENONnT/cevns_data_release@60d230dd`` (CC-BY-4.0; SR0+SR1 in PRL 133, 191002 (2024),
arXiv:2408.02877, and PRL 134, 111802 (2025); SR0-SR2 in arXiv:2604.06002), converted by
``analyses/convert_xenonnt.py`` into ``data/xenonnt_8b_2026/xenonnt_8b_templates.npz``.

Analysis space: 3^4 = 81 bins of (cS2, S2 shadow quantile, S1 BDT, S2 BDT) per run, flattened in C
order (``energy`` axis of the experiment: the bin index), one time bin. Extended binned Poisson
likelihood (the release's "extended binned likelihood").

Signal: CEvNS of solar 8B and hep neutrinos (:mod:`bayes_cevns.experiments.solar`, B16-GS98
fluxes 5.46e6 and 7.98e3 cm^-2 s^-1) on natural xenon (the seven isotopes of
:data:`~bayes_cevns.physics.constants.NATURAL_ELEMENTS`, Xe-124/126 (0.18%) dropped and the rest
renormalised), in the slots nu_e, nu_mu, nu_tau with weights P_ee(E), (1 - P_ee) cos^2 theta_23,
(1 - P_ee) sin^2 theta_23 (:mod:`bayes_cevns.physics.solar`; [LM] Eqs. 4, 10 with the solar moments
of :mod:`bayes_cevns.physics.flux`):

    N[e] = sum_k eff_k[e](tly, tqy) sum_{i,f} W[i, f, k] Q_f^2(T_k),
    W[i, f, k] = N_i t (G_F^2 M_i / pi) int K_{i,f}(T) h_k(T) dT,

on the K = 46 recoil nodes T_k = 0.5, 0.6, ..., 5.0 keV of the mono-energetic templates, where eff_k
is the release's detection efficiency of a recoil T_k per bin, N_i t the targets x live seconds
(exposure in t y x 1e6 g / 131.293 g/mol x N_A x 365.25 d), K the flux-folded kernel and h_k the
hat function of node k: the efficiency is taken *linear in T between the mono energies* and the
integral of the kernel against it is done with 16 Gauss-Legendre points per 0.1 keV segment; only
Q^2(T), smooth on 0.1 keV, is sampled at the nodes (agreement with a 0.002 keV quadrature that
samples Q^2 everywhere: 3e-4 per bin, tested). Recoils below 0.5 keV are not counted (the
efficiency falls to 1.3e-4 at 0.5 keV; the collaboration's fast templates also truncate at 0.51
keV); none are needed above 5 keV for 8B, whose recoils end at 2 E^2/M = 4.0 keV (E = 15.5 MeV,
Xe-128); hep neutrinos give 1.5% of the signal, and their tail above 5 keV (to 5.9 keV), dropped,
< 1e-5 of it.

Nuisances, as in the XENONnT alea statistical model of the same SR0+SR1 data and templates
(``XENONnT/light_wimp_data_release@a09cd8f:light_wimp_data_release/data/statistical_model_base.yaml``,
which takes its exposures from the 8B discovery model), shared between the science runs where that
model shares them (declared ``shared``: one random variable in a fit of several runs):

* ``xe_tly``, ``xe_tqy`` (shared): light- and charge-yield parameters, standard normal truncated to the
  grid [-3, 3] (that the grid values are in standard deviations is stated there, not in this
  release; to verify). Signal efficiency and neutron template are interpolated bilinearly on the
  7 x 7 grid.
* ``xe_eff`` (shared): signal efficiency, relative 25% (the alea model's ``signal_efficiency``).
* background norms: ``xe_er_norm`` 100% and ``xe_rg_norm`` (neutrons) 58%, shared; AC per run,
  ``xe0_ac_norm`` 9.04%, ``xe1_ac_norm`` 5.76%; SR2's AC uncertainty is not in that model and is
  taken as SR1's (an assumption).
* ``solar_b8_flux`` (shared with every solar experiment): the 8B flux in units of B16, prior by the
  ``flux_prior`` option (:func:`~bayes_cevns.experiments.solar.b8_flux_nuisance`): B16-GS98 12%
  (default), SNO's NC measurement 5.25 +- 0.20 (the alea model's 3.81%), or none. It multiplies the
  whole solar signal (hep too). The ``b8_flux`` card, whose free ``phi_b8`` is this flux, holds it
  at nominal (card key ``replaces_nuisances``).

Flux-weighted cross section (``xsec_weights``): the count-equivalent one of
:func:`~bayes_cevns.model.forward.count_equivalent_xsec`, with the SM reference averaged over the 8B
flux alone, every recoil from 0 to T_max (Q^2 linear in T between the nodes and extrapolated
linearly from the first two below 0.5 keV), per Xe nucleus at natural abundance.

SM expectation (B16 flux): 3.61, 6.66, 8.04 events in SR0, SR1, SR2, i.e. 15% and 13% below the
collaboration's own 2024 8B templates of SR0 and SR1 (``COLLAB_B8_TEMPLATE_PER_T_Y``, 4.25 and 7.67
events): this release's nominal mono-energetic efficiencies are lower at 1-2 keV than the 2024
response (see ``data/xenonnt_8b_2026/PROVENANCE.md``).
"""

from functools import lru_cache
from pathlib import Path

import numpy as np

from bayes_cevns.experiments.base import Background, Experiment, Morph, Nuisance, TimeTable
from bayes_cevns.experiments.data import DataIntegrityError, data_dir
from bayes_cevns.experiments.grid import GridMorph, GridResponse
from bayes_cevns.experiments.registry import register
from bayes_cevns.experiments.release_manifest import release_file, release_file_checksums
from bayes_cevns.experiments.solar import SolarSource, b8_flux_nuisance, boron8, checksums as solar_checksums, hep
from bayes_cevns.physics.constants import (ATOMIC_WEIGHTS, AVOGADRO, G_FERMI, MEV2_TO_CM2, SOLAR_FLAVOURS,
                                           Isotope, element_isotopes)
from bayes_cevns.physics.flux import e_min, folded_kernel
from bayes_cevns.physics.kinematics import Kinematics

RELEASE = "xenonnt_8b_2026"
ARCHIVE = "xenonnt_8b_templates.npz"
RUNS = ("sr0", "sr1", "sr2")
SECONDS_PER_YEAR = 365.25 * 86400.0
GAUSS_POINTS = 16
#: relative background-norm priors (alea model above; SR2's AC: SR1's, assumed)
AC_SIGMA = {"sr0": 0.0904, "sr1": 0.0576, "sr2": 0.0576}
ER_SIGMA = 1.0
NEUTRON_SIGMA = 0.58
SIGNAL_EFFICIENCY_SIGMA = 0.25
#: loader options a user may set (``--data-option``)
OPTIONS = ("flux_prior", "efficiency_sigma", "background_sigma_scale")
#: prefix of the nuisances the science runs share (one detector)
SHARED_PREFIX = "xe"
#: published numbers (to verify): PRL 133, 191002 (SR0+SR1), and the collaboration's own 8B
#: CEvNS templates of the same runs (light_wimp_data_release@a09cd8f, data/b8/*_tly_0.0_tqy_0.0.h5)
REFERENCE = {
    "b8_flux_sr0_sr1_1e6": 4.7, "b8_flux_sr0_sr1_up": 3.6, "b8_flux_sr0_sr1_down": 2.3,
    "observed_sr0_sr1": 37.0, "background_sr0_sr1": 26.4,
    "xsec_sr0_sr1_1e39cm2": 1.1, "xsec_sr0_sr1_up": 0.8, "xsec_sr0_sr1_down": 0.5,
}
COLLAB_B8_TEMPLATE_PER_T_Y = {"sr0": 3.61540, "sr1": 3.27423}


def _check(arrays: dict, path: Path) -> None:
    k, g = arrays["mono_energy_kev"].size, arrays["tly"].size
    for sr in RUNS:
        shapes = {f"{sr}_observed": (81,), f"{sr}_ac": (81,), f"{sr}_er": (81,), f"{sr}_rg": (g, g, 81),
                  f"{sr}_mono": (k, g, g, 81), f"{sr}_edges": (4, 4), f"{sr}_exposure_t_y": ()}
        for name, shape in shapes.items():
            if name not in arrays or arrays[name].shape != shape or not np.all(np.isfinite(arrays[name])):
                raise DataIntegrityError(f"data file {path} is malformed: {name} is missing or not finite {shape}")


@lru_cache(maxsize=2)
def _archive(root: Path) -> dict[str, np.ndarray]:
    path = release_file(RELEASE, ARCHIVE)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, KeyError) as err:
        raise DataIntegrityError(f"data file {path} cannot be read as an npz archive ({err})") from None
    _check(arrays, path)
    return arrays


def archive() -> dict[str, np.ndarray]:
    """Every array of the converted release (checked against its manifest once per data folder)."""
    return _archive(data_dir())


def xenon_targets() -> list[tuple[Isotope, float]]:
    """(isotope, nuclei per tonne) of natural xenon."""
    per_tonne = 1e6 / ATOMIC_WEIGHTS["Xe"] * AVOGADRO
    return [(iso, frac * per_tonne) for iso, frac in element_isotopes("Xe")]


def hat_weights(nodes_mev: np.ndarray, kernel, n_points: int = GAUSS_POINTS) -> np.ndarray:
    """int kernel(T) h_k(T) dT for the hat functions h_k of the nodes (linear interpolation).

    ``kernel(t)`` returns an array (..., len(t)); Gauss-Legendre with ``n_points`` per segment.
    """
    x, w = np.polynomial.legendre.leggauss(n_points)
    u = 0.5 * (x + 1.0)
    out = None
    for j, (lo, hi) in enumerate(zip(nodes_mev[:-1], nodes_mev[1:])):
        vals = kernel(lo + (hi - lo) * u) * (0.5 * (hi - lo) * w)
        if out is None:
            out = np.zeros(vals.shape[:-1] + (nodes_mev.size,))
        out[..., j] += vals @ (1.0 - u)
        out[..., j + 1] += vals @ u
    return out


def source_moments(sources: tuple[SolarSource, ...], iso: Isotope, t_mev: np.ndarray):
    """Summed flux moments of the sources at recoil energies ``t_mev`` on ``iso``."""
    parts = [s.moments(e_min(t_mev, iso.mass)) for s in sources]
    return tuple(sum(p[m] for p in parts) for m in range(3))


def _kernel(sources: tuple[SolarSource, ...], iso: Isotope):
    """K_{i,f}(T) of ``iso`` folded over the summed flux of ``sources`` ([LM] Eq. 4), as a function of T."""
    def kernel(t: np.ndarray) -> np.ndarray:
        return folded_kernel(t, iso.mass, source_moments(sources, iso, t))
    return kernel


def rate_weights(nodes_mev: np.ndarray, exposure_t_y: float, sources: tuple[SolarSource, ...]):
    """(kinematics per isotope, W of shape (n_iso, 3, K)) for the exposure (module docstring)."""
    kins, weights = [], []
    for iso, per_tonne in xenon_targets():
        pref = per_tonne * exposure_t_y * SECONDS_PER_YEAR * G_FERMI**2 * iso.mass / np.pi * MEV2_TO_CM2

        weights.append(pref * hat_weights(nodes_mev, _kernel(sources, iso)))
        kins.append(Kinematics.from_moments(iso, nodes_mev, source_moments(sources, iso, nodes_mev), SOLAR_FLAVOURS))
    return tuple(kins), np.stack(weights)


def xsec_weights(nodes_mev: np.ndarray, source: SolarSource) -> np.ndarray:
    """w with w @ vec(Q^2) = the flux-averaged CEvNS cross section per Xe nucleus (cm^2) of ``source``.

    sigma = sum_i x_i (G_F^2 M_i / pi) int_0^Tmax sum_f K_{i,f}(T) Q_f^2(T) dT / Phi ([LM] Eq. 4 averaged
    over the flux), x_i the isotopic fractions; Q^2 is linear between the nodes and extrapolated
    linearly from the first two nodes down to T = 0 (the analysis nodes start at 0.5 keV)."""
    targets = xenon_targets()
    total = sum(n for _, n in targets)
    x, w = np.polynomial.legendre.leggauss(4 * GAUSS_POINTS)
    t0, dt = nodes_mev[0], nodes_mev[1] - nodes_mev[0]
    out = []
    for iso, per_tonne in targets:
        kernel = _kernel((source,), iso)
        wk = hat_weights(nodes_mev, kernel)
        t = 0.5 * t0 * (x + 1.0)
        below = kernel(t) * (0.5 * t0 * w)
        wk[..., 0] += below @ (1.0 + (t0 - t) / dt)
        wk[..., 1] -= below @ ((t0 - t) / dt)
        out.append(per_tonne / total * G_FERMI**2 * iso.mass / np.pi * MEV2_TO_CM2 * wk / source.flux)
    return np.stack(out).reshape(-1)


def load(sr: str, label: str, color: str, flux_prior: str = "b16",
         efficiency_sigma: float = SIGNAL_EFFICIENCY_SIGMA, background_sigma_scale: float = 1.0) -> Experiment:
    """The experiment of one science run (``sr0``, ``sr1`` or ``sr2``).

    ``flux_prior``: of the shared solar-flux nuisance, one of
    :data:`~bayes_cevns.experiments.solar.FLUX_PRIORS`; ``efficiency_sigma``: of the shared
    signal-efficiency nuisance (0: none); ``background_sigma_scale`` multiplies every
    background-norm prior width (a robustness check). Shared nuisances must get the same options
    in every run of one fit.
    """
    if sr not in RUNS:
        raise ValueError(f"unknown XENONnT science run {sr!r}; choose one of {RUNS}")
    if min(efficiency_sigma, background_sigma_scale) < 0:
        raise ValueError("prior widths must be non-negative")
    flux = b8_flux_nuisance(flux_prior)
    a = archive()
    exposure = float(a[f"{sr}_exposure_t_y"])
    nodes = a["mono_energy_kev"] * 1e-3
    axes = (a["tly"], a["tqy"])
    names = (f"{SHARED_PREFIX}_tly", f"{SHARED_PREFIX}_tqy")
    kins, weights = rate_weights(nodes, exposure, (boron8(), hep()))
    efficiency = GridMorph(names, axes, np.ascontiguousarray(np.transpose(a[f"{sr}_mono"], (1, 2, 3, 0))))
    response = GridResponse(efficiency, weights)
    col, g = (81, 1), axes[0].size
    scale = background_sigma_scale
    backgrounds = {
        "ac": Background("ac", Morph(exposure * a[f"{sr}_ac"].reshape(col)), scale * AC_SIGMA[sr],
                         "accidental coincidences"),
        "er": Background("er", Morph(exposure * a[f"{sr}_er"].reshape(col)), scale * ER_SIGMA,
                         "electronic recoils", shared_norm=f"{SHARED_PREFIX}_er_norm"),
        "rg": Background("rg", GridMorph(names, axes, exposure * a[f"{sr}_rg"].reshape(g, g, *col)),
                         scale * NEUTRON_SIGMA, "radiogenic neutrons (on the tly, tqy grid)",
                         shared_norm=f"{SHARED_PREFIX}_rg_norm"),
    }
    nuisances = {n: Nuisance(n, 0.0, 1.0, f"{what} yield parameter (grid in sigma, to verify)",
                             lower=float(ax[0]), upper=float(ax[-1]), shared=True)
                 for n, ax, what in zip(names, axes, ("light", "charge"))}
    if efficiency_sigma:
        eff = f"{SHARED_PREFIX}_eff"
        nuisances[eff] = Nuisance(eff, 1.0, efficiency_sigma, "signal efficiency normalisation", lower=0.0,
                                  role="norm", shared=True)
    if flux is not None:
        nuisances[flux.name] = flux
    norm = tuple(n for n, nu in nuisances.items() if nu.role in ("norm", "flux"))
    reference = dict(REFERENCE) | {"observed": float(a[f"{sr}_observed"].sum()),
                                   "background_nominal": exposure * float(
                                       a[f"{sr}_ac"].sum() + a[f"{sr}_er"].sum() + a[f"{sr}_rg"][3, 3].sum())}
    if sr in COLLAB_B8_TEMPLATE_PER_T_Y:
        reference["collab_b8_events"] = COLLAB_B8_TEMPLATE_PER_T_Y[sr] * exposure
    return Experiment(
        name=f"xenonnt_8b_{sr}", isotopes=tuple(k.isotope for k in kins),
        recoil_grid=np.tile(nodes, (len(kins), 1)), energy_response=Morph(response.matrix()),
        time_table=TimeTable(offsets=np.zeros(1), fractions=np.ones((1, 3, 1))),
        signal_shape=Morph(np.ones(col)), backgrounds=backgrounds, nuisances=nuisances,
        observed=a[f"{sr}_observed"].astype(float).reshape(col), energy_edges=np.arange(82.0),
        time_edges=np.array([0.0, 1.0]), energy_label="bin (cS2, S2 shadow, S1 BDT, S2 BDT; C order)",
        signal_norm_nuisances=norm, likelihood="poisson",
        exposure={"exposure_t_y": exposure, "live_seconds_per_t_y": SECONDS_PER_YEAR,
                  "xe_nuclei": sum(n for _, n in xenon_targets()) * exposure},
        checksums=release_file_checksums(RELEASE) | solar_checksums(), reference=reference, label=label,
        color=color, source_kinematics=kins, response_grid=response,
        xsec_weights=xsec_weights(nodes, boron8()))


@register("xenonnt_8b_sr0", label="xe0", color="tab:red", title="XENONnT SR0", options=OPTIONS)
def load_sr0(**options) -> Experiment:
    """XENONnT SR0 (1.174398 t y); ``options`` as :func:`load`."""
    return load("sr0", "xe0", "tab:red", **options)


@register("xenonnt_8b_sr1", label="xe1", color="tab:orange", title="XENONnT SR1", options=OPTIONS)
def load_sr1(**options) -> Experiment:
    """XENONnT SR1 (2.342593 t y); ``options`` as :func:`load`."""
    return load("sr1", "xe1", "tab:orange", **options)


@register("xenonnt_8b_sr2", label="xe2", color="tab:brown", title="XENONnT SR2", options=OPTIONS)
def load_sr2(**options) -> Experiment:
    """XENONnT SR2 (3.249665 t y); ``options`` as :func:`load`."""
    return load("sr2", "xe2", "tab:brown", **options)
