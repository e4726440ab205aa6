"""NumPy helpers shared by the experiment modules to assemble response matrices."""

from collections.abc import Sequence

import numpy as np

from bayes_cevns.experiments.base import gauss_legendre_grid
from bayes_cevns.physics.constants import E_MAX_DELAYED, E_PROMPT, Isotope
from bayes_cevns.physics.cross_section import rate_weights
from bayes_cevns.physics.flux import max_recoil


def recoil_nodes_and_weights(isotopes: Sequence[Isotope], targets: Sequence[float], fluence: float,
                             n_per_segment: int) -> tuple[np.ndarray, np.ndarray]:
    """Recoil grid (n_iso, K) in MeV and rate weights (n_iso, 3, K) for a pi-DAR source.

    Gauss-Legendre nodes on [0, T_max(prompt)] and [T_max(prompt), T_max(m_mu/2)] per isotope
    (the full kinematic range, so the same weights give the total flux-averaged cross section)
    (the prompt-line endpoint is a kink of the integrand); weights from
    :func:`bayes_cevns.physics.cross_section.rate_weights`.
    """
    grids, weights = [], []
    for iso, n_t in zip(isotopes, targets):
        breaks = [0.0, max_recoil(E_PROMPT, iso.mass), max_recoil(E_MAX_DELAYED, iso.mass)]
        t, w = gauss_legendre_grid(breaks, n_per_segment)
        grids.append(t)
        weights.append(rate_weights(t, w, iso.mass, n_t, fluence))
    return np.stack(grids), np.stack(weights)


def xsec_weights(weights: np.ndarray, targets: Sequence[float], fluence: float) -> np.ndarray:
    """Vector w with w @ vec(Q^2) = flux-averaged cross section per nucleus and flavour, in cm^2.

    Averages over the target nuclei (weighted by their numbers) and the three pi-DAR flavours:
    <sigma> = sum_{i,f} N_i int phi_f sigma_{i,f} dE / (3 eta sum_i N_i).
    """
    return (weights / (3.0 * fluence * float(np.sum(targets)))).reshape(-1)


def flavour_block_matrix(prob: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Combine per-isotope energy response and rate weights into the signal matrix.

    ``prob[i, e, k]``: probability (times efficiency) that a recoil at node k of isotope i is
    reconstructed in energy bin e. ``weights[i, f, k]``: events per unit Q^2 (see
    :func:`bayes_cevns.physics.cross_section.rate_weights`). Returns R of shape
    (3 * n_e, n_iso * 3 * K) with R[(f, e), (i, f', k)] = delta_{f f'} prob[i, e, k] weights[i, f, k],
    so that ``(R @ vec(Q^2)).reshape(3, n_e)`` are the counts per flavour and energy bin.
    """
    n_iso, n_e, k = prob.shape
    nf = weights.shape[1]
    out = np.zeros((nf, n_e, n_iso, nf, k))
    for f in range(nf):
        out[f, :, :, f, :] = np.transpose(prob * weights[:, f, None, :], (1, 0, 2))
    return out.reshape(nf * n_e, n_iso * nf * k)


def rebin_fine(fine: np.ndarray, fine_edges: np.ndarray, coarse_edges: np.ndarray) -> np.ndarray:
    """Sum the last axis of ``fine`` (defined on ``fine_edges``) into ``coarse_edges``.

    Every coarse edge must coincide with a fine edge.
    """
    idx = np.searchsorted(fine_edges, coarse_edges)
    if not np.allclose(fine_edges[np.clip(idx, 0, fine_edges.size - 1)], coarse_edges):
        raise ValueError("coarse edges must lie on the fine grid")
    inside = fine[..., idx[0]: idx[-1]]  # reduceat's last segment would run to the end of the array
    return np.add.reduceat(inside, idx[:-1] - idx[0], axis=-1) * 1.0


def rebin_histogram(values: np.ndarray, centres: np.ndarray, edges: np.ndarray,
                    weights_fn=None) -> np.ndarray:
    """Sum a finely binned 1-D histogram (given at bin centres) into ``edges``.

    ``weights_fn(centres)`` optionally multiplies each fine bin (e.g. a time efficiency).
    Fine bins are assigned by their centre.
    """
    w = values * (weights_fn(centres) if weights_fn is not None else 1.0)
    idx = np.digitize(centres, edges) - 1
    ok = (idx >= 0) & (idx < edges.size - 1)
    return np.bincount(idx[ok], weights=w[ok], minlength=edges.size - 1)
