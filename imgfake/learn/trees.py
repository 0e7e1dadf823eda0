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


def _tree_arrays(tree: dict):
    cached = tree.get("_arrays")
    if cached is None:
        cached = tuple(np.asarray(tree[k]) for k in ("feature", "threshold", "missing_left", "left",
                                                       "right", "leaf", "value"))
        cached = (cached[0].astype(np.intp), cached[1].astype(np.float64), cached[2].astype(bool),
                  cached[3].astype(np.intp), cached[4].astype(np.intp), cached[5].astype(bool),
                  cached[6].astype(np.float64))
        tree["_arrays"] = cached
    return cached


def predict_raw(trees: dict, X: np.ndarray) -> np.ndarray:
    """Raw scores (log-odds; one column per class for more than two classes)."""
    X = np.asarray(X, np.float64)
    if X.ndim != 2 or X.shape[1] != trees["n_features"]:
        raise ValueError(f"expected rows of {trees['n_features']} features, got shape {X.shape}")
    baseline = np.asarray(trees["baseline"], np.float64)
    out = np.tile(baseline, (len(X), 1))
    rows = np.arange(len(X))
    for tree in trees["trees"]:
        feature, threshold, missing_left, left, right, leaf, value = _tree_arrays(tree)
        node = np.zeros(len(X), np.intp)
        active = ~leaf[node]
        while active.any():
            idx = node[active]
            x = X[rows[active], feature[idx]]
            go_left = np.where(np.isnan(x), missing_left[idx], x <= threshold[idx])
            node[active] = np.where(go_left, left[idx], right[idx])
            active = ~leaf[node]
        out[:, tree["class"]] += value[node]
    return out[:, 0] if out.shape[1] == 1 else out


def predict_proba(trees: dict, X: np.ndarray) -> np.ndarray:
    """P(class 1) for two classes, else the softmax over classes (rows sum to 1)."""
    raw = predict_raw(trees, X)
    if raw.ndim == 1:
        return 1.0 / (1.0 + np.exp(-np.clip(raw, -60, 60)))
    raw = raw - raw.max(axis=1, keepdims=True)
    e = np.exp(raw)
    return e / e.sum(axis=1, keepdims=True)
