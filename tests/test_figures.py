"""imgfake.figures: each figure is built from small plain data and shows that data (no render)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from imgfake.forensics.ela import ela_stats
from imgfake.learn.evaluation import (
    calibration_data,
    classification_metrics,
    pr_curve_data,
    roc_curve_data,
    subgroup_metrics,
)
from imgfake.figures import (
    TEMPLATE,
    calibration_figure,
    class_bar_figure,
    confusion_figure,
    ela_figure,
    ela_sweep_figure,
    method_cases_figure,
    methods_figure,
    pr_figure,
    probability_gauge,
    resave_figure,
    roc_figure,
    subgroup_figure,
)

Y = np.array([0, 0, 0, 1, 1, 1, 0, 1])
S = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.6, 0.9])


def _types(fig: go.Figure) -> list[str]:
    return [trace.type for trace in fig.data]


def _check_common(fig: go.Figure) -> None:
    assert isinstance(fig, go.Figure)
    assert fig.layout.template == pio.templates[TEMPLATE]
    assert fig.layout.height and 200 <= fig.layout.height <= 900


def test_roc_figure_shows_each_model_with_auc_and_ci():
    curves = {"cnn": roc_curve_data(Y, S, n_boot=50), "logreg": roc_curve_data(Y, 1 - S)}
    fig = roc_figure(curves)
    _check_common(fig)
    assert _types(fig) == ["scatter"] * 3
    assert list(fig.data[0].x) == [0, 1] and fig.data[0].line.dash == "dash"
    assert (
        list(fig.data[1].x) == curves["cnn"]["fpr"] and list(fig.data[1].y) == curves["cnn"]["tpr"]
    )
    assert f"AUC {curves['cnn']['auc']:.3f}" in fig.data[1].name and "95% CI" in fig.data[1].name
    assert "CI" not in fig.data[2].name and fig.data[2].name.startswith("logreg")
    assert fig.layout.yaxis.scaleanchor == "x"


def test_pr_figure_has_models_and_chance_line():
    curves = {"cnn": pr_curve_data(Y, S), "rf": pr_curve_data(Y, S[::-1])}
    fig = pr_figure(curves)
    _check_common(fig)
    assert _types(fig) == ["scatter"] * 3  # same prevalence → one chance line
    assert list(fig.data[0].y) == curves["cnn"]["precision"]
    assert list(fig.data[2].y) == [0.5, 0.5] and "chance" in fig.data[2].name
    assert f"AP {curves['rf']['average_precision']:.3f}" in fig.data[1].name


def test_confusion_figure_puts_counts_in_cells():
    cm = classification_metrics(Y, S, threshold=0.5)["confusion_matrix"]
    fig = confusion_figure(cm, ["real", "edited"])
    _check_common(fig)
    assert _types(fig) == ["heatmap"]
    heat = fig.data[0]
    assert [list(row) for row in heat.customdata] == cm
    assert list(heat.x) == ["real", "edited"] and heat.text[0][0].startswith(f"{cm[0][0]}")
    assert np.allclose(np.asarray(heat.z).sum(axis=1), 1.0)
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        confusion_figure(cm, ["a", "b", "c"])


def test_calibration_figure():
    rng = np.random.default_rng(0)
    p = rng.random(500)
    cal = calibration_data((rng.random(500) < p).astype(int), p, n_bins=5)
    fig = calibration_figure(cal)
    _check_common(fig)
    assert _types(fig) == ["scatter", "scatter", "bar"]
    assert list(fig.data[1].x) == cal["mean_predicted"]
    assert list(fig.data[1].y) == cal["observed_fraction"]
    assert list(fig.data[2].y) == cal["counts"]
    assert "brier" in fig.layout.title.text


def test_subgroup_figure_draws_missing_auc_as_no_bar():
    groups = [None, None, None, "easy", "hard", "hard", None, "easy"]
    data = subgroup_metrics(Y, S, groups, threshold=0.5, n_boot=20)
    fig = subgroup_figure(data)
    _check_common(fig)
    assert _types(fig) == ["bar"] * 3
    auc = fig.data[0]
    assert list(auc.y) == [data[g]["auc"] for g in data]
    assert auc.y[-1] is None and "no edited" in auc.customdata[-1]
    assert auc.error_y.array is not None
    assert list(fig.data[1].y) == [data[g]["recall"] for g in data]
    assert fig.layout.barmode == "group" and "n=2" in auc.x[0]


def test_ela_figure_links_the_two_images():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (24, 40, 3), dtype=np.uint8)
    ela_grey = rng.integers(0, 256, (24, 40), dtype=np.uint8)
    fig = ela_figure(pixels, ela_grey, title="photo.jpg")
    _check_common(fig)
    assert _types(fig) == ["image", "image"]
    assert np.array_equal(fig.data[0].z, pixels)
    assert np.array_equal(np.asarray(fig.data[1].z)[..., 1], ela_grey)
    assert fig.layout.xaxis2.matches == "x" and fig.layout.yaxis2.matches == "y"
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.title.text == "photo.jpg"
    small = ela_figure(pixels, ela_grey, max_side=20)
    assert np.asarray(small.data[0].z).shape == (12, 20, 3)
    with pytest.raises(ValueError, match="differ in size"):
        ela_figure(pixels, ela_grey[:10])


def test_ela_sweep_figure_accepts_stats_dicts_and_floats():
    residual = np.random.default_rng(0).random((8, 8)).astype(np.float32)
    stats = {90: ela_stats(residual), 70: {"mean": 4.0}, 80: 2.5}
    fig = ela_sweep_figure(stats, mark_quality=85)
    _check_common(fig)
    assert _types(fig) == ["scatter"]
    assert list(fig.data[0].x) == [70, 80, 90]
    assert list(fig.data[0].y) == pytest.approx([4.0, 2.5, float(residual.mean())])
    assert fig.layout.shapes[0].x0 == 85


def test_resave_figure():
    fig = resave_figure([3.0, 1.2, 0.6, 0.5])
    _check_common(fig)
    assert _types(fig) == ["scatter"]
    assert list(fig.data[0].x) == [0, 1, 2, 3] and list(fig.data[0].y) == [3.0, 1.2, 0.6, 0.5]
    assert list(resave_figure({2: 1.0, 1: 2.0}).data[0].x) == [1, 2]


@pytest.mark.parametrize("p, words", [(0.83, "Probably edited"), (0.2, "No strong sign")])
def test_probability_gauge_says_it_in_words(p, words):
    fig = probability_gauge(p, threshold=0.6)
    _check_common(fig)
    assert _types(fig) == ["indicator"]
    gauge = fig.data[0]
    assert gauge.value == pytest.approx(100 * p) and gauge.gauge.threshold.value == pytest.approx(
        60
    )
    assert gauge.title.text.startswith(words) and "60%" in gauge.title.text
    with pytest.raises(ValueError, match="1.5"):
        probability_gauge(1.5)


def test_class_bar_figure_ranks_classes():
    probs = {"splice": 0.1, "copy-move": 0.7, "retouch": 0.2}
    fig = class_bar_figure(probs)
    _check_common(fig)
    assert _types(fig) == ["bar"]
    bar = fig.data[0]
    assert list(bar.y) == ["splice", "retouch", "copy-move"]  # drawn bottom-up: most likely on top
    assert list(bar.x) == [0.1, 0.2, 0.7] and list(bar.text) == ["10%", "20%", "70%"]


def test_empty_inputs_are_refused():
    for build in (roc_figure, pr_figure, subgroup_figure, class_bar_figure, ela_sweep_figure):
        with pytest.raises(ValueError, match="empty"):
            build({})


BENCH = {
    "counts": {"authentic": 6, "splice": 2, "copy-move": 3},
    "methods": {
        "adjpg": {"auc": {"splice": [0.75, 0.5, 1.0], "copy-move": [0.5, 0.25, 0.75]},
                  "f1_best": {"splice": 0.4, "copy-move": 0.2}},
        "ela": {"auc": {}, "f1_best": {"splice": 0.3, "copy-move": 0.35}},
    },
}


def test_methods_figure_shows_auc_intervals_for_scored_methods_and_counts_per_kind():
    fig = methods_figure(BENCH, metric="auc")
    _check_common(fig)
    heat = fig.data[0]
    assert list(heat.y) == ["adjpg"], "ELA has no image-level score, so no AUC row"
    assert list(heat.x) == ["copy-move<br>n=3", "splice<br>n=2"]
    assert [list(row) for row in heat.z] == [[0.5, 0.75]]
    assert [list(row) for row in heat.text] == [["0.50<br>[0.25, 0.75]", "0.75<br>[0.50, 1.00]"]]
    f1 = methods_figure(BENCH)
    assert list(f1.data[0].y) == ["adjpg", "ela"] and list(f1.data[0].text[1]) == ["0.35", "0.30"]
    assert f1.layout.yaxis.autorange == "reversed"  # the first method on top


def test_method_cases_figure_shows_photo_map_and_mask_per_case():
    from imgfake.results import AnalysisResult

    pixels = np.zeros((40, 64, 3), np.uint8)
    heat = np.zeros((5, 8), np.float32)
    heat[1:3, 2:4] = 1.0
    result = AnalysisResult(name="x", heatmap=heat, cell=8, direction="high", units="level")
    mask = np.zeros((40, 64), bool)
    mask[8:24, 16:32] = True
    cases = [{"caption": "best", "pixels": pixels, "result": result, "mask": mask},
             {"caption": "worst", "pixels": pixels, "result": result, "mask": None}]
    fig = method_cases_figure("x", cases, title="x on two images")
    _check_common(fig)
    assert _types(fig) == ["image"] * 6
    assert all(trace.source.startswith("data:image/jpeg;base64,") for trace in fig.data)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["best", "x map", "mask (white: edited)", "worst", "x map", "mask (white: edited)"]
    assert fig.layout.yaxis5.scaleanchor == "x5"
