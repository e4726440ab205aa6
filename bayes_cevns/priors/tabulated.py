"""A log-prior from a tabulated Delta chi^2 of an external (oscillation) fit, 1-D or 2-D.

Global oscillation fits publish Delta chi^2 on a grid of one or two NSI combinations. Read as a
likelihood, exp(-Delta chi^2 / 2) times a flat prior is the posterior of that fit, which is the
prior to combine with CEvNS: log pi(x) = -Delta chi^2(x) / 2 - log Z, with Z the integral of
exp(-Delta chi^2/2) over the grid (so the term is a normalised density in x). Between grid points
Delta chi^2 is interpolated linearly (bilinearly in 2-D), in NumPy and in PyTensor (the same
formula, so a NUTS potential and a grid evaluation agree); outside the grid the density is zero.

CSV format: a header row naming the columns; one column per axis and one for Delta chi^2
(default ``dchi2``). A 2-D table lists every (x, y) pair of a rectangular grid once, in any order.
"""

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.priors.linear import LinearCombination, PriorTerm


class TableError(ValueError):
    """A Delta chi^2 table is malformed (columns, numbers, grid)."""


def _strict_grid(g: np.ndarray, name: str) -> np.ndarray:
    if g.size < 2:
        raise TableError(f"axis {name!r} needs at least two grid points")
    if not np.all(np.diff(g) > 0):
        raise TableError(f"axis {name!r} is not strictly increasing (sort it; no duplicates)")
    return g


def _interp1_tensor(x, grid: np.ndarray, values: np.ndarray):
    """Linear interpolation of ``values`` on ``grid`` at the PyTensor scalar/array ``x`` (clipped)."""
    n = grid.size
    g = pt.constant(grid)
    i = pt.clip(pt.extra_ops.searchsorted(g, x, side="right") - 1, 0, n - 2)
    w = (x - g[i]) / (g[i + 1] - g[i])
    return i, w


@dataclass(frozen=True)
class TabulatedDeltaChi2(PriorTerm):
    """Normalised log-prior -Delta chi^2/2 - log Z on one or two linear combinations."""

    axes: tuple[LinearCombination, ...]
    grids: tuple[np.ndarray, ...]
    dchi2: np.ndarray
    name: str = "tabulated"
    source: str = ""

    def __post_init__(self):
        if len(self.axes) not in (1, 2) or len(self.grids) != len(self.axes):
            raise TableError("a Delta chi^2 table has one or two axes, each with its grid")
        grids = tuple(_strict_grid(np.asarray(g, dtype=float), a.label) for g, a in zip(self.grids, self.axes))
        d = np.asarray(self.dchi2, dtype=float)
        if d.shape != tuple(g.size for g in grids):
            raise TableError(f"Delta chi^2 has shape {d.shape}, grid needs {tuple(g.size for g in grids)}")
        if not np.all(np.isfinite(d)) or np.any(d < 0):
            raise TableError("Delta chi^2 must be finite and non-negative everywhere on the grid")
        object.__setattr__(self, "grids", grids)
        object.__setattr__(self, "dchi2", d - d.min())
        object.__setattr__(self, "_log_z", self._log_norm())

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for a in self.axes for p in a.parameters))

    @property
    def combination(self) -> LinearCombination:
        if len(self.axes) != 1:
            raise AttributeError("a 2-D table acts on two combinations (see .axes)")
        return self.axes[0]

    def _log_norm(self) -> float:
        """log of the integral of exp(-Delta chi^2 / 2) over the (piecewise-linear) table, by
        trapezoidal integration on a 16x refined grid."""
        fine = [np.linspace(g[0], g[-1], 16 * (g.size - 1) + 1) for g in self.grids]
        mesh = np.meshgrid(*fine, indexing="ij")
        f = np.exp(-0.5 * self.interpolate(*mesh))
        for k in reversed(range(len(fine))):
            f = np.trapezoid(f, fine[k], axis=k)
        return float(math.log(f))

    def interpolate(self, *xs: np.ndarray) -> np.ndarray:
        """Delta chi^2 at points (NaN outside the grid)."""
        xs = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in xs))
        if len(xs) == 1:
            g, = self.grids
            out = np.interp(xs[0], g, self.dchi2)
            return np.where((xs[0] >= g[0]) & (xs[0] <= g[-1]), out, np.nan)
        from scipy.interpolate import RegularGridInterpolator

        f = RegularGridInterpolator(self.grids, self.dchi2, method="linear", bounds_error=False, fill_value=np.nan)
        return f(np.stack([x.ravel() for x in xs], axis=-1)).reshape(xs[0].shape)

    def logp(self, values: Mapping[str, np.ndarray | float]) -> np.ndarray:
        xs = [np.asarray(a.value(values), dtype=float) for a in self.axes]
        return self.logp_x(*xs)

    def logp_x(self, *xs):
        d = self.interpolate(*xs)
        return np.where(np.isnan(d), -np.inf, -0.5 * d - self._log_z)

    def logp_tensor(self, values: Mapping):
        xs = [pt.as_tensor_variable(a.value(values)) for a in self.axes]
        return self.logp_x_tensor(*xs)

    def logp_x_tensor(self, *xs):
        inside = None
        for x, g in zip(xs, self.grids):
            cond = pt.and_(pt.ge(x, g[0]), pt.le(x, g[-1]))
            inside = cond if inside is None else pt.and_(inside, cond)
        table = pt.constant(self.dchi2)
        if len(xs) == 1:
            i, w = _interp1_tensor(xs[0], self.grids[0], self.dchi2)
            d = table[i] * (1 - w) + table[i + 1] * w
        else:
            i, u = _interp1_tensor(xs[0], self.grids[0], self.dchi2)
            j, v = _interp1_tensor(xs[1], self.grids[1], self.dchi2)
            d = ((1 - u) * (1 - v) * table[i, j] + u * (1 - v) * table[i + 1, j]
                 + (1 - u) * v * table[i, j + 1] + u * v * table[i + 1, j + 1])
        return pt.switch(inside, -0.5 * d - self._log_z, -np.inf)

    @classmethod
    def from_csv(cls, path: str | Path, axes: Mapping[str, LinearCombination | str],
                 value_column: str = "dchi2", name: str | None = None) -> "TabulatedDeltaChi2":
        """Read a 1-D or 2-D table. ``axes`` maps CSV column names to the combination each column
        measures (a ``LinearCombination`` or the name of one coupling, e.g. ``"eps_ee_u"``)."""
        path = Path(path)
        if not 1 <= len(axes) <= 2:
            raise TableError("give one or two axis columns")
        combos = tuple(a if isinstance(a, LinearCombination) else LinearCombination({a: 1.0}) for a in axes.values())
        cols = list(axes) + [value_column]
        try:
            with path.open(newline="") as fh:
                rows = list(csv.reader(fh))
        except OSError as err:
            raise TableError(f"cannot read {path}: {err}") from None
        rows = [r for r in rows if r and not r[0].lstrip().startswith("#")]
        if not rows:
            raise TableError(f"{path} is empty")
        header = [h.strip() for h in rows[0]]
        missing = [c for c in cols if c not in header]
        if missing:
            raise TableError(f"{path}: missing column(s) {missing}; header is {header}")
        idx = [header.index(c) for c in cols]
        data = []
        for k, r in enumerate(rows[1:], start=2):
            if len(r) != len(header):
                raise TableError(f"{path} line {k}: {len(r)} fields, header has {len(header)}")
            try:
                vals = [float(r[i]) for i in idx]
            except ValueError:
                raise TableError(f"{path} line {k}: non-numeric value in {[r[i] for i in idx]}") from None
            if not all(math.isfinite(v) for v in vals):
                raise TableError(f"{path} line {k}: NaN or infinite value {vals}")
            data.append(vals)
        arr = np.array(data, dtype=float).reshape(-1, len(cols))
        if len(combos) == 1:
            order = np.argsort(arr[:, 0], kind="stable")
            grid, d = arr[order, 0], arr[order, 1]
            if not np.all(np.diff(arr[:, 0]) > 0) and not np.all(np.diff(arr[:, 0]) < 0):
                raise TableError(f"{path}: column {cols[0]!r} is not monotone (or has duplicates)")
            return cls(combos, (grid,), d, name or path.stem, str(path))
        gx, gy = np.unique(arr[:, 0]), np.unique(arr[:, 1])
        if arr.shape[0] != gx.size * gy.size:
            raise TableError(f"{path}: {arr.shape[0]} rows do not form a full {gx.size} x {gy.size} grid")
        table = np.full((gx.size, gy.size), np.nan)
        table[np.searchsorted(gx, arr[:, 0]), np.searchsorted(gy, arr[:, 1])] = arr[:, 2]
        if np.isnan(table).any():
            raise TableError(f"{path}: duplicate (x, y) pairs; the grid is incomplete")
        return cls(combos, (gx, gy), table, name or path.stem, str(path))
