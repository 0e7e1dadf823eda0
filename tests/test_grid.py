"""JPEG grid alignment (ZERO): known answers on images the test makes."""

import numpy as np

from imgfake.forensics.grid import grid_votes, zeros_by_origin
from imgfake.forensics.registry import run_analysis
from imgfake.io import load_image
from imagefactory import encode, jpeg_roundtrip, textured


def _shifted_paste():
    original = textured(256, 256, seed=5)
    base = jpeg_roundtrip(original, 75)
    shifted = np.roll(jpeg_roundtrip(np.roll(original, (3, 5), axis=(0, 1)), 75), (-3, -5), axis=(0, 1))
    forged = base.copy()
    forged[64:192, 64:192] = shifted[64:192, 64:192]
    return original, base, forged


def test_a_region_pasted_with_a_shifted_grid_is_found_and_its_grid_recovered():
    _, _, forged = _shifted_paste()
    zeros = zeros_by_origin(forged)
    strength, origin, best, _ = grid_votes(zeros)
    assert origin == 0 and (best[2:6, 2:6] == 5 * 8 + 3).all()
    result = run_analysis("grid", load_image(encode(forged, "PNG"), name="forged.png"))
    assert np.nanmin(result.heatmap[2:6, 2:6]) > 0.3 and np.nanmax(result.heatmap[0]) < 0.1
    assert any(f.code == "grid-mismatch" for f in result.findings) and result.score > 0.2


def test_an_authentic_jpeg_and_a_cropped_one():
    _, base, _ = _shifted_paste()
    result = run_analysis("grid", load_image(encode(base, "PNG"), name="authentic.png"))
    assert result.score == 0.0 and not result.findings
    cropped = run_analysis("grid", load_image(encode(np.ascontiguousarray(base[3:, 5:]), "PNG"), name="crop.png"))
    assert cropped.details["grid_origin"] == {"x": 3, "y": 5}
    assert any(f.code == "grid-shifted" for f in cropped.findings)


def test_a_never_compressed_photo_shows_no_grid():
    original, _, _ = _shifted_paste()
    result = run_analysis("grid", load_image(encode(original, "PNG"), name="raw.png"))
    assert result.score is None and result.findings[0].code == "grid-not-visible"
