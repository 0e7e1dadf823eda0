"""Non-aligned double JPEG (NA-DJPG): regions that carry an earlier JPEG grid the rest lacks.

A photo that was JPEG-compressed, then cropped (or had a JPEG pasted in at an arbitrary place)
and saved again keeps the first compression on a grid shifted against the last one: computed on
that shifted grid, its DCT coefficients cluster near multiples of the first steps ``Q1``, blurred
only by the last save's error. This module searches the 63 shifts for the one whose low
frequencies show that clustering (integer periodicity, contrasted with the other shifts so image
content cancels), estimates ``Q1`` per frequency, and gives every block on that grid the
likelihood ratio of "not on the lattice" (uniform remainder) against "on it" (Gaussian around a
lattice point whose spread follows from the last quantisation table), after Bianchi and Piva
(2012). The region that does *not* share the majority's history is the suspicious one: the
background when a fresh object was pasted into a cropped JPEG, the pasted part when a JPEG
cut-out was dropped into a photo.

References
----------
T. Bianchi, A. Piva, "Image forgery localization via block-grained analysis of JPEG artifacts",
IEEE Transactions on Information Forensics and Security 7(3), 2012, pp. 1003-1017.

T. Bianchi, A. Piva, "Detection of nonaligned double JPEG compression based on integer
periodicity maps", IEEE Transactions on Information Forensics and Security 7(2), 2012,
pp. 842-848.

Where it fails: the first save must be at a clearly lower quality than the last (with a last
quality below ~80 its error hides the first lattice); resizing between the saves erases it; flat
blocks are not analysed; a photo compressed only once, or twice on the same grid (see the
aligned method), has no shifted grid to find and says so. Cropping a JPEG and saving it again is
common and no sign of editing by itself; only a region that differs from the rest is.
"""

from __future__ import annotations

import numpy as np

from ..results import AnalysisResult, Finding
from .blocks import DCT_BASIS, ZIGZAG, one_blas_thread
from .dct import odd_blocks, odd_region_result
from .lenses import luminance
from .registry import register

__all__ = ["shift_periodicity", "find_first_grid", "nadjpg_map", "FREQUENCIES"]

#: Zig-zag positions analysed (the first 9 AC: the later ones are mostly quantised away).
FREQUENCIES = tuple(int(k) for k in ZIGZAG[1:10])
#: First-compression steps tried.
STEPS = tuple(range(2, 26))
#: Side of the central crop the grid is searched on (pixels).
SEARCH_SIDE = 512
#: A frequency counts when its periodicity on the chosen shift beats the shifts' median by this.
MIN_CONTRAST = 0.08
#: ... and the shifted grid is accepted when at least this many frequencies count.
MIN_FREQUENCIES = 3


def _block_coefficients(y: np.ndarray, dy: int, dx: int, frequencies) -> np.ndarray:
    """Selected DCT coefficients of the whole 8×8 blocks starting at (dy, dx): (rows, cols, k)."""
    sub = y[dy:, dx:]
    rows, cols = sub.shape[0] // 8, sub.shape[1] // 8
    if rows == 0 or cols == 0:
        return np.zeros((0, 0, len(frequencies)), np.float32)
    blocks = sub[: rows * 8, : cols * 8].reshape(rows, 8, cols, 8).transpose(0, 2, 1, 3).reshape(-1, 64)
    with one_blas_thread():
        return (blocks @ DCT_BASIS[:, list(frequencies)]).reshape(rows, cols, len(frequencies))


def shift_periodicity(y: np.ndarray, *, frequencies=FREQUENCIES, steps=STEPS) -> np.ndarray:
    """How strongly each grid shift's coefficients cluster on multiples of each step.

    ``P[s, f, q] = |mean(exp(2πi·c/q))|`` over the coefficients ``c`` of frequency ``f`` with
    ``|c| ≥ q/2`` on the blocks of shift ``s = dy·8 + dx``.

    Returns
    -------
    ndarray of float32, shape (64, len(frequencies), len(steps))
    """
    steps_arr = np.asarray(steps, np.float32)
    turn = np.float32(2 * np.pi) / steps_arr
    out = np.zeros((64, len(frequencies), len(steps)), np.float32)
    for dy in range(8):
        for dx in range(8):
            c = _block_coefficients(y, dy, dx, frequencies).reshape(-1, len(frequencies))
            if c.size == 0:
                continue
            kept = (np.abs(c)[:, :, None] >= steps_arr / 2).astype(np.float32)  # (n, F, S)
            phase = c[:, :, None] * turn
            count = kept.sum(axis=0)
            real = np.einsum("nfs,nfs->fs", kept, np.cos(phase))
            imag = np.einsum("nfs,nfs->fs", kept, np.sin(phase))
            with np.errstate(invalid="ignore", divide="ignore"):
                strength = np.hypot(real, imag) / count
            out[dy * 8 + dx] = np.where(count >= 32, strength, 0.0)
    return out


def find_first_grid(periodicity: np.ndarray, *, exclude: int | None = None) -> tuple[int, np.ndarray, float]:
    """The shift of the earlier grid, its step per frequency (0 = none seen) and its strength.

    `exclude` is the last save's grid: it and the shifts that share a row or column offset with
    it are not candidates, so a crop that kept one axis on the grid is not searched.

    The content's own clustering (smooth blocks, large steps) is the same on every shift; what
    stands above the shifts' median is the grid. Of the steps near the best, the largest wins
    (a lattice of step q also clusters on q/2, q/3, ...).
    """
    contrast = periodicity - np.median(periodicity, axis=0, keepdims=True)
    best_per = contrast.max(axis=2)  # (64, F)
    total = np.where(best_per >= MIN_CONTRAST, best_per, 0.0).sum(axis=1)
    if exclude is not None:
        # the last grid, and every shift that keeps one of its axes: there the last lattice
        # leaks into the frequencies along the other axis (measured: single saves at quality 50
        # "found" grids at (0, 4) and (4, 0))
        ey, ex = divmod(exclude, 8)
        shifts = np.arange(64)
        total[(shifts // 8 == ey) | (shifts % 8 == ex)] = -1.0
    shift = int(np.argmax(total))
    steps = np.zeros(periodicity.shape[1], np.int32)
    for j in range(periodicity.shape[1]):
        row = contrast[shift, j]
        if row.max() < MIN_CONTRAST:
            continue
        near = np.flatnonzero(row >= 0.7 * row.max())
        steps[j] = STEPS[int(near.max())]
    return shift, steps, float(total[shift])


def _last_grid_shift(periodicity: np.ndarray, table: np.ndarray | None) -> int | None:
    """The shift on which the file's own (last) tables cluster: excluded from the search."""
    if table is None:
        return None
    score = np.zeros(64, np.float32)
    for j, k in enumerate(FREQUENCIES):
        q = int(table[k])
        if q in STEPS:
            score += periodicity[:, j, STEPS.index(q)]
    return int(np.argmax(score)) if score.max() > 0 else None


def _on_lattice(r: np.ndarray, q: float, sigma: float) -> np.ndarray:
    """Density of the remainder `r` in [-q/2, q/2) for a Gaussian around a lattice point (wrapped)."""
    return sum(np.exp(-0.5 * ((r + m * q) / sigma) ** 2) for m in (-1, 0, 1)) / (sigma * np.sqrt(2 * np.pi))


def fit_lattice(r: np.ndarray, q: float, *, iterations: int = 30) -> tuple[float, float]:
    """EM fit of the remainders `r` as ``α · wrapped Gaussian(0, σ) + (1 − α) · uniform(q)``.

    Returns
    -------
    (alpha, sigma)
        The share on the lattice and the spread around it (the last save's error).
    """
    r = np.asarray(r, np.float64)
    alpha, sigma = 0.5, q / 6
    for _ in range(iterations):
        on = alpha * _on_lattice(r, q, sigma)
        weight = on / (on + (1 - alpha) / q)
        alpha = float(np.clip(weight.mean(), 1e-3, 1 - 1e-3))
        sigma = float(np.clip(np.sqrt((weight * r * r).sum() / max(weight.sum(), 1e-9)), 0.3, q / 2))
    return alpha, sigma


def nadjpg_map(y: np.ndarray, shift: int, steps: np.ndarray, *, sigmas) -> tuple[np.ndarray, np.ndarray]:
    """Per-block log-likelihood of "off the earlier lattice" on the grid `shift`.

    `sigmas` gives each frequency's spread around the lattice (from :func:`fit_lattice`).

    Returns
    -------
    (log_ratio, informative)
        float32 and int arrays (rows, cols) of the whole blocks from (dy, dx).
    """
    dy, dx = divmod(shift, 8)
    coefficients = _block_coefficients(y, dy, dx, FREQUENCIES)
    rows, cols = coefficients.shape[:2]
    log_ratio = np.zeros((rows, cols), np.float32)
    informative = np.zeros((rows, cols), np.int32)
    for j, q in enumerate(steps):
        if q == 0:
            continue
        c = coefficients[:, :, j]
        k = np.rint(c / q)
        r = c - k * q
        evidence = np.log(1.0 / q) - np.log(np.maximum(_on_lattice(r, q, sigmas[j]), 1e-6))
        speaks = k != 0
        log_ratio += np.where(speaks, np.clip(evidence, -4.0, 4.0), 0.0).astype(np.float32)
        informative += speaks
    return log_ratio, informative


def _to_cells(values: np.ndarray, shift: int, shape: tuple[int, int]) -> np.ndarray:
    """Blocks of a grid starting at (dy, dx) onto the 8-pixel cells holding their centres."""
    dy, dx = divmod(shift, 8)
    out = np.full(shape, np.nan, np.float32)
    rows, cols = values.shape
    cy = (dy + 8 * np.arange(rows) + 4) // 8
    cx = (dx + 8 * np.arange(cols) + 4) // 8
    keep_y, keep_x = cy < shape[0], cx < shape[1]
    out[np.ix_(cy[keep_y], cx[keep_x])] = values[np.ix_(keep_y, keep_x)]
    return out


@register(
    "nadjpg",
    title="Non-aligned double JPEG",
    family="compression",
    description="Regions whose history differs from the rest: an earlier JPEG grid, shifted against "
    "the last one, present in one part of the photo and not in the other (NA-DJPG), as when an "
    "object is pasted into a cropped JPEG or a JPEG cut-out is dropped into a photo.",
    heatmap=True,
    direction="high",
    cell=8,
)
def nadjpg_analysis(image) -> AnalysisResult:
    """Probability per 8×8 block that it does not share the majority's earlier shifted JPEG grid;
    score = share of analysed blocks above 0.9, or None when no shifted earlier grid is seen."""
    h, w = image.height, image.width
    shape = (-(-h // 8), -(-w // 8))
    empty = np.full(shape, np.nan, np.float32)
    y = luminance(image.pixels) - np.float32(128)
    top, left = max(0, (h - SEARCH_SIDE) // 2) // 8 * 8, max(0, (w - SEARCH_SIDE) // 2) // 8 * 8
    crop = y[top: top + SEARCH_SIDE + 8, left: left + SEARCH_SIDE + 8]
    table = np.asarray(image.jpeg.quantization.get(0), np.float32) if image.jpeg and image.jpeg.quantization.get(0) else None
    if table is not None and table.size != 64:
        table = None
    findings: list[Finding] = []
    if min(crop.shape) < 64:
        findings.append(Finding("too-small", "info", "Too small to search for an earlier JPEG grid "
                                "(at least 64×64 pixels are needed)."))
        return AnalysisResult(name="nadjpg", heatmap=empty, cell=8, direction="high", units="probability",
                              findings=tuple(findings))
    periodicity = shift_periodicity(crop)
    last = _last_grid_shift(periodicity, table)
    shift, steps, strength = find_first_grid(periodicity, exclude=last if last is not None else 0)
    seen = int((steps > 0).sum())
    dy, dx = divmod(shift, 8)
    details = {"first_grid": {"x": dx, "y": dy}, "first_steps": [int(s) for s in steps],
               "strength": round(strength, 3), "frequencies_seen": seen,
               "last_grid": None if last is None else {"x": last % 8, "y": last // 8}}
    if seen < MIN_FREQUENCIES:
        findings.append(Finding("no-shifted-grid", "info",
                                "No trace of an earlier JPEG save on a shifted grid: this check has "
                                "nothing to compare (the photo was saved once, or twice without "
                                "cropping, or resized since)."))
        return AnalysisResult(name="nadjpg", heatmap=empty, cell=8, direction="high", units="probability",
                              findings=tuple(findings), details=details)
    # each frequency's spread around the earlier lattice (the last save's error), fitted on the crop
    sample = _block_coefficients(crop, dy, dx, FREQUENCIES).reshape(-1, len(FREQUENCIES))
    sigmas = np.ones(len(FREQUENCIES))
    for j, q in enumerate(steps):
        if q:
            k = np.rint(sample[:, j] / q)
            _, sigmas[j] = fit_lattice((sample[:, j] - k * q)[k != 0], float(q))
    sigma = float(np.median(sigmas[steps > 0]))
    log_ratio, informative = nadjpg_map(y, shift, steps, sigmas=sigmas)
    # most blocks off the earlier grid: the part that carries it is the odd one out
    smoothed, flipped = odd_blocks(log_ratio, informative, majority=0.5)
    suspicious = "on-grid" if flipped else "off-grid"
    heatmap = _to_cells(smoothed, shift, shape)
    details.update(suspicious=suspicious, sigma=round(sigma, 2))
    findings.append(Finding("shifted-grid", "info",
                            f"An earlier JPEG save is visible on a grid shifted by {dx} px across and "
                            f"{dy} px down (steps {', '.join(str(int(s)) for s in steps if s)}): the photo "
                            "was cropped or recomposed between two saves, which is common by itself."))
    what = ("lacks the earlier JPEG grid the rest carries" if suspicious == "off-grid"
            else "carries an earlier JPEG grid the rest lacks")
    return odd_region_result("nadjpg", heatmap, findings, details, what=what)
