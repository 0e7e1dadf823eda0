"""The JPEG block grid: 8×8 blocks, 16-pixel MCUs, the DCT basis, zig-zag order, the
quantisation lattice and grid-aligned crops.

Pure NumPy, shared by the forensic methods and the learned maps (:mod:`imgfake.learn.maps`).
A JPEG encoder cuts the image into 8×8 blocks from the top-left corner (16×16 MCUs for 4:2:0
chroma), so every crop here starts on a multiple of :data:`MCU`: evidence that lives on the
grid stays on it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BLOCK", "MCU", "ZIGZAG", "DCT8", "DCT_BASIS", "central_crop_box", "central_crop",
           "lattice", "cell_means", "cell_variance", "cells_touching", "one_blas_thread", "opencv",
           "working_copy", "mask_to_full_size", "MAX_WORKING_SIDE"]

#: Longest side the searching methods (copy-move) work at: larger photos are scaled down first.
#: SIFT doubles its input and keeps a float pyramid of it; at 1,600 px that alone was 13 × a
#: 12 MP photo's memory.
MAX_WORKING_SIDE = 1024

#: Side of a JPEG DCT block (pixels).
BLOCK = 8
#: Side of the largest JPEG MCU (4:2:0 chroma covers 16×16 luma pixels).
MCU = 16

#: Zig-zag scan order of an 8×8 block, as indices into the row-major 64 coefficients.
ZIGZAG = np.array(
    sorted(range(64), key=lambda k: (k // 8 + k % 8, (k // 8) if (k // 8 + k % 8) % 2 else -(k // 8)))
)


def _dct_matrix() -> np.ndarray:
    n = np.arange(8)
    d = np.cos(np.pi * (2 * n[None, :] + 1) * n[:, None] / 16) * np.sqrt(2 / 8)
    d[0] /= np.sqrt(2)
    return d.astype(np.float32)


#: JPEG's orthonormal 8-point DCT-II matrix (row u = frequency u).
DCT8 = _dct_matrix()
#: Row-major 64-pixel block -> 64 coefficients (natural order): ``coef = block.ravel() @ DCT_BASIS``.
DCT_BASIS = np.einsum("ui,vj->ijuv", DCT8, DCT8).reshape(64, 64).astype(np.float32)

_LOG1P = np.log1p(np.arange(4096, dtype=np.float32))


def central_crop_box(height: int, width: int, side: int) -> tuple[int, int, int, int]:
    """``(top, left, crop_height, crop_width)`` of the central crop of at most ``side`` pixels a
    side whose corner sits on the MCU grid and whose sides are multiples of 8.

    ValueError for images under 16×16 pixels (no whole MCU).
    """
    ch, cw = min(side, height // BLOCK * BLOCK), min(side, width // BLOCK * BLOCK)
    if ch < MCU or cw < MCU:
        raise ValueError(f"image must be at least 16×16 pixels, got {width}×{height}")
    top, left = (height - ch) // 2 // MCU * MCU, (width - cw) // 2 // MCU * MCU
    return top, left, ch, cw


def central_crop(pixels: np.ndarray, side: int) -> np.ndarray:
    """The crop of :func:`central_crop_box` (a view, not a copy)."""
    top, left, ch, cw = central_crop_box(pixels.shape[0], pixels.shape[1], side)
    return pixels[top:top + ch, left:left + cw]


def lattice(plane: np.ndarray, table: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance to the quantisation lattice and quantised magnitude of the 8×8 block DCT.

    Parameters
    ----------
    plane : ndarray of float32, shape (H, W), H and W multiples of 8
        One colour plane (0..255, not level-shifted).
    table : ndarray, shape (64,)
        Quantisation table in natural (row-major) order. Entries below 1 (a crafted or broken
        file; libjpeg decodes a 0 as it is) count as 1, so nothing divides by zero.
    freqs : ndarray of int
        Zig-zag positions to compute (indices into the 64 natural-order coefficients).

    Returns
    -------
    frac, magnitude : ndarrays of float32, shape (H // 8, W // 8, len(freqs))
        ``|c/q - round(c/q)|`` in [0, 0.5] and ``log1p |round(c/q)|``.

    One (blocks × 64) @ (64 × len(freqs)) product instead of full 2-D DCTs.
    """
    h, w = plane.shape
    table = np.maximum(np.asarray(table, np.float32), 1.0)
    blocks = plane.reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3).reshape(-1, 64)
    basis = DCT_BASIS[:, freqs] / table[freqs][None, :]
    # the level shift (−128) only moves the DC term: sum of the DC basis over a block = 8·c0
    coef = blocks @ basis
    coef[:, freqs == 0] -= 128.0 * 8.0 / table[0]
    k = np.rint(coef)
    frac = np.abs(coef - k)
    magnitude = _LOG1P[np.minimum(np.abs(k), len(_LOG1P) - 1).astype(np.intp)]  # a LUT: log1p is slow
    shape = (h // 8, w // 8, len(freqs))
    return frac.reshape(shape), magnitude.reshape(shape)


def cell_means(values: np.ndarray, cell: int) -> np.ndarray:
    """Mean of a 2-D array over ``cell`` × ``cell`` cells from the top-left corner, edge cells
    partial: the grid of the evidence-map contract (``ceil(H / cell)`` × ``ceil(W / cell)``).

    Integer input is summed exactly (in int64), then divided once: float32 result.
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D, got shape {values.shape}")
    if not isinstance(cell, (int, np.integer)) or cell < 1:
        raise ValueError(f"cell must be an integer >= 1, got {cell!r}")
    if cell == 1:
        return values.astype(np.float32)
    h, w = values.shape
    # strided sums: cell adds of whole rows, then of whole columns (partial edge cells included:
    # offset i has ceil((h - i) / cell) rows); ~10x faster than reshape(...).sum on 12 MP
    acc = np.uint32 if values.dtype.kind in "bu" and values.dtype.itemsize <= 2 and cell <= 256 else np.float64
    rows = np.zeros((-(-h // cell), w), acc)
    for i in range(min(cell, h)):
        part = values[i::cell]
        rows[: len(part)] += part
    sums = np.zeros((rows.shape[0], -(-w // cell)), acc)
    for j in range(min(cell, w)):
        part = rows[:, j::cell]
        sums[:, : part.shape[1]] += part
    ny = np.minimum(cell, h - np.arange(0, h, cell))
    nx = np.minimum(cell, w - np.arange(0, w, cell))
    return (sums / (ny[:, None] * nx[None, :])).astype(np.float32)


def cell_variance(values: np.ndarray, cell: int) -> np.ndarray:
    """Variance of a 2-D array per cell (the grid of :func:`cell_means`), float64, never below 0.

    ``E[x²] − E[x]²`` from cell sums: integers of up to 16 bits are squared exactly in 32 bits,
    so no float copy of the image is made.
    """
    values = np.asarray(values)
    mean = cell_means(values, cell).astype(np.float64)
    if values.dtype.kind in "iu" and values.dtype.itemsize <= 2:
        square = values.astype(np.int32 if values.dtype.kind == "i" else np.uint32)
        square *= square
    else:
        square = values.astype(np.float64) ** 2
    mean_square = cell_means(square, cell).astype(np.float64)
    return np.maximum(mean_square - mean * mean, 0.0)


def cells_touching(mask: np.ndarray, cell: int) -> np.ndarray:
    """The cells of the :func:`cell_means` grid that hold at least one true pixel of `mask`."""
    return cell_means(np.asarray(mask, bool).view(np.uint8), cell) > 0


class one_blas_thread:  # noqa: N801 - used like a function: ``with one_blas_thread():``
    """Keep BLAS single-threaded around small products: OpenBLAS' thread start-up costs ten
    times the product itself here, and callers parallelise over images anyway."""

    _controller = None

    def __enter__(self):
        try:
            if one_blas_thread._controller is None:
                from threadpoolctl import ThreadpoolController

                one_blas_thread._controller = ThreadpoolController()
            self._limit = one_blas_thread._controller.limit(limits=1, user_api="blas")
        except Exception:  # threadpoolctl missing or unsupported: correct, only slower
            self._limit = None
        return self

    def __exit__(self, *exc) -> None:
        if self._limit is not None:
            self._limit.restore_original_limits()


def opencv():
    """The ``cv2`` module, or a RuntimeError saying how to install it (a declared dependency)."""
    try:
        import cv2
    except ImportError as exc:  # a broken install says so plainly
        raise RuntimeError("OpenCV is not installed: pip install opencv-python-headless") from exc
    return cv2


def working_copy(pixels: np.ndarray, *, max_side: int = MAX_WORKING_SIDE) -> tuple[np.ndarray, float]:
    """`pixels` (H×W or H×W×3) scaled down by area averaging so the longer side is at most
    `max_side`, and the factor it was scaled by (1.0: the array itself)."""
    h, w = pixels.shape[:2]
    factor = max(1.0, max(h, w) / max_side)
    if factor == 1:
        return pixels, 1.0
    cv2 = opencv()
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), factor


def mask_to_full_size(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """A bool mask of a :func:`working_copy` back on the full image (nearest neighbour)."""
    if mask.shape == (height, width):
        return mask
    cv2 = opencv()
    return cv2.resize(mask.view(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)
