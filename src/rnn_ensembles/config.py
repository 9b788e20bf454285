"""Checks of the workflow config: its JSON schema, then consistency between keys.

Every problem becomes one line naming the key as a dotted path (``network.sizes[0]``),
the value found and what is allowed, so that a hand-edited config is refused before
any job starts with a message a user can act on, instead of jsonschema's report of
schema internals.
"""

from __future__ import annotations

import copy
import difflib
import json
from pathlib import Path

import jsonschema
import yaml

from rnn_ensembles.tasks import make_task

# Keys of a variant that are not options of its architecture's build().
VARIANT_KEYS = ("architecture", "sizes", "seeds")

TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of keys to values",
    "null": "null",
}
BOUNDS = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}


class ConfigError(ValueError):
    """The config cannot run; the message names each bad key, its value and what is allowed."""


def _strict_integer(checker, value) -> bool:
    # jsonschema counts 4.0 as an integer; a size or seed of 4.0 would name folders N4.0.
    return isinstance(value, int) and not isinstance(value, bool)


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


def load_schema(path) -> dict:
    with open(path) as handle:
        return yaml.safe_load(handle)


def with_defaults(config: dict, schema: dict) -> dict:
    """A copy of a schema-valid ``config`` with every default of ``schema`` filled in, as
    Snakemake's ``validate`` fills them (jsonschema's documented way to set defaults)."""
    base = _Validator.VALIDATORS["properties"]

    def fill(validator, properties, instance, schema_):
        for name, sub in properties.items():
            if isinstance(instance, dict) and "default" in sub:
                instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from base(validator, properties, instance, schema_)

    filler = jsonschema.validators.extend(_Validator, {"properties": fill})
    filled = copy.deepcopy(config)
    for _ in filler(schema).iter_errors(filled):
        pass
    return filled


def schema_problems(config, schema: dict) -> list[str]:
    """Every violation of ``schema`` by ``config``, one readable line each, sorted by key."""
    found = []
    for error in _Validator(schema).iter_errors(config):
        found.extend(_describe(error, task_parameters(schema)))
    return sorted(set(found))


def task_parameters(schema: dict) -> dict[str, set]:
    """Task kind -> the parameters its block of the schema allows."""
    tasks = schema["properties"]["tasks"]["additionalProperties"]
    return {
        block["then"]["title"]: set(block["then"]["properties"]) - {"kind"}
        for block in tasks.get("allOf", [])
    }


def network_variants(network: dict) -> dict[str, dict]:
    """The variants of the ``network`` block, by name: each with its ``architecture``, the
    ``options`` of its build() and its ``sizes`` and ``seeds``.

    Without ``variants``, one variant named after ``architecture`` with the block's
    ``recurrent_initializer``: the one-line config of a single architecture.
    """
    given = network.get("variants") or {
        network["architecture"]: {
            "architecture": network["architecture"],
            "recurrent_initializer": network["recurrent_initializer"],
        }
    }
    return {
        name: {
            "architecture": spec["architecture"],
            "options": {k: v for k, v in spec.items() if k not in VARIANT_KEYS},
            "sizes": spec.get("sizes", network["sizes"]),
            "seeds": spec.get("seeds", network["seeds"]),
        }
        for name, spec in given.items()
    }


def variant_problems(key: str, variant: dict) -> list[str]:
    """Options of a variant that its architecture does not take, or refuses; ``key`` is the
    variant's dotted path in the config."""
    from rnn_ensembles.models import get_architecture

    module = get_architecture(variant["architecture"])
    options = variant["options"]
    allowed = sorted(module.OPTIONS)
    out = [
        f"{key}.{name}: not an option of {variant['architecture']}; allowed: {', '.join(allowed)}"
        for name in sorted(set(options) - set(allowed))
    ]
    known = {k: v for k, v in options.items() if k in allowed}
    # An architecture states each bad value as "<option> = <value>: <what is allowed>".
    check = getattr(module, "option_problems", None)
    out.extend(f"{key}.{problem}" for problem in (check(known) if check else []))
    return out


def problems(config: dict) -> list[str]:
    """Every inconsistency between the keys of a schema-valid config."""
    out = []
    network = config["network"]
    for name, variant in network_variants(network).items():
        key = f"network.variants.{name}" if network.get("variants") else "network"
        out.extend(variant_problems(key, variant))
    for name, task in config["tasks"].items():
        params = {k: v for k, v in task.items() if k != "kind"}
        try:
            make_task(task["kind"], **params)
        except (TypeError, ValueError) as err:
            # Each problem of a task starts with "<key> = <value>".
            found = getattr(err, "problems", [str(err)])
            out.extend(f"tasks.{name}.{problem}" for problem in found)
    for name, path in config.get("external_networks", {}).items():
        # Relative paths are read from the working directory, as every path of the workflow.
        if not Path(path).is_file():
            out.append(f"external_networks.{name} = {path}: no such file")
    return out


def check_config(config, schema_path, source: str = "") -> None:
    """Raise :class:`ConfigError` listing every problem of ``config``, one per line.

    The schema is checked first; the consistency checks need its types to hold.
    ``source`` (the config files) is named in the message.
    """
    schema = load_schema(schema_path)
    found = schema_problems(config, schema)
    if not found:
        found = problems(with_defaults(config, schema))
    if found:
        count = f"{len(found)} problem{'s' if len(found) > 1 else ''}"
        raise ConfigError(
            f"invalid config{' in ' + source if source else ''} ({count}; nothing was run):\n  "
            + "\n  ".join(found)
            + "\nEvery key, its type, allowed values and default: "
            "workflow/schemas/config.schema.yaml"
        )


# -- formatting of jsonschema errors -------------------------------------------------------
def _key(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the config"


def _show(value) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _types(schema: dict) -> str:
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    return " or ".join(TYPE_NAMES.get(t, t) for t in types if t != "null")


def _allowed(schema: dict) -> str:
    """What a value of ``schema`` may be, in words: 'an integer >= 1 or null', 'a number in
    (0, 1]'."""
    low = [k for k in ("minimum", "exclusiveMinimum") if k in schema]
    high = [k for k in ("maximum", "exclusiveMaximum") if k in schema]
    text = _types(schema) or "a value"
    if low and high:
        text += (
            f" in {'[' if low[0] == 'minimum' else '('}{schema[low[0]]}, "
            f"{schema[high[0]]}{']' if high[0] == 'maximum' else ')'}"
        )
    elif low or high:
        text += f" {BOUNDS[(low or high)[0]]} {schema[(low or high)[0]]}"
    types = schema.get("type", [])
    return f"{text} or null" if "null" in types and types != "null" else text


def _describe(error, parameters: dict[str, set]) -> list[str]:
    key, value, schema = _key(error.absolute_path), error.instance, error.schema
    kind = error.validator
    if kind == "additionalProperties" and error.validator_value is False:
        allowed = sorted(schema.get("properties", {}))
        out = []
        for extra in sorted(set(value) - set(allowed)):
            close = difflib.get_close_matches(str(extra), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            owners = [k for k, names in parameters.items() if extra in names]
            if "title" in schema and owners:  # a task block: the key of another task kind
                hint = f" for a {schema['title']} task (a parameter of {', '.join(owners)})"
            out.append(
                f"{_key([*error.absolute_path, extra])}: unknown key{hint}; "
                f"allowed here: {', '.join(allowed)}"
            )
        return out
    if kind == "required":
        properties = schema.get("properties", {})
        out = []
        for name in error.validator_value:
            if name not in value:
                what = properties.get(name, {}).get("description")
                detail = f" ({what})" if what else ""
                out.append(f"{_key([*error.absolute_path, name])}: missing, but required{detail}")
        return out
    if "propertyNames" in error.schema_path:
        rule = schema.get("description", f"must match the pattern {schema.get('pattern')}")
        return [f"{key}: the name {_show(value)} is not allowed: {rule}"]
    return [f"{key} = {_show(value)}: {_requirement(error)}"]


def _requirement(error) -> str:
    schema, value, kind = error.schema, error.instance, error.validator
    if kind == "type":
        text = f"must be {_allowed(schema)}"
        if isinstance(value, str) and _is_number(value):
            if "e" in value.lower() and "." not in value:
                # PyYAML reads 1e-3 as text: a float needs a dot, and a sign in the exponent.
                text += " (YAML read it as text: write exponents with a dot, as in 1.0e-3)"
            else:
                text += " (it was read as text: drop the quotes)"
        elif isinstance(value, float) and value.is_integer():
            text += f" (write {int(value)})"
        return text
    if kind in BOUNDS:
        return f"must be {_allowed(schema)}"
    if kind == "enum":
        return f"must be one of {', '.join(_show(v) for v in schema['enum'])}"
    if kind in ("minItems", "maxItems"):
        low, high = schema.get("minItems"), schema.get("maxItems")
        if low is not None and low == high:
            return f"must be a list of exactly {low} item{'s' * (low != 1)}"
        if kind == "minItems":
            return f"must be a list of at least {low} item{'s' * (low != 1)}"
        return f"must be a list of at most {high} item{'s' * (high != 1)}"
    if kind == "uniqueItems":
        repeated = sorted({_show(v) for v in value if value.count(v) > 1})
        verb = "appears" if len(repeated) == 1 else "appear"
        return f"must not repeat values ({', '.join(repeated)} {verb} more than once)"
    if kind == "minProperties":
        what = schema.get("description", "")
        return f"must have at least {schema['minProperties']} entry" + (
            f" ({what})" if what else ""
        )
    return error.message


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
