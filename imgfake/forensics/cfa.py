"""Colour filter array (CFA) traces: areas that lack the demosaicing pattern of the camera.

A camera sensor measures one colour per pixel through a Bayer filter (green on a quincunx
lattice, red and blue on the rest) and interpolates the two missing colours of every pixel
("demosaicing"). Interpolated values are smooth functions of their measured neighbours, so the
error of predicting a green pixel from its neighbours has a much smaller local variance at
interpolated pixels than at measured ones, in a pattern that repeats every 2 pixels.

This is Ferrara et al.'s (2012) method with two changes that let it hold beyond bilinear
demosaicing. (1) The predictor is fitted to the image: least squares over the 16 nearest pixels
of the other quincunx class, once per class; the class it predicts better by the larger factor
is the interpolated one (the green phase). Ferrara uses the four neighbours' mean; Popescu &
Farid (2005) fit the kernel by EM. (2) Per cell, the feature is the paper's: the log-ratio of the
geometric means of the local variance (a 7×7 Gaussian window over pixels of the same class) on
measured vs interpolated green. As the trace is strong in detailed areas and faint in smooth
ones, the camera component of the EM-fitted two-Gaussian mixture (the other is forced to zero
mean: no trace) has a mean that grows linearly with the cell's detail. Each cell gets the
posterior probability of "no trace" (equal priors, log-likelihood ratio median-filtered over
3×3 cells, as in the paper); cells where the photo's own trace would not stand clearly apart
from none are not judged. Red and blue (their diagonal prediction error at the two non-green
sites) give the layout: RGGB, BGGR, GRBG or GBRG. A region pasted from a photo that was resized,
made by a program or taken on another (shifted) lattice has a ratio near 0, or inverted.

References
----------
P. Ferrara, T. Bianchi, A. De Rosa, A. Piva, "Image forgery localization via fine-grained
analysis of CFA artifacts", IEEE Transactions on Information Forensics and Security 7(5), 2012,
pp. 1566-1577 (the feature, the zero-mean mixture and the median-filtered likelihood map).
A. C. Popescu, H. Farid, "Exposing digital forgeries in color filter array interpolated
images", IEEE Transactions on Signal Processing 53(10), 2005, pp. 3948-3959.
A. E. Dirik, N. Memon, "Image tamper detection based on demosaicing artifacts", IEEE ICIP 2009,
pp. 1497-1500 (the Bayer layout among four candidates; read here from red and blue's diagonal
prediction error instead of by re-interpolating each).

Where it fails: the trace is fragile. JPEG at quality 75 and below, resizing, strong denoising
and most phones' processing remove it from the whole photo (this check then says it has nothing
to compare, rather than accusing every area): it speaks about camera originals, raw conversions
and lossless files. Flat or clipped areas, and the 6 px next to the edges, are not judged.
Measured on 42 film scans made camera-like with OpenCV, a pasted 160 px square was flagged in
100% (bilinear), 88% (edge-aware) and 19-43% (VNG) of photos, 90% / 31% (bilinear / edge-aware)
after a JPEG save at quality 95; authentic twins were flagged in 0% (VNG: 5%, on fine
high-contrast detail such as a white picket fence). A region from another camera original whose
lattice lines up with the photo's keeps the trace and is invisible here.
"""

from __future__ import annotations

import math

import numpy as np

from ..results import AnalysisResult, Finding
from .blocks import cell_means, one_blas_thread
from .registry import register

__all__ = ["green_log_variances", "fit_predictor", "choose_predictor", "bayer_pattern", "fit_mixture",
           "expected_trace", "no_trace_probability", "cfa_map", "BAYER_LAYOUTS"]

#: Bayer layouts by their top-left 2×2 block, read row by row.
BAYER_LAYOUTS = ("RGGB", "BGGR", "GRBG", "GBRG")
#: Floor added to every local variance (grey levels²): uint8 rounding alone leaves 1/12.
EPS = 0.25
#: A cell whose larger class variance (geometric mean, grey levels²) is below this is too flat
#: to show a trace: not analysed.
MIN_TEXTURE = 2.0
#: Median log-ratio (measured over interpolated) below which no demosaicing pattern is visible.
MIN_TRACE = 0.3
#: Shortest image side analysed (pixels).
MIN_SIDE = 16
#: Fewest analysed cells for a verdict about the whole image.
MIN_CELLS = 12
#: Spread of a 16-pixel cell's log-ratio without any trace (measured on never-mosaicked
#: photos); it scales about as 16 / cell.
NULL_SPREAD_16 = 0.17
#: A cell is judged only where the expected log-ratio is at least this many times the sum of
#: the two components' spreads (no trace, camera) at its level of detail.
SEPARATION = 1.5
#: Probability of "no trace" above which a cell counts as clearly lacking it.
LACKS = 0.9
#: ... and keeps under this share of the trace expected at its level of detail (3×3 median):
#: fine, high-contrast detail weakens adaptive demosaicing's trace without removing it.
RETAINED = 0.25
#: Pixels in the largest connected group of lacking cells that make a warning (6 cells of 16).
MIN_AREA_PIXELS = 6 * 16 * 16
#: Shrinkage of the camera line's slope: the variance of detail (log grey levels², i.e. a
#: spread of 0.5) at which the slope estimate keeps half its value.
SLOPE_PRIOR = 0.25
#: Pixels per strip (whole rows of cells): bounds each float32 work plane to a few MB.
STRIP_PIXELS = 2_000_000
_HALO = 6  # 3 for the 7×7 predictor + 3 for the 7×7 window

_BILINEAR = np.zeros((7, 7), np.float32)  # the four neighbours' mean, minus the pixel
_BILINEAR[3, 3] = -1.0
_BILINEAR[[2, 4, 3, 3], [3, 3, 2, 4]] = 0.25
#: The other quincunx class within 3 pixels (|dy| + |dx| = 1 or 3): what green is interpolated from.
PREDICTOR_OFFSETS = tuple((dy, dx) for dy in range(-3, 4) for dx in range(-3, 4)
                          if (abs(dy) + abs(dx)) in (1, 3))
_DIAGONAL = np.array([[0.25, 0, 0.25], [0, -1, 0], [0.25, 0, 0.25]], np.float32)
# Ferrara's window: a 7×7 Gaussian (sigma = 1 over [-2, 2]) on the pixels of the centre's own
# quincunx class (|dy| + |dx| even). As g⊙even = (g + g·(−1)^(dy+dx)) / 2, it is two separable
# filters.
_G1 = np.exp(-0.5 * np.linspace(-2.0, 2.0, 7) ** 2)
_G1_ALT = _G1 * (-1.0) ** np.arange(-3, 4)
_WINDOW_SUM = float((np.outer(_G1, _G1) + np.outer(_G1_ALT, _G1_ALT)).sum() / 2)
_G1 = (_G1 / math.sqrt(2 * _WINDOW_SUM)).astype(np.float32)
_G1_ALT = (_G1_ALT / math.sqrt(2 * _WINDOW_SUM)).astype(np.float32)


def _check(pixels: np.ndarray, cell) -> np.ndarray:
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"pixels must be uint8 (H, W, 3) RGB, got {pixels.dtype} {pixels.shape}")
    if not isinstance(cell, (int, np.integer)) or isinstance(cell, bool) or cell < 2 or cell % 2:
        raise ValueError(f"cell must be an even integer >= 2 (the Bayer lattice repeats every "
                         f"2 pixels), got {cell!r}")
    return pixels


def _local_log_variance(green: np.ndarray, predictor: np.ndarray) -> np.ndarray:
    """log(EPS + local variance of the prediction error) of a green strip padded by _HALO."""
    import cv2  # a declared dependency, loaded when first needed
    error = cv2.filter2D(green, cv2.CV_32F, predictor, borderType=cv2.BORDER_REFLECT_101)
    square = error * error
    mean = cv2.sepFilter2D(error, cv2.CV_32F, _G1, _G1)
    mean += cv2.sepFilter2D(error, cv2.CV_32F, _G1_ALT, _G1_ALT)
    var = cv2.sepFilter2D(square, cv2.CV_32F, _G1, _G1)
    var += cv2.sepFilter2D(square, cv2.CV_32F, _G1_ALT, _G1_ALT)
    mean *= mean
    var -= mean
    var = var[_HALO:-_HALO, _HALO:-_HALO]
    np.maximum(var, 0.0, out=var)
    var += np.float32(EPS)
    return np.log(var, out=var)


def green_log_variances(pixels: np.ndarray, *, cell: int = 16,
                        predictor: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean log local variance of the green prediction error on each quincunx class, per cell.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
        RGB; at least 16×16 pixels for any cell to be analysed.
    cell : int, default 16
        Even cell side in pixels (the lattice repeats every 2 pixels).
    predictor : ndarray of float32, shape (7, 7), optional
        Filter giving prediction minus pixel (:func:`fit_predictor`); the bilinear one (the
        four neighbours' mean) when omitted, as in Ferrara et al.

    Returns
    -------
    (odd, even) : ndarrays of float32, shape (ceil(H / cell), ceil(W / cell))
        Mean of ``log(EPS + σ²)`` over the green pixels with ``(row + column)`` odd, resp.
        even, in each cell; σ² is the local variance (Ferrara's 7×7 same-class Gaussian window)
        of the error of `predictor` (default: the mean of the four neighbours). Left out: the
        6 pixels next to the image's edges (their windows would reach past it) and pixels within
        3 pixels of a clipped green value (0 or 255: the interpolation is no longer linear
        there). NaN where the image is under 16 pixels on a side or a cell keeps under a quarter
        of either class (and under 2 pixels).
        ``odd - even`` is the cell's log-ratio: large and positive where green was measured on
        the odd class (RGGB, BGGR), negative for the even class (GRBG, GBRG), near 0 without
        demosaicing.
    """
    pixels = _check(pixels, cell)
    predictor = _BILINEAR if predictor is None else np.asarray(predictor, np.float32)
    if predictor.shape != (7, 7) or not np.isfinite(predictor).all():
        raise ValueError(f"predictor must be a finite 7×7 kernel, got shape {predictor.shape}")
    h, w = pixels.shape[:2]
    rows, cols = -(-h // cell), -(-w // cell)
    odd = np.full((rows, cols), np.nan, np.float32)
    even = np.full((rows, cols), np.nan, np.float32)
    if min(h, w) < MIN_SIDE:
        return odd, even
    import cv2  # a declared dependency, loaded when first needed
    green = cv2.copyMakeBorder(np.ascontiguousarray(pixels[..., 1]), _HALO, _HALO, _HALO, _HALO,
                               cv2.BORDER_REFLECT_101)  # mirrors keep the lattice's parity
    counts = np.zeros((2, rows, cols))
    strip = max(cell, STRIP_PIXELS // max(w, 1) // cell * cell)
    for top in range(0, h, strip):
        bottom = min(h, top + strip)
        raw = green[top:bottom + 2 * _HALO]
        logvar = _local_log_variance(raw.astype(np.float32), predictor)
        # counted: pixels not predicted from a clipped value (0 or 255: no longer linear), nor
        # within _HALO of the image's edge (their windows hold mirrored values)
        near = cv2.dilate((cv2.inRange(raw, 1, 254) == 0).view(np.uint8), np.ones((7, 7), np.uint8))
        keep = 1 - near[_HALO:-_HALO, _HALO:-_HALO]
        keep[:, :_HALO] = keep[:, w - _HALO:] = 0
        keep[:max(0, _HALO - top)] = keep[max(0, h - _HALO - top):] = 0
        np.multiply(logvar, keep, out=logvar)
        r0, r1 = top // cell, -(-bottom // cell)
        area = (np.minimum(cell, bottom - np.arange(top, bottom, cell))[:, None]
                * np.minimum(cell, w - np.arange(0, w, cell))[None, :])
        for k, part in enumerate(_by_class(keep)):  # the strip starts on an even row
            counts[k, r0:r1] = np.rint(cell_means(part, cell) * area)
        with np.errstate(invalid="ignore", divide="ignore"):
            for out, k, part in zip((odd, even), (0, 1), _by_class(logvar)):
                out[r0:r1] = cell_means(part, cell) * area / counts[k, r0:r1]
    # a cell needs a quarter of each class's pixels (and at least 2) to count
    sparse = counts.min(axis=0) < max(2, cell * cell // 8)
    odd[sparse] = np.nan
    even[sparse] = np.nan
    return odd, even


def _by_class(plane: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`plane` split into its odd- and even-class pixels ((row + column) % 2; zeros elsewhere),
    the even part in place."""
    odd = plane.copy()
    odd[0::2, 0::2] = 0
    odd[1::2, 1::2] = 0
    plane -= odd
    return odd, plane


def _samples(green: np.ndarray, cls: int, samples: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Design matrix (the 16 other-class neighbours) and targets for green pixels of class
    `cls`, from rows spread evenly over the image; clipped targets are left out."""
    h, w = green.shape
    per_row = (w - 6) // 2
    rows = np.unique(np.linspace(3, h - 4, max(1, min(h - 6, samples // max(per_row, 1)))).astype(int))
    ys = np.repeat(rows, per_row)
    xs = ((3 + 2 * np.arange(per_row))[None, :] + (rows[:, None] + 3 + cls) % 2).ravel()
    target = green[ys, xs].astype(np.float64)
    keep = (target > 0) & (target < 255)  # clipped pixels break the linear model
    ys, xs, target = ys[keep], xs[keep], target[keep]
    if target.size < 64:
        return None
    design = np.stack([green[ys + dy, xs + dx] for dy, dx in PREDICTOR_OFFSETS], axis=1)
    return design.astype(np.float64), target


def _solve(design: np.ndarray, target: np.ndarray) -> np.ndarray | None:
    gram = design.T @ design
    gram[np.diag_indices_from(gram)] += 1e-6 * max(float(np.trace(gram)) / len(gram), 1.0)
    try:
        weights = np.linalg.solve(gram, design.T @ target)
    except np.linalg.LinAlgError:
        return None
    return weights if np.isfinite(weights).all() else None


def _kernel(weights: np.ndarray | None) -> np.ndarray:
    if weights is None:
        return _BILINEAR.copy()
    kernel = np.zeros((7, 7), np.float32)
    kernel[3, 3] = -1.0
    for (dy, dx), weight in zip(PREDICTOR_OFFSETS, weights):
        kernel[3 + dy, 3 + dx] = weight
    return kernel


def fit_predictor(pixels: np.ndarray, interpolated: int, *, samples: int = 60_000) -> np.ndarray:
    """Least-squares linear predictor of the green pixels of one quincunx class from the 16
    pixels of the other class within 3 pixels (:data:`PREDICTOR_OFFSETS`).

    Where that class was interpolated, the fitted predictor nearly reproduces the camera's
    interpolation (Popescu & Farid's linear model, fitted once instead of by their EM): it
    predicts that class far better than the measured one, also for demosaicing that is not
    bilinear.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
    interpolated : {0, 1}
        The class to predict: pixels with ``(row + column) % 2 == interpolated``.
    samples : int, default 60000
        Pixels used at most, from rows spread over the whole image.

    Returns
    -------
    ndarray of float32, shape (7, 7)
        Filter kernel giving prediction minus pixel (the centre is −1); the bilinear predictor
        when the image is under 16 pixels on a side or too clipped to fit one.
    """
    pixels = _check(pixels, 2)
    if interpolated not in (0, 1):
        raise ValueError(f"interpolated must be 0 or 1 (a quincunx class), got {interpolated!r}")
    if min(pixels.shape[:2]) < MIN_SIDE:
        return _BILINEAR.copy()
    found = _samples(pixels[..., 1], int(interpolated), samples)
    with one_blas_thread():
        return _kernel(None if found is None else _solve(*found))


def choose_predictor(pixels: np.ndarray, *, samples: int = 60_000) -> tuple[int, np.ndarray]:
    """Which green class looks interpolated, and the predictor fitted to it.

    A predictor is fitted to each class (:func:`fit_predictor`); the one that predicts its own
    class better than the other class (median squared error), by the larger factor, names the
    interpolated class. Without any demosaicing both factors are near 1 and the choice is
    arbitrary; the per-cell ratios then say so.

    Returns
    -------
    (interpolated, predictor)
        ``interpolated`` 0 or 1 (``(row + column) % 2`` of the interpolated green pixels: 0 for
        RGGB and BGGR, 1 for GRBG and GBRG) and its 7×7 kernel.
    """
    pixels = _check(pixels, 2)
    if min(pixels.shape[:2]) < MIN_SIDE:
        return 0, _BILINEAR.copy()
    green = pixels[..., 1]
    found = [_samples(green, cls, samples) for cls in (0, 1)]
    if found[0] is None or found[1] is None:
        return 0, _BILINEAR.copy()
    best = (-math.inf, 0, None)
    with one_blas_thread():
        for cls in (0, 1):
            weights = _solve(*found[cls])
            if weights is None:
                continue
            own, other = ((t - d @ weights) ** 2 for d, t in (found[cls], found[1 - cls]))
            contrast = math.log(float(np.median(other)) + EPS) - math.log(float(np.median(own)) + EPS)
            if contrast > best[0]:
                best = (contrast, cls, weights)
    return best[1], _kernel(best[2])


def bayer_pattern(pixels: np.ndarray, phase: int, *, side: int = 1024) -> tuple[str, float]:
    """The Bayer layout among the two that share the green `phase`, from red and blue.

    Measured red pixels are unpredictable from their four diagonal neighbours; interpolated ones
    (at blue sites) are close to those neighbours' mean; blue the other way round. The local
    energy of the diagonal prediction error of red and of blue is compared at the two non-green
    sites of the 2×2 block, per 16-pixel block of a central crop of at most `side` pixels.

    Returns
    -------
    (layout, strength)
        One of :data:`BAYER_LAYOUTS` and the median log-energy contrast behind it (near 0: the
        red/blue order is a guess).
    """
    pixels = np.asarray(pixels)
    h, w = pixels.shape[:2]
    # the two non-green sites of the 2×2 block, as (row, column) offsets
    first, second = ((0, 0), (1, 1)) if phase == 1 else ((0, 1), (1, 0))
    layouts = ("RGGB", "BGGR") if phase == 1 else ("GRBG", "GBRG")
    ch, cw = min(side, h) // 16 * 16, min(side, w) // 16 * 16
    if ch < 16 or cw < 16:
        return layouts[0], 0.0
    top, left = (h - ch) // 2 // 2 * 2, (w - cw) // 2 // 2 * 2
    import cv2  # a declared dependency, loaded when first needed
    contrast = np.zeros((ch // 16, cw // 16), np.float64)
    for channel, sign in ((0, 1.0), (2, -1.0)):
        plane = np.ascontiguousarray(pixels[top:top + ch, left:left + cw, channel]).astype(np.float32)
        error = cv2.filter2D(plane, cv2.CV_32F, _DIAGONAL, borderType=cv2.BORDER_REFLECT_101)
        error *= error
        energy = []
        for dy, dx in (first, second):
            site = error[dy::2, dx::2]
            blocks = site.reshape(ch // 16, 8, cw // 16, 8).mean(axis=(1, 3), dtype=np.float64)
            energy.append(np.log(blocks + EPS))
        contrast += sign * (energy[0] - energy[1])
    strength = float(np.median(contrast))
    return (layouts[0] if strength >= 0 else layouts[1]), abs(strength)


def fit_mixture(ratio: np.ndarray, texture: np.ndarray, *, null_spread: float = NULL_SPREAD_16,
                bands: int = 8, iterations: int = 60) -> dict:
    """EM fit of two Gaussians to the cells' oriented log-ratios: "no trace" N(0, s0²) and the
    camera's trace N(a + b·(t − t̄), s(t)²), whose mean grows linearly with the cell's detail t.

    Ferrara et al.'s mixture with the first component's mean forced to 0. A demosaicing trace
    is strong in detailed areas and faint in smooth ones (all the more after JPEG compression):
    one Gaussian for the whole photo would call its smooth areas "no trace", and a free mean per
    level of detail would let a pasted region of another level of detail define its own "normal".
    So the camera component's mean is a line in t (slope ≥ 0, fitted by weighted least squares
    in the M-step and shrunk by :data:`SLOPE_PRIOR`) and its spread is fitted per band of detail
    (quantiles of `texture`). ``s0`` stays within [0.7, 1.5] × `null_spread` (the measured
    spread without any trace); cells below ``-3 × null_spread`` (an inverted lattice) are left out of the fit.

    Parameters
    ----------
    ratio, texture : ndarray
        Oriented log-ratios and ``max`` class log-variances of the analysed cells (same shape).
    null_spread : float
        Standard deviation of a cell's log-ratio without any trace.
    bands : int, default 8
        Bands of detail for the spread (fewer when there are under 24 cells a band).

    Returns
    -------
    dict
        ``weight`` (of "no trace"), ``s0``, the line ``intercept``, ``slope``, ``t0`` (t̄), and
        per band ``centres`` (median texture) and ``s`` (lists of floats).
    """
    x = np.asarray(ratio, np.float64).ravel()
    t = np.asarray(texture, np.float64).ravel()
    keep = np.isfinite(x) & np.isfinite(t) & (x > -3 * null_spread)
    x, t = x[keep], t[keep]
    lo, hi = 0.7 * null_spread, 1.5 * null_spread
    if x.size < 2:
        return {"weight": 1.0, "s0": null_spread, "intercept": 0.0, "slope": 0.0, "t0": 0.0,
                "centres": [0.0], "s": [null_spread]}
    n_bands = int(np.clip(x.size // 24, 1, bands))
    edges = np.quantile(t, np.linspace(0, 1, n_bands + 1)[1:-1])
    band = np.searchsorted(edges, t, side="right")
    counts = np.bincount(band, minlength=n_bands)
    centres = np.array([np.median(t[band == b]) if counts[b] else np.nan for b in range(n_bands)])
    # start from the upper half of the cells: a large edited region must not set the level
    p1 = (x >= np.median(x)).astype(np.float64)
    s = np.full(n_bands, 2 * null_spread)
    s0, weight = null_spread, 0.5
    intercept = slope = t0 = 0.0
    for _ in range(iterations):
        # M-step for the camera line (weighted least squares, slope ≥ 0, shrunk towards 0 so
        # that a narrow range of detail cannot explain a region away) and the spreads
        w1 = p1.sum()
        if w1 <= 1e-9:
            break
        t0 = float((p1 * t).sum() / w1)
        dt = t - t0
        intercept = float((p1 * x).sum() / w1)
        slope = float((p1 * dt * (x - intercept)).sum() / ((p1 * dt * dt).sum() + SLOPE_PRIOR * w1))
        slope = max(0.0, slope)
        mean = intercept + slope * dt
        total = np.bincount(band, weights=p1, minlength=n_bands)
        spread = np.bincount(band, weights=p1 * (x - mean) ** 2, minlength=n_bands)
        s = np.where(total > 1e-6, np.sqrt(spread / np.maximum(total, 1e-12)), s)
        s = np.maximum(s, 0.5 * null_spread)
        # E-step
        sd = s[band]
        l0 = math.log(weight) - math.log(s0) - 0.5 * (x / s0) ** 2
        l1 = math.log(1 - weight) - np.log(sd) - 0.5 * ((x - mean) / sd) ** 2
        p0 = 1.0 / (1.0 + np.exp(np.clip(l1 - l0, -60, 60)))
        p1 = 1.0 - p0
        new_weight = float(np.clip(p0.mean(), 1e-4, 1 - 1e-4))
        s0 = float(np.clip(math.sqrt((p0 * x * x).sum() / max(p0.sum(), 1e-12)), lo, hi))
        done = abs(new_weight - weight) < 1e-5
        weight = new_weight
        if done:
            break
    good = np.isfinite(centres)
    return {"weight": weight, "s0": s0, "intercept": intercept, "slope": slope, "t0": t0,
            "centres": centres[good].tolist(), "s": s[good].tolist()}


def _median3(values: np.ndarray) -> np.ndarray:
    """3×3 median of a map, NaN ignored (NaN where a whole neighbourhood is NaN)."""
    rows, cols = values.shape
    padded = np.pad(values, 1, constant_values=np.nan)
    stack = np.stack([padded[i:i + rows, j:j + cols] for i in range(3) for j in range(3)])
    stack.sort(axis=0)  # NaN sorts last
    count = np.isfinite(stack).sum(axis=0)
    low = np.take_along_axis(stack, np.maximum((count - 1) // 2, 0)[None], axis=0)[0]
    high = np.take_along_axis(stack, np.maximum(count // 2, 0)[None], axis=0)[0]
    return np.where(count > 0, (low + high) / 2, np.nan).astype(np.float32)


def expected_trace(texture: np.ndarray, mixture: dict) -> tuple[np.ndarray, np.ndarray]:
    """The camera component's mean (the line of :func:`fit_mixture`) and spread (interpolated
    between its bands) at each cell's `texture`."""
    centres = np.asarray(mixture["centres"], np.float64)
    t = np.asarray(texture, np.float64)
    with np.errstate(invalid="ignore"):
        mu = mixture["intercept"] + mixture["slope"] * (t - mixture["t0"])
        s = np.interp(t, centres, mixture["s"])
    return mu.astype(np.float32), s.astype(np.float32)


def no_trace_probability(ratio: np.ndarray, texture: np.ndarray, mixture: dict, *,
                         smooth: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Probability, per cell, that its log-ratio comes from the "no trace" component.

    Equal priors (as in Ferrara et al.), so a small edited region is not outvoted by the rest of
    the photo; the log-likelihood ratio is median-filtered over 3×3 cells first (`smooth`).
    A cell is judged only where the photo's own trace at that level of detail stands clearly
    apart from "no trace" (expected log-ratio ≥ :data:`SEPARATION` × the sum of both spreads);
    an inverted lattice (log-ratio below 0) counts as no trace at all.

    Returns
    -------
    (probability, judged)
        float32 map in [0, 1] (NaN where not judged) and the bool map of judged cells.
    """
    x = np.asarray(ratio, np.float32)
    s0 = mixture["s0"]
    mu, s = expected_trace(texture, mixture)
    with np.errstate(invalid="ignore"):
        judged = np.isfinite(x) & (mu >= SEPARATION * (s0 + s))
        xe = np.maximum(x, 0.0)
        llr = np.log(s / s0) - 0.5 * (xe / s0) ** 2 + 0.5 * ((xe - mu) / s) ** 2
    llr = np.where(judged, llr, np.nan).astype(np.float32)
    if smooth:
        llr = np.where(judged, _median3(llr), np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        probability = 1.0 / (1.0 + np.exp(-np.clip(llr, -60, 60)))
    return probability.astype(np.float32), judged


def cfa_map(pixels: np.ndarray, *, cell: int = 16) -> dict:
    """The whole analysis on an array: trace, layout, mixture and the per-cell probability map.

    Returns
    -------
    dict
        ``probability`` (float32 cell map of "lacks the trace", NaN where not analysed or when
        no trace is visible at all), ``ratio`` (float32 cell map of the log-ratio of measured to
        interpolated green turned so that the photo's own lattice is positive), ``texture``,
        ``visible`` (bool), ``phase`` (1: green measured where row + column is odd),
        ``strength`` (median ``ratio``), ``layout``, ``layout_strength``, ``mixture``,
        ``analysed`` (bool cell map: enough detail), and when the trace is visible ``judged``
        (bool: the trace expected there stands apart from none) and ``lacking`` (bool: probability
        above :data:`LACKS` and under :data:`RETAINED` of the expected trace kept).
    """
    pixels = _check(pixels, cell)
    interpolated, predictor = choose_predictor(pixels)
    odd, even = green_log_variances(pixels, cell=cell, predictor=predictor)
    phase = 1 - interpolated
    with np.errstate(invalid="ignore"):
        ratio = (odd - even) if phase == 1 else (even - odd)
        texture = np.fmax(odd, even)
        analysed = np.isfinite(ratio) & (texture >= np.log(MIN_TEXTURE + EPS))
    oriented = np.where(analysed, ratio, np.nan).astype(np.float32)
    strength = float(np.median(oriented[analysed])) if analysed.any() else 0.0
    out = {"ratio": oriented, "texture": texture, "phase": phase, "strength": strength,
           "analysed": analysed, "visible": bool(analysed.sum() >= MIN_CELLS and strength >= MIN_TRACE),
           "layout": None, "layout_strength": 0.0, "mixture": None,
           "probability": np.full(ratio.shape, np.nan, np.float32)}
    if not out["visible"]:
        return out
    out["layout"], out["layout_strength"] = bayer_pattern(pixels, phase)
    mixture = fit_mixture(oriented[analysed], texture[analysed], null_spread=NULL_SPREAD_16 * 16 / cell)
    probability, judged = no_trace_probability(oriented, texture, mixture)
    mu, _ = expected_trace(texture, mixture)
    with np.errstate(invalid="ignore"):
        kept = _median3(np.where(judged, oriented, np.nan))
        lacking = judged & (probability > LACKS) & (kept < RETAINED * mu)
    out.update(mixture=mixture, probability=probability, judged=judged, lacking=lacking)
    return out


def _largest_group(cells: np.ndarray) -> int:
    """Cells in the largest 8-connected group of true cells."""
    from scipy.ndimage import label

    labels, count = label(cells, structure=np.ones((3, 3), bool))
    return int(np.bincount(labels.ravel())[1:].max()) if count else 0  # no true cell: 0


@register(
    "cfa",
    title="Colour filter array (demosaicing)",
    family="camera",
    description="Where the camera's demosaicing pattern (the 2-pixel Bayer lattice left by "
    "interpolating the colours a sensor did not measure) is missing or shifted: a sign of a "
    "pasted, resized or generated region in a camera original.",
    heatmap=True,
    direction="high",
    cell=16,
)
def cfa_analysis(image, *, cell: int = 16) -> AnalysisResult:
    """Probability per `cell` × `cell` pixels that the area lacks the photo's demosaicing trace;
    score = the share of judged cells that clearly lack it, or None when no trace is visible.

    An even `cell` of 8 or more is analysed as it is; any other (the dashboard's display grid of
    1, 3, ... px) is analysed on its smallest even multiple of at least 16 px, repeated onto it.
    """
    if not isinstance(cell, (int, np.integer)) or isinstance(cell, bool) or cell < 1:
        raise ValueError(f"cell must be a whole number of pixels >= 1, got {cell!r}")
    cell = int(cell)
    # analysed on `cell` itself, or on its smallest even multiple of at least 16 px
    work = cell if cell % 2 == 0 and cell >= 8 else cell * (-(-16 // cell) + (-(-16 // cell) * cell) % 2)
    found = cfa_map(image.pixels, cell=work)
    analysed = found["analysed"]
    rows, cols = -(-image.pixels.shape[0] // cell), -(-image.pixels.shape[1] // cell)

    def shown(cells: np.ndarray) -> np.ndarray:  # the work grid repeated onto the asked one
        k = work // cell
        return cells if k == 1 else np.repeat(np.repeat(cells, k, 0), k, 1)[:rows, :cols]

    details = {"analysed_cells": int(analysed.sum()), "analysis_cell": work,
               "trace_strength": round(found["strength"], 3),
               "green_phase": "odd" if found["phase"] == 1 else "even"}
    findings: list[Finding] = []

    def result(**scored) -> AnalysisResult:
        return AnalysisResult(name="cfa", heatmap=shown(found["probability"]), cell=cell,
                              direction="high", units="probability", findings=tuple(findings),
                              details=details, **scored)

    if not found["visible"]:
        why = ("the image is too small or too smooth to show one" if analysed.sum() < MIN_CELLS
               else "JPEG compression, resizing or a phone's processing remove it, and images "
               "made by a program never had one")
        findings.append(Finding("cfa-not-visible", "info", f"No demosaicing pattern is visible: "
                                f"{why}; this check has nothing to compare."))
        return result()
    judged, layout, layout_strength = found["judged"], found["layout"], found["layout_strength"]
    sure = "" if layout_strength >= 0.1 else " (red and blue could not be told apart clearly)"
    findings.append(Finding("cfa-lattice", "info",
                            f"The photo carries a camera's demosaicing pattern: a Bayer {layout} "
                            f"colour filter{sure}, read from the top-left corner."))
    details.update(layout=layout, layout_strength=round(layout_strength, 3),
                   judged_cells=int(judged.sum()), no_trace_weight=round(found["mixture"]["weight"], 4))
    if judged.sum() < MIN_CELLS:
        findings.append(Finding("cfa-faint", "info",
                                "The demosaicing pattern is too faint almost everywhere to compare "
                                "areas (the photo was probably compressed or processed)."))
        return result()
    lacking = found["lacking"]
    inverted = lacking & (found["ratio"] < -3 * found["mixture"]["s0"])
    score = float(lacking.sum() / judged.sum())
    group = _largest_group(lacking)
    details.update(lacking_cells=int(lacking.sum()), shifted_cells=int(inverted.sum()),
                   largest_area_cells=group)
    if group * work * work >= MIN_AREA_PIXELS:
        shifted = (f", {inverted.sum()} of them with the pattern shifted by a pixel"
                   if inverted.sum() >= 2 else "")
        findings.append(Finding("cfa-missing", "warning",
                                f"Areas without the camera's demosaicing pattern: {lacking.sum()} of "
                                f"{work}×{work} px ({score:.0%} of those compared){shifted}. Such "
                                "areas are often pasted from another image, resized or painted in."))
    elif lacking.any():
        findings.append(Finding("cfa-scattered", "info",
                                f"{lacking.sum()} scattered small areas lack the demosaicing pattern "
                                "(fine, high-contrast detail can do that): no sizeable area does."))
    return result(mask=shown(lacking), score=score)
