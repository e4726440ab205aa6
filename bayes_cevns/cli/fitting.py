"""Commands on the posterior and the profile likelihood: ``fit``, ``compare``, ``profile``."""

import json
import warnings
from typing import Annotated

import typer
from rich.table import Table

from bayes_cevns.cli.errors import reported
from bayes_cevns.cli.options import (DEFAULT_DATA, ArLikelihood, AsJson, Card, Chains, Data, DataOptions, Draws,
                                     Fixed, Free, Priors, Seed, ShareFlux, Tune)
from bayes_cevns.cli.output import console, stage_status
from bayes_cevns.cli.parsing import ar_likelihood as ar_likelihood_of
from bayes_cevns.cli.parsing import experiments_with_options, linear_grid, parse_priors, parse_sets, prior_terms
from bayes_cevns.cli.paths import check_output_file
from bayes_cevns.signals import stop_on_signals

Quiet = Annotated[bool, typer.Option("--quiet", help="no progress display while sampling")]


def _sampled(card: str, quiet: bool, **options) -> tuple:
    """``run_fit`` with a stage display, convergence problems reported once on stderr.

    Returns run_fit's (result, built model, posterior). SIGINT and SIGTERM raise
    :class:`~bayes_cevns.signals.Interrupted` before anything is saved."""
    from bayes_cevns.inference.fitting import run_fit
    from bayes_cevns.inference.sampling import ConvergenceWarning

    with stop_on_signals(), stage_status(quiet) as report, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = run_fit(card, report=report, return_model=True, **options)
    result = fitted[0]
    if result["diagnostics"]["problems"]:
        typer.echo("WARNING: NOT CONVERGED: " + "; ".join(result["diagnostics"]["problems"]), err=True)
    return fitted


def _diagnostics_line(diag: dict) -> str:
    rhat = "R-hat not available with one chain" if diag["rhat_max"] is None else f"R-hat max {diag['rhat_max']:.4f}"
    return f"{rhat}, bulk ESS min {diag['ess_bulk_min']:.0f}, {diag['divergences']} divergent transitions"


def fit(
    card: Card,
    data: Data = DEFAULT_DATA,
    data_option: DataOptions = None,
    draws: Draws = 1000, tune: Tune = 1000, chains: Chains = 4, seed: Seed = 0,
    out: Annotated[str | None, typer.Option(help="netCDF file for the posterior")] = None,
    sampler: Annotated[str, typer.Option(help="nutpie (default) | pymc | numpyro")] = "nutpie",
    free: Free = None,
    prior: Priors = None,
    set_: Fixed = None,
    share_flux: ShareFlux = False,
    ar_likelihood: ArLikelihood = "poisson",
    with_: Annotated[list[str] | None, typer.Option("--with", help="extra measurement: g2mu")] = None,
    osc_prior: Annotated[list[str] | None, typer.Option("--osc-prior", help="oscillation preset on the NSI couplings: current_lma | dune_t2hk | lma_dark")] = None,
    osc_kind: Annotated[str, typer.Option("--osc-prior-kind", help="gaussian | box")] = "gaussian",
    osc_table: Annotated[list[str] | None, typer.Option("--osc-table", help="external Delta chi^2 CSV as a prior: FILE:COLUMN=COMBINATION[,COLUMN=COMBINATION] (value column 'dchi2')")] = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
    best_fit: Annotated[bool, typer.Option("--best-fit/--no-best-fit", help="also report the profile-likelihood best fit (chi^2 minimum)")] = True,
) -> None:
    """Sample the posterior with NUTS and report parameters, derived counts and diagnostics.

    --with g2mu adds the muon g-2 measurement; with --data "" the fit is g-2 only.
    --osc-prior multiplies the prior by the oscillation bounds of [NSI-UV] Eqs. 2-5."""
    with reported(f"nothing was written to {out}" if out else "no posterior was kept"):
        experiments = experiments_with_options(data, data_option)
        options = {"free": free, "priors": parse_priors(prior), "fixed": parse_sets(set_),
                   "share_flux": share_flux, "likelihood": ar_likelihood_of(ar_likelihood),
                   "extra": tuple(with_ or ()), "prior_terms": prior_terms(osc_prior, osc_kind, osc_table)}
        if out:
            check_output_file(out)
        overrides = {"osc_prior": list(osc_prior or ()), "osc_prior_kind": osc_kind,
                     "osc_table": list(osc_table or ()), "data_option": list(data_option or ())}
        result, _, _ = _sampled(card, quiet, experiments=experiments, draws=draws, tune=tune, chains=chains,
                                seed=seed, out=out, sampler=sampler, overrides=overrides, best_fit=best_fit,
                                **options)
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"posterior -- {card}")
    for c in ("name", "mean", "sd", "68% HDI"):
        table.add_column(c)
    best = result.get("best_fit", {}).get("values", {})
    if best:
        table.add_column("best fit")
    for group in ("parameters", "derived"):
        for k, v in result[group].items():
            row = [k, f"{v['mean']:.4g}", f"{v['sd']:.3g}", f"[{v['hdi_low']:.4g}, {v['hdi_high']:.4g}]"]
            table.add_row(*row, *([f"{best[k]:.4g}" if k in best else ""] if best else []))
    console.print(table)
    console.print(_diagnostics_line(result["diagnostics"]))


def compare(
    card: Card,
    data: Data = DEFAULT_DATA,
    data_option: DataOptions = None,
    draws: Draws = 1000, tune: Tune = 1000, chains: Chains = 4, seed: Seed = 0,
    free: Free = None,
    prior: Priors = None,
    set_: Fixed = None,
    prob: Annotated[float, typer.Option(help="interval probability")] = 0.6827,
    as_json: AsJson = False,
    quiet: Quiet = False,
) -> None:
    """Posterior HDI/ETI next to profile-likelihood (MINOS) intervals for the physics parameters."""
    with reported():
        from bayes_cevns.inference.compare import compare_intervals, markdown

        if not 0.0 < prob < 1.0:
            raise ValueError(f"--prob must lie in (0, 1), got {prob}")
        result, model, idata = _sampled(card, quiet, experiments=experiments_with_options(data, data_option), draws=draws,
                                        tune=tune, chains=chains, seed=seed, free=free,
                                        priors=parse_priors(prior), fixed=parse_sets(set_))
        rows = compare_intervals(model, idata, model.sampled_parameters, prob=prob)
    if as_json:
        typer.echo(json.dumps({"rows": rows, "diagnostics": result["diagnostics"]}))
    else:
        typer.echo(markdown(rows))


def profile(
    card: Card,
    param: Annotated[str, typer.Option("--param", help="parameter to profile")],
    grid: Annotated[str, typer.Option("--grid", help="LO:HI:N")],
    data: Data = DEFAULT_DATA,
    data_option: DataOptions = None,
    set_: Fixed = None,
    share_flux: ShareFlux = False,
    ar_likelihood: ArLikelihood = "poisson",
    as_json: AsJson = False,
) -> None:
    """Profile-likelihood Delta chi^2 scan (iminuit) of one parameter with all nuisances profiled."""
    with reported():
        from bayes_cevns.api import profile as api_profile

        points = linear_grid(grid)
        result = api_profile(card, param, points, experiments_with_options(data, data_option), fixed=parse_sets(set_),
                             share_flux=share_flux, likelihood=ar_likelihood_of(ar_likelihood))
    if as_json:
        typer.echo(json.dumps(result))
        return
    console.print(f"{param}: best fit {result['best_fit']:.4g}, 1 sigma {result['1sigma']}, "
                  f"2 sigma {result['2sigma']}")
