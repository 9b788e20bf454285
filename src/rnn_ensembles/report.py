"""Report pages that are not figures: the ensemble's summary tables as one HTML page.

Snakemake's report shows an HTML result inline (a TSV only as a download), so the
tables of ``results/<task>/summary`` are also written as one small, self-contained page.
"""

from __future__ import annotations

import html

import pandas as pd

from rnn_ensembles.io import atomic_path

STYLE = """
body { font-family: sans-serif; font-size: 13px; margin: 1em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #f2f2f2; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
"""
# The tables in the order a reader needs them, with what each row is.
TABLES = {
    "sizes": "per network size: networks, successes, success rate (95 % Wilson interval), error",
    "realisations": "per network size: spread of the memory-state geometry and of the spectra",
    "networks": "one row per network",
    "realisation_pairs": "per pair of networks of one size: Procrustes disparity",
}


def summary_page(tables: dict[str, pd.DataFrame], minimal: dict, title: str) -> str:
    """HTML of the minimal-size verdict and every table of ``tables`` named in ``TABLES``."""
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown summary table(s) {sorted(unknown)}; known: {list(TABLES)}")
    verdict = (
        f"minimal size: N = {minimal['minimal_size']}"
        if minimal.get("minimal_size") is not None
        else "no size meets the criterion"
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>',
        f"<style>{STYLE}</style></head><body>",
        f"<h2>{html.escape(title)}</h2>",
        f"<p><b>{html.escape(verdict)}</b>: {html.escape(str(minimal.get('reason', '')))}</p>",
        f"<p>criterion: {html.escape(str(minimal.get('criterion', '')))}</p>",
    ]
    for name, description in TABLES.items():
        if name in tables:
            table = tables[name].to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="")
            caption = f"<caption>{name}.tsv: {html.escape(description)}</caption>"
            parts.append(table.replace(">", ">" + caption, 1))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_summary_page(path, tables: dict[str, pd.DataFrame], minimal: dict, title: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(summary_page(tables, minimal, title), encoding="utf-8")
