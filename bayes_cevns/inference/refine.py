"""Adaptive refinement of a one-dimensional profile chi^2(x) so that no strip hides between points.

:func:`refine` samples a function chi^2(x) (x = log10 g in a mass slice) on a coarse grid and
refines it in passes until none of the rules below asks for another point. With
d(x) = chi^2(x) - min chi^2 over the points so far and ``rule`` a :class:`Refinement`:

1. **Crossing** -- an interval whose ends lie on opposite sides of ``threshold``, or whose ends
   both lie within ``near`` of it, is bisected until it is at most ``resolution`` wide: wherever
   the profile is near the threshold, an allowed or excluded piece wider than the resolution
   cannot fall between two points, and the interpolated crossing (``allowed_intervals``) is
   accurate to a fraction of the resolution.
2. **Steep** -- an interval whose ends differ by more than ``steep`` is bisected (down to the
   resolution), so the Laplace posterior is integrated on a fine grid where it changes fast.
3. **Curvature** -- every other interval wider than the resolution is tested once at its
   midpoint: if chi^2 there deviates by more than ``curvature`` from the straight line through the
   ends, both halves are tested again (recursively), otherwise both halves are accepted. A dip
   between two similar values (an allowed strip between two excluded points) or a bump (an
   excluded strip between two allowed points) is seen as soon as it moves the midpoint.
4. **Extrema** -- every local minimum of the sampled values with d <= ``region`` and every local
   maximum with d <= ``threshold`` (a bump that could reach it), whose prominence exceeds ``flat``,
   is located by a bounded Brent search (:func:`~bayes_cevns.inference.minimisers.bounded_brent`) between its two
   neighbours, to ``resolution / 4``; every evaluated point is kept.
5. **Windows and seeds** -- points known in advance (the analytic cancellation and strip
   positions of :mod:`bayes_cevns.inference.strips`) are evaluated first, and chi^2 is minimised
   by a bounded Brent search inside each given window, so a strip is found even where every grid
   point around it lies far above the threshold.

:func:`slope_outliers` flags the jumps of a profile: a step of more than ``curvature`` whose slope is
five times those of both neighbouring intervals, where the minimiser ended in a worse basin of the
nuisances on one side (the caller re-profiles such points from the other side).

Rules 1-3 apply only to intervals with min(d) <= ``region`` (beyond, the posterior density is
below e^{-region/2} of its peak and the profile is excluded) and above the SM plateau (rule 3):
the leading grid points whose chi^2 equals that of the smallest x to within ``flat``, where the new
amplitude is too small to make structure. The refinement stops at ``max_points``
(``complete: False`` in the report then).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from bayes_cevns.inference.minimisers import bounded_brent


@dataclass(frozen=True)
class Refinement:
    """Parameters of :func:`refine` (Delta chi^2 units, x in log10 g); see the module docstring."""

    threshold: float = 4.0
    resolution: float = 0.01
    near: float = 1.0
    steep: float = 1.0
    curvature: float = 0.5
    region: float = 30.0
    flat: float = 0.01
    max_points: int = 600
    max_passes: int = 40

    def to_dict(self) -> dict:
        return asdict(self)


def refine(f: Callable[[float], float], grid: Sequence[float], rule: Refinement = Refinement(),
           seeds: Iterable[float] = (), windows: Iterable[tuple[float, float]] = ()) -> tuple[dict, dict]:
    """Sample ``f`` on ``grid`` (in order), then at ``seeds``, in ``windows`` and by the rules.

    Returns ({x: chi^2} of every evaluated point, report) where the report gives the rule, the
    number of points, passes and Brent searches, and whether the refinement completed.
    """
    pts: dict[float, float] = {}

    def ev(x: float) -> float:
        x = float(x)
        if x not in pts:
            pts[x] = float(f(x))
        return pts[x]

    for x in grid:
        ev(x)
    lo, hi = min(pts), max(pts)
    for x in seeds:
        if lo < x < hi:
            ev(x)
    n_brent = 0
    for a, b in windows:
        if b - a > rule.resolution:
            _brent(ev, max(a, lo), min(b, hi), rule.resolution, +1)
            n_brent += 1
    verified: set[tuple[float, float]] = set()
    tested: dict[float, tuple[float, float]] = {}
    polished: list[float] = []
    complete, passes = False, 0
    for passes in range(1, rule.max_passes + 1):
        if len(pts) >= rule.max_points:
            break
        for m, (a, b) in list(tested.items()):
            if abs(pts[m] - 0.5 * (pts[a] + pts[b])) <= rule.curvature:
                verified.update({(a, m), (m, b)})
            del tested[m]
        xs = np.array([x for x in sorted(pts) if not np.isnan(pts[x])])  # NaN: unknown, as in allowed_intervals
        c = np.array([pts[x] for x in xs])
        if xs.size < 2:
            break
        new = _bisections(xs, c, rule, verified, tested)
        for x in new:
            ev(x)
        searched = _polish(ev, xs, c, rule, polished)
        n_brent += searched
        if not new and not searched:
            complete = True
            break
    report = {"rule": rule.to_dict(), "n_points": len(pts), "passes": passes, "brent_searches": n_brent,
              "complete": complete}
    return pts, report


def _plateau_end(xs: np.ndarray, c: np.ndarray, flat: float) -> float:
    """Largest x such that every point at or below it has chi^2 within ``flat`` of the first."""
    off = np.flatnonzero(np.abs(c - c[0]) >= flat)
    return float(xs[-1] if off.size == 0 else xs[max(off[0] - 1, 0)])


def _bisections(xs: np.ndarray, c: np.ndarray, rule: Refinement, verified: set, tested: dict) -> list[float]:
    """Midpoints asked for by rules 1-3 (registering the curvature tests in ``tested``)."""
    d = c - c.min()
    thr = rule.threshold
    plateau = _plateau_end(xs, c, rule.flat)
    new = []
    for i in range(xs.size - 1):
        a, b = float(xs[i]), float(xs[i + 1])
        if b - a <= rule.resolution * (1 + 1e-9) or min(d[i], d[i + 1]) > rule.region:
            continue
        m = 0.5 * (a + b)
        crossing = (d[i] <= thr) != (d[i + 1] <= thr) or max(abs(d[i] - thr), abs(d[i + 1] - thr)) <= rule.near
        if crossing or abs(c[i] - c[i + 1]) > rule.steep:
            new.append(m)
        elif b > plateau and (a, b) not in verified:
            new.append(m)
            tested[m] = (a, b)
    return new


def _polish(ev: Callable[[float], float], xs: np.ndarray, c: np.ndarray, rule: Refinement,
            polished: list[float]) -> int:
    """Rule 4: Brent searches at the sampled local extrema that matter; returns how many ran."""
    d = c - c.min()
    n = 0
    for i in range(1, xs.size - 1):
        lower = c[i] < min(c[i - 1], c[i + 1]) - rule.flat
        upper = c[i] > max(c[i - 1], c[i + 1]) + rule.flat
        if not ((lower and d[i] <= rule.region) or (upper and d[i] <= rule.threshold)):
            continue
        if xs[i + 1] - xs[i - 1] <= rule.resolution or any(abs(p - xs[i]) <= rule.resolution / 2 for p in polished):
            continue
        polished.append(_brent(ev, float(xs[i - 1]), float(xs[i + 1]), rule.resolution, +1 if lower else -1))
        n += 1
    return n


def _brent(ev: Callable[[float], float], a: float, b: float, resolution: float, sign: int) -> float:
    """x of the minimum (sign +1) or maximum (-1) of ``ev`` on [a, b] by bounded Brent."""
    return bounded_brent(lambda x: sign * ev(x), a, b, resolution / 4)[0]


def slope_outliers(xs: np.ndarray, c: np.ndarray, rule: Refinement, ratio: float = 5.0) -> list[tuple[float, float]]:
    """Adjacent pairs (a, b) with |chi^2(b) - chi^2(a)| > ``rule.curvature`` and a slope more than
    ``ratio`` times the slopes of both neighbouring intervals, min Delta chi^2 <= ``rule.region``."""
    d = c - c.min()
    slope = np.abs(np.diff(c) / np.diff(xs))
    out = []
    for i in range(1, xs.size - 2):
        if abs(c[i + 1] - c[i]) > rule.curvature and min(d[i], d[i + 1]) <= rule.region \
                and slope[i] > ratio * max(slope[i - 1], slope[i + 1]):
            out.append((float(xs[i]), float(xs[i + 1])))
    return out
