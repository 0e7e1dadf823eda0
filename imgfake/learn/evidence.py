"""The evidence the fused verdict reads: registered methods' maps on one 32-pixel grid.

:func:`gather` runs a list of registered analyses on one image (each through
:func:`imgfake.forensics.registry.run_safely`, so a failing method is missing evidence, never
an error) and pools every map, turned so that higher = more suspicious
(:meth:`imgfake.results.AnalysisResult.suspicion`), onto cells of :data:`CELL` pixels. The
lattice network's per-region logits join as one more map (``"lattice"``) when a detector gives
them. :func:`cell_features` and :func:`image_features` turn an :class:`Evidence` into the rows
the fusion models read (:mod:`imgfake.learn.fusion`); missing values stay NaN, which the
gradient-boosted trees handle natively.

Nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..forensics.registry import run_safely
from ..scan import map_files
from ..io import LoadedImage
from ..results import block_nanmean, robust_z

__all__ = ["CELL", "Evidence", "gather", "pool_map", "cell_features", "image_features",
           "cell_feature_names", "image_feature_names", "mask_cells", "add_lattice", "from_results", "LATTICE"]

#: Side of one fusion cell in pixels (the lattice network's own cell: 4 × 4 JPEG blocks).
CELL = 32
#: Name of the lattice network's map among the evidence.
LATTICE = "lattice"


@dataclass
class Evidence:
    """One image's evidence on the :data:`CELL` grid.

    Attributes
    ----------
    maps : dict of str to ndarray
        Per method, ``ceil(H / CELL)`` × ``ceil(W / CELL)`` float32 suspicion (NaN = not
        analysed; absent key = the method gave no map).
    scores : dict of str to float or None
        Per method, its image-level score (None = "cannot tell").
    shape : (int, int)
        The image's height and width.
    failed : list of str
        Methods that raised (their evidence is missing).
    """

    maps: dict[str, np.ndarray] = field(default_factory=dict)
    scores: dict[str, float | None] = field(default_factory=dict)
    shape: tuple[int, int] = (0, 0)
    failed: list[str] = field(default_factory=list)

    @property
    def grid(self) -> tuple[int, int]:
        h, w = self.shape
        return math.ceil(h / CELL), math.ceil(w / CELL)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Flat arrays for ``np.savez`` (see :meth:`from_arrays`)."""
        out = {"shape": np.asarray(self.shape, np.int64)}
        for name, m in self.maps.items():
            out[f"map:{name}"] = m
        for name, s in self.scores.items():
            out[f"score:{name}"] = np.asarray(np.nan if s is None else s, np.float64)
        return out

    @classmethod
    def from_arrays(cls, arrays) -> Evidence:
        ev = cls(shape=tuple(int(v) for v in arrays["shape"]))
        for key in arrays.keys():
            kind, _, name = key.partition(":")
            if kind == "map":
                ev.maps[name] = np.asarray(arrays[key], np.float32)
            elif kind == "score":
                value = float(arrays[key])
                ev.scores[name] = None if math.isnan(value) else value
        return ev


def pool_map(heat: np.ndarray, cell: int, shape: tuple[int, int], *, cell_out: int = CELL) -> np.ndarray:
    """Average a map on a `cell`-pixel grid onto the `cell_out`-pixel grid of an image of
    `shape` (NaN ignored; a cell with nothing analysed stays NaN).

    Maps on a grid finer than 8 pixels are first averaged to 8 pixels; every 8-pixel sub-cell
    then takes the value of the source cell under its centre, and each output cell averages
    its sub-cells. Exact for any `cell` dividing `cell_out`.
    """
    heat = np.asarray(heat, np.float32)
    heat = np.where(np.isfinite(heat), heat, np.nan)  # an infinite value is no evidence either
    h, w = shape
    if cell < 8 and 8 % cell == 0:
        heat = block_nanmean(heat, 8 // cell)
        cell = 8
    sub = 8 if cell_out % 8 == 0 else 1
    rows, cols = math.ceil(h / sub), math.ceil(w / sub)
    ys = np.minimum((np.arange(rows) * sub + sub // 2) // cell, heat.shape[0] - 1)
    xs = np.minimum((np.arange(cols) * sub + sub // 2) // cell, heat.shape[1] - 1)
    fine = heat[np.ix_(ys, xs)]
    return block_nanmean(fine, cell_out // sub)


def gather(image: LoadedImage, methods: Sequence[str], *, lattice: np.ndarray | None = None,
           cache: bool = True, threads: int = 1) -> Evidence:
    """Run `methods` on `image` and pool their suspicion maps onto the :data:`CELL` grid.

    Parameters
    ----------
    image : LoadedImage
    methods : sequence of str
        Registered analyses (a method that raises is recorded in ``failed``).
    lattice : ndarray, optional
        The lattice network's per-region logits on the 8-pixel grid (NaN outside its crop),
        added as the ``"lattice"`` map with its mean as the score (see :func:`add_lattice`).
    cache : bool, default True
        Use the registry's result cache (so the dashboard draws these maps at once later).
    threads : int, default 1
        Run the methods on this many threads (one image at a time, e.g. the dashboard: the
        methods' NumPy and OpenCV work releases the GIL). Batch jobs use processes instead.
    """
    executor = "thread" if threads > 1 and len(methods) > 1 else "inline"
    results = dict(map_files(lambda name: run_safely(name, image, cache=cache), methods,
                             workers=max(1, threads), executor=executor))  # run_safely never raises
    ev = from_results(results, (image.height, image.width))
    return add_lattice(ev, lattice) if lattice is not None else ev


def from_results(results: dict, shape: tuple[int, int]) -> Evidence:
    """:class:`Evidence` from analyses already run (name -> AnalysisResult) on an image of `shape`."""
    ev = Evidence(shape=tuple(shape))
    for name, result in results.items():
        if any(f.code == "analysis-failed" for f in result.findings):
            ev.failed.append(name)
        ev.scores[name] = result.score if result.score is not None and math.isfinite(result.score) else None
        heat = result.suspicion()
        if heat is not None:
            ev.maps[name] = pool_map(heat, result.cell, ev.shape)
    return ev


def add_lattice(ev: Evidence, lattice: np.ndarray) -> Evidence:
    """Add the lattice network's logits (8-pixel grid, NaN outside its crop) to `ev`: the
    ``"lattice"`` map, and its mean (the network's image logit) as the score."""
    ev.maps[LATTICE] = pool_map(lattice, 8, ev.shape)
    finite = lattice[np.isfinite(lattice)]
    ev.scores[LATTICE] = float(finite.mean()) if finite.size else None
    return ev


def _robust_z(m: np.ndarray) -> np.ndarray:
    return robust_z(m, min_spread=1e-6)


def cell_feature_names(methods: Sequence[str]) -> list[str]:
    """Columns of :func:`cell_features`: per method its value, its robust z-score within the
    image and its image-level score; then the cell's position (distance to the border)."""
    names = []
    for m in methods:
        names += [f"{m}:value", f"{m}:z", f"{m}:score"]
    return names + ["border"]


def cell_features(ev: Evidence, methods: Sequence[str]) -> np.ndarray:
    """One row per :data:`CELL` cell (row-major), float32, NaN where evidence is missing."""
    rows, cols = ev.grid
    n = rows * cols
    out = np.full((n, 3 * len(methods) + 1), np.nan, np.float32)
    for j, name in enumerate(methods):
        m = ev.maps.get(name)
        if m is not None and m.shape == (rows, cols):
            out[:, 3 * j] = m.ravel()
            out[:, 3 * j + 1] = _robust_z(m).ravel()
        score = ev.scores.get(name)
        out[:, 3 * j + 2] = np.nan if score is None else score
    yy, xx = np.mgrid[0:rows, 0:cols]
    border = np.minimum(np.minimum(yy, rows - 1 - yy), np.minimum(xx, cols - 1 - xx))
    out[:, -1] = border.ravel() / max(1, min(rows, cols))
    return out


_MAP_STATS = ("max_z", "p95_z", "share_z3", "mean", "p95", "analysed")
_FUSED_STATS = ("fused_max", "fused_p95", "fused_top5", "fused_share50", "fused_mean")


def image_feature_names(methods: Sequence[str]) -> list[str]:
    """Columns of :func:`image_features`: per method its score and statistics of its map, then
    statistics of the fused cell map."""
    names = []
    for m in methods:
        names += [f"{m}:score"] + [f"{m}:{s}" for s in _MAP_STATS]
    return names + list(_FUSED_STATS)


def image_features(ev: Evidence, methods: Sequence[str], fused: np.ndarray | None) -> np.ndarray:
    """One float32 row for the image: per method its score and statistics of its map (largest
    and 95th-percentile robust z, share of cells beyond z = 3, mean, 95th percentile, share
    analysed), then statistics of the fused cell probabilities `fused` (NaN when None)."""
    row = []
    for name in methods:
        score = ev.scores.get(name)
        row.append(np.nan if score is None else score)
        m = ev.maps.get(name)
        finite = m[np.isfinite(m)] if m is not None else np.zeros(0)
        if finite.size == 0:
            row += [np.nan] * len(_MAP_STATS)
            continue
        z = _robust_z(finite)
        row += [float(z.max()), float(np.percentile(z, 95)), float((z > 3).mean()),
                float(finite.mean()), float(np.percentile(finite, 95)), finite.size / m.size]
    if fused is None or not np.isfinite(fused).any():
        row += [np.nan] * len(_FUSED_STATS)
    else:
        f = np.sort(fused[np.isfinite(fused)].ravel())[::-1]
        top = f[: max(1, len(f) // 20)]
        row += [float(f[0]), float(np.percentile(f, 95)), float(top.mean()), float((f > 0.5).mean()),
                float(f.mean())]
    return np.asarray(row, np.float32)


def mask_cells(mask: np.ndarray, *, cell: int = CELL) -> np.ndarray:
    """Share of each :data:`CELL` cell covered by a bool pixel mask (float32, the cell grid)."""
    m = np.asarray(mask, bool)
    rows, cols = -(-m.shape[0] // cell), -(-m.shape[1] // cell)
    padded = np.zeros((rows * cell, cols * cell), np.float32)
    count = np.zeros_like(padded)
    padded[: m.shape[0], : m.shape[1]] = m
    count[: m.shape[0], : m.shape[1]] = 1
    total = padded.reshape(rows, cell, cols, cell).sum(axis=(1, 3))
    n = count.reshape(rows, cell, cols, cell).sum(axis=(1, 3))
    return (total / np.maximum(n, 1)).astype(np.float32)
