"""Gradient-boosted trees as plain JSON: export a fitted scikit-learn
``HistGradientBoostingClassifier`` and evaluate it with NumPy alone.

A bundle must load without running code from the file (the Keras model is loaded with
``safe_mode=True`` for the same reason), so the fused verdict's trees are stored as numbers:
per tree the node arrays (feature, threshold, where missing values go, children, leaf value),
plus the baseline. :func:`predict_raw` reproduces ``decision_function`` exactly (checked by
``tests/test_fusion.py``), NaN handling included. Prediction needs no scikit-learn.
"""

from __future__ import annotations

import numpy as np

__all__ = ["export_trees", "predict_raw", "predict_proba"]


def export_trees(model) -> dict:
    """A fitted ``HistGradientBoostingClassifier`` (numeric features only) as JSON data."""
    trees = []
    for iteration in model._predictors:
        for k, predictor in enumerate(iteration):
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not supported by the JSON export")
            trees.append({
                "class": k,
                "feature": nodes["feature_idx"].astype(int).tolist(),
                "threshold": [float(v) for v in nodes["num_threshold"]],
                "missing_left": nodes["missing_go_to_left"].astype(int).tolist(),
                "left": nodes["left"].astype(int).tolist(),
                "right": nodes["right"].astype(int).tolist(),
                "leaf": nodes["is_leaf"].astype(int).tolist(),
                "value": [float(v) for v in nodes["value"]],
            })
    return {
        "kind": "gradient-boosted trees",
        "n_features": int(model.n_features_in_),
        "classes": [int(c) if isinstance(c, (int, np.integer)) else str(c) for c in model.classes_],
        "baseline": np.asarray(model._baseline_prediction, float).ravel().tolist(),
        "trees": trees,
    }


def _compiled(trees: dict) -> tuple:
    """All trees' nodes in flat arrays (children as global indices), built once per model and
    kept beside it (under ``"_compiled"``, which :func:`export_trees` output never has)."""
    cached = trees.get("_compiled")
    if cached is None:
        parts = {k: [] for k in ("feature", "threshold", "missing_left", "left", "right", "leaf", "value")}
        roots, classes, offset = [], [], 0
        for tree in trees["trees"]:
            n = len(tree["leaf"])
            roots.append(offset)
            classes.append(tree["class"])
            for k in parts:
                values = np.asarray(tree[k])
                parts[k].append(values + offset if k in ("left", "right") else values)
            offset += n
        cat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
        cached = (cat["feature"].astype(np.intp), cat["threshold"].astype(np.float64),
                  cat["missing_left"].astype(bool), cat["left"].astype(np.intp), cat["right"].astype(np.intp),
                  cat["leaf"].astype(bool), cat["value"].astype(np.float64),
                  np.asarray(roots, np.intp), np.asarray(classes, np.intp))
        trees["_compiled"] = cached
    return cached


def predict_raw(trees: dict, X: np.ndarray) -> np.ndarray:
    """Raw scores (log-odds; one column per class for more than two classes).

    Every row walks every tree at once: one NumPy step per tree level, not per tree."""
    X = np.asarray(X, np.float64)
    if X.ndim != 2 or X.shape[1] != trees["n_features"]:
        raise ValueError(f"expected rows of {trees['n_features']} features, got shape {X.shape}")
    feature, threshold, missing_left, left, right, leaf, value, roots, classes = _compiled(trees)
    baseline = np.asarray(trees["baseline"], np.float64)
    out = np.tile(baseline, (len(X), 1))
    if len(X) == 0 or len(roots) == 0:
        return out[:, 0] if out.shape[1] == 1 else out
    node = np.broadcast_to(roots, (len(X), len(roots))).copy()
    rows = np.arange(len(X))[:, None]
    done = leaf[node]
    while not done.all():
        x = X[rows, feature[node]]
        go_left = np.where(np.isnan(x), missing_left[node], x <= threshold[node])
        node = np.where(done, node, np.where(go_left, left[node], right[node]))
        done = leaf[node]
    leaves = value[node]
    for c in range(out.shape[1]):
        out[:, c] += leaves[:, classes == c].sum(axis=1)
    return out[:, 0] if out.shape[1] == 1 else out


def predict_proba(trees: dict, X: np.ndarray) -> np.ndarray:
    """P(class 1) for two classes, else the softmax over classes (rows sum to 1)."""
    raw = predict_raw(trees, X)
    if raw.ndim == 1:
        return 1.0 / (1.0 + np.exp(-np.clip(raw, -60, 60)))
    raw = raw - raw.max(axis=1, keepdims=True)
    e = np.exp(raw)
    return e / e.sum(axis=1, keepdims=True)
