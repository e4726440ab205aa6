"""Every row of ``data/projected/setups.toml`` as an :class:`Experiment` with Asimov data.

A projected detector is registered like a data release (kind ``"projected"``), so ``fit``,
``profile``, ``limit`` and the Bayesian model run on it through the one forward model. Its rate
weights come from :func:`bayes_cevns.experiments.projected_weights.load_projection`:

* CEvNS rows: one analysis bin; the response maps Q^2 per isotope, flavour and recoil node to
  counts (the weights of the projection), with the source's own kinematics (reactor or pi-DAR).
* neutrino-electron rows: ``bins`` recoil bins with the (g_L, g_R) weight blocks.

The likelihood is the Gaussian chi^2 of [E6LR]: Eq. 22 for projections (data = the card's SM
prediction, sigma^2 = N_SM + B with the flat background B = background_fraction x N_SM, one
signal normalisation nuisance of width ``sys``), Eq. 21 for the COHERENT CsI 2017 row (measured
count, sigma^2 = N_meas + 2 B_ss + B_0n, a signal nuisance ``sys`` and a prompt-neutron
normalisation ``sys_background``).
"""

from types import SimpleNamespace

import numpy as np

from bayes_cevns.experiments.base import Background, Experiment, Morph, Nuisance, TimeTable
from bayes_cevns.experiments.data import release_checksums
from bayes_cevns.experiments.projected_setups import projection_setups
from bayes_cevns.experiments.projected_weights import Projection, load_projection
from bayes_cevns.experiments.registry import Registration, add

RELEASE = "projected"


def _cevns_response(proj: Projection) -> tuple[tuple, np.ndarray, Morph]:
    """(isotopes, recoil grid (n_iso, K), response Morph (3, n_iso * 3 * K)) of a CEvNS projection."""
    blocks = proj.cevns
    k = blocks[0].weights.shape[1]
    r = np.zeros((3, 1, len(blocks), 3, k))
    for i, b in enumerate(blocks):
        for f in range(3):
            r[f, 0, i, f, :] = b.weights[f]
    isotopes = tuple(b.kinematics.isotope for b in blocks)
    grid = np.stack([b.kinematics.t for b in blocks])
    return isotopes, grid, Morph(r.reshape(3, len(blocks) * 3 * k))


def load(name: str) -> Experiment:
    """The projected experiment ``name`` (a row of the setup table)."""
    proj = load_projection(name)
    s = proj.setup
    n_bins = len(proj.bin_edges_kev) - 1
    if proj.cevns:
        isotopes, grid, response = _cevns_response(proj)
        kinematics = tuple(b.kinematics for b in proj.cevns)
    else:
        isotopes, grid, kinematics = (), np.zeros((0, 1)), ()
        response = Morph(np.zeros((3 * n_bins, 0)))
    nue = tuple(SimpleNamespace(species=b.species, t=b.t, wa=b.wa, wb=b.wb, wc=b.wc) for b in proj.nue)
    label = name
    nuisances, norm = {}, ()
    if s.sys > 0:
        nuisances[f"{label}_sys"] = Nuisance(f"{label}_sys", 1.0, s.sys, "signal normalisation ([E6LR] Eqs. 21-22)",
                                             role="norm")
        norm = (f"{label}_sys",)
    backgrounds, observed, variance, asimov = {}, np.zeros((n_bins, 1)), None, True
    if s.chi2 == "eq21":
        x = s.extra
        backgrounds["prompt_neutron"] = Background("prompt_neutron", Morph(np.full((1, 1), x["bkg_prompt_neutron"])),
                                                   x["sys_background"], "prompt neutrons ([E6LR] Eq. 21)")
        observed = np.full((1, 1), x["observed"])
        variance = np.full((1, 1), x["observed"] + 2.0 * x["bkg_steady_state"] + x["bkg_prompt_neutron"])
        asimov = False
    return Experiment(
        name=name, isotopes=isotopes, recoil_grid=grid, energy_response=response,
        time_table=TimeTable(offsets=np.zeros(1), fractions=np.ones((1, 3, 1))),
        signal_shape=Morph(np.ones((n_bins, 1))), backgrounds=backgrounds, nuisances=nuisances,
        observed=observed, energy_edges=np.asarray(proj.bin_edges_kev, dtype=float),
        time_edges=np.array([0.0, 1.0]), energy_label="keV", signal_norm_nuisances=norm,
        likelihood="gauss_chi2", checksums=release_checksums(RELEASE), label=label,
        source_kinematics=kinematics, chi2_variance=variance, nue_blocks=nue, asimov=asimov,
        asimov_variance_factor=1.0 + s.background_fraction)


def _register() -> None:
    for name, s in projection_setups().items():
        add(Registration(name, lambda name=name: load(name), name, "tab:gray", "projected", s.label))


_register()
