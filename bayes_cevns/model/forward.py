"""The parameter-dependent forward model: counts per bin as PyTensor expressions.

Only Q^2 on the recoil grid (n_isotopes x 3 flavours x K nodes), a handful of nuisance
coefficients and a time-table interpolation are computed in the graph; everything else is a
precomputed NumPy matrix (see :mod:`bayes_cevns.experiments.base`). One matrix-vector product
gives all morph terms at once. Tables on a grid of nuisance values (:class:`GridMorph`: a
background template, or the efficiency of a :class:`GridResponse`) are interpolated
multilinearly in the graph from the 2^d table entries around the nuisance point.
"""

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pytensor
import pytensor.tensor as pt

from bayes_cevns.model.cards import ModelCard, load_card
from bayes_cevns.experiments.base import Experiment, Morph
from bayes_cevns.experiments.grid import GridMorph
from bayes_cevns.physics import nu_electron
from bayes_cevns.physics.contributions import weak_charge_sq


def background_norm_name(exp: Experiment, bkg: str) -> str:
    """Name of the normalisation nuisance of background ``bkg`` (``csi_brn_norm``, or its shared name)."""
    return exp.backgrounds[bkg].shared_norm or f"{exp.prefix}_{bkg}_norm"


def scale_name(card: ModelCard, param: str, exp: Experiment) -> str:
    """Name of a card parameter for one experiment (``cevns_scale_csi`` for per-experiment ones)."""
    return f"{param}_{exp.prefix}" if param in card.per_experiment else param


def card_parameter(card: ModelCard, name: str, experiments: Sequence[Experiment]) -> str:
    """The card parameter behind ``name``: itself, or the per-experiment parameter it is a copy of."""
    if name in card.parameters:
        return name
    for p in card.per_experiment:
        if any(scale_name(card, p, e) == name for e in experiments):
            return p
    return card.parameter(name).name


def _grid_tensor(g: GridMorph, z: Mapping, name: str):
    """Multilinear interpolation of a GridMorph at z in the graph (the nominal if no axis is in z).

    Per axis the position p = clip((z - a_0) / step, 0, n - 1), node j = min(floor(p), n - 2) and
    weight w = p - j; the value is sum over the corners c of prod_a (w_a if c_a else 1 - w_a)
    table[j + c], exactly the table at the nodes and its boundary value outside (as
    :meth:`GridMorph.evaluate`)."""
    if not any(n in z for n in g.names):
        return pt.as_tensor_variable(g.nominal)
    table = pytensor.shared(g.table, name=name)
    idx, wts = [], []
    for n, ax in zip(g.names, g.axes):
        x = z[n] if n in z else pt.constant(0.0)
        pos = pt.clip((x - ax[0]) / (ax[1] - ax[0]), 0.0, float(ax.size - 1))
        j = pt.minimum(pt.cast(pt.floor(pos), "int64"), ax.size - 2)
        idx.append(j)
        wts.append(pos - j)
    out = 0.0
    for corner in itertools.product((0, 1), repeat=len(idx)):
        w = 1.0
        for c, wt in zip(corner, wts):
            w = w * (wt if c else 1.0 - wt)
        out = out + w * table[tuple(j + c for c, j in zip(corner, idx))]
    return out


def _morph_coefficients(names: Sequence[str], powers: Sequence[str], z: Mapping):
    """Coefficients of the stacked morph terms (:meth:`Morph.terms`): 1, then z or z^2 per term
    (0 for a nuisance not in z)."""
    return pt.stack([pt.constant(1.0)] + [
        (z[n] if p == "linear" else pt.sqr(z[n])) if n in z else pt.constant(0.0)
        for n, p in zip(names, powers)
    ])


def _morph_tensor(m: Morph | GridMorph, z: Mapping, name: str):
    """Evaluate a Morph in the graph: stack[0] + sum_j c_j(z) stack[j] (a GridMorph: interpolated)."""
    if isinstance(m, GridMorph):
        return _grid_tensor(m, z, name)
    names, powers, stack = m.terms()
    if not names:
        return pt.as_tensor_variable(m.nominal)
    shared = pytensor.shared(stack, name=name)
    return pt.tensordot(_morph_coefficients(names, powers, z), shared, axes=1)


def q2_vector(card: ModelCard, exp: Experiment, params: Mapping):
    """vec(Q^2) for every isotope, flavour and recoil node of the experiment, shape (n_iso*3*K,)."""
    parts = [pt.flatten(weak_charge_sq(card.physics, params, kin, card.options)) for kin in exp.kinematics]
    return pt.concatenate(parts) if parts else pt.zeros(0)


def nue_signal(card: ModelCard, exp: Experiment, params: Mapping):
    """Neutrino-electron counts per energy bin, sum over blocks of wa g_L^2 + wb g_R^2 - wc g_L g_R
    with the card's (g_L, g_R) on each block's recoil nodes ([E6LR] Eq. 13 structure)."""
    total = pt.zeros(exp.shape[0])
    for block in exp.nue_blocks:
        g_l, g_r = nu_electron.couplings(card.physics, params, block.species, block.t, card.options)
        g_l = g_l * pt.ones(block.t.shape)
        g_r = g_r * pt.ones(block.t.shape)
        total = total + pt.dot(block.wa, pt.sqr(g_l)) + pt.dot(block.wb, pt.sqr(g_r)) - pt.dot(block.wc, g_l * g_r)
    return total


def _interp_time(exp: Experiment, z: Mapping):
    tt = exp.time_table
    if tt.offsets.size == 1 or tt.nuisance not in z:
        return pt.as_tensor_variable(tt.at(0.0))
    step = tt.offsets[1] - tt.offsets[0]
    pos = pt.clip((z[tt.nuisance] - tt.offsets[0]) / step, 0.0, tt.offsets.size - 1 - 1e-9)
    j = pt.cast(pt.floor(pos), "int64")
    w = pos - j
    table = pytensor.shared(tt.fractions, name=f"{exp.name}_time_table")
    return (1.0 - w) * table[j] + w * table[j + 1]


def signal_per_flavour(exp: Experiment, q2, z: Mapping):
    """Counts per flavour and energy bin (3, n_energy) before timing, with energy-response morphs.

    The response is block-diagonal in flavour, so each flavour's Q^2 is multiplied by its own block
    of all stacked morph terms in one batched matrix-vector product. A grid response
    (``exp.response_grid``) gives the rate per flavour and node, sum_i W[i, f, k] Q^2[i, f, k], times
    the interpolated efficiency E(z)[e, k].
    """
    if exp.response_grid is not None:
        n_iso, k = exp.recoil_grid.shape
        rate = pt.sum(pt.as_tensor_variable(exp.response_grid.weights) * q2.reshape((n_iso, 3, k)), axis=0)
        eff = _grid_tensor(exp.response_grid.efficiency, z, f"{exp.name}_efficiency_grid")
        return pt.dot(rate, eff.T)
    names, powers, blocks = exp.flavour_blocks
    ne = exp.shape[0]
    n_iso, k = exp.recoil_grid.shape
    response = pytensor.shared(blocks, name=f"{exp.name}_response")
    q2f = q2.reshape((n_iso, 3, k)).dimshuffle(1, 0, 2).reshape((3, n_iso * k))
    v = pt.matmul(response, q2f[:, :, None]).reshape((3, len(names) + 1, ne))
    return pt.tensordot(_morph_coefficients(names, powers, z), v, axes=[[0], [1]])


#: the card whose default values define the reference of the count-equivalent cross section
XSEC_REFERENCE_CARD = "sm"


def count_equivalent_xsec(exp: Experiment, q2):
    """Flux-averaged cross section per nucleus and flavour that the expected counts imply (cm^2).

    sigma = sigma_SM * N / N_SM, as COHERENT quotes its measurement: N = r @ vec(Q^2) are the CEvNS
    events expected in the analysed bins at nominal nuisances (:meth:`Experiment.in_data_weights`),
    and sigma_SM = w @ vec(Q^2_SM), N_SM = r @ vec(Q^2_SM) at the SM card's defaults, with w the
    full-kinematic-range flux average (``exp.xsec_weights``). The average therefore extends over the
    analysed recoil range only, weighted by the detection efficiency: finite and grid-independent
    for any model (a magnetic moment's 1/T rate included), and equal to w @ vec(Q^2) whenever the
    model only rescales the SM rate. The SM reference is a constant of the graph.
    """
    r = exp.in_data_weights()
    sm = load_card(XSEC_REFERENCE_CARD)
    q2_sm = q2_vector(sm, exp, sm.values())
    scale = pt.dot(exp.xsec_weights, q2_sm) / pt.dot(r, q2_sm)
    return pt.dot(r, q2) * scale


def expected_components(card: ModelCard, exp: Experiment, params: Mapping, z: Mapping) -> dict:
    """Expected counts per component, each (n_energy, n_time), plus derived totals.

    ``params``: card parameter values (tensors or floats) by name.
    ``z``: nuisance values by name (shape nuisances standard normal; ``*_flux``/``*_mass`` and
    ``*_norm`` multiplicative with nominal 1). Missing nuisances take their nominal values.
    Returns ``{"cevns": ..., <background>: ..., "_cevns_published": scalar, "_xsec": scalar}``,
    ``_xsec`` being the model's flux-averaged cross section per nucleus and flavour in cm^2.
    """
    q2 = q2_vector(card, exp, params)
    if card.rate_scale is not None:
        scale = params.get(scale_name(card, card.rate_scale, exp), card.parameters[card.rate_scale].default)
        q2 = q2 * (scale / card.rate_reference)
    per_f = signal_per_flavour(exp, q2, z)
    tau = _interp_time(exp, z)
    norm = pt.constant(1.0)
    for n in exp.signal_norm_nuisances:
        if n in z:
            norm = norm * z[n]
    shape = _morph_tensor(exp.signal_shape, z, f"{exp.name}_signal_shape")
    out = {"cevns": norm * pt.dot(per_f.T, tau) * shape}
    if exp.nue_blocks:
        out["nue"] = norm * pt.shape_padright(nue_signal(card, exp, params)) * pt.ones(exp.shape)
    frac = exp.time_table.window_fraction
    if frac is not None:
        out["_cevns_published"] = norm * pt.dot(per_f.sum(axis=1), frac)
    else:
        out["_cevns_published"] = out["cevns"].sum()
    if exp.xsec_weights is not None:
        out["_xsec"] = count_equivalent_xsec(exp, q2)
    for name, bkg in exp.backgrounds.items():
        t = _morph_tensor(bkg.template, z, f"{exp.name}_{name}_template")
        out[name] = t * z.get(background_norm_name(exp, name), 1.0)
    return out


def prediction_function(card: ModelCard, exp: Experiment):
    """Compiled NumPy-in/NumPy-out nominal prediction: f(**card_values) -> dict of count arrays."""
    names = {p: scale_name(card, p, exp) for p in card.parameters}
    inputs = {n: pt.dscalar(n) for n in names.values()}
    comps = expected_components(card, exp, inputs, {})
    keys = list(comps)
    fn = pytensor.function(list(inputs.values()), [comps[k] for k in keys], on_unused_input="ignore")

    def predict(values: Mapping[str, float]) -> dict[str, np.ndarray]:
        """``values`` by card parameter name; a per-experiment one may also be given by its own name."""
        args = [values.get(n, values.get(p)) for p, n in names.items()]
        return dict(zip(keys, fn(*args)))

    return predict


def asimov_counts(card: ModelCard, exp: Experiment) -> np.ndarray:
    """Expected counts of every component at the card's SM values (:meth:`ModelCard.sm_values`),
    nuisances nominal: the Asimov data set of a projected experiment."""
    comps = prediction_function(card, exp)(card.sm_values())
    return sum(v for k, v in comps.items() if not k.startswith("_"))
