"""Noise-residual analysis: where does the fine-grain noise of a photo change?

A camera leaves a fairly even noise texture over a photo; pasted, smoothed or painted regions
carry different noise. The residual is the luminance minus a 3×3 box-smoothed copy; its local
standard deviation over blocks is the map.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

__all__ = ["noise_residual", "noise_map"]


def noise_residual(pixels: np.ndarray) -> np.ndarray:
    """High-pass residual of the luminance (float32, H×W, grey levels).

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)

    Returns
    -------
    ndarray of float32, shape (H, W)
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"pixels must be uint8 (H, W, 3), got {pixels.dtype} {pixels.shape}")
    grey = Image.fromarray(pixels).convert("L")
    smooth = grey.filter(ImageFilter.BoxBlur(1))
    return np.asarray(grey, np.float32) - np.asarray(smooth, np.float32)


def noise_map(pixels: np.ndarray, *, block: int = 16) -> np.ndarray:
    """Local noise level: standard deviation of :func:`noise_residual` per block.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
    block : int, default 16
        Block side in pixels; each block gets one value.

    Returns
    -------
    ndarray of float32, shape (H, W)
        The block values repeated back to the image size (edge blocks may be partial).
    """
    if not isinstance(block, (int, np.integer)) or block < 2:
        raise ValueError(f"block must be an integer >= 2, got {block!r}")
    residual = noise_residual(pixels)
    h, w = residual.shape
    hb, wb = -(-h // block), -(-w // block)
    padded = np.pad(residual, ((0, hb * block - h), (0, wb * block - w)), mode="reflect" if h > 1 and w > 1 else "edge")
    tiles = padded.reshape(hb, block, wb, block)
    std = tiles.std(axis=(1, 3)).astype(np.float32)
    return np.repeat(np.repeat(std, block, axis=0), block, axis=1)[:h, :w]
