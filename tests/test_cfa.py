"""CFA (demosaicing) traces: known answers on camera-like images the test makes."""

import numpy as np
import pytest
from PIL import Image, ImageFilter

import imgfake.forensics.cfa as cfa
from imgfake.forensics.cfa import (BAYER_LAYOUTS, cfa_map, choose_predictor, fit_mixture,
                                   green_log_variances)
from imgfake.forensics.registry import run_analysis
from imgfake.io import load_image
from imgfake.learn.synth import camera_like
from imagefactory import encode, textured

#: The edited region: rows 64..191, columns 80..207 (8 × 8 whole 16-px cells).
REGION = (slice(64, 192), slice(80, 208))


def _scene(h: int = 256, w: int = 256, *, seed: int = 0) -> np.ndarray:
    """A photo-like scene that never went through a mosaic: softened texture, a little noise."""
    soft = Image.fromarray(textured(h, w, seed=seed)).filter(ImageFilter.GaussianBlur(1.0))
    noise = np.random.default_rng(seed).normal(0, 3, (h, w, 3))
    return np.clip(np.asarray(soft, np.float32) + noise, 0, 255).astype(np.uint8)


def _run(pixels: np.ndarray, **params):
    return run_analysis("cfa", load_image(encode(pixels, "PNG"), name="camera.png"), **params)


def _cells(shape) -> tuple[np.ndarray, np.ndarray]:
    """Cells inside the region, and cells well away from it (one cell of margin)."""
    inside = np.zeros(shape, bool)
    inside[4:12, 5:13] = True
    near = np.zeros(shape, bool)
    near[3:13, 4:14] = True
    return inside, ~near


def _f1(mask: np.ndarray, truth: np.ndarray) -> float:
    tp = (mask & truth).sum()
    return 2 * tp / max(1, mask.sum() + truth.sum())


def _codes(result) -> set[str]:
    return {f.code for f in result.findings}


@pytest.mark.parametrize("method", ["bilinear", "edge-aware", "vng"])
@pytest.mark.parametrize("pattern", BAYER_LAYOUTS)
def test_the_bayer_layout_is_read_back(pattern, method):
    found = cfa_map(camera_like(_scene(128, 128, seed=2), pattern=pattern, method=method))
    assert found["visible"]
    assert found["phase"] == (1 if pattern in ("RGGB", "BGGR") else 0)
    assert found["layout"] == pattern and found["layout_strength"] > 0.5


def test_the_fitted_predictor_names_the_interpolated_green_class():
    scene = _scene(128, 128, seed=3)
    assert choose_predictor(camera_like(scene, pattern="RGGB", method="vng"))[0] == 0
    assert choose_predictor(camera_like(scene, pattern="GRBG", method="vng"))[0] == 1


@pytest.mark.parametrize("method", ["bilinear", "edge-aware"])
def test_a_region_that_never_went_through_a_mosaic_is_found(method):
    scene = _scene(seed=1)
    authentic = camera_like(scene, method=method)
    forged = authentic.copy()
    forged[REGION] = scene[REGION]
    result = _run(forged)
    inside, away = _cells(result.heatmap.shape)
    assert np.nanmean(result.heatmap[inside]) > 0.85 and np.nanmean(result.heatmap[away]) < 0.05
    assert _f1(result.mask, inside) > 0.8
    assert "cfa-missing" in _codes(result) and result.score > 0.1
    twin = _run(authentic)
    assert twin.score < 0.01 and "cfa-missing" not in _codes(twin)
    assert "cfa-lattice" in _codes(twin) and twin.details["layout"] == "RGGB"


def test_a_region_with_a_lattice_shifted_by_one_pixel_is_found():
    scene = _scene(seed=4)
    authentic = camera_like(scene)
    shifted = np.roll(camera_like(np.roll(scene, 1, axis=1)), -1, axis=1)  # GRBG seen from here
    forged = authentic.copy()
    forged[REGION] = shifted[REGION]
    result = _run(forged)
    inside, away = _cells(result.heatmap.shape)
    assert np.nanmean(result.heatmap[inside]) > 0.9 and np.nanmean(result.heatmap[away]) < 0.05
    assert _f1(result.mask, inside) > 0.8
    assert result.details["shifted_cells"] >= 0.8 * inside.sum()
    [warning] = [f for f in result.findings if f.code == "cfa-missing"]
    assert "shifted by a pixel" in warning.message


def test_a_region_downscaled_from_a_larger_camera_original_is_found():
    large = camera_like(_scene(512, 512, seed=5), method="edge-aware")
    small = np.asarray(Image.fromarray(large).resize((256, 256), Image.Resampling.LANCZOS))
    authentic = camera_like(small, method="edge-aware")  # the same view, taken at this size
    forged = authentic.copy()
    forged[REGION] = small[REGION]
    result = _run(forged)
    inside, away = _cells(result.heatmap.shape)
    assert np.nanmean(result.heatmap[inside]) > 0.8 and np.nanmean(result.heatmap[away]) < 0.05
    assert _f1(result.mask, inside) > 0.7


def test_jpeg_at_quality_75_removes_the_trace_and_nothing_is_accused():
    photo = camera_like(_scene(seed=6))
    assert _run(photo).details["trace_strength"] > 2  # the trace is there before the save
    result = run_analysis("cfa", load_image(encode(photo, quality=75), name="web.jpg"))
    assert result.score is None and result.mask is None
    assert np.isnan(result.heatmap).all()
    [finding] = result.findings
    assert finding.code == "cfa-not-visible" and finding.severity == "info"
    assert finding.message.startswith("No demosaicing pattern is visible:")
    assert "nothing to compare" in finding.message


@pytest.mark.parametrize("kind", ["scene", "noise", "flat"])
def test_images_without_a_mosaic_show_no_pattern(kind):
    pixels = {"scene": lambda: _scene(seed=7),
              "noise": lambda: np.random.default_rng(0).integers(0, 256, (128, 160, 3), np.uint8),
              "flat": lambda: np.full((64, 64, 3), 90, np.uint8)}[kind]()
    result = _run(pixels)
    assert result.score is None and _codes(result) == {"cfa-not-visible"}
    assert result.details["trace_strength"] < 0.1


@pytest.mark.parametrize("shape", [(1, 1), (1, 50), (3, 2000), (15, 15), (17, 33), (40, 23)])
def test_awkward_sizes_are_analysed_without_errors(shape):
    pixels = camera_like(textured(max(shape[0], 2), max(shape[1], 2), seed=1))[:shape[0], :shape[1]]
    result = _run(np.ascontiguousarray(pixels))
    assert result.heatmap.shape == (-(-shape[0] // 16), -(-shape[1] // 16))
    assert result.score is None and not np.isinf(result.heatmap).any()


def test_the_cell_must_be_even_for_the_arrays_and_any_grid_is_drawn():
    pixels = camera_like(textured(64, 64))
    for bad in (15, 0, 1, 2.0, True):
        with pytest.raises(ValueError, match="cell must be an even integer"):
            cfa_map(pixels, cell=bad)
    scene = _scene(seed=1)
    forged = camera_like(scene)
    forged[REGION] = scene[REGION]
    coarse = _run(forged, cell=32)
    assert coarse.cell == 32 and coarse.heatmap.shape == (8, 8) and coarse.score > 0.1
    # the dashboard asks for its display grid (1, 3, ... px): analysed on 16 or 18 px, drawn on it
    fine = _run(forged, cell=1)
    assert fine.heatmap.shape == (256, 256) and fine.details["analysis_cell"] == 16
    truth = np.zeros((256, 256), bool)
    truth[REGION] = True
    assert _f1(fine.mask, truth) > 0.85  # pixel-level F1
    odd = _run(forged, cell=3)
    assert odd.heatmap.shape == (86, 86) and odd.details["analysis_cell"] == 18
    assert "cfa-missing" in _codes(odd)
    with pytest.raises(ValueError, match="whole number of pixels"):
        _run(forged, cell=0)


def test_strips_give_the_same_answer_as_one_pass(monkeypatch):
    pixels = camera_like(textured(203, 121, seed=9), method="edge-aware")
    pixels[40:90, 30:70] = 255  # clipped pixels are left out, across a strip's edge
    whole = green_log_variances(pixels, cell=16)
    assert np.isnan(whole[0][3:5, 2:4]).all() and np.isfinite(whole[0][8:11, 1:6]).all()
    monkeypatch.setattr(cfa, "STRIP_PIXELS", 16 * 121)  # one row of cells per strip
    strips = green_log_variances(pixels, cell=16)
    for a, b in zip(whole, strips):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_the_mixture_recovers_known_components():
    rng = np.random.default_rng(0)
    ratio = np.concatenate([rng.normal(1.2, 0.25, 900), rng.normal(0.0, 0.17, 100)])
    texture = np.concatenate([rng.uniform(1, 5, 900), rng.uniform(1, 5, 100)])
    mixture = fit_mixture(ratio, texture, null_spread=0.17)
    assert abs(mixture["weight"] - 0.1) < 0.03
    assert abs(mixture["intercept"] - 1.2) < 0.05 and mixture["slope"] < 0.05
    assert 0.12 < mixture["s0"] < 0.22


@pytest.mark.shared_data
def test_real_photos_without_a_mosaic_are_not_accused(shared_data):
    """Kodak and McMaster scans (film, never demosaiced) and BSDS JPEGs show no pattern; the same
    Kodak scene made camera-like with a region left as scanned is caught."""
    files = sorted((shared_data / "pristine" / "kodak").glob("*.png"))[:3]
    files += sorted((shared_data / "pristine" / "mcmaster").glob("*.tif"))[:2]
    files += sorted((shared_data / "photos" / "bsds500" / "test").glob("*.jpg"))[:3]
    assert files, "no photos found in the shared data"
    for path in files:
        result = run_analysis("cfa", load_image(path))
        assert result.score is None and "cfa-not-visible" in _codes(result), path.name
    scene = np.asarray(Image.open(files[0]).convert("RGB"))
    forged = camera_like(scene, method="edge-aware")
    forged[128:288, 256:416] = scene[128:288, 256:416]
    result = _run(forged)
    inside = np.zeros(result.heatmap.shape, bool)
    inside[8:18, 16:26] = True
    judged = np.isfinite(result.heatmap)
    assert np.nanmean(result.heatmap[inside & judged]) > 0.8
    assert np.nanmean(result.heatmap[~inside & judged]) < 0.1
