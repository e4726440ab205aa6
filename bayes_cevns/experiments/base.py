"""Common structure of a binned experiment: response matrices, templates and nuisances.

An experiment is fully described by NumPy arrays computed once:

* ``energy_response``: a :class:`Morph` of matrices R of shape (3 * n_energy, n_isotopes * 3 * K):
  ``R @ vec(Q^2)`` are the CEvNS counts per flavour and energy bin, where Q^2[i, f, k] is the
  squared weak charge of isotope i and flavour f on recoil node k -- the only parameter-dependent
  physics input. R contains flux moments, cross-section prefactor, target counts, quadrature
  weights and the energy response (quenching, resolution, efficiency).
* ``time_table``: per-flavour time-bin fractions (beam timing, time efficiency), tabulated
  against a beam-onset offset where that is a nuisance.
* ``signal_shape``: bin-wise relative shape systematics of the signal.
* ``backgrounds``: :class:`Background` templates in the same bins, with normalisation priors.
* ``nuisances``: the nuisance parameters with their priors.

A release that tabulates its response or a background on a grid of nuisance values (XENONnT's
light- and charge-yield grid) uses :class:`~bayes_cevns.experiments.grid.GridMorph` templates and a
:class:`~bayes_cevns.experiments.grid.GridResponse` (``response_grid``) instead of +-1 sigma morphs.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from bayes_cevns.experiments.grid import GridMorph, GridResponse
from bayes_cevns.physics.constants import Isotope
from bayes_cevns.physics.kinematics import Kinematics


@dataclass(frozen=True)
class Morph:
    """A nominal array and its +-1 sigma variations for named standard-normal nuisances z.

    The value at z is the smooth quadratic interpolation through (-1, 0, +1)
    (HistFactory interpolation code 4's polynomial part): ``x0 + z (x+ - x-)/2 + z^2 (x+ + x- - 2 x0)/2``.
    A nuisance with no ``down`` variation (one-sided systematic) is interpolated linearly:
    ``x0 + z (x+ - x0)``.
    """

    nominal: np.ndarray
    up: dict[str, np.ndarray] = field(default_factory=dict)
    down: dict[str, np.ndarray] = field(default_factory=dict)

    def terms(self) -> tuple[list[str], list[str], np.ndarray]:
        """(names, powers, stack): stack[0] is nominal, stack[1+j] multiplies z_name^power."""
        names, powers, arrays = [], [], [self.nominal]
        for name, up in self.up.items():
            down = self.down.get(name)
            if down is None:
                names.append(name)
                powers.append("linear")
                arrays.append(up - self.nominal)
            else:
                names += [name, name]
                powers += ["linear", "quadratic"]
                arrays += [0.5 * (up - down), 0.5 * (up + down - 2.0 * self.nominal)]
        return names, powers, np.stack(arrays)

    def evaluate(self, z: dict[str, float] | None = None) -> np.ndarray:
        """NumPy evaluation at nuisance values z (missing names are 0)."""
        z = z or {}
        names, powers, stack = self.terms()
        out = stack[0].copy()
        for j, (n, p) in enumerate(zip(names, powers)):
            v = z.get(n, 0.0)
            out = out + (v if p == "linear" else v * v) * stack[1 + j]
        return out


@dataclass(frozen=True)
class Nuisance:
    """A nuisance parameter with a (truncated) normal prior, in its natural units."""

    name: str
    mu: float
    sigma: float
    description: str
    lower: float | None = None
    upper: float | None = None
    #: what the nuisance is: "shape" (a standard-normal morph or offset), "norm" (a relative
    #: normalisation, mean 1) or "flux" (the source flux normalisation; shared between
    #: experiments of the same source by ``build_model(share_flux=True)``)
    role: str = "shape"
    #: one quantity for every experiment that declares it under this name (the solar 8B flux, the
    #: yields of one detector across its science runs): ``build_model`` makes one random variable
    #: and refuses declarations whose priors differ
    shared: bool = False


@dataclass(frozen=True)
class Background:
    """A background template (expected counts per bin at nominal) with a relative norm prior.

    The template is a :class:`Morph` (+-1 sigma variations) or a :class:`GridMorph` (a table on a
    grid of nuisance values); both give ``.nominal`` and ``.evaluate(z)``.
    """

    name: str
    template: Morph | GridMorph
    norm_sigma: float
    description: str
    #: optional auxiliary Poisson measurement of the total (e.g. the CsI anti-coincidence sample)
    aux_count: int | None = None
    #: nominal count in the collaboration's convention (e.g. before a time efficiency), if it differs
    published_count: float | None = None
    #: "beam" (beam-correlated) or "steady_state" (beam-unrelated; it sets the extra variance
    #: N_SS / 5 of the Gaussian chi^2 of [LM] Eq. 8)
    role: str = "beam"
    #: name of a norm shared with other experiments (one detector's ER rate across science runs);
    #: None: the experiment's own ``<prefix>_<name>_norm``
    shared_norm: str | None = None


@dataclass(frozen=True)
class TimeTable:
    """Per-flavour time-bin fractions tabulated on a grid of beam-onset offsets (us).

    The onset offset enters the sampled graph only through linear interpolation in this table.
    A table with one offset is a fixed timing model.
    """

    offsets: np.ndarray  # (n_off,)
    fractions: np.ndarray  # (n_off, 3, n_time)
    nuisance: str | None = None
    #: fraction of each flavour inside the time window *before* any time-dependent efficiency
    #: (shape (3,)); the collaborations quote predicted/fitted counts in this convention
    window_fraction: np.ndarray | None = None

    def at(self, offset: float = 0.0) -> np.ndarray:
        """NumPy linear interpolation at an offset (clamped to the table)."""
        if self.offsets.size == 1:
            return self.fractions[0]
        x = np.clip(offset, self.offsets[0], self.offsets[-1])
        j = min(int(np.searchsorted(self.offsets, x, side="right")) - 1, self.offsets.size - 2)
        w = (x - self.offsets[j]) / (self.offsets[j + 1] - self.offsets[j])
        return (1 - w) * self.fractions[j] + w * self.fractions[j + 1]


@dataclass
class Experiment:
    """A binned data release with its precomputed forward model.

    CEvNS counts: ``N[e, t] = norm * sum_f (R @ vec(Q^2))[f, e] * tau_f[t] * shape[e, t]`` where
    R = ``energy_response`` (a Morph of (3 * n_energy, n_iso * 3 * K) matrices), tau = ``time_table``
    and shape = ``signal_shape`` (a Morph of bin-wise relative factors, nominal 1).
    """

    name: str
    isotopes: tuple[Isotope, ...]
    recoil_grid: np.ndarray  # (n_iso, K) in MeV
    energy_response: Morph
    time_table: TimeTable
    signal_shape: Morph
    backgrounds: dict[str, Background]
    nuisances: dict[str, Nuisance]
    observed: np.ndarray  # (n_energy, n_time) counts
    energy_edges: np.ndarray
    time_edges: np.ndarray
    energy_label: str
    #: names of nuisances (relative, mean 1) multiplying the CEvNS rate (flux, mass, ...)
    signal_norm_nuisances: tuple[str, ...]
    #: default likelihood ("poisson" or "gauss_chi2")
    likelihood: str = "poisson"
    exposure: dict[str, float] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    #: fractions of each (energy, time) bin in the bins of a third axis (Ar F90), if any
    extra_axis: dict[str, np.ndarray] = field(default_factory=dict)
    #: published reference numbers this module is tested against
    reference: dict[str, float] = field(default_factory=dict)
    #: w with w @ vec(Q^2) = flux-averaged CEvNS cross section per nucleus and flavour (cm^2)
    xsec_weights: np.ndarray | None = None
    #: short label used as the prefix of nuisance and derived-quantity names ("csi" -> csi_flux)
    label: str = ""
    #: plot colour
    color: str = "black"
    #: per-isotope kinematics of a source other than pi-DAR (reactor, solar), built from its flux
    #: moments with :meth:`Kinematics.from_moments`; None: the pi-DAR beam of [LM] Eqs. 1-3
    source_kinematics: tuple[Kinematics, ...] | None = None
    #: variance per bin of the Gaussian chi^2, when the experiment states it (e.g. [E6LR] Eqs. 21-22);
    #: None: sigma^2 = N_obs + N_SS / 5 ([LM] Eq. 8)
    chi2_variance: np.ndarray | None = None
    #: neutrino-electron scattering blocks, each with ``species``, recoil nodes ``t`` (K,) and
    #: weights ``wa``, ``wb``, ``wc`` (n_energy, K): counts = wa g_L^2 + wb g_R^2 - wc g_L g_R
    nue_blocks: tuple = ()
    #: the observed counts are the model's own SM prediction (Asimov data of a projection), filled in
    #: by ``build_model`` from the card at its SM values; the chi^2 variance is then
    #: ``asimov_variance_factor`` x that prediction (N_SM + B, [E6LR] Eq. 22)
    asimov: bool = False
    asimov_variance_factor: float = 1.0
    #: energy response factorised through an efficiency tabulated on a nuisance grid; when set it
    #: replaces ``energy_response`` in the forward model (whose nominal must equal its matrix at 0)
    response_grid: GridResponse | None = None

    @property
    def prefix(self) -> str:
        """Prefix of this experiment's parameter names: its label, or its id without one."""
        return self.label or self.name

    def steady_state_template(self) -> np.ndarray:
        """Sum of the nominal beam-unrelated backgrounds (zeros if there are none)."""
        out = np.zeros(self.shape)
        for b in self.backgrounds.values():
            if b.role == "steady_state":
                out = out + b.template.nominal
        return out

    @property
    def shape(self) -> tuple[int, int]:
        return self.observed.shape

    @cached_property
    def kinematics(self) -> tuple[Kinematics, ...]:
        """Per-isotope recoil kinematics: the pi-DAR source ([LM] Eqs. 1-3) unless the source's own."""
        if self.source_kinematics is not None:
            return self.source_kinematics
        return tuple(Kinematics.pion_dar(iso, t) for iso, t in zip(self.isotopes, self.recoil_grid))

    @cached_property
    def flavour_blocks(self) -> tuple[list[str], list[str], np.ndarray]:
        """(names, powers, blocks) of the energy-response morph terms, flavour-diagonal blocks only.

        ``blocks`` has shape (3, n_terms * n_energy, n_iso * K); block f maps Q^2 of flavour f to
        the counts of flavour f in every energy bin for every morph term (nominal first).
        """
        names, powers, stack = self.energy_response.terms()
        nt = stack.shape[0]
        n_iso, k = self.recoil_grid.shape
        full = stack.reshape(nt, 3, self.shape[0], n_iso, 3, k)
        blocks = np.stack([full[:, f, :, :, f, :] for f in range(3)])
        return names, powers, np.ascontiguousarray(blocks.reshape(3, nt * self.shape[0], n_iso * k))

    def in_data_weights(self) -> np.ndarray:
        """Vector r with r @ vec(Q^2) = CEvNS events expected in the analysed bins at nominal
        nuisances: the response summed over energy bins, weighted by each flavour's nominal time
        fractions and the signal shape, i.e. the detection-weighted rate per unit Q^2 on every
        isotope, flavour and recoil node (zero below threshold)."""
        ne = self.shape[0]
        grid = self.response_grid
        response = grid.matrix({}) if grid is not None else self.energy_response.evaluate({})
        tau = self.time_table.at(0.0)
        per_bin = np.einsum("ft,et->fe", tau, self.signal_shape.evaluate({}).reshape(ne, -1))
        return np.einsum("fen,fe->n", response.reshape(3, ne, -1), per_bin)

    def signal_numpy(self, q2: np.ndarray, z: dict[str, float] | None = None) -> np.ndarray:
        """CEvNS counts (n_energy, n_time) for Q^2 of shape (n_iso, 3, K), nuisances z (NumPy)."""
        z = z or {}
        ne = self.shape[0]
        grid = self.response_grid
        response = grid.matrix(z) if grid is not None else self.energy_response.evaluate(z)
        per_flavour = (response @ q2.reshape(-1)).reshape(3, ne)
        tau = self.time_table.at(z.get(self.time_table.nuisance, 0.0) if self.time_table.nuisance else 0.0)
        norm = np.prod([z.get(n, 1.0) for n in self.signal_norm_nuisances]) if z else 1.0
        return norm * np.einsum("fe,ft->et", per_flavour, tau) * self.signal_shape.evaluate(z)


def gauss_legendre_grid(breaks: list[float], n_per_segment: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on consecutive segments [breaks[i], breaks[i+1]].

    Placing a break at each kinematic kink (e.g. the prompt-line endpoint) keeps the integrand
    smooth within each segment: for the COHERENT responses 16 nodes per segment already agree
    with 80 to 1e-6 in every bin (20 are used).
    """
    x, w = np.polynomial.legendre.leggauss(n_per_segment)
    nodes, weights = [], []
    for lo, hi in zip(breaks[:-1], breaks[1:]):
        nodes.append(0.5 * (hi - lo) * x + 0.5 * (hi + lo))
        weights.append(0.5 * (hi - lo) * w)
    return np.concatenate(nodes), np.concatenate(weights)


def histogram_events(values: np.ndarray, edges_e: np.ndarray, edges_t: np.ndarray) -> np.ndarray:
    """2-D histogram of (energy, time) events with the analysis edges."""
    h, _, _ = np.histogram2d(values[:, 0], values[:, 1], bins=[edges_e, edges_t])
    return h
