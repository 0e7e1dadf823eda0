"""Wavelet noise level (NOI1): known answers on images the test makes."""

import numpy as np
import pytest
from PIL import Image, ImageFilter

from imgfake.forensics.registry import run_analysis
from imgfake.forensics.wavelet import WARN_SHARE, hh1, noise_outliers, uninformative_cells, wavelet_sigma
from imgfake.io import load_image
from imagefactory import encode, jpeg_roundtrip

#: White noise of σ per RGB channel has σ·|(0.299, 0.587, 0.114)| in the luminance.
LUMA_GAIN = float(np.linalg.norm([0.299, 0.587, 0.114]))
#: The region (pixels) and its cells on the 32-pixel grid: rows 2-4, columns 3-6 of 8 × 8.
REGION = (slice(64, 160), slice(96, 224))
TRUTH = np.zeros((8, 8), bool)
TRUTH[2:5, 3:7] = True


def _scene(h: int = 256, w: int = 256) -> np.ndarray:
    """A smooth photo-like scene without noise of its own (float RGB): gradients, soft stripes
    and a disc with a sharp edge."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x / w * 150 + 50, y / h * 140 + 60, (x + y) / (h + w) * 100 + 80], axis=2)
    stripes = 30 * np.sin(x / 9.0)[..., None] * np.cos(y / 13.0)[..., None]
    inside = (x - 0.3 * w) ** 2 + (y - 0.6 * h) ** 2 < (0.15 * h) ** 2
    disc = inside[..., None] * np.float32([40, -30, 20])
    return base + stripes + disc


def _with_noise(scene: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    noisy = scene + np.random.default_rng(seed).normal(0, sigma, scene.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def _noisier_region():
    scene = _scene()
    authentic = _with_noise(scene, 2, seed=1)
    forged = authentic.copy()
    forged[REGION] = _with_noise(scene, 8, seed=2)[REGION]
    return authentic, forged


def _smoothed_region():
    photo = _with_noise(_scene(), 4, seed=3)
    blurred = np.asarray(Image.fromarray(photo).filter(ImageFilter.GaussianBlur(1.5)))
    forged = photo.copy()
    forged[REGION] = blurred[REGION]
    return photo, forged


def _f1(called: np.ndarray, truth: np.ndarray = TRUTH) -> float:
    hits = int((called & truth).sum())
    return 2 * hits / max(1, int(called.sum()) + int(truth.sum()))


def _png(pixels, name):
    return load_image(encode(pixels, "PNG"), name=name)


def test_hh1_is_on_the_pixel_grid_and_keeps_white_noise_sigma():
    rng = np.random.default_rng(0)
    assert hh1(rng.normal(0, 10, (200, 300))).std() == pytest.approx(10, rel=0.03)  # orthonormal
    assert hh1(np.zeros((37, 53))).shape == (19, 27)
    impulse = np.zeros((64, 64), np.float32)
    impulse[40, 20] = 100  # pixel (40, 20) is coefficient (20, 10)
    energy = hh1(impulse) ** 2
    rows, cols = np.indices(energy.shape)
    centre = (rows * energy).sum() / energy.sum(), (cols * energy).sum() / energy.sum()
    assert abs(centre[0] - 20) < 1 and abs(centre[1] - 10) < 1


def test_the_sigma_map_measures_the_noise_of_each_region():
    authentic, forged = _noisier_region()
    sigma = wavelet_sigma(forged)
    assert sigma.shape == (8, 8) and sigma.dtype == np.float32
    # 2 and 8 grey levels per channel are 1.34 and 5.35 in the luminance
    assert np.median(sigma[~TRUTH]) == pytest.approx(2 * LUMA_GAIN, rel=0.1)
    assert np.median(sigma[TRUTH]) == pytest.approx(8 * LUMA_GAIN, rel=0.1)
    assert np.median(wavelet_sigma(authentic)) == pytest.approx(2 * LUMA_GAIN, rel=0.1)


def test_a_region_pasted_from_a_noisier_photo_is_found_and_its_twin_is_not_accused():
    authentic, forged = _noisier_region()
    result = run_analysis("wavelet-noise", _png(forged, "forged.png"))
    heat = result.heatmap
    assert heat[TRUTH].mean() > 3 * heat[~TRUTH].mean()
    assert _f1(result.mask) >= 0.9 and _f1(heat > 2 * np.median(heat)) >= 0.9
    assert result.details["noisier_areas"] == 1 and result.details["cleaner_areas"] == 0
    assert result.score == pytest.approx(TRUTH.mean(), abs=0.05)
    assert [f.code for f in result.findings] == ["noise-level-differs"]
    # a notice at this size: 5 % of authentic BSDS photos reach 0.2 (WARN_SHARE's comment)
    assert result.findings[0].severity == ("warning" if result.score >= WARN_SHARE else "notice")
    twin = run_analysis("wavelet-noise", _png(authentic, "authentic.png"))
    assert twin.score == 0.0 and [f.code for f in twin.findings] == ["noise-uniform"]


def test_a_smoothed_region_reads_as_cleaner():
    authentic, forged = _smoothed_region()
    result = run_analysis("wavelet-noise", _png(forged, "smoothed.png"))
    heat = result.heatmap
    assert heat[TRUTH].mean() < 0.25 * heat[~TRUTH].mean()  # measured 0.2 vs 2.7
    assert _f1(result.mask) >= 0.9 and _f1(result.suspicion() > 0.5 * np.median(heat)) >= 0.9
    assert result.details["cleaner_areas"] == 1 and result.details["noisier_areas"] == 0
    assert run_analysis("wavelet-noise", _png(authentic, "authentic.png")).score == 0.0


def test_jpeg_90_weakens_the_noise_but_both_regions_are_still_found():
    """JPEG removes weak noise: at quality 90, σ = 2 per channel drops from 1.34 to 0.35 in the
    luminance while σ = 8 keeps 4.4, and the smoothed region's contrast falls from 0.3 / 2.7 to
    0.3 / 0.66 (still found: the map's spread falls too). At quality 80 the photo keeps 0.4 and
    the smoothed region is lost; the noisier one is found down to quality 70."""
    _, noisier = _noisier_region()
    heat = wavelet_sigma(jpeg_roundtrip(noisier, 90))
    assert np.median(heat[~TRUTH]) < 0.5 and heat[TRUTH].mean() > 8 * heat[~TRUTH].mean()
    found = run_analysis("wavelet-noise", _png(jpeg_roundtrip(noisier, 90), "n90.png"))
    assert _f1(found.mask) >= 0.9
    _, smoothed = _smoothed_region()
    q90 = run_analysis("wavelet-noise", _png(jpeg_roundtrip(smoothed, 90), "s90.png"))
    assert q90.heatmap[TRUTH].mean() < 0.6 * q90.heatmap[~TRUTH].mean() and _f1(q90.mask) >= 0.9
    q80 = run_analysis("wavelet-noise", _png(jpeg_roundtrip(smoothed, 80), "s80.png"))
    assert not q80.mask.any()


def test_flat_and_clipped_cells_are_not_analysed():
    photo = _with_noise(_scene(), 3, seed=4)
    photo[:, :128] = 128  # flat left half
    photo[200:, 128:] = 255  # clipped corner
    sigma = wavelet_sigma(photo)
    assert np.isnan(sigma[:, :4]).all() and np.isnan(sigma[7, 4:]).all()
    assert np.isfinite(sigma[:6, 4:]).all()
    grey = np.asarray(Image.fromarray(photo).convert("L"))
    assert uninformative_cells(grey, 32)[:, :4].all()
    flat = run_analysis("wavelet-noise", _png(np.full((96, 96, 3), 200, np.uint8), "flat.png"))
    assert flat.score is None and np.isnan(flat.heatmap).all()
    assert [f.code for f in flat.findings] == ["noise-not-analysed"]


@pytest.mark.parametrize("shape", [(1, 1), (1, 300), (3000, 3), (17, 40), (63, 65)])
def test_slivers_and_tiny_images_give_nan_maps_and_no_score(shape):
    pixels = np.random.default_rng(5).integers(0, 256, (*shape, 3), dtype=np.uint8)
    result = run_analysis("wavelet-noise", _png(pixels, "sliver.png"))
    assert result.heatmap.shape == (-(-shape[0] // 32), -(-shape[1] // 32)) and result.score is None


def test_the_homogeneity_test_ignores_a_lone_cell_and_sampling_scatter():
    sigma = np.full((6, 6), 2.0, np.float32)
    sigma[0, 0] = 9.0  # one cell: texture, not an area
    test = noise_outliers(sigma, coefficients=256)
    assert not test["high"].any() and test["spread"] == pytest.approx(1.166 / 16)
    sigma[0, 1] = 9.0
    assert noise_outliers(sigma, coefficients=256)["areas_high"] == 1
    sigma[3:, 3:] = 2.6  # 1.3 times: under the smallest difference reported
    assert not noise_outliers(sigma, coefficients=256)["low"].any()


def test_block_must_be_even():
    with pytest.raises(ValueError, match="block must be an even integer >= 4.*got 15"):
        wavelet_sigma(np.zeros((64, 64, 3), np.uint8), block=15)
    with pytest.raises(ValueError, match="pixels must be uint8"):
        wavelet_sigma(np.zeros((64, 64)), block=32)
