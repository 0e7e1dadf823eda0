"""Classical scikit-learn baselines on the features of :mod:`imgfake.learn.features`.

:data:`BASELINES` maps a name to a factory ``factory(*, seed) -> sklearn.pipeline.Pipeline``.
Models that are sensitive to feature scale get a ``StandardScaler`` first; tree ensembles do not
need one. ``"xgboost"`` is registered only when the optional ``xgboost`` package imports; it is
not a dependency of imgfake.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(60, 4)); y = (X[:, 0] > 0).astype(int)
>>> models = train_baselines(X, y, names=["logistic-regression"])
>>> predict_proba(models, X[:2])["logistic-regression"].shape
(2,)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from sklearn.ensemble import (
    AdaBoostClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

__all__ = ["BASELINES", "make_baseline", "train_baselines", "predict_proba"]

Factory = Callable[..., Pipeline]


def _logistic_regression(*, seed: int = 0) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, random_state=seed))


def _random_forest(*, seed: int = 0) -> Pipeline:
    return make_pipeline(
        RandomForestClassifier(n_estimators=300, min_samples_leaf=2, n_jobs=-1, random_state=seed)
    )


def _gradient_boosting(*, seed: int = 0) -> Pipeline:
    return make_pipeline(GradientBoostingClassifier(random_state=seed))


def _adaboost(*, seed: int = 0) -> Pipeline:
    return make_pipeline(AdaBoostClassifier(n_estimators=200, random_state=seed))


def _hist_gradient_boosting(*, seed: int = 0) -> Pipeline:
    return make_pipeline(HistGradientBoostingClassifier(random_state=seed))


def _xgboost(*, seed: int = 0) -> Pipeline:
    from xgboost import XGBClassifier

    return make_pipeline(
        XGBClassifier(
            n_estimators=300,
            max_depth=4,
            learning_rate=0.1,
            subsample=0.9,
            eval_metric="logloss",
            random_state=seed,
            n_jobs=-1,
        )
    )


def _xgboost_available() -> bool:
    try:
        import xgboost  # noqa: F401
    except Exception:  # ImportError, or a broken native library
        return False
    return True


BASELINES: dict[str, Factory] = {
    "logistic-regression": _logistic_regression,
    "random-forest": _random_forest,
    "gradient-boosting": _gradient_boosting,
    "adaboost": _adaboost,
    "hist-gradient-boosting": _hist_gradient_boosting,
}
if _xgboost_available():
    BASELINES["xgboost"] = _xgboost


def make_baseline(name: str, *, seed: int = 0) -> Pipeline:
    """Return an unfitted pipeline for the baseline called `name`.

    Parameters
    ----------
    name : str
        A key of :data:`BASELINES`.
    seed : int, default 0
        ``random_state`` of the estimator.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones) or ``"xgboost"`` when it is not
        installed.
    """
    if name not in BASELINES:
        hint = " (xgboost is not installed: pip install xgboost)" if name == "xgboost" else ""
        raise ValueError(f"unknown baseline {name!r}{hint}; known baselines: {sorted(BASELINES)}")
    return BASELINES[name](seed=seed)


def _check_xy(X, y=None) -> tuple[np.ndarray, np.ndarray | None]:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(
            f"X must be a non-empty 2-D array (n_samples, n_features), got shape {X.shape}"
        )
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values; drop or impute those rows first")
    if y is None:
        return X, None
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if np.unique(y).size < 2:
        raise ValueError(f"y must contain at least two classes, got {np.unique(y).tolist()}")
    return X, y


def train_baselines(
    X_train, y_train, *, names: Iterable[str] | None = None, seed: int = 0
) -> dict[str, Pipeline]:
    """Fit several baselines on the same training data.

    Parameters
    ----------
    X_train : array-like, shape (n_samples, n_features)
    y_train : array-like, shape (n_samples,)
        Class labels; for binary detection 1 = edited, 0 = real.
    names : iterable of str, optional
        Baselines to fit, default all of :data:`BASELINES`. Names are checked before any fitting.
    seed : int, default 0

    Returns
    -------
    dict of str to fitted Pipeline
        In the order of `names`.
    """
    X, y = _check_xy(X_train, y_train)
    names = list(BASELINES) if names is None else list(names)
    models = {name: make_baseline(name, seed=seed) for name in names}
    for model in models.values():
        model.fit(X, y)
    return models


def predict_proba(models: dict[str, Pipeline], X) -> dict[str, np.ndarray]:
    """Scores of each fitted model.

    Parameters
    ----------
    models : dict of str to fitted Pipeline
        As returned by :func:`train_baselines`.
    X : array-like, shape (n_samples, n_features)

    Returns
    -------
    dict of str to ndarray
        For binary models, the probability of the positive class (label 1, or the larger label)
        with shape (n_samples,); for multiclass models the full (n_samples, n_classes) matrix in
        the order of ``model.classes_``.
    """
    X, _ = _check_xy(X)
    out = {}
    for name, model in models.items():
        proba = model.predict_proba(X)
        out[name] = proba[:, _positive_column(model.classes_)] if proba.shape[1] == 2 else proba
    return out


def _positive_column(classes: np.ndarray) -> int:
    hits = np.flatnonzero(classes == 1)
    return int(hits[0]) if hits.size else len(classes) - 1
