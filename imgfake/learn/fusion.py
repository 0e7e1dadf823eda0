"""The fused verdict: toolbox evidence + the lattice network -> calibrated p_edited, a
localisation map, and one of three answers.

Two gradient-boosted tree models (stored as JSON, :mod:`imgfake.learn.trees`) read the
evidence of :mod:`imgfake.learn.evidence`:

1. the **cell model** gives each 32-pixel cell the probability that it was edited, from the
   methods' values, robust z-scores and image scores there (trained on the synthetic
   forgeries' masks; authentic images' cells are all untouched);
2. the **image model** gives ``p_edited`` from the methods' scores, statistics of their maps
   and statistics of the cell model's map (trained on out-of-fold cell maps, so it never sees
   a cell map fitted on the same image), Platt-calibrated on validation;
3. a **stage-2 model** (multiclass trees on the same image features) names the kind of edit,
   reported only when the answer is "edited".

:func:`decide` turns ``p_edited`` and the facts of the image into "edited", "real" or
"uncertain" with the reason in plain words. The threshold for "edited" holds the false-positive
rate on validation authentic images (``fpr_target``, 5 %); below a lower threshold the answer
is "real"; between them, or when the evidence the model reads is absent, "uncertain".

Training lives in :mod:`imgfake.learn.fusetrain`; nothing here imports TensorFlow or
scikit-learn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import evidence as ev_mod
from .trees import predict_proba, predict_raw

__all__ = ["Fusion", "FusedResult", "decide", "cells_to_image", "top_drivers", "quality_of", "VERDICTS",
           "FUSION_FILE", "MIN_SIDE", "DEFAULT_METHODS"]

FUSION_FILE = "fusion.json"
#: The toolbox methods the shipped fusion reads (chosen by measurement: models/README.md).
DEFAULT_METHODS: tuple[str, ...] = ("ela", "noise", "wavelet-noise", "adjpg", "blk", "cfa", "resampling", "copymove")
VERDICTS = ("edited", "real", "uncertain")
#: Images with a shorter side carry too few cells for any of the evidence.
MIN_SIDE = 64
#: Below this JPEG quality the traces the compression evidence reads are mostly gone.
MIN_QUALITY = 60


@dataclass(frozen=True)
class FusedResult:
    """The fusion's output for one image (before the three-way decision)."""

    p_edited: float
    cells: np.ndarray            # per-cell probability on the 32-pixel grid
    kinds: dict[str, float]
    drivers: list[tuple[str, float]]  # (method, log-odds it adds), largest first


class Fusion:
    """The fusion models of a bundle (``fusion.json``), evaluated with NumPy alone."""

    def __init__(self, config: dict) -> None:
        self.config = config
        self.methods: list[str] = list(config["methods"])
        self.image_methods: list[str] = self.methods + [ev_mod.LATTICE] * bool(config.get("lattice", True))
        self.threshold = float(config["threshold"])
        self.low = float(config["low_threshold"])
        cal = config.get("calibration") or {}
        self._platt = (float(cal.get("a", 1.0)), float(cal.get("b", 0.0)))
        self.kind_names: list[str] = list((config.get("stage2") or {}).get("classes") or [])
        names = ev_mod.image_feature_names(self.image_methods)
        # per method, the image features that carry its evidence (removed to measure what it adds)
        self._columns = [[i for i, n in enumerate(names) if n.split(":")[0] == m] for m in self.image_methods]

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        a, b = self._platt
        return 1.0 / (1.0 + np.exp(-np.clip(a * np.asarray(raw, np.float64) + b, -60, 60)))

    def cell_map(self, ev: ev_mod.Evidence) -> np.ndarray:
        """Per-cell probability of an edit on the 32-pixel grid."""
        return cell_probabilities(self.config["cell_model"], ev, self.image_methods)

    def image_rows(self, ev: ev_mod.Evidence, cells: np.ndarray) -> np.ndarray:
        return ev_mod.image_features(ev, self.image_methods, cells)[None]

    def score(self, ev: ev_mod.Evidence) -> FusedResult:
        cells = self.cell_map(ev)
        row = self.image_rows(ev, cells)
        # what each method adds: the image model's log-odds with that method's evidence removed
        rows = [row[0]]
        for columns in self._columns:
            r = row[0].copy()
            r[columns] = np.nan
            rows.append(r)
        raw = predict_raw(self.config["image_model"], np.stack(rows))
        p = float(self.calibrate(raw[0]))
        drivers = sorted(((m, float(raw[0] - raw[1 + j])) for j, m in enumerate(self.image_methods)),
                         key=lambda t: -t[1])
        kinds = {}
        if self.kind_names:
            proba = predict_proba(self.config["stage2"]["model"], row)[0]
            kinds = {k: float(v) for k, v in zip(self.kind_names, np.atleast_1d(proba))}
        return FusedResult(p_edited=p, cells=cells, kinds=kinds, drivers=drivers)


def cell_probabilities(model: dict, ev: ev_mod.Evidence, methods) -> np.ndarray:
    """A cell model's probability of an edit per 32-pixel cell (float32, the evidence grid):
    the one computation behind training's out-of-fold maps and prediction's map."""
    x = ev_mod.cell_features(ev, methods)
    return predict_proba(model, x).reshape(ev.grid).astype(np.float32)


def quality_of(image) -> float | None:
    """The IJG quality a JPEG's tables are closest to (None for a non-JPEG or broken tables)."""
    jpeg = getattr(image, "jpeg", None)
    if jpeg is None:
        return None
    from ..forensics.jpeg import estimate_jpeg_quality

    try:
        return float(estimate_jpeg_quality(jpeg.quantization).quality)
    except ValueError:  # tables that are not a JPEG's (the jpeg analysis says so)
        return None


def decide(p: float, *, threshold: float, low: float, facts: dict) -> tuple[str, str]:
    """The three-way answer and its reason in plain words.

    Parameters
    ----------
    p : float
        Calibrated ``p_edited``.
    threshold, low : float
        At or above `threshold`: "edited"; below `low`: "real"; between: "uncertain".
    facts : dict
        ``width``, ``height``, ``flat`` (nearly uniform), ``jpeg`` (bool), ``quality`` (JPEG
        quality estimate or None), ``failed`` (methods that could not run).
    """
    w, h = int(facts.get("width", 0)), int(facts.get("height", 0))
    if min(w, h) < MIN_SIDE:
        return "uncertain", (f"The image is only {w}×{h} pixels: too small for the checks to read "
                             f"(they need at least {MIN_SIDE} pixels a side).")
    if facts.get("flat"):
        return "uncertain", "The image is nearly uniform: there is no texture for the checks to read."
    if p >= threshold:
        return "edited", (f"Signs of editing found: the evidence scores {p:.2f}, at or above the "
                          f"threshold {threshold:.2f}, which only about 5 % of untouched validation "
                          "photos reach.")
    if not facts.get("jpeg"):
        return "uncertain", ("Cannot tell: the file was never saved as JPEG, so the compression traces "
                             "most of the evidence reads are absent, and the other checks found nothing "
                             "decisive.")
    quality = facts.get("quality")
    if quality is not None and quality < MIN_QUALITY:
        return "uncertain", (f"Cannot tell: the file was saved at JPEG quality ≈{quality:.0f}; compression "
                             "that heavy (or repeated re-saving) wipes out most traces an edit leaves.")
    if p >= low:
        return "uncertain", (f"Cannot tell: the evidence is mixed (score {p:.2f}, between {low:.2f} and "
                             f"{threshold:.2f}).")
    return "real", ("No sign of editing found by these checks (score "
                    f"{p:.2f}, below {low:.2f}). That is not proof the photo is authentic: an edit "
                    "followed by resizing or heavy re-compression can leave no trace.")


def cells_to_image(cells: np.ndarray, height: int, width: int) -> np.ndarray:
    """The 32-pixel cell probabilities as an 8-bit height × width greyscale image (0 = surely
    untouched, 255 = surely edited), upsampled smoothly; cells with no evidence read 0."""
    from PIL import Image

    grid = np.nan_to_num(np.asarray(cells, np.float32), nan=0.0)
    big = Image.fromarray(grid).resize((grid.shape[1] * ev_mod.CELL, grid.shape[0] * ev_mod.CELL),
                                       Image.Resampling.BILINEAR)
    arr = np.asarray(big)[:height, :width]
    return np.clip(np.rint(arr * 255), 0, 255).astype(np.uint8)


def top_drivers(drivers: Sequence[tuple[str, float]], n: int = 3) -> list[dict]:
    """The methods that raised ``p_edited`` most (positive log-odds only), as JSON data."""
    return [{"method": m, "log_odds": round(v, 3)} for m, v in drivers[:n] if v > 0.05 and math.isfinite(v)]
