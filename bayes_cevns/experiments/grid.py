"""Arrays tabulated on a grid of nuisance values, and an energy response factorised through one.

Some releases give a template not as nominal +-1 sigma variations but on a grid of nuisance
values: XENONnT tabulates its neutron background and its mono-energetic nuclear-recoil
efficiencies on a 7 x 7 grid of the light- and charge-yield parameters (tly, tqy) = -3..3. A
:class:`GridMorph` holds such a table; between the nodes it is interpolated multilinearly
(bilinearly for two nuisances), which reproduces every node exactly; outside the grid it is held
at the boundary value. The nuisances are standard normals whose prior is set by the experiment.

:class:`GridResponse` is the energy response of an experiment whose detection efficiency per
analysis bin and recoil node is such a table: the counts of flavour f in bin e are

    N[f, e] = sum_k E(z)[e, k] sum_i W[i, f, k] Q^2[i, f, k],

with W the parameter-independent rate weights (targets x exposure x flux-folded kernel x
quadrature weight) of isotope i on recoil node k.
"""

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True, eq=False)
class GridMorph:
    """A table on a regular grid of nuisance values: ``table[i_1, ..., i_d, ...]`` at
    ``(axes[0][i_1], ..., axes[d-1][i_d])``, one nuisance name per axis."""

    names: tuple[str, ...]
    axes: tuple[np.ndarray, ...]
    table: np.ndarray

    def __post_init__(self):
        d = len(self.names)
        if d == 0 or len(self.axes) != d or len(set(self.names)) != d:
            raise ValueError("a grid needs one distinct nuisance name per axis")
        for name, ax, n in zip(self.names, self.axes, self.table.shape):
            ax = np.asarray(ax, dtype=float)
            if ax.ndim != 1 or ax.size < 2 or ax.size != n:
                raise ValueError(f"grid axis {name!r}: {ax.size} values for a table dimension of {n}")
            steps = np.diff(ax)
            if np.any(steps <= 0) or not np.allclose(steps, steps[0], rtol=1e-9, atol=0.0):
                raise ValueError(f"grid axis {name!r} must be uniform and ascending")
            if not ax[0] <= 0.0 <= ax[-1]:
                raise ValueError(f"grid axis {name!r} must contain the nominal value 0")
        if not np.all(np.isfinite(self.table)):
            raise ValueError("grid table must be finite")

    @property
    def value_shape(self) -> tuple[int, ...]:
        """Shape of the interpolated array (the table's trailing dimensions)."""
        return self.table.shape[len(self.names):]

    @cached_property
    def nominal(self) -> np.ndarray:
        """The value at every nuisance 0."""
        return self.evaluate({})

    def cell(self, axis: int, value: float) -> tuple[int, float]:
        """(j, w): the value lies a fraction w of the way from node j to node j + 1 (clamped)."""
        ax = np.asarray(self.axes[axis], dtype=float)
        pos = (np.clip(value, ax[0], ax[-1]) - ax[0]) / (ax[1] - ax[0])
        j = min(int(np.floor(pos)), ax.size - 2)
        return j, float(pos - j)

    def evaluate(self, z: dict[str, float] | None = None) -> np.ndarray:
        """NumPy multilinear interpolation at nuisance values z (missing names are 0)."""
        z = z or {}
        cells = [self.cell(a, z.get(n, 0.0)) for a, n in enumerate(self.names)]
        out = np.zeros(self.value_shape)
        for corner in itertools.product((0, 1), repeat=len(cells)):
            w = np.prod([wt if c else 1.0 - wt for c, (_, wt) in zip(corner, cells)])
            if w != 0.0:
                out = out + w * self.table[tuple(j + c for c, (j, _) in zip(corner, cells))]
        return out


@dataclass(frozen=True, eq=False)
class GridResponse:
    """Factorised energy response (module docstring): efficiency grid E(z) of value shape
    (n_energy, K) and rate weights W of shape (n_iso, 3, K)."""

    efficiency: GridMorph
    weights: np.ndarray

    def __post_init__(self):
        shape = self.efficiency.value_shape
        if len(shape) != 2 or self.weights.ndim != 3 or self.weights.shape[2] != shape[1]:
            raise ValueError(f"efficiency grid of value shape {shape} does not match weights {self.weights.shape}")

    def matrix(self, z: dict[str, float] | None = None) -> np.ndarray:
        """The full response R of shape (3 n_energy, n_iso 3 K) at z: ``R @ vec(Q^2)`` are the counts
        per flavour and bin, R[(f, e), (i, f', k)] = delta_{f f'} E[e, k] W[i, f, k]."""
        eff = self.efficiency.evaluate(z)
        n_iso, nf, k = self.weights.shape
        n_e = eff.shape[0]
        out = np.zeros((nf, n_e, n_iso, nf, k))
        for f in range(nf):
            out[f, :, :, f, :] = eff[:, None, :] * self.weights[None, :, f, :]
        return out.reshape(nf * n_e, n_iso * nf * k)
