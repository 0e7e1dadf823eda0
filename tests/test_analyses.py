import json

import numpy as np
import pytest
from PIL import Image, ImageFilter

from imgfake.analyses import AnalysisResult, available, get, register, run_analysis
from imgfake.io import load_image
from imagefactory import encode, jpeg_roundtrip, textured


def test_registry_lists_the_builtin_analyses():
    assert {"ela", "noise", "jpeg", "metadata"} <= set(available())
    assert get("ela").has_heatmap and not get("jpeg").has_heatmap
    with pytest.raises(ValueError, match="unknown analysis 'nope'.*ela"):
        get("nope")


def test_every_analysis_returns_the_common_result_type():
    img = load_image(encode(textured(64, 80), quality=85))
    for name in available():
        result = run_analysis(name, img)
        assert isinstance(result, AnalysisResult) and result.name == name
        if result.heatmap is not None:
            assert result.heatmap.shape == (64, 80) and result.heatmap.dtype == np.float32
        json.dumps(result.to_dict())


def test_jpeg_analysis_reads_the_quality_and_png_says_not_jpeg():
    assert run_analysis("jpeg", load_image(encode(textured(32, 32), quality=77))).details["quality"] == 77
    png = run_analysis("jpeg", load_image(encode(textured(32, 32), "PNG")))
    assert png.score is None and png.findings[0].code == "not-jpeg"


def test_ela_analysis_highlights_a_pasted_patch():
    original = textured(128, 128, seed=5)
    forged = jpeg_roundtrip(original, 75).copy()
    forged[32:64, 32:64] = original[32:64, 32:64]
    img = load_image(encode(forged, "PNG"))
    heat = run_analysis("ela", img, quality=75).heatmap
    assert heat[32:64, 32:64].mean() > 8 * heat[80:, 80:].mean()


def test_noise_analysis_finds_a_smoothed_region():
    pixels = textured(128, 128, seed=6)
    smoothed = pixels.copy()
    region = Image.fromarray(pixels[32:96, 32:96]).filter(ImageFilter.GaussianBlur(2))
    smoothed[32:96, 32:96] = np.asarray(region)
    heat = run_analysis("noise", load_image(encode(smoothed, "PNG"))).heatmap
    assert heat[48:80, 48:80].mean() < 0.5 * heat[:16, :].mean()


def test_register_rejects_duplicates():
    with pytest.raises(ValueError, match="already registered"):
        register("ela", title="x", description="y")(lambda image: AnalysisResult("ela"))
