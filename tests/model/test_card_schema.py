"""JSON Schema of the model cards (models/schema/card.schema.json): every shipped card validates,
and structural mistakes (typos, wrong types, missing keys, unknown tables) give one-line CardErrors
naming the card, the table and the key."""

import json
import re
import tomllib

import jsonschema
import pytest

from bayes_cevns.model.card_schema import schema_error, schema_version
from bayes_cevns.model.cards import (PARAMETER_ROLES, PRIOR_KINDS, SM_OPTIONS, CardError, _MODEL_KEYS,
                                     card_schema_path, load_card, models_dir)
from bayes_cevns.physics.constants import LEPTONS
from bayes_cevns.physics.contributions import CONTRIBUTIONS
from bayes_cevns.physics.form_factors import FORM_FACTORS
from bayes_cevns.physics.vector_mediator import CHARGE_KEYS, GB_KEYS
from bayes_cevns.physics.weak_charge import COUPLING_SCHEMES

SHIPPED = sorted(models_dir().glob("*.toml"))


def schema() -> dict:
    return json.loads(card_schema_path().read_text())


def card_text(name="universal") -> str:
    return (models_dir() / f"{name}.toml").read_text()


def mutated(tmp_path, old, new, name="universal", count=1):
    """A copy of a shipped card with ``old`` replaced by ``new`` (which must occur ``count`` times)."""
    text = card_text(name)
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times in {name}.toml"
    path = tmp_path / f"{name}_mutated.toml"
    path.write_text(text.replace(old, new))
    return path


def card_error(path) -> str:
    with pytest.raises(CardError) as info:
        load_card(str(path))
    return str(info.value)


# ------------------------------------------------------------------ the schema and shipped cards
def test_schema_is_valid_versioned_draft_2020_12():
    s = schema()
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(s)
    assert re.fullmatch(r"bayes_cevns/card/\d+", s["$id"])
    assert schema_version(card_schema_path()) == "1"
    assert card_schema_path() == models_dir() / "schema" / "card.schema.json"


def test_schema_closes_every_table():
    """additionalProperties is false on the card, [model], [charges], parameters and priors."""
    s = schema()
    assert s["additionalProperties"] is False
    for name in ("model", "charges", "parameter", "prior"):
        assert s["$defs"][name]["additionalProperties"] is False, name


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_card_validates(path):
    raw = tomllib.loads(path.read_text())
    jsonschema.validate(raw, schema(), cls=jsonschema.Draft202012Validator)
    assert schema_error(raw, card_schema_path()) is None
    assert load_card(str(path)).name == raw["model"]["name"]


def test_shipped_cards_exercise_the_schema():
    """The parametrisation above is not vacuous: the cards use both charge forms, lists of
    physics options and every SM option key."""
    assert len(SHIPPED) >= 20
    raws = [tomllib.loads(p.read_text()) for p in SHIPPED]
    model_keys = {k for r in raws for k in r["model"]}
    assert {"loop", "coupling_ratio", "rate_scale", "per_experiment", *SM_OPTIONS} <= model_keys
    charge_forms = {frozenset(r["charges"]) for r in raws if "charges" in r}
    assert frozenset(CHARGE_KEYS) in charge_forms and frozenset(GB_KEYS) in charge_forms


def test_schema_matches_the_code():
    """Enums and keys of the schema agree with the contributions, options, roles and priors."""
    d = schema()["$defs"]
    assert set(d["physics_name"]["enum"]) == set(CONTRIBUTIONS)
    options = set(SM_OPTIONS) | {o for c in CONTRIBUTIONS.values() for o in c.options + c.optional_options}
    # the "charges" option comes from the [charges] table, not from [model]
    assert set(d["model"]["properties"]) == set(_MODEL_KEYS) | options - {"charges"}
    assert set(d["model"]["properties"]["coupling_scheme"]["enum"]) == set(COUPLING_SCHEMES)
    assert set(d["model"]["properties"]["form_factor"]["enum"]) == set(FORM_FACTORS)
    assert set(d["model"]["properties"]["loop"]["items"]["enum"]) == set(LEPTONS)
    assert set(d["charges"]["properties"]) == set(CHARGE_KEYS) | set(GB_KEYS) | {"anomaly_free"}
    assert tuple(d["parameter"]["properties"]["role"]["enum"]) == PARAMETER_ROLES
    prior = d["prior"]
    assert set(prior["properties"]["dist"]["enum"]) == set(PRIOR_KINDS)
    assert set(prior["properties"]) - {"dist"} == {a for args in PRIOR_KINDS.values() for a in args}
    per_dist = {b["if"]["properties"]["dist"]["const"]: b["then"] for b in prior["allOf"]}
    assert set(per_dist) == set(PRIOR_KINDS)
    for dist, then in per_dist.items():
        assert tuple(then["required"]) == PRIOR_KINDS[dist], dist
        assert set(then["properties"]) == {"dist", *PRIOR_KINDS[dist]}, dist


# ------------------------------------------------------------------ the three findings
def test_typo_free_is_an_error_not_a_fixed_parameter(tmp_path):
    """``fre = true`` used to leave g fixed silently."""
    path = mutated(tmp_path, "free = true", "fre = true")
    assert card_error(path) == f"model card {path}: [parameters.g]: unknown key 'fre' (did you mean 'free'?)"


def test_typo_prior_key_is_an_error(tmp_path):
    path = mutated(tmp_path, 'prior = { dist = "log_uniform", lower = 1e-7',
                   'priorr = { dist = "log_uniform", lower = 1e-7')
    assert card_error(path) == f"model card {path}: [parameters.g]: unknown key 'priorr' (did you mean 'prior'?)"


def test_non_numeric_default_names_card_table_and_key(tmp_path):
    """``default = "one"`` used to give "could not convert string to float: 'one'"."""
    path = mutated(tmp_path, "default = 1e-5", 'default = "one"')
    assert card_error(path) == f"model card {path}: [parameters.g] default: 'one' is not a number"


def test_boolean_is_not_a_number(tmp_path):
    path = mutated(tmp_path, "default = 10.0", "default = true")
    assert card_error(path) == f"model card {path}: [parameters.m_med] default: true is not a number"


@pytest.mark.parametrize("key", ["description", "unit", "default", "bounds", "prior"])
def test_missing_required_parameter_key(tmp_path, key):
    text = card_text()
    block = text[text.index("[parameters.m_med]"):]
    line = next(ln for ln in block.splitlines() if ln.startswith(f"{key} ="))
    path = tmp_path / "missing.toml"
    path.write_text(text.replace(block, block.replace(line + "\n", "")))
    assert card_error(path) == f"model card {path}: [parameters.m_med]: missing required key {key!r}"


def test_unknown_top_level_table(tmp_path):
    path = tmp_path / "extra_table.toml"
    path.write_text(card_text() + '\n[priors]\ng = "uniform(0,1)"\n')
    msg = card_error(path)
    assert msg.startswith(f"model card {path}: unknown table [priors]")
    assert "[parameters]" in msg  # the tables that are allowed


def test_misspelt_table_suggests_the_right_one(tmp_path):
    path = mutated(tmp_path, "[parameters.g]", "[parameter.g]")
    assert card_error(path) == f"model card {path}: unknown table [parameter] (did you mean [parameters]?)"


def test_wrong_prior_dist(tmp_path):
    path = mutated(tmp_path, 'dist = "log_uniform", lower = 1e-7', 'dist = "cauchy", lower = 1e-7')
    msg = card_error(path)
    assert msg.startswith(f"model card {path}: [parameters.g] prior.dist: 'cauchy' is not one of ")
    assert all(repr(d) in msg for d in PRIOR_KINDS)


@pytest.mark.parametrize("old,new,where,suggestion", [
    ('dist = "log_uniform", lower = 1e-7', 'dist = "log_unifrom", lower = 1e-7',
     "[parameters.g] prior.dist: 'log_unifrom' is not one of", "(did you mean 'log_uniform'?)"),
    ("lower = 1e-7, upper = 1e-2", "lowr = 1e-7, upper = 1e-2",
     "[parameters.g] prior: unknown key 'lowr'", "(did you mean 'lower'?)"),
    ('role = "coupling"', 'role = "coupl"', "[parameters.g] role: 'coupl' is not one of", "(did you mean 'coupling'?)"),
    ('physics = "vector_mediator"', 'physics = "vector_mediatr"', "[model] physics: 'vector_mediatr' is not one of",
     "(did you mean 'vector_mediator'?)"),
    ('physics = "vector_mediator"', 'physics = "vector_mediator"\nform_factr = "helm"',
     "[model]: unknown key 'form_factr'", "(did you mean 'form_factor'?)"),
    ("tau = 1.0", "ta = 1.0", "[charges]: unknown key 'ta'", "(did you mean 'tau'?)"),
])
def test_did_you_mean(tmp_path, old, new, where, suggestion):
    path = mutated(tmp_path, old, new)
    msg = card_error(path)
    assert msg.startswith(f"model card {path}: {where}") and msg.endswith(suggestion), msg


def test_no_close_match_lists_the_allowed_keys(tmp_path):
    """A prior argument of another distribution: no suggestion, but the allowed keys."""
    path = mutated(tmp_path, "lower = 1e-7, upper = 1e-2", "lower = 1e-7, upper = 1e-2, sigma = 1.0")
    assert card_error(path) == (f"model card {path}: [parameters.g] prior: unknown key 'sigma' "
                                "(allowed: 'dist', 'lower', 'upper')")


@pytest.mark.parametrize("old,new,expected", [
    ("tau = 1.0", "tau = 1.0\nc_b = 1.0", "[charges]: give either u, d, e, mu, tau or c_b, c_e, c_mu, c_tau, not both"),
    ("tau = 1.0\n", "", "[charges]: missing required key 'tau' (needed with 'u')"),
    ("tau = 1.0", "tau = 1.0\nanomaly_free = false",
     "[charges]: anomaly_free applies only to the G_B form c_b, c_e, c_mu, c_tau"),
    ("tau = 1.0", 'tau = "1"', "[charges] tau: '1' is not a number"),
    ("bounds = [0.0, 1.0]", "bounds = [0.0]", "[parameters.g] bounds: [0.0] must have at least 2 item(s)"),
    ("bounds = [0.0, 1.0]", 'bounds = [0.0, "x"]', "[parameters.g] bounds[1]: 'x' is not a number"),
    ("free = true", 'free = "yes"', "[parameters.g] free: 'yes' is not a boolean (true or false)"),
    ('prior = { dist = "log_uniform", lower = 1e-7, upper = 1e-2 }', 'prior = "log_uniform(1e-7,1e-2)"',
     "[parameters.g] prior: 'log_uniform(1e-7,1e-2)' is not a table"),
    ('dist = "log_uniform", lower = 1e-7', "lower = 1e-7", "[parameters.g] prior: missing required key 'dist'"),
    ("upper = 1e-2 }", "upper = 1e-2, mu = 1.0 }",
     "[parameters.g] prior: unknown key 'mu' (allowed: 'dist', 'lower', 'upper')"),
    ('physics = "vector_mediator"', 'physics = ["vector_mediator", 3]',
     "[model] physics[1]: 3 is not one of 'sm', 'vector_mediator', 'lepton_loop', 'scalar_mediator', 'nsi', "
     "'magnetic_moment', 'charge_radius', 'e6', 'left_right', 'u1r'"),
    ('physics = "vector_mediator"', "physics = 1", "[model] physics: 1 is not a string or an array"),
    ('[model]\n', "[modle]\n", "unknown table [modle] (did you mean [model]?)"),
])
def test_structural_errors(tmp_path, old, new, expected):
    path = mutated(tmp_path, old, new)
    assert card_error(path) == f"model card {path}: {expected}"


def test_missing_model_table(tmp_path):
    path = tmp_path / "no_model.toml"
    text = card_text()
    path.write_text(text[text.index("[charges]"):])
    assert card_error(path) == f"model card {path}: missing required table [model]"


@pytest.mark.parametrize("old,new", [
    ("free = true", "fre = true"), ("default = 1e-5", 'default = "one"'), ("[parameters.g]", "[parameter.g]"),
    ('dist = "log_uniform", lower = 1e-7', 'dist = "cauchy", lower = 1e-7'), ("tau = 1.0\n", ""),
    ('physics = "vector_mediator"', 'physics = "x"'), ("bounds = [0.0, 1.0]", "bounds = [[0.0], {a = 1}]"),
    ("default = 10.0", 'default = """multi\nline"""'), ("free = true", '"fr\\ne" = true'),
    ('description = "Z\' mass M_Z\'"', 'description = ["a\\nb", "c\\nd"]'),
])
def test_errors_are_one_line(tmp_path, old, new):
    msg = card_error(mutated(tmp_path, old, new))
    assert msg.startswith("model card ") and "\n" not in msg and len(msg) < 400, msg


# ------------------------------------------------------------------ what stays valid
@pytest.mark.parametrize("old,new", [
    ("free = true\n", ""),                                   # free and role are optional
    ('role = "coupling"\n', ""),
    ("default = 10.0", "default = 10"),                      # TOML integers are numbers
    ('physics = "vector_mediator"', 'physics = ["vector_mediator"]'),
    ('physics = "vector_mediator"', 'physics = "vector_mediator"\nform_factor = "klein_nystrand"'),
])
def test_valid_variants_load(tmp_path, old, new):
    card = load_card(str(mutated(tmp_path, old, new)))
    assert card.physics == ("vector_mediator",)


def test_anomaly_free_flag_with_gb_charges_is_valid(tmp_path):
    path = mutated(tmp_path, "c_tau = 0.0", "c_tau = 0.0\nanomaly_free = true", name="vector_gb")
    assert set(load_card(str(path)).options["charges"]) == set(CHARGE_KEYS)


def test_schema_runs_before_the_semantic_checks(tmp_path):
    """A typo in a key is reported even when the card would also fail a semantic check."""
    bad_scale = ('physics = "vector_mediator"', 'physics = "vector_mediator"\nrate_scale = "nope"')
    assert "rate_scale 'nope' is not a parameter" in card_error(mutated(tmp_path, *bad_scale))
    text = mutated(tmp_path, *bad_scale).read_text().replace("free = true", "fre = true")
    path = tmp_path / "both.toml"
    path.write_text(text)
    assert card_error(path) == f"model card {path}: [parameters.g]: unknown key 'fre' (did you mean 'free'?)"


def test_rate_reference_needs_a_rate_scale_and_must_be_positive(tmp_path):
    """b8_flux states its flux in physical units: rate x phi_b8 / 5.46. A reference without a rate
    scale, or a non-positive one, is an error naming the card."""
    assert load_card("b8_flux").rate_reference == 5.46
    path = mutated(tmp_path, 'rate_reference = 5.46', 'rate_reference = 0.0', name="b8_flux")
    assert "rate_reference" in card_error(path)
    path = mutated(tmp_path, 'rate_scale = "phi_b8"\n', '', name="b8_flux")
    assert card_error(path).startswith(f"model card {path}")
