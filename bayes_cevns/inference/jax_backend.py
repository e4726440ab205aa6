"""The JAX backend: the objective chi^2 and its gradient compiled by XLA instead of Numba.

PyTensor's JAX linker turns the chi^2 graph of :mod:`bayes_cevns.inference.objective` into a JAX
function; its gradient is taken by ``jax.grad`` (PyTensor's symbolic gradient of this graph
contains a reshape whose shape is computed from parameter values, which JAX cannot trace). XLA
compiles that in a few seconds where Numba needs tens of seconds on a first run, so the
``numpyro`` sampler path uses this backend for its best fit and nothing on that path waits for
Numba.

Compiled programs go to JAX's persistent compilation cache under the package cache folder
(``<cache>/jax``, see :mod:`bayes_cevns.inference.compile_cache`), so a later run loads them;
programs that compile in under 0.5 s (numpyro's many small ones) are not stored.
"""

import importlib
import math
from collections.abc import Callable, Sequence

import numpy as np

from bayes_cevns.inference.compile_cache import cache_dir


def enable_jax():
    """Import JAX in 64-bit mode with the persistent compilation cache on; returns the module.

    Raises ImportError with the extra to install when JAX is missing."""
    try:
        jax = importlib.import_module("jax")
    except ImportError:
        raise ImportError("the JAX backend needs jax, which is not installed "
                          "(pip install 'bayes_cevns[jax]')") from None
    jax.config.update("jax_enable_x64", True)
    folder = cache_dir()
    if folder is not None:
        jax.config.update("jax_compilation_cache_dir", str(folder / "jax"))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    return jax


def value_and_grad(inputs: Sequence, output) -> Callable[[Sequence[float]], tuple[float, np.ndarray]]:
    """``x -> (output, d output / d x)`` for a scalar PyTensor ``output`` of scalar ``inputs``,
    jit-compiled by XLA. Shared variables (the model's data) are frozen at their current values."""
    jax = enable_jax()
    from pymc.sampling.jax import get_jaxified_graph

    graph = get_jaxified_graph(list(inputs), [output])

    def scalar(x):
        return graph(*(x[i] for i in range(len(inputs))))[0]

    vg = jax.jit(jax.value_and_grad(scalar))

    def call(x: Sequence[float]) -> tuple[float, np.ndarray]:
        value, grad = vg(np.asarray(x, dtype=np.float64))
        if not np.isfinite(value):  # outside the support (e.g. a NaN trial step): chi^2 = +inf
            return math.inf, np.zeros(len(inputs))
        return float(value), np.asarray(grad, dtype=float)
    return call
