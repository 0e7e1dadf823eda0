"""Strip outputs from notebooks in place, so they are committed clean.

Removes outputs, execution counts, per-run metadata (papermill's, execution timings, widget
state) and cells papermill injected; keeps sources, tags and ``jupyter`` display metadata (folded
solution cells stay folded). The notebooks' own tests (tests/test_notebooks.py) fail on a notebook
that still has outputs.

Usage::

    .venv/bin/python scripts/strip_notebooks.py                # every notebooks/*.ipynb
    .venv/bin/python scripts/strip_notebooks.py path/a.ipynb   # just these
    .venv/bin/python scripts/strip_notebooks.py --check        # list dirty notebooks, exit 1 if any
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
KEEP_CELL_METADATA = ("tags", "jupyter", "editable", "deletable", "slideshow")
KEEP_NOTEBOOK_METADATA = ("kernelspec",)


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return `nb` without outputs and run-specific metadata (modified in place)."""
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA and v != []}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    language = nb.metadata.get("language_info", {}).get("name")
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_NOTEBOOK_METADATA}
    if language:
        nb.metadata["language_info"] = {"name": language}
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any is dirty")
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    dirty = []
    for path in paths:
        original = path.read_text(encoding="utf-8")
        nb = strip(nbformat.reads(original, as_version=4))
        cleaned = nbformat.writes(nb) + "\n"
        if cleaned != original:
            dirty.append(path)
            if not args.check:
                path.write_text(cleaned, encoding="utf-8")
    verb = "would strip" if args.check else "stripped"
    for path in dirty:
        print(f"{verb} {path}")
    return 1 if (args.check and dirty) else 0


if __name__ == "__main__":
    sys.exit(main())
