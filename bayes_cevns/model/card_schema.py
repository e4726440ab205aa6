"""Structural check of a parsed model card against the JSON Schema ``models/schema/card.schema.json``.

The schema (draft 2020-12, ``$id`` ``bayes_cevns/card/<version>``) fixes which tables and keys a
card may have and the type of every value; :func:`schema_error` turns the first violation into one
line naming the table and key, e.g. ``[parameters.g]: unknown key 'fre' (did you mean 'free'?)``.
The semantic checks (physics, options, bounds, priors) stay in :mod:`bayes_cevns.model.cards`.
"""

import difflib
import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator

#: location of the schema relative to the models directory
SCHEMA_FILE = Path("schema") / "card.schema.json"

_TYPE_NAMES = {"number": "a number", "integer": "an integer", "string": "a string",
               "boolean": "a boolean (true or false)", "object": "a table", "array": "an array"}
#: order in which errors at the same place are reported (unknown keys first: they explain the rest)
_RANK = {"additionalProperties": 0, "type": 1, "enum": 2}


@lru_cache(maxsize=None)
def validator(schema_path: Path) -> Draft202012Validator:
    schema = json.loads(Path(schema_path).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_version(schema_path: Path) -> str:
    """The version in the schema's ``$id`` (``bayes_cevns/card/1`` -> ``"1"``)."""
    return validator(schema_path).schema["$id"].rsplit("/", 1)[-1]


def schema_error(raw: dict, schema_path: Path) -> str | None:
    """One-line description of the first schema violation of the parsed card ``raw``, or None."""
    errors = list(validator(schema_path).iter_errors(raw))
    if not errors:
        return None
    return _describe(min(errors, key=lambda e: _sort_key(raw, e)))


def _sort_key(raw, err):
    """Document order of the offending key, then the keyword rank."""
    pos, node = [], raw
    path = list(err.absolute_path)
    if err.validator == "additionalProperties":
        path.append(_extras(err)[0])
    for key in path:
        if isinstance(node, dict) and key in node:
            pos.append(list(node).index(key))
        elif isinstance(node, list) and isinstance(key, int):
            pos.append(key)
        else:
            break
        node = node[key]
    if err.validator in ("required", "dependentRequired"):
        pos.append(float("inf"))
    return pos, _RANK.get(err.validator, 3)


def _extras(err) -> list[str]:
    allowed = err.schema.get("properties", {})
    return [k for k in err.instance if k not in allowed]


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    text = repr(value) if not isinstance(value, list) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(path: list) -> str:
    """``[parameters.g] prior.dist``: the TOML table, then the key inside it."""
    if not path:
        return ""
    depth = 2 if path[0] == "parameters" and len(path) > 1 else 1
    table = "[" + ".".join(str(k) for k in path[:depth]) + "]"
    key = ""
    for k in path[depth:]:
        key += f"[{k}]" if isinstance(k, int) else (f".{k}" if key else str(k))
    return f"{table} {key}: " if key else f"{table}: "


def _suggest(word: str, choices, fmt=repr) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    if close:
        return f" (did you mean {fmt(close[0])}?)"
    return f" (allowed: {', '.join(fmt(str(c)) for c in choices)})" if choices else ""


def _describe(err) -> str:
    path, kw = list(err.absolute_path), err.validator
    custom = err.schema.get("errorMessage", {})
    if isinstance(custom, dict) and kw in custom:
        return _where(path) + custom[kw]
    if kw == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        key = _extras(err)[0]
        if not path:
            if isinstance(err.instance[key], dict):
                return f"unknown table [{key}]" + _suggest(key, allowed, lambda s: f"[{s}]")
            return f"unknown top-level key {key!r}" + _suggest(key, allowed, lambda s: f"[{s}]")
        return _where(path) + f"unknown key {key!r}" + _suggest(key, allowed)
    if kw == "required":
        key = next(k for k in err.validator_value if k not in err.instance)
        if not path:
            return f"missing required table [{key}]"
        return _where(path) + f"missing required key {key!r}"
    if kw == "dependentRequired":
        given, needs = next((k, v) for k, v in err.validator_value.items() if k in err.instance
                            and any(n not in err.instance for n in v))
        missing = next(n for n in needs if n not in err.instance)
        return _where(path) + f"missing required key {missing!r} (needed with {given!r})"
    if kw == "type":
        types = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        return _where(path) + f"{_show(err.instance)} is not " + " or ".join(_TYPE_NAMES.get(t, t) for t in types)
    if kw == "enum":
        choices = err.validator_value
        hint = ""
        if isinstance(err.instance, str):
            close = difflib.get_close_matches(err.instance, [str(c) for c in choices], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        return _where(path) + f"{_show(err.instance)} is not one of {', '.join(map(repr, choices))}{hint}"
    if kw in ("minItems", "maxItems"):
        bound = "at least" if kw == "minItems" else "at most"
        return _where(path) + f"{_show(err.instance)} must have {bound} {err.validator_value} item(s)"
    if kw == "uniqueItems":
        return _where(path) + f"{_show(err.instance)} has repeated items"
    return _where(path) + " ".join(err.message.split())
