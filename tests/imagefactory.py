"""Images the tests make themselves: textured photos, JPEG/PNG bytes in odd modes, broken files."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def textured(h: int = 256, w: int = 256, *, seed: int = 0) -> np.ndarray:
    """A photo-like uint8 RGB image: smooth gradients plus fine texture (ELA needs texture)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x / w * 180 + 40, y / h * 160 + 50, (x + y) / (h + w) * 120 + 70], axis=2)
    noise = rng.normal(0, 18, (h, w, 3)).astype(np.float32)
    stripes = 25 * np.sin(x / 3.0)[..., None] * np.cos(y / 5.0)[..., None]
    return np.clip(base + noise + stripes, 0, 255).astype(np.uint8)


def encode(pixels_or_image, fmt: str = "JPEG", **save_kwargs) -> bytes:
    image = pixels_or_image if isinstance(pixels_or_image, Image.Image) else Image.fromarray(pixels_or_image)
    buf = io.BytesIO()
    image.save(buf, fmt, **save_kwargs)
    return buf.getvalue()


def jpeg_roundtrip(pixels: np.ndarray, quality: int) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(encode(pixels, quality=quality))).convert("RGB"))
