"""The learner's copy of the workshop notebook, and the one-page handout.

The teacher's copy (``notebooks/05_workshop.ipynb``) holds the solutions. :func:`learner_copy`
makes the copy learners get from it:

* a code cell tagged ``solution`` becomes a stub: its ``# stub:`` lines with the marker removed
  (``# stub: my_quality = None  # your choice`` gives ``my_quality = None  # your choice``), or,
  when it has none, ``name = None  # your code`` for each name the solution assigns at top level;
  the stub is tagged ``stub`` and carries none of the solution's other lines;
* markdown cells tagged ``solution`` (worked answers) or ``teacher`` (notes for the teacher), and
  code cells tagged ``teacher``, are dropped;
* outputs and execution counts are cleared.

:func:`handout_html` writes "what each view shows and how to read it" from the registry (each
method's title, description, how to read its map and the "Where it fails" of its module), after a
short hand-written part; one self-contained page (no network) with print CSS for one A4 sheet.

``python -m imgfake.workshop notebooks/05_workshop.ipynb --out workshop`` (``make workshop``)
writes both into a folder.
"""

from __future__ import annotations

import argparse
import ast
import copy
import html
import json
import re
import sys
from datetime import date
from pathlib import Path

from .._version import __version__
from ..display import FAMILY_TITLES
from ..forensics.registry import Analysis, available
from ..results import FAMILIES

__all__ = ["SOLUTION_TAG", "STUB_TAG", "TEACHER_TAG", "STUB_MARKER", "learner_copy", "stub_source",
           "handout_html", "write_workshop", "main"]

SOLUTION_TAG, STUB_TAG, TEACHER_TAG = "solution", "stub", "teacher"
#: Lines of a solution cell that start with this are the learner's stub.
STUB_MARKER = "# stub:"


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def stub_source(solution: str) -> str:
    """The learner's stub for a solution cell's source (see the module docstring)."""
    marked = [line.strip()[len(STUB_MARKER):] for line in solution.splitlines()
              if line.strip().startswith(STUB_MARKER)]
    if marked:
        return "\n".join(line[1:] if line.startswith(" ") else line for line in marked)
    try:
        tree = ast.parse(solution)
    except SyntaxError as exc:
        raise ValueError(f"a solution cell does not parse ({exc.msg}, line {exc.lineno}); "
                         "give it # stub: lines") from None
    names: list[str] = []
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign) else [node.target]
                   if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            targets = [ast.Name(node.name)]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name) and leaf.id not in names:
                    names.append(leaf.id)
    if not names:
        return "# your code"
    return "\n".join(f"{name} = None  # your code" for name in names)


def learner_copy(notebook: dict) -> dict:
    """The learner's copy of a teacher's notebook (nbformat 4 as a dict); `notebook` is untouched.

    Raises
    ------
    ValueError
        When the notebook has no solution cell (a learner's copy of a learner's copy).
    """
    out = copy.deepcopy(notebook)
    cells, n_solutions = [], 0
    for cell in out.get("cells", []):
        tags = _tags(cell)
        if TEACHER_TAG in tags or (SOLUTION_TAG in tags and cell.get("cell_type") != "code"):
            n_solutions += SOLUTION_TAG in tags
            continue
        if SOLUTION_TAG in tags:
            n_solutions += 1
            cell["source"] = stub_source(_source(cell))
            cell.setdefault("metadata", {})["tags"] = [t for t in tags if t != SOLUTION_TAG] + [STUB_TAG]
            cell["metadata"].pop("jupyter", None)  # a folded solution must not fold the learner's cell
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    if not n_solutions:
        raise ValueError("this notebook has no cell tagged 'solution': is it already a learner's copy?")
    out["cells"] = cells
    out.setdefault("metadata", {})["imgfake"] = {"workshop": "learner copy", "made_by": "make workshop"}
    return out


# --- the handout ------------------------------------------------------------------------------

_HANDOUT_CSS = """
@page{size:A4;margin:9mm 10mm}
*{box-sizing:border-box}
body{font:7.8pt/1.25 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2933;
margin:0 auto;max-width:200mm;padding:6mm 0}
h1{font-size:12pt;margin:0 0 .6mm}h2{font-size:8.8pt;margin:1.8mm 0 .8mm;color:#323f4b}
.meta{color:#616e7c;font-size:7.4pt;margin:0 0 2mm}
.rules{display:grid;grid-template-columns:1fr 1fr;gap:.6mm 5mm;margin:0;padding:0;list-style:none;font-size:7.3pt}
.rules li{padding-left:3.2mm;text-indent:-3.2mm}.rules li::before{content:"▸ ";color:#9aa5b1}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:6.8pt;line-height:1.17}
th,td{text-align:left;vertical-align:top;padding:.35mm 1.1mm;border-bottom:.2mm solid #d9dee3}
th{background:#f0f2f5;font-weight:600}col.c1{width:27%}col.c2{width:38%}col.c3{width:35%}
td.m code{color:#52606d;font-size:6.4pt}td.m .r{color:#616e7c;font-size:6.4pt}
tr.fam td{background:#f7f8fa;font-weight:700;color:#323f4b;border-bottom:.2mm solid #9aa5b1;padding-top:.6mm}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
.foot{color:#616e7c;font-size:6.9pt;margin-top:1.5mm}
@media print{body{padding:0;max-width:none}a{color:inherit;text-decoration:none}}
"""

#: The hand-written part: how to read any view, before the generated table.
HANDOUT_RULES = (
    "<b>Compare like with like.</b> Edges and textures are bright in most views, in untouched photos too: "
    "ask whether an area stands out from <i>similar content</i> in the same photo.",
    "<b>Bright is a question, not an answer.</b> A map shows where a method's measurement differs; "
    "look for a second method that agrees, and for a shape that makes sense.",
    "<b>“No sign of editing” ≠ “authentic”.</b> Re-saving, resizing, screenshots and social-media "
    "uploads erase compression, noise and camera traces, and strip metadata and credentials.",
    "<b>The file's own words are claims.</b> Metadata, camera names and content credentials are written "
    "by software; they can be removed, copied or signed by anyone.",
    "<b>Know the history.</b> The JPEG quality is the <i>last</i> save's; ELA works best re-saved near "
    "an <i>earlier</i> one. Try several qualities.",
    "<b>Ask where the photo came from.</b> The original file, its sender, other copies (reverse image "
    "search): provenance outweighs any map.",
)

#: For methods whose module names no limits.
_FALLBACK_LIMITS = {
    "model": "trained on particular kinds of edits (models/README.md says which, and how often it is wrong); "
             "its score is evidence, not proof, and is least sure on photos unlike its training data.",
}


def _first_sentences(text: str, limit: int, *, breaks=(("; ", ": ", " — "), (", ",))) -> str:
    """The opening of `text` within about `limit` characters: its first sentence (and the next
    when the first is short), without parenthetical asides when too long, else cut at the last of
    the strongest `breaks` (groups of separators, strongest first) and marked "…"."""
    text = " ".join(text.replace("**", "").replace("``", "").split())
    bullets = [b.strip() for b in re.split(r"(?:^|\s)\*\s", text) if b.strip()]
    text = bullets[0] if bullets else text
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z(])", text)
    kept = sentences[0]
    for sentence in sentences[1:]:
        if len(kept) >= limit // 2:
            break
        kept = f"{kept} {sentence}"
    while len(kept) > limit and re.search(r"\s\([^()]*\)", kept):  # drop asides, longest first
        aside = max(re.findall(r"\s\([^()]*\)", kept), key=len)
        kept = kept.replace(aside, "", 1)
    if len(kept) <= limit:
        return kept
    for separators in breaks:  # the strongest break that keeps at least 40 %
        cut = max(kept.rfind(sep, 0, limit) for sep in separators)
        if cut > 0.4 * limit:
            return kept[:cut].rstrip(" ,;:(—") + " …"
    return kept[:limit].rsplit(" ", 1)[0].rstrip(" ,;:(—") + " …"


#: How to read a map, by its direction (the dashboard's words, shortened for paper).
_READING = {"high": "bright = more suspicious", "low": "dark = more suspicious",
            "both": "bright = unusual for this photo, either way"}


def _reading(analysis: Analysis) -> str:
    """How to read its map, in a few words."""
    if analysis.family == "lens":
        return f"a view for the eye, no score · {analysis.cell}-px cells"
    if not analysis.has_heatmap:
        return "findings in words, no map"
    return f"{_READING.get(analysis.direction, analysis.direction)} · {analysis.cell}-px cells"


def _method_cell(analyses: list[Analysis]) -> str:
    e = html.escape
    names = ", ".join(f"<code>{e(a.name)}</code>" for a in analyses)
    title = analyses[0].title if len(analyses) == 1 else FAMILY_TITLES.get(analyses[0].family, analyses[0].family)
    return f"<td class='m'><b>{e(title)}</b> {names}<br><span class='r'>{e(_reading(analyses[0]))}</span></td>"


def _rows(members: list[Analysis]) -> list[str]:
    """One row per method; methods of a family that share their limits (the lenses) share a row."""
    e = html.escape
    limits = {a.guide()["limits"] for a in members}
    if len(members) > 2 and len(limits) == 1:
        shows = "; ".join(f"{a.name}: {_first_sentences(a.description, 70).rstrip('.')}" for a in members)
        groups = [(members, shows)]
    else:
        groups = [([a], _first_sentences(a.description, 130, breaks=(("; ", ", ", " — "),)))
                  for a in members]
    rows = []
    for group, shows in groups:
        limit = group[0].guide()["limits"] or _FALLBACK_LIMITS.get(group[0].name, "")
        fails = _first_sentences(limit, 115) if limit else "—"
        rows.append(f"<tr>{_method_cell(group)}<td>{e(shows)}</td><td>{e(fails)}</td></tr>")
    return rows


def handout_html(*, analyses: dict[str, Analysis] | None = None, title: str = "imgfake · reading the views") -> str:
    """The one-page handout as a self-contained HTML document (no script, no link, no network).

    Parameters
    ----------
    analyses : dict of name -> Analysis, optional
        What to list (default: every registered analysis, in family order).
    title : str
    """
    analyses = available() if analyses is None else analyses
    e = html.escape
    rows = []
    for family in FAMILIES:
        members = [a for a in analyses.values() if a.family == family]
        if members:
            heading = FAMILY_TITLES.get(family, family.capitalize())
            rows.append(f"<tr class='fam'><td colspan='3'>{e(heading)}</td></tr>")
            rows += _rows(members)
    rules = "".join(f"<li>{rule}</li>" for rule in HANDOUT_RULES)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{e(title)}</title><meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<style>{_HANDOUT_CSS}</style></head><body>"
        f"<h1>{e(title)}</h1><p class='meta'>What each view of imgfake shows and how to read it · "
        f"imgfake {e(__version__)} · {len(analyses)} methods · made {date.today().isoformat()} by "
        "<code>make workshop</code></p>"
        f"<h2>Reading any view</h2><ul class='rules'>{rules}</ul>"
        "<h2>The views, by family</h2><table><colgroup><col class='c1'><col class='c2'><col class='c3'></colgroup>"
        "<thead><tr><th>method · <code>name</code> · how to read it</th><th>what it shows</th>"
        "<th>where it fails</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        "<p class='foot'>From each method's own documentation (<code>imgfake info --analyses NAME</code> has "
        "the whole text and the papers). In a notebook: <code>run_analysis(\"name\", load_image(path))</code>; "
        "in the dashboard: the family, then the method's button.</p></body></html>")


def write_workshop(source: str | Path, out_dir: str | Path) -> dict[str, Path]:
    """Write the learner's copy of `source` and the handout into `out_dir` (made if missing).

    Returns the paths written: ``{"notebook": ..., "handout": ...}``.
    """
    source, out_dir = Path(source), Path(out_dir)
    with open(source, encoding="utf-8") as f:
        teacher = json.load(f)
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook, handout = out_dir / source.name, out_dir / "handout.html"
    if notebook.resolve() == source.resolve():
        raise ValueError(f"the learner's copy would overwrite the teacher's {source}: choose another --out")
    notebook.write_text(json.dumps(learner_copy(teacher), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    handout.write_text(handout_html(), encoding="utf-8")
    return {"notebook": notebook, "handout": handout}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m imgfake.workshop",
                                     description="Write the learner's copy of the workshop notebook and the handout.")
    parser.add_argument("source", nargs="?", default="notebooks/05_workshop.ipynb",
                        help="the teacher's notebook (default: notebooks/05_workshop.ipynb)")
    parser.add_argument("--out", default="workshop", help="folder to write into (default: workshop/)")
    args = parser.parse_args(argv)
    try:
        written = write_workshop(args.source, args.out)
    except (OSError, ValueError) as exc:
        print(f"imgfake workshop: error: {exc}", file=sys.stderr)
        return 1
    for what, path in written.items():
        print(f"wrote the {'learner copy' if what == 'notebook' else what}: {path}")
    return 0
