"""Command-line interface: ``bayes-cevns predict | fit | compare | profile | limit(s) | sensitivity | nsi-table | ... `` (``--help`` lists all)."""

import json
import sys
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from bayes_cevns import __version__
from bayes_cevns.model.cards import CardError, available_cards, load_card
from bayes_cevns.experiments import available_experiments, by_label, load_experiment, registrations
from bayes_cevns.experiments.datasets import DEFAULT_DATA as _DEFAULT_DATA
from bayes_cevns.experiments.data import DataIntegrityError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Bayesian inference for CEvNS with the public COHERENT data.")
console = Console()
USER_ERRORS = (CardError, DataIntegrityError, ValueError, KeyError)


def _fail(err: Exception) -> None:
    msg = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(2)


def _assignments(items: list[str] | None, flag: str, form: str) -> list[tuple[str, str]]:
    """Split repeated ``--flag NAME=VALUE`` options into (name, value) pairs."""
    out = []
    for item in items or []:
        if "=" not in item:
            raise CardError(f"{flag} expects {form}, got {item!r}")
        k, v = item.split("=", 1)
        out.append((k.strip(), v.strip()))
    return out


def _parse_sets(items: list[str] | None) -> dict[str, float]:
    out = {}
    for k, v in _assignments(items, "--set", "NAME=VALUE"):
        try:
            out[k] = float(v)
        except ValueError:
            raise CardError(f"--set {k}: {v!r} is not a number") from None
        if not np.isfinite(out[k]):
            raise CardError(f"--set {k}: value must be finite, got {v!r}")
    return out


def _parse_priors(items: list[str] | None) -> dict[str, str]:
    return dict(_assignments(items, "--prior", "NAME=dist(args)"))


def osc_table_term(spec: str):
    """``FILE:COL=COMBO[,COL=COMBO]`` -> a tabulated Delta chi^2 prior term (``priors.tabulated``)."""
    from bayes_cevns.priors.linear import LinearCombination
    from bayes_cevns.priors.tabulated import TabulatedDeltaChi2

    path, sep, axes = spec.rpartition(":")
    if not sep or not path or not axes:
        raise ValueError(f"--osc-table expects FILE:COLUMN=COMBINATION, got {spec!r}")
    pairs = _assignments(axes.split(","), "--osc-table", "COLUMN=COMBINATION")
    return TabulatedDeltaChi2.from_csv(path, {col: LinearCombination.parse(combo) for col, combo in pairs})


def _run_then_show(run, shown: str) -> None:
    """Run a results job, turning user errors into one-line messages, then print the table it wrote."""
    try:
        run()
    except USER_ERRORS as err:
        _fail(err)
    typer.echo(open(shown).read())


DEFAULT_DATA = ",".join(_DEFAULT_DATA)


def _experiments(data: str) -> list[str]:
    names = [d.strip() for d in data.split(",") if d.strip()]
    known = available_experiments("data")
    for n in names:
        if n not in known:
            raise ValueError(f"unknown experiment {n!r}; choose from {list(known)}")
    return names


def _ar_likelihood(kind: str) -> dict[str, str]:
    """``--ar-likelihood``: the likelihood of the experiment labelled ``ar``."""
    return {by_label("ar"): kind}


@app.command()
def predict(
    experiment: Annotated[str, typer.Argument(help="a data release id (see `bayes-cevns experiments`)")],
    model: Annotated[str, typer.Option("--model", help="model card name or path")] = "sm",
    set_: Annotated[list[str] | None, typer.Option("--set", help="NAME=VALUE (repeatable)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    plot: Annotated[str | None, typer.Option("--plot", help="draw predicted spectra over data")] = None,
) -> None:
    """Expected counts in the experiment's region of interest for a model card."""
    from bayes_cevns.model.predict import predict_counts

    try:
        _experiments(experiment)
        card = load_card(model)
        result = predict_counts(card, experiment, _parse_sets(set_))
        if plot:
            from bayes_cevns.plotting import plot_prediction

            plot_prediction(card, experiment, _parse_sets(set_), plot)
    except USER_ERRORS as err:
        _fail(err)
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"{experiment} -- model {card.name}")
    table.add_column("component")
    table.add_column("expected (published convention)", justify="right")
    table.add_column("expected in data", justify="right")
    for k, v in result["counts"].items():
        table.add_row(k, f"{v:.1f}", f"{result['counts_in_data'][k]:.1f}")
    table.add_row("observed", "", f"{result['observed']:.0f}")
    console.print(table)


@app.command()
def fit(
    card: Annotated[str, typer.Argument(help="model card name or path")],
    data: Annotated[str, typer.Option("--data", help="comma-separated experiments")] = DEFAULT_DATA,
    draws: int = 1000, tune: int = 1000, chains: int = 4, seed: int = 0,
    out: Annotated[str | None, typer.Option(help="netCDF file for the posterior")] = None,
    sampler: Annotated[str, typer.Option(help="nutpie (default) | pymc | numpyro")] = "nutpie",
    free: Annotated[list[str] | None, typer.Option("--free", help="also sample this card parameter")] = None,
    prior: Annotated[list[str] | None, typer.Option("--prior", help="NAME=dist(args)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="NAME=VALUE for fixed parameters")] = None,
    share_flux: Annotated[bool, typer.Option(help="one SNS flux nuisance for all detectors")] = False,
    ar_likelihood: Annotated[str, typer.Option(help="poisson | gauss_chi2")] = "poisson",
    with_: Annotated[list[str] | None, typer.Option("--with", help="extra measurement: g2mu")] = None,
    osc_prior: Annotated[list[str] | None, typer.Option("--osc-prior", help="oscillation preset on the NSI couplings: current_lma | dune_t2hk | lma_dark")] = None,
    osc_kind: Annotated[str, typer.Option("--osc-prior-kind", help="gaussian | box")] = "gaussian",
    osc_table: Annotated[list[str] | None, typer.Option("--osc-table", help="external Delta chi^2 CSV as a prior: FILE:COLUMN=COMBINATION[,COLUMN=COMBINATION] (value column 'dchi2')")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Sample the posterior with NUTS and report parameters, derived counts and diagnostics.

    ``--with g2mu`` adds the muon g-2 measurement; with ``--data ""`` the fit is g-2 only.
    ``--osc-prior`` multiplies the prior by the oscillation bounds of [NSI-UV] Eqs. 2-5."""
    from bayes_cevns.inference.fitting import run_fit
    from bayes_cevns.priors.presets import preset

    try:
        terms = [t for name in (osc_prior or []) for t in preset(name, osc_kind)]
        terms += [osc_table_term(spec) for spec in osc_table or []]
        result = run_fit(card, _experiments(data), draws=draws, tune=tune, chains=chains, seed=seed,
                         out=out, sampler=sampler, free=free, priors=_parse_priors(prior),
                         fixed=_parse_sets(set_), share_flux=share_flux,
                         likelihood=_ar_likelihood(ar_likelihood), extra=tuple(with_ or ()),
                         prior_terms=terms)
    except USER_ERRORS as err:
        _fail(err)
    if result["diagnostics"]["problems"]:
        typer.echo("WARNING: NOT CONVERGED: " + "; ".join(result["diagnostics"]["problems"]), err=True)
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"posterior -- {card}")
    for c in ("name", "mean", "sd", "68% HDI"):
        table.add_column(c)
    for group in ("parameters", "derived"):
        for k, v in result[group].items():
            table.add_row(k, f"{v['mean']:.4g}", f"{v['sd']:.3g}", f"[{v['hdi_low']:.4g}, {v['hdi_high']:.4g}]")
    console.print(table)
    console.print(result["diagnostics"])


@app.command()
def compare(
    card: Annotated[str, typer.Argument(help="model card name or path")],
    data: Annotated[str, typer.Option("--data", help="comma-separated experiments")] = DEFAULT_DATA,
    draws: int = 1000, tune: int = 1000, chains: int = 4, seed: int = 0,
    free: Annotated[list[str] | None, typer.Option("--free", help="also sample this card parameter")] = None,
    prior: Annotated[list[str] | None, typer.Option("--prior", help="NAME=dist(args)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="NAME=VALUE for fixed parameters")] = None,
    prob: Annotated[float, typer.Option(help="interval probability")] = 0.6827,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Posterior HDI/ETI next to profile-likelihood (MINOS) intervals for the physics parameters."""
    from bayes_cevns.inference.compare import compare_intervals, markdown
    from bayes_cevns.inference.fitting import run_fit

    try:
        if not 0.0 < prob < 1.0:
            raise ValueError(f"--prob must lie in (0, 1), got {prob}")
        result, model, idata = run_fit(card, _experiments(data), draws=draws, tune=tune, chains=chains,
                                       seed=seed, free=free, priors=_parse_priors(prior),
                                       fixed=_parse_sets(set_), return_model=True)
        rows = compare_intervals(model, idata, model.sampled_parameters, prob=prob)
    except USER_ERRORS as err:
        _fail(err)
    if as_json:
        typer.echo(json.dumps({"rows": rows, "diagnostics": result["diagnostics"]}))
    else:
        typer.echo(markdown(rows))


@app.command()
def profile(
    card: Annotated[str, typer.Argument(help="model card name or path")],
    param: Annotated[str, typer.Option("--param", help="parameter to profile")],
    grid: Annotated[str, typer.Option("--grid", help="LO:HI:N")],
    data: Annotated[str, typer.Option("--data")] = DEFAULT_DATA,
    set_: Annotated[list[str] | None, typer.Option("--set")] = None,
    share_flux: bool = False,
    ar_likelihood: str = "poisson",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Profile-likelihood Delta chi^2 scan (iminuit) of one parameter with all nuisances profiled."""
    from bayes_cevns.api import profile as api_profile

    try:
        parts = grid.split(":")
        if len(parts) != 3:
            raise ValueError(f"--grid expects LO:HI:N, got {grid!r}")
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
        if not (lo < hi and n >= 2):
            raise ValueError("--grid needs LO < HI and N >= 2")
        result = api_profile(card, param, np.linspace(lo, hi, n), _experiments(data), fixed=_parse_sets(set_),
                             share_flux=share_flux, likelihood=_ar_likelihood(ar_likelihood))
    except USER_ERRORS as err:
        _fail(err)
    if as_json:
        typer.echo(json.dumps(result))
        return
    console.print(f"{param}: best fit {result['best_fit']:.4g}, 1 sigma {result['1sigma']}, "
                  f"2 sigma {result['2sigma']}")



@app.command()
def limit(
    card: Annotated[str, typer.Argument(help="mediator model card (has g and m_med)")],
    data: Annotated[str, typer.Option("--data", help="comma-separated experiments")] = DEFAULT_DATA,
    mass: Annotated[float, typer.Option("--mass", help="mediator mass in MeV")] = 10.0,
    method: Annotated[str, typer.Option("--method", help="chi2 or bayes")] = "chi2",
    cl: Annotated[float, typer.Option("--cl", help="confidence / credible level")] = 0.9545,
    prior: Annotated[str, typer.Option("--prior", help="bayes: log_uniform or uniform_g2")] = "log_uniform",
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Upper limit on the coupling at one mediator mass (profile chi^2 or marginal posterior)."""
    from bayes_cevns.api import limit as api_limit

    try:
        out = api_limit(card, mass, _experiments(data), method=method, cl=cl, prior=prior)
    except USER_ERRORS as err:
        _fail(err)
    if as_json:
        typer.echo(json.dumps(out))
    else:
        console.print(out)


@app.command()
def limits(
    card: Annotated[str, typer.Argument(help="mediator model card (has g and m_med)")],
    out: Annotated[str, typer.Option("--out", help="output folder (checkpoints and results)")],
    data: Annotated[str, typer.Option("--data", help="comma-separated experiments")] = DEFAULT_DATA,
    masses: Annotated[str, typer.Option("--masses", help="LO:HI:N in MeV, log-spaced")] = "0.01:10000:40",
    workers: Annotated[int, typer.Option("--workers", help="Dask worker processes (0: in process)")] = 2,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address")] = None,
    cl: Annotated[float, typer.Option("--cl")] = 0.9545,
) -> None:
    """Scan the mediator mass: chi^2 and Bayesian coupling limits per mass, resumable, via Dask."""
    from bayes_cevns.inference.limits import plane
    from bayes_cevns.plotting import plot_limits, plot_plane
    from bayes_cevns.studies.scan import load_slices, parse_masses, run_scan

    try:
        load_card(card)
        grid = parse_masses(masses)
        res = run_scan(card, _experiments(data), grid, out, scheduler=scheduler, workers=workers, cl=cl)
    except USER_ERRORS as err:
        _fail(err)
    stem = f"{out}/{res['model']}__{'+'.join(res['data'])}"
    plot_limits([res], f"{stem}.png")
    if len(grid) > 1:
        plot_plane({"+".join(res["data"]): plane(load_slices(out, card, res["data"], grid), cl)},
                   res["model"], f"{stem}_plane.png")
    for r in res["rows"]:
        typer.echo(f"M = {r['mass_mev']:.4g} MeV: chi2 {r['chi2']}, bayes(log-uniform) "
                   f"{r['bayes_log_uniform']:.3g}, bayes(uniform g^2) {r['bayes_uniform_g2']:.3g}")


@app.command("limit-table")
def limit_table(
    out: Annotated[str, typer.Option("--out", help="output folder")] = "results",
    models: Annotated[str | None, typer.Option("--models", help="comma-separated cards (default: [LM]'s 11)")] = None,
    workers: Annotated[int, typer.Option("--workers", help="Dask worker processes (0: in process)")] = 2,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address")] = None,
) -> None:
    """Low-mass g and high-mass g/M bounds for the [LM] models x {CsI, Ar, CsI+Ar}, chi^2 and Bayes."""
    from bayes_cevns.studies.scan import LM_MODELS, run_table

    def run() -> None:
        names = [m.strip() for m in models.split(",")] if models else list(LM_MODELS)
        for m in names:
            load_card(m)
        run_table(out, names, scheduler=scheduler, workers=workers)

    _run_then_show(run, f"{out}/limits_table.md")


@app.command("g2-table")
def g2_table(
    out: Annotated[str, typer.Option("--out", help="output folder")] = "results",
    workers: Annotated[int, typer.Option("--workers", help="Dask worker processes (0: in process)")] = 2,
) -> None:
    """(g-2)_mu band vs COHERENT CsI+Ar for every muon-coupled mediator card: table and figures."""
    from bayes_cevns.studies.g2 import run_g2_table

    _run_then_show(lambda: run_g2_table(out, workers=workers), f"{out}/g2_table.md")


@app.command()
def sensitivity(
    card: Annotated[str, typer.Argument(help="heavy-Z' card (e6_chi, e6_psi, e6_eta, e6, left_right) or light-mediator card")],
    experiment: Annotated[str, typer.Option("--experiment", help="projected experiment id (see `experiments`)")],
    sys_: Annotated[float | None, typer.Option("--sys", help="systematic normalisation uncertainty (default: the table's)")] = None,
    exposure_scale: Annotated[float, typer.Option("--exposure-scale", help="luminosity / nominal luminosity")] = 1.0,
    cl: Annotated[float, typer.Option("--cl", help="confidence level")] = 0.90,
    mass: Annotated[float | None, typer.Option("--mass", help="light mediator: mass in MeV")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="NAME=VALUE card parameter (e.g. beta=0.3)")] = None,
    method: Annotated[str, typer.Option("--method", help="chi2 ([E6LR] Eqs. 21-23) or bayes (heavy Z' only)")] = "chi2",
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Expected 90% C.L. bound for a projected experiment: M_Z' lower bound, or coupling upper bound at --mass."""
    from bayes_cevns.inference.limits import delta_chi2_threshold
    from bayes_cevns.studies.projection import HEAVY_MASS, Counter, bayes_mass_lower, coupling_upper_bound, mass_lower_bound

    try:
        delta_chi2_threshold(cl)
        if method not in ("chi2", "bayes"):
            raise ValueError(f"unknown method {method!r}; choose chi2 or bayes")
        model = load_card(card)
        values = _parse_sets(sets)
        model.values(values)
        counter = Counter(model, experiment)
        out = {"model": model.name, "experiment": experiment, "cl": cl}
        if HEAVY_MASS in model.parameters:
            if mass is not None:
                raise ValueError(f"{model.name} is a heavy-Z' card: --mass does not apply")
            heavy = {k: v for k, v in values.items() if k != HEAVY_MASS}
            if method == "bayes":
                if heavy:
                    raise ValueError("--method bayes takes the card's parameters as they are (no --set)")
                out["mass_lower_gev"] = bayes_mass_lower(counter, experiment, cl, sys_, exposure_scale)
            else:
                out["mass_lower_gev"] = mass_lower_bound(counter, experiment, cl, sys_, exposure_scale, heavy)
        else:
            if mass is None or not (np.isfinite(mass) and mass > 0):
                raise ValueError("a light-mediator card needs --mass (MeV, positive)")
            if method != "chi2" or values:
                raise ValueError("light-mediator sensitivities use --method chi2 and no --set")
            out["mass_mev"] = mass
            out["coupling_upper"] = coupling_upper_bound(counter, experiment, mass, cl, sys_, exposure_scale)
    except USER_ERRORS as err:
        _fail(err)
    if as_json:
        typer.echo(json.dumps(out))
    else:
        console.print(out)


@app.command("projection-table")
def projection_table(
    out: Annotated[str, typer.Option("--out", help="output folder")] = "results",
    with_data: Annotated[bool, typer.Option("--with-data/--no-data", help="add the U(1)_R limit from the CsI 2021 + Ar 2020 data")] = True,
) -> None:
    """M_Z' bounds for every projected experiment (E6 chi/psi/eta, LR), sys/luminosity/beta scans, U(1)_R bounds."""
    from bayes_cevns.studies.projection_results import run_projection_results

    _run_then_show(lambda: run_projection_results(out, with_data), f"{out}/projection_table.md")


@app.command("nsi-table")
def nsi_table(
    out: Annotated[str, typer.Option("--out", help="output folder")] = "results",
    grid: Annotated[int, typer.Option("--grid", help="points of the eps grid on [-1, 1]")] = 401,
    cl: Annotated[float, typer.Option("--cl", help="confidence / credible level")] = 0.90,
) -> None:
    """One-at-a-time NSI bounds (chi^2 and Bayes, Savage-Dickey B01) for CsI, Ar and CsI+Ar."""
    from bayes_cevns.inference.limits import delta_chi2_threshold
    from bayes_cevns.studies.nsi import bounds_table

    def run() -> None:
        delta_chi2_threshold(cl)
        if grid < 51:
            raise ValueError(f"--grid needs at least 51 points, got {grid}")
        bounds_table(out, n_grid=grid, cl=cl)

    _run_then_show(run, f"{out}/nsi_bounds.md")


@app.command("lma-dark")
def lma_dark(
    out: Annotated[str, typer.Option("--out", help="output folder")] = "results",
    data: Annotated[str, typer.Option("--data", help="comma-separated experiments")] = DEFAULT_DATA,
    masses: Annotated[str, typer.Option("--masses", help="LO:HI:N Z' masses in MeV, log-spaced")] = "0.5:100000:11",
    weight_dark: Annotated[float, typer.Option("--weight-dark", help="prior probability of LMA-Dark")] = 0.5,
) -> None:
    """P(LMA-Dark) with and without CEvNS vs the U(1)_B Z' mass ([NSI-UV] Sec. 3)."""
    from bayes_cevns.studies.nsi import lma_dark_test, write_lma_dark
    from bayes_cevns.inference.nsi_scan import EpsScan
    from bayes_cevns.inference.sampling import provenance
    from bayes_cevns.studies.scan import parse_masses
    from bayes_cevns.priors.presets import lma_two_solution_prior

    def run() -> None:
        if not 0.0 < weight_dark < 1.0:
            raise ValueError(f"--weight-dark must lie in (0, 1), got {weight_dark}")
        scan = EpsScan(_experiments(data), ["eps_ee_u", "eps_ee_d"])
        res = lma_dark_test(scan, parse_masses(masses), prior=lma_two_solution_prior(weight_dark=weight_dark))
        write_lma_dark(res, out, provenance(scan.model, 0, "grid"))

    _run_then_show(run, f"{out}/nsi_lma_dark.md")


@app.command()
def experiments() -> None:
    """List the COHERENT data releases and the projected experiments (ids for --data / --experiment)."""
    from bayes_cevns.experiments.projected import setups

    table = Table("id", "kind", "channel", "description")
    for name, reg in registrations("data").items():
        table.add_row(name, "data release", "cevns", f"{reg.title} public data (fit, predict, limit)")
    for name, s in setups().items():
        table.add_row(name, "projected", s.channel, s.label)
    console.print(table)


@app.command()
def cards() -> None:
    """List the available model cards."""
    for name in available_cards():
        typer.echo(f"{name}: {load_card(name).description}")


@app.callback(invoke_without_command=True)
def _main(version: Annotated[bool, typer.Option("--version")] = False) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(0)


def main() -> None:  # pragma: no cover - entry point
    sys.exit(app())
