"""Plots of predictions and fits (matplotlib, no display needed)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from bayes_cevns.cards import ModelCard  # noqa: E402
from bayes_cevns.experiments import load_experiment  # noqa: E402
from bayes_cevns.inference.predict import predicted_arrays  # noqa: E402


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
