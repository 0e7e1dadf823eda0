"""Wavelet noise level (NOI1): where is the photo's noise stronger or weaker than elsewhere?

A photo straight from one camera carries noise of about one strength over the whole frame; a
region pasted from a noisier or cleaner photo, or smoothed to hide an edit, does not. Mahdian and
Saic read the noise from the finest diagonal wavelet subband (HH1 of a one-level db8 transform of
the luminance), where a natural image holds little but noise, and estimate its standard deviation
per block with the robust median estimator ``σ = median(|HH1|) / 0.6745`` (Donoho and Johnstone),
which isolated edges and a few textured coefficients do not move.

The map is that σ per block, in grey levels of the luminance (white noise of σ per RGB channel
gives about 0.67 σ there). Which way is suspicious: both (markedly noisier or cleaner than the
photo's median level). The score comes from a homogeneity test on ``log σ``: a cell is an outlier
when it is more than :data:`OUTLIER_SIGMAS` robust spreads from the median (the spread being the
larger of the map's own and the estimator's sampling error under uniform noise) and differs by at
least :data:`MIN_RATIO` times; outliers that touch each other form areas, and the score is the
share of analysed cells in areas of two or more cells.

This complements :mod:`imgfake.forensics.noise` (the ``noise`` map: standard deviation of an image
minus its 3×3 box blur). That residual keeps fine texture and edges and averages them in; the
db8 diagonal subband rejects smooth content up to its 8 vanishing moments and the median ignores
edges, so this one measures the noise itself more closely, at a coarser grid.

References
----------
B. Mahdian, S. Saic, "Using noise inconsistencies for blind image forensics", Image and Vision
Computing 27(10), 2009, pp. 1497-1503.
D. L. Donoho, I. M. Johnstone, "Ideal spatial adaptation by wavelet shrinkage", Biometrika 81(3),
1994, pp. 425-455 (the median estimator).
M. Zampoglou, S. Papadopoulos, Y. Kompatsiaris, "Large-scale evaluation of splicing localization
algorithms for web images", Multimedia Tools and Applications 76(4), 2017 (NOI1 in their
toolbox, followed here without the region-merging step of the paper).

Where it fails: texture is not noise to the eye but is to HH1, so sharp detail (hair, grass,
fabric) reads as "noisier" and an out-of-focus background as "cleaner" — a sharp subject in front
of a blurred background is the typical false alarm; JPEG compression removes weak noise (at
quality 90 noise of σ 2 per channel drops to about a quarter) so cleaner regions fade into the
rest (a region smoothed by a 1.5-pixel Gaussian is still found at quality 90, lost at 80); a
pasted region with the same noise level as the photo is invisible; flat or clipped areas carry no
noise to measure (they are not analysed). The homogeneity test is strict on purpose: in real
photos texture spreads log σ widely, so a region made noisier by σ 6 per channel is ranked high
by the map but seldom called an outlier.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from ..results import AnalysisResult, Finding
from .blocks import cell_means, cell_variance
from .lenses import luminance
from .registry import register

__all__ = ["luma", "hh1", "wavelet_sigma", "uninformative_cells", "noise_outliers",
           "MAD_TO_SIGMA", "OUTLIER_SIGMAS", "MIN_RATIO"]

#: median(|x|) of a zero-mean Gaussian is 0.6745 σ.
MAD_TO_SIGMA = 0.6745
#: Standard error of log σ̂ from n coefficients under uniform Gaussian noise, times √n:
#: the sample median of |x| has standard error σ / (1.271 √n), so σ̂ has 1.166 σ / √n.
LOG_SIGMA_SE = 1.166
#: Robust spreads from the median beyond which a cell's noise level is an outlier.
OUTLIER_SIGMAS = 3.0
#: ... and by at least this factor (above or below): smaller differences are not reported.
MIN_RATIO = 1.5
#: A cell whose grey levels vary by less than this (std) is flat: σ ≈ 0 for the wrong reason.
MIN_STD = 0.5
#: A cell with more than this share of clipped pixels (grey ≤ 2 or ≥ 253) is not analysed.
MAX_CLIPPED = 0.5
#: Fewest analysed cells for a verdict about the whole image.
MIN_CELLS = 8
#: Share of the analysed cells in outlying areas from which the finding is a warning (below, a
#: notice: small areas of outlying "noise" are mostly texture in authentic photos). Measured on
#: the 500 authentic BSDS500 photos: 15 % reach 0.10, 5 % reach 0.20, 1.8 % reach 0.30.
WARN_SHARE = 0.30
#: σ̂ below this counts as this (grey levels) before taking logarithms.
SIGMA_FLOOR = 0.05
#: Rows per strip for the luminance (bounds the float work copies of RGB).
_STRIP = 512


def _check_rgb(pixels) -> np.ndarray:
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"pixels must be uint8 (H, W, 3) RGB, got {pixels.dtype} {pixels.shape}; "
                         "load the image with imgfake.load_image")
    return pixels


def _check_block(block) -> int:
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 4 \
            or block % 2:
        raise ValueError(f"block must be an even integer >= 4 (one HH1 coefficient covers 2×2 "
                         f"pixels), got {block!r}")
    return int(block)


def luma(pixels: np.ndarray) -> np.ndarray:
    """ITU-R 601 luminance of uint8 RGB as float32 (grey levels), computed in strips so the
    float copy of the RGB image never exists whole."""
    pixels = _check_rgb(pixels)
    out = np.empty(pixels.shape[:2], np.float32)
    for top in range(0, pixels.shape[0], _STRIP):
        out[top:top + _STRIP] = luminance(pixels[top:top + _STRIP])
    return out


def hh1(grey: np.ndarray) -> np.ndarray:
    """The finest diagonal detail subband of a one-level db8 wavelet transform, on the pixel grid.

    Parameters
    ----------
    grey : ndarray, shape (H, W)
        Luminance, grey levels.

    Returns
    -------
    ndarray of float32, shape (ceil(H / 2), ceil(W / 2))
        Coefficient ``(i, j)`` is centred on pixels ``2i..2i+1`` × ``2j..2j+1`` (the db8 filter's
        delay of one coefficient under symmetric extension is cut off, and so is the tail the
        extension adds), so block ``k`` of ``b`` coefficients covers pixels ``2kb..2(k+1)b``.
        Orthonormal: white noise of σ gives coefficients of σ.
    """
    import pywt  # PyWavelets: only this analysis needs it

    grey = np.asarray(grey, np.float32)
    if grey.ndim != 2 or grey.size == 0:
        raise ValueError(f"grey must be a non-empty 2-D array, got shape {grey.shape}")
    h, w = grey.shape
    _, detail = pywt.dwt(grey, "db8", mode="symmetric", axis=1)
    detail = np.ascontiguousarray(detail[:, 1:1 + (w + 1) // 2])
    _, diagonal = pywt.dwt(detail, "db8", mode="symmetric", axis=0)
    return np.ascontiguousarray(diagonal[1:1 + (h + 1) // 2], dtype=np.float32)


def _block_medians(values: np.ndarray, side: int, *, min_count: int) -> np.ndarray:
    """Median of ``values`` over side × side blocks from the top-left corner (edge blocks partial;
    NaN where a block holds fewer than `min_count` values)."""
    h, w = values.shape
    rows, cols = -(-h // side), -(-w // side)
    out = np.full((rows, cols), np.nan, np.float32)
    full_r, full_c = h // side, w // side
    if full_r and full_c:
        inner = values[:full_r * side, :full_c * side].reshape(full_r, side, full_c, side)
        inner = inner.transpose(0, 2, 1, 3).reshape(full_r, full_c, -1)
        out[:full_r, :full_c] = np.median(inner, axis=2)
    edges = [(r, c) for r in range(rows) for c in range(full_c, cols)]
    edges += [(r, c) for r in range(full_r, rows) for c in range(full_c)]
    for r, c in edges:
        part = values[r * side:(r + 1) * side, c * side:(c + 1) * side]
        if part.size >= min_count:
            out[r, c] = np.median(part)
    return out


def uninformative_cells(grey: np.ndarray, cell: int, *, min_std: float = MIN_STD,
                        max_clipped: float = MAX_CLIPPED) -> np.ndarray:
    """Cells that are nearly constant (grey-level std below `min_std`) or mostly clipped
    (more than `max_clipped` of the pixels at ≤ 2 or ≥ 253): no noise or artefacts to read.

    Parameters
    ----------
    grey : ndarray of uint8, shape (H, W)
    cell : int

    Returns
    -------
    ndarray of bool, shape (ceil(H / cell), ceil(W / cell))
    """
    grey = np.asarray(grey)
    if grey.dtype != np.uint8 or grey.ndim != 2:
        raise ValueError(f"grey must be uint8 (H, W), got {grey.dtype} {grey.shape}")
    flat = cell_variance(grey, cell) < min_std ** 2
    clipped = ((grey <= 2) | (grey >= 253)).view(np.uint8)
    return flat | (cell_means(clipped, cell) > max_clipped)


def wavelet_sigma(pixels: np.ndarray, *, block: int = 32) -> np.ndarray:
    """Noise standard deviation per block from the HH1 wavelet subband (NOI1).

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
    block : int, default 32
        Even block side in pixels; each block holds (block / 2)² HH1 coefficients.

    Returns
    -------
    ndarray of float32, shape (ceil(H / block), ceil(W / block))
        ``median(|HH1|) / 0.6745`` of the luminance per block, grey levels. NaN where the block is
        flat or clipped (:func:`uninformative_cells`), holds under a quarter of a full block's
        coefficients (a thin edge strip), or the image is under 16 pixels on a side.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> grey = np.clip(128 + rng.normal(0, 5, (128, 128)), 0, 255).astype(np.uint8)
    >>> sigma = wavelet_sigma(np.repeat(grey[..., None], 3, axis=2), block=32)
    >>> bool(np.all(np.abs(sigma - 5) < 1))
    True
    """
    pixels = _check_rgb(pixels)
    block = _check_block(block)
    h, w = pixels.shape[:2]
    rows, cols = -(-h // block), -(-w // block)
    if min(h, w) < 16:  # the db8 filter is 16 taps long: nothing but border effects
        return np.full((rows, cols), np.nan, np.float32)
    coefficients = np.abs(hh1(luma(pixels)))
    side = block // 2
    medians = _block_medians(coefficients, side, min_count=max(4, side * side // 4))
    sigma = medians / np.float32(MAD_TO_SIGMA)
    grey = np.asarray(Image.fromarray(pixels).convert("L"))
    sigma[uninformative_cells(grey, block)] = np.nan
    return sigma.astype(np.float32)


def noise_outliers(sigma: np.ndarray, *, coefficients: int, sigmas: float = OUTLIER_SIGMAS,
                   min_ratio: float = MIN_RATIO) -> dict:
    """The homogeneity test: cells whose noise level stands out from the photo's.

    Parameters
    ----------
    sigma : ndarray, shape (rows, cols)
        Noise level per cell (:func:`wavelet_sigma`), NaN = not analysed.
    coefficients : int
        HH1 coefficients per full cell (sets the sampling error under uniform noise).
    sigmas, min_ratio : float
        A cell is an outlier when ``|log σ - median|`` exceeds both ``sigmas`` robust spreads and
        ``log(min_ratio)``.

    Returns
    -------
    dict
        ``high``, ``low``: bool maps of outliers in areas of two or more touching cells (noisier,
        cleaner); ``areas_high``, ``areas_low``: how many such areas; ``median`` (σ, grey levels),
        ``spread`` (of log σ), ``analysed`` (cells).
    """
    from scipy.ndimage import label

    sigma = np.asarray(sigma, np.float32)
    analysed = np.isfinite(sigma)
    out = {"high": np.zeros(sigma.shape, bool), "low": np.zeros(sigma.shape, bool),
           "areas_high": 0, "areas_low": 0, "median": None, "spread": None,
           "analysed": int(analysed.sum())}
    if not analysed.any():
        return out
    logs = np.log(np.maximum(np.where(analysed, sigma, 1.0), SIGMA_FLOOR))
    centre = float(np.median(logs[analysed]))
    spread = max(1.4826 * float(np.median(np.abs(logs[analysed] - centre))),
                 LOG_SIGMA_SE / math.sqrt(max(1, coefficients)))
    deviation = np.where(analysed, logs - centre, 0.0)
    limit = max(sigmas * spread, math.log(min_ratio))
    out.update(median=math.exp(centre), spread=spread)
    for side, outlying in (("high", deviation > limit), ("low", deviation < -limit)):
        labels, _ = label(outlying)
        sizes = np.bincount(labels.ravel())
        keep = sizes >= 2
        keep[0] = False  # the background label
        out[side] = keep[labels]
        out[f"areas_{side}"] = int(keep.sum())
    return out


@register(
    "wavelet-noise",
    title="Wavelet noise level (NOI1)",
    family="noise",
    description="Strength of the camera noise per area, read from the finest diagonal wavelet "
    "detail (Mahdian & Saic): a region pasted from a noisier or cleaner photo, or smoothed, "
    "stands out from the photo's usual level.",
    heatmap=True,
    direction="both",
    cell=32,
)
def wavelet_noise_analysis(image, *, block: int = 32) -> AnalysisResult:
    """NOI1 noise level per `block` × `block` pixels (not the display grid: the estimate needs a
    block's worth of coefficients); score = share of analysed cells in areas of outlying noise,
    or None with fewer than :data:`MIN_CELLS` analysed cells."""
    block = _check_block(block)
    sigma = wavelet_sigma(image.pixels, block=block)
    if image.undecoded is not None:  # the part a truncated file did not hold is no evidence
        from .blocks import cells_touching

        sigma[cells_touching(image.undecoded, block)] = np.nan
    test = noise_outliers(sigma, coefficients=(block // 2) ** 2)
    analysed = test["analysed"]
    outlying = test["high"] | test["low"]
    findings: list[Finding] = []
    score = None
    if analysed < MIN_CELLS:
        findings.append(Finding("noise-not-analysed", "info",
                                "Too little of the photo has measurable noise (it is small, flat "
                                "or clipped): the noise levels of its parts cannot be compared."))
    else:
        score = float(outlying.sum() / analysed)
        areas = test["areas_high"] + test["areas_low"]
        if areas:
            parts = [f"{n} {side}" for n, side in ((test["areas_high"], "noisier"),
                                                    (test["areas_low"], "cleaner")) if n]
            findings.append(Finding(
                "noise-level-differs", "warning" if score >= WARN_SHARE else "notice",
                f"The noise level differs from the rest of the photo in {areas} area"
                f"{'s' if areas > 1 else ''} ({' and '.join(parts)}; {score:.0%} of the photo "
                "analysed): a sign of a region pasted from another photo or smoothed. Sharp "
                "texture against a blurred background looks the same to this check."))
        else:
            findings.append(Finding("noise-uniform", "info",
                                    "The noise is uniform across the photo (no area stands out)."))
    median = test["median"]
    return AnalysisResult(
        name="wavelet-noise", heatmap=sigma, cell=block, direction="both",
        units="grey levels (noise std)", mask=None if score is None else outlying,
        score=score, findings=tuple(findings),
        details={"block": block, "median_sigma": None if median is None else round(median, 3),
                 "log_spread": None if test["spread"] is None else round(test["spread"], 3),
                 "analysed_cells": analysed, "noisier_areas": test["areas_high"],
                 "cleaner_areas": test["areas_low"]},
    )
