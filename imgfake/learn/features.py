"""Hand-made ELA features for the classical baselines (:mod:`imgfake.learn.baselines`).

Two feature sets:

* :func:`ela_features` – a short, named vector: per re-save quality, statistics of the ELA
  residual, the fraction of pixels above fixed error levels, per-channel means and the spread of
  block-wise means over a ``grid × grid`` tiling (a pasted region makes tiles disagree), plus the
  block-wise spread of a cheap high-pass noise residual. :func:`ela_feature_names` names each entry.
* :func:`ela_thumbnail_features` – the ELA residual downscaled to ``size × size`` and flattened:
  the earlier project's "ELA at 128×128 + logistic regression" reference.

Both work in grey levels (0–255) and never rescale an image to its own maximum, so vectors of
different images stay comparable. :func:`features_for_paths` computes either set for a list of
files through :func:`imgfake.io.load_image` and reports unreadable files instead of raising.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from PIL import Image

from ..forensics.ela import ela
from ..io import check_quality, check_rgb8
from ..io import ImageLoadError, load_image
from ..scan import FileError, map_files

__all__ = [
    "ELA_THRESHOLDS",
    "ela_features",
    "ela_feature_names",
    "ela_thumbnail_features",
    "features_for_paths",
]

#: Error levels (grey levels, 0–255) for the "fraction of pixels above" features.
ELA_THRESHOLDS = (2, 5, 10, 20)

_PER_QUALITY = (
    ["mean", "std", "p50", "p90", "p99", "max"]
    + [f"frac_gt_{t}" for t in ELA_THRESHOLDS]
    + ["mean_r", "mean_g", "mean_b", "tile_mean_max", "tile_mean_min", "tile_mean_std"]
)
_NOISE = ["noise_std", "noise_tile_std_max", "noise_tile_std_min", "noise_tile_std_std"]


def _check_qualities(qualities: Sequence[int]) -> tuple[int, ...]:
    qualities = tuple(qualities)
    if not qualities:
        raise ValueError(f"qualities must name at least one JPEG quality, got {qualities!r}")
    return tuple(check_quality(q) for q in qualities)


def _check_grid(grid: int) -> int:
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 1:
        raise ValueError(f"grid must be a positive integer, got {grid!r}")
    return int(grid)


def ela_feature_names(*, qualities: Sequence[int] = (75, 90), grid: int = 4) -> list[str]:
    """Names of the entries of :func:`ela_features`, in order.

    Parameters
    ----------
    qualities : sequence of int, default (75, 90)
    grid : int, default 4
        Accepted for symmetry with :func:`ela_features`; the length does not depend on it.

    Returns
    -------
    list of str
        ``ela_q{quality}_{statistic}`` for each quality, then the ``noise_*`` entries.

    Examples
    --------
    >>> ela_feature_names(qualities=(90,))[:3]
    ['ela_q90_mean', 'ela_q90_std', 'ela_q90_p50']
    """
    qualities, _ = _check_qualities(qualities), _check_grid(grid)
    return [f"ela_q{q}_{stat}" for q in qualities for stat in _PER_QUALITY] + list(_NOISE)


def _tile_edges(length: int, grid: int) -> np.ndarray:
    return np.linspace(0, length, grid + 1).astype(int)[:-1]


def _tile_means(values: np.ndarray, grid: int) -> np.ndarray:
    """Means of `values` (H, W) over a grid × grid tiling (edge tiles take the remainder)."""
    rows, cols = _tile_edges(values.shape[0], grid), _tile_edges(values.shape[1], grid)
    sums = np.add.reduceat(np.add.reduceat(values, rows, axis=0), cols, axis=1)
    counts = np.outer(
        np.diff(np.append(rows, values.shape[0])), np.diff(np.append(cols, values.shape[1]))
    )
    return sums / counts


def _spread(tiles: np.ndarray) -> list[float]:
    return [float(tiles.max()), float(tiles.min()), float(tiles.std())]


def _residual_features(residual: np.ndarray, grid: int) -> list[float]:
    grey = residual.mean(axis=2, dtype=np.float64)
    values = grey.ravel()
    percentiles = np.percentile(values, [50, 90, 99])
    return (
        [float(values.mean()), float(values.std()), *map(float, percentiles), float(values.max())]
        + [float(np.mean(values > t)) for t in ELA_THRESHOLDS]
        + [float(c) for c in residual.mean(axis=(0, 1), dtype=np.float64)]
        + _spread(_tile_means(grey, grid))
    )


def _noise_features(pixels: np.ndarray, grid: int) -> list[float]:
    """Block-wise spread of a Laplacian high-pass residual: splices often carry other noise."""
    grey = pixels.mean(axis=2, dtype=np.float64)
    high = (
        4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    )
    mean, mean_sq = _tile_means(high, grid), _tile_means(high * high, grid)
    tile_std = np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))
    return [float(high.std()), *_spread(tile_std)]


def ela_features(
    pixels: np.ndarray, *, qualities: Sequence[int] = (75, 90), grid: int = 4
) -> np.ndarray:
    """A fixed-length vector of hand-made ELA features for classical classifiers.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
        RGB image, e.g. ``load_image(path).pixels``; each side at least ``grid + 2`` pixels.
    qualities : sequence of int, default (75, 90)
        JPEG qualities of the ELA re-saves.
    grid : int, default 4
        The image is cut into ``grid × grid`` tiles for the spread features.

    Returns
    -------
    ndarray of float32, shape (len(ela_feature_names(qualities=qualities)),)
        Per quality: mean, std, 50th/90th/99th percentiles and max of the channel-averaged
        residual; the fraction of pixels above each of :data:`ELA_THRESHOLDS`; the R, G and B
        means; max, min and std of the tile means. Then the std of a Laplacian noise residual and
        the max, min and std of its tile-wise stds. All in grey levels; a flat image gives zeros.

    Examples
    --------
    >>> flat = np.full((32, 32, 3), 128, np.uint8)
    >>> vector = ela_features(flat)
    >>> vector.shape == (len(ela_feature_names()),), float(abs(vector).max())
    (True, 0.0)
    """
    pixels = check_rgb8(pixels)
    qualities, grid = _check_qualities(qualities), _check_grid(grid)
    if min(pixels.shape[:2]) < grid + 2:
        raise ValueError(
            f"pixels must be at least {grid + 2}×{grid + 2} for grid={grid}, "
            f"got shape {pixels.shape}"
        )
    values: list[float] = []
    for quality in qualities:
        values += _residual_features(ela(pixels, quality=quality), grid)
    values += _noise_features(pixels, grid)
    return np.asarray(values, dtype=np.float32)


def ela_thumbnail_features(pixels: np.ndarray, *, quality: int = 90, size: int = 128) -> np.ndarray:
    """The ELA residual downscaled to ``size × size`` and flattened.

    This is the reference baseline of the earlier project ("ELA downscaled to 128×128 + logistic
    regression"). The aspect ratio is not kept, as in that project. Values stay in grey levels
    (box-filter averages, not auto-contrasted), so images remain comparable.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
    quality : int, default 90
        JPEG quality of the ELA re-save.
    size : int, default 128
        Side of the thumbnail.

    Returns
    -------
    ndarray of float32, shape (size * size * 3,)
        Row-major ``(size, size, 3)`` thumbnail, flattened.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    residual = ela(pixels, quality=quality)
    channels = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(residual[..., c])).resize(
                (int(size), int(size)), Image.Resampling.BOX
            )
        )
        for c in range(3)
    ]
    return np.stack(channels, axis=2).astype(np.float32).ravel()


def features_for_paths(
    paths: Sequence[str | os.PathLike],
    *,
    qualities: Sequence[int] = (75, 90),
    grid: int = 4,
    extractor: Callable[[np.ndarray], np.ndarray] | None = None,
    max_pixels: int | None = None,
    n_jobs: int = 1,
    on_error: str = "skip",
) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Features for a list of image files; unreadable files are reported, not raised.

    Parameters
    ----------
    paths : sequence of path
    qualities, grid
        Passed to :func:`ela_features` when `extractor` is not given.
    extractor : callable, optional
        ``pixels -> 1-D array`` used instead of :func:`ela_features`, e.g.
        ``functools.partial(ela_thumbnail_features, size=128)``.
    max_pixels : int, optional
        Passed to :func:`imgfake.io.load_image` (decompression-bomb guard).
    n_jobs : int, default 1
        Threads (JPEG encode/decode releases the GIL); ``-1`` uses every CPU.
    on_error : {"skip", "raise"}, default "skip"
        ``"skip"`` leaves a failing file out and records it in `errors`; ``"raise"`` re-raises.

    Returns
    -------
    X : ndarray of float32, shape (n_ok, n_features)
    ok_index : ndarray of int, shape (n_ok,)
        Positions in `paths` of the rows of `X` (use it to select the labels).
    errors : list of dict
        ``{"index", "path", "error"}`` for each file left out.
    """
    if on_error not in ("skip", "raise"):
        raise ValueError(f"on_error must be 'skip' or 'raise', got {on_error!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive integer or -1, got {n_jobs!r}")
    paths = list(paths)
    if extractor is None:
        n_features = len(ela_feature_names(qualities=qualities, grid=grid))
        extractor = partial(ela_features, qualities=qualities, grid=grid)
    else:
        n_features = 0
    job = partial(_one, extractor=extractor, max_pixels=max_pixels)
    workers = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
    rows, ok_index, errors = [], [], []
    executor = "inline" if workers == 1 or len(paths) < 2 else "thread"
    for index, (path, result) in enumerate(map_files(job, paths, workers=workers, executor=executor)):
        if isinstance(result, FileError):
            if on_error == "raise":
                raise ImageLoadError(f"{path}: {result.message}")
            errors.append({"index": index, "path": str(paths[index]), "error": result.message})
        else:
            rows.append(result)
            ok_index.append(index)
    X = np.stack(rows) if rows else np.zeros((0, n_features), np.float32)
    return X, np.asarray(ok_index, dtype=int), errors


def _one(path: str, *, extractor, max_pixels) -> np.ndarray:
    return np.asarray(extractor(load_image(path, max_pixels=max_pixels).pixels), dtype=np.float32)


