"""Dense copy-move (Zernike blocks + PatchMatch): the pure parts, known answers on copies the test
makes (a low-texture region of a lossless photo, as PNG and as JPEG q90; a smooth synthetic photo)
and silence on their authentic twins."""

import numpy as np
import pytest
from PIL import Image

from imgfake.forensics.densecopy import fit_error, patch_match, zernike_features
from imgfake.forensics.registry import run_analysis
from imgfake.io import load_image
from imgfake.resources import samples_dir
from imagefactory import encode

pytest.importorskip("cv2")


def _f1(result, truth: np.ndarray) -> float:
    marked = result.on_grid(1, height=truth.shape[0], width=truth.shape[1]) >= 0.5
    hit = (marked & truth).sum()
    return 0.0 if hit == 0 else float(2 * hit / (marked.sum() + truth.sum()))


def _copy(pixels: np.ndarray, source: tuple[int, int], target: tuple[int, int], side: int):
    """`pixels` with the side × side square at `source` (row, column) copied to `target`, and
    the truth: both squares."""
    (y0, x0), (y1, x1) = source, target
    forged = pixels.copy()
    forged[y1:y1 + side, x1:x1 + side] = pixels[y0:y0 + side, x0:x0 + side]
    truth = np.zeros(pixels.shape[:2], bool)
    truth[y0:y0 + side, x0:x0 + side] = truth[y1:y1 + side, x1:x1 + side] = True
    return forged, truth


def _smooth_photo(h: int = 320, w: int = 448, *, seed: int = 0) -> np.ndarray:
    """A low-texture photo: soft gradients and blobs under faint grain (σ ≈ 2 grey levels)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 90 + 60 * (x / w) + 40 * np.sin(y / 37.0) * np.cos(x / 53.0)
    rgb = np.stack([base + 20, base, base - 25], axis=2) + rng.normal(0, 2.0, (h, w, 1))
    return np.clip(rgb, 0, 255).astype(np.uint8)


def _run(pixels: np.ndarray, fmt: str = "PNG", **save):
    return run_analysis("copymove-dense", load_image(encode(pixels, fmt, **save), name=f"x.{fmt.lower()}"))


# --- the pure parts ------------------------------------------------------------------------------


def test_zernike_features_do_not_change_when_a_block_is_turned():
    block = np.random.default_rng(1).normal(128, 30, (16, 16)).astype(np.float32)
    plain, turned = zernike_features(block), zernike_features(np.rot90(block).copy())
    assert plain.shape == (1, 1, 12)
    np.testing.assert_allclose(plain, turned, rtol=1e-4, atol=1e-3)
    assert zernike_features(np.zeros((10, 40), np.float32)).shape == (0, 25, 12), "no block fits"


def test_patch_match_finds_the_shift_of_a_copy_and_fit_error_sees_it_is_one_shift():
    grey = np.random.default_rng(2).normal(128, 20, (96, 160)).astype(np.float32)
    grey[20:60, 100:140] = grey[30:70, 10:50]  # moved by (-10, +90), odd and off the grid
    dy, dx, cost = patch_match(zernike_features(grey), stride=2, min_offset=16)
    # blocks whose top-left corner (feature index = 2 × grid index) lies in 20..44 × 100..124
    inside = (slice(10, 23), slice(50, 63))
    assert (dy[inside] == 10).mean() > 0.9 and (dx[inside] == -90).mean() > 0.9
    assert cost[inside].max() < 1e-3
    error = fit_error(dy.astype(np.float64), dx.astype(np.float64), radius=3)
    assert error[13:20, 53:60].max() < 1e-6 and np.median(error) > 100, "one shift there, chaos elsewhere"


# --- known answers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smooth_copy():
    photo = _smooth_photo()
    forged, truth = _copy(photo, (200, 40), (60, 300), 64)
    return photo, forged, truth


def test_a_low_texture_copy_in_a_smooth_photo_is_found_and_both_places_marked(smooth_copy):
    photo, forged, truth = smooth_copy
    result = _run(forged)
    assert result.details["clones"] and result.score > 0.4
    assert _f1(result, truth) > 0.8  # measured 0.92
    (clone,) = result.details["clones"]
    assert sorted(map(abs, clone["offset_px"])) == [140, 260]
    assert any(f.code == "dense-copy-move" for f in result.findings)
    assert 0 < len(result.details["pairs"]) <= 200 and len(result.details["pairs"][0]) == 4


def test_the_smooth_photo_itself_shows_no_clone(smooth_copy):
    photo, _, _ = smooth_copy
    result = _run(photo)
    assert result.score == 0 and not result.details["clones"] and result.heatmap.max() == 0


@pytest.mark.shared_data
def test_a_low_texture_copy_in_a_lossless_photo_is_found_as_png_and_jpeg(shared_data):
    # Kodak 10 (512 × 768, never compressed): a 64-px square of smooth, low-texture sail cloth
    # (grey levels vary by ~3, fine grain ~2), copied 290 px away
    photo = np.asarray(Image.open(shared_data / "pristine" / "kodak" / "10.png").convert("RGB"))
    forged, truth = _copy(photo, (256, 64), (420, 300), 64)
    for fmt, save, bound in (("PNG", {}, 0.8), ("JPEG", {"quality": 90}, 0.8)):  # measured 0.93, 0.91
        result = _run(forged, fmt, **save)
        assert result.details["clones"], fmt
        assert _f1(result, truth) > bound, fmt
    for fmt, save in (("PNG", {}), ("JPEG", {"quality": 90})):
        authentic = _run(photo, fmt, **save)
        assert not authentic.details["clones"] and authentic.score == 0, fmt


@pytest.mark.parametrize("name", ["kodim03_authentic.jpg", "kodim07_authentic.jpg", "kodim21_authentic.jpg"])
def test_authentic_samples_show_no_clone(name):
    result = run_analysis("copymove-dense", load_image(samples_dir() / name))
    assert result.score == 0 and not result.details["clones"] and result.heatmap.max() == 0


def test_the_shipped_copy_move_sample_is_found():
    folder = samples_dir()
    pasted = np.asarray(Image.open(folder / "kodim07_copy-move_mask.png")) > 0
    result = run_analysis("copymove-dense", load_image(folder / "kodim07_copy-move.jpg"))
    assert result.details["clones"] and result.score > 0.3
    marked = result.on_grid(1) >= 0.5
    assert (marked & pasted).sum() > 0.6 * pasted.sum(), "the pasted copy is marked"


# --- nothing to analyse --------------------------------------------------------------------------


def test_a_sliver_and_a_flat_image_say_why_nothing_was_analysed():
    sliver = _run(np.full((12, 400, 3), 100, np.uint8))
    assert sliver.score is None and np.isnan(sliver.heatmap).all()
    assert sliver.findings[0].code == "too-small"
    flat = _run(np.full((200, 300, 3), 128, np.uint8))
    assert flat.score is None and flat.findings[0].code == "flat"
    assert flat.heatmap.shape == (25, 38)
