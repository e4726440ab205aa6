"""Coupling limits on light mediators: ``limit``, ``limits``, ``limit-table``, ``g2-table``.

The scans checkpoint every mass slice under the output folder, so an interrupted scan keeps
what it finished and the same command resumes it.
"""

import json
from typing import Annotated

import typer

from bayes_cevns.cli.errors import reported
from bayes_cevns.cli.options import (DEFAULT_DATA, AsJson, Cl, Data, DataOptions, MediatorCard, OutFolder, Scheduler,
                                     Workers)
from bayes_cevns.cli.output import console, run_then_show
from bayes_cevns.cli.parsing import data_options, experiment_list, experiments_with_options
from bayes_cevns.experiments import with_options
from bayes_cevns.cli.paths import check_output_folder
from bayes_cevns.model.cards import load_card
from bayes_cevns.signals import stop_on_signals


def resumable(out: str) -> str:
    """What an interrupted scan leaves in ``out``, and how to go on."""
    return f"completed slices were kept in {out}/slices; re-running the same command resumes the scan"


def limit(
    card: MediatorCard,
    data: Data = DEFAULT_DATA,
    mass: Annotated[float, typer.Option("--mass", help="mediator mass in MeV")] = 10.0,
    method: Annotated[str, typer.Option("--method", help="chi2, bayes or neyman (toys at the Wilks limit)")] = "chi2",
    cl: Cl = 0.9545,
    prior: Annotated[str, typer.Option("--prior", help="bayes: log_uniform or uniform_g2")] = "log_uniform",
    toys: Annotated[int, typer.Option("--toys", help="neyman: number of toys")] = 500,
    seed: Annotated[int, typer.Option("--seed", help="neyman: seed of the toys")] = 0,
    data_option: DataOptions = None,
    as_json: AsJson = False,
) -> None:
    """Upper limit on the coupling at one mediator mass (profile chi^2, marginal posterior, or Neyman)."""
    with reported():
        from bayes_cevns.api import limit as api_limit

        out = api_limit(card, mass, experiments_with_options(data, data_option), method=method, cl=cl,
                        prior=prior, toys=toys, seed=seed)
    if as_json:
        typer.echo(json.dumps(out))
    else:
        console.print(out)


def limits(
    card: MediatorCard,
    out: Annotated[str, typer.Option("--out", help="output folder (checkpoints and results)")],
    data: Data = DEFAULT_DATA,
    masses: Annotated[str, typer.Option("--masses", help="LO:HI:N in MeV, log-spaced; segments may be joined "
                                                         "by commas")] = "0.01:10000:40",
    workers: Workers = 2,
    scheduler: Scheduler = None,
    cl: Cl = 0.9545,
    data_option: DataOptions = None,
) -> None:
    """Scan the mediator mass: chi^2 and Bayesian coupling limits per mass, resumable, via Dask."""
    with reported(resumable(out)):
        from bayes_cevns.inference.limits import delta_chi2_threshold, plane
        from bayes_cevns.plotting import plot_limits, plot_plane
        from bayes_cevns.studies.scan import applicable, dataset_label, load_slices, parse_masses, run_scan

        load_card(card)
        grid = parse_masses(masses)
        experiments = experiment_list(data)
        options = data_options(data_option)
        with_options(experiments, options)  # an option no listed experiment takes: one line, before any work
        delta_chi2_threshold(cl)
        check_output_folder(out)
        with stop_on_signals():
            res = run_scan(card, experiments, grid, out, scheduler=scheduler, workers=workers, cl=cl,
                           options=options)
            opts = applicable(experiments, options)
            stem = f"{out}/{res['model']}__{dataset_label(experiments, opts)}"
            plot_limits([res], f"{stem}.png")
            if len(grid) > 1:
                plot_plane({"+".join(res["data"]): plane(load_slices(out, card, res["data"], grid, opts), cl)},
                           res["model"], f"{stem}_plane.png")
    for r in res["rows"]:
        typer.echo(f"M = {r['mass_mev']:.4g} MeV: chi2 {r['chi2']}, bayes(log-uniform) "
                   f"{r['bayes_log_uniform']:.3g}, bayes(uniform g^2) {r['bayes_uniform_g2']:.3g}")


def limit_table(
    out: OutFolder = "results",
    models: Annotated[str | None, typer.Option("--models", help="comma-separated cards (default: [LM]'s 11)")] = None,
    workers: Workers = 2,
    scheduler: Scheduler = None,
    data_option: DataOptions = None,
) -> None:
    """Low-mass g and high-mass g/M bounds for the [LM] models x {CsI, Ar, CsI+Ar}, chi^2 and Bayes
    (--data-option treatment=lm2022: in [LM]'s own statistical treatment)."""
    def run() -> None:
        from bayes_cevns.studies.limit_table import run_table
        from bayes_cevns.studies.scan import DATASETS, LM_MODELS

        names = [m.strip() for m in models.split(",")] if models else list(LM_MODELS)
        for m in names:
            load_card(m)
        options = data_options(data_option)
        with_options(sorted({e for d in DATASETS for e in d}), options)
        check_output_folder(out)
        run_table(out, names, scheduler=scheduler, workers=workers, options=options)

    run_then_show(run, f"{out}/limits_table.md", resumable(out))


def g2_table(
    out: OutFolder = "results",
    workers: Workers = 2,
    data_option: DataOptions = None,
) -> None:
    """(g-2)_mu band vs COHERENT CsI+Ar for every muon-coupled mediator card: table and figures."""
    def run() -> None:
        from bayes_cevns.studies.g2 import G2_DATA, run_g2_table

        options = data_options(data_option)
        with_options(list(G2_DATA), options)
        check_output_folder(out)
        run_g2_table(out, workers=workers, options=options)

    run_then_show(run, f"{out}/g2_table.md", resumable(out))
