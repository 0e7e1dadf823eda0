"""Noise-residual analysis: where does the fine-grain noise of a photo change?

A camera leaves a fairly even noise texture over a photo; pasted, smoothed or painted regions
carry different noise. The residual is the luminance minus a 3×3 box-smoothed copy; its local
standard deviation over blocks is the map. Suspicious either way: smoothing or painting lowers
it, a region pasted from a noisier photo raises it.

References
----------
B. Mahdian, S. Saic, "Using noise inconsistencies for blind image forensics", Image and Vision
Computing 27(10), 2009, pp. 1497-1503 (local noise levels as evidence of splicing; they use a
wavelet estimator where this uses a box-filter residual).
S. Lyu, X. Pan, X. Zhang, "Exposing region splicing forgeries with blind local noise
estimation", International Journal of Computer Vision 110(2), 2014.

Where it fails: texture changes the residual as much as editing does (compare like with like);
strong JPEG compression flattens noise everywhere.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from ..results import AnalysisResult
from .blocks import cell_variance, cells_touching
from .registry import register

__all__ = ["noise_residual", "noise_map"]


def _residual_int16(pixels: np.ndarray) -> np.ndarray:
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"pixels must be uint8 (H, W, 3), got {pixels.dtype} {pixels.shape}")
    grey = Image.fromarray(pixels).convert("L")
    smooth = grey.filter(ImageFilter.BoxBlur(1))
    out = np.asarray(grey, np.int16)
    out -= np.asarray(smooth, np.uint8)  # exact: both are 0..255
    return out


def noise_residual(pixels: np.ndarray) -> np.ndarray:
    """High-pass residual of the luminance (float32, H×W, grey levels).

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)

    Returns
    -------
    ndarray of float32, shape (H, W)
        The grey image minus its 3×3 box blur.
    """
    return _residual_int16(pixels).astype(np.float32)


def noise_map(pixels: np.ndarray, *, block: int = 16) -> np.ndarray:
    """Local noise level: standard deviation of :func:`noise_residual` per block.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
    block : int, default 16
        Block side in pixels; each block gets one value.

    Returns
    -------
    ndarray of float32, shape (ceil(H / block), ceil(W / block))
        One value per block from the top-left corner; edge blocks are partial (their own
        pixels only). Computed as ``sqrt(E[r²] - E[r]²)`` from block sums of the int16 residual:
        no padded or squared float copy of the image.
    """
    if not isinstance(block, (int, np.integer)) or block < 2:
        raise ValueError(f"block must be an integer >= 2, got {block!r}")
    return np.sqrt(cell_variance(_residual_int16(pixels), block)).astype(np.float32)


@register(
    "noise",
    title="Noise level",
    family="noise",
    description="Local strength of fine noise (the image minus a smoothed copy); pasted or "
    "retouched regions often carry different noise from the rest of the photo.",
    heatmap=True,
    direction="both",
    cell=16,
)
def noise_analysis(image, *, block: int = 16) -> AnalysisResult:
    """Noise level per `block` × `block` pixels. Suspicious either way: smoothing or painting
    lowers it, a region pasted from a noisier photo raises it."""
    heatmap = noise_map(image.pixels, block=block)
    counted = heatmap.ravel()
    if image.undecoded is not None:  # the part a truncated file did not hold is no evidence
        counted = heatmap[~cells_touching(image.undecoded, block)]
    p5, p50, p95 = (float(v) for v in np.percentile(counted, [5, 50, 95])) if counted.size else (np.nan,) * 3
    return AnalysisResult(
        name="noise", heatmap=heatmap, cell=block, direction="both", units="grey levels (std)",
        details={"block": block, "median": p50, "p5": p5, "p95": p95, "p5_p95_spread": p95 - p5},
    )
