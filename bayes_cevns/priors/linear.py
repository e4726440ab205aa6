"""Linear combinations of NSI couplings and Gaussian / bounded / mixture / rank-one prior terms on them.

Oscillations see only the matter potential, i.e. a density-weighted sum over the background
fermions ([NSI-UV] Eq. 31), eps_ab^matter = sum_f (n_f / n_e) eps_ab^f; in neutral matter with
Y_n = n_n/n_e this is ([NSI-UV] Eq. 32)

    eps_ab^matter = (eps^e_ab + 2 eps^u_ab + eps^d_ab) + Y_n (eps^u_ab + 2 eps^d_ab),

and, since a term proportional to the identity does not change oscillations, only differences of
diagonal entries (eps_ee - eps_mumu, eps_tautau - eps_mumu) and the off-diagonal entries are
measured ([NSI-UV] text below Eq. 3). The quark couplings here are the ``eps_<ab>_<q>`` of
:mod:`bayes_cevns.physics.nsi`; NSI with electrons do not enter CEvNS and are left out.

Every prior term is a *normalised* density in its combination x (so terms can be mixed with
weights), evaluated with NumPy on grids (``logp``) or in a PyMC graph (``logp_tensor``, added as a
``pm.Potential`` by ``build_model(..., prior_terms=...)``).
"""

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pytensor.tensor as pt
from scipy.special import logsumexp, ndtri

from bayes_cevns.physics.constants import LEPTONS
from bayes_cevns.physics.nsi import NSI_PARAMETERS
from bayes_cevns.physics.nsi_zprime import rank_one_residual

#: neutron-to-electron density ratio of the Earth as used in [NSI-UV] (Fig. 5: n_n/n_e ~ n_p/n_e = 1)
Y_N_EARTH = 1.0


def _pair(alpha: str, beta: str) -> str:
    for x in (alpha, beta):
        if x not in LEPTONS:
            raise ValueError(f"unknown flavour {x!r}; choose among {LEPTONS}")
    i, j = sorted((LEPTONS.index(alpha), LEPTONS.index(beta)))
    return LEPTONS[i] + LEPTONS[j]


@dataclass(frozen=True)
class LinearCombination:
    """x = sum_k c_k eps_k over named NSI couplings (names checked against ``NSI_PARAMETERS``)."""

    coefficients: Mapping[str, float]
    label: str = ""

    def __post_init__(self):
        unknown = [k for k in self.coefficients if k not in NSI_PARAMETERS]
        if unknown:
            raise ValueError(f"unknown NSI parameter(s) {unknown}; known: {list(NSI_PARAMETERS)}")
        if not self.coefficients or not all(math.isfinite(v) for v in self.coefficients.values()):
            raise ValueError("a linear combination needs at least one finite coefficient")
        object.__setattr__(self, "coefficients", {k: float(v) for k, v in self.coefficients.items() if v != 0})
        if not self.label:
            object.__setattr__(self, "label", " + ".join(f"{v:g}*{k}" for k, v in self.coefficients.items()))

    @classmethod
    def parse(cls, text: str) -> "LinearCombination":
        """Parse ``eps_ee_u+eps_ee_d-0.5*eps_mumu_u`` (signed terms, optional ``coef*`` factors)."""
        body = text.replace(" ", "")
        terms = re.findall(r"([+-]?)(?:([0-9.]+(?:[eE][+-]?[0-9]+)?)\*)?(eps_[a-z]+_[ud])", body)
        rebuilt = "".join(f"{sg}{c + '*' if c else ''}{n}" for sg, c, n in terms)
        if not terms or rebuilt.lstrip("+") != body.lstrip("+"):
            raise ValueError(f"cannot parse the linear combination {text!r}; write e.g. eps_ee_u+eps_ee_d-eps_mumu_u")
        coeffs: dict[str, float] = {}
        for sign, coef, name in terms:
            coeffs[name] = coeffs.get(name, 0.0) + (-1.0 if sign == "-" else 1.0) * (float(coef) if coef else 1.0)
        return cls(coeffs, text.strip())

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(self.coefficients)

    def value(self, values: Mapping[str, np.ndarray | float]):
        """x for NumPy arrays (broadcast) or PyTensor variables; couplings missing from ``values`` are zero."""
        unknown = [k for k in values if k.startswith("eps_") and k not in NSI_PARAMETERS]
        if unknown:
            raise ValueError(f"unknown NSI parameter(s) {unknown}; known: {list(NSI_PARAMETERS)}")
        return sum(c * values[k] for k, c in self.coefficients.items() if k in values) + 0.0


def flavour_difference(alpha: str, beta: str, weights: Mapping[str, float] | None = None) -> LinearCombination:
    """sum_q w_q (eps^q_alpha alpha - eps^q_beta beta) (default w_u = w_d = 1: the combination
    eps^u + eps^d of [NSI-UV] Eqs. 3 and 5; :func:`matter_weights` for Eq. 32)."""
    w = {"u": 1.0, "d": 1.0} if weights is None else dict(weights)
    aa, bb = _pair(alpha, alpha), _pair(beta, beta)
    if aa == bb:
        raise ValueError("a flavour difference needs two different flavours")
    coeffs = {}
    for q, c in w.items():
        coeffs[f"eps_{aa}_{q}"] = c
        coeffs[f"eps_{bb}_{q}"] = -c
    return LinearCombination(coeffs, f"eps_{aa}-eps_{bb} ({'+'.join(f'{c:g}{q}' for q, c in w.items())})")


def off_diagonal(alpha: str, beta: str, weights: Mapping[str, float] | None = None) -> LinearCombination:
    """sum_q w_q eps^q_alpha beta (default eps^u + eps^d as in [NSI-UV] Eqs. 2 and 4)."""
    ab = _pair(alpha, beta)
    if alpha == beta:
        raise ValueError("off-diagonal needs two different flavours")
    w = {"u": 1.0, "d": 1.0} if weights is None else dict(weights)
    return LinearCombination({f"eps_{ab}_{q}": c for q, c in w.items()},
                             f"eps_{ab} ({'+'.join(f'{c:g}{q}' for q, c in w.items())})")


def matter_weights(y_n: float = Y_N_EARTH) -> dict[str, float]:
    """Quark weights of the matter-weighted eps of [NSI-UV] Eq. 32: u: 2 + Y_n, d: 1 + 2 Y_n."""
    if not (math.isfinite(y_n) and y_n >= 0):
        raise ValueError(f"Y_n = n_n/n_e must be a non-negative number, got {y_n}")
    return {"u": 2.0 + y_n, "d": 1.0 + 2.0 * y_n}


class PriorTerm:
    """A normalised log-density on one combination (subclasses define ``_logp`` for x)."""

    name: str
    combination: LinearCombination

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.combination.parameters

    def logp(self, values: Mapping[str, np.ndarray | float]) -> np.ndarray:
        return self.logp_x(np.asarray(self.combination.value(values), dtype=float))

    def logp_tensor(self, values: Mapping):
        return self.logp_x_tensor(self.combination.value(values))

    def logp_x(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def logp_x_tensor(self, x):
        raise NotImplementedError


@dataclass(frozen=True)
class GaussianPrior(PriorTerm):
    """x ~ N(mu, sigma)."""

    combination: LinearCombination
    mu: float
    sigma: float
    name: str = "gaussian"
    source: str = ""

    def __post_init__(self):
        if not (math.isfinite(self.mu) and math.isfinite(self.sigma) and self.sigma > 0):
            raise ValueError(f"Gaussian prior needs finite mu and sigma > 0, got {self.mu}, {self.sigma}")

    @classmethod
    def from_interval(cls, combination: LinearCombination, lower: float, upper: float, cl: float = 0.90,
                      name: str = "gaussian", source: str = "") -> "GaussianPrior":
        """The Gaussian whose central ``cl`` interval is [lower, upper] (a two-sided C.L. range)."""
        if not 0 < cl < 1:
            raise ValueError(f"confidence level must lie in (0, 1), got {cl}")
        if not lower < upper:
            raise ValueError(f"interval needs lower < upper, got [{lower}, {upper}]")
        z = float(ndtri(0.5 + 0.5 * cl))
        return cls(combination, 0.5 * (lower + upper), 0.5 * (upper - lower) / z, name, source)

    def interval(self, cl: float = 0.90) -> tuple[float, float]:
        z = float(ndtri(0.5 + 0.5 * cl))
        return self.mu - z * self.sigma, self.mu + z * self.sigma

    def logp_x(self, x):
        return -0.5 * ((x - self.mu) / self.sigma) ** 2 - np.log(self.sigma * np.sqrt(2.0 * np.pi))

    def logp_x_tensor(self, x):
        return -0.5 * pt.sqr((x - self.mu) / self.sigma) - math.log(self.sigma * math.sqrt(2 * math.pi))


@dataclass(frozen=True)
class BoundedPrior(PriorTerm):
    """x uniform on [lower, upper] (zero density outside)."""

    combination: LinearCombination
    lower: float
    upper: float
    name: str = "bounded"
    source: str = ""

    def __post_init__(self):
        if not (math.isfinite(self.lower) and math.isfinite(self.upper) and self.lower < self.upper):
            raise ValueError(f"bounded prior needs finite lower < upper, got [{self.lower}, {self.upper}]")

    def logp_x(self, x):
        inside = (x >= self.lower) & (x <= self.upper)
        return np.where(inside, -math.log(self.upper - self.lower), -np.inf)

    def logp_x_tensor(self, x):
        inside = pt.and_(pt.ge(x, self.lower), pt.le(x, self.upper))
        return pt.switch(inside, -math.log(self.upper - self.lower), -np.inf)


@dataclass(frozen=True)
class MixturePrior(PriorTerm):
    """Weighted mixture of normalised terms on the same combination (e.g. LMA + LMA-Dark)."""

    components: Sequence[PriorTerm]
    weights: Sequence[float]
    name: str = "mixture"
    combination: LinearCombination = field(init=False)

    def __post_init__(self):
        if not self.components or len(self.components) != len(self.weights):
            raise ValueError("a mixture needs one weight per component")
        w = np.asarray(self.weights, dtype=float)
        if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
            raise ValueError(f"mixture weights must be non-negative and not all zero, got {list(self.weights)}")
        combos = {tuple(sorted(c.combination.coefficients.items())) for c in self.components}
        if len(combos) != 1:
            raise ValueError("mixture components must act on the same linear combination")
        object.__setattr__(self, "weights", tuple(float(v) for v in w / w.sum()))
        object.__setattr__(self, "combination", self.components[0].combination)

    def logp_x(self, x):
        terms = [math.log(w) + c.logp_x(x) for c, w in zip(self.components, self.weights) if w > 0]
        return logsumexp(np.stack(np.broadcast_arrays(*terms)), axis=0)

    def logp_x_tensor(self, x):
        terms = [math.log(w) + c.logp_x_tensor(x) for c, w in zip(self.components, self.weights) if w > 0]
        return pt.logsumexp(pt.stack(terms), axis=0)


@dataclass(frozen=True)
class RankOneConstraint(PriorTerm):
    """The single-psi prediction |eps_ab|^2 = eps_aa eps_bb of [NSI-UV] (below Eq. 11), imposed as
    a Gaussian of width ``sigma`` on the residual r = eps_ab^2 - eps_aa eps_bb (per quark ``q``).

    Not normalised in the couplings (it is a constraint surface, not a density on one combination);
    its log is exactly zero on the surface.
    """

    alpha: str
    beta: str
    quark: str = "u"
    sigma: float = 1e-3
    name: str = "rank_one"

    def __post_init__(self):
        if self.alpha == self.beta:
            raise ValueError("the rank-one relation links two different flavours")
        if self.quark not in ("u", "d"):
            raise ValueError(f"quark must be 'u' or 'd', got {self.quark!r}")
        if not (math.isfinite(self.sigma) and self.sigma > 0):
            raise ValueError(f"sigma must be positive, got {self.sigma}")

    @property
    def names(self) -> tuple[str, str, str]:
        q = self.quark
        return (f"eps_{_pair(self.alpha, self.alpha)}_{q}", f"eps_{_pair(self.beta, self.beta)}_{q}",
                f"eps_{_pair(self.alpha, self.beta)}_{q}")

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.names

    def _residual(self, values):
        aa, bb, ab = (values.get(n, 0.0) for n in self.names)
        return rank_one_residual(aa, bb, ab)

    def logp(self, values):
        return -0.5 * (np.asarray(self._residual(values), dtype=float) / self.sigma) ** 2

    def logp_tensor(self, values):
        return -0.5 * pt.sqr(self._residual(values) / self.sigma)


def total_logp(terms: Sequence[PriorTerm], values: Mapping[str, np.ndarray | float]) -> np.ndarray:
    """Sum of the log-densities of independent prior terms."""
    return sum(np.asarray(t.logp(values), dtype=float) for t in terms) + 0.0
