"""Profile chi^2 and Laplace-marginal likelihood of CEvNS data on grids of NSI couplings.

One compiled chi^2 graph of the ``nsi_light`` card serves every point: the ten
CEvNS-visible ``eps_<ab>_<q>`` ([LAR] Eq. 5, [NSI-UV] Eq. 1) and log10 M are free variables of the model but held
at the grid values, every nuisance is minimised (the Newton profile of
:class:`bayes_cevns.inference.limits.MediatorScan`, reused here), and the Laplace approximation
log m = -chi^2_p/2 - 1/2 log det(H/2) marginalises the nuisances for the Bayesian posterior. The
contact (heavy-mediator) limit is M = ``HEAVY_MASS_MEV``, where q^2/M^2 < 3e-6 on every recoil node.

Grids, not NUTS, because a single eps has two disjoint allowed regions (the SM one and the
"flipped" one with Q_SM + Q_NSI ~ -Q_SM) separated by a high chi^2 wall.
"""

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bayes_cevns.model.cards import load_card
from bayes_cevns.inference.intervals import allowed_intervals, laplace_log_marginal
from bayes_cevns.inference.limits import MediatorScan, delta_chi2_threshold, hpd_level
from bayes_cevns.model.build import build_model
from bayes_cevns.physics.constants import FLAVOUR_LEPTON
from bayes_cevns.physics.nsi import NSI_PARAMETERS, pair_name

#: contact limit used for "heavy mediator" results
HEAVY_MASS_MEV = 1.0e5
#: prior range of every eps in the scans (inside the card bounds)
EPS_RANGE = (-1.0, 1.0)
#: couplings a pi-DAR beam (nu_e, nu_mu, anti-nu_mu; no nu_tau) can see: eps_tautau is CEvNS-blind
CEVNS_VISIBLE: tuple[str, ...] = tuple(
    f"eps_{pair_name(a, b)}_{q}" for a in range(3) for b in range(a, 3) for q in ("u", "d")
    if a in FLAVOUR_LEPTON or b in FLAVOUR_LEPTON)


def check_eps_names(names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in NSI_PARAMETERS]
    if unknown:
        raise ValueError(f"unknown NSI parameter(s) {unknown}; known: {list(NSI_PARAMETERS)}")


def check_grid(grid: np.ndarray, name: str = "grid") -> np.ndarray:
    """A finite, strictly increasing 1-D grid (ValueError otherwise)."""
    g = np.asarray(grid, dtype=float)
    if g.ndim != 1 or g.size < 2:
        raise ValueError(f"{name} must be one-dimensional with at least two points")
    if not np.all(np.isfinite(g)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if not np.all(np.diff(g) > 0):
        raise ValueError(f"{name} must be strictly increasing")
    return g


@dataclass
class EpsGrid:
    """Profile chi^2 and Laplace log marginal likelihood along a line eps = t * direction."""

    direction: dict[str, float]
    mass_mev: float
    experiments: list[str]
    t: np.ndarray
    chi2: np.ndarray
    log_marginal: np.ndarray

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for k in ("t", "chi2", "log_marginal"):
            d[k] = np.asarray(d[k]).tolist()
        return d


class EpsScan(MediatorScan):
    """Compiled profile chi^2 of the NSI card on one or more experiments, as a function of (eps, M).

    ``couplings`` (default: all of :data:`CEVNS_VISIBLE`) are model variables, the others stay
    at zero; fewer couplings compile faster. ``eps_tautau_q`` cannot be chosen: no beam neutrino
    carries tau flavour, so the likelihood does not depend on them at all.
    """

    def __init__(self, experiments: Sequence[str], couplings: Sequence[str] = CEVNS_VISIBLE,
                 likelihood: dict | None = None):
        check_eps_names(couplings)
        blind = [c for c in couplings if c not in CEVNS_VISIBLE]
        if blind or not couplings:
            raise ValueError(f"couplings {blind} are invisible to CEvNS; choose among {list(CEVNS_VISIBLE)}")
        self.couplings = tuple(couplings)
        base = load_card("nsi_light")
        params = {k: dataclasses.replace(p, free=False) for k, p in base.parameters.items()}
        self.card = dataclasses.replace(base, parameters=params)
        self.experiments = list(experiments)
        lo, hi = (5.0 * x for x in EPS_RANGE)
        priors = {n: f"uniform({lo},{hi})" for n in self.couplings}
        priors |= {n: "log_uniform(1e-3,1e5)" for n, p in self.card.parameters.items() if p.role == "mass"}
        built = build_model(self.card, self.experiments, likelihood=likelihood, priors=priors)
        self._compile(built, list(self.couplings), np.zeros(len(self.couplings)), 5.0)

    def vector(self, values: Mapping[str, float]) -> np.ndarray:
        """The scanned couplings in model order from a (partial) mapping; unnamed ones are zero.
        ``eps_tautau_q`` are accepted and ignored (the likelihood does not depend on them); a
        non-zero value for a visible coupling that this scan holds at zero is an error."""
        check_eps_names(list(values))
        missing = [k for k, v in values.items() if v != 0 and k in CEVNS_VISIBLE and k not in self.couplings]
        if missing:
            raise ValueError(f"{missing} are not variables of this scan (couplings: {list(self.couplings)})")
        return np.array([float(values.get(n, 0.0)) for n in self.couplings])

    def point(self, values: Mapping[str, float], mass_mev: float = HEAVY_MASS_MEV) -> tuple[float, float]:
        """(profile chi^2, Laplace log marginal likelihood) at one set of couplings."""
        c2, lm, _, _ = self._point(self.vector(values), _log10_mass(mass_mev), None)
        return c2, lm

    def line(self, direction: Mapping[str, float], t: np.ndarray, mass_mev: float = HEAVY_MASS_MEV) -> EpsGrid:
        """Scan eps = t * direction (e.g. ``{"eps_ee_u": 1}`` for one coupling at a time) with
        warm starts from the neighbouring point, outward from the grid point nearest t = 0."""
        t = check_grid(t, "t grid")
        d = self.vector(direction)
        if not np.any(d):
            raise ValueError(f"direction {dict(direction)} has no component along the scanned couplings "
                             f"{list(self.couplings)}")
        lm = _log10_mass(mass_mev)
        chi2, logm = np.empty(t.size), np.empty(t.size)
        k0 = int(np.argmin(np.abs(t)))
        chi2[k0], logm[k0], x0, _ = self._point(t[k0] * d, lm, None)
        for order in (range(k0 + 1, t.size), range(k0 - 1, -1, -1)):
            xn = x0
            for i in order:
                chi2[i], logm[i], xn, _ = self._point(t[i] * d, lm, xn)
        return EpsGrid({n: float(v) for n, v in zip(self.couplings, d) if v}, float(mass_mev),
                       self.experiments, t, chi2, logm)


def _log10_mass(mass_mev: float) -> float:
    if not (math.isfinite(mass_mev) and mass_mev > 0):
        raise ValueError(f"mediator mass must be positive and finite, got {mass_mev} MeV")
    return math.log10(mass_mev)


def posterior_density(grid: EpsGrid, log_prior: np.ndarray | None = None, n_fine: int = 8001
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Normalised posterior density of t on a fine grid: Laplace marginal likelihood x prior
    (flat over the scanned range unless ``log_prior`` on ``grid.t`` is given). NaN Laplace terms
    follow the package policy (:func:`bayes_cevns.inference.intervals.laplace_log_marginal`: the
    profile chi^2 is kept, the log-determinant interpolated)."""
    t, lm = laplace_log_marginal(grid.t, grid.chi2, grid.log_marginal)
    if log_prior is not None:
        lp = np.asarray(log_prior, float)
        if lp.shape != np.shape(grid.t):
            raise ValueError("log_prior must be given on the scan grid")
        lm = lm + lp[np.isfinite(np.asarray(grid.chi2, float))]
    ok = np.isfinite(lm)
    fine = np.linspace(grid.t[0], grid.t[-1], n_fine)
    logp = np.interp(fine, t[ok], lm[ok])
    if log_prior is not None:
        logp = np.where(np.interp(fine, t, ok.astype(float)) < 1.0, -np.inf, logp)
    p = np.exp(logp - logp.max())
    return fine, p / np.trapezoid(p, fine)


def hpd_intervals(x: np.ndarray, p: np.ndarray, prob: float) -> tuple[list[list[float]], list[float]]:
    """Highest-posterior-density region of a gridded density: its disjoint intervals and the
    posterior mass of each."""
    if not 0.0 < prob < 1.0:
        raise ValueError(f"probability must lie in (0, 1), got {prob}")
    w = p * np.gradient(x)
    level = hpd_level(p, w, prob)
    regions = allowed_intervals(x, level - p, 0.0)
    masses = [float(w[(x >= a) & (x <= b)].sum() / w.sum()) for a, b in regions]
    return regions, masses


def one_at_a_time(grid: EpsGrid, cl: float = 0.90) -> dict:
    """chi^2 (Wilks, 1 dof) allowed intervals and Bayesian HPD intervals at ``cl`` for one scan."""
    thr = delta_chi2_threshold(cl, 1)
    chi2 = np.asarray(grid.chi2)
    best = int(np.argmin(chi2))
    fine, p = posterior_density(grid)
    hpd, masses = hpd_intervals(fine, p, cl)
    sm = float(np.interp(0.0, grid.t, chi2) - chi2.min())
    return {"cl": cl, "threshold": thr, "chi2_min": float(chi2.min()), "best": float(grid.t[best]),
            "delta_chi2_sm": sm, "chi2_intervals": allowed_intervals(grid.t, chi2 - chi2.min(), thr),
            "bayes_hpd": hpd, "bayes_hpd_mass": masses,
            "prior_range": [float(grid.t[0]), float(grid.t[-1])]}
