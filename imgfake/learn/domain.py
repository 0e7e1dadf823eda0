"""What a model learnt from, and the cautions when an image is unlike it.

:func:`image_profile` is what the detector needs to know about an image besides its pixels
(JPEG table signature and quality, size, whether it is nearly uniform); the training profile
(:func:`read_training_profile`, from a bundle's ``split.json``) is the same facts about the
images stage 1 learnt from. :func:`shape_reasons` words the cautions; the lattice network's
evidence counts only on table sets it learnt from (:func:`familiar`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..forensics.jpeg import table_signature
from ..io import LoadedImage
from .datasets import SPLIT_FILE, read_splits
from .fusion import quality_of

__all__ = ["image_profile", "read_training_profile", "shape_reasons", "familiar", "quality_words",
           "MIN_TABLE_SHARE", "SPLIT_FILE"]



def quality_words(signature: str) -> str:
    """'q94~9d8bab' -> '≈94'; 'q90=ab12cd' -> '90' (standard tables)."""
    import re

    found = re.match(r"q(\d+)([=~])", signature)
    return signature if not found else ("≈" if found.group(2) == "~" else "") + found.group(1)


#: A table set counts as familiar when this share of the training images (at least 2) used it,
#: among both classes.
MIN_TABLE_SHARE = 0.01


def familiar(counts: tuple[int, int], n: int) -> bool:
    real, edited = counts
    return real > 0 and edited > 0 and real + edited >= max(2, MIN_TABLE_SHARE * n)


def image_profile(image) -> dict:
    """What :meth:`Detector.domain_note` and :func:`imgfake.learn.fusion.decide` need to know
    about an image: its JPEG table signature (None for a non-JPEG) and quality, its size and
    whether it is nearly uniform."""
    pixels = image.pixels if isinstance(image, LoadedImage) else np.asarray(image)
    jpeg = getattr(image, "jpeg", None)
    h, w = pixels.shape[:2]
    step = max(1, int(np.sqrt(h * w / 250_000)))
    luma = pixels[::step, ::step, 1]
    return {"tables": table_signature(jpeg.quantization) if jpeg is not None else None,
            "jpeg": jpeg is not None, "quality": quality_of(image),
            "width": int(w), "height": int(h), "flat": bool(float(luma.std()) < 2.0)}


def shape_reasons(profile: dict, known: dict, crop: int) -> list[str]:
    if "width" not in profile:
        return []
    w, h = profile["width"], profile["height"]
    reasons = []
    if profile.get("flat"):
        reasons.append("The image is nearly uniform: there is no texture for the model to read, so its "
                       "score means nothing here.")
    if known.get("min_side") and min(w, h) < 0.5 * known["min_side"]:
        reasons.append(f"The image is only {w}×{h} pixels, far smaller than the images the model learnt "
                       f"from (at least {known['min_side']} pixels a side): its score is unreliable.")
    aspect = max(w, h) / max(1, min(w, h))
    if known.get("max_aspect") and aspect > 1.5 * known["max_aspect"]:
        shape = "wider than it is tall" if w > h else "taller than it is wide"
        reasons.append(f"The image is {aspect:.1f} times {shape}; the model learnt from images of at "
                       f"most {known['max_aspect']:.1f}:1, so its score is unreliable.")
    covered = min(crop, w) * min(crop, h) / (w * h)
    if covered < 0.25:
        reasons.append(f"The model reads one central {crop}×{crop} crop, {covered:.0%} of this image: "
                       "edits elsewhere are invisible to it.")
    return reasons


def read_training_profile(path: Path | None, config: dict) -> dict | None:
    split_file = Path(path) / SPLIT_FILE if path is not None else None
    if split_file is None or not split_file.is_file():
        return None
    trained_on = set((config.get("stage1") or {}).get("trained_on") or [])
    entries = [e for name, split in read_splits(split_file).items() if not trained_on or name in trained_on
               for e in split.train]
    tables: dict[str, list[int]] = {}
    for e in entries:
        if e.jpeg_tables is not None:
            tables.setdefault(e.jpeg_tables, [0, 0])[1 if e.label else 0] += 1
    if not tables:
        return None
    sides = [(int(e.width), int(e.height)) for e in entries if e.width and e.height]
    return {
        "n": len(entries),
        "tables": {t: tuple(c) for t, c in tables.items()},
        "min_side": min((min(s) for s in sides), default=None),  # None: sizes not recorded
        "max_aspect": max((max(s) / max(1, min(s)) for s in sides), default=None),
    }
