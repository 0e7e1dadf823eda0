"""Known answers for imgfake.learn.evaluation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from imgfake.learn.evaluation import (
    average_precision,
    brier_score,
    calibration_data,
    choose_threshold,
    classification_metrics,
    evaluate_scores,
    fit_platt,
    fit_temperature,
    multiclass_metrics,
    pr_auc_ci,
    pr_curve_data,
    roc_auc,
    roc_auc_ci,
    roc_curve_data,
    subgroup_metrics,
)

Y = np.array([0, 0, 0, 1, 1, 1])
PERFECT = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])


def _random_scores(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, n), rng.random(n)


def test_perfect_and_reversed_scores():
    assert roc_auc_ci(Y, PERFECT, n_boot=200) == (1.0, 1.0, 1.0)
    assert pr_auc_ci(Y, PERFECT, n_boot=200) == (1.0, 1.0, 1.0)
    assert roc_auc_ci(Y, 1 - PERFECT, n_boot=200) == (0.0, 0.0, 0.0)


def test_random_scores_give_chance_auc_with_an_interval_around_it():
    y, s = _random_scores()
    auc, low, high = roc_auc_ci(y, s, n_boot=1000, seed=0)
    assert 0.45 < auc < 0.55 and low < 0.5 < high and high - low < 0.1
    ap, low, high = pr_auc_ci(y, s, n_boot=1000, seed=0)
    assert low < y.mean() < high


def test_areas_match_scikit_learn_including_ties():
    rng = np.random.default_rng(3)
    for _ in range(30):
        y = np.r_[0, 1, rng.integers(0, 2, 40)]
        s = rng.integers(0, 6, y.size) / 5.0  # many ties
        assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
        assert average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-12)


def test_curves_match_scikit_learn_including_ties():
    rng = np.random.default_rng(4)
    for trial in range(30):
        y = np.r_[0, 1, rng.integers(0, 2, 50)]
        s = rng.integers(0, 8, y.size) / 7.0 if trial % 2 else rng.random(y.size)
        roc = roc_curve_data(y, s)
        fpr, tpr, thresholds = roc_curve(y, s)
        assert np.allclose(roc["fpr"], fpr) and np.allclose(roc["tpr"], tpr)
        assert np.allclose(roc["thresholds"][1:], thresholds[1:])
        pr = pr_curve_data(y, s)
        precision, recall, thresholds = precision_recall_curve(y, s, drop_intermediate=True)
        assert np.allclose(pr["precision"], precision) and np.allclose(pr["recall"], recall)
        assert np.allclose(pr["thresholds"], thresholds)


def test_bootstrap_is_stratified_and_reproducible():
    y, s = _random_scores(300, seed=1)
    assert roc_auc_ci(y, s, n_boot=100, seed=7) == roc_auc_ci(y, s, n_boot=100, seed=7)
    # one positive among many negatives: a plain bootstrap would often draw no positive at all
    y = np.r_[1, np.zeros(50, int)]
    s = np.r_[0.9, np.linspace(0, 1, 50)]
    auc, low, high = roc_auc_ci(y, s, n_boot=200)
    assert auc == pytest.approx(0.9) and 0 <= low <= auc <= high <= 1  # finite, never NaN


def test_curve_data_is_plain_lists():
    roc = roc_curve_data(Y, PERFECT, n_boot=50)
    assert roc["fpr"][0] == 0 and roc["tpr"][-1] == 1 and roc["auc"] == 1.0
    assert roc["ci"] == [1.0, 1.0] and roc["thresholds"][0] is None
    assert len(roc["fpr"]) == len(roc["tpr"]) == len(roc["thresholds"])
    pr = pr_curve_data(Y, PERFECT)
    assert pr["ci"] is None and pr["prevalence"] == 0.5 and pr["average_precision"] == 1.0
    assert len(pr["precision"]) == len(pr["recall"]) == len(pr["thresholds"]) + 1
    json.dumps([roc, pr], allow_nan=False)


@pytest.mark.parametrize("rule", ["youden", "f1", "balanced-accuracy"])
def test_threshold_separates_a_clean_split(rule):
    threshold = choose_threshold(Y, PERFECT, rule=rule)
    assert 0.3 < threshold <= 0.7
    assert threshold == pytest.approx(0.5)
    metrics = classification_metrics(Y, PERFECT, threshold=threshold)
    assert metrics["accuracy"] == 1.0 and metrics["confusion_matrix"] == [[3, 0], [0, 3]]


def test_threshold_rules_differ_when_they_should():
    # F1 prefers calling the ambiguous block edited; Youden trades it against false alarms.
    y = np.array([0] * 10 + [1] * 2 + [0] * 6 + [1] * 2)
    s = np.array([0.1] * 10 + [0.5] * 2 + [0.5] * 6 + [0.9] * 2)
    assert choose_threshold(y, s, rule="youden") == choose_threshold(y, s, rule="balanced-accuracy")
    assert choose_threshold(y, s, rule="f1") == pytest.approx(0.7)


def test_confusion_matrix_counts_by_hand():
    y = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    s = [0.9, 0.8, 0.6, 0.2, 0.7, 0.4, 0.3, 0.2, 0.1, 0.5]
    m = classification_metrics(y, s, threshold=0.5)  # >= 0.5 is edited: 0.5 counts
    assert m["confusion_matrix"] == [[4, 2], [1, 3]]  # tn, fp / fn, tp
    assert m["accuracy"] == pytest.approx(0.7)
    assert m["precision"] == pytest.approx(3 / 5)
    assert m["recall"] == pytest.approx(3 / 4)
    assert m["specificity"] == pytest.approx(4 / 6)
    assert m["balanced_accuracy"] == pytest.approx((3 / 4 + 4 / 6) / 2)
    assert m["f1"] == pytest.approx(2 * 3 / (2 * 3 + 2 + 1))
    assert (m["n"], m["n_positive"]) == (10, 4)


def test_undefined_metrics_are_none():
    m = classification_metrics([0, 0, 0], [0.1, 0.2, 0.3], threshold=0.5)
    assert m["precision"] is None and m["recall"] is None and m["balanced_accuracy"] is None
    assert m["specificity"] == 1.0 and m["f1"] is None


def test_calibration_of_calibrated_probabilities_is_near_the_diagonal():
    rng = np.random.default_rng(0)
    p = rng.random(20_000)
    y = (rng.random(p.size) < p).astype(int)
    for strategy in ("quantile", "uniform"):
        cal = calibration_data(y, p, n_bins=10, strategy=strategy)
        assert len(cal["counts"]) == 10 and sum(cal["counts"]) == p.size
        gaps = np.abs(np.array(cal["observed_fraction"]) - np.array(cal["mean_predicted"]))
        assert gaps.max() < 0.04 and cal["ece"] < 0.02
    overconfident = calibration_data(y, (p > 0.5).astype(float), strategy="uniform")
    assert overconfident["ece"] > 0.2 and len(overconfident["counts"]) == 2


def test_brier_score():
    assert brier_score([0, 1, 1, 0], [0.5] * 4) == 0.25
    assert brier_score([0, 1], [0.0, 1.0]) == 0.0
    constant = calibration_data([0, 1, 1, 0], [0.5] * 4)
    assert constant["counts"] == [4] and constant["brier"] == 0.25
    assert constant["observed_fraction"] == [0.5] and constant["ece"] == 0.0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        brier_score([0, 1], [-0.5, 2.0])


def test_subgroups_compare_their_positives_with_all_negatives():
    # faces layout: edited images carry easy/hard, real ones carry nothing
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.6, 0.9, 0.8, 0.5, 0.05])
    groups = [None, None, None, None, "easy", "easy", "hard", "hard"]
    out = subgroup_metrics(y, s, groups, threshold=0.5)
    assert list(out) == ["easy", "hard", "(no group)"]
    assert out["easy"]["auc"] == 1.0 and out["easy"]["recall"] == 1.0
    assert out["hard"]["auc"] == pytest.approx((3 + 0) / 8)  # 0.5 beats 3 of 4 reals, 0.05 none
    assert out["hard"]["n"] == 2 and out["hard"]["n_negative"] == 0
    assert out["(no group)"]["auc"] is None and "no edited" in out["(no group)"]["auc_reason"]
    assert out["(no group)"]["specificity"] == 0.75
    same = subgroup_metrics(y, s, groups, threshold=0.5, negatives="same-group", missing_label=None)
    assert list(same) == ["easy", "hard"]
    assert same["easy"]["auc"] is None and "no real images" in same["easy"]["auc_reason"]


def test_subgroup_rejects_bad_input():
    with pytest.raises(ValueError, match="'some'"):
        subgroup_metrics(Y, PERFECT, list("abcabc"), threshold=0.5, negatives="some")
    with pytest.raises(ValueError, match="got 2"):
        subgroup_metrics(Y, PERFECT, ["a", "b"], threshold=0.5)


def test_evaluate_scores_is_json_serialisable():
    y, s = _random_scores(400, seed=2)
    groups = np.where(y == 1, np.array(["easy", "mid", "hard"])[np.arange(400) % 3], None)
    report = evaluate_scores(y, s, threshold=0.5, groups=groups, n_boot=100)
    text = json.dumps(report, allow_nan=False)
    back = json.loads(text)
    assert back["roc_auc"] == report["roc_auc"] and len(back["roc_auc_ci"]) == 2
    assert set(back["subgroups"]) == {"easy", "mid", "hard", "(no group)"}
    assert back["metrics"]["n"] == 400 and back["calibration"]["n"] == 400
    unbounded = evaluate_scores(y, s * 10 - 5, threshold=0.0, n_boot=0)
    assert unbounded["calibration"] is None and unbounded["roc_auc_ci"] is None
    json.dumps(unbounded, allow_nan=False)


def test_binary_input_checks_name_what_was_received():
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        roc_auc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"only \[1\]"):
        roc_auc([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        roc_auc([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="'median'"):
        choose_threshold(Y, PERFECT, rule="median")
    with pytest.raises(ValueError, match="got 0"):
        roc_auc_ci(Y, PERFECT, n_boot=0)


def test_multiclass_metrics_by_hand():
    names = ["splice", "copy-move", "retouch"]
    y = [0, 0, 1, 1, 2, 2]
    predicted = [0, 1, 1, 1, 2, 0]
    proba = np.eye(3)[predicted] * 0.8 + 0.1
    m = multiclass_metrics(y, proba, names)
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["per_class"]["copy-move"] == {"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "n": 2}
    assert m["per_class"]["splice"]["recall"] == 0.5
    assert m["macro_f1"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    by_name = multiclass_metrics([names[i] for i in y], proba, names)
    assert by_name == m
    json.dumps(m, allow_nan=False)
    with pytest.raises(ValueError, match="'blur'"):
        multiclass_metrics(["blur"] * 6, proba, names)
    with pytest.raises(ValueError, match=r"\(6, 3\)"):
        multiclass_metrics(y, proba, names[:2])


def test_platt_scaling_recovers_the_slope_and_offset_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 1.5, 20_000)
    y = rng.random(logits.size) < 1 / (1 + np.exp(-(2.0 * logits - 1.0)))
    fit = fit_platt(logits, y)
    assert fit["a"] == pytest.approx(2.0, abs=0.1) and fit["b"] == pytest.approx(-1.0, abs=0.1)
    assert fit["n"] == 20_000 and fit["fitted_on"] == "validation"


def test_temperature_scaling_undoes_overconfident_logits():
    rng = np.random.default_rng(1)
    true = rng.normal(0, 1.0, (5_000, 3))
    p = np.exp(true) / np.exp(true).sum(axis=1, keepdims=True)
    classes = np.array([rng.choice(3, p=row) for row in p])
    assert fit_temperature(3.0 * true, classes) == pytest.approx(3.0, rel=0.1)
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, int)) == 1.0
