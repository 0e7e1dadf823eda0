"""Honest metrics as plain data: curves, bootstrap intervals, thresholds, calibration, subgroups.

Every function returns Python floats, ints, lists and dicts (never numpy types), so a report can
go straight to ``json.dumps`` and into the model bundle. :mod:`imgfake.figures` draws them.

Conventions
-----------
* ``y_true`` is 1 for edited (positive) and 0 for real; ``scores`` are higher for "more likely
  edited" (probabilities for calibration).
* An image is called edited when ``score >= threshold``.
* A metric that is undefined on the data (precision with no positive predictions, AUC with one
  class) is ``None``, not 0 or NaN.
* Thresholds are chosen on the validation split (:func:`choose_threshold`) and then applied,
  unchanged, to the test split.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "roc_curve_data",
    "pr_curve_data",
    "roc_auc",
    "average_precision",
    "roc_auc_ci",
    "pr_auc_ci",
    "choose_threshold",
    "classification_metrics",
    "calibration_data",
    "brier_score",
    "subgroup_metrics",
    "evaluate_scores",
    "multiclass_metrics",
    "fit_platt",
    "fit_temperature",
]

THRESHOLD_RULES = ("youden", "f1", "balanced-accuracy")
_BOOT_CHUNK = 2_000_000  # resampled scores held in memory at once


# --- input checks ------------------------------------------------------------------------------


def _check_binary(y_true, scores, *, both_classes: bool = True) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim != 1 or s.shape != y.shape or y.size == 0:
        raise ValueError(
            f"y_true and scores must be non-empty 1-D arrays of one length, got shapes "
            f"{y.shape} and {s.shape}"
        )
    labels = set(np.unique(y).tolist())
    if not labels <= {0, 1}:
        raise ValueError(
            f"y_true must hold 0 (real) and 1 (edited), got labels {sorted(labels, key=str)}"
        )
    if not np.all(np.isfinite(s)):
        raise ValueError(
            f"scores must be finite, got {int(np.sum(~np.isfinite(s)))} NaN/inf values"
        )
    if both_classes and len(labels) < 2:
        raise ValueError(
            f"y_true must contain both classes (0 and 1), got only {sorted(labels)}: the metric is "
            "undefined"
        )
    return y.astype(np.int64), s


def _check_threshold(threshold) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)):
        raise ValueError(f"threshold must be a number, got {threshold!r}")
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be finite, got {threshold!r}")
    return float(threshold)


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den else None


# --- areas under curves --------------------------------------------------------------------------


def _ranking(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels sorted by descending score, the last position of each group of tied scores, and
    the distinct scores (descending)."""
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    ends = np.r_[np.flatnonzero(s_sorted[:-1] != s_sorted[1:]), s.size - 1]
    return y[order].astype(np.float64), ends, s_sorted[ends]


def _group_sums(weights: np.ndarray, y_sorted: np.ndarray, ends: np.ndarray):
    """Weighted positives and negatives in each tie group, shape (rows, n_groups) each."""
    pos = np.cumsum(weights * y_sorted, axis=-1)[..., ends]
    both = np.cumsum(weights, axis=-1)[..., ends]
    return np.diff(pos, axis=-1, prepend=0.0), np.diff(both - pos, axis=-1, prepend=0.0)


def _weighted_auc(weights: np.ndarray, y_sorted: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """ROC AUC (Mann–Whitney, ties count one half) of each row of per-image weights."""
    pos, neg = _group_sums(weights, y_sorted, ends)
    n_pos, n_neg = pos.sum(axis=-1), neg.sum(axis=-1)
    neg_below = n_neg[..., None] - np.cumsum(neg, axis=-1)  # groups are in descending score
    return (pos * (neg_below + 0.5 * neg)).sum(axis=-1) / (n_pos * n_neg)


def _weighted_ap(weights: np.ndarray, y_sorted: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Average precision as scikit-learn defines it (step-wise, tied scores one threshold)."""
    pos, neg = _group_sums(weights, y_sorted, ends)
    tp, flagged = np.cumsum(pos, axis=-1), np.cumsum(pos + neg, axis=-1)
    precision = np.divide(tp, flagged, out=np.zeros_like(tp), where=flagged > 0)
    return (pos * precision).sum(axis=-1) / tp[..., -1]


_METRICS = {"auc": _weighted_auc, "ap": _weighted_ap}


def _point(y: np.ndarray, s: np.ndarray, metric: str) -> float:
    y_sorted, ends, _ = _ranking(y, s)
    return float(_METRICS[metric](np.ones_like(y_sorted), y_sorted, ends))


def roc_auc(y_true, scores) -> float:
    """Area under the ROC curve (probability that an edited image outscores a real one)."""
    return _point(*_check_binary(y_true, scores), "auc")


def average_precision(y_true, scores) -> float:
    """Average precision, the usual area under the precision–recall curve."""
    return _point(*_check_binary(y_true, scores), "ap")


def _bootstrap(y, s, metric: str, *, n_boot: int, alpha: float, seed: int):
    """(estimate, low, high): stratified bootstrap as per-image resampling counts.

    Each replicate draws the positives and the negatives separately, with replacement, so class
    sizes stay fixed and the metric is always defined. The ranking is sorted once; a replicate
    is a row of counts over it, so no replicate needs sorting.
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    rng = np.random.default_rng(seed)
    y_sorted, ends, _ = _ranking(y, s)
    pos, neg = np.flatnonzero(y_sorted == 1), np.flatnonzero(y_sorted == 0)
    n, values = y.size, []
    chunk = max(1, _BOOT_CHUNK // n)
    for start in range(0, n_boot, chunk):
        rows = min(chunk, n_boot - start)
        drawn = np.concatenate(
            [
                pos[rng.integers(0, pos.size, (rows, pos.size))],
                neg[rng.integers(0, neg.size, (rows, neg.size))],
            ],
            axis=1,
        )
        flat = (drawn + n * np.arange(rows)[:, None]).ravel()
        counts = np.bincount(flat, minlength=rows * n).reshape(rows, n).astype(np.float64)
        values.append(_METRICS[metric](counts, y_sorted, ends))
    low, high = np.quantile(np.concatenate(values), [alpha / 2, 1 - alpha / 2])
    return _point(y, s, metric), float(low), float(high)


def roc_auc_ci(
    y_true, scores, *, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """ROC AUC with a stratified-bootstrap percentile interval.

    Parameters
    ----------
    y_true : array-like of {0, 1}, shape (n,)
    scores : array-like of float, shape (n,)
    n_boot : int, default 1000
        Bootstrap replicates. Each replicate resamples the positives and the negatives separately
        (with replacement), so class sizes stay fixed and the AUC is always defined.
    alpha : float, default 0.05
        The interval covers ``1 - alpha`` (95 % by default).
    seed : int, default 0

    Returns
    -------
    auc, low, high : float
    """
    y, s = _check_binary(y_true, scores)
    return _bootstrap(y, s, "auc", n_boot=n_boot, alpha=alpha, seed=seed)


def pr_auc_ci(
    y_true, scores, *, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """Average precision (PR AUC) with a stratified-bootstrap percentile interval.

    Parameters and returns as :func:`roc_auc_ci`. Note that average precision depends on the
    share of positives; compare it with ``prevalence`` (what a random ranking scores).
    """
    y, s = _check_binary(y_true, scores)
    return _bootstrap(y, s, "ap", n_boot=n_boot, alpha=alpha, seed=seed)


# --- curves --------------------------------------------------------------------------------------


def _roc_points(y: np.ndarray, s: np.ndarray):
    """fpr, tpr, thresholds as scikit-learn's ``roc_curve`` (collinear points dropped)."""
    y_sorted, ends, thresholds = _ranking(y, s)
    tps = np.cumsum(y_sorted)[ends]
    fps = (ends + 1) - tps
    keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
    tps, fps, thresholds = np.r_[0, tps[keep]], np.r_[0, fps[keep]], thresholds[keep]
    # the first point, (0, 0), flags nothing: "above every score" (None, as JSON has no inf)
    return fps / fps[-1], tps / tps[-1], [None, *thresholds.tolist()]


def _pr_points(y: np.ndarray, s: np.ndarray):
    """precision, recall, thresholds as scikit-learn's ``precision_recall_curve`` with
    ``drop_intermediate=True`` (only the first and last point of each run of equal recall)."""
    y_sorted, ends, thresholds = _ranking(y, s)
    tps = np.cumsum(y_sorted)[ends]
    flagged = ends + 1
    if tps.size > 2:
        keep = np.r_[True, np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), True]
        tps, flagged, thresholds = tps[keep], flagged[keep], thresholds[keep]
    precision, recall = (tps / flagged)[::-1], (tps / tps[-1])[::-1]
    return np.r_[precision, 1.0], np.r_[recall, 0.0], thresholds[::-1]


def roc_curve_data(y_true, scores, *, n_boot: int = 0, alpha: float = 0.05, seed: int = 0) -> dict:
    """Points of the ROC curve, its area and (optionally) a bootstrap interval.

    Parameters
    ----------
    y_true, scores : array-like, shape (n,)
    n_boot : int, default 0
        Bootstrap replicates for ``ci``; 0 skips the interval (``ci`` is None).
    alpha, seed
        See :func:`roc_auc_ci`.

    Returns
    -------
    dict
        ``fpr``, ``tpr``, ``thresholds`` (lists of equal length; the first threshold is None,
        meaning "above every score"), ``auc``, ``ci`` (``[low, high]`` or None),
        ``ci_level``, ``n``, ``n_positive``.
    """
    y, s = _check_binary(y_true, scores)
    fpr, tpr, thresholds = _roc_points(y, s)
    ci = _bootstrap(y, s, "auc", n_boot=n_boot, alpha=alpha, seed=seed)[1:] if n_boot else None
    return {
        "fpr": fpr.tolist(),
        "tpr": tpr.tolist(),
        "thresholds": thresholds,
        "auc": _point(y, s, "auc"),
        "ci": list(ci) if ci else None,
        "ci_level": 1 - alpha,
        "n": int(y.size),
        "n_positive": int(y.sum()),
    }


def pr_curve_data(y_true, scores, *, n_boot: int = 0, alpha: float = 0.05, seed: int = 0) -> dict:
    """Points of the precision–recall curve, average precision and (optionally) an interval.

    Parameters
    ----------
    y_true, scores : array-like, shape (n,)
    n_boot, alpha, seed
        See :func:`roc_curve_data`.

    Returns
    -------
    dict
        ``precision``, ``recall`` (equal length, recall decreasing, ending at the (recall 0,
        precision 1) point; points inside a run of equal recall are dropped, which leaves the
        drawn curve unchanged), ``thresholds`` (one fewer), ``average_precision``, ``ci``,
        ``ci_level``, ``prevalence`` (share of positives: the precision of a random ranking),
        ``n``, ``n_positive``.
    """
    y, s = _check_binary(y_true, scores)
    precision, recall, thresholds = _pr_points(y, s)
    ci = _bootstrap(y, s, "ap", n_boot=n_boot, alpha=alpha, seed=seed)[1:] if n_boot else None
    return {
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "thresholds": thresholds.tolist(),
        "average_precision": _point(y, s, "ap"),
        "ci": list(ci) if ci else None,
        "ci_level": 1 - alpha,
        "prevalence": float(y.mean()),
        "n": int(y.size),
        "n_positive": int(y.sum()),
    }


# --- thresholds and confusion matrices -----------------------------------------------------------


def choose_threshold(y_val, scores_val, *, rule: str = "youden") -> float:
    """Pick a decision threshold on the VALIDATION split.

    Use validation data only: a threshold tuned on the test split makes every test metric
    optimistic. Choose it here, store it with the model, and apply it unchanged to the test set.

    Parameters
    ----------
    y_val : array-like of {0, 1}, shape (n,)
    scores_val : array-like of float, shape (n,)
    rule : {"youden", "f1", "balanced-accuracy"}, default "youden"
        ``"youden"`` maximises TPR − FPR; ``"balanced-accuracy"`` maximises (TPR + TNR) / 2,
        which is the same criterion (it equals (J + 1) / 2) under a plainer name; ``"f1"``
        maximises F1 of the edited class. Ties go to the highest threshold (fewest false alarms).

    Returns
    -------
    float
        Images with ``score >= threshold`` are called edited. The value lies halfway between the
        best validation score and the next lower one, so it does not sit on a validation score.

    Examples
    --------
    >>> choose_threshold([0, 0, 1, 1], [0.1, 0.3, 0.7, 0.9])
    0.5
    """
    if rule not in THRESHOLD_RULES:
        raise ValueError(f"rule must be one of {THRESHOLD_RULES}, got {rule!r}")
    y, s = _check_binary(y_val, scores_val)
    y_sorted, ends, candidates = _ranking(y, s)
    tp = np.cumsum(y_sorted)[ends]  # edited images at or above each candidate
    fp = (ends + 1) - tp
    n_pos, n_neg = y.sum(), y.size - y.sum()
    if rule == "f1":
        objective = 2 * tp / (2 * tp + fp + (n_pos - tp))
    else:
        objective = tp / n_pos - fp / n_neg
    best = int(np.argmax(objective))  # first maximum = highest threshold
    if best + 1 < candidates.size:
        return float((candidates[best] + candidates[best + 1]) / 2)
    return float(candidates[best])


def classification_metrics(y_true, scores, *, threshold: float) -> dict:
    """Confusion-matrix metrics at a fixed threshold (``score >= threshold`` → edited).

    Parameters
    ----------
    y_true : array-like of {0, 1}, shape (n,)
    scores : array-like of float, shape (n,)
    threshold : float
        Chosen beforehand on the validation split (:func:`choose_threshold`).

    Returns
    -------
    dict
        ``threshold``, ``accuracy``, ``balanced_accuracy``, ``precision``, ``recall`` (TPR),
        ``specificity`` (TNR), ``f1``, ``confusion_matrix`` as ``[[tn, fp], [fn, tp]]`` (rows
        true real/edited, columns predicted real/edited), ``n``, ``n_positive``. Metrics that
        are undefined on the data are None.
    """
    threshold = _check_threshold(threshold)
    y, s = _check_binary(y_true, scores, both_classes=False)
    predicted = s >= threshold
    tp = int(np.sum(predicted & (y == 1)))
    fp = int(np.sum(predicted & (y == 0)))
    fn = int(np.sum(~predicted & (y == 1)))
    tn = int(np.sum(~predicted & (y == 0)))
    recall, specificity = _ratio(tp, tp + fn), _ratio(tn, tn + fp)
    balanced = None if recall is None or specificity is None else (recall + specificity) / 2
    return {
        "threshold": threshold,
        "accuracy": (tp + tn) / y.size,
        "balanced_accuracy": balanced,
        "precision": _ratio(tp, tp + fp),
        "recall": recall,
        "specificity": specificity,
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
        "confusion_matrix": [[tn, fp], [fn, tp]],
        "n": int(y.size),
        "n_positive": tp + fn,
    }


# --- calibration ---------------------------------------------------------------------------------


def brier_score(y_true, scores) -> float:
    """Mean squared difference between predicted probability and outcome (0 is perfect)."""
    y, s = _check_binary(y_true, scores, both_classes=False)
    _check_probabilities(s)
    return float(np.mean((s - y) ** 2))


def _check_probabilities(s: np.ndarray) -> None:
    if s.min() < 0 or s.max() > 1:
        raise ValueError(
            f"scores must be probabilities in [0, 1] for calibration, got range "
            f"[{s.min():.3g}, {s.max():.3g}]"
        )


def calibration_data(y_true, scores, *, n_bins: int = 10, strategy: str = "quantile") -> dict:
    """Reliability-diagram data: observed share of edited images per bin of predicted probability.

    Parameters
    ----------
    y_true : array-like of {0, 1}, shape (n,)
    scores : array-like of float in [0, 1], shape (n,)
    n_bins : int, default 10
    strategy : {"quantile", "uniform"}, default "quantile"
        ``"quantile"`` puts about the same number of images in every bin (bins with tied
        edges merge); ``"uniform"`` uses equal-width bins on [0, 1] and drops empty ones.

    Returns
    -------
    dict
        ``mean_predicted``, ``observed_fraction``, ``counts`` (one entry per non-empty bin),
        ``bin_edges``, ``strategy``, ``brier``, ``ece`` (expected calibration error: the
        count-weighted mean of ``|observed - predicted|``), ``n``.
    """
    if strategy not in ("quantile", "uniform"):
        raise ValueError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    y, s = _check_binary(y_true, scores, both_classes=False)
    _check_probabilities(s)
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        inner = np.quantile(s, np.linspace(0.0, 1.0, n_bins + 1)[1:-1])
        edges = np.unique(np.r_[0.0, inner, 1.0])  # tied quantiles merge bins
    which = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(which, minlength=len(edges) - 1)
    keep = counts > 0
    predicted = np.bincount(which, weights=s, minlength=len(counts))[keep] / counts[keep]
    observed = np.bincount(which, weights=y, minlength=len(counts))[keep] / counts[keep]
    return {
        "mean_predicted": predicted.tolist(),
        "observed_fraction": observed.tolist(),
        "counts": counts[keep].tolist(),
        "bin_edges": edges.tolist(),
        "strategy": strategy,
        "brier": float(np.mean((s - y) ** 2)),
        "ece": float(np.sum(counts[keep] * np.abs(observed - predicted)) / y.size),
        "n": int(y.size),
    }


def fit_platt(logits: np.ndarray, y: np.ndarray) -> dict:
    """Platt scaling: p = sigmoid(a·logit + b), fitted by maximum likelihood (validation)."""
    from scipy.optimize import minimize

    z = np.asarray(logits, np.float64)
    y = np.asarray(y, np.float64)

    def nll(ab):
        t = ab[0] * z + ab[1]
        return float(np.sum(np.logaddexp(0, t) - y * t)) + 1e-3 * float(ab @ ab)

    res = minimize(nll, np.array([1.0, 0.0]), method="L-BFGS-B")
    a, b = (float(v) for v in res.x)
    return {"method": "platt", "a": a, "b": b, "fitted_on": "validation", "n": int(len(z))}


def fit_temperature(logits: np.ndarray, classes: np.ndarray) -> float:
    """Temperature T minimising the validation NLL of softmax(logits / T)."""
    from scipy.optimize import minimize_scalar

    z = np.asarray(logits, np.float64)
    if len(z) == 0:
        return 1.0

    def nll(log_t):
        s = z / np.exp(log_t)
        s = s - s.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(len(s)), classes]))

    res = minimize_scalar(nll, bounds=(-3, 3), method="bounded")
    return float(np.exp(res.x))


# --- subgroups -----------------------------------------------------------------------------------


def _is_missing(value) -> bool:
    if value is None or (isinstance(value, str) and value == ""):
        return True
    try:
        return bool(value != value)  # NaN is the one value unequal to itself
    except TypeError:  # pandas.NA refuses to be a bool
        return True


def subgroup_metrics(
    y_true,
    scores,
    groups: Sequence,
    *,
    threshold: float,
    negatives: str = "all",
    missing_label: str | None = "(no group)",
    n_boot: int = 0,
    seed: int = 0,
) -> dict[str, dict]:
    """Metrics per subgroup (e.g. the easy/mid/hard edits of the faces data).

    In the faces data only edited images carry a subgroup; real images have none. A subgroup
    then holds positives only, and its AUC is computed as **that subgroup's positives against
    all negatives** of the data set (``negatives="all"``): "how well are *hard* edits ranked
    above real photos?". Use ``negatives="same-group"`` when every image has a group and the
    negatives of a group are its natural comparison (e.g. groups = camera model).

    Parameters
    ----------
    y_true : array-like of {0, 1}, shape (n,)
    scores : array-like of float, shape (n,)
    groups : sequence, shape (n,)
        Group label per image; None, "" or NaN mean "no group".
    threshold : float
        Decision threshold (``score >= threshold`` → edited), chosen on the validation split.
    negatives : {"all", "same-group"}, default "all"
        Which negatives a group's positives are ranked against for its AUC.
    missing_label : str or None, default "(no group)"
        Report images without a group under this key (their accuracy and specificity are the
        real images' false-alarm picture); None leaves them out.
    n_boot : int, default 0
        Bootstrap replicates for a per-group AUC interval (``auc_ci``); 0 skips it.
    seed : int, default 0

    Returns
    -------
    dict of str to dict
        Keyed by ``str(group)`` in sorted order. Each entry: ``n``, ``n_positive``,
        ``n_negative``, ``accuracy``, ``recall`` and ``specificity`` within the group (None when
        undefined), ``auc``, ``auc_ci`` and ``auc_reason`` (None, or why the AUC is missing),
        ``auc_negatives``.
    """
    if negatives not in ("all", "same-group"):
        raise ValueError(f"negatives must be 'all' or 'same-group', got {negatives!r}")
    threshold = _check_threshold(threshold)
    y, s = _check_binary(y_true, scores, both_classes=False)
    labels = [
        None if _is_missing(g) else str(g.item() if hasattr(g, "item") else g) for g in groups
    ]
    if len(labels) != y.size:
        raise ValueError(f"groups must have one label per score ({y.size}), got {len(labels)}")
    if missing_label is not None and missing_label in labels:
        raise ValueError(
            f"missing_label {missing_label!r} is also a real group name; choose another"
        )
    keys = sorted({g for g in labels if g is not None})
    if missing_label is not None and None in labels:
        keys.append(missing_label)
    labels_arr = np.array([missing_label if g is None else g for g in labels], dtype=object)
    return {
        key: _one_group(
            y,
            s,
            labels_arr == key,
            threshold=threshold,
            negatives=negatives,
            n_boot=n_boot,
            seed=seed,
        )
        for key in keys
    }


def _one_group(y, s, member, *, threshold, negatives, n_boot, seed) -> dict:
    metrics = classification_metrics(y[member], s[member], threshold=threshold)
    positives = member & (y == 1)
    negative_pool = (y == 0) if negatives == "all" else member & (y == 0)
    auc = ci = reason = None
    if not positives.any():
        reason = "no edited images in this group"
    elif not negative_pool.any():
        reason = "no real images to compare with" + (" in this group" if negatives != "all" else "")
    else:
        chosen = positives | negative_pool
        if n_boot:
            auc, low, high = roc_auc_ci(y[chosen], s[chosen], n_boot=n_boot, seed=seed)
            ci = [low, high]
        else:
            auc = roc_auc(y[chosen], s[chosen])
    return {
        "n": metrics["n"],
        "n_positive": metrics["n_positive"],
        "n_negative": metrics["n"] - metrics["n_positive"],
        "accuracy": metrics["accuracy"],
        "recall": metrics["recall"],
        "specificity": metrics["specificity"],
        "auc": auc,
        "auc_ci": ci,
        "auc_reason": reason,
        "auc_negatives": negatives,
    }


# --- one report ----------------------------------------------------------------------------------


def evaluate_scores(
    y_true,
    scores,
    *,
    threshold: float,
    groups: Sequence | None = None,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
    negatives: str = "all",
) -> dict:
    """Everything above in one JSON-serialisable report.

    Parameters
    ----------
    y_true : array-like of {0, 1}, shape (n,)
    scores : array-like of float, shape (n,)
        Probabilities for the calibration part; other scores skip it (``calibration`` None).
    threshold : float
        Chosen on the validation split with :func:`choose_threshold`.
    groups : sequence, optional
        Subgroup label per image; see :func:`subgroup_metrics`.
    n_boot, alpha, seed
        Bootstrap settings for the AUC intervals (``n_boot=0`` skips them).
    negatives : {"all", "same-group"}, default "all"
        See :func:`subgroup_metrics`.

    Returns
    -------
    dict
        ``n``, ``n_positive``, ``roc_auc``, ``roc_auc_ci``, ``average_precision``,
        ``average_precision_ci``, ``ci_level``, ``metrics`` (:func:`classification_metrics`),
        ``roc`` and ``pr`` (curve data), ``calibration`` (or None), ``brier`` (or None),
        ``subgroups`` (or None).
    """
    y, s = _check_binary(y_true, scores)
    roc = roc_curve_data(y, s, n_boot=n_boot, alpha=alpha, seed=seed)
    pr = pr_curve_data(y, s, n_boot=n_boot, alpha=alpha, seed=seed)
    probabilities = bool(s.min() >= 0 and s.max() <= 1)
    calibration = calibration_data(y, s) if probabilities else None
    subgroups = None
    if groups is not None:
        subgroups = subgroup_metrics(
            y, s, groups, threshold=threshold, negatives=negatives, n_boot=n_boot, seed=seed
        )
    return {
        "n": int(y.size),
        "n_positive": int(y.sum()),
        "roc_auc": roc["auc"],
        "roc_auc_ci": roc["ci"],
        "average_precision": pr["average_precision"],
        "average_precision_ci": pr["ci"],
        "ci_level": 1 - alpha,
        "metrics": classification_metrics(y, s, threshold=threshold),
        "roc": roc,
        "pr": pr,
        "calibration": calibration,
        "brier": calibration["brier"] if calibration else None,
        "subgroups": subgroups,
    }


# --- stage 2: kind of edit -----------------------------------------------------------------------


def multiclass_metrics(y_true, proba, class_names: Sequence[str]) -> dict:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix.

    Parameters
    ----------
    y_true : array-like, shape (n,)
        Class indices into `class_names`, or the class names themselves.
    proba : array-like of float, shape (n, n_classes)
        Predicted probabilities (or scores); the prediction is the arg-max.
    class_names : sequence of str, length n_classes

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1`` (mean F1 over classes that occur in `y_true` or in the
        predictions), ``per_class`` (name → ``precision``, ``recall``, ``f1``, ``n``; None where
        undefined), ``confusion_matrix`` (rows true, columns predicted, in `class_names`
        order), ``class_names``, ``n``.
    """
    names = [str(c) for c in class_names]
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != len(names) or p.shape[0] == 0:
        raise ValueError(
            f"proba must have shape (n, {len(names)}) for {len(names)} class names, got {p.shape}"
        )
    y = _class_indices(y_true, names)
    if y.shape != (p.shape[0],):
        raise ValueError(f"y_true must have shape ({p.shape[0]},) to match proba, got {y.shape}")
    predicted = p.argmax(axis=1)
    k = len(names)
    cm = np.bincount(y * k + predicted, minlength=k * k).reshape(k, k)
    tp, support, n_predicted = np.diag(cm), cm.sum(axis=1), cm.sum(axis=0)
    present = (support + n_predicted) > 0
    f1 = 2 * tp / np.maximum(support + n_predicted, 1)
    per_class = {
        name: {
            "precision": _ratio(tp[i], n_predicted[i]),
            "recall": _ratio(tp[i], support[i]),
            "f1": float(f1[i]) if present[i] else None,
            "n": int(support[i]),
        }
        for i, name in enumerate(names)
    }
    return {
        "accuracy": float(tp.sum() / y.size),
        "macro_f1": float(f1[present].mean()),
        "per_class": per_class,
        "confusion_matrix": cm.tolist(),
        "class_names": names,
        "n": int(y.size),
    }


def _class_indices(y_true, names: list[str]) -> np.ndarray:
    y = np.asarray(y_true)
    if y.dtype.kind in "iu":
        bad = sorted(set(y[(y < 0) | (y >= len(names))].tolist()))
        if bad:
            raise ValueError(f"y_true holds class indices {bad} outside 0..{len(names) - 1}")
        return y.astype(np.int64)
    lookup = {name: i for i, name in enumerate(names)}
    unknown = sorted({str(v) for v in y.tolist()} - set(lookup))
    if unknown:
        raise ValueError(f"y_true holds unknown class names {unknown}; known: {names}")
    return np.array([lookup[str(v)] for v in y.tolist()], dtype=np.int64)
