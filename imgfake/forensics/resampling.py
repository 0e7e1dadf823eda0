"""Resampling: regions that were scaled or rotated (a pasted object resized to fit, turned to
match the scene).

Resizing or rotating computes each new pixel as a weighted sum of old ones, with weights that
repeat with the period of the new grid against the old, so a fixed linear predictor fits some
pixels better than others, periodically: its residue has a periodic strength, which shows as
peaks in its spectrum. This is Kirchner's fast detector (2008), the fixed-predictor version of
Popescu and Farid's EM detector (2005):

1. the residue ``e`` of Kirchner's fixed 3×3 predictor on the luma (½ at the 4-neighbours, −¼
   at the diagonals; ¼ of the separable second difference, so two passes);
2. ``|e|`` rather than the paper's p-map ``exp(-e²)``, whose residues under ~1 grey level JPEG
   noise already disturbs at quality 95 (measured on an upscaled region: the p-map's peak fell to
   3–15× its background where ``|e|``'s stayed at 6–65×);
3. power spectra of Hann-windowed 64×64 windows every 32 px, the four around each 32-pixel cell
   averaged (Welch): each cell looks at the 96×96 pixels centred on it;
4. each log spectrum over its own radial profile (per-block normalisation), searched for the
   highest *pair* of peaks 90° apart: scaling or rotating both axes puts one at each, edges and
   most textures do not. The cell's value is the pair's mean height, in dB;
5. a periodic texture (fence, fabric, tiles) makes ``|e|`` periodic too, but also the *signed*
   residue, which resampling does not: its peaks where they would explain the pair (f, f/2,
   (f ± f⊥)/2, with aliases) above :data:`TEXTURE_DB` are taken off the cell.

Frequencies under 0.14 cycles/px (content) and the cameras' colour-filter frequency (½) are
skipped. **JPEG blocking**, the main false alarm, puts peaks at every multiple of 1/8: they are
set aside (±1 bin) for a JPEG, or when the photo's typical spectrum shows them (a PNG saved from
a JPEG; unmasked, 60% of the cells of a once-JPEG-75 photo would look resampled). Each photo is
compared with its own typical cell (the median over a sample of its cells): when that shows a
pair of peaks (:data:`WHOLE_DB`), the whole photo was resized — common on the web, a notice, not
a sign of editing — and only cells resampled *differently* count; otherwise a group of clear
cells is a region resized or rotated unlike the rest (a warning). The bar for a clear cell rises
with the photo's median cell (compression lifts every cell a little).

Measured (24 Kodak PNGs per row; a 192×192 square of another Kodak photo pasted, saved as PNG or
JPEG; "found" = share of the square's cells over the bar; cells of the authentic twins over it:
0.4% / 0.2% / 0.6% for PNG / JPEG 95 / JPEG 75):

==============================================  ======  =======  =======
found, pasted square                            PNG     JPEG 95  JPEG 75
==============================================  ======  =======  =======
upscaled ×1.2–1.6, bilinear                     92%     24%      0.3%
upscaled ×1.2–1.6, bicubic                      93%     21%      0.5%
rotated 10–30°, bilinear                        74%     17%      0.8%
rotated 10–30°, bicubic                         1%      0.2%     0.2%
downscaled ×0.6–0.9, OpenCV (no antialiasing)   4%      0%       0.3%
downscaled ×0.6–0.9, Pillow (antialiased)       0.2%    0%       0.3%
==============================================  ======  =======  =======

Per photo (48 forgeries), a warning on the square: upscaled 24/24 as PNG, 11/24 as JPEG 95, 0/24
as JPEG 75; rotated 13/24, 8/24, 0/24. Authentic photos warned: 2 of 42 Kodak and McMaster PNGs,
3 of 42 as JPEG 95, 1 of 42 as JPEG 75, 2 of 60 BSDS500 JPEGs, on near-periodic structure (rows
of windows, roof tiles, wheel spokes, a spotted fish) and one McMaster photo whose whole-photo
trace JPEG 95 broke into patches. All 18 McMaster photos read "whole photo resized" (a shared
peak at 0.36 cycles/px: they were resized when the set was made).

References
----------
A. C. Popescu, H. Farid, "Exposing digital forgeries by detecting traces of resampling",
IEEE Transactions on Signal Processing 53(2), 2005, pp. 758-767.
M. Kirchner, "Fast and reliable resampling detection by spectral analysis of fixed linear
predictor residue", ACM Multimedia and Security Workshop (MM&Sec), 2008, pp. 11-20.
B. Mahdian, S. Saic, "Blind authentication using periodic properties of interpolation", IEEE
Transactions on Information Forensics and Security 3(3), 2008, pp. 529-538 (the same
periodicity, in the derivatives of the image along Radon projections).
M. Kirchner, T. Gloe, "On resampling detection in re-compressed images", IEEE WIFS, 2009.

Where it fails: JPEG compression after the edit erases the trace, smooth areas first (at quality
95 only textured regions keep it, at 75 practically nothing does); **downscaling** leaves little
to find (neighbouring new pixels share few old ones, and an antialiasing filter, as in Pillow or
Photoshop, smooths the rest away); bicubic *rotation* is nearly invisible to this predictor
(bicubic scaling is not); factors within ±15% of 1, rotations under ~8° and factors whose peaks
fall on the JPEG grid or the colour-filter frequency (×2; ×4/3 and ×1.6 in a JPEG) are out of
reach; stretching one axis only halves the evidence; periodic structure that the texture test
misses looks resampled; flat areas carry nothing (not analysed).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..io import check_rgb8
from ..results import AnalysisResult, Finding
from .blocks import one_blas_thread
from .registry import register

__all__ = ["predictor_residue", "resampling_map", "ResamplingMap", "CLEAR_DB", "TEXTURE_DB"]

#: FFT window side and analysis grid (pixels): each 32-pixel cell pools the four 64-pixel
#: windows around it; maps on other grids take the analysis cell under each cell's centre.
WINDOW, STEP = 64, 32
#: Smallest side analysed: two windows 32 px apart per axis (one alone is too noisy).
MIN_SIDE = WINDOW + STEP + 2
#: Radius (bins of the 64-point FFT; 9/64 ≈ 0.14 cycles/px) under which content, not
#: resampling, fills the spectrum; half-widths (bins) of the JPEG-lattice and colour-filter masks.
DC_RADIUS, GRID_RADIUS, CFA_RADIUS = 9, 1, 2
#: Typical height (natural log) at the exact k/8 points above which a photo shows JPEG blocking
#: (Kodak and McMaster PNGs: −0.04 to 0.05; as JPEG 95: 0.01 to 0.48; as JPEG 75: 0.35 to 1.1).
GRID_LEVEL = 0.1
#: A clear periodic peak: the pair's height (dB over the background), a bar raised by the
#: photo's median cell above :data:`MEDIAN_REF_DB` (JPEG 75 lifts the median from ≈ 5 to 6.2);
#: ≈ 0.5% of the cells of authentic photos (PNG, JPEG 75 to 95) pass it.
CLEAR_DB, MEDIAN_REF_DB = 9.0, 5.0
#: Signed-residue peak (dB) over which a cell's pair is put down to a periodic texture and the
#: excess taken off (resampled regions stay under ~12 dB, stripes and fences reach 20-40); for
#: the peaks of a product of two patterns (tiles, fabric) a higher bar, as rotated regions have
#: some structure there; the radius (bins) under which it is not searched (its DC).
TEXTURE_DB, TEXTURE_PRODUCT_DB, TEXTURE_RADIUS = 14.0, 20.0, 3
#: Not analysed: cells whose luma varies less (std, grey levels) or whose residue is exactly
#: zero at more than 3/4 of the pixels (flat, saturated, synthetic gradients).
FLAT_STD, MIN_TEXTURE = 1.5, 0.25
#: The whole photo was resampled when its typical cell has a pair this high (dB; authentic
#: Kodak photos: −1.8 to 2.8 as PNG, ≤ 4.4 as JPEG 75; upscaled ×1.2-1.6: 6 to 19 as PNG, 2 to
#: 11 as JPEG 95). Clear cells touching (8-neighbours) that make a region.
WHOLE_DB, MIN_REGION = 5.0, 4
#: Windows per FFT batch (~40 MB float32); cells sampled to describe the typical cell.
_BATCH, _TYPICAL_CELLS = 2400, 2000
_DB = np.float32(10.0 / np.log(10.0))


class ResamplingMap(NamedTuple):
    """What :func:`resampling_map` measured, on a grid of ``cell``-pixel cells.

    Attributes
    ----------
    strength : ndarray of float32, shape (ceil(H / cell), ceil(W / cell))
        Height of the strongest pair of periodic peaks over the spectrum's background (dB),
        less any texture excess; NaN where flat or the image is under :data:`MIN_SIDE` px.
    peak : ndarray of float32, shape (rows, cols, 2)
        Frequency (cycles per pixel, ``(fy, fx)``) of the pair's first peak; NaN likewise.
    jpeg_grid : bool
        Whether the JPEG-lattice frequencies (multiples of 1/8) were set aside.
    grid_level : float
        Height (natural log) at the exact k/8 points of the typical cell (the median over a
        sample of the analysed cells); over :data:`GRID_LEVEL` the photo shows JPEG blocking.
    typical_db, typical_peak : float, (float, float)
        The typical cell's highest pair (dB; per pair the median over the sample, less a
        texture all over the photo) and its first peak; from :data:`WHOLE_DB` the whole photo
        was resampled. NaN when nothing was analysed.
    """

    strength: np.ndarray
    peak: np.ndarray
    jpeg_grid: bool
    grid_level: float
    typical_db: float
    typical_peak: tuple[float, float]


def _residue4(grey: np.ndarray) -> np.ndarray:
    """4 × the predictor residue, which is ¼ of the separable second difference
    ([1, -2, 1] ⊗ [1, -2, 1]): two passes of three terms."""
    d = grey[..., :-2] + grey[..., 2:]
    d -= grey[..., 1:-1]
    d -= grey[..., 1:-1]
    e = d[..., :-2, :] + d[..., 2:, :]
    e -= d[..., 1:-1, :]
    e -= d[..., 1:-1, :]
    return e


def predictor_residue(grey: np.ndarray) -> np.ndarray:
    """Residue of Kirchner's fixed linear predictor (weights ½ at the 4-neighbours, −¼ at the
    diagonals, 0 at the centre).

    Parameters
    ----------
    grey : ndarray, shape (H, W)
        One channel (grey levels), H and W at least 3.

    Returns
    -------
    ndarray of float32, shape (H - 2, W - 2)
        ``e = x - Σ α_k x_k`` for the interior pixels (row ``r`` is pixel row ``r + 1``): zero
        on a plane; interpolated pixels are predicted better than original ones, periodically.
    """
    grey = np.asarray(grey, np.float32)
    if grey.ndim != 2 or grey.shape[0] < 3 or grey.shape[1] < 3:
        raise ValueError(f"grey must be a 2-D array of at least 3×3 pixels, got shape {grey.shape}")
    e = _residue4(grey)
    e *= np.float32(0.25)
    return e


# --- the spectrum layout (64-point rfft2), computed once ---------------------------------------


def _fold(fy: np.ndarray, fx: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies (bins) folded into the rfft2 half plane: fy in [-w/2, w/2), fx in [0, w/2]."""
    fy = (np.asarray(fy) + w // 2) % w - w // 2
    fx = (np.asarray(fx) + w // 2) % w - w // 2
    flip = (fx < 0) | ((fx == 0) & (fy < 0))
    return np.where(flip, (-fy + w // 2) % w - w // 2, fy), np.where(flip, -fx, fx)


def _rings(radius: np.ndarray, members: np.ndarray, where: np.ndarray):
    """(bins × rings matrix of ring means, ring of each bin) for the bins `members`, each
    1-bin-wide ring averaged over its bins in `where`."""
    ring = np.rint(radius[members]).astype(int)
    ids = np.unique(ring[where])
    ring_of = np.clip(np.searchsorted(ids, ring), 0, len(ids) - 1)
    inside = (ring_of[:, None] == np.arange(len(ids))[None, :]) & where[:, None]
    return (inside / inside.sum(axis=0, keepdims=True)).astype(np.float32), ring_of


def _layout(w: int = WINDOW) -> dict:
    half = w // 2
    fy = np.rint(np.fft.fftfreq(w) * w).astype(int)[:, None] * np.ones((1, half + 1), int)
    fx = np.arange(half + 1)[None, :] * np.ones((w, 1), int)
    radius = np.hypot(fy, fx).ravel()
    near_y, near_x = np.minimum(np.abs(fy - half), np.abs(fy + half)) <= CFA_RADIUS, half - fx <= CFA_RADIUS
    cfa = ((near_y & (fx <= CFA_RADIUS)) | ((np.abs(fy) <= CFA_RADIUS) & near_x) | (near_y & near_x)).ravel()
    off_y, off_x = np.abs((fy + 4) % 8 - 4) * w // 64, np.abs((fx + 4) % 8 - 4) * w // 64
    lattice = ((off_y <= GRID_RADIUS) & (off_x <= GRID_RADIUS)).ravel()
    band = (radius > DC_RADIUS) & ~cfa & ~((((fx == 0) | (fx == half)) & (fy < 0)).ravel())
    flat = np.flatnonzero(band)  # the band's bins; conjugate halves of the edge columns left out
    position = -np.ones(band.size, int)
    position[flat] = np.arange(flat.size)
    ry, rx = _fold(-fx, fy, w)  # turned by 90°: (fy, fx) -> (-fx, fy)
    first, second = position[flat], position[((ry % w) * (half + 1) + rx).ravel()[flat]]
    keep = (second >= 0) & (first < second)
    pair_a, pair_b = first[keep], second[keep]
    on_lattice = lattice[flat]
    pair_grid = on_lattice[pair_a] | on_lattice[pair_b]
    pa = np.r_[pair_a[~pair_grid], pair_a[pair_grid]]  # pairs off the lattice first
    pb = np.r_[pair_b[~pair_grid], pair_b[pair_grid]]
    ring_mean, ring_of = _rings(radius, flat, ~on_lattice)
    ring_full = np.zeros((radius.size, ring_mean.shape[1]), np.float32)
    ring_full[flat] = ring_mean
    ring_index = np.zeros(radius.size, int)
    ring_index[flat] = ring_of
    one_hot = np.eye(ring_mean.shape[1], dtype=np.float32)[ring_of]
    # the signed residue (texture test): where a texture whose |residue| peaks at f and at f
    # turned, r, has its own peaks: f; f / 2 (|sin| doubles a frequency); (f ± r) / 2 (a product
    # of two, like tiles: |sin a · sin b|); each halved one also half a cycle further per axis
    usable = (radius > TEXTURE_RADIUS) & ~lattice & ~cfa
    texture_mean, texture_ring = _rings(radius, np.arange(radius.size), usable)
    py, px = fy.ravel()[flat], fx.ravel()[flat]
    centres = [(py, px)] + [((cy + sy * w) / 2, (cx + sx * w) / 2)
                            for cy, cx in ((py, px), (py - px, px + py), (py + px, px - py))
                            for sy in (0, 1) for sx in (0, 1)]
    table = []
    for cy, cx in centres:
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                ny, nx = _fold(np.rint(cy).astype(int) + dy, np.rint(cx).astype(int) + dx, w)
                index = (ny % w) * (half + 1) + nx
                table.append(np.where(usable[index], index, -1))
    table = np.stack(table, axis=1)  # band bin -> 117 places (-1: none), the first 45 simple
    places = np.concatenate([table[pa], table[pb]], axis=1)  # pair -> 234 places
    hann = np.hanning(w).astype(np.float32)
    return {
        "ring_mean": ring_full, "ring_index": ring_index, "pairs": (flat[pa], flat[pb]),
        "pair_rings": (one_hot[pa] + one_hot[pb]).T.copy(), "n_off": int((~pair_grid).sum()),
        "points": flat[(off_y.ravel()[flat] == 0) & (off_x.ravel()[flat] == 0)],
        "fy": fy.ravel().astype(np.float32) / w, "fx": fx.ravel().astype(np.float32) / w,
        "texture_mean": texture_mean, "texture_ring": texture_ring,
        "texture_simple": np.tile(np.arange(table.shape[1]) < 45, 2),
        "texture_places": np.maximum(places, 0), "texture_valid": places >= 0,
        "texture_rings": texture_ring[np.maximum(places, 0)], "window": hann[:, None] * hann[None, :],
    }


_LAYOUT = _layout()


def _luma(rgb: np.ndarray) -> np.ndarray:
    y = rgb[..., 0].astype(np.float32)
    y *= np.float32(0.299)
    y += rgb[..., 1].astype(np.float32) * np.float32(0.587)
    y += rgb[..., 2].astype(np.float32) * np.float32(0.114)
    return y


def _windows(size: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct window tops (residue coordinates) and, per cell, the first of its two windows
    (``first[i]`` and ``first[i] + 1``: the 96 samples centred on it, moved inside at the edges)."""
    wanted = np.clip(STEP * np.arange(count + 1) - WINDOW // 2 - 1, 0, size - WINDOW)
    tops = np.unique(wanted)
    return tops, np.minimum(np.searchsorted(tops, wanted[:count]), max(len(tops) - 2, 0))


def _runs(tops: np.ndarray) -> list[tuple[int, int, int, int]]:
    """`tops` as runs of equal spacing (start, stop, first top, spacing): windows are then copied
    with slices (a gather from a sliding-window view is ten times slower)."""
    runs, start = [], 0
    while start < len(tops):
        stride = int(tops[start + 1] - tops[start]) if start + 1 < len(tops) else 1
        stop = start + 1
        while stop < len(tops) and tops[stop] - tops[stop - 1] == stride:
            stop += 1
        runs.append((start, stop, int(tops[start]), max(stride, 1)))
        start = stop
    return runs


def _pool(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Sums over 2 × 2 neighbouring windows (k pools k and k + 1 on each axis), and how many."""
    count = 1
    if values.shape[0] > 1:
        values, count = values[:-1] + values[1:], 2
    if values.shape[1] > 1:
        values, count = values[:, :-1] + values[:, 1:], 2 * count
    return values, count


def _log_spectra(blocks: np.ndarray) -> np.ndarray:
    """Log power spectra (rfft2, Hann window; `blocks` is overwritten) pooled over each 2 × 2
    group of windows: (positions, 2,112). The mean is left in: the Hann window keeps the DC
    term within two bins of zero, far inside the frequencies set aside."""
    from scipy import fft

    blocks *= _LAYOUT["window"]
    power = np.abs(fft.rfft2(blocks, workers=2))
    power *= power
    pooled, _ = _pool(power.reshape(blocks.shape[:-2] + (-1,)))
    del power
    pooled = pooled.reshape(-1, pooled.shape[-1])
    pooled += pooled.mean(axis=1, keepdims=True) * np.float32(1e-6) + np.float32(1e-30)
    return np.log(pooled, out=pooled)


def _pair_heights(logp: np.ndarray):
    """Of log spectra (n, 2,112), each over its own radial profile: the highest pair off and on
    the JPEG lattice (n, 2), their indices, the profiles (n, rings) and every pair's sum."""
    lay = _LAYOUT
    profile = logp @ lay["ring_mean"]
    pair = np.take(logp, lay["pairs"][0], axis=1)
    pair += np.take(logp, lay["pairs"][1], axis=1)
    pair -= profile @ lay["pair_rings"]
    n_off = lay["n_off"]
    best = np.stack([pair[:, :n_off].argmax(axis=1), pair[:, n_off:].argmax(axis=1) + n_off], axis=1)
    return np.take_along_axis(pair, best, axis=1) * np.float32(0.5), best, profile, pair


def _texture_places(logp: np.ndarray, best: np.ndarray) -> np.ndarray:
    """Signed-residue log spectra (n, 2,112) over their radial profiles at the places where a
    texture would explain each cell's best pairs (n, k): (n, k, 234) float16, -inf if unusable."""
    lay = _LAYOUT
    profile = logp @ lay["texture_mean"]
    out = np.empty(best.shape + (lay["texture_places"].shape[1],), np.float16)
    for k in range(best.shape[1]):
        found = np.take_along_axis(logp, lay["texture_places"][best[:, k]], axis=1)
        found -= np.take_along_axis(profile, lay["texture_rings"][best[:, k]], axis=1)
        found[~lay["texture_valid"][best[:, k]]] = -np.inf
        out[:, k] = found
    return out


def _strips(pixels: np.ndarray, wy: tuple, wx: tuple, sample: int):
    """Per strip of cell rows: first row, rows, then per cell the pair heights (natural log),
    pair indices, texture places (each (n, 2, ...): off and on the lattice) and whether it was
    analysed; then, for every `sample`-th analysed row and column, every pair's height, the
    lattice level and the signed residue's log spectrum (the typical cell)."""
    (tops_y, first_y), (tops_x, first_x) = wy, wx
    runs = _runs(tops_x)
    cells_per_batch = max(1, _BATCH // len(tops_x) - 1)
    for i0 in range(0, len(first_y), cells_per_batch):
        fy = first_y[i0:i0 + cells_per_batch]
        j0, j1 = int(fy[0]), min(int(fy[-1]) + 2, len(tops_y))
        tops = tops_y[j0:j1] - tops_y[j0]
        y = _luma(pixels[tops_y[j0]:tops_y[j1 - 1] + WINDOW + 2])
        view = sliding_window_view(_residue4(y), (WINDOW, WINDOW))
        grey = sliding_window_view(y[1:-1, 1:-1], (WINDOW, WINDOW))[:, :, ::4, ::4]
        signed = np.empty((len(tops), len(tops_x), WINDOW, WINDOW), np.float32)
        spread = np.empty((len(tops), len(tops_x)), np.float32)
        for k, top in enumerate(tops):
            for start, stop, first, stride in runs:  # basic slices: strided copies, no gathers
                part = slice(first, first + stride * (stop - start), stride)
                signed[k, start:stop] = view[top, part]
                spread[k, start:stop] = grey[top, part].std(axis=(1, 2))
        del view, grey, y
        blocks = np.abs(signed)
        # |4e| ≥ 1 where a pixel is not predicted exactly (a quarter of them, for speed)
        texture = np.count_nonzero(blocks[:, :, ::2, ::2] > 0.4, axis=(2, 3)).astype(np.float32)
        spread, count = _pool(spread)
        texture, _ = _pool(texture / (WINDOW // 2) ** 2)
        analysed = (spread >= FLAT_STD * count) & (texture >= MIN_TEXTURE * count)
        r, c = analysed.shape
        kept = (analysed & ((np.arange(j0, j0 + r) % sample) == 0)[:, None]
                & ((np.arange(c) % sample) == 0)[None, :]).reshape(-1)
        logp = _log_spectra(blocks)
        del blocks
        heights, best, profile, pairs = _pair_heights(logp)
        points = _LAYOUT["points"]
        lattice = (np.take(logp[kept], points, axis=1)
                   - np.take(profile[kept], _LAYOUT["ring_index"][points], axis=1)).mean(axis=1)
        del logp
        logs = _log_spectra(signed)
        del signed
        textures = _texture_places(logs, best)
        typical = (pairs[kept], lattice, logs[kept])
        del logs, pairs
        pick = (np.minimum(fy - j0, r - 1)[:, None] * c + np.minimum(first_x, c - 1)[None, :]).ravel()
        yield (i0, len(fy), heights[pick], best[pick], textures[pick], analysed.reshape(-1)[pick],
               typical)


def resampling_map(pixels: np.ndarray, *, cell: int = 32,
                   jpeg_grid: bool | None = None) -> ResamplingMap:
    """Per cell, the strength of periodic resampling traces in the predictor residue.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
    cell : int, default 32
        Side of the map's cells (pixels). The analysis runs on 32-pixel cells (each from the
        96 × 96 pixels centred on it); another grid takes the 32-pixel cell under each centre.
    jpeg_grid : bool or None, default None
        Set aside the JPEG-lattice frequencies (multiples of 1/8 cycle per pixel): True for a
        JPEG, False never, None decided from the photo's typical cell (a PNG once a JPEG).

    Returns
    -------
    ResamplingMap
        ``strength`` in dB (NaN = not analysed), peak frequencies, the lattice decision and
        level, the typical cell's pair.

    Examples
    --------
    >>> import numpy as np
    >>> from PIL import Image
    >>> rng = np.random.default_rng(0)
    >>> photo = rng.integers(0, 256, (200, 200, 3), dtype=np.uint8)
    >>> big = np.asarray(Image.fromarray(photo).resize((300, 300), Image.Resampling.BILINEAR))
    >>> bool(np.nanmedian(resampling_map(big).strength) > 10)
    True
    """
    pixels = check_rgb8(pixels)
    cell = _check_cell(cell)
    if jpeg_grid not in (None, True, False):
        raise ValueError(f"jpeg_grid must be True, False or None (decide), got {jpeg_grid!r}")
    lay = _LAYOUT
    h, w = pixels.shape[:2]
    ar, ac = -(-h // STEP), -(-w // STEP)
    heights = np.full((ar, ac, 2), np.nan, np.float32)  # [..., 0] off the JPEG lattice, 1 on it
    which = np.zeros((ar, ac, 2), np.intp)
    texture = np.full((ar, ac, 2, lay["texture_places"].shape[1]), -np.inf, np.float16)
    typical: list[list] = [[], [], []]
    if h >= MIN_SIDE and w >= MIN_SIDE:
        sample = max(1, int(np.ceil(np.sqrt(ar * ac / _TYPICAL_CELLS))))
        with one_blas_thread():  # small products: BLAS threads cost more than they save
            for i0, r, found, index, tex, analysed, kept in _strips(
                    pixels, _windows(h - 2, ar), _windows(w - 2, ac), sample):
                heights[i0:i0 + r] = np.where(analysed[:, None], found, np.nan).reshape(r, ac, 2)
                which[i0:i0 + r] = index.reshape(r, ac, 2)
                texture[i0:i0 + r] = tex.reshape(r, ac, 2, -1)
                for store, part in zip(typical, kept):
                    store.append(part)
    grid_level, typical_db, typical_peak = float("nan"), float("nan"), (float("nan"), float("nan"))
    if sum(len(t) for t in typical[1]):
        # the typical cell: medians over a sample of the analysed cells (a pasted region over
        # less than half of the photo does not move them)
        grid_level = float(np.median(np.concatenate(typical[1])))
    masked = bool(jpeg_grid) if jpeg_grid is not None else bool(grid_level > GRID_LEVEL)
    simple = lay["texture_simple"]
    if np.isfinite(grid_level):
        pairs = np.median(np.concatenate(typical[0]), axis=0) / 2
        top = int(np.argmax(pairs[:lay["n_off"]] if masked else pairs))
        signed = np.concatenate(typical[2])
        with one_blas_thread():
            signed -= (signed @ lay["texture_mean"])[:, lay["texture_ring"]]
        at = np.median(signed, axis=0)[lay["texture_places"][top]] * _DB
        at[~lay["texture_valid"][top]] = -np.inf
        # a periodic texture all over the photo is not a resampled photo
        excess = max(float(at[simple].max()) - TEXTURE_DB, float(at[~simple].max()) - TEXTURE_PRODUCT_DB)
        typical_db = float(pairs[top] * _DB - max(excess, 0.0))
        typical_peak = (float(lay["fy"][lay["pairs"][0][top]]), float(lay["fx"][lay["pairs"][0][top]]))
    with np.errstate(invalid="ignore"):
        use_grid = ~masked & (heights[..., 1] > heights[..., 0])
    value = np.where(use_grid, heights[..., 1], heights[..., 0]) * _DB
    pair = np.where(use_grid, which[..., 1], which[..., 0])
    # a periodic texture in the cell: the signed residue's peaks that would explain the pair
    texture = np.where(use_grid[..., None], texture[..., 1, :], texture[..., 0, :]).astype(np.float32)
    excess = np.maximum(texture[..., simple].max(axis=-1) * _DB - np.float32(TEXTURE_DB),
                        texture[..., ~simple].max(axis=-1) * _DB - np.float32(TEXTURE_PRODUCT_DB))
    with np.errstate(invalid="ignore"):
        value = np.maximum(value - np.maximum(excess, 0), 0)  # NaN stays NaN
    first = lay["pairs"][0][pair]
    peak = np.stack([lay["fy"][first], lay["fx"][first]], axis=-1)
    peak[~np.isfinite(value)] = np.nan
    return ResamplingMap(_regrid(value, (h, w), cell).astype(np.float32),
                         _regrid(peak, (h, w), cell).astype(np.float32), masked, grid_level,
                         typical_db, typical_peak)


def _check_cell(cell) -> int:
    if isinstance(cell, bool) or not isinstance(cell, (int, np.integer)) or cell < 1:
        raise ValueError(f"cell must be an integer >= 1 (pixels), got {cell!r}")
    return int(cell)


def _regrid(values: np.ndarray, size: tuple[int, int], cell: int) -> np.ndarray:
    """Values on the 32-pixel analysis grid on a `cell`-pixel grid (the cell under each centre)."""
    if cell == STEP:
        return values
    ys = np.minimum((np.arange(-(-size[0] // cell)) * cell + cell // 2) // STEP, values.shape[0] - 1)
    xs = np.minimum((np.arange(-(-size[1] // cell)) * cell + cell // 2) // STEP, values.shape[1] - 1)
    return values[np.ix_(ys, xs)]


def _rounded(value: float, digits: int) -> float | None:
    return round(value, digits) if np.isfinite(value) else None


def _groups(clear: np.ndarray) -> np.ndarray:
    """Clear cells in a group of at least :data:`MIN_REGION` touching cells."""
    from scipy import ndimage

    labels, n = ndimage.label(clear, structure=np.ones((3, 3), bool))
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    sizes[0] = 0
    return sizes[labels] >= MIN_REGION


def _same_peak(peak: np.ndarray, ref: np.ndarray, tolerance: float = 2.5 / WINDOW) -> np.ndarray:
    """Whether each peak is the reference peak (or the same one turned by 90°, or mirrored)."""
    alike = np.zeros(peak.shape[:-1], bool)
    for ry, rx in ((ref[0], ref[1]), (-ref[1], ref[0]), (ref[1], -ref[0]), (-ref[0], -ref[1])):
        dy = np.abs((peak[..., 0] - ry + 0.5) % 1.0 - 0.5)
        dx = np.abs((peak[..., 1] - rx + 0.5) % 1.0 - 0.5)
        alike |= (dy <= tolerance) & (dx <= tolerance)
    return alike


@register(
    "resampling",
    title="Resampling (scaled or rotated regions)",
    family="noise",
    description="Periodic traces that resizing or rotating leaves in the fine detail (Kirchner's "
    "predictor residue spectrum): a pasted object that was scaled or turned to fit stands out.",
    heatmap=True,
    direction="high",
    cell=32,
)
def resampling_analysis(image, *, cell: int = 32) -> AnalysisResult:
    """Resampling traces per `cell` × `cell` pixels (dB above the spectrum's background).

    Score: the share of analysed cells with a clear periodic peak (over :data:`CLEAR_DB`, raised
    with the photo's median cell); when the whole photo was resampled, the share of cells
    resampled *unlike* the rest; None when nothing could be analysed. Decisions are taken on the
    32-pixel analysis grid, whatever `cell` the map is drawn on.
    """
    cell, size = _check_cell(cell), image.pixels.shape[:2]
    found = resampling_map(image.pixels, jpeg_grid=True if image.jpeg is not None else None)
    heat = found.strength
    if image.undecoded is not None:  # the grey fill of a truncated file is no evidence
        from .blocks import cells_touching

        heat = np.where(cells_touching(image.undecoded, STEP), np.nan, heat).astype(np.float32)
    analysed = np.isfinite(heat)
    details = {"analysed_cells": int(analysed.sum()), "jpeg_grid_masked": found.jpeg_grid,
               "jpeg_grid_level": _rounded(found.grid_level, 3),
               "typical_db": _rounded(found.typical_db, 2)}
    result = {"name": "resampling", "cell": cell, "direction": "high",
              "units": "dB (peak over background)", "details": details}
    if not analysed.any():
        message = (f"The image is too small for this check ({size[1]}×{size[0]} px; it needs at "
                   f"least {MIN_SIDE} px a side)." if min(size) < MIN_SIDE else
                   "The image is too flat (no fine detail) for this check: nothing was analysed.")
        return AnalysisResult(heatmap=_regrid(heat, size, cell), score=None, **result,
                              findings=(Finding("resampling-nothing-to-analyse", "info", message),))
    median = float(np.median(heat[analysed]))
    whole = found.typical_db >= WHOLE_DB
    # compression lifts every cell's best pair a little, so the bar rises with the photo's
    # median cell; not in a resampled photo, whose median is high for another reason
    threshold = CLEAR_DB + (0.0 if whole else max(0.0, median - MEDIAN_REF_DB))
    with np.errstate(invalid="ignore"):
        clear = analysed & (heat >= threshold)
    share = float(clear.sum() / analysed.sum())
    details.update({"clear_db": round(threshold, 2), "median_db": round(median, 2),
                    "clear_share": round(share, 4)})
    findings: list[Finding] = []
    if whole:
        details["typical_peak_cycles_per_px"] = [round(v, 4) for v in found.typical_peak]
        mask = _groups(clear & ~_same_peak(found.peak, np.asarray(found.typical_peak)))
        score = float(mask.sum() / analysed.sum())
        findings.append(Finding(
            "resampling-whole-photo", "notice",
            "The whole photo was resized or rotated (its typical area shows the periodic traces): "
            "common for photos from the web and not a sign of editing by itself, but it can hide a "
            "pasted region's own traces from this check."))
        if mask.any():
            findings.append(Finding(
                "resampling-region-differs", "warning",
                f"{int(mask.sum())} areas of 32×32 px were resized or rotated differently from the "
                "rest of the photo: a sign of a pasted region (or of a periodic texture there)."))
    else:
        mask, score = _groups(clear), share
        if mask.any():
            findings.append(Finding(
                "resampling-region", "warning",
                f"A region ({int(mask.sum())} areas of 32×32 px) shows the periodic traces of "
                "resizing or rotating that the rest of the photo does not: a sign of an object "
                "scaled or turned to fit before it was pasted (periodic textures such as fences or "
                "fabric can look alike; check what is there)."))
    details["region_cells"] = int(mask.sum())
    return AnalysisResult(heatmap=_regrid(heat, size, cell), mask=_regrid(mask, size, cell),
                          score=score, findings=tuple(findings), **result)
