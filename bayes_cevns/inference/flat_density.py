"""The model's log density as one compiled function of a flat vector, and nutpie NUTS through it.

nutpie's own PyMC bridge builds the flat-vector graph with ``join_nonshared_inputs``, which
replaces each value variable separately; on the combined CsI+Ar model (about 1,700 nodes for
log p and its gradient) that clones the graph into about 25,000 nodes before rewriting, and the
rewrite plus Numba ``cfunc`` compilation takes 20-35 s. Here every value variable is replaced
by its slice of one vector ``x`` in a single ``graph_replace`` (the graph stays at ~1,700 nodes),
and the PyTensor function is compiled once with the default (Numba) linker, about 5 s, and kept in
the compile cache of :mod:`bayes_cevns.inference.compile_cache` (about 1.5 s to load). nutpie's
Rust NUTS then calls it through ``nutpie.compiled_pyfunc.from_pyfunc`` (~30 us per log p +
gradient); the calls hold the GIL, so the chains run in forked processes, one per core
(:mod:`bayes_cevns.inference.parallel_chains`).

``expand`` maps a draw to every stored quantity (free variables on their constrained scale and
all deterministics), exactly the variables ``pm.sample`` stores.
"""

import threading
from pathlib import Path
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pytensor.compile.executor import Function
from pytensor.graph.replace import graph_replace

from bayes_cevns.inference.compile_cache import cached, model_key, source_digest
from bayes_cevns.inference.parallel_chains import sample_chains


@dataclass
class FlatDensity:
    """log p(x) and its gradient, and the stored quantities, as functions of the flat vector x.

    ``x`` concatenates the (transformed) value variables of ``model.free_RVs`` in that order;
    ``slices[name]`` locates each one.
    """

    logp_dlogp: Function
    expand: Function
    slices: dict[str, slice]
    shapes: dict[str, tuple[int, ...]]
    stored_names: list[str]
    stored_shapes: list[tuple[int, ...]]
    x0: np.ndarray

    @property
    def n_dim(self) -> int:
        return int(self.x0.size)

    def point(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The value-variable dict for a flat vector (the inverse of the flattening)."""
        return {n: np.asarray(x[s]).reshape(self.shapes[n]) for n, s in self.slices.items()}


def flat_density(model: pm.Model) -> FlatDensity:
    """Compile log p + gradient and the stored quantities of ``model`` as functions of one vector
    (or load them from the compile cache, keyed by the model's graph)."""
    key = model_key(model, f"flat_density:{source_digest(Path(__file__))}")
    flat = cached(key, "flat_density", lambda: _compile(model))
    flat.logp_dlogp(flat.x0)  # Numba compiles on the first call: here, once, before any worker forks
    flat.expand(flat.x0)
    return flat


def _compile(model: pm.Model) -> FlatDensity:
    start = model.initial_point()
    values = [model.rvs_to_values[rv] for rv in model.free_RVs]
    discrete = [v.name for v in values if not v.dtype.startswith("float")]
    if discrete:
        raise ValueError(f"NUTS needs continuous variables; {discrete} are discrete (use sampler='pymc')")
    x = pt.vector("x", dtype="float64")
    replace, slices, shapes, i = {}, {}, {}, 0
    for v in values:
        shape = tuple(np.shape(start[v.name]))
        n = int(np.prod(shape))
        slices[v.name], shapes[v.name] = slice(i, i + n), shape
        piece = x[i:i + n].reshape(shape) if shape else x[i]
        replace[v] = piece.astype(v.dtype)
        i += n

    logp = model.logp(jacobian=True)
    grads = pytensor.grad(logp, values)
    flat_grad = pt.concatenate([pt.cast(g, "float64").ravel() for g in grads])
    logp_x, grad_x = graph_replace([logp, flat_grad], replace, strict=False)
    logp_dlogp = pytensor.function([x], [logp_x, grad_x], trust_input=True)

    transformed = {model.rvs_to_values[rv].name for rv in model.free_RVs
                   if model.rvs_to_values[rv].name != rv.name}
    stored = [v for v in model.unobserved_value_vars if v.name not in transformed]
    stored_x = graph_replace(stored, replace, strict=False)
    expand = pytensor.function([x], stored_x, trust_input=True, on_unused_input="ignore")

    x0 = np.concatenate([np.ravel(start[v.name]) for v in values]).astype("float64")
    shapes_out = [tuple(np.shape(a)) for a in expand(x0)]
    return FlatDensity(logp_dlogp, expand, slices, shapes, [v.name for v in stored], shapes_out, x0)


def _nutpie_model(model: pm.Model, flat: FlatDensity):
    from nutpie.compiled_pyfunc import from_pyfunc

    lock = threading.Lock()  # one compiled function (one set of storage cells) for all chains

    def make_logp():
        def logp(x, **_shared):
            with lock:
                lp, grad = flat.logp_dlogp(np.asarray(x, dtype="float64"))
                return float(lp), np.array(grad, dtype="float64")
        return logp

    def make_expand(_seed1, _seed2, _chain):
        def expand(x, **_shared):
            with lock:
                out = flat.expand(np.asarray(x, dtype="float64"))
                return {n: np.array(a, dtype="float64").reshape(s)
                        for n, a, s in zip(flat.stored_names, out, flat.stored_shapes)}
        return expand

    def initial_point(seed: int) -> np.ndarray:  # PyMC's default: U(-1, 1) jitter, unconstrained
        return flat.x0 + np.random.default_rng(seed).uniform(-1.0, 1.0, flat.n_dim)

    dims = {n: tuple(model.named_vars_to_dims[n]) for n in flat.stored_names
            if n in model.named_vars_to_dims}
    coords = {k: pd.Index(v) for k, v in model.coords.items() if v is not None}
    return from_pyfunc(flat.n_dim, make_logp, make_expand, [np.dtype("float64")] * len(flat.stored_names),
                       flat.stored_shapes, flat.stored_names, coords=coords, dims=dims,
                       make_initial_point_fn=initial_point)


def sample_nutpie(model: pm.Model, draws: int, tune: int, chains: int, seed: int,
                  target_accept: float = 0.8, progressbar: bool = False, flat: FlatDensity | None = None,
                  cores: int | None = None):
    """nutpie NUTS on ``model`` through :func:`flat_density` (or the already compiled ``flat``), the
    chains spread over ``cores`` forked processes (default: every available core; see
    :mod:`bayes_cevns.inference.parallel_chains`); returns the DataTree."""
    compiled = _nutpie_model(model, flat if flat is not None else flat_density(model))
    return sample_chains(compiled, draws, tune, chains, seed, cores, target_accept, progressbar)
