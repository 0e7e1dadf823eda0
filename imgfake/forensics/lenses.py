"""Lenses: views of a photo that help the eye, with no score of their own (what Sherloq,
Forensically and the InVID-WeVerify plugin offer beside their detectors).

* ``gradient`` — luminance gradient magnitude: edges pasted in often look sharper or softer than
  the rest, and retouched areas lose their fine structure.
* ``highpass`` — the absolute Laplacian of the luminance: fine texture, scanning and resampling
  patterns, smoothing.
* ``median`` — the absolute difference to a 3×3 median filter (Forensically's noise view): noise
  that is missing or different where an area was painted, cloned or pasted.
* ``pca`` — the photo projected on the second principal axis of its RGB values: the first is
  mostly brightness, so this one holds colour differences, where areas from other sources
  stand out.

Each map is on a 4-pixel grid (means of the view), drawn brighter where the view is stronger;
they declare direction "high" only so that display and fusion treat them alike. No score: a lens
shows, it does not decide.

References
----------
Sherloq (G. Bertoli), Forensically (J. Wagner), InVID-WeVerify: the "luminance gradient",
"noise", "PCA" and "Laplacian" tools.

Where it fails: a lens shows what any photo has (edges, texture, colour regions); only a part
that looks unlike the rest of the same photo deserves a closer look, and that is a judgement.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from ..results import AnalysisResult
from .blocks import cell_means
from .registry import register

__all__ = ["luminance", "gradient_view", "highpass_view", "median_view", "pca_view"]


def luminance(pixels: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma of uint8 RGB, float32 (grey levels)."""
    rgb = pixels.astype(np.float32)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def gradient_view(pixels: np.ndarray) -> np.ndarray:
    """Gradient magnitude of the luma (central differences, edges replicated), float32 H×W;
    any size, a 1-pixel line too."""
    y = np.pad(luminance(pixels), 1, mode="edge")
    gx = (y[1:-1, 2:] - y[1:-1, :-2]) * np.float32(0.5)
    gy = (y[2:, 1:-1] - y[:-2, 1:-1]) * np.float32(0.5)
    return np.hypot(gx, gy).astype(np.float32)


def highpass_view(pixels: np.ndarray) -> np.ndarray:
    """Absolute 4-neighbour Laplacian of the luma, float32 H×W (edges replicated)."""
    y = np.pad(luminance(pixels), 1, mode="edge")
    lap = 4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2] - y[1:-1, 2:]
    return np.abs(lap).astype(np.float32)


def median_view(pixels: np.ndarray) -> np.ndarray:
    """Absolute difference between the luma and its 3×3 median, float32 H×W."""
    grey = Image.fromarray(pixels).convert("L")
    median = np.asarray(grey.filter(ImageFilter.MedianFilter(3)), np.int16)
    return np.abs(np.asarray(grey, np.int16) - median).astype(np.float32)


def pca_view(pixels: np.ndarray, *, component: int = 1) -> np.ndarray:
    """The RGB values projected on one principal axis (0 = most variance, 2 = least), as the
    absolute distance from its mean, float32 H×W."""
    flat = pixels.reshape(-1, 3).astype(np.float32)
    step = max(1, flat.shape[0] // 200_000)  # the axes from a sample: same answer, less time
    sample = flat[::step]
    mean = sample.mean(axis=0)
    if len(sample) < 2:  # a single pixel has no axes
        return np.zeros(pixels.shape[:2], np.float32)
    covariance = np.cov((sample - mean).T)
    _, vectors = np.linalg.eigh(covariance)  # ascending eigenvalues
    axis = vectors[:, 2 - component].astype(np.float32)
    return np.abs((flat - mean) @ axis).reshape(pixels.shape[:2]).astype(np.float32)


def _lens(name: str, view: np.ndarray, units: str, block: int) -> AnalysisResult:
    return AnalysisResult(name=name, heatmap=cell_means(view, block), cell=block, direction="high",
                          units=units, details={"mean": round(float(view.mean()), 4)})


_LENSES = {
    "gradient": ("Luminance gradient", gradient_view, "grey levels per pixel",
                 "How sharply brightness changes: pasted edges look sharper or softer than the rest."),
    "highpass": ("High-pass (Laplacian)", highpass_view, "grey levels",
                 "Fine texture only: smoothing, resampling and scanning patterns show up."),
    "median": ("Median noise", median_view, "grey levels",
               "The difference to a 3×3 median filter: noise missing or different where an area was "
               "painted, cloned or pasted (Forensically's noise view)."),
    "pca": ("PCA (colour axis)", pca_view, "grey levels",
            "The photo along its second principal colour axis (the first is mostly brightness): "
            "colour differences between sources stand out."),
}


def _make(name: str, title: str, view, units: str, description: str):
    @register(name, title=title, family="lens", description=description, heatmap=True,
              direction="high", cell=4)
    def lens(image, *, block: int = 4) -> AnalysisResult:
        return _lens(name, view(image.pixels), units, int(block))

    lens.__name__ = f"{name}_lens"
    lens.__doc__ = f"{title}: {description}"
    return lens


for _name, (_title, _view, _units, _description) in _LENSES.items():
    _make(_name, _title, _view, _units, _description)
