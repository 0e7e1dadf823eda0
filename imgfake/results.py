"""What every forensic method returns: plain-words findings and one evidence-map contract.

The contract (checked for every registered analysis by ``tests/test_contract.py``):

* ``heatmap`` is float32 on a grid of ``cell`` × ``cell`` pixels: cell ``(i, j)`` covers pixels
  ``[i·cell, (i+1)·cell) × [j·cell, (j+1)·cell)`` from the top-left corner, so the grid has
  ``ceil(H / cell)`` × ``ceil(W / cell)`` cells (edge cells may be partial). The cell size is
  recorded, never repeated up to full size: a 12 MP photo's 8-pixel map is 0.75 MB, not 48.
* NaN means "not analysed" (outside a crop, a missing strip of a truncated file).
* ``direction`` declares which way is suspicious: ``"high"`` (larger = more likely edited),
  ``"low"`` (smaller, e.g. noise removed by smoothing) or ``"both"`` (far from what is typical
  for this image, either way). :meth:`AnalysisResult.suspicion` turns every map the same way
  round (higher = more likely edited) for fusion and display.
* ``mask`` (optional) is the method's own yes/no call per cell.
* ``score`` is an image-level statistic where higher = more likely edited, or None.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["Finding", "AnalysisResult", "SEVERITIES", "DIRECTIONS", "FAMILIES", "block_nanmean", "robust_z"]

SEVERITIES = ("info", "notice", "warning")
#: Which way a map is suspicious.
DIRECTIONS = ("high", "low", "both")
#: Families of methods, in the order consumers list them. "lens": views for the eye (PCA,
#: gradients, high-pass) with no suspicious direction of their own and no score.
FAMILIES = ("compression", "noise", "cloning", "camera", "metadata", "model", "lens")


def robust_z(values: np.ndarray, *, min_spread: float = 0.0) -> np.ndarray:
    """Robust z-scores: distance from the median in units of 1.4826 × the median absolute
    deviation (the standard deviation when that is not above `min_spread`; 1 when both are 0).
    NaN stays NaN; an array with no finite value comes back as it is."""
    values = np.asarray(values)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return values
    centre = float(np.median(finite))
    spread = 1.4826 * float(np.median(np.abs(finite - centre)))
    if not spread > min_spread:
        spread = float(finite.std())
    return (values - centre) / (spread if spread > 0 else 1.0)


def block_nanmean(heat: np.ndarray, k: int) -> np.ndarray:
    """Average a 2-D map over `k` × `k` blocks, NaN ignored (a block with no value stays NaN).

    A map whose sides are not multiples of `k` gets partial blocks at its bottom and right
    edges (``ceil(rows / k)`` × ``ceil(cols / k)`` values); float32 out.
    """
    heat = np.asarray(heat, np.float32)
    if k == 1:
        return np.array(heat, np.float32)
    rows, cols = -(-heat.shape[0] // k), -(-heat.shape[1] // k)
    if heat.shape != (rows * k, cols * k):
        padded = np.full((rows * k, cols * k), np.nan, np.float32)
        padded[: heat.shape[0], : heat.shape[1]] = heat
        heat = padded
    block = heat.reshape(rows, k, cols, k)
    finite = np.isfinite(block)
    total = np.where(finite, block, 0.0).sum(axis=(1, 3), dtype=np.float64)
    count = finite.sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan).astype(np.float32)


@dataclass(frozen=True)
class Finding:
    """One plain-words observation about an image.

    Parameters
    ----------
    code : str
        Stable identifier, e.g. ``"software-named"``; tests and the dashboard key on it.
    severity : {"info", "notice", "warning"}
        ``info`` is context, ``notice`` deserves a look, ``warning`` points at editing.
    message : str
        One sentence for a person who is not a forensics expert.
    """

    code: str
    severity: str
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"severity must be one of {SEVERITIES}, got {self.severity!r}"
            )

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """What one analysis found in one image (see the module docstring for the contract).

    Attributes
    ----------
    name : str
        Registry name of the analysis.
    heatmap : ndarray of float32, shape (ceil(H / cell), ceil(W / cell)), or None
        Evidence per cell, in the analysis' own ``units``; NaN = not analysed. Read-only.
    cell : int
        Side of one heatmap cell in image pixels (1 for ELA, 8 for JPEG blocks, ...).
    direction : {"high", "low", "both"}
        Which way the heatmap is suspicious.
    units : str
        What a heatmap value measures ("grey levels", "probability", ...).
    mask : ndarray of bool, same shape as heatmap, or None
        The method's own call of where the image was edited.
    score : float or None
        Image-level statistic, higher = more likely edited; None when the method has none.
    findings : tuple of Finding
    details : dict
        JSON-serialisable numbers and strings.
    image_size : (int, int) or None
        ``(height, width)`` of the image analysed (set by :func:`imgfake.run_analysis`).
    """

    name: str
    heatmap: np.ndarray | None = None
    cell: int = 1
    direction: str = "high"
    units: str = ""
    mask: np.ndarray | None = None
    score: float | None = None
    findings: tuple[Finding, ...] = ()
    details: dict = field(default_factory=dict)
    image_size: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.cell, (int, np.integer)) or self.cell < 1:
            raise ValueError(f"cell must be an integer >= 1, got {self.cell!r}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}")
        object.__setattr__(self, "findings", tuple(self.findings))
        if self.score is not None:
            object.__setattr__(self, "score", float(self.score))
        if self.heatmap is not None:
            heat = np.asarray(self.heatmap)
            if heat.ndim != 2:
                raise ValueError(f"heatmap must be 2-D (rows, columns of cells), got shape {heat.shape}")
            heat = heat.astype(np.float32, copy=False)
            heat.setflags(write=False)
            object.__setattr__(self, "heatmap", heat)
        if self.mask is not None:
            mask = np.asarray(self.mask, bool)
            if self.heatmap is None or mask.shape != self.heatmap.shape:
                raise ValueError(f"mask must have the heatmap's shape, got {mask.shape}")
            mask.setflags(write=False)
            object.__setattr__(self, "mask", mask)
        if self.image_size is not None:
            h, w = (int(v) for v in self.image_size)
            object.__setattr__(self, "image_size", (h, w))
            if self.heatmap is not None:
                expected = (math.ceil(h / self.cell), math.ceil(w / self.cell))
                if self.heatmap.shape != expected:
                    raise ValueError(
                        f"{self.name}: a {h}×{w} image on a {self.cell}-pixel grid needs a "
                        f"{expected[0]}×{expected[1]} heatmap, got {self.heatmap.shape[0]}×{self.heatmap.shape[1]}"
                    )

    @property
    def nbytes(self) -> int:
        """Memory held by the maps (for caches)."""
        return sum(a.nbytes for a in (self.heatmap, self.mask) if a is not None)

    def suspicion(self, *, standardise: bool = False) -> np.ndarray | None:
        """The heatmap turned so that higher = more likely edited, whatever its direction.

        Parameters
        ----------
        standardise : bool, default False
            False keeps the analysis' units: ``"high"`` maps as they are, ``"low"`` maps
            negated, ``"both"`` maps as the absolute distance from their median. True first
            turns the map into robust z-scores (distance from the median in units of
            1.4826 × the median absolute deviation), so maps of different methods can be
            compared or fused.

        Returns
        -------
        ndarray of float32 (the heatmap's shape), or None without a heatmap. NaN stays NaN.
        """
        if self.heatmap is None:
            return None
        heat = self.heatmap.astype(np.float32)
        finite = heat[np.isfinite(heat)]
        centre = float(np.median(finite)) if finite.size else 0.0
        if standardise:
            heat = robust_z(heat)
            centre = 0.0
        if self.direction == "low":
            return -heat
        if self.direction == "both":
            return np.abs(heat - centre)
        return heat

    def on_grid(self, factor: int, *, height: int | None = None, width: int | None = None,
                suspicion: bool = False) -> np.ndarray:
        """The heatmap resampled to cells of `factor` pixels (for display at 1/`factor` size).

        Cells are averaged (NaN ignored) when `factor` is a multiple of ``cell`` and repeated
        or sampled otherwise. The result has ``height // factor`` × ``width // factor`` values
        (the image size by default), like a photo pooled by `factor` with its remainder cropped.
        """
        if self.heatmap is None:
            raise ValueError(f"{self.name} has no heatmap")
        if not isinstance(factor, (int, np.integer)) or factor < 1:
            raise ValueError(f"factor must be an integer >= 1, got {factor!r}")
        if height is None or width is None:
            if self.image_size is None:
                raise ValueError("give height and width: this result does not record its image size")
            height, width = self.image_size
        heat = self.suspicion() if suspicion else self.heatmap
        rows, cols = height // factor, width // factor
        if rows == 0 or cols == 0:
            raise ValueError(f"factor {factor} is larger than the {height}×{width} image")
        if factor % self.cell == 0:
            k = factor // self.cell
            return block_nanmean(heat[: rows * k, : cols * k], k)
        # sample each output cell's centre
        ys = np.minimum((np.arange(rows) * factor + factor // 2) // self.cell, heat.shape[0] - 1)
        xs = np.minimum((np.arange(cols) * factor + factor // 2) // self.cell, heat.shape[1] - 1)
        return np.asarray(heat[np.ix_(ys, xs)], np.float32)

    def full_size(self) -> np.ndarray:
        """The heatmap repeated up to one value per image pixel (H × W float32; memory-hungry)."""
        if self.image_size is None:
            raise ValueError("this result does not record its image size")
        return self.on_grid(1)

    def to_dict(self) -> dict:
        """JSON-safe form: the maps are summarised (shape, cell, direction), not included."""
        out = {
            "name": self.name,
            "score": None if self.score is None or not math.isfinite(self.score) else self.score,
            "heatmap": None,
            "findings": [f.to_dict() for f in self.findings],
            "details": self.details,
        }
        if self.heatmap is not None:
            finite = self.heatmap[np.isfinite(self.heatmap)]
            out["heatmap"] = {
                "shape": list(self.heatmap.shape), "cell": self.cell, "direction": self.direction,
                "units": self.units, "analysed_fraction": round(finite.size / max(1, self.heatmap.size), 4),
            }
        return out
