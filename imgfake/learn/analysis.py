"""The trained detector as one more registered analysis (family "model").

``run_analysis("model", image)`` gives the stage-1 probability as the score, the kinds of edit
and the domain caution in ``details``, the caution as a finding, and the model's per-region
probabilities as an evidence map on the 8-pixel block grid. It loads the shipped bundle once
per process (or the one ``model=`` names); ``detector=`` passes a ready one (tests, the
dashboard). TensorFlow is imported only when this analysis runs.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..forensics.registry import register
from ..io import LoadedImage
from ..results import AnalysisResult, Finding

__all__ = ["model_analysis", "shared_detector", "prediction_to_dict"]

_DETECTORS: dict[str, Any] = {}
_LOCK = threading.Lock()


def shared_detector(model: str | Path | None = None):
    """``Detector.load(model)``, once per process and bundle folder. Failures are not cached,
    so a bundle trained meanwhile is found next time."""
    from .detector import Detector  # imports TensorFlow on load

    key = str(model) if model is not None else ""
    with _LOCK:
        if key not in _DETECTORS:
            _DETECTORS[key] = Detector.load(model)
        return _DETECTORS[key]


def prediction_to_dict(prediction: Any) -> dict:
    """Normalise a detector's prediction (``Prediction``, a dict or a look-alike) to JSON data
    with at least ``p_edited``, ``label``, ``threshold`` and ``kinds``."""
    raw = prediction.to_dict() if hasattr(prediction, "to_dict") else prediction
    if not isinstance(raw, dict):
        raw = {k: getattr(prediction, k) for k in ("p_edited", "label", "threshold", "kinds")
               if hasattr(prediction, k)}
    if "p_edited" not in raw:
        raise ValueError(f"the detector's prediction has no p_edited: {raw!r}")
    p = float(raw["p_edited"])
    threshold = float(raw.get("threshold", 0.5) or 0.5)
    kinds = {str(k): float(v) for k, v in (raw.get("kinds") or {}).items()}
    out = {k: v for k, v in raw.items() if isinstance(v, (str, int, float, bool, type(None)))}
    drivers = [{"method": str(d["method"]), "log_odds": float(d["log_odds"])}
               for d in (raw.get("drivers") or []) if isinstance(d, dict) and "method" in d]
    out.update(p_edited=p, threshold=threshold, kinds=kinds, drivers=drivers,
               label=str(raw.get("label") or ("edited" if p >= threshold else "real")))
    return out


@register(
    "model",
    title="Trained detector",
    family="model",
    description="The shipped detector: the toolbox's evidence and a lattice network fused into "
    "one calibrated verdict (edited, no sign of editing, or cannot tell), which kind of edit, and "
    "where (its probability per 32-pixel region).",
    heatmap=True,
    direction="high",
    cell=32,
    needs=("pixels", "jpeg"),
    heavy=True,
)
def model_analysis(image: LoadedImage, *, detector: Any = None, model: str | None = None) -> AnalysisResult:
    """Score `image` with `detector` (default: the shared bundle at `model`, else the shipped one).

    A detector without a ``heatmap`` method, or whose heatmap fails, still gives its score:
    the map is then None and ``details["heatmap_message"]`` says why.
    """
    detector = detector if detector is not None else shared_detector(model)
    raw = detector.predict([image])[0]
    prediction = prediction_to_dict(raw)
    cells = getattr(raw, "cells", None)
    heatmap, message, cell = None, None, 8
    if cells is not None:  # a fused bundle: its localisation map on the 32-pixel grid
        heatmap, cell = np.asarray(cells, np.float32), 32
    elif hasattr(detector, "heatmap"):
        try:
            heatmap = np.asarray(detector.heatmap(image), np.float32)
            grid = (-(-image.height // 8), -(-image.width // 8))
            if heatmap.shape != grid:  # a detector off the contract loses its map, not its score
                message = f"the model's map is {heatmap.shape}, not the {grid} block grid"
                heatmap = None
        except Exception as exc:  # the score stands without its map
            heatmap, message = None, f"the heatmap failed: {exc}"
    else:
        message = "this model does not draw heatmaps"
    findings = []
    verdict, reason = prediction.get("verdict"), prediction.get("reason")
    if verdict and reason:
        severity = {"edited": "warning", "uncertain": "notice"}.get(verdict, "info")
        findings.append(Finding(f"verdict-{verdict}", severity, reason))
    if prediction.get("domain_note") and prediction.get("domain_note") != reason:
        findings.append(Finding("model-out-of-domain", "notice", prediction["domain_note"]))
    details = {"prediction": prediction}
    if message:
        details["heatmap_message"] = message
    return AnalysisResult(name="model", heatmap=heatmap, cell=cell, direction="high", units="probability",
                          score=prediction["p_edited"], findings=tuple(findings), details=details)
