"""Block artefact grid (BLK): known answers on images the test makes."""

import numpy as np
import pytest
from PIL import Image

from imgfake.forensics.blocking import bag_profiles, blockiness_deficit, grid_contrasts
from imgfake.forensics.registry import run_analysis
from imgfake.io import load_image
from imagefactory import encode, jpeg_roundtrip, textured

#: The region (pixels) and its cells on the 32-pixel grid: rows and columns 3-7 of 10 × 10.
REGION = (slice(96, 256), slice(96, 256))
TRUTH = np.zeros((10, 10), bool)
TRUTH[3:8, 3:8] = True


def _forgeries(seed: int = 5):
    original = textured(320, 320, seed=seed)
    authentic = jpeg_roundtrip(original, 70)
    never_compressed = authentic.copy()
    never_compressed[REGION] = original[REGION]
    moved = jpeg_roundtrip(np.roll(original, (3, 5), axis=(0, 1)), 70)
    shifted = np.roll(moved, (-3, -5), axis=(0, 1))
    off_grid = authentic.copy()
    off_grid[REGION] = shifted[REGION]  # the same content, compressed on a grid shifted by (3, 5)
    return original, authentic, never_compressed, off_grid


def _png(pixels, name):
    return load_image(encode(pixels, "PNG"), name=name)  # lossless: keeps the artefacts


def _f1(called: np.ndarray) -> float:
    return 2 * int((called & TRUTH).sum()) / max(1, int(called.sum()) + int(TRUTH.sum()))


def test_a_jpeg_shows_its_grid_on_the_block_borders():
    _, authentic, _, _ = _forgeries()
    columns, rows, activity = bag_profiles(authentic)
    assert columns.shape == rows.shape == (10, 10, 8) and activity.shape == (10, 10)
    typical = np.median(columns.reshape(-1, 8), axis=0)
    assert set(np.argsort(typical)[-2:]) == {7, 0}  # either side of the border between 7 and 8
    assert np.argmax(np.median(grid_contrasts(rows).reshape(-1, 8), axis=0)) == 0
    found = blockiness_deficit(authentic)
    assert found["visible"] and found["origin"] == (0, 0) and found["blockiness"] > 2


def test_a_never_compressed_region_lacks_the_grid_and_the_authentic_twin_does_not():
    _, authentic, forged, _ = _forgeries()
    result = run_analysis("blk", _png(forged, "forged.png"))
    heat = result.heatmap
    assert result.cell == 32 and heat.shape == (10, 10) and np.isfinite(heat).all()
    assert heat[TRUTH].mean() > 0.55 and heat[~TRUTH].mean() < 0.05  # measured 0.64 and -0.07
    assert heat[4:7, 4:7].min() > 0.7  # the region's core lacks most of the photo's blocking
    assert _f1(heat > 0.5) >= 0.75 and result.score > 0.08
    assert [f.code for f in result.findings] == ["blk-mismatch"]
    assert result.findings[0].severity == "warning"
    twin = run_analysis("blk", _png(authentic, "authentic.png"))
    assert twin.score == 0.0 and not twin.findings and np.nanmax(twin.heatmap) < 0.5


def test_a_region_compressed_on_a_shifted_grid_stands_out_more():
    _, _, _, forged = _forgeries()
    result = run_analysis("blk", _png(forged, "shifted.png"))
    heat = result.heatmap
    assert result.details["grid_origin"] == {"x": 0, "y": 0}  # the photo's grid, not the region's
    assert heat[TRUTH].mean() > 0.9 and heat[4:7, 4:7].min() > 1.0  # blocking between the borders
    assert _f1(heat > 0.5) >= 0.85 and _f1(result.mask) >= 0.8 and result.score > 0.15


@pytest.mark.parametrize("seed", [7, 11])
def test_other_photos_of_the_same_kind(seed):
    _, authentic, forged, shifted = _forgeries(seed)
    for pixels, least in ((forged, 0.55), (shifted, 0.9)):
        heat = run_analysis("blk", _png(pixels, "forged.png")).heatmap
        assert heat[TRUTH].mean() > least and heat[~TRUTH].mean() < 0.1
    assert run_analysis("blk", _png(authentic, "authentic.png")).score == 0.0


def test_no_grid_no_score_never_compressed_resized_or_saved_at_100():
    original, authentic, _, _ = _forgeries()
    resized = np.asarray(Image.fromarray(authentic).resize((240, 240), Image.Resampling.BICUBIC))
    for pixels in (original, resized, jpeg_roundtrip(original, 100)):
        result = run_analysis("blk", _png(pixels, "plain.png"))
        assert result.score is None and np.isnan(result.heatmap).all()
        assert [f.code for f in result.findings] == ["blk-no-grid"]


def test_a_cropped_jpeg_is_read_on_its_own_grid_and_not_accused():
    _, authentic, _, _ = _forgeries()
    result = run_analysis("blk", _png(np.ascontiguousarray(authentic[5:, 3:]), "cropped.png"))
    assert result.details["grid_origin"] == {"x": 5, "y": 3} and result.score == 0.0


def test_the_jpeg_file_itself_and_flat_areas():
    _, authentic, _, _ = _forgeries()
    photo = authentic.copy()
    photo[:, :96] = 90  # flat band: no blocking to read, not analysed
    result = run_analysis("blk", load_image(encode(photo, quality=95), name="photo.jpg"))
    assert np.isnan(result.heatmap[:, :3]).all()
    assert result.score is not None and result.score < 0.05
    flat = run_analysis("blk", _png(np.full((128, 128, 3), 30, np.uint8), "flat.png"))
    assert flat.score is None and flat.findings[0].code == "blk-no-grid"


@pytest.mark.parametrize("shape", [(1, 1), (1, 300), (3000, 3), (40, 500), (63, 65)])
def test_slivers_and_tiny_images_give_nan_maps_and_no_score(shape):
    pixels = np.random.default_rng(2).integers(0, 256, (*shape, 3), dtype=np.uint8)
    result = run_analysis("blk", _png(pixels, "sliver.png"))
    assert result.heatmap.shape == (-(-shape[0] // 32), -(-shape[1] // 32)) and result.score is None


def test_block_must_be_a_multiple_of_8():
    with pytest.raises(ValueError, match="multiple of 8 of at least 16.*got 12"):
        bag_profiles(np.zeros((64, 64, 3), np.uint8), block=12)
    assert blockiness_deficit(textured(128, 128), block=16)["deficit"].shape == (8, 8)
