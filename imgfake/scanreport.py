"""The collection report: one self-contained HTML page (or PDF) from a scan's results.

``imgfake report results.parquet -o report.html [--pdf]``: summary charts (plotly, its
JavaScript inlined once: nothing is fetched from the internet), a sortable table of every
file, a gallery of the most suspicious images with their localisation maps, and the
near-duplicate groups side by side. Every file name and text is escaped; an image that cannot
be drawn costs only its own thumbnail. ``--pdf`` prints the page with the Chromium the project
installs (headless print-to-PDF).
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .report import _CSS, jpeg_uri

__all__ = ["collection_report_html", "write_collection_report", "print_pdf"]

_EXTRA_CSS = """
.gallery{display:flex;flex-wrap:wrap;gap:12px}.tile{width:250px;font-size:.85em}
.tile img{width:250px;height:auto;border:1px solid #e4e7eb;display:block}
.group{display:flex;gap:10px;overflow-x:auto;padding:.4em 0;border-bottom:1px solid #e4e7eb}
.group .tile{width:180px}.group .tile img{width:180px}
.tag{display:inline-block;border-radius:4px;padding:0 .4em;margin-right:.3em;background:#e4e7eb}
.edited{background:#fde2e1}.real{background:#e3f9e5}.uncertain{background:#fff3c4}
th.sortable{cursor:pointer}th.sortable:after{content:" ↕";color:#9aa5b1}
@media print{.plots{break-inside:avoid}}
"""

_SORT_JS = """
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th, col){
    th.classList.add('sortable');
    th.addEventListener('click', function(){
      var rows = Array.from(t.tBodies[0].rows), up = th.dataset.dir !== 'up';
      rows.sort(function(a, b){
        var x = a.cells[col].dataset.v ?? a.cells[col].textContent, y = b.cells[col].dataset.v ?? b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return up ? c : -c;
      });
      th.dataset.dir = up ? 'up' : 'down';
      rows.forEach(function(r){ t.tBodies[0].appendChild(r); });
    });
  });
});
"""


def _thumbnail(path: str, heatmap: str | None, side: int) -> str:
    """A JPEG data URI of the photo, with its localisation map blended in red when there is one."""
    from PIL import Image

    from .io import load_image

    try:
        pixels = load_image(path).pixels
        img = Image.fromarray(pixels)
        img.thumbnail((side, side))
        out = np.asarray(img, np.float32)
        if heatmap and os.path.isfile(heatmap):
            with Image.open(heatmap) as hm:
                weight = np.asarray(hm.convert("L").resize(img.size), np.float32)[..., None] / 255.0
            out = out * (1 - 0.55 * weight) + np.array([255.0, 40.0, 40.0]) * 0.55 * weight
        return f"<img src='{jpeg_uri(np.clip(out, 0, 255).astype(np.uint8), quality=80)}' alt=''>"
    except Exception as exc:  # one picture that cannot be drawn costs only itself
        return f"<p class='error'>no picture: {html.escape(str(exc))}</p>"


def _tile(row, side: int, extra: str = "") -> str:
    verdict = str(row.get("verdict") or "")
    p = row.get("p_edited")
    score = "" if p is None or p != p else f" p = {p:.2f}"
    heatmap = row.get("heatmap") if verdict in ("edited", "uncertain") else None  # no red on "no sign"
    return (f"<div class='tile'>{_thumbnail(str(row['path']), heatmap, side)}"
            f"<div><b>{html.escape(str(row.get('name')))}</b></div>"
            f"<div><span class='tag {html.escape(verdict)}'>{html.escape(verdict)}</span>{score}{extra}</div>"
            f"<div class='meta'>{html.escape(str(row.get('reason') or ''))[:220]}</div></div>")


def _charts(frame) -> str:
    import plotly.graph_objects as go

    figs = []
    counts = frame["verdict"].fillna("error").value_counts()
    figs.append(go.Figure(go.Bar(x=list(counts.index), y=list(counts.values)), layout={"title": "Answers"}))
    scores = frame["p_edited"].dropna()
    figs.append(go.Figure(go.Histogram(x=list(scores), nbinsx=20), layout={"title": "p(edited)"}))
    formats = frame["format"].fillna("unreadable").value_counts()
    figs.append(go.Figure(go.Bar(x=list(formats.index), y=list(formats.values)), layout={"title": "Formats"}))
    origin = frame["camera"].fillna(frame["software"]).fillna("unknown").value_counts().head(10)
    figs.append(go.Figure(go.Bar(x=list(origin.values), y=list(origin.index), orientation="h"),
                          layout={"title": "Cameras and software (top 10)"}))
    parts = []
    for i, fig in enumerate(figs):
        fig.update_layout(width=520, height=320, margin={"l": 40, "r": 10, "t": 40, "b": 40})
        parts.append("<div>" + fig.to_html(full_html=False, include_plotlyjs=i == 0,
                                           config={"displaylogo": False}) + "</div>")
    return "<div class='plots' style='display:flex;flex-wrap:wrap;gap:8px'>" + "".join(parts) + "</div>"


def _table(frame) -> str:
    cols = [("name", "File"), ("verdict", "Answer"), ("p_edited", "p(edited)"), ("kind", "Kind"),
            ("format", "Format"), ("jpeg_quality", "JPEG q"), ("camera", "Camera"), ("software", "Software"),
            ("error", "Error")]
    head = "".join(f"<th>{html.escape(t)}</th>" for _, t in cols)
    body = []
    for row in frame.to_dict("records"):
        cells = []
        for key, _ in cols:
            v = row.get(key)
            text = "" if v is None or (isinstance(v, float) and v != v) else (f"{v:.3f}" if isinstance(v, float) else str(v))
            cells.append(f"<td title='{html.escape(str(row.get('path')))}'>{html.escape(text)}</td>" if key == "name"
                         else f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table class='sortable'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


#: Rows of the report's table at most: a page of a million rows would not open. Larger scans
#: list their most suspicious files and their first errors; the rest is in the Parquet results.
MAX_TABLE_ROWS = 5000


def _table_rows(frame, max_rows: int):
    """(rows for the table, a note or ""): all of them, or the most suspicious and the first errors."""
    import pandas as pd

    if len(frame) <= max_rows:
        return frame, ""
    failed = frame[frame["error"].notna()].head(max(1, max_rows // 10))
    scored = frame[frame["error"].isna()].sort_values("p_edited", ascending=False, na_position="last")
    shown = scored.head(max_rows - len(failed))
    note = (f" This table lists the {len(shown)} most suspicious of {len(frame)} files and "
            f"{len(failed)} of the {int(frame['error'].notna().sum())} that could not be read; every row is in "
            "the results folder (<code>imgfake export … --csv</code>).")
    return pd.concat([shown, failed]), note


def collection_report_html(frame, groups=None, *, title: str = "imgfake collection report", gallery: int = 24,
                           max_groups: int = 20, max_rows: int = MAX_TABLE_ROWS) -> str:
    """The report page for a scan's rows (:func:`imgfake.learn.collection.read_results`) and
    their near-duplicate groups (:func:`imgfake.learn.collection.near_duplicates`); the table
    holds at most `max_rows` rows."""
    n, errors = len(frame), int(frame["error"].notna().sum())
    answers = frame["verdict"].value_counts().to_dict()
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}{_EXTRA_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>{n} files · {answers.get('edited', 0)} with signs of editing · "
        f"{answers.get('real', 0)} with no sign · {answers.get('uncertain', 0)} cannot tell · {errors} could not be read. "
        f"Model {html.escape(str(frame['model'].dropna().iloc[0]) if frame['model'].notna().any() else '?')}, "
        f"imgfake {html.escape(str(frame['imgfake_version'].dropna().iloc[0]) if frame['imgfake_version'].notna().any() else '?')}.</p>",
        "<p class='note'>A verdict is evidence, not proof. \"No sign of editing found\" is not \"authentic\": "
        "re-saving and resizing hide edits. Read the most suspicious images' maps and findings before "
        "concluding anything.</p>",
        "<h2>Summary</h2>", _charts(frame),
    ]
    suspicious = frame[frame["p_edited"].notna()].sort_values("p_edited", ascending=False).head(gallery)
    parts.append(f"<h2>The {len(suspicious)} most suspicious images</h2>")
    parts.append("<p class='meta'>Red: where the detector thinks the edit is (its localisation map, when the "
                 "scan wrote heat maps).</p>")
    parts.append("<div class='gallery'>" + "".join(_tile(r, 250) for r in suspicious.to_dict("records")) + "</div>")
    if groups is not None and len(groups):
        parts.append(f"<h2>Near-duplicates ({groups['group'].nunique()} groups)</h2>")
        parts.append("<p class='meta'>Files that show the same picture (perceptual hash). Which copy is the "
                     "largest, the least compressed and the richest in metadata is the usual first clue to the original.</p>")
        rows = {r["path"]: r for r in frame.to_dict("records")}
        for g, members in list(groups.groupby("group"))[:max_groups]:
            tiles = []
            for m in members.to_dict("records"):
                flags = [w for key, w in (("largest", "largest"), ("least_compressed", "least compressed"),
                                           ("richest_metadata", "richest metadata")) if m.get(key)]
                extra = "".join(f"<span class='tag'>{html.escape(f)}</span>" for f in flags)
                size = f"<div class='meta'>{m.get('width', 0):.0f}×{m.get('height', 0):.0f}, {m.get('n_bytes', 0) / 1e3:.0f} kB</div>"
                tiles.append(_tile(rows.get(m["path"], m), 180, f"<div>{extra}</div>{size}"))
            parts.append(f"<h3>Group {int(g)}</h3><div class='group'>{''.join(tiles)}</div>")
    listed, note = _table_rows(frame, max_rows)
    parts += [f"<h2>{'Every file' if not note else 'Files'}</h2><p class='meta'>Click a column to sort.{note}</p>",
              _table(listed),
              f"<script>{_SORT_JS}</script></body></html>"]
    return "".join(parts)


def write_collection_report(results: str | os.PathLike, out: str | os.PathLike, *, pdf: str | os.PathLike | None = None) -> Path:
    """Read a scan's results folder and write the HTML report (and the PDF when asked)."""
    from .learn.collection import near_duplicates, read_results

    frame = read_results(results)
    page = collection_report_html(frame, near_duplicates(frame), title=f"imgfake report: {Path(results).name}")
    out = Path(out)
    out.write_text(page, encoding="utf-8")
    if pdf is not None:
        print_pdf(out, pdf)
    return out


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise ValueError("--pdf needs Chromium: run `make chromium` (Debian's chromium), or open the HTML "
                     "report in a browser and print it")


def print_pdf(page: str | os.PathLike, pdf: str | os.PathLike, *, timeout: int = 180) -> Path:
    """Print an HTML file to PDF with headless Chromium (offline; its own temporary profile)."""
    page, pdf = Path(page).resolve(), Path(pdf).resolve()
    with tempfile.TemporaryDirectory(prefix="imgfake-chromium-") as profile:
        cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
               "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise ValueError(f"Chromium could not print {page.name} to PDF: {done.stderr.strip()[-300:]}")
    return pdf
