"""Figures of the tiny run, the HTML report built from it, and that report in a real browser."""

import json
from pathlib import Path

import matplotlib.image
import pytest
from conftest import REPO, snakemake
from headless_chromium import Chromium, find_chromium

SIZES, SEEDS = (2, 8), (1, 2)
NETWORK_FIGURES = (
    "training_history",
    "test_trials",
    "probe_trials",
    "connectivity",
    "eigenvalues",
    "state_space",
    "fixed_points",
    "jacobian_spectra",
    "robustness",
)
SIZE_FIGURES = ("eigenvalues", "state_spaces", "disparity")
CATEGORIES = [
    "1. Dataset",
    "2. Training",
    "3. Per-network analysis",
    "4. Ensemble",
    "5. Fixed points and robustness",
]
VARIANT_FIGURES = ("performance_by_size",)
TASK_FIGURES = ("variants_by_size", "distances", "fixed_points_by_size", "robustness_by_size")
ARTIFACTS = REPO / "test-artifacts"


def figure_paths(results):
    paths = [results / "figures" / f"{name}.png" for name in ("training_trials", "probe_trials")]
    variant = results / "simple_rnn"
    for size in SIZES:
        paths += [variant / f"summary/figures/N{size}_{name}.png" for name in SIZE_FIGURES]
        for seed in SEEDS:
            folder = variant / f"N{size}/seed{seed}/figures"
            paths += [folder / f"{name}.png" for name in NETWORK_FIGURES]
    paths += [variant / f"summary/figures/{name}.png" for name in VARIANT_FIGURES]
    return [*paths, *(results / f"summary/figures/{name}.png" for name in TASK_FIGURES)]


@pytest.fixture(scope="module")
def tiny_report(tiny_run):
    path = tiny_run / "results/report.html"
    snakemake(tiny_run, "--report", str(path))
    return path


def test_every_figure_is_a_png_with_a_log_beside_it(tiny_run):
    results = tiny_run / "results/tiny"
    for path in figure_paths(results):
        image = matplotlib.image.imread(path)
        assert image.shape[0] > 200 and image.shape[1] > 300, path
    variant = results / "simple_rnn"
    for folder in [
        results / "figures",
        results / "summary/figures",
        variant / "summary/figures",
    ] + [variant / f"N{n}/seed{s}/figures" for n in SIZES for s in SEEDS]:
        assert list(folder.glob("*.log")), folder
    tables = (variant / "summary/figures/summary_tables.html").read_text()
    assert tables.count("<table") == 4


def embedded(page: str, name: str):
    """The JSON value the report embeds as ``var <name> = ...;`` in <script id="<name>">."""
    script = page.index(f'<script id="{name}">')
    start = page.index(f"var {name} = ", script) + len(f"var {name} = ")
    return json.loads(page[start : page.index(";\n", start)])


def test_report_holds_every_figure_with_its_rendered_caption(tiny_report, tiny_run):
    page = tiny_report.read_text()
    results, categories = embedded(page, "results"), embedded(page, "categories")
    assert set(CATEGORIES) <= set(categories)
    for path in figure_paths(tiny_run / "results/tiny"):
        entry = results[str(path.relative_to(tiny_run))]
        assert entry["mime_type"] == "image/png" and entry["data_uri"].startswith("data:image/png")
        # Captions are templates: filled in with the wildcards and config of this run.
        assert entry["caption"] and "{{" not in entry["caption"], path
    history = results["results/tiny/simple_rnn/N8/seed2/figures/training_history.png"]["caption"]
    history = " ".join(history.split())
    assert "N = 8, seed 2" in history and "at most 2 epochs" in history
    assert "tiny, simple_rnn: N = 8, seed 2" in categories["3. Per-network analysis"]
    # Self-contained: nothing is fetched from elsewhere.
    assert 'src="http' not in page


WALK_REPORT = (Path(__file__).parent / "walk_report.js").read_text()
# Resolves once React has drawn the menu of results and its fade-in is over.
MENU_SHOWN = """new Promise(resolve => {
  const poll = setInterval(() => {
    if (document.body.innerText.includes("4. Ensemble")) {
      clearInterval(poll);
      setTimeout(resolve, 500);
    }
  }, 25);
})"""


def test_report_renders_in_headless_chromium(tiny_report, tiny_run, tmp_path):
    """The report's JavaScript (React) must build the menu and show every entry, with no
    error in the console.  Screenshots go to test-artifacts/."""
    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium on PATH (.ci/run installs Debian's chromium)")
    with Chromium(binary, tmp_path / "profile") as browser:
        browser.open(tiny_report.as_uri())
        browser.evaluate(MENU_SHOWN)
        browser.screenshot(ARTIFACTS / "report_home.png")
        walk = browser.evaluate(WALK_REPORT)
        browser.screenshot(ARTIFACTS / "report_last_entry.png")
        # The subcategories sort as text (localeCompare); the workflow pads sizes and
        # seeds with figure spaces so that this text order is the numeric order.
        padded = browser.evaluate('"N = \\u2007\\u20074".localeCompare("N = 16")')
        errors = browser.errors()
    assert errors == []
    assert [name for name in walk["menu"] if name in CATEGORIES] == CATEGORIES
    assert padded < 0
    shown_paths = {entry["path"] for entry in walk["shown"]}
    expected = {str(p.relative_to(tiny_run)) for p in figure_paths(tiny_run / "results/tiny")}
    assert expected <= shown_paths
    assert all(e["width"] > 300 for e in walk["shown"] if e["tag"] == "IMG")
    assert any(e["tag"] == "IFRAME" for e in walk["shown"])  # the summary tables page
    assert (ARTIFACTS / "report_home.png").stat().st_size > 0
