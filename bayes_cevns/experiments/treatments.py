"""Paper treatments: a release analysed with the statistical model a source paper states.

The package's default for every release is its full likelihood (every systematic of the release as
its own nuisance). A treatment keeps the release's data, response and templates and replaces the
statistical model by the one a paper uses, so that each published number can be recomputed in its
authors' convention beside ours:

* one CEvNS normalisation nuisance of the paper's total signal uncertainty, replacing the release's
  flux / mass / quenching / efficiency nuisances (their shape variations are held at nominal unless
  the treatment keeps them);
* the paper's background normalisation uncertainties (a steady state measured by an auxiliary
  Poisson count gets the paper's Gaussian sigma instead);
* the paper's likelihood ("poisson": Baker-Cousins chi^2, [LM] Eq. 6; "gauss_chi2": [LM] Eq. 7
  with sigma_ij^2 = N_ij + N_ij^SS / 5, Eq. 8).

A treatment is applied to a loaded :class:`~bayes_cevns.experiments.base.Experiment` by
:func:`apply_treatment`; each release module declares its treatments and takes the loader
option ``treatment`` (``--data-option treatment=lm2022``).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from bayes_cevns.experiments.base import Experiment, Morph, Nuisance, TimeTable

#: the name of the package's own statistical model (no treatment applied)
FULL = "full"


@dataclass(frozen=True)
class Treatment:
    """The statistical model of one paper for one release."""

    name: str
    #: where the treatment is stated (paper and equation)
    source: str
    likelihood: str
    #: relative uncertainty of the one CEvNS normalisation nuisance (unused with ``count``, whose
    #: sigma includes every systematic)
    signal_sigma: float
    #: relative normalisation uncertainty per background (backgrounds not named keep theirs)
    background_sigmas: Mapping[str, float] = field(default_factory=dict)
    #: shape nuisances that the paper keeps, where the release's binning has them (all other
    #: nuisances are held at nominal)
    keep: tuple[str, ...] = ()
    #: sum the time bins (an energy-only spectrum), if the paper fits one
    energy_only: bool = False
    #: (N, sigma): fit one published CEvNS count N +- sigma (background-subtracted, systematics
    #: included) instead of the bins; the expected count is the CEvNS sum over the analysed bins
    count: tuple[float, float] | None = None
    #: with ``count``: expect the CEvNS events of every arrival time (no time window), as a
    #: calculation without a timing model does
    count_all_times: bool = False


def _strip(m: Morph, keep: set[str]) -> Morph:
    """The morph with only the variations of the kept nuisances."""
    return Morph(m.nominal, {k: v for k, v in m.up.items() if k in keep},
                 {k: v for k, v in m.down.items() if k in keep})


def _fixed_timing(tt: TimeTable) -> TimeTable:
    """The time table at the nominal onset, without its nuisance."""
    return TimeTable(np.zeros(1), tt.at(0.0)[None], None, tt.window_fraction)


def _energy_only(exp: Experiment) -> Experiment:
    """The experiment with its time bins summed: one time bin covering the whole window."""
    def col(x: np.ndarray) -> np.ndarray:
        return x.sum(axis=-1, keepdims=True)

    def morph(m: Morph) -> Morph:
        return Morph(col(m.nominal), {k: col(v) for k, v in m.up.items()},
                     {k: col(v) for k, v in m.down.items()})

    if exp.time_table.offsets.size != 1 or np.any(exp.signal_shape.nominal != 1.0) or exp.signal_shape.up:
        raise ValueError(f"{exp.name}: an energy-only treatment needs a fixed timing and no signal-shape morph")
    tt = exp.time_table
    time_sum = TimeTable(tt.offsets, tt.fractions.sum(axis=-1, keepdims=True), None, tt.window_fraction)
    return replace(
        exp, time_table=time_sum, signal_shape=Morph(np.ones((exp.shape[0], 1))),
        backgrounds={k: replace(b, template=morph(b.template)) for k, b in exp.backgrounds.items()},
        observed=col(exp.observed), time_edges=exp.time_edges[[0, -1]], extra_axis={})


def _single_count(exp: Experiment, count: float, sigma: float, all_times: bool) -> Experiment:
    """One bin holding the CEvNS events of every analysed bin (of every energy bin at all arrival
    times if ``all_times``), Gaussian about a published count."""
    ne = exp.shape[0]
    shape = exp.signal_shape.nominal.reshape(ne, -1)
    if all_times and np.any(shape != 1.0):
        raise ValueError(f"{exp.name}: a count over all arrival times needs a flat signal shape")
    weight = np.ones((3, ne)) if all_times else np.einsum("ft,et->fe", exp.time_table.at(0.0), shape)
    response = np.einsum("fen,fe->fn", exp.energy_response.nominal.reshape(3, ne, -1), weight)
    return replace(
        exp, nuisances={}, signal_norm_nuisances=(), backgrounds={}, energy_response=Morph(response),
        signal_shape=Morph(np.ones((1, 1))), time_table=TimeTable(np.zeros(1), np.ones((1, 3, 1)), None, None),
        observed=np.array([[count]]), chi2_variance=np.array([[sigma ** 2]]), likelihood="gauss_chi2",
        energy_edges=exp.energy_edges[[0, -1]], time_edges=exp.time_edges[[0, -1]], extra_axis={})


def apply_treatment(exp: Experiment, treatment: Treatment) -> Experiment:
    """``exp`` analysed with ``treatment`` (see the module docstring)."""
    unknown = sorted(set(treatment.background_sigmas) - set(exp.backgrounds))
    if unknown:
        raise ValueError(f"treatment {treatment.name!r}: {exp.name} has no background(s) {unknown}")
    if treatment.count is not None:
        return _single_count(exp, *treatment.count, treatment.count_all_times)
    keep = set(treatment.keep) & set(exp.nuisances)
    signal = f"{exp.prefix}_cevns_norm"
    nuisances: dict[str, Nuisance] = {
        signal: Nuisance(signal, 1.0, treatment.signal_sigma,
                         f"CEvNS rate ({treatment.source}: {100 * treatment.signal_sigma:g}%)",
                         lower=0.0, role="flux")}
    nuisances.update({k: v for k, v in exp.nuisances.items() if k in keep})
    backgrounds = {}
    for name, b in exp.backgrounds.items():
        sigma = treatment.background_sigmas.get(name)
        b = replace(b, template=_strip(b.template, keep))
        if sigma is not None:
            b = replace(b, norm_sigma=sigma, aux_count=None)
        backgrounds[name] = b
    tt = exp.time_table
    out = replace(
        exp,
        nuisances=nuisances,
        signal_norm_nuisances=(signal,),
        energy_response=_strip(exp.energy_response, keep),
        signal_shape=_strip(exp.signal_shape, keep),
        time_table=tt if tt.nuisance in keep else _fixed_timing(tt),
        backgrounds=backgrounds,
        likelihood=treatment.likelihood,
    )
    return _energy_only(out) if treatment.energy_only else out


def check_treatment(release: str, name: str, treatments: Iterable[str]) -> None:
    """One-line error for a treatment ``release`` does not declare (call before building)."""
    names = list(treatments)
    if name != FULL and name not in names:
        raise ValueError(f"{release}: unknown treatment {name!r}; choose one of {[FULL, *names]}")


def treated(exp: Experiment, name: str, treatments: Mapping[str, Treatment]) -> Experiment:
    """``exp`` under the treatment called ``name`` (``"full"``: unchanged)."""
    check_treatment(exp.name, name, treatments)
    return exp if name == FULL else apply_treatment(exp, treatments[name])
