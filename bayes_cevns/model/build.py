"""Build the PyMC model from a model card, experiments and priors.

Every nuisance is a real random variable with the prior of its release:

* CsI 2021: ``csi_flux`` (10%), quenching components ``csi_qf_z0``, ``csi_qf_z1``, efficiency
  ``csi_eff``, beam onset ``csi_onset`` (us), BRN (25%), NIN (35%), and the steady-state norm
  ``csi_ss_norm`` constrained by its own Poisson likelihood on the anti-coincidence sample;
* Ar 2020: ``ar_flux`` (10%), ``ar_mass`` (2.5%), QF ``ar_qf_a``/``ar_qf_b``, the shape systematics
  by morphing, prompt BRN (32%), delayed BRN (100%), SS (0.79%).

The SNS flux is *not* shared between the detectors unless ``share_flux=True``: the two
measurements used different proton energies (r = 0.0848 vs 0.09 nu/flavour/POT) and the
collaborations quote independent 10% uncertainties. A nuisance an experiment declares ``shared``
(the solar 8B flux, the XENONnT yields across science runs) is one random variable for every
experiment that declares it; a card's ``replaces_nuisances`` hold those nuisances at nominal.

Likelihoods: Poisson in every (energy, time) bin (default), or for Ar [LM]'s Gaussian chi^2
(Eq. 7) with sigma_ij^2 = N_ij^exp + N_ij^SS / 5 (Eq. 8). The frequentist chi^2 is
-2 ln L of the observed data plus the nuisance constraint terms; for the Poisson case it equals
the Baker-Cousins chi^2 of [LM] Eq. 6 up to the data-only constant
c = sum_ij 2 (n_ij ln n_ij - n_ij - ln n_ij!), chi^2_BC = -2 ln L + c, see :func:`baker_cousins_offset`.
"""

from collections.abc import Mapping, Sequence

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy.special import gammaln

from bayes_cevns.experiments import Experiment, load_experiment
from bayes_cevns.experiments.base import Nuisance
from bayes_cevns.model.built import BuiltModel
from bayes_cevns.model.cards import CardError, ModelCard, Prior, load_card
from bayes_cevns.model.forward import asimov_counts, background_norm_name, expected_components, scale_name
from bayes_cevns.model.g2_term import add_g2mu_term

LIKELIHOODS = ("poisson", "gauss_chi2")
#: measurements other than the CEvNS releases that a model can include (``build_model(extra=...)``)
EXTRA_LIKELIHOODS = ("g2mu",)
#: derived flux-averaged cross sections ``xsec_<exp>`` are reported in units of 1e-40 cm^2
XSEC_UNIT_INV = np.float64(1e40)
#: prior on the steady-state norm when it is fixed by an auxiliary Poisson measurement
SS_AUX_PRIOR = (0.5, 1.5)
#: the one flux nuisance of ``share_flux=True`` (replaces every experiment's flux-role nuisance)
SHARED_FLUX = "sns_flux"


def _prior_rv(name: str, prior: Prior):
    a = prior.args
    match prior.dist:
        case "uniform":
            return pm.Uniform(name, lower=a["lower"], upper=a["upper"])
        case "normal":
            return pm.Normal(name, mu=a["mu"], sigma=a["sigma"])
        case "truncated_normal":
            return pm.TruncatedNormal(name, mu=a["mu"], sigma=a["sigma"], lower=a["lower"], upper=a["upper"])
        case "log_uniform":
            log = pm.Uniform(f"log10_{name}", lower=np.log10(a["lower"]), upper=np.log10(a["upper"]))
            return pm.Deterministic(name, 10.0**log)
        case "half_normal":
            return pm.HalfNormal(name, sigma=a["sigma"])
    raise CardError(f"unsupported prior {prior.dist!r}")


def _rv_name(name: str, prior: Prior) -> str:
    """Name of the random variable that carries a physics parameter (``log10_<name>`` if log-uniform)."""
    return f"log10_{name}" if prior.dist == "log_uniform" else name


def _resolve_experiments(experiments: Sequence[str | Experiment]) -> list[Experiment]:
    out = [load_experiment(e) if isinstance(e, str) else e for e in experiments]
    if not out:
        raise ValueError("at least one experiment is needed")
    names = [e.name for e in out]
    if len(set(names)) != len(names):
        raise ValueError(f"experiment listed twice: {names}")
    return out


def free_parameters(card: ModelCard, free: Sequence[str] | None, priors: Mapping | None,
                    fixed: Mapping[str, float] | None = None) -> dict[str, Prior]:
    """The card parameters sampled in this fit, with their priors (card defaults or overrides).

    A parameter given a value in ``fixed`` is held there even if the card samples it by default;
    asking to both fix and sample one is an error.
    """
    fixed = dict(fixed or {})
    clash = sorted(set(fixed) & (set(free or ()) | set(priors or {})))
    if clash:
        raise CardError(f"parameter(s) {clash} are both fixed and given a prior / freed")
    chosen = {k for k, p in card.parameters.items() if p.free and k not in fixed}
    for name in free or ():
        card.parameter(name)
        chosen.add(name)
    out = {}
    for name, prior in (priors or {}).items():
        card.parameter(name)
        chosen.add(name)
    for name in sorted(chosen):
        pr = (priors or {}).get(name, card.parameters[name].prior)
        out[name] = Prior.parse(pr) if isinstance(pr, str) else pr
        lo, hi = card.parameters[name].bounds
        if "lower" in out[name].args and out[name].args["lower"] < lo:
            raise CardError(f"prior of {name} extends below its physical bound {lo}")
        if "upper" in out[name].args and out[name].args["upper"] > hi:
            raise CardError(f"prior of {name} extends above its physical bound {hi}")
    return out


def build_model(card: ModelCard | str, experiments: Sequence[str | Experiment],
                free: Sequence[str] | None = None, priors: Mapping[str, Prior | str] | None = None,
                fixed: Mapping[str, float] | None = None, share_flux: bool = False,
                likelihood: Mapping[str, str] | None = None,
                observed: Mapping[str, np.ndarray] | None = None,
                extra: Sequence[str] = (), prior_terms: Sequence = ()) -> BuiltModel:
    """A :class:`BuiltModel` (the ``pm.Model`` with its card, experiments and variable roles).

    ``free``: extra card parameters to sample (with card priors); ``priors``: overriding priors
    (``Prior`` or text like ``"uniform(0.1,0.4)"``), which also free the parameter; ``fixed``:
    values for non-sampled parameters; ``likelihood``: per-experiment choice among
    ``LIKELIHOODS``; ``observed``: replacement data (e.g. Asimov or toy) per experiment;
    ``extra``: further measurements, e.g. ``("g2mu",)`` for the muon g-2 term of
    :mod:`bayes_cevns.studies.g2` (then ``experiments`` may be empty: a g-2-only fit);
    ``prior_terms``: extra log-prior terms on card parameters (e.g. oscillation priors of
    :mod:`bayes_cevns.priors`), each added as a potential ``prior_<name>``.

    Observed counts live in ``pm.Data`` containers ``data_<prefix>`` (and ``data_<prefix>_<bkg>_aux``
    for auxiliary measurements), so toys can be swapped in with ``pm.set_data`` without rebuilding.
    The Gaussian chi^2 keeps its sigma_ij from the data the model was built with.
    """
    card = load_card(card) if isinstance(card, str) else card
    unknown = [x for x in extra if x not in EXTRA_LIKELIHOODS]
    if unknown:
        raise ValueError(f"unknown extra likelihood(s) {unknown}; known: {list(EXTRA_LIKELIHOODS)}")
    exps = _resolve_experiments(experiments) if experiments or not extra else []
    sampled = free_parameters(card, free, priors, fixed)
    values = card.values(fixed)
    likelihood = _likelihood_choices(likelihood or {}, exps)
    coords = {}
    for e in exps:
        p = e.prefix
        coords[f"{p}_energy"] = 0.5 * (e.energy_edges[1:] + e.energy_edges[:-1])
        coords[f"{p}_time"] = np.arange(e.shape[1]) if e.extra_axis else 0.5 * (e.time_edges[1:] + e.time_edges[:-1])

    roles: dict[str, str] = {}
    carriers: dict[str, list[str]] = {}

    def physics_rv(pname: str, card_name: str, prior: Prior):
        rv_name = _rv_name(pname, prior)
        roles[rv_name] = card.parameters[card_name].role
        carriers.setdefault(card_name, []).append(rv_name)
        return _prior_rv(pname, prior)

    with pm.Model(coords=coords) as model:
        shared_params = {name: physics_rv(name, name, prior) for name, prior in sampled.items()
                         if name not in card.per_experiment}
        flux_shared = None
        shared = _SharedVariables()
        if share_flux:
            flux_shared = pm.TruncatedNormal(SHARED_FLUX, mu=1.0, sigma=0.1, lower=0.0)
            roles[SHARED_FLUX] = "flux"
        for e in exps:
            p = e.prefix
            params = {k: v for k, v in values.items() if k not in card.per_experiment}
            params.update(shared_params)
            for name in card.per_experiment:
                pname = scale_name(card, name, e)
                params[pname] = physics_rv(pname, name, sampled[name]) if name in sampled else values[name]
            z = {}
            for n, nu in e.nuisances.items():
                if n in card.replaces_nuisances:
                    continue
                if share_flux and nu.role == "flux" and not nu.shared:
                    z[n] = flux_shared
                    continue
                z[n] = shared.get(n, _nuisance_signature(nu), lambda nu=nu: _nuisance_rv(nu)) if nu.shared \
                    else _nuisance_rv(nu)
                roles[n] = "flux" if nu.role == "flux" else "nuisance"
            for b, bkg in e.backgrounds.items():
                nn = background_norm_name(e, b)
                if bkg.aux_count is not None:
                    z[nn] = pm.Uniform(nn, *SS_AUX_PRIOR)
                    aux = pm.Data(f"data_{p}_{b}_aux", np.asarray(bkg.aux_count, dtype="int64"))
                    pm.Poisson(f"{p}_{b}_aux", mu=bkg.aux_count * z[nn], observed=aux)
                elif bkg.norm_sigma > 0:
                    def make(nn=nn, sigma=bkg.norm_sigma):
                        return pm.TruncatedNormal(nn, mu=1.0, sigma=sigma, lower=0.0)
                    z[nn] = shared.get(nn, ("norm", bkg.norm_sigma), make) if bkg.shared_norm else make()
                else:
                    continue
                roles[nn] = "background_norm"
            comps = expected_components(card, e, params, z)
            pm.Deterministic(f"cevns_{p}", comps["_cevns_published"])
            pm.Deterministic(f"cevns_in_data_{p}", comps["cevns"].sum())
            if "_xsec" in comps:
                pm.Deterministic(f"xsec_{p}", comps["_xsec"] * pt.constant(XSEC_UNIT_INV, dtype="float64"))
            total = sum(v for k, v in comps.items() if not k.startswith("_"))
            dims = (f"{p}_energy", f"{p}_time")
            mu = pm.Deterministic(f"mu_{p}", total, dims=dims)
            obs = e.observed if observed is None or e.name not in observed else observed[e.name]
            variance = e.chi2_variance
            if e.asimov and (observed is None or e.name not in observed):
                obs = asimov_counts(card, e)
                variance = e.asimov_variance_factor * obs
            kind = likelihood.get(e.name, e.likelihood)
            if kind == "poisson":
                if not np.allclose(obs, np.round(obs)) or np.any(np.asarray(obs) < 0):
                    raise ValueError(f"{e.name}: the Poisson likelihood needs non-negative integer counts "
                                     "(for Asimov data use likelihood='gauss_chi2' or round the counts)")
                data = pm.Data(f"data_{p}", np.asarray(np.round(obs), dtype="int64"), dims=dims)
                pm.Poisson(f"obs_{p}", mu=pt.maximum(mu, 1e-12), observed=data, dims=dims)
            else:
                if variance is None:
                    variance = np.maximum(obs + e.steady_state_template() / 5.0, 1.0)
                sigma = np.sqrt(variance)
                data = pm.Data(f"data_{p}", np.asarray(obs, dtype=float), dims=dims)
                pm.Normal(f"obs_{p}", mu=mu, sigma=sigma, observed=data, dims=dims)
        if "g2mu" in extra:
            for p in ("g", "m_med"):
                card.parameter(p)
            add_g2mu_term(card, shared_params.get("g", values["g"]), shared_params.get("m_med", values["m_med"]))
        _add_prior_terms(card, prior_terms, {**values, **shared_params})
    return BuiltModel(model, card, exps, roles, carriers)


def _nuisance_rv(nu: Nuisance):
    """The random variable of one nuisance: normal, truncated where it declares bounds."""
    if nu.lower is not None or nu.upper is not None:
        return pm.TruncatedNormal(nu.name, mu=nu.mu, sigma=nu.sigma, lower=nu.lower, upper=nu.upper)
    return pm.Normal(nu.name, mu=nu.mu, sigma=nu.sigma)


def _nuisance_signature(nu: Nuisance) -> tuple:
    return (nu.mu, nu.sigma, nu.lower, nu.upper, nu.role)


class _SharedVariables:
    """One random variable per shared name; every declaration of the name must have the same prior."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[tuple, object]] = {}

    def get(self, name: str, signature: tuple, make):
        if name not in self._made:
            self._made[name] = (signature, make())
        elif self._made[name][0] != signature:
            raise ValueError(f"shared nuisance {name} is declared with different priors: "
                             f"{self._made[name][0]} and {signature}")
        return self._made[name][1]


def _likelihood_choices(choices: Mapping[str, str], exps: Sequence[Experiment]) -> dict[str, str]:
    """Per-experiment likelihood kinds keyed by experiment id (labels are accepted as keys)."""
    by_key = {e.name: e.name for e in exps} | {e.prefix: e.name for e in exps}
    out = {}
    for k, v in choices.items():
        if v not in LIKELIHOODS:
            raise ValueError(f"unknown likelihood {v!r} for {k}; choose one of {LIKELIHOODS}")
        if k in by_key:
            out[by_key[k]] = v
    return out


def _add_prior_terms(card: ModelCard, terms: Sequence, params: Mapping) -> None:
    """Add each term's log-density of the card parameters as a potential of the current model."""
    names = [t.name for t in terms]
    if len(set(names)) != len(names):
        raise ValueError(f"prior terms need distinct names, got {names}")
    for term in terms:
        for p in term.parameters:
            card.parameter(p)
        pm.Potential(f"prior_{term.name}", term.logp_tensor({p: params[p] for p in term.parameters}))


def baker_cousins_offset(observed: np.ndarray) -> float:
    """Constant c with chi^2_BC ([LM] Eq. 6) = -2 ln L_Poisson + c, for the observed counts."""
    n = np.asarray(observed, dtype=float)
    nlogn = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0)), 0.0)
    return float(np.sum(2.0 * (nlogn - n - gammaln(n + 1.0))))
