"""A JPEG's own quantised DCT coefficients, read from the file (or re-estimated from pixels).

Double-compression analysis (:mod:`imgfake.forensics.adjpg`) needs the integers the encoder
wrote, not the decoded pixels: decoding rounds and clips, and re-computing the DCT from 8-bit
pixels blurs exactly the histogram structure the method reads. :func:`read_coefficients` gets
them with `jpeglib <https://pypi.org/project/jpeglib/>`_ (libjpeg through ctypes, with wheels;
the older ``jpegio`` has none and fails to build on many machines). When the reader is missing
or refuses the file, the coefficients are re-estimated from the decoded pixels and the result
says so (:attr:`Coefficients.source` is ``"pixels"``).

The arrays keep the file's stored layout; :func:`imgfake.io.orient` turns a block map so it
lines up with :attr:`imgfake.io.LoadedImage.pixels` (EXIF orientation). After a flip, a map of a
file whose width or height is not a multiple of 8 is off by less than one block.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from dataclasses import dataclass

import numpy as np

from ..results import AnalysisResult, Finding
from .blocks import DCT_BASIS, one_blas_thread
from .lenses import luminance

__all__ = ["Coefficients", "read_coefficients", "blocks_to_spatial", "spatial_to_blocks",
           "odd_blocks", "odd_region_result", "INVERSE_ORIENTATION"]

log = logging.getLogger(__name__)

#: The EXIF orientation that undoes each one (6 and 8 are each other's inverse).
INVERSE_ORIENTATION = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}



@dataclass(frozen=True)
class Coefficients:
    """The luminance DCT coefficients of a JPEG, as the encoder quantised them.

    Attributes
    ----------
    luma : ndarray of int32, shape (rows, cols, 64)
        Quantised coefficients per 8×8 block in natural (row-major) order, in the file's stored
        layout (before EXIF orientation); ``rows = ceil(H / 8)``, ``cols = ceil(W / 8)``.
    table : ndarray of int32, shape (64,)
        The luminance quantisation table, natural order.
    source : {"file", "pixels"}
        Read from the file, or re-estimated from the decoded pixels (less exact).
    note : str
        Plain words on how they were obtained ("" when read from the file).
    height, width : int
        Stored image size in pixels.
    """

    luma: np.ndarray
    table: np.ndarray
    source: str
    note: str
    height: int
    width: int


def blocks_to_spatial(luma: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Inverse DCT of dequantised blocks: float32 luminance (rows·8, cols·8), unclipped, +128."""
    rows, cols = luma.shape[:2]
    with one_blas_thread():
        pixels = (luma.reshape(-1, 64).astype(np.float32) * table.astype(np.float32)) @ DCT_BASIS.T
    pixels += np.float32(128)
    return pixels.reshape(rows, cols, 8, 8).transpose(0, 2, 1, 3).reshape(rows * 8, cols * 8)


def spatial_to_blocks(luminance: np.ndarray) -> np.ndarray:
    """DCT of each whole 8×8 block of a 2-D array from its top-left corner: (rows, cols, 64)."""
    h, w = luminance.shape
    rows, cols = h // 8, w // 8
    blocks = (np.asarray(luminance[: rows * 8, : cols * 8], np.float32) - np.float32(128))
    blocks = blocks.reshape(rows, 8, cols, 8).transpose(0, 2, 1, 3).reshape(-1, 64)
    with one_blas_thread():
        return (blocks @ DCT_BASIS).reshape(rows, cols, 64)


def odd_blocks(log_ratio: np.ndarray, informative: np.ndarray, *, majority: float) -> tuple[np.ndarray, bool]:
    """Per-block probabilities from log-likelihood ratios, smoothed, with the odd part high.

    The ratios (of "the suspicious history" against "the photo's") become probabilities, median
    filtered over 5×5 blocks where some block nearby spoke (NaN elsewhere). When more than
    `majority` of the analysed blocks come out above 0.5, the photo's own history is the other
    one, and the map is turned over so that the minority is what stands out.

    Returns
    -------
    (probability, flipped)
    """
    from scipy.ndimage import median_filter

    probability = (1.0 / (1.0 + np.exp(-np.clip(log_ratio, -30, 30)))).astype(np.float32)
    spoke = median_filter((informative > 0).astype(np.float32), size=5, mode="nearest") > 0
    smoothed = np.where(spoke, median_filter(probability, size=5, mode="nearest"), np.nan).astype(np.float32)
    analysed = np.isfinite(smoothed)
    flipped = bool(analysed.any() and float((smoothed[analysed] > 0.5).mean()) > majority)
    if flipped:
        smoothed = np.where(analysed, 1.0 - smoothed, np.nan).astype(np.float32)
    return smoothed, flipped


def odd_region_result(name: str, heatmap: np.ndarray, findings: list, details: dict, *,
                      what: str) -> AnalysisResult:
    """The double-JPEG methods' result from their :func:`odd_blocks` map on the 8-pixel grid:
    score = the share of analysed blocks above 0.9, and from 2 % a warning that that share of
    the blocks `what` (e.g. "were compressed only once, unlike the rest")."""
    analysed = np.isfinite(heatmap)
    score = float((heatmap[analysed] > 0.9).mean()) if analysed.any() else None
    if score is not None and score >= 0.02:
        findings.append(Finding(f"{name}-region", "warning",
                                f"{score:.0%} of the analysed blocks {what}: a sign of a region "
                                "pasted in between two saves."))
    return AnalysisResult(name=name, heatmap=heatmap, cell=8, direction="high", units="probability",
                          mask=heatmap > 0.9, score=score, findings=tuple(findings), details=details)


def _from_pixels(image, table: np.ndarray, reason: str) -> Coefficients:
    from ..io import orient

    stored = orient(image.pixels, INVERSE_ORIENTATION.get(image.orientation, 1))
    h, w = stored.shape[:2]
    y = luminance(stored)
    padded = np.pad(y, ((0, -h % 8), (0, -w % 8)), mode="edge")
    coefficients = np.rint(spatial_to_blocks(padded) / table.astype(np.float32)).astype(np.int32)
    return Coefficients(coefficients, table, "pixels", f"The DCT coefficients were re-estimated from "
                        f"the decoded pixels ({reason}); the double-compression evidence is weaker.", h, w)


_STDERR_LOCK = threading.Lock()
#: libjpeg's own warnings, which it prints on the process's stderr (Pillow keeps them quiet).
_LIBJPEG_WARNINGS = ("Corrupt JPEG data", "Premature end of JPEG", "Invalid SOS", "Warning:")


def _flush_stderr() -> None:
    """Flush Python's and C's stderr buffers (libjpeg writes through C stdio)."""
    try:
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


def _quietly(func):
    """Run `func` with file descriptor 2 captured: libjpeg's warnings about damaged files are
    dropped (the loader has already said what it could decode), anything else written meanwhile
    (by other threads too) is passed on afterwards. Returns ``(result, libjpeg warned)``."""
    with _STDERR_LOCK:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):  # no usable stderr: nothing to keep quiet
            return func(), False
        with tempfile.TemporaryFile() as capture:
            os.dup2(capture.fileno(), 2)
            try:
                result = func()
            finally:
                _flush_stderr()
                os.dup2(saved, 2)
                os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", "replace")
    lines = text.splitlines()
    passed_on = [line for line in lines if not line.startswith(_LIBJPEG_WARNINGS)]
    if passed_on:
        sys.stderr.write("\n".join(passed_on) + "\n")
    return result, len(passed_on) < len(lines)


def _from_file(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    import jpeglib

    handle, path = tempfile.mkstemp(suffix=".jpg", prefix="imgfake-")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)

        def read():  # jpeglib reads lazily: the arrays are decoded on first access
            dct = jpeglib.read_dct(path)
            number = int(np.asarray(dct.quant_tbl_no)[0]) if getattr(dct, "quant_tbl_no", None) is not None else 0
            return np.asarray(dct.Y), np.asarray(dct.qt), number

        (y, tables, number), _ = _quietly(read)
    finally:
        os.unlink(path)
    if y.ndim != 4 or y.shape[2:] != (8, 8):
        raise ValueError(f"unexpected coefficient array of shape {y.shape}")
    return y.reshape(y.shape[0], y.shape[1], 64).astype(np.int32), tables[number].reshape(64).astype(np.int32)


def read_coefficients(image) -> Coefficients | None:
    """The luminance DCT coefficients of a JPEG image, or None for other formats.

    Parameters
    ----------
    image : imgfake.io.LoadedImage
        A JPEG loaded by :func:`imgfake.io.load_image` (its ``data`` holds the file).

    Returns
    -------
    Coefficients or None
        None when the image is not a JPEG (or a CMYK one, whose first channel is not luminance).
    """
    if image.jpeg is None or image.format not in ("JPEG", "MPO") or image.mode in ("CMYK", "YCCK"):
        return None
    if not image.jpeg.quantization:
        return None
    table = np.asarray(image.jpeg.quantization.get(0, next(iter(image.jpeg.quantization.values()))), np.int32)
    if table.size != 64 or (table < 1).any():
        return None
    data = image.data
    if data is None:
        result = _from_pixels(image, table, "the file itself was not kept")
    else:
        try:
            luma, file_table = _from_file(data)
        except ImportError:
            result = _from_pixels(image, table, "jpeglib is not installed: pip install jpeglib")
        except Exception as exc:  # libjpeg refuses what Pillow decoded (odd markers, ...)
            log.info("jpeglib could not read %s: %s", image.name, exc)
            result = _from_pixels(image, table, "jpeglib could not read the file")
        else:
            stored = (image.height, image.width) if image.orientation not in (5, 6, 7, 8) else (image.width, image.height)
            expected = (-(-stored[0] // 8), -(-stored[1] // 8))
            if luma.shape[:2] != expected or (file_table < 1).any():
                result = _from_pixels(image, table, "the file's coefficient layout was unexpected")
            else:
                result = Coefficients(luma, file_table, "file", "", *stored)
    return result
