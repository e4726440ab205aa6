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

The stored quantities (free variables on their constrained scale and all deterministics, exactly
the variables ``pm.sample`` stores) are not computed draw by draw: nutpie keeps the flat vectors,
and after sampling one vectorised graph (``vectorize_graph``) maps all draws at once. That graph
runs through PyTensor's Python ``perform`` linker, so it costs nothing to compile (0.06 s; one
NumPy pass over 4,000 draws takes 0.2 s on the combined model) and a first run does not wait for
Numba to compile a second function.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
import pytensor
import pytensor.tensor as pt
import xarray as xr
from pytensor.compile.executor import Function
from pytensor.compile.mode import Mode
from pytensor.graph.replace import graph_replace, vectorize_graph

from bayes_cevns.inference.compile_cache import CacheJob, compile_all, model_key, source_digest
from bayes_cevns.inference.parallel_chains import sample_chains

FLAT_DRAWS, FLAT_DIM = "__flat_draws", "__flat_dim"  # what nutpie stores per draw: the flat vector


@dataclass
class FlatDensity:
    """log p(x) and its gradient, and the stored quantities, as functions of the flat vector x.

    ``x`` concatenates the (transformed) value variables of ``model.free_RVs`` in that order;
    ``slices[name]`` locates each one.
    """

    logp_dlogp: Function
    stored: Function
    slices: dict[str, slice]
    shapes: dict[str, tuple[int, ...]]
    stored_names: list[str]
    stored_shapes: list[tuple[int, ...]]
    x0: np.ndarray

    def __getstate__(self) -> dict:
        # Blockwise nodes keep a local gufunc in their tag, which does not pickle; perform rebuilds it
        for node in self.stored.maker.fgraph.apply_nodes:
            node.tag.__dict__.pop("gufunc", None)
        return self.__dict__

    @property
    def n_dim(self) -> int:
        return int(self.x0.size)

    def point(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The value-variable dict for a flat vector (the inverse of the flattening)."""
        return {n: np.asarray(x[s]).reshape(self.shapes[n]) for n, s in self.slices.items()}

    def expand(self, x: np.ndarray) -> list[np.ndarray]:
        """The stored quantities (``stored_names`` order) at one flat vector."""
        return [np.asarray(a)[0] for a in self.stored(np.asarray(x, dtype="float64")[None, :])]

    def posterior(self, flat_draws: np.ndarray, model: pm.Model) -> xr.Dataset:
        """The posterior Dataset of every stored quantity from flat draws of shape (chain, draw, n_dim),
        with the model's dims and coords (ArviZ's ``<name>_dim_<k>`` where the model names none)."""
        chains, draws = flat_draws.shape[:2]
        out = self.stored(np.ascontiguousarray(flat_draws.reshape(chains * draws, self.n_dim), dtype="float64"))
        data = {}
        for name, arr, shape in zip(self.stored_names, out, self.stored_shapes):
            dims = tuple(model.named_vars_to_dims.get(name, ())) or tuple(f"{name}_dim_{k}" for k in range(len(shape)))
            data[name] = (("chain", "draw", *dims), np.asarray(arr, dtype="float64").reshape(chains, draws, *shape))
        coords = {k: np.asarray(v) for k, v in model.coords.items() if v is not None}
        coords.update(chain=np.arange(chains), draw=np.arange(draws))
        used = {d for dims, _ in data.values() for d in dims}
        return xr.Dataset(data, coords={k: v for k, v in coords.items() if k in used})


def flat_density_job(model: pm.Model) -> CacheJob:
    """The compile-cache entry of :func:`flat_density`, keyed by the model's graph."""
    return CacheJob(model_key(model, f"flat_density:{source_digest(Path(__file__))}"), "flat_density",
                    lambda: _compile(model), lambda flat: flat.logp_dlogp(flat.x0))


def flat_density(model: pm.Model) -> FlatDensity:
    """Compile log p + gradient and the stored quantities of ``model`` as functions of one vector
    (in a forked process, :func:`~bayes_cevns.inference.compile_cache.compile_all`) and load them
    from the compile cache."""
    job = flat_density_job(model)
    compile_all([job])
    flat = job.load()
    job.first_call(flat)  # Numba loads (or compiles) on the first call: here, once, before any worker forks
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
    flat_draws = pt.matrix("flat_draws", dtype="float64")
    stored_all = vectorize_graph(graph_replace(stored, replace, strict=False), {x: flat_draws})
    batched = pytensor.function([flat_draws], stored_all, mode=Mode(linker="py", optimizer=None),
                                on_unused_input="ignore")

    x0 = np.concatenate([np.ravel(start[v.name]) for v in values]).astype("float64")
    shapes_out = [tuple(np.shape(a))[1:] for a in batched(x0[None, :])]
    return FlatDensity(logp_dlogp, batched, slices, shapes, [v.name for v in stored], shapes_out, x0)


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
        def expand(x, **_shared):  # the flat vector only; FlatDensity.posterior maps all draws at once
            return {FLAT_DRAWS: np.array(x, dtype="float64")}
        return expand

    def initial_point(seed: int) -> np.ndarray:  # PyMC's default: U(-1, 1) jitter, unconstrained
        return flat.x0 + np.random.default_rng(seed).uniform(-1.0, 1.0, flat.n_dim)

    return from_pyfunc(flat.n_dim, make_logp, make_expand, [np.dtype("float64")], [(flat.n_dim,)], [FLAT_DRAWS],
                       coords={FLAT_DIM: pd.Index(np.arange(flat.n_dim))}, dims={FLAT_DRAWS: (FLAT_DIM,)},
                       make_initial_point_fn=initial_point)


def sample_nutpie(model: pm.Model, draws: int, tune: int, chains: int, seed: int,
                  target_accept: float = 0.8, progressbar: bool = False, flat: FlatDensity | None = None,
                  cores: int | None = None):
    """nutpie NUTS on ``model`` through :func:`flat_density` (or the already compiled ``flat``), the
    chains spread over ``cores`` forked processes (default: every available core; see
    :mod:`bayes_cevns.inference.parallel_chains`); returns the DataTree."""
    flat = flat if flat is not None else flat_density(model)
    tree = sample_chains(_nutpie_model(model, flat), draws, tune, chains, seed, cores, target_accept, progressbar)
    posterior = flat.posterior(np.asarray(tree["posterior"][FLAT_DRAWS]), model)
    posterior.attrs.update(tree["posterior"].attrs)
    groups = {name: tree[name].to_dataset() for name in tree.children if name != "posterior"}
    out = xr.DataTree.from_dict({"posterior": posterior, **groups})
    out.attrs.update(tree.attrs)
    return out
