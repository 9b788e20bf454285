"""The conda environments of the rules (envs/*.yaml, --software-deployment-method conda).

Each rule's environment must hold every pinned dependency (pyproject.toml) that the
rule's code imports, at the pinned version, and nothing unpinned. What a rule imports is
read from the source: its script, the module-level imports of every project module it
reaches (its ``rnn_ensembles.stages`` module among them: one module per stage, so the
other stages' imports, e.g. TensorFlow for training, are not the rule's).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

PACKAGE = "rnn_ensembles"
SOURCES = REPO / "src"
# Needed at run time without being imported by name: Keras 3 runs on TensorFlow here.
IMPLIED = {"keras": {"tensorflow"}}


def project():
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def pinned():
    """Distribution name -> version of every ``name==version`` dependency of the package."""
    out = {}
    for text in project()["dependencies"]:
        req = Requirement(text)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{text}: pin an exact version"
        out[canonicalize_name(req.name)] = spec.version
    return out


def rule_files():
    """Rule name -> (conda env file, script) of every rule that defines both."""
    rules = {}
    for smk in sorted((REPO / "workflow/rules").glob("*.smk")):
        # A rule's block runs from `rule NAME:` to the next line that starts a statement.
        blocks = re.split(r"^(?=\S)", smk.read_text(), flags=re.M)
        for block in blocks:
            head = re.match(r"rule (\w+):", block)
            # Rules made in a loop (the training stacks) are known by their script's name.
            head = head or re.match(r"for .*\n\s+rule:\n.*\"\.\./scripts/(\w+)\.py\"", block, re.S)
            # `task_env("...")`: the rule's env, but envs/neurogym.yaml for a NeuroGym task.
            conda = re.search(r"^\s+conda:\s*\n\s+(?:task_env\()?\"([^\"]+)\"", block, flags=re.M)
            script = re.search(r"^\s+script:\s*\n\s+\"([^\"]+)\"", block, flags=re.M)
            if head and conda and script:
                rules[head.group(1)] = (
                    (smk.parent / conda.group(1)).resolve(),
                    (smk.parent / script.group(1)).resolve(),
                )
    return rules


RULES = rule_files()


def read_env(path):
    env = yaml.safe_load(path.read_text())
    deps = env["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    conda = [d for d in deps if isinstance(d, str)]
    return env, conda, pip


# -- what the code imports ------------------------------------------------------------------
def module_path(name: str) -> Path | None:
    base = SOURCES.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


@cache
def parse(path: Path):
    return ast.parse(path.read_text())


def imported(nodes, module: str):
    """(imported module, names taken from it) of every import statement among ``nodes``."""
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            base = node.module
            if node.level:  # relative import
                base = ".".join(module.split(".")[: -node.level] + [node.module])
            yield base, tuple(alias.name for alias in node.names)


def rule_imports(script: Path) -> set[str]:
    """Top-level names of the third-party modules a rule's script can import."""
    found, seen = set(), set()
    todo = [(script, "__main__", list(ast.walk(parse(script))))]
    while todo:
        path, module, nodes = todo.pop()
        for name, names in imported(nodes, module):
            top = name.split(".")[0]
            if top != PACKAGE:
                found.add(top)
                continue
            # The package and every parent package run on import; `from pkg import mod`
            # imports a submodule.
            parts = name.split(".")
            targets = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
            targets += [f"{name}.{n}" for n in names if module_path(f"{name}.{n}")]
            for target in targets:
                if target in seen or not module_path(target):
                    continue
                seen.add(target)
                todo.append(
                    (module_path(target), target, list(ast.walk(parse(module_path(target)))))
                )
    return {top for top in found if top not in sys.stdlib_module_names}


def needed_pins(script: Path) -> dict[str, str]:
    """The pinned distributions whose modules the rule imports."""
    dists = packages_distributions()
    pins = pinned()
    names = {
        canonicalize_name(dist) for top in rule_imports(script) for dist in dists.get(top, [top])
    }
    names |= {implied for name in names for implied in IMPLIED.get(name, ())}
    return {name: pins[name] for name in names if name in pins}


# -- tests ------------------------------------------------------------------------------------
def test_every_rule_has_its_own_env():
    assert {"make_dataset", "train_stack", "analyse_network", "aggregate_ensemble"} <= set(RULES)
    for rule, (env, _) in RULES.items():
        assert env == REPO / "envs" / f"{rule}.yaml", rule
        assert env.exists(), env


@pytest.mark.parametrize("rule", sorted(RULES))
def test_env_is_a_conda_forge_env_pinned_like_pyproject(rule):
    env_file, script = RULES[rule]
    env, conda, pip = read_env(env_file)
    assert env["channels"][0] == "conda-forge" and "defaults" not in env["channels"]
    python = next(spec for spec in conda if re.match(r"python\b", spec))
    version = python.split("=", 1)[1]
    assert SpecifierSet(project()["requires-python"]).contains(version), python
    assert "pip" in conda, "pip must be a conda package for the pip: section"
    pins = pinned()
    listed = {}
    for line in pip:
        # No local paths or editable installs: conda runs pip in the folder of the env
        # file, which Snakemake copies to .snakemake/conda/, so `-e ..` would point there.
        assert not line.startswith("-") and "/" not in line, f"{env_file.name}: {line}"
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"{env_file.name}: {line} is not pinned in pyproject.toml"
        assert str(req.specifier) == f"=={pins[name]}", f"{env_file.name}: {line}"
        listed[name] = pins[name]
    missing = set(needed_pins(script)) - set(listed)
    assert not missing, f"{rule} imports {sorted(missing)}, missing from {env_file.name}"


def test_import_analysis_sees_lazy_imports_of_the_called_stage_only():
    """The check above could pass vacuously: training must need TensorFlow, and the dataset
    rule, whose stage module sits beside training's in rnn_ensembles.stages, must not."""
    train = needed_pins(RULES["train_stack"][1])
    dataset = needed_pins(RULES["make_dataset"][1])
    assert {"tensorflow", "keras", "numpy", "h5py"} <= set(train)
    assert {"numpy", "h5py"} <= set(dataset) and "tensorflow" not in dataset


def neurogym_pins():
    """Distribution name -> version of the neurogym extra."""
    out = {}
    for text in project()["optional-dependencies"]["neurogym"]:
        req = Requirement(text)
        (spec,) = req.specifier
        out[canonicalize_name(req.name)] = spec.version
    return out


def test_neurogym_env_holds_every_rule_env_and_neurogym():
    """Every job of a NeuroGym task runs in envs/neurogym.yaml: it needs what any rule needs,
    the neurogym extra, and NeuroGym itself from the post-deploy script."""
    _, _, pip = read_env(REPO / "envs" / "neurogym.yaml")
    listed = {canonicalize_name(req.name): str(req.specifier) for req in map(Requirement, pip)}
    wanted = {k: v for rule in RULES for k, v in needed_pins(RULES[rule][1]).items()}
    wanted |= neurogym_pins()
    assert len(wanted) > 10  # TensorFlow and matplotlib among them: not vacuous
    for name, version in wanted.items():
        assert listed.get(name) == f"=={version}", f"envs/neurogym.yaml: {name}=={version}"
    script = (REPO / "envs" / "neurogym.post-deploy.sh").read_text()
    assert "pip install --no-deps neurogym==2.3.1" in script
    rules = "".join(p.read_text() for p in (REPO / "workflow/rules").glob("*.smk"))
    assert '"../../envs/neurogym.yaml"' in rules
