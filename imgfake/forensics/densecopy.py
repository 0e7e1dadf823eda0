"""Dense copy-move detection (after Cozzolino, Poggi & Verdoliva 2015): a region copied to
another place in the same photo, found block by block, also where the photo is flat.

Every block of the photo (a disk 16 px across, on a 2-px grid) is described by its Zernike
moments — the magnitudes are the same when the block is rotated — and matched to the most
similar block at least 16 px away (a PatchMatch search: random guesses, neighbours of
blocks whose features sort alike, and offsets handed on by neighbouring blocks). In an authentic
photo the offsets to the best matches point anywhere; over a copied region they agree: one shift,
or one rotation and scale, over a whole connected area. The offset field is median filtered, and
kept where a linear (affine) model fits it closely around each block (dense linear fitting), far
enough from the block itself, over a large enough area. Each such area is fitted by one affine
transform and checked on the pixels: the area must match its copy far better than it matches
itself moved by 2 to 16 px, which rejects flat, smooth and periodic areas that match anywhere.
Both the area and the place it maps to are marked.

This is the complement of :mod:`imgfake.forensics.copymove` (keypoints): keypoints fail on flat
or low-texture regions (sky, walls, skin) and on small copies, where every block still counts
here.

References
----------
D. Cozzolino, G. Poggi, L. Verdoliva, "Efficient dense-field copy-move forgery detection", IEEE
Transactions on Information Forensics and Security 10(11), 2015, pp. 2284-2297.

J. Fridrich, D. Soukal, J. Lukáš, "Detection of copy-move forgery in digital images", Digital
Forensic Research Workshop (DFRWS), 2003 (blocks that sort alike as candidate matches).

C. Barnes, E. Shechtman, A. Finkelstein, D. B. Goldman, "PatchMatch: a randomized correspondence
algorithm for structural image editing", ACM Transactions on Graphics 28(3), 2009.

Where it fails: photos are analysed at a longer side of at most 1,024 px (larger ones are scaled
down first), and copies under about 48 px a side at that scale are often missed in low-texture
areas (about half of 44-px ones are found); truly flat areas (clipped sky, a blank wall with no
grain, blocks JPEG has flattened) carry nothing to match and are passed over; rotated and scaled
copies are found less reliably than plain ones (the features are rotation- but not
scale-invariant, and resampling blurs the grain); JPEG compression below quality ~85, added noise
or blur after the copy wipe out the fine grain a low-texture match relies on; and honest
repetition (tiles, a facade's windows, printed patterns) may be marked as well: look at what is
matched before concluding.
"""

from __future__ import annotations

import math

import numpy as np

from ..results import AnalysisResult, Finding
from .blocks import cell_means, mask_to_full_size, opencv as _cv2, working_copy
from .copymove import MAX_SIDE, find_clones
from .lenses import luminance
from .registry import register

__all__ = ["zernike_kernels", "zernike_features", "patch_match", "fit_error", "find_dense_clones",
           "dense_clone_mask"]

#: Diameter of the blocks matched (pixels of the working image).
DIAMETER = 16
#: Highest Zernike order used: 12 features (n ≤ 5, m ≥ 0, n − m even).
ORDER = 5
#: Grid step of the blocks matched (pixels of the working image); their matches may be anywhere.
STRIDE = 2
#: Smallest shift between a region and its copy (pixels of the working image).
MIN_DISTANCE = 32.0
#: Blocks varying less than this (grey levels, standard deviation) are flat: never matched.
MIN_STD = 1.0
#: Each matched block centre marks a disk this wide (pixels of the working image): its block's
#: radius plus what the median filter and the fit cut off at a region's edge (best F1 measured).
MARK_RADIUS = DIAMETER // 2 + 4


def _radial(n: int, m: int, rho: np.ndarray) -> np.ndarray:
    out = np.zeros_like(rho)
    for k in range((n - m) // 2 + 1):
        c = (-1) ** k * math.factorial(n - k) / (
            math.factorial(k) * math.factorial((n + m) // 2 - k) * math.factorial((n - m) // 2 - k))
        out += c * rho ** (n - 2 * k)
    return out


def zernike_kernels(diameter: int = DIAMETER,
                    order: int = ORDER) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Zernike basis functions on a disk of `diameter` pixels, each of unit L2 norm.

    Returns
    -------
    list of (real, imaginary or None)
        float32 `diameter` × `diameter` kernels, in order n = 0..order, m = n mod 2..n step 2;
        the imaginary part is None for m = 0 (a real, signed moment).
    """
    if not isinstance(diameter, (int, np.integer)) or diameter < 4:
        raise ValueError(f"diameter must be an integer >= 4, got {diameter!r}")
    if not isinstance(order, (int, np.integer)) or not 0 <= order <= 10:
        raise ValueError(f"order must be an integer in 0..10, got {order!r}")
    c = (np.arange(diameter) - (diameter - 1) / 2) / (diameter / 2)
    y, x = np.meshgrid(c, c, indexing="ij")
    rho, theta = np.hypot(y, x), np.arctan2(y, x)
    disk = rho <= 1
    kernels = []
    for n in range(order + 1):
        for m in range(n % 2, n + 1, 2):
            r = _radial(n, m, rho) * disk
            if m == 0:
                kernels.append(((r / np.sqrt((r * r).sum())).astype(np.float32), None))
            else:
                re, im = r * np.cos(m * theta), r * np.sin(m * theta)
                norm = np.sqrt((re * re).sum())
                kernels.append(((re / norm).astype(np.float32), (im / norm).astype(np.float32)))
    return kernels


def zernike_features(grey: np.ndarray, *, diameter: int = DIAMETER,
                     order: int = ORDER) -> np.ndarray:
    """Rotation-invariant Zernike features of every block of `grey` that fits inside it.

    Parameters
    ----------
    grey : ndarray, shape (H, W)
        Grey levels (0..255).

    Returns
    -------
    ndarray of float32, shape (H − diameter + 1, W − diameter + 1, K)
        Entry ``(i, j)`` describes the block of rows ``i .. i + diameter − 1`` and columns
        ``j .. j + diameter − 1``: the signed m = 0 moments and the magnitudes of the others
        (unit-norm basis, so a feature is in grey levels and a distance is like a block SSD).
        Empty (a zero-sized axis) when `grey` is smaller than a block.
    """
    cv2 = _cv2()
    grey = np.asarray(grey, np.float32)
    if grey.ndim != 2:
        raise ValueError(f"grey must be 2-D, got shape {grey.shape}")
    kernels = zernike_kernels(diameter, order)
    h, w = grey.shape
    half = diameter // 2
    rows, cols = max(h - diameter + 1, 0), max(w - diameter + 1, 0)
    out = np.empty((rows, cols, len(kernels)), np.float32)
    if rows == 0 or cols == 0:
        return out
    for index, (re, im) in enumerate(kernels):
        # filter2D correlates around the anchor (diameter // 2): output p covers p − half ..
        a = cv2.filter2D(grey, cv2.CV_32F, re, borderType=cv2.BORDER_REPLICATE)
        if im is not None:
            a = cv2.magnitude(a, cv2.filter2D(grey, cv2.CV_32F, im, borderType=cv2.BORDER_REPLICATE))
        out[..., index] = a[half:half + rows, half:half + cols]
    return out


def patch_match(features: np.ndarray, *, stride: int = 1, min_offset: int = 16, iterations: int = 3,
                seed: int = 0, projections: int = 4, neighbours: int = 3,
                extrapolate: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Approximate nearest neighbour, among all blocks at least `min_offset` px away, of the
    blocks on a `stride`-pixel grid (PatchMatch, vectorised).

    Candidates: random targets; the blocks next to each one in the order of a few random
    projections of the features (blocks that sort alike, as in Fridrich et al.); the offsets of
    grid neighbours at distances 1, 2, 4, … 16 steps (propagation, every point at once), and
    the targets of the next two neighbours in a line extended to this point (exact for a rotated
    or scaled copy, whose offsets change from block to block); random search around the best
    target at halving radii. Targets are any block, not only those on the grid: a copy moved by
    an odd number of pixels is matched exactly.

    Parameters
    ----------
    features : ndarray, shape (H, W, K)
        One feature vector per block (e.g. :func:`zernike_features`).
    stride : int
        Grid step of the blocks matched.
    min_offset : int
        Smallest distance between a block and its match (pixels).
    iterations : int
        Rounds of propagation and random search.
    seed : int
        Of the random generator (the result is reproducible).
    projections, neighbours : int
        Random projections sorted, and neighbours on each side in each order tried.
    extrapolate : bool
        Also try the targets of grid neighbours extended in a line (rotated and scaled copies).

    Returns
    -------
    (dy, dx, cost) : ndarrays, shape (ceil(H / stride), ceil(W / stride))
        int32 offsets (pixels) from each grid block to its match, and the squared feature
        distance (float32; inf where no block is far enough away).
    """
    features = np.asarray(features, np.float32)
    if features.ndim != 3:
        raise ValueError(f"features must be 3-D (rows, columns, features), "
                         f"got shape {features.shape}")
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"stride must be an integer >= 1, got {stride!r}")
    h, w, k = features.shape
    gh, gw = -(-h // stride), -(-w // stride)
    n = gh * gw
    if n == 0:
        empty = np.zeros((gh, gw), np.int32)
        return empty, empty.copy(), np.full((gh, gw), np.inf, np.float32)
    flat = np.ascontiguousarray(features.reshape(h * w, k))
    source = np.ascontiguousarray(features[::stride, ::stride].reshape(n, k))
    rng = np.random.default_rng(seed)
    gy, gx = np.divmod(np.arange(n, dtype=np.int32), np.int32(gw))
    yy, xx = gy * stride, gx * stride
    min2 = int(min_offset) ** 2
    ty, tx = rng.integers(0, h, n, dtype=np.int32), rng.integers(0, w, n, dtype=np.int32)
    cost = np.full(n, np.inf, np.float32)

    def consider(cy: np.ndarray, cx: np.ndarray) -> None:
        ok = (cy >= 0) & (cy < h) & (cx >= 0) & (cx < w)
        ddy, ddx = cy - yy, cx - xx
        ok &= ddy * ddy + ddx * ddx >= min2
        index = cy.astype(np.intp) * w + cx
        index[~ok] = 0
        diff = np.take(flat, index, axis=0)
        np.subtract(source, diff, out=diff)
        c = np.einsum("ij,ij->i", diff, diff)
        c[~ok] = np.inf
        better = c < cost
        np.copyto(ty, cy, where=better)
        np.copyto(tx, cx, where=better)
        np.copyto(cost, c, where=better)

    consider(ty.copy(), tx.copy())
    for _ in range(projections):
        direction = rng.normal(size=k).astype(np.float32)
        order = np.argsort(flat @ direction).astype(np.int32)
        rank = np.empty(h * w, np.int32)
        rank[order] = np.arange(h * w, dtype=np.int32)
        own = rank[yy * w + xx]
        for step in range(1, neighbours + 1):
            for sign in (-step, step):
                other = order[np.clip(own + sign, 0, h * w - 1)]
                consider(*np.divmod(other, np.int32(w)))
    jumps = [1 << j for j in range(min(5, max(1, int(math.log2(max(gh, gw, 2))) - 1)))][::-1]
    radii = sorted({max(h, w) // 2, max(h, w) // 8, max(h, w) // 32, 8, 4, 2, 1}, reverse=True)
    for _ in range(iterations):
        for step in jumps:
            for dy, dx in ((step, 0), (-step, 0), (0, step), (0, -step)):
                qy, qx = gy + dy, gx + dx
                inside = (qy >= 0) & (qy < gh) & (qx >= 0) & (qx < gw)
                q = np.where(inside, qy * gw + qx, 0)
                consider(np.where(inside, ty[q] - dy * stride, -1), tx[q] - dx * stride)
                if extrapolate:
                    # the neighbour's target extended by the one after: exact where the field is
                    # affine (a rotated or scaled copy), where handing on the shift is not
                    qy, qx = qy + dy, qx + dx
                    inside &= (qy >= 0) & (qy < gh) & (qx >= 0) & (qx < gw)
                    far = np.where(inside, qy * gw + qx, 0)
                    consider(np.where(inside, 2 * ty[q] - ty[far], -1), 2 * tx[q] - tx[far])
        for radius in radii:
            if radius >= 1:
                consider(ty + rng.integers(-radius, radius + 1, n, dtype=np.int32),
                         tx + rng.integers(-radius, radius + 1, n, dtype=np.int32))
    return (ty - yy).reshape(gh, gw), (tx - xx).reshape(gh, gw), cost.reshape(gh, gw)


def fit_error(dy: np.ndarray, dx: np.ndarray, *, radius: int = 3) -> np.ndarray:
    """Mean squared residual of an affine fit of the offset field in a disk around each point
    (dense linear fitting): small where the offsets follow one shift, rotation or scale.

    Returns
    -------
    ndarray of float64, the shape of `dy` (squared units of the offsets)
    """
    cv2 = _cv2()
    r = int(radius)
    v, u = np.mgrid[-r:r + 1, -r:r + 1].astype(np.float64)
    disk = (u * u + v * v <= r * r).astype(np.float64)
    count, spread = disk.sum(), (u * u * disk).sum()
    total = np.zeros(np.shape(dy), np.float64)
    for z in (dy, dx):
        z = np.asarray(z, np.float64)
        z = z - np.median(z) if z.size else z  # smaller numbers, less cancellation
        s1 = cv2.filter2D(z, cv2.CV_64F, disk, borderType=cv2.BORDER_REFLECT)
        s2 = cv2.filter2D(z * z, cv2.CV_64F, disk, borderType=cv2.BORDER_REFLECT)
        a = cv2.filter2D(z, cv2.CV_64F, u * disk, borderType=cv2.BORDER_REFLECT)
        b = cv2.filter2D(z, cv2.CV_64F, v * disk, borderType=cv2.BORDER_REFLECT)
        total += s2 - s1 * s1 / count - (a * a + b * b) / spread
    return np.maximum(total, 0.0) / count


def _block_std(grey: np.ndarray, diameter: int) -> np.ndarray:
    """Standard deviation of each `diameter`-pixel square block (the grid of zernike_features)."""
    cv2 = _cv2()
    h, w = grey.shape
    half, rows, cols = diameter // 2, h - diameter + 1, w - diameter + 1
    g = grey.astype(np.float64)
    mean = cv2.blur(g, (diameter, diameter), borderType=cv2.BORDER_REPLICATE)
    square = cv2.blur(g * g, (diameter, diameter), borderType=cv2.BORDER_REPLICATE)
    var = np.maximum(square - mean * mean, 0.0)[half:half + rows, half:half + cols]
    return np.sqrt(var).astype(np.float32)


def _pixel_check(grey: np.ndarray, matrix: np.ndarray, region: np.ndarray, *,
                 reach: int = 16) -> tuple[float, float]:
    """How well a region matches its copy, against how well it matches itself moved a little.

    Returns
    -------
    (error, nearest) : float
        Mean squared difference (grey levels²) over `region` (bool mask) between the photo and
        the photo at the points the affine `matrix` (x, y) sends them to; and the smallest mean
        squared difference between the region and itself moved by 2..`reach` px (any direction).
        A copy matches its source far better than anything next to itself; a flat, smooth or
        periodic area matches its neighbourhood as well as its "copy".
    """
    cv2 = _cv2()
    h, w = grey.shape
    warped = cv2.warpAffine(grey, matrix, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                            borderMode=cv2.BORDER_REFLECT)
    error = float(np.mean((grey[region] - warped[region]) ** 2))
    ys, xs = np.nonzero(region)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    padded = cv2.copyMakeBorder(grey, reach, reach, reach, reach, cv2.BORDER_REFLECT)
    window = padded[y0:y1 + 2 * reach, x0:x1 + 2 * reach]
    template = np.ascontiguousarray(grey[y0:y1, x0:x1])
    mask = region[y0:y1, x0:x1].astype(np.float32)
    sums = cv2.matchTemplate(window, template, cv2.TM_SQDIFF, mask=mask)
    sums /= max(float(mask.sum()), 1.0)
    near = np.abs(np.arange(-reach, reach + 1))
    sums[np.maximum(near[:, None], near[None, :]) < 2] = np.inf
    return error, float(sums.min())


def find_dense_clones(grey: np.ndarray, *, diameter: int = DIAMETER, stride: int = STRIDE,
                      min_offset: int = 16, min_distance: float = MIN_DISTANCE, min_area: int = 400,
                      max_fit_error: float = 2.0, min_std: float = MIN_STD, max_ratio: float = 0.25,
                      close_ratio: float = 0.6, close_error: float = 8.0, max_error: float = 100.0,
                      min_contrast: float = 1.0, max_clones: int = 4, seed: int = 0) -> list[dict]:
    """Regions of `grey` that appear again elsewhere in it, found from a dense field of block
    matches.

    Parameters
    ----------
    grey : ndarray, shape (H, W)
        Grey levels, float32 or uint8 (the working image: at most ~1,024 px a side keeps it fast).
    diameter : int
        Side of the blocks described (pixels).
    stride : int
        Grid step of the blocks matched (pixels).
    min_offset : int
        Smallest shift to a match searched for (pixels).
    min_distance : float
        Smallest shift between a region and its copy kept (pixels).
    min_area : int
        Smallest area of block centres agreeing on one transform (pixels; a copy is about
        `diameter` px wider and taller than its block centres).
    max_fit_error : float
        Largest mean squared residual (px²) of the local affine fit of the offsets.
    min_std : float
        Blocks whose grey levels vary less than this (flat, clipped) are not matched.
    max_ratio, close_ratio, close_error, max_error, min_contrast : float
        The pixel check, in mean squared differences (grey levels²) over the region: the error of
        the match (region against its copy) must be at most `max_ratio` times the smallest
        difference between the region and itself moved by 2..16 px — `close_ratio` times when
        the match is near-exact (error at most `close_error`, as JPEG leaves a plain copy) — and
        at most `max_error`; the region must differ from itself moved by at least `min_contrast`.
        A flat, smooth or periodic area matches its own surroundings about as well as its
        "copy"; a copy matches its source far better than anything else.
    max_clones : int
        At most this many regions are reported, largest first.

    Returns
    -------
    list of dict
        One per region, largest first: ``"matrix"`` (2 × 3 affine, x, y of the region's pixels to
        their copy), ``"src"``, ``"dst"`` (float32 (n, 2) x, y of matched block centres),
        ``"area"`` (block-centre pixels), ``"shift"`` (px), ``"ratio"`` and ``"error"`` (the
        pixel check: mean squared difference, grey levels²).
    """
    cv2 = _cv2()
    grey = np.asarray(grey, np.float32)
    if grey.ndim != 2:
        raise ValueError(f"grey must be 2-D, got shape {grey.shape}")
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"stride must be an integer >= 1, got {stride!r}")
    h, w = grey.shape
    if min(h, w) < diameter or max(h, w) < diameter + min_distance:  # no block and a copy of it
        return []
    std = _block_std(grey, diameter)[::stride, ::stride]
    if not (std >= min_std).any():
        return []
    feats = zernike_features(grey, diameter=diameter)
    dy, dx, cost = patch_match(feats, stride=stride, min_offset=min_offset, seed=seed)
    # median filter (5 × 5 grid points) regularises the field; fit on it
    dy = cv2.medianBlur(dy.astype(np.float32), 5)
    dx = cv2.medianBlur(dx.astype(np.float32), 5)
    error = fit_error(dy, dx, radius=max(1, round(6 / stride)))
    keep = (error <= max_fit_error) & (dy * dy + dx * dx >= min_distance ** 2) & (std >= min_std)
    keep &= np.isfinite(cost)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(keep.astype(np.uint8), connectivity=8)
    min_points = max(4, math.ceil(min_area / stride ** 2))
    sizes = stats[:, cv2.CC_STAT_AREA]
    big = [i for i in np.argsort(-sizes) if i > 0 and sizes[i] >= min_points]
    centre = (diameter - 1) / 2
    claimed = np.zeros((h, w), bool)
    clones: list[dict] = []
    for label in big:
        if len(clones) >= max_clones:
            break
        gy, gx = np.nonzero(labels == label)
        src = np.stack([gx * stride + centre, gy * stride + centre], axis=1).astype(np.float32)
        dst = src + np.stack([dx[gy, gx], dy[gy, gx]], axis=1).astype(np.float32)
        if claimed[_pixels_at(src, (h, w))].mean() > 0.5:  # the other side of a region found already
            continue
        fits = find_clones(src, dst, min_inliers=min_points, max_clones=1, threshold=2.0)
        if not fits:
            continue
        fit = fits[0]
        matrix = fit["matrix"]
        region = _paint(fit["src"], (h, w), radius=4)
        e0, nearest = _pixel_check(grey, matrix, region)
        allowed = close_ratio if e0 <= close_error else max_ratio
        if nearest < min_contrast or e0 > allowed * nearest or e0 > max_error:
            continue
        region = _paint(fit["src"], (h, w), radius=diameter // 2 - 1)
        claimed |= region | _warp_mask(region, matrix)
        clones.append({"matrix": matrix, "src": fit["src"], "dst": fit["dst"],
                       "area": int(len(fit["src"]) * stride ** 2), "shift": fit["shift"],
                       "ratio": e0 / max(nearest, 1e-9), "error": e0})
    return clones


def _pixels_at(points: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the pixels nearest to `points` (x, y), inside `shape`."""
    xs = np.clip(np.rint(points[:, 0]).astype(np.intp), 0, shape[1] - 1)
    ys = np.clip(np.rint(points[:, 1]).astype(np.intp), 0, shape[0] - 1)
    return ys, xs


def _paint(points: np.ndarray, shape: tuple[int, int], *, radius: int) -> np.ndarray:
    """A mask of disks of `radius` around `points` (x, y)."""
    cv2 = _cv2()
    mask = np.zeros(shape, np.uint8)
    mask[_pixels_at(points, shape)] = 1
    if radius > 0:
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        mask = cv2.dilate(mask, disk)
    return mask.astype(bool)


def _warp_mask(mask: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """`mask` moved by the affine `matrix` (x, y of a pixel to where it goes)."""
    cv2 = _cv2()
    h, w = mask.shape
    return cv2.warpAffine(mask.view(np.uint8), matrix, (w, h), flags=cv2.INTER_NEAREST).astype(bool)


def dense_clone_mask(shape: tuple[int, int], clones: list[dict], *,
                     radius: int = MARK_RADIUS) -> np.ndarray:
    """Both the regions of `clones` (:func:`find_dense_clones`) and where each is copied to, as a
    bool mask of `shape`: each matched block centre marks a disk of `radius` px (its block's, plus
    the margin the median filter and the fit cut off at a region's edge)."""
    mask = np.zeros(shape, bool)
    for clone in clones:
        region = _paint(clone["src"], shape, radius=radius)
        mask |= region | _warp_mask(region, clone["matrix"])
    return mask


def _nothing(shape: tuple[int, int], cell: int, code: str, message: str, details: dict) -> AnalysisResult:
    """A result with nothing analysed: a NaN map, no score and one info finding saying why."""
    rows, cols = -(-shape[0] // cell), -(-shape[1] // cell)
    return AnalysisResult(
        name="copymove-dense", heatmap=np.full((rows, cols), np.nan, np.float32), cell=cell,
        direction="high", units="share of the cell cloned", score=None,
        findings=(Finding(code, "info", message),), details=details)


def _describe(clone: dict, shape: tuple[int, int], factor: float) -> dict:
    """A clone of :func:`find_dense_clones` in the full image's pixels, JSON-safe."""
    area = float(_paint(clone["src"], shape, radius=MARK_RADIUS).sum()) * factor ** 2
    offset = np.median(clone["dst"] - clone["src"], axis=0) * factor
    matrix = np.hstack([clone["matrix"][:, :2], clone["matrix"][:, 2:] * factor])
    return {"area_px": round(area), "offset_px": [round(float(offset[0]), 1), round(float(offset[1]), 1)],
            "matrix": [[round(float(v), 4) for v in row] for row in matrix],
            "match_error": round(float(clone["error"]), 2), "match_ratio": round(float(clone["ratio"]), 3)}


@register(
    "copymove-dense",
    title="Copy-move (dense blocks)",
    family="cloning",
    description="Finds parts of the photo that appear twice by matching every small block with every "
    "other (Zernike moments, PatchMatch): also copies of flat or low-texture areas (sky, walls, skin) "
    "and small ones, where keypoints fail; marks both the source and the copy.",
    heatmap=True,
    direction="high",
    cell=8,
)
def dense_copymove_analysis(image, *, block: int = 8) -> AnalysisResult:
    """Copy-move regions on a `block`-pixel grid (share of each cell marked, source and copy).

    Photos longer than :data:`~imgfake.forensics.copymove.MAX_SIDE` px are analysed on a copy
    scaled down to it (``details["scale"]``); the mask is mapped back to the full image's grid.
    Score: the largest region's area in 16 × 16 blocks of the working image, n, as n / (n + 10);
    0 when nothing is found, None when nothing could be analysed.
    """
    if not isinstance(block, (int, np.integer)) or block < 1:
        raise ValueError(f"block must be an integer >= 1 (pixels per map cell), got {block!r}")
    cell = int(block)
    pixels = image.pixels
    h, w = pixels.shape[:2]
    pixels, factor = working_copy(pixels, max_side=MAX_SIDE)
    grey = luminance(pixels)
    sh, sw = grey.shape
    details = {"scale": round(factor, 3), "working_size": [sh, sw], "stride": STRIDE,
               "clones": [], "pairs": []}
    if min(sh, sw) < DIAMETER or max(sh, sw) < DIAMETER + MIN_DISTANCE:
        return _nothing((h, w), cell, "too-small",
                        f"The image ({w}×{h} px) is too small to hold a {DIAMETER}-px block and a copy "
                        f"of it {MIN_DISTANCE:.0f} px away: dense copy-move detection has nothing to "
                        "compare.", details)
    if not (_block_std(grey, DIAMETER)[::STRIDE, ::STRIDE] >= MIN_STD).any():
        return _nothing((h, w), cell, "flat",
                        "The image is flat (no block varies by more than a grey level): copies in it "
                        "cannot be told from the rest.", details)
    clones = find_dense_clones(grey, stride=STRIDE)
    mask = dense_clone_mask(grey.shape, clones)
    mask = mask_to_full_size(mask, h, w)
    heatmap = cell_means(mask.view(np.uint8), cell)
    findings = []
    if factor > 1:
        findings.append(Finding(
            "downscaled", "info",
            f"Analysed on a copy scaled down {factor:.1f}× (to {sw}×{sh} px): copies smaller than "
            f"about {40 * factor:.0f}×{40 * factor:.0f} px of the original are missed."))
    details["clones"] = [_describe(clone, grey.shape, factor) for clone in clones]
    largest = max((c["area_px"] / factor ** 2 / DIAMETER ** 2 for c in details["clones"]), default=0.0)
    if clones:
        first = details["clones"][0]
        side = math.sqrt(first["area_px"])
        findings.append(Finding(
            "dense-copy-move", "warning",
            f"A region of about {side:.0f}×{side:.0f} px appears again "
            f"{math.hypot(*first['offset_px']):.0f} px away, block for block: a sign of cloning, "
            "unless the scene really repeats (tiles, a facade, a printed pattern)."))
        pairs = np.vstack([np.hstack([clone["src"], clone["dst"]]) for clone in clones]) * factor
        pick = np.linspace(0, len(pairs) - 1, min(200, len(pairs))).round().astype(int)
        details["pairs"] = [[round(float(v), 1) for v in row] for row in pairs[pick]]
    return AnalysisResult(
        name="copymove-dense", heatmap=heatmap, cell=cell, direction="high",
        units="share of the cell cloned", mask=heatmap >= 0.5, score=largest / (largest + 10.0),
        findings=tuple(findings), details=details)
