"""The README and docs/ say what the workflow is now: the README stays short and in its
order, every link resolves, the generated pages and pictures are what their scripts make of
the workflow today, the examples shown are the files the tests run, and the licence and
citation files agree with pyproject.toml."""

import importlib.util
import inspect
import re
import tomllib

import pytest
import yaml
from conftest import REPO

from rnn_ensembles.config import check_config
from rnn_ensembles.results import Results

README = REPO / "README.md"
# The README's sections, in the order the README keeps them.
SECTIONS = [
    "Quick start",
    "The pipeline",
    "What lands in `results/`",
    "Shipped configs",
    "Clusters, GPUs and the report",
    "The paper's networks",
    "Documentation",
    "How to cite",
    "Licence",
]
INSTALL_AND_RUN = (
    "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/snakemake --cores all"
)
TEST_COMMAND = (
    'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && '
    ".venv/bin/pip install --no-deps neurogym==2.3.1 && .venv/bin/pytest"
)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
EXAMPLE = re.compile(r"<!-- (docs/examples/\S+) -->\n```\w*\n(.*?)\n```", re.S)


def load_script(name: str):
    """A script of docs/ as a module."""
    spec = importlib.util.spec_from_file_location(name, REPO / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pages() -> list:
    return [README, *sorted((REPO / "docs").glob("*.md"))]


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a markdown text."""
    out = set()
    for heading in re.findall(r"^#+ (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def test_readme_is_short_and_in_order():
    text = README.read_text()
    assert len(text.splitlines()) <= 150
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == SECTIONS
    # What the workflow answers, with a figure of a real run, comes before the quick start.
    assert "![" in text.split("## Quick start")[0]
    blocks = re.findall(r"```bash\n(.*?)\n```", text.split("## Quick start")[1], re.S)
    assert blocks[:2] == [INSTALL_AND_RUN, TEST_COMMAND]
    # CI runs the README's test command.
    assert TEST_COMMAND in (REPO / ".ci/run").read_text()


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_every_link_resolves(page):
    for target in LINK.findall(page.read_text()):
        if re.match(r"(https?|mailto):", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved.read_text()), f"{page.name}: no #{anchor}"


def test_the_examples_shown_are_the_files_the_tests_run():
    text = (REPO / "docs/extending.md").read_text()
    shown = dict(EXAMPLE.findall(text))
    files = {f"docs/examples/{p.name}" for p in (REPO / "docs/examples").iterdir() if p.is_file()}
    assert set(shown) == files - {"docs/examples/Snakefile"}
    for path, code in shown.items():
        assert code == (REPO / path).read_text().rstrip("\n"), (
            f"docs/extending.md shows an old {path}: copy the file into its block"
        )


def test_rule_graph_is_the_workflows():
    make = load_script("make_rulegraph")
    graph = make.rule_graph()
    regenerate = "regenerate with: .venv/bin/python docs/make_rulegraph.py"
    assert make.edge_list(graph) == make.EDGES.read_text(), f"the rule graph changed: {regenerate}"
    assert make.rules() <= set(graph), f"a rule is missing from the graph's config: {regenerate}"
    assert make.IMAGE.stat().st_mtime > 0 and make.IMAGE.read_text().startswith("<?xml")


def test_configuration_page_is_the_schemas():
    make = load_script("make_configuration")
    page = make.page(yaml.safe_load(make.SCHEMA.read_text()))
    assert page == make.PAGE.read_text(), (
        "docs/configuration.md differs from the schema: regenerate with: "
        ".venv/bin/python docs/make_configuration.py"
    )


def test_schema_has_no_stray_keys():
    # A comma in an unquoted flow-mapping description ends it and makes a key of the rest.
    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                assert value is not None or key == "default", f"{path}/{key} is empty"
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text()), "")


def test_every_shipped_config_is_valid_and_in_the_readme():
    readme = README.read_text()
    schema = REPO / "workflow/schemas/config.schema.yaml"
    for path in [REPO / "config.yaml", *sorted((REPO / "config").glob("*.yaml"))]:
        name = str(path.relative_to(REPO))
        assert f"| `{name}` |" in readme, f"{name} is not in the README's table of configs"
        check_config(yaml.safe_load(path.read_text()), schema, source=name)


def test_every_method_of_the_results_api_is_on_its_page():
    page = (REPO / "docs/python.md").read_text()
    public = [n for n, _ in inspect.getmembers(Results) if not n.startswith("_")]
    missing = [name for name in public if f"`{name}" not in page]
    assert not missing, f"docs/python.md does not name {missing}"


def test_licence_and_citation_agree_with_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (REPO / "LICENSE").read_text().startswith("MIT License")
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "MIT"
    assert citation["version"] == project["version"]
    (paper,) = citation["references"]
    assert paper["doi"] == "10.3389/fnsys.2024.1269190"
    assert paper["repository-code"] == "https://github.com/katejarne/3-bit-FF-tutorial"
