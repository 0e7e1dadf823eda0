"""JPEG grid alignment: regions whose 8×8 block grid is shifted against the rest of the photo.

A decoded JPEG is made of 8×8 blocks whose DCT has many coefficients at (nearly) zero — but
only on the grid the encoder used. Counting near-zero DCT coefficients for each of the 64
possible grid origins finds the image's grid, and, cell by cell, any region that follows another
one: a region pasted from another JPEG keeps its own grid, usually shifted. This is the ZERO
method of Nikoukhah et al. (2019), voting per 32-pixel cell.

References
----------
T. Nikoukhah, J. Anger, T. Ehret, M. Colom, J.-M. Morel, R. Grompone von Gioi, "JPEG grid
detection based on the number of DCT zeros and its application to automatic and localized
forgery detection", CVPR Workshops, 2019.

Where it fails: never-compressed, resized or very high-quality (≥ 95) images leave too few zeros
(those cells are not analysed); flat areas have zeros on every grid; a pasted region whose grid
happens to line up with the photo's is invisible to it.
"""

from __future__ import annotations

import numpy as np

from ..results import AnalysisResult, Finding
from .blocks import DCT_BASIS, one_blas_thread
from .lenses import luminance
from .registry import register

__all__ = ["zeros_by_origin", "grid_votes"]

#: Mean near-zero AC coefficients per block below which a cell shows no JPEG grid.
MIN_ZEROS = 6.0


def zeros_by_origin(pixels: np.ndarray, *, cell: int = 32) -> np.ndarray:
    """Near-zero AC DCT coefficients (|c| < 0.5) per block, averaged per cell, for each grid origin.

    Returns
    -------
    ndarray of float32, shape (64, ceil(H / cell), ceil(W / cell))
        Index ``dy * 8 + dx``: blocks starting at rows ``dy + 8i`` and columns ``dx + 8j``; a
        block counts in the cell holding its centre. NaN where a cell has no whole block.
    """
    y = luminance(pixels) - np.float32(128)
    h, w = y.shape
    rows, cols = -(-h // cell), -(-w // cell)
    out = np.full((64, rows, cols), np.nan, np.float32)
    with one_blas_thread():
        for dy in range(8):
            for dx in range(8):
                sub = y[dy:, dx:]
                bh, bw = sub.shape[0] // 8, sub.shape[1] // 8
                if bh == 0 or bw == 0:
                    continue
                blocks = sub[:bh * 8, :bw * 8].reshape(bh, 8, bw, 8).transpose(0, 2, 1, 3).reshape(-1, 64)
                zeros = (np.abs(blocks @ DCT_BASIS[:, 1:]) < 0.5).sum(axis=1)
                cy = (dy + 8 * np.arange(bh) + 4) // cell
                cx = (dx + 8 * np.arange(bw) + 4) // cell
                index = (cy[:, None] * cols + cx[None, :]).ravel()
                total = np.bincount(index, weights=zeros, minlength=rows * cols)
                count = np.bincount(index, minlength=rows * cols)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[dy * 8 + dx] = np.where(count > 0, total / np.maximum(count, 1), np.nan).reshape(rows, cols)
    return out


def grid_votes(zeros: np.ndarray) -> tuple[np.ndarray, int, np.ndarray, float]:
    """The image's grid origin and, per cell, how much another origin beats it.

    Returns
    -------
    (strength, origin, best, clarity)
        ``strength``: float32 (rows, cols) in [0, 1), ``(z_best - z_image) / (z_best + 1)``, NaN
        where a cell shows no grid; ``origin``: the image's ``dy * 8 + dx``; ``best``: each
        cell's own origin; ``clarity``: how much the image's origin beats the next best overall.
    """
    filled = np.where(np.isnan(zeros), -1.0, zeros)
    top = filled.max(axis=0)
    analysed = top >= MIN_ZEROS
    # each origin's mean over the analysed cells (a cell without its blocks counts 0)
    overall = np.where(analysed, np.maximum(filled, 0.0), 0.0).reshape(64, -1).sum(axis=1) / max(int(analysed.sum()), 1)
    origin = int(np.argmax(overall))
    ranked = np.sort(overall)
    clarity = float((ranked[-1] - ranked[-2]) / max(ranked[-1], 1e-6)) if len(ranked) > 1 else 0.0
    best = filled.argmax(axis=0)
    own = filled[origin]
    strength = np.where(analysed, (top - own) / np.maximum(top + 1.0, 1.0), np.nan).astype(np.float32)
    return strength, origin, best, clarity


@register(
    "grid",
    title="JPEG grid alignment",
    family="compression",
    description="Where the 8×8 JPEG block grid differs from the rest of the photo (ZERO): a region "
    "pasted from another JPEG usually keeps its own, shifted grid.",
    heatmap=True,
    direction="high",
    cell=32,
)
def grid_analysis(image, *, block: int = 32) -> AnalysisResult:
    """Grid misalignment per `block` × `block` pixels; score = the share of analysed cells that
    follow another grid clearly (strength ≥ 0.2), or None when no grid is visible."""
    cell = int(block)
    zeros = zeros_by_origin(image.pixels, cell=cell)
    strength, origin, best, clarity = grid_votes(zeros)
    analysed = np.isfinite(strength)
    dy, dx = divmod(origin, 8)
    findings: list[Finding] = []
    score = None
    if not analysed.any() or clarity < 0.05:
        findings.append(Finding("grid-not-visible", "info",
                                "No clear JPEG block grid is visible (never compressed, saved at a very "
                                "high quality, or resized since): this check has nothing to compare."))
    else:
        other = analysed & (strength >= 0.2)
        score = float(other.sum() / analysed.sum())
        if (dy, dx) != (0, 0):
            findings.append(Finding("grid-shifted", "notice",
                                    f"The JPEG block grid starts {dx} px from the left and {dy} px from the "
                                    "top, not at the corner: the photo was cropped after a JPEG save."))
        if other.sum() >= 2:
            findings.append(Finding("grid-mismatch", "warning",
                                    f"{other.sum()} areas of {cell}×{cell} px ({score:.0%} of those analysed) "
                                    "follow another 8×8 JPEG grid than the rest: a sign of a region pasted "
                                    "from another JPEG."))
    if not analysed.any():
        strength = np.full(strength.shape, np.nan, np.float32)
    return AnalysisResult(
        name="grid", heatmap=strength, cell=cell, direction="high", units="share of zeros gained",
        score=score, findings=tuple(findings),
        details={"grid_origin": {"x": dx, "y": dy}, "grid_clarity": round(clarity, 3),
                 "analysed_cells": int(analysed.sum())},
    )
