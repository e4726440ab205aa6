"""Plots of predictions and fits (matplotlib, no display needed)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from bayes_cevns.model.cards import ModelCard  # noqa: E402
from bayes_cevns.experiments import load_experiment, registration  # noqa: E402
from bayes_cevns.experiments.datasets import title  # noqa: E402
from bayes_cevns.model.predict import predicted_arrays  # noqa: E402


def plot_prediction(card: ModelCard, experiment: str, values: dict[str, float], path: str) -> str:
    """Stacked predicted components over the observed counts, projected on energy and time."""
    exp = load_experiment(experiment)
    arr = {k: v for k, v in predicted_arrays(card, experiment, values).items() if not k.startswith("_")}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, axis, edges, label in ((axes[0], 1, exp.energy_edges, exp.energy_label),
                                   (axes[1], 0, exp.time_edges, "time bin" if exp.extra_axis else "time [us]")):
        bottom = np.zeros(edges.size - 1)
        for name, v in sorted(arr.items(), key=lambda kv: -kv[1].sum()):
            proj = v.sum(axis=axis)
            ax.stairs(bottom + proj, edges, baseline=bottom, fill=True, alpha=0.6, label=name)
            bottom = bottom + proj
        obs = exp.observed.sum(axis=axis)
        centres = 0.5 * (edges[1:] + edges[:-1])
        ax.errorbar(centres, obs, yerr=np.sqrt(obs), fmt="ko", ms=3, label="data")
        ax.set_xlabel(label)
        ax.set_ylabel("counts per bin")
    axes[0].legend()
    fig.suptitle(f"{experiment}: model {card.name}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _data_style(experiments: list[str]) -> tuple[str, str]:
    """(legend title, colour) of a dataset: the experiment's own colour, black for a combination."""
    colour = registration(experiments[0]).color if len(experiments) == 1 else "black"
    return title(experiments), colour


def plot_limits(results: list[dict], path: str) -> str:
    """(M, g) exclusion plot like [LM] Figs. 4-8: chi^2 limits (solid), the chi^2-allowed strips
    (shaded) and the Bayesian upper limits for both coupling priors (dashed, dotted), one colour
    per dataset."""
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for res in results:
        label, colour = _data_style(res["data"])
        m = np.array([r["mass_mev"] for r in res["rows"]])
        chi = np.array([np.nan if r["chi2"] is None else r["chi2"] for r in res["rows"]])
        ax.plot(m, chi, "-", color=colour, label=f"{label} $\\chi^2$")
        ax.plot(m, [r["bayes_log_uniform"] for r in res["rows"]], "--", color=colour,
                label=f"{label} posterior (log-uniform g)")
        ax.plot(m, [r["bayes_uniform_g2"] for r in res["rows"]], ":", color=colour,
                label=f"{label} posterior (uniform $g^2$)")
        for r in res["rows"]:
            for lo, hi in r["chi2_allowed_log10_g"][1:]:
                ax.plot([r["mass_mev"]] * 2, [10**lo, 10**hi], color=colour, lw=4, alpha=0.4)
    return _save_mass_coupling(fig, ax, f"{results[0]['model']}: 95.45% upper limits" if results else "", path)


def _save_mass_coupling(fig, ax, title: str, path: str, legend_size: int = 7, legend_loc: str = "best") -> str:
    """Log-log (M, g) axes, legend, and the figure written to ``path``."""
    ax.set(xscale="log", yscale="log", xlabel="$M$ [MeV]", ylabel="$g$", title=title)
    ax.legend(fontsize=legend_size, loc=legend_loc)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_plane(planes: dict[str, dict], model: str, path: str) -> str:
    """Joint (M, g) regions per dataset: chi^2 allowed region (solid, 2 dof) and the 95.45% HPD
    region of the joint posterior (dashed), as in [LM] Figs. 4-8."""
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for data, pl in planes.items():
        label, colour = _data_style(data.split("+"))
        m, g = 10.0 ** pl["log10_mass"], 10.0 ** pl["log10_g"]
        if len(m) < 2:
            continue
        ax.contour(m, g, pl["delta_chi2"].T, levels=[pl["chi2_threshold"]], colors=[colour], linestyles="-")
        ax.contour(m, g, pl["posterior"].T, levels=[pl["posterior_level"]], colors=[colour], linestyles="--")
        ax.plot([], [], "-", color=colour, label=f"{label}: $\\chi^2$ allowed (2 dof)")
        ax.plot([], [], "--", color=colour, label=f"{label}: 95.45% posterior region")
    # below the high-mass limits: the one corner no contour reaches
    return _save_mass_coupling(fig, ax, f"{model}: joint (M, g)", path, legend_loc="lower right")


def plot_g2(per_mass: list[dict], model: str, path: str) -> str:
    """CsI+Ar chi^2 limit with the 2 sigma (g-2)_mu band of the model ([LM] Figs. 4-8)."""
    m = np.array([r["mass_mev"] for r in per_mass])
    lim = np.array([np.nan if r["chi2_limit"] is None else r["chi2_limit"] for r in per_mass])
    lo = np.array([r["band_g"][0] for r in per_mass])
    hi = np.array([r["band_g"][1] for r in per_mass])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.fill_between(m, lo, hi, color="tab:green", alpha=0.4, label="$(g-2)_\\mu$ 2$\\sigma$")
    ax.plot(m, lim, "k-", label="CsI+Ar 95.45% $\\chi^2$ limit")
    return _save_mass_coupling(fig, ax, f"{model}: $(g-2)_\\mu$ vs COHERENT", path, legend_size=8)
