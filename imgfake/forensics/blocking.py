"""Block artefact grid (BLK): areas whose JPEG blocking is missing or follows another 8×8 grid.

A JPEG is quantised in 8×8 blocks, so a decoded JPEG shows faint discontinuities on the block
borders: a grid of lines every 8 pixels, the block artefact grid (BAG). Li, Yuan and Yu extract it
from the pixels alone: second-order differences across the columns (for the vertical lines) and
across the rows (for the horizontal ones), with very strong differences (> 50 grey levels, real
edges) dropped, accumulated along the line direction over a band of rows (columns), minus their
median over 33 columns (rows) — the local median filtering that removes texture and keeps the
thin periodic peaks — and then the median of each value with its neighbours 8 and 16 pixels away
on either side, which keeps only what repeats every 8 pixels. A region pasted from another JPEG
keeps its own grid, usually shifted; a region that was never compressed (or resized, or
painted) has none; either way it lacks the rest of the photo's grid.

Here, per cell, the BAG is folded by position modulo 8 and the photo's grid origin is found from
all cells; a cell's *blockiness* is how much stronger the BAG is on the photo's block borders than
between them (grey levels). How much blocking a cell shows depends on its content (smooth areas
show it clearly, strong texture drowns it), so each cell is compared with the photo's cells of
similar texture (classes a factor 2 apart in second-difference activity); a class whose typical
blockiness is under twice the noise measured between the block borders is not analysed. The map,
direction "high", is the share of the expected blocking that is missing, averaged over the cell
and its eight neighbours: about 0 where the photo's grid is as strong as usual, 1 where it is
absent, above 1 where the blocking falls between the photo's block borders (another grid),
negative where it is stronger than usual. The score is the share of analysed cells in areas of
touching cells (about 64 × 64 pixels or more) that lack over 70 % of it; None when no grid shows.

References
----------
W. Li, Y. Yuan, N. Yu, "Passive detection of doctored JPEG image via block artifact grid
extraction", Signal Processing 89(9), 2009, pp. 1821-1829.
M. Zampoglou, S. Papadopoulos, Y. Kompatsiaris, "Large-scale evaluation of splicing localization
algorithms for web images", Multimedia Tools and Applications 76(4), 2017 (BLK in their toolbox:
the edge threshold of 50 and the 33-pixel accumulator followed here).

Where it fails: never-compressed, resized or high-quality photos have no grid to compare (no
score); at quality 90-95 only the smoother parts show it, so strongly textured areas are not
analysed; a region pasted from a JPEG whose grid happens to line up with the photo's and was saved
at a similar quality is invisible; the estimate needs areas of several cells (a pasted object
under about 64 × 64 pixels is missed); clean edges and regular patterns (brickwork, blinds)
disturb the cells they cross; a photo enlarged by an integer factor (2, 4, 8) has periodic
interpolation kinks that can pass for a grid. :mod:`imgfake.forensics.grid` (ZERO) asks the same
question of the DCT instead of pixel differences, and is the stronger of the two when the grid is
faint.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from ..results import AnalysisResult, Finding
from .lenses import luminance
from .registry import register
from .wavelet import uninformative_cells

__all__ = ["bag_profiles", "grid_contrasts", "blockiness_deficit", "DIFF_LIMIT"]

#: Second differences above this (grey levels) are real edges, not block borders (dropped).
DIFF_LIMIT = 50.0
#: Width of the local median that removes texture from the accumulated differences (pixels).
MEDIAN_SPAN = 33
#: A cell whose grey levels vary by less than this (std) shows no blocking: not analysed.
MIN_STD = 1.0
#: A texture class is analysed when its median blockiness is at least this many times the
#: typical standard error of a cell's blockiness (from the positions between block borders).
VISIBLE = 2.0
#: Texture classes span a factor 2 of activity each, from 1/4 to 4 times the photo's median;
#: a class needs this many cells to be compared within.
CLASS_RANGE = 2
CLASS_CELLS = 6
#: Fewest analysed cells, and share of the cells with content, for a verdict about the image.
MIN_CELLS = 12
MIN_SHARE = 0.25
#: Missing share of the expected blocking above which a cell counts as lacking the grid.
DEFICIT = 0.7
#: Score from which a mismatch is a warning (below: a notice).
WARN_SHARE = 0.03
#: Smallest area (pixels²) of touching cells that counts (about 64 × 64 pixels).
MIN_AREA = 4096
#: Rows per strip (a multiple of the block is used); bounds the float work planes.
_STRIP = 256


def _check(pixels, block) -> tuple[np.ndarray, int]:
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"pixels must be uint8 (H, W, 3) RGB, got {pixels.dtype} {pixels.shape}; "
                         "load the image with imgfake.load_image")
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 16 \
            or block % 8:
        raise ValueError(f"block must be a multiple of 8 of at least 16 (two JPEG blocks a side), "
                         f"got {block!r}")
    return pixels, int(block)


def _second_differences(lines: np.ndarray) -> np.ndarray:
    """|2x[j] - x[j-1] - x[j+1]| along the last axis, strong edges dropped; 0 at both ends."""
    out = np.zeros(lines.shape, np.float32)
    inner = out[..., 1:-1]
    np.multiply(lines[..., 1:-1], 2, out=inner)
    inner -= lines[..., :-2]
    inner -= lines[..., 2:]
    np.abs(inner, out=inner)
    inner[inner > DIFF_LIMIT] = 0
    return out


def _band_means(values: np.ndarray, block: int, axis: int) -> np.ndarray:
    """Means over consecutive bands of `block` entries along `axis` (the last band partial)."""
    n = values.shape[axis]
    starts = np.arange(0, n, block)
    sums = np.add.reduceat(values, starts, axis=axis, dtype=np.float64)
    counts = np.minimum(block, n - starts).astype(np.float64)
    shape = [1, 1]
    shape[axis] = len(starts)
    return (sums / counts.reshape(shape)).astype(np.float32)


def _accumulate(grey_rows, height: int, width: int, block: int):
    """Second differences of the luminance accumulated per band, in strips of rows.

    Returns ``across_columns`` (bands of rows × W: for the vertical grid lines) and
    ``across_rows`` (H × bands of columns: for the horizontal ones).
    """
    bands, stripes = -(-height // block), -(-width // block)
    across_columns = np.zeros((bands, width), np.float32)
    across_rows = np.zeros((height, stripes), np.float32)
    step = max(block, _STRIP // block * block)
    for top in range(0, height, step):
        bottom = min(height, top + step)
        first = max(0, top - 1)
        y = grey_rows(first, min(height, bottom + 1))
        own = y[top - first: top - first + bottom - top]
        across_columns[top // block: -(-bottom // block)] = _band_means(
            _second_differences(own), block, 0)
        vertical = _second_differences(np.ascontiguousarray(y.T)).T
        vertical = vertical[top - first: top - first + bottom - top]
        if top == 0:
            vertical[0] = 0  # no row above the first
        if bottom == height:
            vertical[-1] = 0
        across_rows[top:bottom] = _band_means(vertical, block, 1)
    return across_columns, across_rows


def _bag(accumulated: np.ndarray) -> np.ndarray:
    """The block artefact grid along the last axis: accumulated differences minus their local
    median, then the median with the values 8 and 16 positions away on either side."""
    from scipy.ndimage import median_filter

    n = accumulated.shape[-1]
    excess = accumulated - median_filter(accumulated, size=(1, min(MEDIAN_SPAN, 2 * (n // 2) + 1)),
                                         mode="reflect")
    if n < 16:
        return excess
    # pad by whole periods, so a neighbour 8 or 16 away keeps its position modulo 8
    padded = np.concatenate([excess[:, :16], excess, excess[:, n - 16:]], axis=1)
    return np.median(np.stack([padded[:, k:k + n] for k in (0, 8, 16, 24, 32)]), axis=0)


def _fold(bag: np.ndarray, block: int) -> np.ndarray:
    """Mean BAG per cell and position modulo 8 along the last axis: (rows, cells, 8), NaN where a
    cell has no column at that position. The two end columns (no second difference) are left out."""
    rows, n = bag.shape
    cells = -(-n // block)
    values = np.zeros((rows, cells * block), np.float32)
    present = np.zeros(cells * block, np.float32)
    values[:, 1:n - 1] = bag[:, 1:n - 1]
    present[1:n - 1] = 1
    sums = values.reshape(rows, cells, block // 8, 8).sum(axis=2)
    counts = present.reshape(cells, block // 8, 8).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan).astype(np.float32)


def bag_profiles(pixels: np.ndarray, *,
                 block: int = 32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The block artefact grid of the luminance folded per cell by position modulo 8.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
    block : int, default 32
        Cell side in pixels, a multiple of 8 (at least 16).

    Returns
    -------
    columns, rows : ndarrays of float32, shape (ceil(H / block), ceil(W / block), 8)
        Mean BAG (grey levels per pixel) of the cell's columns (vertical grid lines) and rows
        (horizontal lines) at each position modulo 8; a JPEG saved from the corner peaks at 7 and
        0 (either side of a block border). NaN where a cell has no such column or row.
    activity : ndarray of float32, shape (ceil(H / block), ceil(W / block))
        Mean absolute second difference (edges dropped) across columns plus across rows: how much
        texture hides the grid.
    """
    pixels, block = _check(pixels, block)
    h, w = pixels.shape[:2]

    def grey_rows(top: int, bottom: int) -> np.ndarray:
        return luminance(pixels[top:bottom])

    across_columns, across_rows = _accumulate(grey_rows, h, w, block)
    columns = _fold(_bag(across_columns), block)
    rows = _fold(_bag(np.ascontiguousarray(across_rows.T)), block).transpose(1, 0, 2)
    activity = _band_means(across_columns, block, 1) + _band_means(across_rows, block, 0)
    return columns, np.ascontiguousarray(rows), activity


def grid_contrasts(profile: np.ndarray) -> np.ndarray:
    """For each grid origin ``o``, the mean of the profile at the positions either side of the
    block border (``o - 1`` and ``o``) minus the mean of the six others: shape of `profile`."""
    total = profile.sum(axis=-1)
    out = np.empty(profile.shape, np.float32)
    for origin in range(8):
        border = profile[..., (origin - 1) % 8] + profile[..., origin]
        out[..., origin] = border / 2 - (total - border) / 6
    return out


def texture_classes(activity: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Texture class of each cell: ``log2(activity / median)`` rounded and clipped to ±2, so the
    cells of one class differ in texture by at most about a factor 2. A photo of even texture is
    one class, so a never-compressed region, a little busier than its compressed surroundings,
    is compared with them rather than with itself."""
    typical = float(np.median(activity[content])) if content.any() else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log2(np.maximum(activity, 1e-6) / max(typical, 1e-6))
    return np.clip(np.floor(ratio + 0.5), -CLASS_RANGE, CLASS_RANGE).astype(np.int8)


def _between_borders_spread(profile: np.ndarray, origin: int) -> np.ndarray:
    """Standard error of a cell's :func:`grid_contrasts` at `origin`, from the scatter of the six
    positions between the block borders (noise only, whether or not the grid is there)."""
    between = [p for p in range(8) if p not in ((origin - 1) % 8, origin)]
    spread = np.std(profile[..., between], axis=-1, ddof=1) * math.sqrt(1 / 2 + 1 / 6)
    return spread.astype(np.float32)


def _neighbour_mean(values: np.ndarray) -> np.ndarray:
    """Mean over each cell and its 8 neighbours, NaN ignored (NaN where all nine are NaN)."""
    finite = np.isfinite(values)
    padded = np.pad(np.where(finite, values, 0.0), 1)
    counts = np.pad(finite.astype(np.float32), 1)
    rows, cols = values.shape
    total = sum(padded[i:i + rows, j:j + cols] for i in range(3) for j in range(3))
    count = sum(counts[i:i + rows, j:j + cols] for i in range(3) for j in range(3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan).astype(np.float32)


def blockiness_deficit(pixels: np.ndarray, *, block: int = 32) -> dict:
    """The BLK map: share of the photo's usual blocking that each cell lacks.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
    block : int, default 32
        Cell side in pixels, a multiple of 8 (at least 16).

    Returns
    -------
    dict
        ``deficit``: float32 (ceil(H / block), ceil(W / block)), ``1 - b / E[b]`` averaged over the
        cell and its neighbours, where ``b`` is the cell's blockiness on the photo's grid and
        ``E[b]`` the median of cells of similar texture; NaN where not analysed (flat, clipped, too
        textured to show the grid, or no grid in the photo at all). ``visible``: whether the photo
        shows a grid clear enough to compare its parts. ``origin``: ``(x, y)`` of the grid, each
        in 0..7. ``blockiness``: the median ``b`` (grey levels). ``content_cells``: cells with
        content (not flat or clipped). ``analysed_cells``.
    """
    pixels, block = _check(pixels, block)
    h, w = pixels.shape[:2]
    shape = (-(-h // block), -(-w // block))
    out = {"deficit": np.full(shape, np.nan, np.float32), "visible": False, "origin": None,
           "blockiness": None, "content_cells": 0, "analysed_cells": 0}
    if min(h, w) < 2 * block:
        return out
    columns, rows, activity = bag_profiles(pixels, block=block)
    grey = np.asarray(Image.fromarray(pixels).convert("L"))
    content = ~uninformative_cells(grey, block, min_std=MIN_STD)
    content &= np.isfinite(columns).all(axis=-1) & np.isfinite(rows).all(axis=-1)
    out["content_cells"] = n_content = int(content.sum())
    if n_content < MIN_CELLS:
        return out
    across, down = grid_contrasts(columns), grid_contrasts(rows)
    ox = int(np.argmax(np.median(across[content], axis=0)))
    oy = int(np.argmax(np.median(down[content], axis=0)))
    b = across[..., ox] + down[..., oy]
    noise = np.hypot(_between_borders_spread(columns, ox), _between_borders_spread(rows, oy))
    out["origin"] = (ox, oy)
    out["blockiness"] = round(float(np.median(b[content])), 4)
    # compare each cell with cells of similar texture; classes whose blocking does not rise above
    # the noise between the block borders (strong texture, a faint grid) are not analysed
    index = texture_classes(activity, content)
    ratio = np.full(shape, np.nan, np.float32)
    for k in np.unique(index[content]):
        members = content & (index == k)
        if members.sum() < CLASS_CELLS:
            continue
        typical = float(np.median(b[members]))
        if typical > 0 and typical >= VISIBLE * float(np.median(noise[members])):
            ratio[members] = b[members] / typical
    analysed = np.isfinite(ratio)
    out["analysed_cells"] = n_analysed = int(analysed.sum())
    if n_analysed < MIN_CELLS or n_analysed < MIN_SHARE * n_content:
        return out
    out["visible"] = True
    out["deficit"] = np.where(analysed, 1 - _neighbour_mean(ratio), np.nan).astype(np.float32)
    return out


def _areas(hits: np.ndarray, min_cells: int) -> tuple[np.ndarray, int]:
    from scipy.ndimage import label

    labels, _ = label(hits)
    sizes = np.bincount(labels.ravel())
    keep = sizes >= min_cells
    keep[0] = False
    return keep[labels], int(keep.sum())


@register(
    "blk",
    title="Block artefact grid (BLK)",
    family="compression",
    description="Where the faint 8×8 grid of JPEG blocking, read from pixel differences (Li, "
    "Yuan & Yu), is missing or shifted against the rest of the photo: a region pasted from another "
    "image, or never compressed with the rest.",
    heatmap=True,
    direction="high",
    cell=32,
)
def blk_analysis(image, *, block: int = 32) -> AnalysisResult:
    """Missing share of the photo's blocking per `block` × `block` pixels (not the display grid:
    the grid needs a few blocks to show); high = the photo's grid is weaker, absent or shifted
    here. Score = share of analysed cells in areas (≥ 64 × 64 px) lacking most of it, or None
    when the photo shows no block grid."""
    found = blockiness_deficit(image.pixels, block=block)  # checks `block`
    block = int(block)
    deficit = found["deficit"]
    if image.undecoded is not None:
        from .blocks import cells_touching

        deficit[cells_touching(image.undecoded, block)] = np.nan
    analysed = np.isfinite(deficit)
    findings: list[Finding] = []
    score = None
    mask = None
    if not found["visible"] or not analysed.any():
        deficit = np.full(deficit.shape, np.nan, np.float32)
        findings.append(Finding("blk-no-grid", "info",
                                "No clear JPEG block grid shows in the pixels (never compressed, "
                                "saved at a very high quality, resized since, or too small): this "
                                "check has nothing to compare."))
    else:
        smallest = max(2, math.ceil(MIN_AREA / block ** 2))
        mask, areas = _areas(np.nan_to_num(deficit) > DEFICIT, smallest)
        score = float(mask.sum() / analysed.sum())
        if areas:
            findings.append(Finding(
                "blk-mismatch", "warning" if score >= WARN_SHARE else "notice",
                f"{areas} area{'s' if areas > 1 else ''} ({score:.0%} of the photo analysed) lack "
                "the 8×8 JPEG blocking the rest of the photo shows, or show it on another grid: a "
                "sign of a region pasted from another image or never compressed with the rest."))
    ox, oy = found["origin"] or (None, None)
    return AnalysisResult(
        name="blk", heatmap=deficit, cell=block, direction="high",
        units="share of the expected blocking missing", mask=mask, score=score,
        findings=tuple(findings),
        details={"block": block, "grid_origin": {"x": ox, "y": oy},
                 "blockiness": found["blockiness"], "content_cells": found["content_cells"],
                 "analysed_cells": int(analysed.sum())},
    )
