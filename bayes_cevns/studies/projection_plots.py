"""Figures of the projection study from the results of
:func:`~bayes_cevns.studies.projection_results.compute_projections`: M_Z' bound vs systematics
([E6LR] Fig. 2), vs luminosity ([E6LR] Fig. 3), vs the E6 angle ([E6LR] Fig. 5), and the U(1)_R
coupling bounds vs m_X ([U1R] Fig. 5). Each PNG is written atomically (:func:`bayes_cevns.io.write_with`).
"""

from pathlib import Path

import numpy as np

from bayes_cevns.experiments.datasets import U1R_PROJECTIONS
from bayes_cevns.experiments.projected_setups import projection_setups
from bayes_cevns.io import write_with
from bayes_cevns.physics.heavy_zprime import E6_ANGLES, E6_NU_DECOUPLED


def _none_to_nan(values) -> list[float]:
    return [np.nan if v is None else v for v in values]


def _save(fig, path: Path) -> None:
    write_with(lambda tmp: fig.savefig(tmp, format="png", dpi=110), path)


def _finish(fig, ax, xlabel: str, ylabel: str, path: Path, legend_size: int = 7) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=legend_size)
    fig.tight_layout()
    _save(fig, path)


def plot_projections(results: dict, out: str | Path, data_title: str) -> None:
    """``projection_sys.png``, ``projection_lumi.png``, ``projection_beta.png`` and ``u1r_bounds.png`` in ``out``;
    ``data_title`` names the dataset of the U(1)_R data limit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    sys_grid, lumi_grid = results["sys_grid"], results["lumi_grid"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, card in zip(axes, ("left_right", "e6_chi")):
        for name, v in results["sys_scan"].items():
            ax.plot(sys_grid, _none_to_nan(v[card]), "o-", ms=3, label=name)
        ax.set_xlabel("systematic uncertainty $\\sigma$")
        ax.set_title(f"{card}: expected 90% C.L. $M_{{Z'}}$ bound")
    axes[0].set_ylabel("$M_{Z'}$ lower bound [GeV]")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    _save(fig, out / "projection_sys.png")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for name, v in results["lumi_scan"].items():
        ax.plot(lumi_grid, _none_to_nan(v), "o-", ms=3, label=name)
    ax.set_xscale("log")
    ax.set_title(f"left-right Z', sys = {results['lumi_sys']}")
    _finish(fig, ax, "luminosity / nominal", "LR $M_{Z'}$ lower bound [GeV]", out / "projection_lumi.png")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    betas = np.asarray(results["beta_rad"])
    for exp, v in results["beta_scan"].items():
        ax.plot(np.degrees(betas), _none_to_nan(v), label=exp)
    for label, b in list(E6_ANGLES.items()) + [("$\\nu$ decoupled", E6_NU_DECOUPLED)]:
        deg = np.degrees(b) if b < np.pi / 2 - 1e-6 else -90.0
        ax.axvline(deg, color="grey", ls=":", lw=1)
        ax.text(deg, ax.get_ylim()[1] * 0.95, label, rotation=90, fontsize=8, va="top")
    _finish(fig, ax, "E6 mixing angle $\\beta$ [deg]", "$M_{Z'}$ lower bound [GeV]", out / "projection_beta.png", 8)
    plt.close(fig)

    u1r = results["u1r"]
    fig, ax = plt.subplots(figsize=(6.5, 5))
    m = np.asarray(u1r["mass_mev"])
    styles = {"rho_eq34": ("k-", "ρ parameter, [U1R] Eq. 34"), "texono_eq36": ("b-", "TEXONO, [U1R] Eq. 36 (r = 0.1)"),
              "texono_eq36_ratio0.2": ("b:", "TEXONO, Eq. 36 with r = 0.2"),
              "coherent_eq39": ("r-", "COHERENT, [U1R] Eqs. 39-40"),
              **{f"{exp}_chi2": (style, f"{projection_setups()[exp].label}, χ² (this package)")
                 for exp, style in zip(U1R_PROJECTIONS, ("b--", "r--", "g--"))},
              "data_chi2": ("m-.", f"{data_title} data, profile χ² (this package)")}
    for key, (style, label) in styles.items():
        if key in u1r:
            ax.plot(m, _none_to_nan(u1r[key]), style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _finish(fig, ax, "$m_X$ [MeV]", "$\\sqrt{\\lambda}$ upper bound (90% C.L.)", out / "u1r_bounds.png")
    plt.close(fig)
