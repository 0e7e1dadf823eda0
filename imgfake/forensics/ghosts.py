"""JPEG ghosts (Farid 2009): regions that were once saved at a lower JPEG quality than the rest.

Re-saving a JPEG at the quality it was last saved with changes it little; a region pasted in from
a photo saved at a lower quality ``q1`` and then saved again with the whole image at ``q2 > q1``
keeps a "ghost": its difference to a re-save dips at ``q1`` while the rest of the image does not.
The method re-saves the image over a range of qualities, measures each block's squared difference
at each quality, normalises every block's curve by its own largest value (texture cancels out)
and compares it with the image's typical curve: a block that dips deeper than typical below the
image's own quality is suspicious.

References
----------
H. Farid, "Exposing digital forgeries from JPEG ghosts", IEEE Transactions on Information
Forensics and Security 4(1), 2009, pp. 154-160.

Where it fails: the ghost exists only when the pasted region's earlier quality was lower than the
final one; re-saving, resizing or strong filtering after the edit erase it; flat regions carry no
signal (they are marked not analysed).
"""

from __future__ import annotations

import numpy as np

from ..results import AnalysisResult, Finding
from .blocks import cell_means, cell_variance
from .ela import ela
from .registry import register, run_analysis

__all__ = ["ghost_curves", "ghost_map", "GHOST_QUALITIES"]

_SQUARES = (np.arange(256, dtype=np.uint32) ** 2).astype(np.uint16)

#: Qualities of the re-saves (the ghost is looked for below the image's own quality).
GHOST_QUALITIES = tuple(range(50, 100, 5))


def ghost_curves(pixels: np.ndarray, *, qualities=GHOST_QUALITIES, cell: int = 16,
                 subsampling: str = "4:2:0") -> np.ndarray:
    """Per-cell mean squared difference to a re-save at each quality.

    Returns
    -------
    ndarray of float32, shape (len(qualities), ceil(H / cell), ceil(W / cell))
        Squared grey levels, averaged over the three channels and the cell's pixels.
    """
    curves = []
    for q in qualities:  # one re-save at a time: memory stays that of one ELA
        squared = _SQUARES[ela(pixels, quality=q, subsampling=subsampling)]  # uint16: 255² fits
        square = squared[..., 0].astype(np.uint32)
        square += squared[..., 1]
        square += squared[..., 2]  # at most 3 × 255² < 2^18
        del squared
        curves.append(cell_means(square, cell) / np.float32(3))
    return np.stack(curves).astype(np.float32)


def textured_cells(pixels: np.ndarray, cell: int, *, min_std: float = 1.0) -> np.ndarray:
    """Cells whose grey levels vary by at least `min_std` (flat cells carry no JPEG signal)."""
    grey = pixels.astype(np.uint16).sum(axis=2)  # 0..765
    return cell_variance(grey, cell) >= (3 * min_std) ** 2


def ghost_map(curves: np.ndarray, qualities, *, below: int, textured: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray, int | None]:
    """How much deeper each cell dips than the image's typical cell, at qualities below `below`.

    Parameters
    ----------
    curves : ndarray, shape (Q, rows, cols)
        From :func:`ghost_curves`.
    qualities : sequence of int
    below : int
        Only qualities under this one count (the image's own quality, or 100).
    textured : ndarray of bool, shape (rows, cols), optional
        Cells worth analysing (:func:`textured_cells`); the others, and cells that never change
        on a re-save, are NaN.

    Returns
    -------
    (strength, depth_quality, ghost_quality)
        ``strength``: float32 (rows, cols), ≥ 0, NaN for flat cells; ``depth_quality``: the quality
        of each cell's deepest relative dip; ``ghost_quality``: that quality for the strongest
        cells, or None when no quality qualifies.
    """
    qualities = np.asarray(qualities)
    use = qualities < below
    top = curves.max(axis=0)
    analysed = top > 0 if textured is None else (top > 0) & textured
    with np.errstate(invalid="ignore", divide="ignore"):
        normalised = np.where(analysed, curves / np.where(analysed, top, 1.0), np.nan)
    if not use.any() or not analysed.any():
        return np.full(top.shape, np.nan, np.float32), np.zeros(top.shape, int), None
    typical = np.median(normalised[:, analysed], axis=1)  # (Q,); analysed cells are finite
    dip = (typical[:, None, None] - normalised)[use]  # positive: deeper than typical
    dip = np.where(np.isnan(dip), -np.inf, dip)
    deepest = qualities[use][dip.argmax(axis=0)]
    strength = np.where(analysed, np.clip(dip.max(axis=0), 0, None), np.nan).astype(np.float32)
    strong = analysed & (strength >= np.percentile(strength[analysed], 99))
    ghost_quality = int(np.bincount(deepest[strong]).argmax()) if strong.any() else None
    return strength, deepest, ghost_quality


@register(
    "ghost",
    title="JPEG ghosts",
    family="compression",
    description="Re-saves the photo at many JPEG qualities: areas once saved at a lower quality than "
    "the rest (pasted in from another photo) dip at that quality when the rest does not.",
    heatmap=True,
    direction="high",
    cell=16,
)
def ghost_analysis(image, *, block: int = 16) -> AnalysisResult:
    """JPEG ghosts per `block` × `block` pixels (not the display grid: a ghost needs a block's
    worth of pixels); score = the 99th-percentile strength."""
    cell = int(block)
    quality = run_analysis("jpeg", image).details.get("quality")  # None: no JPEG, or invalid tables
    below = quality if quality is not None else 100
    curves = ghost_curves(image.pixels, cell=cell, subsampling=image.resave_subsampling)
    strength, _, ghost_quality = ghost_map(curves, GHOST_QUALITIES, below=below,
                                           textured=textured_cells(image.pixels, cell))
    finite = strength[np.isfinite(strength)]
    score = float(np.percentile(finite, 99)) if finite.size else None
    findings = ()
    if quality is None:
        findings = (Finding("ghost-no-jpeg", "info", "The file is not a JPEG (or its quality is unknown): "
                            "ghosts are looked for at every quality, which is less telling."),)
    return AnalysisResult(
        name="ghost", heatmap=strength, cell=cell, direction="high", units="relative dip",
        score=score, findings=findings,
        details={"qualities": list(GHOST_QUALITIES), "below": below, "ghost_quality": ghost_quality,
                 "mean_curve": [round(float(np.nanmean(c)), 3) for c in curves]},
    )
