"""The downloadable report: one self-contained HTML page, built from plain records.

The HTML carries everything inline so it opens offline and can be archived: photos as JPEG and
error-level images as lossless PNG (base64), the plotly score gauges, and a zoomable photo/ELA
figure for the image that was on screen, with plotly.js embedded once.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping

import numpy as np
from PIL import Image

from .io import encode_jpeg

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
    """A ``data:image/jpeg;base64,...`` URI of a uint8 image (for photos: small and fast); a PNG
    one for images JPEG cannot hold (over 65,500 pixels a side)."""
    if max(np.shape(pixels)[:2]) > 65_500:
        return png_uri(pixels)
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


def report_html(data: Mapping, *, visuals: Mapping[int, Mapping] | None = None,
                zoom: int | None = None) -> str:
    """The whole report as one HTML document, built from plain records.

    Parameters
    ----------
    data : mapping
        The JSON report: ``created``, ``imgfake_version``, ``settings`` (``ela_quality``,
        ``gain``, ``mode``), ``model`` (``message``) and ``images``, one record per file with
        ``name``, ``n_bytes`` and either ``error`` or ``image`` (:meth:`LoadedImage.summary`),
        ``verdict``, ``prediction``, ``jpeg_quality``, ``findings`` and optionally
        ``sample_truth`` (what ``DashboardState.report_data()`` and scans produce).
    visuals : mapping of int to mapping, optional
        By index into ``images``: ``photo`` and ``evidence`` (uint8 RGB arrays at display size),
        or ``evidence_error`` (a message) when the evidence image could not be drawn; ``maps``:
        more evidence maps to show, each ``{"title", "image" (uint8 RGB), "caption"}`` (the
        dashboard passes the maps of the methods that found something).
    zoom : int, optional
        Index of the image that gets the zoomable photo/ELA figure.

    One record that cannot be drawn becomes a message in its own section; the rest of the report
    is unaffected.
    """
    from . import figures

    visuals = visuals or {}
    settings = data.get("settings") or {}
    gain_value = settings.get("gain", "auto")
    gain = "auto contrast" if gain_value == "auto" else f"gain ×{float(gain_value):g}"
    quality = settings.get("ela_quality", 90)
    records = list(data.get("images") or [])
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>imgfake report ({html.escape(str(data.get('created', '')))})</title><style>{_CSS}</style></head><body>",
        "<h1>imgfake report</h1>",
        f"<p class='meta'>Created {html.escape(str(data.get('created', '')))} with imgfake "
        f"{html.escape(str(data.get('imgfake_version', '')))}. "
        f"Error levels: JPEG quality {quality}, {gain}, {html.escape(str(settings.get('mode', 'linear')))} scale. "
        f"{html.escape(str((data.get('model') or {}).get('message', '')))}</p>",
        "<p class='note'>A model score is evidence, not proof. Error-level images show where a photo "
        "changes most when saved again; edges and fine texture are always bright, and a photo that was "
        "re-saved or resized after editing can hide its edits.</p>",
        "<h2>Summary</h2>", _summary_table(records),
    ]
    plotly_included = False
    for index, record in enumerate(records):
        parts.append(f"<h2>{html.escape(str(record.get('name')))}</h2>")
        try:
            section, plotly_included = _record_html(record, visuals.get(index) or {}, figures,
                                                    quality=quality, gain=gain, zoom=index == zoom,
                                                    plotly_included=plotly_included)
        except Exception as exc:  # one record that cannot be drawn never costs the others
            section = [f"<p class='error'>This part of the report could not be drawn: {html.escape(str(exc))}</p>"]
        parts.extend(section)
    parts.append("</body></html>")
    return "".join(parts)


def _record_html(record: Mapping, visual: Mapping, figures, *, quality, gain, zoom: bool,
                 plotly_included: bool) -> tuple[list[str], bool]:
    if record.get("error"):
        return [f"<p class='error'>{html.escape(str(record['error']))}</p>"], plotly_included
    from .display import prediction_headline

    parts = []
    image = record.get("image") or {}
    parts.append(f"<p class='meta'>{html.escape(str(image.get('format')))} · {image.get('width')}×{image.get('height')} · "
                 f"{record.get('n_bytes', 0) / 1e6:.2f} MB · SHA-256 {image.get('sha256')}</p>")
    if record.get("sample_truth"):
        truth = html.escape(_truth_text(record["sample_truth"]))
        parts.append(f"<p class='meta'>Sample image; known answer: {truth}</p>")
    figures_html = []
    prediction = record.get("prediction")
    if prediction is not None:
        p, threshold = prediction["p_edited"], prediction["threshold"]
        words, tone = prediction_headline(prediction)
        parts.append(f"<p><span class='verdict {tone}'>{html.escape(words)}</span> "
                     f"<span class='meta'>threshold {threshold:.2f}</span></p>")
        if prediction.get("reason"):
            parts.append(f"<p>{html.escape(str(prediction['reason']))}</p>")
        if prediction.get("domain_note") and prediction.get("domain_note") != prediction.get("reason"):
            parts.append(f"<p class='meta'>⚠ {html.escape(prediction['domain_note'])}</p>")
        figs = [figures.probability_gauge(p, threshold=threshold)]
        if prediction.get("kinds") and prediction.get("kinds_meaningful", p >= threshold):
            figs.append(figures.class_bar_figure(prediction["kinds"]))
        for fig in figs:
            fig.update_layout(width=500, autosize=False)  # fixed: flex boxes clip autosized gauges
            figures_html.append(fig.to_html(full_html=False, include_plotlyjs=not plotly_included,
                                            config={"displaylogo": False}))
            plotly_included = True
    else:
        verdict = record.get("verdict") or {}
        parts.append(f"<p><span class='verdict none'>No model verdict</span> "
                     f"<span class='meta'>{html.escape(str(verdict.get('message') or verdict.get('status') or ''))}</span></p>")
    if figures_html:
        parts.append("<div class='plots'>" + "".join(f"<div>{f}</div>" for f in figures_html) + "</div>")
    photo, evidence = visual.get("photo"), visual.get("evidence")
    if photo is not None and evidence is not None:
        parts.append(
            "<div class='pair'>"
            f"<figure><img alt='photo' src='{jpeg_uri(photo)}'><figcaption>Photo</figcaption></figure>"
            f"<figure><img alt='error levels' src='{png_uri(evidence)}'><figcaption>Error levels at JPEG quality "
            f"{quality} ({gain})</figcaption></figure></div>"
        )
        if zoom:
            fig = figures.ela_figure(photo, evidence, title="Zoom in: photo and error levels (linked)",
                                     max_side=768)
            parts.append(fig.to_html(full_html=False, include_plotlyjs=not plotly_included,
                                     config={"displaylogo": False}))
            plotly_included = True
    elif visual.get("evidence_error"):
        parts.append(f"<p class='meta'>The error-level image could not be drawn: "
                     f"{html.escape(str(visual['evidence_error']))}</p>")
    maps = [m for m in visual.get("maps") or () if m.get("image") is not None]
    if maps:
        parts.append("<h3>Maps of the methods that found something</h3><div class='pair maps'>" + "".join(
            f"<figure><img alt='{html.escape(str(m.get('title', '')))}' src='{png_uri(m['image'])}'>"
            f"<figcaption><b>{html.escape(str(m.get('title', '')))}</b> {html.escape(str(m.get('caption', '')))}"
            "</figcaption></figure>" for m in maps) + "</div>")
    parts.append(_findings_table(record.get("findings") or []))
    parts.append(_methods_table(record.get("analyses") or {}))
    return parts, plotly_included


def _methods_table(analyses: Mapping[str, Mapping]) -> str:
    """What each registered method that ran said, in one line each (from the plain records)."""
    if not analyses:
        return ""
    rows = []
    for name, result in analyses.items():
        score = result.get("score")
        heat = result.get("heatmap")
        drawn = (f"map on {heat['cell']}-px cells, {heat['direction']} is suspicious, "
                 f"{heat['analysed_fraction']:.0%} analysed") if heat else "findings only"
        n = len(result.get("findings") or [])
        rows.append(f"<tr><td>{html.escape(str(name))}</td><td>{'–' if score is None else f'{score:.3g}'}</td>"
                    f"<td>{html.escape(drawn)}</td><td>{n}</td></tr>")
    return ("<table><tr><th>Method</th><th>Score (higher = more suspicious)</th><th>Evidence</th>"
            f"<th>Findings</th></tr>{''.join(rows)}</table>")


def _truth_text(truth: dict) -> str:
    cls = truth.get("class_name") or {0: "real", 1: "edited"}.get(truth.get("label"), "?")
    text = "authentic" if cls == "real" else str(cls)
    if truth.get("kind"):
        text += f" ({truth['kind']})"
    if truth.get("detail"):
        text += f": {truth['detail']}"
    return text


def _summary_table(records: list[Mapping]) -> str:
    from .display import VERDICT_HEADLINES

    rows = []
    for record in records:
        prediction = record.get("prediction") or {}
        p = prediction.get("p_edited")
        q = record.get("jpeg_quality")
        status = (record.get("verdict") or {}).get("status", "")
        answer = VERDICT_HEADLINES.get(prediction.get("verdict"), (prediction.get("label"),))[0]
        verdict = html.escape("could not be read" if record.get("error") else answer or status)
        n = "–" if record.get("error") else sum(f.get("severity") in ("notice", "warning")
                                               for f in record.get("findings") or [])
        rows.append(f"<tr><td>{html.escape(str(record.get('name')))}</td><td>{verdict}</td>"
                    f"<td>{'–' if p is None else f'{p:.2f}'}</td><td>{'–' if q is None else f'{q:.0f}'}</td>"
                    f"<td>{n}</td><td class='error'>{html.escape(str(record.get('error') or ''))}</td></tr>")
    return ("<table><tr><th>File</th><th>Verdict</th><th>p(edited)</th><th>JPEG quality</th>"
            f"<th>Findings</th><th>Error</th></tr>{''.join(rows)}</table>")


def _findings_table(findings: list[Mapping]) -> str:
    if not findings:
        return "<p class='meta'>No findings from the file's JPEG tables or metadata.</p>"
    order = {"warning": 0, "notice": 1, "info": 2}
    rows = "".join(f"<tr><td class='sev-{html.escape(str(f.get('severity')))}'>{html.escape(str(f.get('severity')))}</td>"
                   f"<td>{html.escape(str(f.get('message')))}</td></tr>"
                   for f in sorted(findings, key=lambda f: order.get(f.get("severity"), 3)))
    return f"<table><tr><th>Severity</th><th>Finding</th></tr>{rows}</table>"
