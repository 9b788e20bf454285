"""One source for defaults: the config schema's defaults, the defaults of the code that
takes those keys (dataclass fields, default dicts, function parameters), the defaults their
docstrings state and the values that config.yaml writes agree."""

import ast
import dataclasses
import inspect
import re

import pytest
import yaml
from conftest import REPO

from rnn_ensembles import topology
from rnn_ensembles.config import load_schema, with_defaults
from rnn_ensembles.fixed_points import FixedPointFinder
from rnn_ensembles.stages.solutions import classify_solutions
from rnn_ensembles.tasks import TASK_KINDS, task_class
from rnn_ensembles.training import TrainingConfig

SCHEMA = load_schema(REPO / "workflow/schemas/config.schema.yaml")
BLOCKS = SCHEMA["properties"]
# Keys of the training block that shape the jobs, not the optimisation (TrainingConfig):
# workflow/rules/config.smk, training_options().
TRAINING_JOB_KEYS = {"threads", "gpu", "stack_size"}
# What config.yaml chooses for its own experiment rather than takes from the schema.
EXPERIMENT_KEYS = {("network", "sizes"), ("network", "seeds")}


def schema_defaults(block: dict) -> dict:
    """Key -> default of every key of a schema block that has one."""
    return {k: v["default"] for k, v in block["properties"].items() if "default" in v}


def task_block(kind: str) -> dict:
    """The schema block that applies to tasks of ``kind``."""
    blocks = BLOCKS["tasks"]["additionalProperties"]["allOf"]
    return next(b["then"] for b in blocks if b["then"]["title"] == kind)


def field_defaults(cls) -> dict:
    """Field -> default of a dataclass, tuples as lists (as YAML and JSON write them)."""
    out = {}
    for f in dataclasses.fields(cls):
        if f.name.startswith("_"):
            continue
        value = f.default_factory() if f.default is dataclasses.MISSING else f.default
        out[f.name] = as_lists(value)
    return out


def as_lists(value):
    if isinstance(value, tuple | list):
        return [as_lists(v) for v in value]
    return value


def documented_defaults(cls, section: str = "Args:") -> dict:
    """Name -> the value after "Default" in each entry of a Google-style docstring section."""
    text = inspect.getdoc(cls).split(section, 1)[1]
    entries = re.finditer(r"^\s*(\w+):(.*?)(?=^\s*\w+:|\Z)", text, re.S | re.M)
    return {m[1]: literal_after_default(" ".join(m[2].split())) for m in entries}


def literal_after_default(entry: str):
    """The Python literal that follows "Default " in ``entry`` (a bracketed one whole)."""
    found = re.search(r"\bDefault (.*)", entry)
    assert found, f"no 'Default' in {entry!r}"
    text = found[1]
    if text[0] in "([{":
        depth = 0
        for end, char in enumerate(text):
            depth += (char in "([{") - (char in ")]}")
            if depth == 0:
                return as_lists(ast.literal_eval(text[: end + 1]))
    return ast.literal_eval(text.split()[0].rstrip(".,;"))


@pytest.mark.parametrize("kind", TASK_KINDS)
def test_every_task_parameter_has_one_default(kind):
    cls = task_class(kind)
    block = task_block(kind)
    code = field_defaults(cls)
    assert set(block["properties"]) - {"kind"} == set(code), "schema keys != dataclass fields"
    assert schema_defaults(block) == code
    assert documented_defaults(cls) == code


def test_training_defaults_agree():
    code = field_defaults(TrainingConfig)
    schema = schema_defaults(BLOCKS["training"])
    assert set(schema) - set(code) == TRAINING_JOB_KEYS
    assert {k: schema[k] for k in code} == code
    assert documented_defaults(TrainingConfig) == code


def test_fixed_point_search_defaults_agree():
    code = FixedPointFinder.default_hps()
    schema = schema_defaults(BLOCKS["fixed_points"])
    # n_trials picks the trajectories the stage hands to the search (stages/dynamics.py).
    assert schema.pop("n_trials") == 20
    assert schema == code
    assert documented_defaults(FixedPointFinder, "Search parameters") == code


def test_topology_defaults_agree():
    schema = schema_defaults(BLOCKS["topology"])
    level = inspect.signature(classify_solutions).parameters["level"].default
    assert schema.pop("solution_graph") == level
    # n_slowest, the slowest modes kept per node, is not a config key.
    assert schema == {k: v for k, v in topology.DEFAULTS.items() if k != "n_slowest"}


def test_config_yaml_writes_the_schema_defaults():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    # The same tasks and grid with nothing else: every other key takes the schema's default.
    bare = {
        "tasks": {name: {"kind": task["kind"]} for name, task in config["tasks"].items()},
        "network": {key: config["network"][key] for key in ("sizes", "seeds")},
    }
    defaults = with_defaults(bare, SCHEMA)
    differ = [
        f"{'.'.join(path)}: config.yaml {value!r}, schema {default!r}"
        for path, value, default in leaves(config, defaults)
        if path[-2:] not in EXPERIMENT_KEYS and value != default
    ]
    assert not differ, "config.yaml and the schema's defaults differ:\n" + "\n".join(differ)


def leaves(config: dict, defaults: dict, path=()):
    """(path, config's value, default's value) of every leaf key of ``config``."""
    for key, value in config.items():
        default = defaults.get(key, "<no default>") if isinstance(defaults, dict) else None
        if isinstance(value, dict) and value:
            yield from leaves(value, default, (*path, key))
        else:
            yield (*path, key), value, default
