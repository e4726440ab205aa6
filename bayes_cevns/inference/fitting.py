"""One call from a card and datasets to a checked, summarised and saved posterior."""

from collections.abc import Callable, Mapping, Sequence

from bayes_cevns.inference import sampling
from bayes_cevns.inference.compile_cache import compile_all
from bayes_cevns.inference.flat_density import flat_density_job
from bayes_cevns.inference.objective import objective_job
from bayes_cevns.inference.profile import minimise, objective
from bayes_cevns.io import save_atomic
from bayes_cevns.model.build import build_model
from bayes_cevns.model.cards import load_card


def run_fit(card: str, experiments: Sequence, draws: int = 1000, tune: int = 1000,
            chains: int = 4, seed: int = 0, out: str | None = None, sampler: str = "nutpie",
            free: Sequence[str] | None = None, priors: Mapping[str, str] | None = None,
            fixed: Mapping[str, float] | None = None, share_flux: bool = False,
            likelihood: Mapping[str, str] | None = None, cores: int | None = None,
            return_model: bool = False, extra: Sequence[str] = (), prior_terms: Sequence = (),
            overrides: Mapping[str, object] | None = None,
            report: Callable[[str], None] = sampling.report_nothing, best_fit: bool = False):
    """Build, sample, check convergence, summarise (68% HDI) and optionally save the posterior.

    The result follows the CLI contract: ``parameters`` (sampled physics parameters and
    nuisances), ``derived`` (``cevns_<experiment>`` counts in the collaborations' convention,
    ``cevns_in_data_<experiment>`` the CEvNS events expected in the analysed bins, i.e. with every
    efficiency including CsI's time-dependent one, and ``xsec_<experiment>_1e-40cm2`` flux-averaged
    cross sections) and ``diagnostics`` (``rhat_max``, None with one chain, ``ess_bulk_min``,
    ``divergences``, ``problems``).
    With ``best_fit`` it also has ``best_fit``: the minimum of the profile chi^2 = -2 ln L (nuisance
    priors included, physics priors not; :func:`~bayes_cevns.inference.profile.objective`) with
    ``chi2``, ``valid`` (MIGRAD's verdict) and the ``values`` of the reported parameters; with the
    ``numpyro`` sampler that chi^2 is compiled by JAX too, so nothing on that path compiles Numba code.
    With ``return_model`` the result comes with the :class:`BuiltModel` and the posterior DataTree.
    ``prior_terms``: extra log-prior terms (e.g. oscillation presets of :mod:`bayes_cevns.priors`).

    The sampler settings are checked before the model is built. The posterior's provenance
    attributes record the sampler settings and, in ``overrides``, every departure from the card
    passed here (``free``, ``priors``, ``fixed``, ``share_flux``, ``likelihood``, ``extra``, the
    prior terms' types) plus the caller's own ``overrides`` (e.g. the CLI's option strings).
    ``report`` is called with a short description of each stage (building, compiling, sampling,
    saving).
    """
    sampling.check_settings(draws, tune, chains, sampler)
    report("building the model")
    c = load_card(card)
    built = build_model(c, experiments, free=free, priors=priors, fixed=fixed,
                        share_flux=share_flux, likelihood=likelihood, extra=extra, prior_terms=prior_terms)
    model = built.model
    recorded = {"free": list(free or ()), "priors": dict(priors or {}), "fixed": dict(fixed or {}),
                "share_flux": share_flux, "likelihood": dict(likelihood or {}), "extra": list(extra),
                "prior_terms": [type(t).__name__ for t in prior_terms], **dict(overrides or {})}
    if sampler == "nutpie":  # the log density and the chi^2 compile side by side
        report("compiling")
        compile_all([flat_density_job(model)] + ([objective_job(built)] if best_fit else []))
    idata = sampling.sample(built, draws=draws, tune=tune, chains=chains, seed=seed,
                            sampler=sampler, cores=cores, overrides=recorded, report=report)
    report("summarising")
    params = [rv.name for rv in model.free_RVs]
    params += [d.name for d in model.deterministics
               if d.name not in params and d.name in {p for p in c.parameters}]
    derived_vars = {}
    for e in built.experiments:
        derived_vars[f"cevns_{e.name}"] = f"cevns_{e.prefix}"
        derived_vars[f"cevns_in_data_{e.name}"] = f"cevns_in_data_{e.prefix}"
        if e.xsec_weights is not None:
            derived_vars[f"xsec_{e.name}_1e-40cm2"] = f"xsec_{e.prefix}"
    if "g2mu" in extra:
        derived_vars["delta_a_mu_1e-10"] = "delta_a_mu_1e-10"
    diag = sampling.diagnostics(idata, params)
    diag["problems"] = sampling.check_convergence(diag)
    result = {
        "model": c.name,
        "data": [e.name for e in built.experiments] + list(extra),
        "parameters": sampling.summarise(idata, params),
        "derived": {k: sampling.summarise(idata, [v])[v] for k, v in derived_vars.items()},
        "diagnostics": diag,
        "seed": seed,
    }
    if best_fit:
        report("minimising chi^2")
        fit = minimise(objective(built, backend="jax" if sampler == "numpyro" else "numba"))
        result["best_fit"] = {"chi2": fit.chi2, "valid": fit.valid,
                              "values": {n: fit.values[n] for n in result["parameters"] if n in fit.values}}
    if out:
        report(f"saving {out}")
        save_atomic(idata, out)
        result["out"] = out
    return (result, built, idata) if return_model else result
