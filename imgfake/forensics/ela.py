"""Error Level Analysis (ELA).

Re-save an image as JPEG at a known quality and look at how much each pixel changes. Areas
that already went through that compression change little; areas with another history (pasted
in from a different file, painted, resampled) change more. Three steps, kept apart so that
display controls never pay for re-compression:

1. :func:`recompress` – the slow step: one in-memory JPEG encode + decode.
2. :func:`ela` – the residual ``|pixels - recompress(pixels)|`` as uint8 grey levels, unscaled.
3. :func:`ela_image` – display only: gain (fixed or auto-contrast) and a linear or sqrt curve.

References
----------
.. [1] N. Krawetz, "A Picture's Worth: Digital Image Analysis and Forensics", Black Hat 2007.

Where it fails: every edge and texture has a high error level, in authentic photos too (compare
like with like: edges with edges, flat areas with flat areas); re-saving, resizing or heavy
compression after the edit evens the levels out; and a region pasted from a file of the same
quality can match the rest. Bright is not proof.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image

from ..io import check_quality, check_rgb8, check_subsampling, encode_jpeg
from ..scan import default_workers
from ..results import AnalysisResult
from .blocks import MCU as _MCU, cell_means
from .registry import register

__all__ = ["recompress", "ela", "abs_diff", "ela_image", "ela_sweep", "ela_stats", "ResidualStats"]

# Strips start on multiples of 16 rows (the largest JPEG MCU) and overlap by one MCU, so
# re-encoding strips in parallel gives exactly the pixels of a whole-image re-encode.
_MIN_ROWS_PER_STRIP = 512


def _codec(pixels: np.ndarray, quality: int, subsampling: str) -> np.ndarray:
    """One JPEG encode + decode in memory."""
    data = encode_jpeg(pixels, quality=quality, subsampling=subsampling)
    with Image.open(io.BytesIO(data)) as im:
        im = im if im.mode == "RGB" else im.convert("RGB")  # no copy when it is RGB already
        # tobytes + frombuffer: one copy out of Pillow's layout (np.asarray makes more); the
        # result is read-only, and callers copy it into their output
        return np.frombuffer(im.tobytes(), np.uint8).reshape(im.height, im.width, 3)


#: Longest side a JPEG may have (65,535) less two MCUs of context, on the MCU grid.
_MAX_TILE = (65_535 - 2 * 16) // 16 * 16


#: Pixels a strip holds at most: a bigger image is cut into more strips (run `workers` at a
#: time), so the encoder's and decoder's buffers stay small whatever the image size.
_MAX_STRIP_PIXELS = 4_000_000


def _strips(height: int, workers: int, width: int = 1) -> list[tuple[int, int]]:
    """Row ranges [start, stop) aligned to the MCU: about `workers` of them, more for images over
    :data:`_MAX_STRIP_PIXELS` per worker, each short enough (with its context) for JPEG's
    65,535-pixel limit."""
    n = max(1, min(workers, height // _MIN_ROWS_PER_STRIP), -(-height // _MAX_TILE),
            -(-height * min(width, _MAX_TILE) // _MAX_STRIP_PIXELS))
    n = min(n, max(1, height // _MCU))
    starts = sorted({(height * i // n) // _MCU * _MCU for i in range(n)})
    return list(zip(starts, starts[1:] + [height]))


def _default_workers() -> int:
    # threads inside one image: the shared policy, at most 4 (more strips than that gain nothing)
    return min(4, default_workers())


def _map_strips(pixels: np.ndarray, quality: int, subsampling: str, workers: int | None, job):
    """Re-encode `pixels` tile by tile and call ``job((rows, cols), decoded_tile)`` per tile.

    Tiles are row strips (in parallel threads), cut into columns too when the image is wider
    than JPEG allows; each is encoded with one MCU of context on every side, so the pixels are
    exactly those of a whole-image re-encode (where one is possible).
    """
    height, width = pixels.shape[:2]
    workers = workers or _default_workers()
    strips = _strips(height, workers, width)
    columns = _strips(width, 1) if width > _MAX_TILE else [(0, width)]
    tiles = [(r, c) for r in strips for c in columns]

    def run(tile) -> None:
        (start, stop), (left, right) = tile
        lo, hi = max(0, start - _MCU), min(height, stop + _MCU)
        cl, cr = max(0, left - _MCU), min(width, right + _MCU)
        decoded = _codec(np.ascontiguousarray(pixels[lo:hi, cl:cr]), quality, subsampling)
        job((slice(start, stop), slice(left, right)), decoded[start - lo:stop - lo, left - cl:right - cl])

    if len(tiles) == 1:
        run(tiles[0])
    else:  # Pillow releases the GIL while decoding
        with ThreadPoolExecutor(min(len(tiles), workers)) as pool:
            list(pool.map(run, tiles))


def recompress(
    pixels: np.ndarray,
    *,
    quality: int = 90,
    subsampling: str = "4:2:0",
    workers: int | None = None,
) -> np.ndarray:
    """Return `pixels` after one JPEG encode and decode at `quality`, in memory.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
        RGB image.
    quality : int, default 90
        JPEG quality 1–100 (IJG scale, as Pillow and most software use).
    subsampling : {"4:2:0", "4:2:2", "4:4:4"}, default "4:2:0"
        Chroma subsampling of the re-save; "4:2:0" is what most software writes.
    workers : int, optional
        Threads for large images (row strips are encoded in parallel; the result is identical
        to a whole-image encode). Default: the number of CPUs, at most 4.

    Returns
    -------
    ndarray of uint8, shape (H, W, 3)
    """
    pixels = check_rgb8(pixels)
    quality = check_quality(quality)
    check_subsampling(subsampling)
    out = np.empty_like(pixels)

    def keep(where: tuple[slice, slice], decoded: np.ndarray) -> None:
        out[where] = decoded

    _map_strips(pixels, quality, subsampling, workers, keep)
    return out


def ela(
    pixels: np.ndarray,
    *,
    quality: int = 90,
    subsampling: str = "4:2:0",
    workers: int | None = None,
) -> np.ndarray:
    """Error level: per-pixel absolute change after one JPEG re-save at `quality`.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
        RGB image, e.g. ``load_image(path).pixels``.
    quality : int, default 90
        JPEG quality of the re-save. ELA is most telling at or just below the quality the
        image was last saved with (see :func:`imgfake.jpeg.estimate_jpeg_quality`).
    subsampling : {"4:2:0", "4:2:2", "4:4:4"}, default "4:2:0"
        Chroma subsampling of the re-save; match the file's own when known.
    workers : int, optional
        Threads used for large images; see :func:`recompress`.

    Returns
    -------
    residual : ndarray of uint8, shape (H, W, 3)
        ``|pixels - recompress(pixels)|`` in grey levels (0–255), not rescaled: residuals of
        different images and qualities stay comparable. A difference of two bytes fits in a
        byte, so it is kept as uint8 (a quarter of float32's memory and time); take
        ``.astype(np.float32)`` before arithmetic that could go negative. Use
        :func:`ela_image` to display it.

    Examples
    --------
    >>> import numpy as np
    >>> flat = np.full((64, 64, 3), 128, np.uint8)
    >>> float(ela(flat, quality=90).max())  # a flat grey survives JPEG unchanged
    0.0
    """
    pixels = check_rgb8(pixels)
    quality = check_quality(quality)
    check_subsampling(subsampling)
    out = np.empty(pixels.shape, np.uint8)

    def diff(where: tuple[slice, slice], decoded: np.ndarray) -> None:
        # |a - b| in uint8 without overflow: no float arithmetic at all
        original = pixels[where]
        np.subtract(np.maximum(original, decoded), np.minimum(original, decoded), out=out[where])

    _map_strips(pixels, quality, subsampling, workers, diff)
    return out


def abs_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|a - b|`` of two uint8 arrays, in uint8 without overflow (half the cost of float maths)."""
    return np.maximum(a, b) - np.minimum(a, b)


def ela_image(
    residual: np.ndarray,
    *,
    gain: float | str = "auto",
    mode: str = "linear",
    percentile: float = 99.5,
) -> np.ndarray:
    """Turn an ELA residual into a viewable 8-bit image (display only).

    Parameters
    ----------
    residual : ndarray, shape (H, W) or (H, W, 3)
        Output of :func:`ela` (non-negative grey levels).
    gain : float or "auto", default "auto"
        Multiplier applied before display. ``"auto"`` maps the `percentile`-th value of this
        residual to white (auto-contrast; a flat residual keeps gain 1, no division by zero).
    mode : {"linear", "sqrt"}, default "linear"
        ``"sqrt"`` lifts faint error levels (a gamma-0.5 curve on the gained values).
    percentile : float, default 99.5
        Used by ``gain="auto"``.

    Returns
    -------
    ndarray of uint8, same shape as `residual`
    """
    residual = np.asarray(residual)
    if residual.ndim not in (2, 3) or residual.size == 0:
        raise ValueError(f"residual must be a non-empty (H, W[, 3]) array, got shape {residual.shape}")
    if mode not in ("linear", "sqrt"):
        raise ValueError(f"mode must be 'linear' or 'sqrt', got {mode!r}")
    gain = auto_gain(residual, percentile=percentile) if gain == "auto" else gain
    if isinstance(gain, str) or not np.isfinite(gain) or gain <= 0:
        raise ValueError(f"gain must be a positive number or 'auto', got {gain!r}")
    if residual.dtype == np.uint8:  # ela()'s own output: one 256-entry table, no float copy
        return _display_curve(np.arange(256, dtype=np.uint8), gain, mode)[residual]
    return _display_curve(residual, gain, mode)


def _display_curve(residual: np.ndarray, gain: float, mode: str) -> np.ndarray:
    scaled = residual.astype(np.float32, copy=False) * np.float32(gain / 255.0)
    np.clip(scaled, 0.0, 1.0, out=scaled)
    if mode == "sqrt":
        np.sqrt(scaled, out=scaled)
    return (scaled * 255.0 + 0.5).astype(np.uint8)


def auto_gain(residual: np.ndarray, *, percentile: float = 99.5) -> float:
    """Gain that maps the `percentile`-th residual value to 255 (1.0 for a flat residual).

    Estimated on a strided subsample, so it costs milliseconds on a 12-megapixel residual.
    """
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile}")
    residual = np.asarray(residual)
    step = max(1, int(np.sqrt(residual.shape[0] * residual.shape[1] / 250_000)))
    top = float(np.percentile(residual[::step, ::step], percentile))
    return 255.0 / top if top > 0 else 1.0


def ela_sweep(
    pixels: np.ndarray,
    qualities: Iterable[int] = range(50, 101, 5),
    *,
    subsampling: str = "4:2:0",
    reduce: str | None = "mean",
) -> dict[int, np.ndarray]:
    """ELA at several qualities.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
    qualities : iterable of int, default 50, 55, ..., 100
    subsampling : str, default "4:2:0"
    reduce : {"mean", "max", None}, default "mean"
        Reduce the colour channels to save memory (H×W per quality); ``None`` keeps H×W×3.

    Returns
    -------
    dict of int to ndarray of uint8
        Residual per quality, in the order given.
    """
    if reduce not in ("mean", "max", None):
        raise ValueError(f"reduce must be 'mean', 'max' or None, got {reduce!r}")
    qualities = [check_quality(q) for q in qualities]
    if not qualities:
        raise ValueError("qualities must name at least one JPEG quality")
    out: dict[int, np.ndarray] = {}
    for q in qualities:
        residual = ela(pixels, quality=q, subsampling=subsampling)
        out[q] = residual if reduce is None else getattr(residual, reduce)(axis=2)
    return out


@dataclass(frozen=True)
class ResidualStats:
    """Summary of an error-level residual, in grey levels."""

    mean: float
    std: float
    median: float
    p95: float
    p99: float
    max: float
    n_pixels: int

    def to_dict(self) -> dict:
        return asdict(self)


def ela_stats(residual: np.ndarray, *, mask: np.ndarray | None = None) -> ResidualStats:
    """Summary statistics of a residual, over all pixels or those where `mask` is true.

    Parameters
    ----------
    residual : ndarray, shape (H, W) or (H, W, 3)
        Colour residuals are averaged over channels first. A uint8 residual (what :func:`ela`
        returns) is summarised exactly from its histogram: no float copy of the image is made.
    mask : ndarray of bool, shape (H, W), optional

    Returns
    -------
    ResidualStats
        Percentiles are numpy's default (linear interpolation between order statistics).
    """
    residual = np.asarray(residual)
    if residual.ndim not in (2, 3) or residual.size == 0 or residual.ndim == 3 and residual.shape[2] == 0:
        raise ValueError(f"residual must be a non-empty (H, W[, 3]) array, got shape {residual.shape}")
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != residual.shape[:2]:
            raise ValueError(f"mask shape {mask.shape} does not match residual {residual.shape[:2]}")
        if not mask.any():
            raise ValueError("mask selects no pixels")
    if residual.dtype == np.uint8:
        channels = 1 if residual.ndim == 2 else residual.shape[2]
        sums = residual if channels == 1 else _channel_sum(residual)
        values = sums if mask is None else sums[mask]
        counts = np.bincount(values.ravel(), minlength=1)
        return _histogram_stats(counts, 1.0 / channels)
    residual = residual.astype(np.float32, copy=False)
    if residual.ndim == 3:
        residual = residual.mean(axis=2)
    values = residual.ravel() if mask is None else residual[mask]
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return ResidualStats(
        mean=float(values.mean()),
        std=float(values.std()),
        median=float(p50),
        p95=float(p95),
        p99=float(p99),
        max=float(values.max()),
        n_pixels=int(values.size),
    )


def _channel_sum(residual: np.ndarray) -> np.ndarray:
    """Sum over the channels of a uint8 (H, W, C) array, in uint16 (C ≤ 257 cannot overflow)."""
    out = residual[..., 0].astype(np.uint16)
    for c in range(1, residual.shape[2]):
        out += residual[..., c]
    return out


def _histogram_stats(counts: np.ndarray, scale: float) -> ResidualStats:
    """ResidualStats of values ``k * scale`` occurring ``counts[k]`` times (exact)."""
    n = int(counts.sum())
    levels = np.arange(len(counts), dtype=np.float64) * scale
    cumulative = np.cumsum(counts)

    def order_statistic(k: int) -> float:  # the k-th smallest value (0-based)
        return float(levels[np.searchsorted(cumulative, k, side="right")])

    def percentile(p: float) -> float:
        position = p / 100 * (n - 1)
        low = int(np.floor(position))
        below = order_statistic(low)
        if low + 1 >= n:
            return below
        return below + (position - low) * (order_statistic(low + 1) - below)

    mean = float((counts * levels).sum() / n)
    std = float(np.sqrt((counts * (levels - mean) ** 2).sum() / n))
    top = float(levels[np.flatnonzero(counts)[-1]])
    return ResidualStats(mean=mean, std=std, median=percentile(50), p95=percentile(95),
                         p99=percentile(99), max=top, n_pixels=n)


@register(
    "ela",
    title="Error Level Analysis",
    family="compression",
    description="Re-saves the image as JPEG and shows how much each pixel changes; regions with "
    "another compression history stand out.",
    heatmap=True,
    direction="high",
    cell=1,
)
def ela_analysis(image, *, quality: int = 90, cell: int = 1) -> AnalysisResult:
    """ELA as a registered analysis: the channel-mean error level per `cell` × `cell` pixels
    (grey levels), re-saved with the file's own chroma subsampling."""
    subsampling = image.resave_subsampling
    residual = ela(image.pixels, quality=quality, subsampling=subsampling)
    grey_sum = _channel_sum(residual)  # three channels: at most 765, exact in uint16
    heatmap = grey_sum * np.float32(1 / 3) if cell == 1 else cell_means(grey_sum, cell) / np.float32(3)
    decoded = grey_sum if image.undecoded is None else grey_sum[~image.undecoded]  # not what a cut file lost
    stats = _histogram_stats(np.bincount(decoded.ravel(), minlength=1), 1 / 3)
    return AnalysisResult(
        name="ela", heatmap=heatmap, cell=cell, direction="high", units="grey levels",
        details={"quality": quality, "subsampling": subsampling, **stats.to_dict()},
    )
