"""Write docs/configuration.md, every key of the config with its type, default and
description, from workflow/schemas/config.schema.yaml and the architectures' OPTIONS.

tests/test_docs.py fails when the checked-in page differs from what this script writes, so
a key added to the schema is documented by running it from the repository root::

    .venv/bin/python docs/make_configuration.py
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
PAGE = REPO / "docs/configuration.md"
PLURALS = {"integer": "integers", "number": "numbers", "string": "strings", "list": "lists"}
BOUNDS = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}

INTRO = """\
# Configuration

<!-- Written by docs/make_configuration.py from workflow/schemas/config.schema.yaml: edit
those, then run .venv/bin/python docs/make_configuration.py. -->

A run reads one YAML config: `config.yaml` at the repository root, or the file that
`--configfile` names, which then replaces it as a whole (a preset of `config/`, a test
config):

```bash
.venv/bin/snakemake --cores all --configfile config/quick.yaml
```

Before any job runs, the config is checked against `workflow/schemas/config.schema.yaml`:
each problem is one line naming the key, the value and what is allowed, e.g.
`network.sizes[0] = 0: must be an integer >= 1`. Keys left out take the defaults below;
`tasks` and `network` (with its `sizes` and `seeds`) are required. The shipped configs and
what each answers are in the [README](../README.md#shipped-configs).
"""


def main() -> None:
    PAGE.write_text(page(yaml.safe_load(SCHEMA.read_text())))
    print(f"wrote {PAGE.relative_to(REPO)}")


def page(schema: dict) -> str:
    """The whole page for ``schema``."""
    blocks = schema["properties"]
    parts = [INTRO, "Sections: " + ", ".join(f"[`{k}`](#{k})" for k in blocks) + ".\n"]
    for name, block in blocks.items():
        parts.append(f"## {name}\n\n{text(block.get('description', ''))}\n")
        if name == "tasks":
            parts.append(tasks_section(block))
        elif name == "network":
            parts.append(network_section(block))
        elif "properties" in block:
            parts.append(table(block["properties"]))
        else:
            parts.append(f"Type: {kind(block)}; default {default(block)}.\n")
    return "\n".join(parts)


def tasks_section(block: dict) -> str:
    """One table per task kind: the keys its block allows."""
    task = block["additionalProperties"]
    kinds = task["properties"]["kind"]["enum"]
    out = [
        f"Each task is a name (letters, digits, `_` and `-`: it names the folder "
        f"`results/<name>/`) holding a `kind`, one of {', '.join(f'`{k}`' for k in kinds)}, "
        "and the parameters of that kind below; a parameter of another kind is refused.\n"
    ]
    for entry in task["allOf"]:
        then = entry["then"]
        properties = {k: v for k, v in then["properties"].items() if k != "kind"}
        out.append(f"### kind: {then['title']}\n\n{text(then.get('description', ''))}\n")
        out.append(table(properties))
    return "\n".join(out)


def network_section(block: dict) -> str:
    """The grid's keys, a variant's keys and every architecture's options."""
    from rnn_ensembles.models import ARCHITECTURES, get_architecture

    properties = block["properties"]
    variant = properties["variants"]["additionalProperties"]
    out = [
        table(properties),
        "### A variant\n\nEach entry of `network.variants` is a name (it names the folder "
        "`results/<task>/<name>/`) holding these keys and any option of its architecture:\n",
        table(variant["properties"]),
        "### Options of each architecture\n\nOptions left out take these defaults "
        "(`OPTIONS` in `src/rnn_ensembles/models/<architecture>.py`; what they do: "
        "[architectures.md](architectures.md)).\n",
        "| architecture | option | default |\n|---|---|---|",
    ]
    for name in ARCHITECTURES:
        options = get_architecture(name).OPTIONS
        out.extend(f"| `{name}` | `{k}` | {literal(v)} |" for k, v in options.items())
    return "\n".join(out) + "\n"


def table(properties: dict) -> str:
    rows = ["| key | type | default | description |", "|---|---|---|---|"]
    for key, spec in properties.items():
        rows.append(
            f"| `{key}` | {kind(spec)} | {default(spec)} | {text(spec.get('description', ''))} |"
        )
    return "\n".join(rows) + "\n"


def kind(spec: dict) -> str:
    """The type of a key in words, with its allowed values, bounds and length."""
    if "enum" in spec:
        return "one of " + ", ".join(literal(v) for v in spec["enum"])
    types = spec.get("type", "any")
    words = []
    for name in [types] if isinstance(types, str) else types:
        if name == "array":
            items = spec.get("items")
            length = spec.get("minItems") if spec.get("minItems") == spec.get("maxItems") else 0
            count = f"{length} " if length else ""
            words.append(f"list of {count}{plural(kind(items))}" if items else "list")
        elif name == "object":
            words.append("mapping")
        elif name in ("integer", "number"):
            bounds = ", ".join(f"{BOUNDS[b]} {spec[b]}" for b in BOUNDS if b in spec)
            words.append(f"{name} {bounds}" if bounds else name)
        else:
            words.append(name)
    return " or ".join(words)


def plural(words: str) -> str:
    """``words`` with its first word in the plural: "integer ≥ 0" -> "integers ≥ 0"."""
    first, _, rest = words.partition(" ")
    first = PLURALS.get(first, first)
    return f"{first} {rest}".rstrip()


def default(spec: dict) -> str:
    if "default" not in spec:
        return "required" if spec.get("required") else "—"
    return literal(spec["default"])


def literal(value) -> str:
    """A value as YAML writes it inline, in code."""
    return "`" + json.dumps(value).replace("|", "\\|") + "`" if value is not None else "`null`"


def text(description: str) -> str:
    """A description on one line, safe in a table cell."""
    return " ".join(description.split()).replace("|", "\\|")


if __name__ == "__main__":
    main()
