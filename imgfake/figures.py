"""Plotly figures drawn from the plain data of :mod:`imgfake.learn.evaluation` and :mod:`imgfake.forensics.ela`.

Every function takes plain data (dicts, lists, arrays) that was computed elsewhere and returns a
``plotly.graph_objects.Figure``; nothing here computes a metric, reads a file or shows a figure.
Call ``fig.show()`` (or put the figure in a widget) yourself.

Examples
--------
>>> from imgfake.learn.evaluation import roc_curve_data
>>> fig = roc_figure({"ELA-CNN": roc_curve_data([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])})
>>> [trace.name for trace in fig.data]
['chance', 'ELA-CNN — AUC 0.750']
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

__all__ = [
    "TEMPLATE", "roc_figure", "pr_figure", "confusion_figure", "calibration_figure", "subgroup_figure",
    "ela_figure", "ela_sweep_figure", "resave_figure", "probability_gauge", "class_bar_figure",
    "methods_figure", "method_cases_figure",
]

#: Plotly template shared by every imgfake figure.
TEMPLATE = "plotly_white"
_EDITED, _REAL, _GREY = "#d62728", "#2ca02c", "#888888"


def _finish(fig: go.Figure, title: str | None, *, height: int = 450, **layout) -> go.Figure:
    layout.setdefault("margin", dict(l=60, r=30, t=70 if title else 30, b=50))
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        title=dict(text=title, x=0.02) if title else None,
        **layout,
    )
    return fig


def _with_ci(label: str, value: float | None, ci: Sequence[float] | None, level: float) -> str:
    if value is None:
        return label
    text = f"{label} {value:.3f}"
    if ci:
        text += f" ({level:.0%} CI {ci[0]:.3f}–{ci[1]:.3f})"
    return text


def _hover_thresholds(thresholds: Sequence[float | None]) -> list[str]:
    return ["above all scores" if t is None else f"{t:.4g}" for t in thresholds]


# --- evaluation ----------------------------------------------------------------------------------


def roc_figure(curves: Mapping[str, Mapping], *, title: str = "ROC curve") -> go.Figure:
    """ROC curves of several models on one chart, with the chance diagonal.

    Parameters
    ----------
    curves : mapping of str to dict
        Model name → :func:`imgfake.learn.evaluation.roc_curve_data` output (``fpr``, ``tpr`` and
        optionally ``thresholds``, ``auc``, ``ci``, ``ci_level``).
    title : str, default "ROC curve"

    Returns
    -------
    plotly.graph_objects.Figure
        One line per model (AUC and interval in the legend) after the diagonal.
    """
    if not curves:
        raise ValueError("curves must hold at least one model's ROC data, got an empty mapping")
    fig = go.Figure(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="chance",
            line=dict(dash="dash", color=_GREY),
            hoverinfo="skip",
        )
    )
    for name, data in curves.items():
        label = _with_ci(
            f"{name} — AUC", data.get("auc"), data.get("ci"), data.get("ci_level", 0.95)
        )
        fig.add_trace(
            go.Scatter(
                x=list(data["fpr"]),
                y=list(data["tpr"]),
                mode="lines",
                name=label,
                customdata=_hover_thresholds(data.get("thresholds", [None] * len(data["fpr"]))),
                hovertemplate=(
                    "FPR %{x:.3f}<br>TPR %{y:.3f}<br>threshold %{customdata}<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(
        title="False positive rate (real photos flagged)", range=[0, 1], constrain="domain"
    )
    fig.update_yaxes(title="True positive rate (edits caught)", range=[0, 1.02], scaleanchor="x")
    return _finish(
        fig, title, height=520, legend=dict(x=0.98, y=0.02, xanchor="right", yanchor="bottom")
    )


def pr_figure(curves: Mapping[str, Mapping], *, title: str = "Precision–recall curve") -> go.Figure:
    """Precision–recall curves of several models, with the chance level (prevalence).

    Parameters
    ----------
    curves : mapping of str to dict
        Model name → :func:`imgfake.learn.evaluation.pr_curve_data` output (``precision``,
        ``recall`` and optionally ``average_precision``, ``ci``, ``ci_level``, ``prevalence``).
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        One line per model, then one dashed chance line per distinct prevalence.
    """
    if not curves:
        raise ValueError("curves must hold at least one model's PR data, got an empty mapping")
    fig = go.Figure()
    for name, data in curves.items():
        label = _with_ci(
            f"{name} — AP",
            data.get("average_precision"),
            data.get("ci"),
            data.get("ci_level", 0.95),
        )
        fig.add_trace(
            go.Scatter(
                x=list(data["recall"]),
                y=list(data["precision"]),
                mode="lines",
                name=label,
                line=dict(shape="hv"),
                hovertemplate="recall %{x:.3f}<br>precision %{y:.3f}<extra></extra>",
            )
        )
    prevalences = sorted({round(d["prevalence"], 6) for d in curves.values() if "prevalence" in d})
    for prevalence in prevalences:
        fig.add_trace(
            go.Scatter(
                x=[0, 1],
                y=[prevalence, prevalence],
                mode="lines",
                name=f"chance ({prevalence:.0%} edited)",
                hoverinfo="skip",
                line=dict(dash="dash", color=_GREY),
            )
        )
    fig.update_xaxes(title="Recall (edits caught)", range=[0, 1])
    fig.update_yaxes(title="Precision (flagged photos that are edited)", range=[0, 1.02])
    return _finish(fig, title, height=520, legend=dict(x=0.02, y=0.02, yanchor="bottom"))


def confusion_figure(
    cm: Sequence[Sequence[int]], class_names: Sequence[str], *, title: str = "Confusion matrix"
) -> go.Figure:
    """Heatmap of a confusion matrix with counts and row percentages in the cells.

    Parameters
    ----------
    cm : (k, k) nested lists or array of int
        Rows are the true class, columns the predicted one (as
        :func:`imgfake.learn.evaluation.classification_metrics` returns ``[[tn, fp], [fn, tp]]``).
    class_names : sequence of str, length k
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        One ``go.Heatmap``; colour is the share of each true class (row), so rare classes show.
    """
    counts = np.asarray(cm, dtype=np.int64)
    names = [str(c) for c in class_names]
    if counts.ndim != 2 or counts.shape != (len(names), len(names)):
        raise ValueError(
            f"cm must be {len(names)}×{len(names)} for {len(names)} class names, "
            f"got shape {counts.shape}"
        )
    row_share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    text = [[f"{c:,}<br>{r:.0%}" for c, r in zip(cr, rr)] for cr, rr in zip(counts, row_share)]
    fig = go.Figure(
        go.Heatmap(
            z=row_share.tolist(),
            x=names,
            y=names,
            text=text,
            texttemplate="%{text}",
            customdata=counts.tolist(),
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar=dict(title="share of row", tickformat=".0%"),
            hovertemplate="true %{y}<br>predicted %{x}<br>%{customdata:,} images<extra></extra>",
        )
    )
    fig.update_xaxes(title="Predicted", side="bottom")
    fig.update_yaxes(title="True", autorange="reversed")
    side = 260 + 60 * len(names)
    return _finish(fig, title, height=min(side, 800), width=min(side + 120, 920))


def calibration_figure(cal: Mapping, *, title: str = "Calibration") -> go.Figure:
    """Reliability diagram over a histogram of how many images fall in each bin.

    Parameters
    ----------
    cal : dict
        :func:`imgfake.learn.evaluation.calibration_data` output (``mean_predicted``,
        ``observed_fraction``, ``counts``; ``brier`` and ``ece`` are shown when present).
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        Diagonal, calibration line (top panel) and bin counts (bottom panel): three traces.
    """
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.05
    )
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="perfectly calibrated",
            line=dict(dash="dash", color=_GREY),
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=list(cal["mean_predicted"]),
            y=list(cal["observed_fraction"]),
            mode="lines+markers",
            name="model",
            customdata=list(cal["counts"]),
            hovertemplate=(
                "predicted %{x:.3f}<br>observed %{y:.3f}<br>%{customdata} images<extra></extra>"
            ),
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=list(cal["mean_predicted"]),
            y=list(cal["counts"]),
            name="images per bin",
            marker_color=_GREY,
            showlegend=False,
            width=0.02,
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(title="Observed share edited", range=[0, 1.02], row=1, col=1)
    fig.update_yaxes(title="Images", row=2, col=1)
    fig.update_xaxes(title="Mean predicted probability", range=[0, 1], row=2, col=1)
    scores = [f"{key} {cal[key]:.3f}" for key in ("brier", "ece") if cal.get(key) is not None]
    full = f"{title} ({', '.join(scores)})" if scores else title
    return _finish(fig, full, height=520, legend=dict(x=0.02, y=0.98))


def subgroup_figure(
    subgroups: Mapping[str, Mapping],
    *,
    metrics: Sequence[str] = ("auc", "recall", "accuracy"),
    title: str = "Performance by subgroup",
) -> go.Figure:
    """Grouped bars of per-subgroup metrics, with AUC intervals as error bars.

    Parameters
    ----------
    subgroups : mapping of str to dict
        :func:`imgfake.learn.evaluation.subgroup_metrics` output.
    metrics : sequence of str, default ("auc", "recall", "accuracy")
        Keys of each subgroup's dict to draw, one bar trace each. A missing (None) value draws
        no bar; its reason shows on hover.
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
    """
    if not subgroups:
        raise ValueError("subgroups must hold at least one group, got an empty mapping")
    names = list(subgroups)
    labels = [f"{g}<br>n={subgroups[g].get('n', '?')}" for g in names]
    fig = go.Figure()
    for metric in metrics:
        values = [subgroups[g].get(metric) for g in names]
        notes = [subgroups[g].get(f"{metric}_reason") or "" for g in names]
        error = None
        if metric == "auc" and any(subgroups[g].get("auc_ci") for g in names):
            cis = [subgroups[g].get("auc_ci") or [v, v] for g, v in zip(names, values)]
            error = dict(
                type="data",
                symmetric=False,
                array=[(c[1] - v) if v is not None else 0 for c, v in zip(cis, values)],
                arrayminus=[(v - c[0]) if v is not None else 0 for c, v in zip(cis, values)],
            )
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=metric.upper() if metric == "auc" else metric,
                error_y=error,
                customdata=notes,
                hovertemplate="%{x}<br>%{y:.3f}<br>%{customdata}<extra></extra>",
            )
        )
    fig.update_yaxes(title="Score", range=[0, 1.05])
    return _finish(fig, title, height=420, barmode="group")


# --- ELA -----------------------------------------------------------------------------------------


def _for_display(pixels: np.ndarray, max_side: int | None) -> np.ndarray:
    array = np.asarray(pixels)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(
            f"images must be uint8 (H, W) or (H, W, 3), got {array.dtype} {array.shape}"
        )
    height, width = array.shape[:2]
    if max_side and max(height, width) > max_side:
        scale = max_side / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        array = np.asarray(Image.fromarray(array).resize(size, Image.Resampling.BOX))
    return array


def ela_figure(
    pixels: np.ndarray,
    ela_img: np.ndarray,
    *,
    title: str | None = None,
    max_side: int | None = 1024,
) -> go.Figure:
    """The photo and its error-level image side by side; zooming one zooms the other.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
        The photo.
    ela_img : ndarray of uint8, shape (H, W) or (H, W, 3)
        A display image from :func:`imgfake.forensics.ela.ela_image` (already gained for viewing).
    title : str, optional
    max_side : int or None, default 1024
        Both images are box-downscaled for display so the longer side is at most this
        (a 12-megapixel photo would make a very heavy figure); None keeps full size.

    Returns
    -------
    plotly.graph_objects.Figure
        Two ``go.Image`` traces on shared (linked) axes with square pixels.
    """
    photo, errors = _for_display(pixels, max_side), _for_display(ela_img, max_side)
    if photo.shape != errors.shape:
        raise ValueError(
            f"pixels {np.shape(pixels)} and ela_img {np.shape(ela_img)} differ in size"
        )
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_xaxes="all",
        shared_yaxes="all",
        horizontal_spacing=0.02,
        subplot_titles=("Photo", "Error level (ELA)"),
    )
    fig.add_trace(go.Image(z=photo, name="photo"), row=1, col=1)
    fig.add_trace(go.Image(z=errors, name="error level"), row=1, col=2)
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_yaxes(scaleanchor="x", row=1, col=1)
    fig.update_yaxes(scaleanchor="x2", row=1, col=2)
    fig.update_xaxes(showticklabels=False, constrain="domain")
    height, width = photo.shape[:2]
    fig_height = int(np.clip(420 * height / width + 80, 300, 800))
    return _finish(fig, title, height=fig_height)


def _mean_level(stats) -> float:
    if isinstance(stats, Mapping):
        return float(stats["mean"])
    if hasattr(stats, "mean") and not isinstance(stats, np.ndarray):
        return float(stats.mean)
    return float(stats)


def ela_sweep_figure(
    stats_by_quality: Mapping[int, object],
    *,
    mark_quality: int | None = None,
    title: str = "Error level across re-save qualities",
) -> go.Figure:
    """Mean error level against the JPEG quality of the ELA re-save.

    Parameters
    ----------
    stats_by_quality : mapping of int to float, dict or ResidualStats
        Quality → mean error level (a float, a dict with ``"mean"``, or
        :class:`imgfake.forensics.ela.ResidualStats` from :func:`imgfake.forensics.ela.ela_stats`).
    mark_quality : int, optional
        Draw a vertical line here, e.g. the file's estimated JPEG quality (where the error
        level usually dips).
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        One line trace, qualities ascending.
    """
    if not stats_by_quality:
        raise ValueError("stats_by_quality must hold at least one quality, got an empty mapping")
    qualities = sorted(int(q) for q in stats_by_quality)
    means = [_mean_level(stats_by_quality[q]) for q in qualities]
    fig = go.Figure(
        go.Scatter(
            x=qualities,
            y=means,
            mode="lines+markers",
            name="mean error level",
            hovertemplate="quality %{x}<br>mean error %{y:.2f}<extra></extra>",
        )
    )
    if mark_quality is not None:
        fig.add_vline(
            x=mark_quality,
            line_dash="dot",
            line_color=_EDITED,
            annotation_text=f"estimated quality {mark_quality}",
        )
    fig.update_xaxes(title="JPEG quality of the re-save")
    fig.update_yaxes(title="Mean error level (grey levels)", rangemode="tozero")
    return _finish(fig, title, height=380)


def resave_figure(
    levels: Sequence[float] | Mapping[int, float],
    *,
    title: str = "Error level after repeated re-saves",
) -> go.Figure:
    """Mean error level against the number of times the image was re-saved.

    Parameters
    ----------
    levels : sequence of float, or mapping of int to float
        ``levels[k]`` is the mean error level after ``k`` re-saves (``k = 0`` is the image as
        received); a mapping gives the counts explicitly.
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        One line trace; error levels normally shrink as JPEG settles into a fixed point.
    """
    pairs = sorted(levels.items()) if isinstance(levels, Mapping) else list(enumerate(levels))
    if not pairs:
        raise ValueError("levels must hold at least one error level, got none")
    fig = go.Figure(
        go.Scatter(
            x=[int(k) for k, _ in pairs],
            y=[float(v) for _, v in pairs],
            mode="lines+markers",
            name="mean error level",
            hovertemplate="%{x} re-saves<br>mean error %{y:.2f}<extra></extra>",
        )
    )
    fig.update_xaxes(title="Number of re-saves", dtick=1)
    fig.update_yaxes(title="Mean error level (grey levels)", rangemode="tozero")
    return _finish(fig, title, height=380)


# --- prediction ----------------------------------------------------------------------------------


def probability_gauge(
    p_edited: float, *, threshold: float = 0.5, title: str | None = None
) -> go.Figure:
    """A gauge of the model's edited-score with the decision threshold marked.

    Parameters
    ----------
    p_edited : float in [0, 1]
        The model's score for "edited".
    threshold : float in [0, 1], default 0.5
        Scores at or above it are called edited (the threshold stored with the model).
    title : str, optional
        Defaults to a plain-words verdict.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``go.Indicator`` (gauge + number, in percent).
    """
    for label, value in (("p_edited", p_edited), ("threshold", threshold)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.number))
            or not 0 <= value <= 1
        ):
            raise ValueError(f"{label} must be a number between 0 and 1, got {value!r}")
    edited = p_edited >= threshold
    if title is None:
        verdict = "Probably edited" if edited else "No strong sign of editing"
        side = "at or above" if edited else "below"
        title = f"{verdict}: score {p_edited:.0%}, {side} the {threshold:.0%} threshold"
    fig = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=100 * float(p_edited),
            number=dict(suffix="%", valueformat=".0f"),
            title=dict(text=title, font=dict(size=15)),
            gauge=dict(
                axis=dict(range=[0, 100], ticksuffix="%"),
                bar=dict(color=_EDITED if edited else _REAL),
                steps=[
                    dict(range=[0, 100 * threshold], color="#e8f5e9"),
                    dict(range=[100 * threshold, 100], color="#fdecea"),
                ],
                threshold=dict(
                    line=dict(color="black", width=3), thickness=0.8, value=100 * threshold
                ),
            ),
        )
    )
    return _finish(fig, None, height=300, margin=dict(l=30, r=30, t=80, b=20))


def class_bar_figure(probs: Mapping[str, float], *, title: str = "What kind of edit?") -> go.Figure:
    """Horizontal bars of class probabilities, most likely on top.

    Parameters
    ----------
    probs : mapping of str to float
        Class name → probability (e.g. the stage-2 kind-of-edit head).
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        One ``go.Bar`` trace.
    """
    if not probs:
        raise ValueError("probs must hold at least one class, got an empty mapping")
    ranked = sorted(probs.items(), key=lambda item: item[1])  # plotly draws bottom-up
    fig = go.Figure(
        go.Bar(
            x=[float(p) for _, p in ranked],
            y=[str(c) for c, _ in ranked],
            orientation="h",
            text=[f"{p:.0%}" for _, p in ranked],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title="Probability")
    return _finish(fig, title, height=120 + 40 * len(ranked))


def methods_figure(bench: Mapping, *, metric: str = "f1_best", title: str | None = None) -> go.Figure:
    """Methods × kinds of forgery coloured by `metric` (:func:`imgfake.learn.bench.bench_methods`), n edited
    per kind; with ``"auc"`` (``[auc, low, high]``) cells show the 95 % interval, scored methods only."""
    rows = {m: r.get(metric, {}) for m, r in bench["methods"].items() if metric != "auc" or r.get(metric)}
    kinds = sorted({k for row in rows.values() for k in row})
    cells = [[row.get(k) for k in kinds] for row in rows.values()]
    text = [["–" if v is None else f"{v[0]:.2f}<br>[{v[1]:.2f}, {v[2]:.2f}]" if isinstance(v, (list, tuple))
             else f"{v:.2f}" for v in line] for line in cells]
    z = [[v[0] if isinstance(v, (list, tuple)) else v for v in line] for line in cells]
    x = [f"{k}<br>n={bench['counts'][k]}" if k in bench.get("counts", {}) else k for k in kinds]
    fig = go.Figure(go.Heatmap(z=z, x=x, y=list(rows), text=text, texttemplate="%{text}", zmin=0, zmax=1,
                               colorscale="Viridis", colorbar=dict(title=metric)))
    fig.update_yaxes(autorange="reversed")  # the first method on top
    return _finish(fig, title or f"{metric} per method and kind of forgery", height=max(300, 160 + 48 * len(rows)))


def method_cases_figure(method: str, cases: Sequence[Mapping], *, max_side: int = 256,
                        title: str | None = None) -> go.Figure:
    """One row per case: the photo, `method`'s evidence map (brighter = more suspicious), the mask.

    `cases`: ``{"caption", "pixels", "result", "mask"}`` each: the row's caption, the photo (uint8
    H×W×3), the method's ``AnalysisResult`` on it and the true mask (bool H×W or None), as
    :func:`imgfake.learn.bench.load_case` gives them. Panels are embedded as JPEG, at most
    `max_side` pixels a side.
    """
    from .display import display_factor, evidence_image
    from .io import encode_jpeg

    titles = [t for case in cases for t in (case["caption"], f"{method} map", "mask (white: edited)")]
    fig = make_subplots(rows=len(cases), cols=3, horizontal_spacing=0.01, vertical_spacing=0.08, subplot_titles=titles)
    for row, case in enumerate(cases, start=1):
        h, w = case["pixels"].shape[:2]
        evidence, _ = evidence_image(case["result"], display_factor(h, w, max_side=max_side), height=h, width=w)
        mask = np.zeros((h, w), bool) if case["mask"] is None else np.asarray(case["mask"], bool)
        for col, panel in enumerate((case["pixels"], evidence, mask.astype(np.uint8) * 255), start=1):
            data = encode_jpeg(_for_display(panel, max_side), quality=85, subsampling="4:4:4")
            fig.add_trace(go.Image(source="data:image/jpeg;base64," + base64.b64encode(data).decode()), row=row, col=col)
    for i in range(1, 3 * len(cases) + 1):  # square pixels, no ticks
        fig.layout[f"yaxis{i if i > 1 else ''}"].update(scaleanchor=f"x{i if i > 1 else ''}", autorange="reversed")
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False)
    return _finish(fig, title, height=80 + 230 * len(cases))
