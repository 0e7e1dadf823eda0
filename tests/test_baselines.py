"""imgfake.learn.baselines: every registered baseline separates an easy synthetic dataset."""

from __future__ import annotations

import builtins
import importlib

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import imgfake.learn.baselines as baselines
from imgfake.learn.baselines import BASELINES, make_baseline, predict_proba, train_baselines

EXPECTED = {
    "logistic-regression",
    "random-forest",
    "gradient-boosting",
    "adaboost",
    "hist-gradient-boosting",
}


@pytest.fixture(scope="module")
def separable():
    rng = np.random.default_rng(0)
    n, d = 240, 8
    y = np.repeat([0, 1], n // 2)
    X = rng.normal(size=(n, d))
    X[:, :3] += 1.5 * y[:, None]  # three informative features on different scales
    X[:, 1] *= 100.0
    order = rng.permutation(n)
    return X[order[:160]], y[order[:160]], X[order[160:]], y[order[160:]]


def test_registry_names():
    assert EXPECTED <= set(BASELINES) <= EXPECTED | {"xgboost"}


def test_every_baseline_separates_a_separable_dataset(separable):
    X_train, y_train, X_test, y_test = separable
    models = train_baselines(X_train, y_train, seed=0)
    assert list(models) == list(BASELINES)
    scores = predict_proba(models, X_test)
    for name, score in scores.items():
        assert score.shape == (len(y_test),)
        assert np.all((score >= 0) & (score <= 1))
        assert roc_auc_score(y_test, score) > 0.9, name


def test_scaler_where_it_matters():
    steps = [type(step).__name__ for _, step in make_baseline("logistic-regression").steps]
    assert steps[0] == "StandardScaler"


def test_unknown_name_lists_known_names(separable):
    X_train, y_train, *_ = separable
    with pytest.raises(ValueError, match="'svm'.*logistic-regression"):
        train_baselines(X_train, y_train, names=["svm"])


def test_rejects_bad_training_data():
    with pytest.raises(ValueError, match=r"got \[1\]"):
        train_baselines(np.zeros((4, 2)), [1, 1, 1, 1], names=["logistic-regression"])
    with pytest.raises(ValueError, match=r"\(3,\)"):
        train_baselines(np.zeros((4, 2)), [0, 1, 1], names=["logistic-regression"])


def test_xgboost_is_skipped_cleanly_when_absent(monkeypatch):
    real_import = builtins.__import__

    def no_xgboost(name, *args, **kwargs):
        if name == "xgboost" or name.startswith("xgboost."):
            raise ImportError("No module named 'xgboost'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_xgboost)
    try:
        reloaded = importlib.reload(baselines)
        assert "xgboost" not in reloaded.BASELINES
        assert set(reloaded.BASELINES) == EXPECTED
        with pytest.raises(ValueError, match="pip install xgboost"):
            reloaded.make_baseline("xgboost")
    finally:
        monkeypatch.undo()
        importlib.reload(baselines)
