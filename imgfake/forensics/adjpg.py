"""Aligned double JPEG (A-DJPG): blocks that missed the photo's earlier JPEG save.

A JPEG saved twice on the same 8×8 grid, first with a step ``Q1`` and then ``Q2`` per
frequency, has DCT coefficient histograms with a periodic pattern of full and emptied bins
(quantising twice: ``n(x)`` values of the first lattice fall into bin ``x`` of the second).
A region pasted in between the two saves — from a never-compressed photo, or a JPEG on
another grid — went through the second quantisation only and lacks the pattern. This module
reads the file's own quantised coefficients (:mod:`imgfake.forensics.dct`), estimates the
pattern of every low frequency (``Q1`` and the share ``α`` of double-quantised blocks) by fitting
the histogram against a calibrated single-compression estimate (the image decoded, shifted by
one pixel and transformed again), and gives each 8×8 block the probability that its
coefficients were quantised once — the method of Bianchi, De Rosa and Piva (2011), after
Lin et al. (2009).

References
----------
Z. Lin, J. He, X. Tang, C.-K. Tang, "Fast, automatic and fine-grained tampered JPEG image
detection via DCT coefficient analysis", Pattern Recognition 42(11), 2009, pp. 2492-2501.

T. Bianchi, A. De Rosa, A. Piva, "Improved DCT coefficient analysis for forgery localization in
JPEG images", IEEE ICASSP 2011, pp. 2444-2447.

T. Bianchi, A. Piva, "Image forgery localization via block-grained analysis of JPEG
artifacts", IEEE Transactions on Information Forensics and Security 7(3), 2012, pp. 1003-1017.

Where it fails: a photo saved once (most camera originals) has no pattern to compare, and says
so; the pattern vanishes when the first step divides the second (``Q2 % Q1 == 0``, typically a
second save at a *lower* quality than the first), when the photo was resized or cropped off the
8×8 grid between the saves (see the non-aligned method), and in flat blocks whose coefficients
are all zero (not analysed). The whole file being double-compressed is no sign of editing by
itself: re-saving is what apps do.
"""

from __future__ import annotations

import numpy as np

from ..results import AnalysisResult, Finding
from .blocks import ZIGZAG
from .dct import (Coefficients, blocks_to_spatial, odd_blocks, odd_region_result, read_coefficients,
                  spatial_to_blocks)
from .registry import register

__all__ = ["dq_factor", "fit_first_quantisation", "adjpg_map", "FREQUENCIES"]

#: The zig-zag positions analysed (the first 15 AC frequencies: the high ones are mostly zero).
FREQUENCIES = tuple(int(k) for k in ZIGZAG[1:16])
#: Largest first-compression step tried, per zig-zag rank (as in Bianchi et al.'s code).
_Q1_MAX = (20,) * 9 + (30,) * 5 + (40,)
#: A frequency counts as double-quantised when its fit improves on "single" by this share.
MIN_IMPROVEMENT = 0.25
#: ... and when the double-quantised share α of its blocks is at least this.
MIN_ALPHA = 0.25
#: At least this many of the 15 frequencies must show the pattern for the photo to count as
#: double-compressed: single saves of the 42 lossless photos at quality 50-85 reached 10 by chance
#: (calibration mismatch), double saves 80→85 and 60→70 at least 12.
MIN_FREQUENCIES = 11


def _floor_half(x: np.ndarray) -> np.ndarray:
    """floor, except that exact integers go down by 0.5 (a lattice point on a bin edge counts half)."""
    f = np.floor(x)
    return np.where(np.abs(x - f) < 1e-9, x - 0.5, f)


def _ceil_half(x: np.ndarray) -> np.ndarray:
    c = np.ceil(x)
    return np.where(np.abs(x - c) < 1e-9, x + 0.5, c)


def dq_factor(q1: int, q2: int, support: np.ndarray, *, sigma: float = 0.0) -> np.ndarray:
    """How double quantisation (step `q1`, then `q2`) reshapes a smooth histogram, bin by bin.

    ``n(x) = (q1 / q2) · #{m : m·q1 falls in bin x of step q2}``; its mean over a period is 1.
    `sigma` (in units of `q2`) smooths it with the decoder's rounding error.

    Examples
    --------
    >>> dq_factor(3, 2, np.arange(0, 4)).round(2).tolist()   # bins 0..3 of step 2 after step 3
    [1.5, 0.75, 0.75, 1.5]
    """
    x = np.asarray(support, np.float64)
    ratio = q2 / q1
    n = (q1 / q2) * (_floor_half(ratio * (x + 0.5)) - _ceil_half(ratio * (x - 0.5)) + 1)
    if sigma > 0.05:
        half = int(np.ceil(4 * sigma))
        offsets = np.arange(-half, half + 1)
        kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
        n = np.convolve(np.pad(n, half, mode="edge"), kernel / kernel.sum(), mode="valid")
    return n


def _histogram(values: np.ndarray, limit: int) -> np.ndarray:
    clipped = np.clip(values, -limit, limit).astype(np.int64) + limit
    return np.bincount(clipped, minlength=2 * limit + 1).astype(np.float64)


def fit_first_quantisation(observed: np.ndarray, calibrated: np.ndarray, q2: int, *, q1_max: int = 20,
                           sigma: float = 0.0) -> tuple[int, float, float]:
    """The first step ``Q1`` that best explains a coefficient histogram, its share α, and the fit's gain.

    Parameters
    ----------
    observed, calibrated : ndarray
        Histograms over the same symmetric support ``-L..L`` (the file's coefficients, and a
        single-compression estimate scaled to the same total).
    q2 : int
        The file's step at this frequency.

    Returns
    -------
    (q1, alpha, improvement)
        ``q1 = 0`` when no step explains the histogram better than a single compression;
        ``improvement`` = 1 − error(best) / error(single), in [0, 1].
    """
    limit = (len(observed) - 1) // 2
    support = np.arange(-limit, limit + 1)
    informative = support != 0
    h, hs = observed[informative], calibrated[informative]
    base = float(((h - hs) ** 2).sum())
    best = (0, 0.0, 0.0)
    if base <= 0:
        return best
    best_error = base
    for q1 in range(1, q1_max + 1):
        if q1 == q2 or q2 % q1 == 0:  # no trace: the first lattice holds the second one
            continue
        a1 = hs * (dq_factor(q1, q2, support, sigma=sigma)[informative] - 1.0)
        energy = float(a1 @ a1)
        if energy <= 0:
            continue
        alpha = min(1.0, float(a1 @ (h - hs)) / energy)
        if alpha < MIN_ALPHA:
            continue
        error = float(((h - hs - alpha * a1) ** 2).sum())
        if error < best_error:
            best_error, best = error, (q1, alpha, 1.0 - error / base)
    return best


def _calibrated_blocks(coefficients: Coefficients, spatial: np.ndarray) -> np.ndarray:
    """Unquantised coefficients of a single-compression look-alike: the decoded luminance shifted
    by one pixel (the grid no longer matches, the quantisation lattice is gone) and transformed."""
    return spatial_to_blocks(np.clip(spatial[1:, 1:], 0, 255))


def adjpg_map(coefficients: Coefficients, *, frequencies=FREQUENCIES) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-block log-likelihood that its coefficients were quantised once, not twice.

    Returns
    -------
    (log_ratio, informative, fit)
        ``log_ratio``: float32 (rows, cols), summed over the double-quantised frequencies
        (0 where a block holds no informative coefficient); ``informative``: int (rows, cols),
        how many coefficients spoke; ``fit``: per analysed frequency ``{zigzag rank: (q2, q1,
        alpha, improvement)}``.
    """
    luma, table = coefficients.luma, coefficients.table
    rows, cols = luma.shape[:2]
    spatial = blocks_to_spatial(luma, table)
    # the decoder's rounding error (clipped pixels excluded: their error is not rounding), at most
    # 2 coefficient units: a damaged file's values would otherwise blur every histogram away
    inside = (spatial >= 0) & (spatial <= 255)
    rounding = (spatial - np.rint(spatial))[inside] if inside.any() else np.zeros(1, np.float32)
    sigma_e = float(np.clip(np.sqrt(max(float(rounding.var()), 1e-6)), 0.05, 2.0))
    calibrated = _calibrated_blocks(coefficients, spatial)
    del spatial, rounding
    log_ratio = np.zeros((rows, cols), np.float32)
    informative = np.zeros((rows, cols), np.int32)
    fit: dict[int, tuple[int, int, float, float]] = {}
    for rank, k in enumerate(frequencies, start=1):
        q2 = int(table[k])
        values = luma[:, :, k]
        limit = int(min(max(np.abs(values).max(), 1), max(2048 // q2, 1)))
        observed = _histogram(values.ravel(), limit)
        single = _histogram(np.rint(calibrated[:, :, k].ravel() / q2), limit)
        if single.sum() == 0 or observed.sum() == 0:
            continue
        single *= observed.sum() / single.sum()
        q1, alpha, gain = fit_first_quantisation(observed, single, q2, q1_max=_Q1_MAX[min(rank, 15) - 1],
                                                 sigma=sigma_e / q2)
        fit[rank] = (q2, q1, round(alpha, 3), round(gain, 3))
        if q1 == 0 or gain < MIN_IMPROVEMENT:
            continue
        support = np.arange(-limit, limit + 1)
        mixed = alpha * dq_factor(q1, q2, support, sigma=sigma_e / q2) + (1.0 - alpha)
        evidence = -np.log(np.maximum(mixed, 0.1)).astype(np.float32)  # log(mean / n(x)); mean(n) = 1
        evidence[limit] = 0.0  # zero coefficients say nothing
        index = np.clip(values, -limit, limit) + limit
        log_ratio += evidence[index]
        informative += values != 0
    return log_ratio, informative, fit


@register(
    "adjpg",
    title="Aligned double JPEG",
    family="compression",
    description="Blocks that were JPEG-compressed once while the rest of the photo was compressed twice "
    "on the same grid (A-DJPG, read from the file's own DCT coefficients): typical of a region pasted "
    "in before the last save.",
    heatmap=True,
    direction="high",
    cell=8,
    needs=("pixels", "jpeg"),
)
def adjpg_analysis(image) -> AnalysisResult:
    """Probability per 8×8 block that it was compressed once in a double-compressed photo; score =
    the share of analysed blocks above 0.9, or None when the photo shows no double compression."""
    from ..io import orient

    h, w = image.height, image.width
    empty = np.full((-(-h // 8), -(-w // 8)), np.nan, np.float32)
    coefficients = read_coefficients(image)
    if coefficients is None:
        return AnalysisResult(name="adjpg", heatmap=empty, cell=8, direction="high", units="probability",
                              findings=(Finding("not-jpeg", "info", "Not a JPEG file: there are no DCT "
                                                "coefficients to check for double compression."),))
    log_ratio, informative, fit = adjpg_map(coefficients)
    used = {rank: f for rank, f in fit.items() if f[1] and f[3] >= MIN_IMPROVEMENT}
    details = {"coefficients": coefficients.source, "first_steps": {str(r): f[1] for r, f in used.items()},
               "frequencies_double": len(used),
               "fit": {str(r): {"q2": f[0], "q1": f[1], "alpha": f[2], "gain": f[3]} for r, f in fit.items()}}
    findings: list[Finding] = []
    if coefficients.note:
        findings.append(Finding("coefficients-estimated", "info", coefficients.note))
    if len(used) < MIN_FREQUENCIES:
        findings.append(Finding("single-jpeg", "info",
                                "No trace of an earlier JPEG save on the same grid: the photo looks "
                                "compressed once (or re-saved at a lower quality), so this check has "
                                "nothing to compare."))
        return AnalysisResult(name="adjpg", heatmap=empty, cell=8, direction="high", units="probability",
                              findings=tuple(findings), details=details)
    # most of the photo compressed once: the double-compressed part is the odd one out
    smoothed, flipped = odd_blocks(log_ratio, informative, majority=0.6)
    suspicious = "double" if flipped else "single"
    heatmap = orient(smoothed, image.orientation)[: empty.shape[0], : empty.shape[1]]
    if heatmap.shape != empty.shape:  # a flipped map of a size off the 8-grid: pad with "not analysed"
        padded = empty.copy()
        padded[: heatmap.shape[0], : heatmap.shape[1]] = heatmap
        heatmap = padded
    steps = ", ".join(f"{f[1]}→{f[0]}" for f in list(used.values())[:4])
    findings.append(Finding("double-jpeg", "info",
                            f"The photo was JPEG-compressed at least twice on the same grid (first steps "
                            f"→ last steps {steps}, in {len(used)} frequencies): it was re-saved, which "
                            "apps do, and is no sign of editing by itself."))
    details["suspicious"] = suspicious
    what = ("were compressed only once, unlike the rest" if suspicious == "single"
            else "were compressed twice, unlike the rest")
    return odd_region_result("adjpg", heatmap, findings, details, what=what)
