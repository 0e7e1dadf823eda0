"""Synthetic forgeries with exact ground-truth masks.

The edit functions are pure: they take ``uint8`` H×W×3 arrays and a
``numpy.random.Generator`` and return ``(forged, mask)``, where ``forged`` equals the input
exactly outside ``mask`` (before any JPEG compression). The same generator state gives the
same forgery, bit for bit.

- :func:`splice` pastes a random shape from another photo,
- :func:`copy_move` copies a region elsewhere in the same photo (optionally rotated/scaled),
- :func:`retouch` smooths, sharpens or clone-stamps a soft blob,
- :func:`inpaint` removes an object (OpenCV's Telea / Navier-Stokes inpainting),
- :func:`resample_region` enlarges (and sometimes rotates) a region in place,
- :func:`local_noise` adds or removes noise in a region,
- :func:`camera_like` makes a photo look demosaiced (Bayer mosaic + OpenCV demosaicing).

:data:`BENCH_KINDS` adds to the three training kinds the splices with a history of their own:
aligned and non-aligned double compression, and a splice into a camera-like photo.

:func:`make_forgery_set` turns a list of never-compressed photos (e.g. ``../shared/data/pristine``)
into a Keras-style folder of authentic and edited JPEGs with masks and a manifest; every edited
image has an authentic twin cut from the same photo, and the ``source`` column (also
:func:`source_of` on a file name) is the group key that keeps twins in one split.

Examples
--------
>>> import numpy as np
>>> from imgfake.learn.synth import copy_move
>>> rng = np.random.default_rng(0)
>>> image = rng.integers(0, 256, size=(64, 96, 3), dtype=np.uint8)
>>> forged, mask = copy_move(image, rng=np.random.default_rng(1))
>>> bool((forged[~mask] == image[~mask]).all())
True
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ..forensics.ela import recompress
from ..io import check_quality, check_rgb8, encode_jpeg, load_image

EDIT_KINDS: tuple[str, ...] = ("splice", "copy-move", "retouch")
#: The forgery benchmark's kinds: the three above plus edits with a compression or camera history
#: of their own (what the toolbox's methods are each designed to find).
BENCH_KINDS: tuple[str, ...] = EDIT_KINDS + (
    "splice-djpg", "splice-nadjpg", "inpaint", "resample", "noise", "camera-splice",
)
#: Kinds whose donor region comes from another photo.
_SPLICES = ("splice", "splice-djpg", "splice-nadjpg", "camera-splice")
RETOUCH_KINDS: tuple[str, ...] = ("smooth", "sharpen", "clone")
SHAPES: tuple[str, ...] = ("ellipse", "polygon", "rectangle")
MANIFEST_COLUMNS: tuple[str, ...] = (
    "path", "label", "kind", "source", "quality", "double_compressed", "first_quality",
    "mask", "detail", "donor", "width", "height",
)

_MAX_TRIES = 100


# --------------------------------------------------------------------------- checks


def _check_pixels(pixels: np.ndarray, name: str = "image") -> np.ndarray:
    pixels = check_rgb8(pixels, name=name)
    if min(pixels.shape[:2]) < 8:
        raise ValueError(f"{name} must be at least 8×8 pixels, got {pixels.shape[:2]}")
    return pixels


def _check_area(area: tuple[float, float]) -> tuple[float, float]:
    lo, hi = (float(a) for a in area)
    if not 0.0 < lo <= hi < 1.0:
        raise ValueError(f"area must be (low, high) with 0 < low <= high < 1, got {area!r}")
    return lo, hi


def _check_rng(rng: np.random.Generator) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got "
            f"{type(rng).__name__}"
        )


# --------------------------------------------------------------------------- shapes


def _rectangle(hw: tuple[int, int], target: float, rng: np.random.Generator) -> np.ndarray:
    h_img, w_img = hw
    aspect = np.exp(rng.uniform(np.log(0.5), np.log(2.0)))  # width / height
    h = int(np.clip(round(np.sqrt(target / aspect)), 1, h_img))
    w = int(np.clip(round(target / h), 1, w_img))
    y0 = int(rng.integers(0, h_img - h + 1))
    x0 = int(rng.integers(0, w_img - w + 1))
    mask = np.zeros(hw, dtype=bool)
    mask[y0 : y0 + h, x0 : x0 + w] = True
    return mask


def _ellipse(hw: tuple[int, int], target: float, rng: np.random.Generator) -> np.ndarray:
    h_img, w_img = hw
    aspect = np.exp(rng.uniform(np.log(0.5), np.log(2.0)))
    b = np.sqrt(target / (np.pi * aspect))
    a = aspect * b
    theta = rng.uniform(0, np.pi)
    half_w = np.sqrt((a * np.cos(theta)) ** 2 + (b * np.sin(theta)) ** 2)
    half_h = np.sqrt((a * np.sin(theta)) ** 2 + (b * np.cos(theta)) ** 2)
    cx = rng.uniform(min(half_w, w_img / 2), max(w_img - half_w, w_img / 2))
    cy = rng.uniform(min(half_h, h_img / 2), max(h_img - half_h, h_img / 2))
    yy, xx = np.mgrid[0:h_img, 0:w_img]
    dx, dy = xx + 0.5 - cx, yy + 0.5 - cy
    u = dx * np.cos(theta) + dy * np.sin(theta)
    v = -dx * np.sin(theta) + dy * np.cos(theta)
    return (u / a) ** 2 + (v / b) ** 2 <= 1.0


def _polygon(hw: tuple[int, int], target: float, rng: np.random.Generator) -> np.ndarray:
    h_img, w_img = hw
    n = int(rng.integers(5, 11))
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = rng.uniform(0.55, 1.0, n)
    x, y = radii * np.cos(angles), radii * np.sin(angles)
    unit_area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    scale = np.sqrt(target / max(unit_area, 1e-9))
    x, y = x * scale, y * scale
    cx = rng.uniform(-x.min(), max(w_img - x.max(), -x.min()))
    cy = rng.uniform(-y.min(), max(h_img - y.max(), -y.min()))
    canvas = Image.new("L", (w_img, h_img), 0)
    ImageDraw.Draw(canvas).polygon(list(zip(x + cx, y + cy)), fill=255)
    return np.asarray(canvas) > 0


_DRAW = {"ellipse": _ellipse, "polygon": _polygon, "rectangle": _rectangle}


def random_shape_mask(
    shape: tuple[int, ...],
    *,
    rng: np.random.Generator,
    area: tuple[float, float] = (0.05, 0.25),
    shapes: Sequence[str] = SHAPES,
) -> np.ndarray:
    """Draw a random ellipse, polygon or rectangle covering a random share of an image.

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)`` or ``(H, W, C)`` of the image the mask is for.
    rng : numpy.random.Generator
        Source of randomness; the same state gives the same mask.
    area : (float, float), optional
        Lowest and highest fraction of the image the shape may cover (default 5–25 %).
    shapes : sequence of str, optional
        Shapes to choose from: any of ``"ellipse"``, ``"polygon"``, ``"rectangle"``.

    Returns
    -------
    numpy.ndarray
        bool H×W, True inside the shape; ``mask.mean()`` is within ``area``.

    Raises
    ------
    ValueError
        For a bad ``area`` or shape name, or an image too small or thin to hold such a shape.

    Examples
    --------
    >>> import numpy as np
    >>> m = random_shape_mask((100, 200), rng=np.random.default_rng(0), area=(0.1, 0.2))
    >>> m.shape, bool(0.1 <= m.mean() <= 0.2)
    ((100, 200), True)
    """
    _check_rng(rng)
    lo, hi = _check_area(area)
    h, w = int(shape[0]), int(shape[1])
    if min(h, w) < 4:
        raise ValueError(f"shape must be at least 4×4, got {tuple(shape)}")
    unknown = [s for s in shapes if s not in _DRAW]
    if not shapes or unknown:
        raise ValueError(f"shapes must be drawn from {SHAPES}, got {tuple(shapes)!r}")
    for _ in range(_MAX_TRIES):
        name = shapes[int(rng.integers(len(shapes)))]
        mask = _DRAW[name]((h, w), rng.uniform(lo, hi) * h * w, rng)
        if lo <= mask.mean() <= hi:
            return mask
    raise ValueError(
        f"could not draw a shape covering {lo:.0%}–{hi:.0%} of a {h}×{w} image; "
        "widen area or use a larger image"
    )


# --------------------------------------------------------------------------- blending


def _inner_alpha(mask: np.ndarray, feather: float) -> np.ndarray:
    """Blend weights that are 0 outside ``mask`` and ramp up to 1 inside it.

    The ramp lies inside the mask (about ``2 × feather`` pixels wide), so feathering never
    changes a pixel outside the mask.
    """
    if feather < 0:
        raise ValueError(f"feather must be >= 0 pixels, got {feather!r}")
    if feather == 0:
        return mask.astype(np.float32)
    soft = Image.fromarray(mask.astype(np.uint8) * 255).filter(ImageFilter.GaussianBlur(feather))
    alpha = np.clip(2.0 * np.asarray(soft, dtype=np.float32) / 255.0 - 1.0, 0.0, 1.0)
    alpha[~mask] = 0.0
    return alpha


def _composite(base: np.ndarray, overlay: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``base`` where ``alpha`` is 0, ``overlay`` where it is 1, rounded blend between."""
    blend = base + alpha[..., None] * (overlay.astype(np.float32) - base)
    out = np.clip(np.rint(blend), 0, 255).astype(np.uint8)
    out[alpha == 0] = base[alpha == 0]
    return out


def _fit(donor: np.ndarray, hw: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Resize ``donor`` to cover ``hw`` (plus a random zoom up to 1.5×) and crop it randomly."""
    h, w = hw
    zoom = max(h / donor.shape[0], w / donor.shape[1]) * rng.uniform(1.0, 1.5)
    size = (max(w, round(donor.shape[1] * zoom)), max(h, round(donor.shape[0] * zoom)))
    big = np.asarray(Image.fromarray(donor).resize(size, Image.Resampling.BICUBIC))
    y0 = int(rng.integers(0, big.shape[0] - h + 1))
    x0 = int(rng.integers(0, big.shape[1] - w + 1))
    return big[y0 : y0 + h, x0 : x0 + w]


# --------------------------------------------------------------------------- edits


def splice(
    target: np.ndarray,
    donor: np.ndarray,
    *,
    rng: np.random.Generator,
    area: tuple[float, float] = (0.05, 0.25),
    feather: float = 0.0,
    shapes: Sequence[str] = SHAPES,
) -> tuple[np.ndarray, np.ndarray]:
    """Paste a random shape cut from another photo.

    Parameters
    ----------
    target : numpy.ndarray
        uint8 H×W×3, the photo that receives the region.
    donor : numpy.ndarray
        uint8 h×w×3, the photo the region comes from; resized to cover the target (with a
        random zoom of 1–1.5×) and cropped at a random place.
    rng : numpy.random.Generator
        Source of randomness.
    area : (float, float), optional
        Fraction of the image the pasted shape covers (default 5–25 %).
    feather : float, optional
        Width in pixels (Gaussian sigma) of a soft edge. The blend ramps up *inside* the
        shape, so the mask stays the hard shape and nothing outside it changes; a thin rim
        just inside the mask may be almost unchanged. Default 0 (hard edge).
    shapes : sequence of str, optional
        Shapes to choose from (see :func:`random_shape_mask`).

    Returns
    -------
    forged : numpy.ndarray
        uint8 H×W×3, identical to ``target`` outside ``mask``.
    mask : numpy.ndarray
        bool H×W, the pasted shape.
    """
    target = _check_pixels(target, "target")
    donor = _check_pixels(donor, "donor")
    _check_rng(rng)
    mask = random_shape_mask(target.shape, rng=rng, area=area, shapes=shapes)
    overlay = _fit(donor, target.shape[:2], rng)
    return _composite(target, overlay, _inner_alpha(mask, feather)), mask


def _transform_patch(
    patch: np.ndarray, patch_mask: np.ndarray, angle: float, zoom: float
) -> tuple[np.ndarray, np.ndarray]:
    """Scale and rotate a patch and its mask together, trimmed to the mask's bounding box."""
    im = Image.fromarray(patch)
    m = Image.fromarray(patch_mask.astype(np.uint8) * 255)
    if zoom != 1.0:
        size = (max(1, round(im.width * zoom)), max(1, round(im.height * zoom)))
        im = im.resize(size, Image.Resampling.BICUBIC)
        m = m.resize(size, Image.Resampling.NEAREST)
    if angle != 0.0:
        im = im.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        m = m.rotate(angle, resample=Image.Resampling.NEAREST, expand=True)
    pixels, mask = np.asarray(im), np.asarray(m) > 127
    if not mask.any():
        return pixels, mask
    (y0, y1), (x0, x1) = _bbox(mask)
    return pixels[y0:y1, x0:x1], mask[y0:y1, x0:x1]


def _bbox(mask: np.ndarray, pad: int = 0) -> tuple[tuple[int, int], tuple[int, int]]:
    """Half-open ``((y0, y1), (x0, x1))`` around the True pixels, padded within the image."""
    ys, xs = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    h, w = mask.shape
    return (
        (max(0, ys[0] - pad), min(h, ys[-1] + 1 + pad)),
        (max(0, xs[0] - pad), min(w, xs[-1] + 1 + pad)),
    )


def _place(
    taken: np.ndarray, piece: np.ndarray, rng: np.random.Generator, avoid: tuple[int, int]
) -> tuple[int, int]:
    """Top-left corner for ``piece`` that overlaps ``taken`` least (ideally not at all)."""
    h, w = taken.shape
    ph, pw = piece.shape
    ys = rng.integers(0, h - ph + 1, size=64)
    xs = rng.integers(0, w - pw + 1, size=64)
    best, best_overlap = None, None
    for y, x in zip(ys.tolist(), xs.tolist()):
        if abs(y - avoid[0]) + abs(x - avoid[1]) < 4:
            continue  # (almost) where it came from: not a move
        overlap = int((taken[y : y + ph, x : x + pw] & piece).sum())
        if best_overlap is None or overlap < best_overlap:
            best, best_overlap = (y, x), overlap
            if overlap == 0:
                break
    if best is None:
        raise ValueError(f"no room to move a {ph}×{pw} region within a {h}×{w} image")
    return best


def copy_move(
    image: np.ndarray,
    *,
    rng: np.random.Generator,
    area: tuple[float, float] = (0.05, 0.15),
    rotate: bool = False,
    scale: bool = False,
    feather: float = 0.0,
    shapes: Sequence[str] = SHAPES,
    with_source: bool = False,
):
    """Copy a random region of a photo to another place in the same photo.

    Parameters
    ----------
    image : numpy.ndarray
        uint8 H×W×3.
    rng : numpy.random.Generator
        Source of randomness.
    area : (float, float), optional
        Fraction of the image the pasted region covers (default 5–15 %, leaving room to
        move it without overlapping its origin). Exact without rotation or scaling; with
        them, within a few per cent of these bounds (resampling the shape changes its area).
    rotate : bool, optional
        Rotate the copy by 15–60° either way.
    scale : bool, optional
        Scale the copy by 0.75–1.25.
    feather : float, optional
        Soft edge inside the pasted region, as in :func:`splice`.
    shapes : sequence of str, optional
        Shapes of the region to choose from (see :func:`random_shape_mask`).

    Returns
    -------
    forged : numpy.ndarray
        uint8 H×W×3, identical to ``image`` outside ``mask``.
    mask : numpy.ndarray
        bool H×W, where the copy was pasted (the destination, not the origin). The origin
        is left untouched; where the two overlap, the mask wins.
    source : numpy.ndarray
        Only with ``with_source=True``: bool H×W, the region the copy was taken from (outside
        ``mask``). Copy-move benchmarks mark both, since no detector can tell which is which.
    """
    image = _check_pixels(image)
    _check_rng(rng)
    lo, hi = _check_area(area)
    h, w = image.shape[:2]
    zoom = float(rng.uniform(0.75, 1.25)) if scale else 1.0
    angle = float(rng.uniform(15, 60) * rng.choice([-1, 1])) if rotate else 0.0
    src_area = (min(lo / zoom**2, 0.5), min(hi / zoom**2, 0.5))
    for _ in range(_MAX_TRIES):
        origin = random_shape_mask(image.shape, rng=rng, area=src_area, shapes=shapes)
        (y0, y1), (x0, x1) = _bbox(origin, pad=3)
        piece, piece_mask = _transform_patch(image[y0:y1, x0:x1], origin[y0:y1, x0:x1], angle, zoom)
        if piece_mask.any() and piece_mask.shape[0] <= h and piece_mask.shape[1] <= w:
            break
    else:
        raise ValueError(f"could not fit a rotated/scaled region inside a {h}×{w} image")
    (oy, _), (ox, _) = _bbox(origin)
    ty, tx = _place(origin, piece_mask, rng, avoid=(oy, ox))
    ph, pw = piece_mask.shape
    mask = np.zeros((h, w), dtype=bool)
    mask[ty : ty + ph, tx : tx + pw] = piece_mask
    overlay = image.copy()
    overlay[ty : ty + ph, tx : tx + pw][piece_mask] = piece[piece_mask]
    forged = _composite(image, overlay, _inner_alpha(mask, feather))
    if with_source:
        return forged, mask, origin & ~mask
    return forged, mask


def _smoothed(image: np.ndarray, radius: float) -> np.ndarray:
    """Edge-aware blur (bilateral-like): blur strongly where the blur changes little."""
    blurred = np.asarray(
        Image.fromarray(image).filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32
    )
    difference = np.abs(blurred - image).mean(axis=2, keepdims=True)
    weight = np.exp(-((difference / 24.0) ** 2))  # strong edges keep their pixels
    return weight * blurred + (1.0 - weight) * image


def _clone_source(
    image: np.ndarray, mask: np.ndarray, rng: np.random.Generator
) -> np.ndarray | None:
    """The image shifted so the mask reads from a nearby area, or None if it cannot move."""
    h, w = mask.shape
    (y0, y1), (x0, x1) = _bbox(mask)
    dy_range, dx_range = (-y0, h - y1), (-x0, w - x1)
    min_shift = max(4, 0.05 * min(h, w))
    for _ in range(32):
        dy = int(rng.integers(dy_range[0], dy_range[1] + 1))
        dx = int(rng.integers(dx_range[0], dx_range[1] + 1))
        if abs(dy) + abs(dx) >= min_shift:
            break
    else:
        return None
    shifted = image.copy()
    shifted[y0:y1, x0:x1] = image[y0 + dy : y1 + dy, x0 + dx : x1 + dx]
    return shifted


def retouch(
    image: np.ndarray,
    *,
    rng: np.random.Generator,
    kind: str = "smooth",
    area: tuple[float, float] = (0.05, 0.25),
    feather: float = 3.0,
    shapes: Sequence[str] = SHAPES,
) -> tuple[np.ndarray, np.ndarray]:
    """Retouch a soft blob of a photo the way photo apps do.

    Parameters
    ----------
    image : numpy.ndarray
        uint8 H×W×3.
    rng : numpy.random.Generator
        Source of randomness.
    kind : {"smooth", "sharpen", "clone"}, optional
        ``smooth``: edge-aware (bilateral-like) Gaussian blur, as beauty filters do;
        ``sharpen``: unsharp mask; ``clone``: clone stamp, painting the blob with pixels
        from a nearby area of the same photo.
    area : (float, float), optional
        Fraction of the image covered by the blob (default 5–25 %).
    feather : float, optional
        Soft edge inside the blob in pixels (default 3), as in :func:`splice`.
    shapes : sequence of str, optional
        Shapes of the blob to choose from (see :func:`random_shape_mask`).

    Returns
    -------
    forged : numpy.ndarray
        uint8 H×W×3, identical to ``image`` outside ``mask``.
    mask : numpy.ndarray
        bool H×W, the retouched blob. Flat areas (a clear sky) may come out unchanged by
        smoothing or sharpening even inside the blob.
    """
    image = _check_pixels(image)
    _check_rng(rng)
    if kind not in RETOUCH_KINDS:
        raise ValueError(f"kind must be one of {RETOUCH_KINDS}, got {kind!r}")
    size = max(1.0, min(image.shape[:2]) / 256)
    for _ in range(_MAX_TRIES):
        mask = random_shape_mask(image.shape, rng=rng, area=area, shapes=shapes)
        if kind == "smooth":
            overlay = _smoothed(image, float(rng.uniform(1.5, 4.0) * size))
        elif kind == "sharpen":
            unsharp = ImageFilter.UnsharpMask(
                radius=float(rng.uniform(1.5, 3.5) * size),
                percent=int(rng.integers(120, 260)),
                threshold=0,
            )
            overlay = np.asarray(Image.fromarray(image).filter(unsharp))
        else:
            overlay = _clone_source(image, mask, rng)
        if overlay is not None:
            return _composite(image, overlay, _inner_alpha(mask, feather)), mask
    raise ValueError(f"could not find a clone source for a {image.shape[:2]} image")


# --------------------------------------------------------------------------- camera

#: Bayer colour-filter layouts, named by their top-left 2×2 block read row by row.
BAYER_PATTERNS: tuple[str, ...] = ("RGGB", "BGGR", "GRBG", "GBRG")
#: Demosaicing algorithms of OpenCV: bilinear, edge-aware, variable number of gradients.
DEMOSAIC_METHODS: tuple[str, ...] = ("bilinear", "edge-aware", "vng")
_DEMOSAIC_SUFFIX = {"bilinear": "", "edge-aware": "_EA", "vng": "_VNG"}


def bayer_mosaic(image: np.ndarray, *, pattern: str = "RGGB") -> np.ndarray:
    """Sample a photo through a Bayer colour filter: one channel per pixel (uint8 H×W).

    Examples
    --------
    >>> raw = bayer_mosaic(np.full((4, 4, 3), (10, 20, 30), np.uint8), pattern="RGGB")
    >>> raw[:2, :2].tolist()
    [[10, 20], [20, 30]]
    """
    image = check_rgb8(image, name="image")
    if pattern not in BAYER_PATTERNS:
        raise ValueError(f"pattern must be one of {BAYER_PATTERNS}, got {pattern!r}")
    channel = {"R": 0, "G": 1, "B": 2}
    raw = np.empty(image.shape[:2], np.uint8)
    for k, letter in enumerate(pattern):
        dy, dx = divmod(k, 2)
        raw[dy::2, dx::2] = image[dy::2, dx::2, channel[letter]]
    return raw


def camera_like(image: np.ndarray, *, pattern: str = "RGGB", method: str = "bilinear") -> np.ndarray:
    """What a camera would have made of a scene: Bayer mosaic, then OpenCV's demosaicing.

    Every pixel then keeps one measured channel and two interpolated ones, in the periodic
    pattern CFA analysis (:mod:`imgfake.forensics.cfa`) looks for. The measured samples are
    exact: ``camera_like(x)`` equals ``x`` wherever ``pattern`` puts that channel.

    Parameters
    ----------
    image : numpy.ndarray
        uint8 H×W×3, at least 2×2.
    pattern : {"RGGB", "BGGR", "GRBG", "GBRG"}, optional
    method : {"bilinear", "edge-aware", "vng"}, optional

    Returns
    -------
    numpy.ndarray
        uint8 H×W×3.
    """
    import cv2

    raw = bayer_mosaic(image, pattern=pattern)
    if method not in DEMOSAIC_METHODS:
        raise ValueError(f"method must be one of {DEMOSAIC_METHODS}, got {method!r}")
    if min(raw.shape) < 2:
        raise ValueError(f"a Bayer mosaic needs at least 2×2 pixels, got {raw.shape[1]}×{raw.shape[0]}")
    code = getattr(cv2, f"COLOR_Bayer{pattern}2RGB{_DEMOSAIC_SUFFIX[method]}")
    return np.ascontiguousarray(cv2.cvtColor(raw, code))


# --------------------------------------------------------------------------- more edits


def inpaint(image: np.ndarray, *, rng: np.random.Generator, area: tuple[float, float] = (0.02, 0.08),
            shapes: Sequence[str] = SHAPES) -> tuple[np.ndarray, np.ndarray, str]:
    """Remove an object the way editors do: fill a random shape by OpenCV's inpainting.

    Telea's fast marching method or the Navier-Stokes method (chosen at random), radius 3-7 px:
    real software, the "object removal" of many apps.

    Returns
    -------
    forged, mask, method : numpy.ndarray, numpy.ndarray, str
    """
    import cv2

    image = _check_pixels(image)
    _check_rng(rng)
    mask = random_shape_mask(image.shape, rng=rng, area=area, shapes=shapes)
    method = ("telea", "ns")[int(rng.integers(2))]
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    forged = cv2.inpaint(np.ascontiguousarray(image), mask.astype(np.uint8), float(rng.integers(3, 8)), flag)
    forged[~mask] = image[~mask]
    return forged, mask, method


def resample_region(image: np.ndarray, *, rng: np.random.Generator, area: tuple[float, float] = (0.05, 0.2),
                    zoom: tuple[float, float] = (1.15, 1.6), shapes: Sequence[str] = SHAPES
                    ) -> tuple[np.ndarray, np.ndarray, str]:
    """Enlarge (and sometimes rotate) the content of a region in place, as when an object is
    resized to fit: the region's pixels are interpolated, the rest untouched.

    Returns
    -------
    forged, mask, how : numpy.ndarray, numpy.ndarray, str
        ``how`` e.g. ``"x1.32"`` or ``"x1.32+rot12"``.
    """
    import cv2

    image = _check_pixels(image)
    _check_rng(rng)
    mask = random_shape_mask(image.shape, rng=rng, area=area, shapes=shapes)
    factor = float(rng.uniform(*zoom))
    angle = float(rng.uniform(5, 20) * rng.choice([-1, 1])) if rng.random() < 0.3 else 0.0
    ys, xs = np.nonzero(mask)
    centre = (float(xs.mean()), float(ys.mean()))
    matrix = cv2.getRotationMatrix2D(centre, angle, factor)
    warped = cv2.warpAffine(np.ascontiguousarray(image), matrix, (image.shape[1], image.shape[0]),
                            flags=(cv2.INTER_LINEAR, cv2.INTER_CUBIC)[int(rng.integers(2))],
                            borderMode=cv2.BORDER_REFLECT)
    forged = image.copy()
    forged[mask] = warped[mask]
    return forged, mask, f"x{factor:.2f}" + (f"+rot{angle:.0f}" if angle else "")


def local_noise(image: np.ndarray, *, rng: np.random.Generator, area: tuple[float, float] = (0.05, 0.25),
                shapes: Sequence[str] = SHAPES) -> tuple[np.ndarray, np.ndarray, str]:
    """Add Gaussian noise (σ 3-8 grey levels) to a region, or remove it (OpenCV's non-local-means
    denoising): a region whose noise differs from the rest's.

    Returns
    -------
    forged, mask, how : numpy.ndarray, numpy.ndarray, str
        ``how`` is ``"add"`` or ``"remove"``.
    """
    import cv2

    image = _check_pixels(image)
    _check_rng(rng)
    mask = random_shape_mask(image.shape, rng=rng, area=area, shapes=shapes)
    forged = image.copy()
    if rng.random() < 0.5:
        (y0, y1), (x0, x1) = _bbox(mask)
        noise = rng.normal(0.0, float(rng.uniform(3, 8)), (y1 - y0, x1 - x0, 3)).astype(np.float32)
        noisy = np.clip(np.rint(image[y0:y1, x0:x1].astype(np.float32) + noise), 0, 255).astype(np.uint8)
        forged[y0:y1, x0:x1][mask[y0:y1, x0:x1]] = noisy[mask[y0:y1, x0:x1]]
        return forged, mask, "add"
    (y0, y1), (x0, x1) = _bbox(mask, pad=8)
    clean = cv2.fastNlMeansDenoisingColored(np.ascontiguousarray(image[y0:y1, x0:x1]), None,
                                            float(rng.uniform(5, 10)), 10, 7, 21)
    inside = mask[y0:y1, x0:x1]
    forged[y0:y1, x0:x1][inside] = clean[inside]
    return forged, mask, "remove"


# --------------------------------------------------------------------------- JPEG


#: Encode pixels as JPEG bytes in memory (the project's one encoder, :func:`imgfake.io.encode_jpeg`).
jpeg_bytes = encode_jpeg


def jpeg_roundtrip(pixels: np.ndarray, *, quality: int, subsampling: str = "4:2:0") -> np.ndarray:
    """Compress ``pixels`` as JPEG and decode them again, in memory (uint8 H×W×3).

    The same codec path as ELA's re-save (:func:`imgfake.forensics.ela.recompress`).
    """
    return recompress(_check_pixels(pixels, "pixels"), quality=quality, subsampling=subsampling)


# --------------------------------------------------------------------------- pairs


@dataclass(frozen=True)
class ForgeryPair:
    """An authentic JPEG and its forged twin, made from the same pixels.

    Attributes
    ----------
    authentic, forged : bytes
        JPEG files. Both went through the same compression history.
    mask : numpy.ndarray
        bool H×W, where the forged image was edited.
    kind : str
        ``"splice"``, ``"copy-move"`` or ``"retouch"``.
    detail : str
        The options used, e.g. ``"retouch:sharpen"`` or ``"copy-move+rotate"``.
    quality : int
        Quality of the final save.
    first_quality : int or None
        Quality of the earlier save when double-compressed, else None.
    """

    authentic: bytes
    forged: bytes
    mask: np.ndarray
    kind: str
    detail: str
    quality: int
    first_quality: int | None


def apply_edit(
    pixels: np.ndarray,
    *,
    kind: str,
    rng: np.random.Generator,
    donor: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Apply one edit of ``kind`` with randomly chosen options.

    Parameters
    ----------
    pixels : numpy.ndarray
        uint8 H×W×3.
    kind : str
        One of :data:`BENCH_KINDS`. The splices need ``donor``; their compression or camera
        history is :func:`make_pair`'s business, the edit is the same. A copy-move's mask marks
        both the copy and its source.
    rng : numpy.random.Generator
        Chooses the options (feathering, rotation/scaling, retouch kind) and the edit.
    donor : numpy.ndarray, optional
        The photo a splice takes its region from.

    Returns
    -------
    forged, mask : numpy.ndarray
        As returned by the edit function.
    detail : str
        The options chosen, e.g. ``"splice+feather"``, ``"copy-move+rotate+scale"``.
    """
    if kind in _SPLICES:
        if donor is None:
            raise ValueError(f"kind={kind!r} needs a donor image, got donor=None")
        feather = float(rng.choice([0.0, 0.0, 1.5, 3.0]))
        forged, mask = splice(pixels, donor, rng=rng, feather=feather)
        return forged, mask, kind + "+feather" * bool(feather)
    if kind == "copy-move":
        rotate, scale = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
        forged, copy, source = copy_move(pixels, rng=rng, rotate=rotate, scale=scale, with_source=True)
        return forged, copy | source, "copy-move" + "+rotate" * rotate + "+scale" * scale
    if kind == "retouch":
        sub = RETOUCH_KINDS[int(rng.integers(len(RETOUCH_KINDS)))]
        forged, mask = retouch(pixels, rng=rng, kind=sub)
        return forged, mask, f"retouch:{sub}"
    if kind == "inpaint":
        forged, mask, method = inpaint(pixels, rng=rng)
        return forged, mask, f"inpaint:{method}"
    if kind == "resample":
        forged, mask, how = resample_region(pixels, rng=rng)
        return forged, mask, f"resample:{how}"
    if kind == "noise":
        forged, mask, how = local_noise(pixels, rng=rng)
        return forged, mask, f"noise:{how}"
    raise ValueError(f"kind must be one of {BENCH_KINDS}, got {kind!r}")


def make_pair(
    pixels: np.ndarray,
    *,
    kind: str,
    rng: np.random.Generator,
    quality: int,
    first_quality: int | None = None,
    donor: np.ndarray | None = None,
    subsampling: str = "4:2:0",
    grid_offset: tuple[int, int] = (0, 0),
) -> ForgeryPair:
    """Make an authentic JPEG and a forged twin from never-compressed pixels.

    Single compression: authentic = ``pixels`` saved at ``quality``; forged = the edit of
    ``pixels`` saved at ``quality``. Double compression (``first_quality`` given): both are
    first saved at ``first_quality`` and decoded; the forged one is edited after that and
    both are saved again at ``quality``. A spliced region then never went through the first
    compression, the classic case error level analysis can see.

    Parameters
    ----------
    pixels : numpy.ndarray
        uint8 H×W×3, never compressed.
    kind : {"splice", "copy-move", "retouch"}
        The edit (see :func:`apply_edit`).
    rng : numpy.random.Generator
        Source of randomness.
    quality : int
        Quality of the final save.
    first_quality : int, optional
        Quality of the earlier save (double compression); None for a single save.
    donor : numpy.ndarray, optional
        Never-compressed photo for a splice.
    subsampling : str, optional
        Chroma subsampling of every save (see :func:`jpeg_bytes`).
    grid_offset : (int, int), optional
        ``(dy, dx)``: after the earlier save, crop that many rows and columns off the top and
        left, so the earlier 8×8 grid no longer lines up with the last (non-aligned double
        compression). Needs ``first_quality``.

    Kind ``"camera-splice"`` first turns ``pixels`` into what a camera makes
    (:func:`camera_like`, a random Bayer pattern): the pasted region has no demosaicing trace.

    Returns
    -------
    ForgeryPair
    """
    quality = check_quality(quality)
    start = _check_pixels(pixels, "pixels")
    dy, dx = (int(v) for v in grid_offset)
    if not (0 <= dy < 8 and 0 <= dx < 8):
        raise ValueError(f"grid_offset must be two integers in 0..7, got {grid_offset!r}")
    if kind == "camera-splice":
        start = camera_like(start, pattern=BAYER_PATTERNS[int(rng.integers(len(BAYER_PATTERNS)))])
    if first_quality is not None:
        first_quality = check_quality(first_quality, name="first_quality")
        start = jpeg_roundtrip(start, quality=first_quality, subsampling=subsampling)
        start = np.ascontiguousarray(start[dy:, dx:])
    elif (dy, dx) != (0, 0):
        raise ValueError("grid_offset needs first_quality: it shifts the earlier save's grid")
    forged, mask, detail = apply_edit(start, kind=kind, rng=rng, donor=donor)
    if (dy, dx) != (0, 0):
        detail += f"+offset{dy},{dx}"
    return ForgeryPair(
        authentic=jpeg_bytes(start, quality=quality, subsampling=subsampling),
        forged=jpeg_bytes(forged, quality=quality, subsampling=subsampling),
        mask=mask,
        kind=kind,
        detail=detail,
        quality=quality,
        first_quality=first_quality,
    )


def mask_png(mask: np.ndarray) -> bytes:
    """Encode a bool mask as an 8-bit PNG (0 = untouched, 255 = edited)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(mask, dtype=np.uint8) * 255).save(buffer, format="PNG")
    return buffer.getvalue()


def read_mask(path: str | os.PathLike) -> np.ndarray:
    """Read a ground-truth mask file as bool H×W: True where the image was edited.

    The inverse of :func:`mask_png`, for the masks :func:`make_forgery_set` writes, the
    samples' ``*_mask.png`` and any other: a pixel is edited where its grey level (Pillow's
    ``"L"`` conversion) is above 127. Read through :func:`imgfake.io.load_image`, so a file
    that is not an image raises :class:`imgfake.io.ImageLoadError`.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> mask = np.zeros((4, 6), bool); mask[1:3, 2:5] = True
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mask.png"
    >>> _ = path.write_bytes(mask_png(mask))
    >>> bool((read_mask(path) == mask).all())
    True
    """
    grey = Image.fromarray(load_image(path).pixels).convert("L")
    return np.asarray(grey) > 127


# --------------------------------------------------------------------------- sets


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as uint8 H×W×3 RGB through :func:`imgfake.io.load_image`."""
    return load_image(path).pixels


def random_view(
    pixels: np.ndarray,
    *,
    rng: np.random.Generator,
    crop: tuple[float, float] = (0.7, 1.0),
    max_side: int | None = None,
) -> np.ndarray:
    """Cut a random crop of a photo and downscale it so its longer side is ≤ ``max_side``.

    Parameters
    ----------
    pixels : numpy.ndarray
        uint8 H×W×3.
    rng : numpy.random.Generator
        Source of randomness.
    crop : (float, float), optional
        Range of the crop's side as a fraction of the photo's (same for both sides).
    max_side : int, optional
        Longest side of the result in pixels (Lanczos downscale); None keeps the crop size.

    Returns
    -------
    numpy.ndarray
        uint8 h×w×3.
    """
    pixels = _check_pixels(pixels, "pixels")
    if max_side is not None and max_side < 16:
        raise ValueError(f"max_side must be at least 16 pixels or None, got {max_side!r}")
    h, w = pixels.shape[:2]
    side = rng.uniform(*crop)
    ch, cw = max(8, round(h * side)), max(8, round(w * side))
    y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    view = pixels[y0 : y0 + ch, x0 : x0 + cw]
    if max_side is not None and max(ch, cw) > max_side:
        factor = max_side / max(ch, cw)
        size = (max(8, round(cw * factor)), max(8, round(ch * factor)))
        view = np.asarray(Image.fromarray(view).resize(size, Image.Resampling.LANCZOS))
    return np.ascontiguousarray(view)


def source_of(path: str | os.PathLike) -> str:
    """Group key of a file written by :func:`make_forgery_set`: its source photo's name.

    Use as ``build_manifest(out_dir, group_fn=source_of)`` so twins share a split.

    Examples
    --------
    >>> source_of("edited/splice/kodim03_1_splice.jpg")
    'kodim03'
    """
    return Path(path).name.split("_", 1)[0]


def _source_names(sources: Sequence[Path]) -> list[str]:
    """Short unique names without underscores (file names use ``_`` as a separator)."""

    def clean(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-") or "src"

    names = [clean(p.stem) for p in sources]
    if len(set(names)) < len(names):
        names = [clean(f"{p.parent.name}-{p.stem}") for p in sources]
    if len(set(names)) < len(names):
        names = [f"{n}-{j}" for j, n in enumerate(names)]
    return names


def _prepare_out_dir(out_dir: Path, overwrite: bool) -> None:
    """Refuse to mix two sets; with ``overwrite``, remove only what the old manifest lists."""
    if out_dir.exists() and any(out_dir.iterdir()):
        old = out_dir / "manifest.csv"
        if not overwrite:
            raise ValueError(
                f"out_dir {str(out_dir)!r} is not empty; choose a new folder or pass "
                "overwrite=True to replace a set made by make_forgery_set"
            )
        if old.exists():
            with old.open(newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    for key in ("path", "mask"):
                        if row.get(key):
                            (out_dir / row[key]).unlink(missing_ok=True)
            old.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _check_set_args(
    sources: Sequence, n_per_source: int, kinds: Sequence[str],
    quality_range: tuple[int, int], double_compression: float,
) -> None:
    if not sources:
        raise ValueError("sources must list at least one image file, got an empty list")
    if isinstance(n_per_source, bool) or int(n_per_source) != n_per_source or n_per_source < 1:
        raise ValueError(f"n_per_source must be a positive integer, got {n_per_source!r}")
    if not kinds or any(k not in BENCH_KINDS for k in kinds):
        raise ValueError(f"kinds must be drawn from {BENCH_KINDS}, got {tuple(kinds)!r}")
    lo, hi = quality_range
    check_quality(lo, name="quality_range[0]")
    check_quality(hi, name="quality_range[1]")
    if lo > hi:
        raise ValueError(
            f"quality_range must be (low, high) with low <= high, got {quality_range!r}"
        )
    if not 0.0 <= double_compression <= 1.0:
        raise ValueError(
            f"double_compression must be a probability in [0, 1], got {double_compression!r}"
        )


def make_forgery_set(
    sources: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    n_per_source: int = 2,
    kinds: Sequence[str] = EDIT_KINDS,
    quality_range: tuple[int, int] = (70, 95),
    double_compression: float = 0.5,
    seed: int = 0,
    max_side: int | None = None,
    subsampling: str = "4:2:0",
    overwrite: bool = False,
) -> Path:
    """Write a folder of authentic and synthetically forged JPEGs with exact masks.

    For every source photo and ``i`` in ``range(n_per_source)``: a random crop (downscaled
    to ``max_side``) is saved as ``authentic/<src>_<i>.jpg``, and one edit of it, the kind
    taken in turn from ``kinds``, as ``edited/<kind>/<src>_<i>_<kind>.jpg`` with its mask in
    ``masks/<src>_<i>_<kind>.png``. Twins share the final quality and, with probability
    ``double_compression``, an earlier save at another quality before the edit (see
    :func:`make_pair`). Splices take their region from another source photo.

    Parameters
    ----------
    sources : sequence of path-like
        Never-compressed photos (PNG, TIFF, ...), e.g. ``../shared/data/pristine``.
    out_dir : path-like
        Folder to create. Must be empty or absent, unless ``overwrite``.
    n_per_source : int, optional
        Authentic/forged pairs per source photo (default 2).
    kinds : sequence of str, optional
        Edits to cycle through (default :data:`EDIT_KINDS`; :data:`BENCH_KINDS` for the
        methods benchmark). Kinds with a history of their own draw it themselves:
        ``"splice-djpg"`` (earlier save at 50-80, the last 10-25 higher, same grid),
        ``"splice-nadjpg"`` (the same, cropped 1-7 px off the grid in both directions between
        the saves), ``"camera-splice"`` (a camera-like photo, saved once at 96-100 so the
        demosaicing trace survives).
    quality_range : (int, int), optional
        Range of JPEG qualities for each save, drawn uniformly (default 70–95).
    double_compression : float, optional
        Probability that a pair is double-compressed (default 0.5).
    seed : int, optional
        Same sources, arguments and seed -> byte-identical files.
    max_side : int, optional
        Downscale so the longer side is at most this (None keeps the crop's size).
    subsampling : str, optional
        Chroma subsampling of every save (default ``"4:2:0"``).
    overwrite : bool, optional
        Replace a set made earlier in ``out_dir`` (removes only the files its manifest lists).

    Returns
    -------
    pathlib.Path
        ``out_dir``, holding ``authentic/``, ``edited/<kind>/``, ``masks/`` and
        ``manifest.csv`` (columns :data:`MANIFEST_COLUMNS`; ``source`` is the group key).
        :func:`imgfake.learn.datasets.build_manifest` reads it with ``group_fn=source_of``.

    Notes
    -----
    A splice's region comes from another source, so a little of one group's content can
    appear in another group's image; each group still keeps its own photo and its twins.
    """
    _check_set_args(sources, n_per_source, kinds, quality_range, double_compression)
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    paths = [Path(p) for p in sources]
    names = _source_names(paths)
    out = Path(out_dir)
    _prepare_out_dir(out, overwrite)
    rows = []
    for j, path in enumerate(paths):
        photo = read_rgb(path)
        for i in range(n_per_source):
            rng = np.random.default_rng([seed, j, i])
            base = random_view(photo, rng=rng, max_side=max_side)
            kind = kinds[(j * n_per_source + i) % len(kinds)]
            donor, donor_name = None, ""
            if kind in _SPLICES:
                k = _donor_index(len(paths), j, rng)
                donor_photo = photo[::-1, ::-1] if k == j else read_rgb(paths[k])
                donor, donor_name = random_view(donor_photo, rng=rng, max_side=max_side), names[k]
            quality, first, offset = _history(kind, rng, quality_range, double_compression)
            pair = make_pair(base, kind=kind, rng=rng, quality=quality, first_quality=first,
                             donor=donor, subsampling=subsampling, grid_offset=offset)
            rows.extend(_write_pair(out, pair, names[j], i, donor_name, pair.mask.shape))
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return out


def _history(kind: str, rng: np.random.Generator, quality_range: tuple[int, int],
             double_compression: float) -> tuple[int, int | None, tuple[int, int]]:
    """(last quality, earlier quality or None, grid offset) of one pair."""
    if kind in ("splice-djpg", "splice-nadjpg"):
        first = int(rng.integers(50, 81))
        offset = (int(rng.integers(1, 8)), int(rng.integers(1, 8))) if kind == "splice-nadjpg" else (0, 0)
        return min(100, first + int(rng.integers(10, 26))), first, offset
    if kind == "camera-splice":
        return int(rng.integers(96, 101)), None, (0, 0)
    quality = int(rng.integers(quality_range[0], quality_range[1] + 1))
    first = None
    if rng.random() < double_compression:
        first = int(rng.integers(quality_range[0], quality_range[1] + 1))
    return quality, first, (0, 0)


def _donor_index(n: int, j: int, rng: np.random.Generator) -> int:
    """Another source than ``j`` (or ``j`` itself, flipped by the caller, when n == 1)."""
    if n == 1:
        return j
    k = int(rng.integers(n - 1))
    return k + (k >= j)


def _write_pair(
    out: Path, pair: ForgeryPair, source: str, i: int, donor: str, shape: tuple[int, ...]
) -> list[dict]:
    """Write one pair's files and return their manifest rows."""
    stem = f"{source}_{i}"
    forged_stem = f"{stem}_{pair.kind}"
    authentic_path = f"authentic/{stem}.jpg"
    forged_path = f"edited/{pair.kind}/{forged_stem}.jpg"
    mask_path = f"masks/{forged_stem}.png"
    _write(out / authentic_path, pair.authentic)
    _write(out / forged_path, pair.forged)
    _write(out / mask_path, mask_png(pair.mask))
    common = {
        "source": source,
        "quality": pair.quality,
        "double_compressed": int(pair.first_quality is not None),
        "first_quality": "" if pair.first_quality is None else pair.first_quality,
        "width": shape[1],
        "height": shape[0],
    }
    return [
        {"path": authentic_path, "label": 0, "kind": "", "mask": "", "detail": "",
         "donor": "", **common},
        {"path": forged_path, "label": 1, "kind": pair.kind, "mask": mask_path,
         "detail": pair.detail, "donor": donor, **common},
    ]
