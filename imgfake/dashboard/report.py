"""The dashboard's downloadable report: one self-contained HTML page, plus the JSON data.

The HTML carries everything inline so it opens offline and can be archived: photos as JPEG and
error-level images as lossless PNG (base64), the plotly score gauges, and a zoomable photo/ELA
figure for the image that was on screen, with plotly.js embedded once.
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from ..io import encode_jpeg

if TYPE_CHECKING:  # pragma: no cover
    from .state import DashboardState, ImageItem

__all__ = ["report_html", "data_uri", "png_uri", "jpeg_uri", "jpeg_bytes", "download_link"]


def png_uri(pixels: np.ndarray, *, compress_level: int = 6) -> str:
    """A ``data:image/png;base64,...`` URI of a uint8 image (lossless)."""
    buf = io.BytesIO()
    Image.fromarray(np.asarray(pixels, np.uint8)).save(buf, "PNG", compress_level=compress_level)
    return data_uri(buf.getvalue(), "image/png")


def jpeg_bytes(pixels: np.ndarray, *, quality: int = 88) -> bytes:
    """A uint8 image as JPEG bytes (4:4:4) — for showing, never for analysis."""
    return encode_jpeg(np.asarray(pixels, np.uint8), quality=quality, subsampling="4:4:4")


def jpeg_uri(pixels: np.ndarray, *, quality: int = 88) -> str:
    """A ``data:image/jpeg;base64,...`` URI of a uint8 image (for photos: small and fast)."""
    return data_uri(jpeg_bytes(pixels, quality=quality), "image/jpeg")


def data_uri(content: bytes | str, mime: str) -> str:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def download_link(content: bytes | str, *, filename: str, mime: str, text: str, css_class: str) -> str:
    """An ``<a download>`` link carrying `content` as a data URI (no server round trip)."""
    return (f'<a class="{css_class}" download="{html.escape(filename)}" '
            f'href="{data_uri(content, mime)}">{html.escape(text)}</a>')


_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;max-width:1100px;
margin:2em auto;padding:0 1.5em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #e4e7eb;
padding-bottom:.3em}.meta{color:#616e7c;font-size:.9em}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{text-align:left;padding:.35em .6em;
border-bottom:1px solid #e4e7eb;vertical-align:top}th{background:#f5f7fa;font-weight:600}
.pair{display:flex;gap:12px;flex-wrap:wrap}.pair figure{flex:1 1 320px;margin:0}
.pair img{width:100%;image-rendering:auto;border:1px solid #e4e7eb;border-radius:4px}
figcaption{font-size:.85em;color:#616e7c}
.verdict{font-size:1.15em;font-weight:600;padding:.5em .8em;border-radius:6px;display:inline-block}
.edited{background:#fdecea;color:#a61b1b}.authentic{background:#e8f5e9;color:#1b5e20}
.uncertain{background:#fff4e5;color:#8a4b00}.none{background:#f0f2f5;color:#52606d}
.error{color:#a61b1b}.sev-warning{color:#a61b1b;font-weight:600}.sev-notice{color:#8a4b00;font-weight:600}
.sev-info{color:#616e7c}.note{background:#f5f7fa;border-left:4px solid #9aa5b1;padding:.6em 1em}
.plots{display:flex;gap:12px;flex-wrap:wrap}.plots>div{flex:0 0 auto}
"""


def report_html(state: DashboardState) -> str:
    """The whole report as one HTML document (see the module docstring)."""
    from .. import figures
    from .state import verdict_words

    data = state.report_data()
    settings = data["settings"]
    gain = "auto contrast" if settings["gain"] == "auto" else f"gain ×{settings['gain']:g}"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>imgfake report ({html.escape(data['created'])})</title><style>{_CSS}</style></head><body>",
        "<h1>imgfake report</h1>",
        f"<p class='meta'>Created {html.escape(data['created'])} with imgfake {html.escape(data['imgfake_version'])}. "
        f"Error levels: JPEG quality {settings['ela_quality']}, {gain}, {html.escape(settings['mode'])} scale. "
        f"{html.escape(data['model']['message'])}</p>",
        "<p class='note'>A model score is evidence, not proof. Error-level images show where a photo "
        "changes most when saved again; edges and fine texture are always bright, and a photo that was "
        "re-saved or resized after editing can hide its edits.</p>",
        "<h2>Summary</h2>", _summary_table(state.items),
    ]
    plotly_included = False
    for item in state.items:
        parts.append(f"<h2>{html.escape(item.name)}</h2>")
        if not item.ok:
            parts.append(f"<p class='error'>{html.escape(item.error or 'could not be read')}</p>")
            continue
        image = item.image
        parts.append(f"<p class='meta'>{html.escape(image.format)} · {image.width}×{image.height} · "
                     f"{item.n_bytes / 1e6:.2f} MB · SHA-256 {image.sha256}</p>")
        if item.truth:
            truth = html.escape(_truth_text(item.truth))
            parts.append(f"<p class='meta'>Sample image; known answer: {truth}</p>")
        figures_html = []
        if item.prediction is not None:
            p, threshold = item.prediction["p_edited"], item.prediction["threshold"]
            words, tone = verdict_words(p, threshold)
            parts.append(f"<p><span class='verdict {tone}'>{html.escape(words)}</span> "
                         f"<span class='meta'>threshold {threshold:.2f}</span></p>")
            if item.prediction.get("domain_note"):
                parts.append(f"<p class='meta'>⚠ {html.escape(item.prediction['domain_note'])}</p>")
            figs = [figures.probability_gauge(p, threshold=threshold)]
            if item.prediction.get("kinds") and item.prediction.get("kinds_meaningful", p >= threshold):
                figs.append(figures.class_bar_figure(item.prediction["kinds"]))
            for fig in figs:
                fig.update_layout(width=500, autosize=False)  # fixed: flex boxes clip autosized gauges
                figures_html.append(fig.to_html(full_html=False, include_plotlyjs=not plotly_included,
                                                config={"displaylogo": False}))
                plotly_included = True
        else:
            parts.append(f"<p><span class='verdict none'>No model verdict</span> "
                         f"<span class='meta'>{html.escape(item.verdict_message or item.verdict)}</span></p>")
        if figures_html:
            parts.append("<div class='plots'>" + "".join(f"<div>{f}</div>" for f in figures_html) + "</div>")
        ela_img = state.ela_display(item)
        parts.append(
            "<div class='pair'>"
            f"<figure><img alt='photo' src='{jpeg_uri(item.photo)}'><figcaption>Photo</figcaption></figure>"
            f"<figure><img alt='error levels' src='{png_uri(ela_img)}'><figcaption>Error levels at JPEG quality "
            f"{settings['ela_quality']} ({gain})</figcaption></figure></div>"
        )
        if item is state.current:
            fig = figures.ela_figure(item.photo, ela_img, title="Zoom in: photo and error levels (linked)",
                                     max_side=768)
            parts.append(fig.to_html(full_html=False, include_plotlyjs=not plotly_included,
                                     config={"displaylogo": False}))
            plotly_included = True
        parts.append(_findings_table(item))
    parts.append("</body></html>")
    return "".join(parts)


def _truth_text(truth: dict) -> str:
    cls = truth.get("class_name") or {0: "real", 1: "edited"}.get(truth.get("label"), "?")
    text = "authentic" if cls == "real" else str(cls)
    if truth.get("kind"):
        text += f" ({truth['kind']})"
    if truth.get("detail"):
        text += f": {truth['detail']}"
    return text


def _summary_table(items: list[ImageItem]) -> str:
    rows = []
    for item in items:
        p = "–" if item.p_edited is None else f"{item.p_edited:.2f}"
        q = "–" if item.jpeg_quality is None else f"{item.jpeg_quality:.0f}"
        verdict = html.escape(item.error and "could not be read" or item.label or item.verdict)
        rows.append(f"<tr><td>{html.escape(item.name)}</td><td>{verdict}</td><td>{p}</td><td>{q}</td>"
                    f"<td>{item.n_findings if item.ok else '–'}</td>"
                    f"<td class='error'>{html.escape(item.error or '')}</td></tr>")
    return ("<table><tr><th>File</th><th>Verdict</th><th>p(edited)</th><th>JPEG quality</th>"
            f"<th>Findings</th><th>Error</th></tr>{''.join(rows)}</table>")


def _findings_table(item: ImageItem) -> str:
    if not item.findings:
        return "<p class='meta'>No findings from the file's JPEG tables or metadata.</p>"
    order = {"warning": 0, "notice": 1, "info": 2}
    rows = "".join(f"<tr><td class='sev-{f.severity}'>{f.severity}</td><td>{html.escape(f.message)}</td></tr>"
                   for f in sorted(item.findings, key=lambda f: order.get(f.severity, 3)))
    return f"<table><tr><th>Severity</th><th>Finding</th></tr>{rows}</table>"
