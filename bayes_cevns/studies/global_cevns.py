"""Global CEvNS: COHERENT CsI and Ar with the XENONnT solar 8B runs in one posterior.

:func:`compute_global` / :func:`write_global` produce, for the combinations of
:data:`~bayes_cevns.experiments.datasets.GLOBAL_COMBINATIONS` (COHERENT 2020/2021, the same with
XENONnT SR0-SR2, and all six releases):

1. **SM parameters**: NUTS posteriors of sin^2 theta_W and the neutron radii R_n(Cs), R_n(I), R_n(Ar)
   (card ``sm``, the card's uniform priors; the Xe radii stay at R_n = R_p, Lewin-Smith), every
   nuisance sampled, the solar 8B flux with the B16 prior (12%) of the solar experiments. Convergence
   (R-hat, bulk ESS, divergences) and wall time per fit; a corner plot of the three posteriors.
2. **NSI**: eps_ee^{u,d} and eps_mumu^{u,d} one at a time (others zero, contact limit), chi^2 and
   Bayesian 90% intervals (:func:`bayes_cevns.studies.nsi.compute_bounds_table`), COHERENT vs
   COHERENT+XENONnT. The solar nu_mu and nu_tau are separate species (sin^2 theta_23 split,
   :mod:`bayes_cevns.physics.solar`), so eps_mumu is bounded with eps_tautau = 0.
3. **Light mediators**: the 95.45% chi^2 coupling limits of the universal, B-L and L_mu-L_tau
   models at ``MASSES_MEV`` (the mass slices of :mod:`bayes_cevns.studies.scan`, checkpointed
   under the output folder), COHERENT vs COHERENT+XENONnT: below ~10 MeV the 8B recoils
   (|q| ~ 10-20 MeV) feel a light mediator as strongly as the SNS ones.

The six-release fit counts the 2015-2016 CsI events twice (the CsI 2021 release contains them):
its numbers are a convergence and timing check, not a measurement; the physics combination is
COHERENT+XENONnT.
"""

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from bayes_cevns.experiments.datasets import DEFAULT_DATA, GLOBAL_COMBINATIONS, XENONNT_8B
from bayes_cevns.inference.fitting import run_fit
from bayes_cevns.inference.limits import CL_2SIGMA
from bayes_cevns.io import provenance, write_json_atomic, write_text_atomic, write_with
from bayes_cevns.studies.nsi import fmt_intervals, compute_bounds_table
from bayes_cevns.studies.scan import compute_missing, load_slices, summarise_slice

#: the physics parameters of the SM fits
SM_PARAMETERS = ("sin2_theta_w", "rn_cs", "rn_i", "rn_ar")
#: the NSI couplings of the global table
NSI_COUPLINGS = ("eps_ee_u", "eps_ee_d", "eps_mumu_u", "eps_mumu_d")
#: mediator models and masses (MeV) of the limit comparison
MEDIATORS = ("universal", "b_minus_l", "lmu_minus_ltau")
MASSES_MEV = (0.01, 1.0, 3.0, 10.0, 30.0)
#: the two datasets compared for NSI and mediators
COMPARED: dict[str, tuple[str, ...]] = {"COHERENT": DEFAULT_DATA, "COHERENT+XENONnT": DEFAULT_DATA + XENONNT_8B}


def global_sm_fits(draws: int = 1000, tune: int = 1000, chains: int = 4, seed: int = 0,
                    combinations: Mapping[str, Sequence[str]] = GLOBAL_COMBINATIONS) -> dict:
    """Part 1 of the module docstring: per combination the run_fit summary, wall time and draws."""
    fits = {}
    for label, exps in combinations.items():
        t0 = time.perf_counter()
        result, built, idata = run_fit("sm", list(exps), draws=draws, tune=tune, chains=chains, seed=seed,
                                       free=list(SM_PARAMETERS), return_model=True)
        wall = time.perf_counter() - t0
        names = [n for n in (*SM_PARAMETERS, "solar_b8_flux") if n in result["parameters"]]
        fits[label] = {
            "data": result["data"], "wall_s": wall, "diagnostics": result["diagnostics"],
            "parameters": {n: result["parameters"][n] for n in names},
            "n_free": len(built.model.free_RVs),
            "draws": {n: np.asarray(idata.posterior[n]).reshape(-1) for n in names},
            "provenance": provenance(built.card, built.experiments, seed=seed, draws=draws, tune=tune,
                                     chains=chains, free=list(SM_PARAMETERS)),
        }
    return {"draws": draws, "tune": tune, "chains": chains, "seed": seed, "fits": fits}


def compute_nsi(n_grid: int = 201, cl: float = 0.90) -> dict:
    """Part 2 of the module docstring (the rows without their grids)."""
    table = compute_bounds_table(NSI_COUPLINGS, COMPARED, n_grid=n_grid, cl=cl)
    table["rows"] = [{k: v for k, v in r.items() if k != "grid"} for r in table["rows"]]
    return table


def compute_mediators(out: str | Path, workers: int = 2, scheduler: str | None = None,
                      cl: float = CL_2SIGMA) -> dict:
    """Part 3 of the module docstring: chi^2 coupling limit per model, dataset and mass."""
    points = [(m, d, mass) for m in MEDIATORS for d in COMPARED.values() for mass in MASSES_MEV]
    compute_missing(points, Path(out), scheduler, workers)
    rows = []
    for m in MEDIATORS:
        for label, d in COMPARED.items():
            for s in load_slices(out, m, d, MASSES_MEV):
                summary = summarise_slice(s, cl)
                rows.append({"model": m, "data": label, "mass_mev": s.mass_mev, "g_chi2": summary["chi2"],
                             "allowed_log10_g": summary["chi2_allowed_log10_g"]})
    return {"cl": cl, "rows": rows}


def compute_global(out: str | Path, draws: int = 1000, tune: int = 1000, chains: int = 4, seed: int = 0,
                   workers: int = 2, scheduler: str | None = None, n_grid: int = 201) -> dict:
    """All three parts (module docstring); mass slices are checkpointed under ``out``."""
    return {"sm": global_sm_fits(draws, tune, chains, seed), "nsi": compute_nsi(n_grid),
            "mediators": compute_mediators(out, workers, scheduler)}


def _fmt(v: Mapping) -> str:
    return f"{v['mean']:.4g} ± {v['sd']:.2g} [{v['hdi_low']:.4g}, {v['hdi_high']:.4g}]"


def markdown(result: Mapping) -> str:
    """The three tables of a :func:`compute_global` result as Markdown."""
    sm = result["sm"]
    lines = [f"### SM parameters (NUTS, {sm['chains']} x ({sm['tune']} + {sm['draws']}); mean ± sd [68% HDI])", "",
             "| data | " + " | ".join(SM_PARAMETERS) + " | 8B flux / B16 | free | R-hat | ESS | div. | wall (s) |",
             "|---|" + "---|" * (len(SM_PARAMETERS) + 6)]
    for label, f in sm["fits"].items():
        p, d = f["parameters"], f["diagnostics"]
        flux = _fmt(p["solar_b8_flux"]) if "solar_b8_flux" in p else "—"
        lines.append(f"| {label} | " + " | ".join(_fmt(p[n]) for n in SM_PARAMETERS)
                     + f" | {flux} | {f['n_free']} | {d['rhat_max']:.3f} | {d['ess_bulk_min']:.0f} | "
                     f"{d['divergences']} | {f['wall_s']:.0f} |")
    nsi = result["nsi"]
    lines += ["", f"### NSI, one coupling at a time ({100 * nsi['cl']:g}%, contact)", "",
              "| coupling | data | χ² allowed | Bayes HPD | best fit |", "|---|---|---|---|---|"]
    for r in nsi["rows"]:
        lines.append(f"| {r['coupling']} | {r['data']} | {fmt_intervals(r['chi2_intervals'])} | "
                     f"{fmt_intervals(r['bayes_hpd'])} | {r['best']:+.3f} |")
    med = result["mediators"]
    lines += ["", f"### Light mediators: χ² upper limit on g ({100 * med['cl']:.2f}%)", "",
              "| model | M (MeV) | " + " | ".join(COMPARED) + " | ratio |", "|---|---|" + "---|" * (len(COMPARED) + 1)]
    by_key = {(r["model"], r["mass_mev"], r["data"]): r["g_chi2"] for r in med["rows"]}
    for m in MEDIATORS:
        for mass in MASSES_MEV:
            vals = [by_key.get((m, mass, d)) for d in COMPARED]
            ratio = vals[1] / vals[0] if None not in vals else None
            cells = ["—" if v is None else f"{v:.3g}" for v in vals]
            lines.append(f"| {m} | {mass:g} | " + " | ".join(cells) + f" | {'—' if ratio is None else f'{ratio:.3f}'} |")
    return "\n".join(lines) + "\n"


def plot_corner(sm: Mapping, path: str | Path) -> None:
    """Corner plot of the SM parameters, one colour per combination (68% and 95% contours)."""
    import corner
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = None
    colours = ("tab:blue", "tab:red", "tab:green")
    for (label, f), colour in zip(sm["fits"].items(), colours):
        x = np.column_stack([f["draws"][n] for n in SM_PARAMETERS])
        fig = corner.corner(x, fig=fig, labels=list(SM_PARAMETERS), color=colour, bins=30, smooth=1.0,
                            levels=(0.68, 0.95), plot_datapoints=False, plot_density=False,
                            hist_kwargs={"density": True, "label": label})
    fig.axes[0].legend(loc="upper left", bbox_to_anchor=(1.05, 1.0), fontsize=8)
    fig.savefig(path, dpi=90, format="png")
    plt.close(fig)


def write_global(result: Mapping, out: str | Path) -> None:
    """``<out>/global_cevns.{json,md}`` and ``<out>/global_corner.png``, each written atomically."""
    out = Path(out)
    sm = result["sm"]
    fits = {k: {kk: vv for kk, vv in f.items() if kk != "draws"} for k, f in sm["fits"].items()}
    write_json_atomic({"sm": {**{k: v for k, v in sm.items() if k != "fits"}, "fits": fits},
                       "nsi": result["nsi"], "mediators": result["mediators"]}, out / "global_cevns.json")
    write_text_atomic(markdown(result), out / "global_cevns.md")
    write_with(lambda tmp: plot_corner(sm, tmp), out / "global_corner.png")
