"""The frequentist objective chi^2 = -2 ln L (data + nuisance constraints) from the model's own graph.

The model's value transforms are removed so that the objective lives in the natural parameter
space; ``-2 * logp(observed + nuisance priors, jacobian=False)`` and its gradient are compiled as
one PyTensor function (kept in the compile cache of :mod:`bayes_cevns.inference.compile_cache`).
On request the exact Hessian block over chosen variables is compiled into that function
(PyTensor's gradient of every gradient component: second derivatives of the graph itself, no
finite differences), for the Newton profiles of :class:`bayes_cevns.inference.limits.MediatorScan`.
Priors of the *physics* parameters are excluded, so chi^2 differences are likelihood ratios. For
Poisson bins the value equals the Baker-Cousins chi^2 of [LM] Eq. 6 plus a data-only constant
(:func:`bayes_cevns.model.build.baker_cousins_offset`).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pymc.logprob.utils import ParameterValueError
from pymc.model.transform.conditioning import remove_value_transforms

from bayes_cevns.inference import jax_backend
from bayes_cevns.inference.compile_cache import CacheJob, compile_all, model_key, shared_inputs, source_digest
from bayes_cevns.model.built import BuiltModel

#: compilers of the objective
BACKENDS = ("numba", "jax")


@dataclass
class Objective:
    """Compiled chi^2(x) and gradient over the model's free variables (natural space)."""

    names: list[str]
    start: np.ndarray
    limits: list[tuple[float | None, float | None]]
    fun: callable
    grad: callable
    data: dict
    value_and_grad: callable = None
    derived: dict = field(default_factory=dict)
    #: ``x -> (chi2, grad, Hessian block over hessian_names)``, when compiled (``objective(hessian=...)``)
    value_grad_hess: callable = None
    hessian_names: list[str] = field(default_factory=list)

    def set_data(self, values: Mapping[str, np.ndarray]) -> None:
        """Replace observed data (``pm.Data`` containers by name, e.g. toys) in the compiled objective."""
        for k, v in values.items():
            if k not in self.data:
                raise ValueError(f"unknown data container {k!r}; known: {sorted(self.data)}")
            old = self.data[k].get_value()
            self.data[k].set_value(np.asarray(v, dtype=old.dtype).reshape(old.shape))


@dataclass
class CompiledChi2:
    """What is compiled for an objective (and cached): value+gradient function, variable names,
    natural-space start, limits and the names of the data containers it reads."""

    value_and_grad: object
    names: list[str]
    start: list[float]
    limits: list[tuple[float | None, float | None]]
    data_names: list[str]


def _limits(rv) -> tuple[float | None, float | None]:
    op = rv.owner.op
    name = type(op).__name__
    inputs = rv.owner.inputs
    try:
        if "Uniform" in name:
            return float(inputs[-2].eval()), float(inputs[-1].eval())
        if "TruncatedNormal" in name:
            lo, hi = float(inputs[-2].eval()), float(inputs[-1].eval())
            return (lo if np.isfinite(lo) else None, hi if np.isfinite(hi) else None)
        if "HalfNormal" in name:
            return 0.0, None
    except Exception:  # noqa: BLE001 - unknown parametrisation: leave unbounded
        return None, None
    return None, None


def _natural_start(model: pm.Model, name: str, ip: Mapping) -> float:
    value_var = model.rvs_to_values[model[name]]
    tr = model.rvs_to_transforms.get(model[name])
    val = ip[value_var.name]
    if tr is None:
        return float(val)
    return float(tr.backward(pt.as_tensor_variable(val), *model[name].owner.inputs).eval())


def _chi2_graph(model: pm.Model, physics: set[str]):
    """(plain model, value variables, chi^2, gradients) with the physics priors left out."""
    plain = remove_value_transforms(model)
    free = list(plain.free_RVs)
    terms = list(plain.observed_RVs) + [rv for rv in free if rv.name not in physics]
    chi2 = -2.0 * plain.logp(vars=terms, jacobian=False, sum=True)
    values = [plain.rvs_to_values[rv] for rv in free]
    return plain, values, chi2, pt.grad(chi2, values)


def _hessian_graph(model: pm.Model, physics: set[str], wrt: Sequence[str]):
    """(plain model, value variables, [chi^2, *gradients, Hessian block over ``wrt``]): the Jacobian of the
    gradient components over ``wrt`` with respect to ``wrt``, one backward pass vectorised over the
    basis directions (smaller to compile than one symbolic gradient per row)."""
    plain, values, chi2, grads = _chi2_graph(model, physics)
    names = [rv.name for rv in plain.free_RVs]
    unknown = [n for n in wrt if n not in names]
    if unknown:
        raise ValueError(f"unknown Hessian variable(s) {unknown}; free variables: {names}")
    idx = [names.index(n) for n in wrt]
    sub = [values[i] for i in idx]
    columns = pytensor.gradient.jacobian(pt.stack([grads[i] for i in idx]), sub, vectorize=True,
                                         disconnected_inputs="ignore")
    return plain, values, [chi2, *grads, pt.stack(columns, axis=1)]


def hessian_job(built: BuiltModel, wrt: Sequence[str], physics: Sequence[str] | None = None) -> CacheJob:
    """The compile-cache entry of chi^2, its gradient and its exact Hessian block over ``wrt``, as one
    function (a :class:`CompiledChi2` whose ``value_and_grad`` also returns the Hessian block)."""
    model = built.model
    physics = set(physics if physics is not None else built.sampled_parameters)
    tag = f"chi2-hessian:{sorted(physics)}:{list(wrt)}:{source_digest(Path(__file__))}"

    def build():
        plain, values, outputs = _hessian_graph(model, physics, wrt)
        return _described(model, plain, pytensor.function(values, outputs, on_unused_input="ignore"))
    return CacheJob(model_key(model, tag), "chi2h", build, _first_call)


def _compile(model: pm.Model, plain: pm.Model, values, chi2, grads) -> CompiledChi2:
    return _described(model, plain, pytensor.function(values, [chi2, *grads], on_unused_input="ignore"))


def _described(model: pm.Model, plain: pm.Model, vgfun) -> CompiledChi2:
    ip = model.initial_point()
    names = [rv.name for rv in plain.free_RVs]
    start = [_natural_start(model, n, ip) for n in names]
    if any(np.ndim(s) for s in start):
        raise NotImplementedError("profile objective supports scalar variables only")
    return CompiledChi2(vgfun, names, start, [_limits(model[n]) for n in names], [d.name for d in plain.data_vars])


def objective_job(built: BuiltModel, physics: Sequence[str] | None = None) -> CacheJob:
    """The compile-cache entry of the (numba, no ``derived``) :func:`objective`."""
    model = built.model
    physics = set(physics if physics is not None else built.sampled_parameters)
    return CacheJob(model_key(model, f"chi2:{sorted(physics)}:{source_digest(Path(__file__))}"), "chi2",
                    lambda: _compile(model, *_chi2_graph(model, physics)), _first_call)


def _first_call(compiled: CompiledChi2):
    """One call at the start (Numba compiles on the first call)."""
    return compiled.value_and_grad(*(np.float64(v) for v in compiled.start))


def objective(built: BuiltModel, physics: Sequence[str] | None = None,
              derived: Sequence[str] = (), backend: str = "numba", hessian: Sequence[str] | None = None) -> Objective:
    """Build chi^2 = -2 ln L over all free variables of the built model.

    ``physics``: names of the physics parameters whose priors are excluded from the objective
    (defaults to the variables of physics roles, ``built.sampled_parameters``). ``derived``:
    deterministics of the model (e.g. ``cevns_csi``) compiled with their gradients for
    :func:`~bayes_cevns.inference.profile.profile_derived` (then nothing is cached: those functions
    read the model's own data containers).
    ``backend``: ``"numba"`` (PyTensor's default linker, kept in the compile cache) or ``"jax"``
    (:mod:`bayes_cevns.inference.jax_backend`: XLA, seconds to compile on a first run; the data are
    frozen into it, so it has no data containers to replace, and it takes no ``derived``).
    ``hessian``: variables whose exact Hessian block ``value_grad_hess`` also returns (numba
    backend, no ``derived``; one cached function computes the value, the gradient and the block,
    and ``value_and_grad`` uses it too). An empty list gives a 0 x 0 block (a model whose every
    free variable is held: nothing to profile).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown objective backend {backend!r}; choose one of {BACKENDS}")
    if backend == "jax" and derived:
        raise ValueError("derived quantities need the numba objective backend")
    if hessian and (backend != "numba" or derived):
        raise ValueError("the exact Hessian needs the numba objective backend without derived quantities")
    model = built.model
    physics = set(physics if physics is not None else built.sampled_parameters)
    if backend == "jax":
        plain, values, chi2, _ = _chi2_graph(model, physics)
        compiled = _described(model, plain, jax_backend.value_and_grad(values, chi2))
        return _wrapped(compiled, compiled.value_and_grad, {})
    if derived:
        plain, values, chi2, grads = _chi2_graph(model, physics)
        compiled = _compile(model, plain, values, chi2, grads)
        data = {d.name: d for d in plain.data_vars}
    else:
        job = hessian_job(built, hessian, physics) if hessian else objective_job(built, physics)
        compile_all([job])
        compiled = job.load()
        shared = shared_inputs(compiled.value_and_grad)
        data = {n: shared[n] for n in compiled.data_names if n in shared}
    vgfun = compiled.value_and_grad
    vgfun.trust_input = True  # inputs are converted to float64 0-d arrays below
    n = len(compiled.names)

    def vg(x):
        try:
            out = vgfun(*(np.asarray(v, dtype=np.float64) for v in x))
        except ParameterValueError:  # outside the support (e.g. a NaN trial step): chi^2 = +inf
            return math.inf, np.zeros(len(x))
        return float(out[0]), np.array(out[1:1 + n], dtype=float)

    obj = _wrapped(compiled, vg, data)
    if hessian:
        obj.value_grad_hess, obj.hessian_names = _with_hessian(vgfun, n, len(hessian)), list(hessian)
    elif hessian is not None:
        obj.value_grad_hess = lambda x: (*vg(x), np.zeros((0, 0)))
    for dname in derived:
        if dname not in {d.name for d in plain.deterministics}:
            raise ValueError(f"unknown derived quantity {dname!r}; deterministics: "
                             f"{sorted(d.name for d in plain.deterministics)}")
        (expr,) = plain.replace_rvs_by_values([plain[dname]])
        if expr.ndim != 0:
            raise ValueError(f"derived quantity {dname!r} must be a scalar (it has {expr.ndim} dims)")
        dgrad = pt.grad(expr, values, disconnected_inputs="ignore")
        dfun = pytensor.function(values, [expr, *dgrad], on_unused_input="ignore")

        def dvg(x, dfun=dfun):
            out = dfun(*(np.asarray(v, dtype=np.float64) for v in x))
            return float(out[0]), np.array(out[1:], dtype=float)
        obj.derived[dname] = dvg
    return obj


def _with_hessian(hfun, n: int, k: int) -> callable:
    """``x -> (chi2, gradient, Hessian block)`` around the compiled Hessian function (+inf, zeros
    and a NaN block outside the support)."""
    def vgh(x):
        try:
            out = hfun(*(np.asarray(v, dtype=np.float64) for v in x))
        except ParameterValueError:
            return math.inf, np.zeros(n), np.full((k, k), np.nan)
        return float(out[0]), np.array(out[1:-1], dtype=float), np.asarray(out[-1], dtype=float)
    return vgh


def _wrapped(compiled: CompiledChi2, vg, data: dict) -> Objective:
    """The :class:`Objective` around one value-and-gradient call ``vg(x) -> (chi2, grad)``; MIGRAD
    asks for the value and then the gradient at the same point, which costs one call."""
    last: dict[str, np.ndarray] = {}

    def f(x):
        value, grad = vg(x)
        last["x"], last["g"] = np.array(x, dtype=float), grad
        return value

    def g(x):
        if "x" in last and np.array_equal(last["x"], np.asarray(x, dtype=float)):
            return last["g"].copy()
        return vg(x)[1]

    return Objective(compiled.names, np.array(compiled.start, dtype=float), compiled.limits, f, g, data, vg)
