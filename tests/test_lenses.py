"""Lenses: known answers of each view on images the test makes."""

import numpy as np
from PIL import Image, ImageFilter

from imgfake.forensics.lenses import gradient_view, highpass_view, median_view, pca_view
from imgfake.forensics.registry import available, run_analysis
from imgfake.io import load_image
from imagefactory import encode, textured


def test_lenses_are_registered_as_views_without_a_score():
    lenses = available(family="lens")
    assert set(lenses) == {"gradient", "highpass", "median", "pca"}
    image = load_image(encode(textured(48, 64), "PNG"))
    for name in lenses:
        result = run_analysis(name, image)
        assert result.score is None and result.cell == 4 and result.heatmap.shape == (12, 16)


def test_gradient_and_highpass_see_an_edge_and_not_a_flat_area():
    pixels = np.zeros((32, 32, 3), np.uint8)
    pixels[:, 16:] = 200
    assert gradient_view(pixels)[:, 15:17].mean() > 50 and gradient_view(pixels)[:, :8].max() == 0
    assert highpass_view(pixels)[:, 15:17].mean() > 100 and highpass_view(pixels)[:, :8].max() == 0


def test_median_noise_is_lower_where_an_area_was_smoothed():
    pixels = textured(96, 96, seed=4)
    smoothed = pixels.copy()
    smoothed[32:64, 32:64] = np.asarray(Image.fromarray(pixels[32:64, 32:64]).filter(ImageFilter.GaussianBlur(2)))
    view = median_view(smoothed)
    assert view[36:60, 36:60].mean() < 0.5 * view[:24].mean()


def test_pca_reveals_a_colour_shift_invisible_in_brightness():
    rng = np.random.default_rng(0)
    grey = rng.normal(128, 30, (64, 64)).clip(0, 255)
    pixels = np.repeat(grey[..., None], 3, axis=2)
    pixels[16:48, 16:48, 0] += 6  # a slightly redder square, same texture
    pixels[16:48, 16:48, 2] -= 6
    view = pca_view(np.clip(pixels, 0, 255).astype(np.uint8))
    assert view[20:44, 20:44].mean() > 2 * view[:12].mean()
