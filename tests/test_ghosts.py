"""JPEG ghosts: known answers from images the test makes."""

import numpy as np

from imgfake.forensics.ghosts import GHOST_QUALITIES, ghost_curves, ghost_map, textured_cells
from imgfake.forensics.registry import run_analysis
from imgfake.io import load_image
from imagefactory import encode, jpeg_roundtrip, textured


def _splice(first_quality: int, final_quality: int):
    original = textured(256, 256, seed=11)
    composite = original.copy()
    composite[64:160, 96:192] = jpeg_roundtrip(original, first_quality)[64:160, 96:192]
    return original, load_image(encode(composite, quality=final_quality), name="spliced.jpg")


def test_a_region_once_saved_at_a_lower_quality_leaves_a_ghost_there():
    original, spliced = _splice(60, 90)
    result = run_analysis("ghost", spliced)
    heat = result.heatmap  # 16-px cells: the region is rows 4-9, columns 6-11
    inside = np.nanmean(heat[4:10, 6:12])
    outside = np.nanmean(np.concatenate([heat[:3].ravel(), heat[12:].ravel()]))
    assert inside > 10 * outside, (inside, outside)
    assert result.details["ghost_quality"] == 60
    authentic = run_analysis("ghost", load_image(encode(original, quality=90), name="authentic.jpg"))
    assert result.score > 3 * authentic.score


def test_no_ghost_when_the_earlier_quality_was_higher():
    """Farid's ghost needs q1 < q2: a region saved at 95 inside a photo saved at 70 hides."""
    _, spliced = _splice(95, 70)
    heat = run_analysis("ghost", spliced).heatmap
    inside = np.nanmean(heat[4:10, 6:12])
    outside = np.nanmean(np.concatenate([heat[:3].ravel(), heat[12:].ravel()]))
    assert inside < 3 * outside + 0.05


def test_flat_cells_are_not_analysed():
    flat = np.full((64, 64, 3), 120, np.uint8)
    flat[:, 32:] = textured(64, 32, seed=2)
    curves = ghost_curves(flat, cell=16)
    strength, _, _ = ghost_map(curves, GHOST_QUALITIES, below=100, textured=textured_cells(flat, 16))
    assert np.isnan(strength[:, :2]).all() and np.isfinite(strength[:, 2:]).all()
