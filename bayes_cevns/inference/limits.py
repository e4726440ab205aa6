"""Coupling limits in the mediator (M, g) plane: profile chi^2 and marginal posterior, side by side.

For a card with a coupling ``g`` and a mass ``m_med`` (every light-mediator card), one compiled
chi^2 graph (:func:`bayes_cevns.inference.profile.objective`; the log10 g and log10 M variables are
held fixed, every nuisance is free) serves every mass. At fixed mass M:

* **chi^2 (frequentist)**: the profile chi^2_p(g) (all nuisances minimised) on a grid in log10 g,
  seeded with the analytic interference strips of [LM] Eqs. 44-49 and refined until no allowed or
  excluded piece wider than 0.01 in log10 g can hide near the threshold
  (:meth:`MediatorScan.slice`). The limit is the first g above the small-coupling (SM-like)
  region where Delta chi^2 = chi^2_p(g) - min_g chi^2_p crosses the threshold
  ``chi2.ppf(cl, 1)`` (= 4.0 for the 2 sigma, 95.45% C.L. of [LM]): one parameter of interest per
  mass slice (a raster scan), so one degree of freedom. The crossing is interpolated linearly
  on the refined grid (spacing reported as ``log10_g_resolution``).
* **Bayes (marginal posterior)**: the nuisances are marginalised with the Laplace approximation
  at every grid point, log m(g) = -chi^2_p/2 - 1/2 log det(H/2) (H the nuisance Hessian of
  chi^2), and the one-dimensional posterior in g is integrated on the refined grid: no sampler
  has to cross between the disjoint allowed regions of the interference strips ([LM] Eqs. 44-49),
  so every mode is found and weighed. Priors: log-uniform in g on [g_lo, g_hi] (the result
  depends on g_lo, because the likelihood is flat as g -> 0), uniform in g on [0, g_hi] and
  uniform in g^2 on [0, g_hi^2] (the last two: densities g and g^2 per unit log g).
  :func:`nuts_slice` samples the same slice with NUTS as a cross-check.
"""

import math
from collections.abc import Sequence

import numpy as np

from bayes_cevns.inference.minimisers import Problem, lbfgs, newton, open_bounds
from bayes_cevns.inference.profile import objective
from bayes_cevns.inference.refine import Refinement, refine, slope_outliers
from bayes_cevns.inference.slices import (
    CL_2SIGMA,
    LOG10_G_RANGE,
    PRIORS,
    Slice,
    bayes_upper,
    chi2_upper,
    delta_chi2_threshold,
    hpd_level,
    mode_masses,
    plane,
    posterior_log10_g,
)
from bayes_cevns.inference.strips import strip_seeds
from bayes_cevns.model.build import build_model
from bayes_cevns.model.cards import CardError, ModelCard, load_card

#: version of the slice algorithm (grid, seeds, refinement rule); part of the checkpoint fingerprint
SLICE_ALGORITHM = "strips-3"
#: refinement of every mass slice: the 2 sigma threshold resolved to 0.01 in log10 g
SLICE_RULE = Refinement(threshold=delta_chi2_threshold(CL_2SIGMA, 1), resolution=0.01)
#: Delta chi^2 above the slice's lowest point beyond which a point's profile is not polished by
#: L-BFGS where Newton stalls: the unpolished Newton value is an upper bound of the profile. Over
#: the 66 slices of the limit table Newton overestimates such points by up to a factor 4.3 and
#: their polished values are all >= 98 (far above the threshold band, posterior weight < e^-45);
#: the chi^2 and Bayes limits are the same to rounding with and without the polish
POLISH_MARGIN = 100.0

__all__ = ["CL_2SIGMA", "LOG10_G_RANGE", "PRIORS", "SLICE_ALGORITHM", "SLICE_RULE", "MediatorScan", "Slice",
           "bayes_upper", "chi2_upper", "delta_chi2_threshold", "hpd_level", "mode_masses", "plane",
           "posterior_log10_g"]


class MediatorScan:
    """Compiled profile chi^2 of one card on one or more experiments, as a function of (M, g)."""

    def __init__(self, card: ModelCard | str, experiments: Sequence[str], likelihood: dict | None = None):
        self.card = load_card(card) if isinstance(card, str) else card
        coupling = [n for n, p in self.card.parameters.items() if p.role == "coupling"]
        mass = [n for n, p in self.card.parameters.items() if p.role == "mass"]
        if len(coupling) != 1 or len(mass) != 1:
            raise CardError(f"model {self.card.name!r} is not a mediator card: (M, g) limits need one parameter of "
                            f"role 'coupling' and one of role 'mass'; it has {coupling} and {mass}")
        self.experiments = list(experiments)
        built = build_model(self.card, self.experiments, free=[coupling[0], mass[0]], likelihood=likelihood,
                            priors={coupling[0]: "log_uniform(1e-7,1.0)", mass[0]: "log_uniform(1e-3,1e5)"})
        self._compile(built, built.carrier("coupling"), -7.0, 1.0)

    def _compile(self, built, coupling, coupling_ref, log10_mass_ref: float) -> None:
        """Compile the objective with the exact Hessian over the nuisances; ``coupling``: the
        coupling variable(s) held on the grid, with reference value(s) ``coupling_ref`` at which
        the nuisance scales are set."""
        self.built = built
        self.model = built.model
        self.coupling_rv, self.mass_rv = coupling, built.carrier("mass")
        held = set(coupling if isinstance(coupling, (list, tuple)) else [coupling]) | {self.mass_rv}
        self.obj = objective(built, hessian=[rv.name for rv in built.model.free_RVs if rv.name not in held])
        names = self.obj.names
        self.ig = [names.index(n) for n in coupling] if isinstance(coupling, (list, tuple)) else names.index(coupling)
        self.im = names.index(self.mass_rv)
        self.nuis = [names.index(n) for n in self.obj.hessian_names]
        self.bounds = [tuple(self.obj.limits[i]) for i in self.nuis]
        self._lo, self._hi = open_bounds(self.bounds)
        tables = [e.time_table for e in built.experiments if e.time_table.offsets.size > 1 and e.time_table.nuisance]
        knots = {t.nuisance: t.offsets for t in tables}  # the onset enters by linear interpolation
        self._knots = tuple(knots.get(n) for n in self.obj.hessian_names)
        self.start = self.obj.start.copy()
        self.n_evals = 0
        h = self.hessian(coupling_ref, log10_mass_ref, self.start[self.nuis])
        self.scale = 1.0 / np.sqrt(np.maximum(np.diag(h), 1e-6))

    # --- profile -------------------------------------------------------------------------
    def _full(self, lg: float, lm: float, xn: np.ndarray) -> np.ndarray:
        x = self.start.copy()
        x[self.ig], x[self.im] = lg, lm
        x[self.nuis] = xn
        return x

    def _value_grad(self, lg: float, lm: float, xn: np.ndarray) -> tuple[float, np.ndarray]:
        self.n_evals += 1
        v, g = self.obj.value_and_grad(self._full(lg, lm, xn))
        return v, g[self.nuis]

    def _value_grad_hess(self, lg: float, lm: float, xn: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        self.n_evals += 1
        v, g, h = self.obj.value_grad_hess(self._full(lg, lm, xn))
        return v, g[self.nuis], h

    def hessian(self, lg: float, lm: float, xn: np.ndarray) -> np.ndarray:
        """The exact d^2 chi^2 / d nuisance^2 (compiled from the graph's second derivatives)."""
        return self._value_grad_hess(lg, lm, xn)[2]

    def problem(self, lg: float, lm: float) -> Problem:
        """chi^2 over the nuisances at fixed (log10 g, log10 M), for :mod:`~bayes_cevns.inference.minimisers`."""
        return Problem(lambda xn: self._value_grad(lg, lm, xn), self._lo, self._hi, self.scale,
                       lambda xn: self._value_grad_hess(lg, lm, xn), knots=self._knots)

    def profile(self, lg: float, lm: float, xn0: np.ndarray | None = None, max_iter: int = 15,
                polish: bool = True, polish_below: float = math.inf) -> tuple[float, np.ndarray, np.ndarray]:
        """min over nuisances of chi^2 at fixed (log10 g, log10 M): (chi^2, nuisances, Hessian).

        Projected Newton with the exact Hessian (:func:`~bayes_cevns.inference.minimisers.newton`);
        the returned Hessian is the exact one at the minimum. Where Newton stalls (non-convex
        regions far above the limit) L-BFGS-B (:func:`~bayes_cevns.inference.minimisers.lbfgs`)
        takes over and the lower of the two points is kept, unless ``polish=False`` (a toy's
        search for its global minimum) or Newton's chi^2 is above ``polish_below`` (far above the
        threshold of a slice).
        """
        problem = self.problem(lg, lm)
        best = newton(problem, self.start[self.nuis] if xn0 is None else xn0, max_iter)
        f, x, h = best.chi2, best.x, best.hessian
        if polish and f < polish_below and x.size and (not best.converged or np.linalg.eigvalsh(h)[0] <= 0):
            alt = lbfgs(problem, x)
            if alt.chi2 < f:
                f, x, h = alt.chi2, alt.x, self.hessian(lg, lm, alt.x)
        return float(f), x, h

    def _point(self, lg: float, lm: float, xn0: np.ndarray | None,
               polish_below: float = math.inf) -> tuple[float, float, np.ndarray, np.ndarray]:
        """(profile chi^2, Laplace log marginal likelihood, nuisances, Hessian) at one (g, M)."""
        c2, xn, h = self.profile(lg, lm, xn0, polish_below=polish_below)
        sign, logdet = np.linalg.slogdet(0.5 * h)
        return c2, -0.5 * c2 - 0.5 * (float(logdet) if sign > 0 else float("nan")), xn, h

    def slice(self, mass_mev: float, log10_g_range: tuple[float, float] = LOG10_G_RANGE, n_grid: int = 36,
              rule: Refinement = SLICE_RULE) -> Slice:
        """Profile chi^2 and Laplace log marginal on an adaptively refined log10 g grid.

        ``n_grid`` points (step 0.2 by default), the analytic cancellation and strip positions of
        the card ([LM] Eqs. 44-49, :func:`bayes_cevns.inference.strips.strip_seeds`) and a Brent
        minimisation in the strip window, then the rules of :func:`bayes_cevns.inference.refine.refine`:
        the spacing is at most ``rule.resolution`` (0.01 in log10 g) wherever Delta chi^2 crosses or
        lies within ``rule.near`` of the threshold, steep intervals are bisected, every other
        interval is bisected while its midpoint deviates from the straight line by more than
        ``rule.curvature``, and the local extrema are located by Brent searches. ``extra`` records
        ``log10_g_resolution``, the seeds, the windows and the refinement report. Each point is
        warm-started from the nearest point already computed; where the profile jumps
        (:func:`bayes_cevns.inference.refine.slope_outliers`) both ends are re-profiled from the
        other's nuisances and the lower chi^2 is kept (``repaired_points``), then refined again.
        """
        if not mass_mev > 0:
            raise ValueError(f"mediator mass must be positive, got {mass_mev} MeV")
        lm = math.log10(mass_mev)
        pts: dict[float, tuple[float, float, np.ndarray, np.ndarray]] = {}

        def chi2_at(lg: float) -> float:
            if lg not in pts:
                near = min(pts, key=lambda k: abs(k - lg)) if pts else None
                pts[lg] = self._point(lg, lm, pts[near][2] if near is not None else None, _polish_below(pts))
            return pts[lg][0]

        seeds, windows = strip_seeds(self.card, self.built.experiments, mass_mev, log10_g_range)
        grid, todo, repaired = np.linspace(*log10_g_range, n_grid), (seeds, windows), 0
        for _ in range(3):
            _, report = refine(chi2_at, grid, rule, *todo)
            fixed = self._repair(pts, lm, rule)
            if not fixed:
                break
            repaired += fixed
            grid, todo = sorted(pts), ((), ())  # refine again around the repaired points
        report["repaired_points"] = repaired
        keys = sorted(pts)
        extra = {"algorithm": SLICE_ALGORITHM, "log10_g_resolution": rule.resolution, "seeds": seeds,
                 "strip_windows": [list(w) for w in windows], "refinement": report}
        return Slice(float(mass_mev), keys, [pts[k][0] for k in keys], [pts[k][1] for k in keys], extra)

    def _repair(self, pts: dict, lm: float, rule: Refinement, max_rounds: int = 50) -> int:
        """Re-profile both ends of every jump warm-started from the other end; keep the lower chi^2
        (the profile is a minimum over the nuisances). Returns the number of points improved."""
        fixed = 0
        for _ in range(max_rounds):
            xs = np.array(sorted(pts))
            improved = 0
            for a, b in slope_outliers(xs, np.array([pts[x][0] for x in xs]), rule):
                for x, src in ((a, b), (b, a)):
                    trial = self._point(x, lm, pts[src][2], _polish_below(pts))
                    if trial[0] < pts[x][0] - 1e-6:
                        pts[x], improved = trial, improved + 1
            if not improved:
                break
            fixed += improved
        return fixed


def _polish_below(pts: dict) -> float:
    """The chi^2 above which a slice point is left unpolished: :data:`POLISH_MARGIN` above the
    lowest profile computed so far."""
    return min((p[0] for p in pts.values()), default=math.inf) + POLISH_MARGIN
