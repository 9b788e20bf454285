"""Draw the workflow's rule graph: docs/images/rulegraph.svg and the edge list it is drawn
from, docs/images/rulegraph.tsv.

Snakemake prints the graph (``snakemake --rulegraph``, in Graphviz's DOT language) for a
config that reaches every rule: two tasks, one of them with a psychometric curve, and a
network trained elsewhere. This script lays it out in columns by the longest path from
the inputs and draws it with matplotlib, so that Graphviz is not needed.
tests/test_docs.py fails when the workflow's graph differs from the checked-in edge list.

Run from the repository root after adding or rewiring a rule::

    .venv/bin/python docs/make_rulegraph.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import networkx as nx
import yaml

REPO = Path(__file__).resolve().parents[1]
IMAGE = REPO / "docs/images/rulegraph.svg"
EDGES = REPO / "docs/images/rulegraph.tsv"
# Every rule runs for it: a flip-flop, a perceptual decision (psychometric rules) and an
# external network (import_network); one size and seed keep the graph quick to compute.
CONFIG = {
    "tasks": {"flipflop3": {"kind": "flipflop"}, "decision": {"kind": "perceptual_decision"}},
    "network": {"sizes": [8], "seeds": [1]},
}
EXTERNAL = "external.hdf5"
# Node colours by the stage a rule's verb names (rules are named verb_noun).
STAGES = {
    "make": ("inputs", "#8dd3c7"),
    "import": ("inputs", "#8dd3c7"),
    "train": ("training", "#fdb462"),
    "analyse": ("per network", "#80b1d3"),
    "aggregate": ("per ensemble", "#bebada"),
    "compare": ("per ensemble", "#bebada"),
    "summarise": ("per ensemble", "#bebada"),
    "classify": ("per ensemble", "#bebada"),
    "plot": ("figures", "#e5e5e5"),
}
OTHER = ("other", "#ffffff")
# The default target, which every figure feeds: in the edge list, not in the picture.
TARGET = "all"
NODE = re.compile(r'^\s*(\d+)\[label = "([^"]+)"', re.M)
EDGE = re.compile(r"^\s*(\d+) -> (\d+)", re.M)


def snakemake(*args: str) -> str:
    """The standard output of Snakemake run on :data:`CONFIG` in a scratch folder."""
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / EXTERNAL).write_bytes(b"")  # only its existence is checked
        config = {**CONFIG, "external_networks": {"paper": str(Path(scratch) / EXTERNAL)}}
        (Path(scratch) / "config.yaml").write_text(yaml.safe_dump(config))
        command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]
        command += ["--directory", scratch, "--configfile", f"{scratch}/config.yaml", *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def rule_graph() -> nx.DiGraph:
    """The rule graph of the workflow: an edge from each rule to every rule that reads its
    outputs."""
    dot = snakemake("--rulegraph")
    names = dict(NODE.findall(dot))
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(names.values()))
    graph.add_edges_from((names[a], names[b]) for a, b in EDGE.findall(dot))
    return graph


def rules() -> set[str]:
    """Every rule that the workflow defines for :data:`CONFIG`."""
    return set(snakemake("--list-rules").split())


def edge_list(graph: nx.DiGraph) -> str:
    """The graph as sorted tab-separated ``source target`` lines."""
    return "".join(f"{a}\t{b}\n" for a, b in sorted(graph.edges))


def columns(graph: nx.DiGraph) -> list[list[str]]:
    """The rules in columns by their longest path from a rule without inputs, each column
    ordered top to bottom by the mean height of its neighbours in the columns before, then
    after (a few sweeps against crossings)."""
    depth = {}
    for node in nx.topological_sort(graph):
        depth[node] = max((depth[p] + 1 for p in graph.predecessors(node)), default=0)
    layers = [sorted(n for n in graph if depth[n] == d) for d in range(max(depth.values()) + 1)]
    for _ in range(4):
        for order, neighbours in (
            (range(1, len(layers)), graph.predecessors),
            (range(len(layers) - 2, -1, -1), graph.successors),
        ):
            for i in order:
                height = {n: y for n, (_, y) in rows(layers).items()}
                layers[i].sort(key=lambda n: -mean([height[m] for m in neighbours(n)], height[n]))
    return layers


def rows(layers: list[list[str]]) -> dict[str, tuple[int, float]]:
    """Column and height of each rule: each column centred, its first rule on top."""
    return {
        node: (i, (len(layer) - 1) / 2 - k)
        for i, layer in enumerate(layers)
        for k, node in enumerate(layer)
    }


def mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def draw(graph: nx.DiGraph, path: Path) -> None:
    """Draw the graph left to right, one column per layer, each rule a box coloured by its
    stage; the target ``all`` is left out."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch, Patch

    graph = graph.subgraph(n for n in graph if n != TARGET)
    layers = columns(graph)
    height = max(map(len, layers))
    width, box_w, box_h = 2.8, 2.4, 0.55
    position = {node: (i * width, y) for node, (i, y) in rows(layers).items()}
    plt.rcParams.update({"svg.hashsalt": "rulegraph", "svg.fonttype": "none"})
    fig, ax = plt.subplots(figsize=(len(layers) * 2.3, height * 0.55 + 0.6))
    for a, b in graph.edges:
        (xa, ya), (xb, yb) = position[a], position[b]
        bend = 0.0 if abs(ya - yb) < 0.01 or xb - xa <= width + 0.01 else 0.15
        ax.annotate(
            "",
            xy=(xb - box_w / 2, yb),
            xytext=(xa + box_w / 2, ya),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#888888",
                "lw": 0.9,
                "shrinkA": 0,
                "shrinkB": 1,
                "connectionstyle": f"arc3,rad={bend}",
            },
            zorder=1,  # under the boxes: an edge that passes a box hides behind it
        )
    for node, (x, y) in position.items():
        stage, colour = STAGES.get(node.split("_")[0], OTHER)
        ax.add_patch(
            FancyBboxPatch(
                (x - box_w / 2, y - box_h / 2),
                box_w,
                box_h,
                boxstyle="round,pad=0,rounding_size=0.12",
                facecolor=colour,
                edgecolor="#555555",
                lw=0.8,
                zorder=2,
            )
        )
        ax.text(x, y, node, ha="center", va="center", fontsize=8, family="monospace", zorder=3)
    legend = {stage: colour for stage, colour in STAGES.values()}
    ax.legend(
        handles=[Patch(facecolor=c, edgecolor="#555555", label=s) for s, c in legend.items()],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(legend),
        frameon=False,
        fontsize=8.5,
    )
    ax.set_xlim(-box_w / 2 - 0.1, (len(layers) - 1) * width + box_w / 2 + 0.1)
    ax.set_ylim(-(height - 1) / 2 - 0.5, (height - 1) / 2 + 0.5)
    ax.axis("off")
    fig.savefig(path, bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)


def main() -> None:
    graph = rule_graph()
    missing = rules() - set(graph)
    if missing:
        raise SystemExit(f"rules that CONFIG does not reach: {sorted(missing)}; extend CONFIG")
    IMAGE.parent.mkdir(parents=True, exist_ok=True)
    EDGES.write_text(edge_list(graph))
    draw(graph, IMAGE)
    print(f"wrote {IMAGE.relative_to(REPO)} and {EDGES.relative_to(REPO)}")


if __name__ == "__main__":
    main()
