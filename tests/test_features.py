"""Known answers for imgfake.learn.features: flat images, pasted patches, unreadable files."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from imagefactory import encode, jpeg_roundtrip, textured

from imgfake.learn.features import (
    ELA_THRESHOLDS,
    ela_feature_names,
    ela_features,
    ela_thumbnail_features,
    features_for_paths,
)


@pytest.mark.parametrize("qualities, grid", [((75, 90), 4), ((90,), 2), ((50, 70, 95), 8)])
def test_length_is_fixed_and_matches_the_names(qualities, grid):
    names = ela_feature_names(qualities=qualities, grid=grid)
    assert len(names) == len(set(names))
    for shape in [(40, 40), (67, 123)]:
        vector = ela_features(textured(*shape), qualities=qualities, grid=grid)
        assert vector.dtype == np.float32 and vector.shape == (len(names),)
        assert np.all(np.isfinite(vector))
    per_quality = 6 + len(ELA_THRESHOLDS) + 3 + 3
    assert len(names) == per_quality * len(qualities) + 4
    assert names[0] == f"ela_q{qualities[0]}_mean" and names[-1] == "noise_tile_std_std"


def test_flat_image_gives_zeros():
    vector = ela_features(np.full((48, 64, 3), 128, np.uint8))
    assert np.array_equal(vector, np.zeros_like(vector))


def test_known_values_on_a_textured_image():
    pixels = textured(64, 64)
    names = ela_feature_names(qualities=(90,))
    values = dict(zip(names, ela_features(pixels, qualities=(90,))))
    assert (
        values["ela_q90_max"]
        >= values["ela_q90_p99"]
        >= values["ela_q90_p90"]
        >= values["ela_q90_p50"]
    )
    assert (
        1
        >= values["ela_q90_frac_gt_2"]
        >= values["ela_q90_frac_gt_5"]
        >= values["ela_q90_frac_gt_20"]
        >= 0
    )
    assert (
        values["ela_q90_tile_mean_min"] <= values["ela_q90_mean"] <= values["ela_q90_tile_mean_max"]
    )
    channel_mean = np.mean([values[f"ela_q90_mean_{c}"] for c in "rgb"])
    assert channel_mean == pytest.approx(values["ela_q90_mean"], rel=1e-5)


def test_pasted_never_compressed_patch_makes_tiles_disagree():
    original = textured(256, 256)
    double = jpeg_roundtrip(jpeg_roundtrip(original, 70), 70)
    pasted = double.copy()
    pasted[64:128, 64:128] = original[64:128, 64:128]  # 8×8-aligned, one tile of a 4×4 grid
    names = ela_feature_names()
    clean = dict(zip(names, ela_features(double)))
    edited = dict(zip(names, ela_features(pasted)))
    for quality in (75, 90):
        key = f"ela_q{quality}_tile_mean_std"
        assert edited[key] > 10 * clean[key]
        key = f"ela_q{quality}_tile_mean_max"
        assert edited[key] > 3 * clean[key]


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="got 0"):
        ela_features(textured(32, 32), grid=0)
    with pytest.raises(ValueError, match="101"):
        ela_features(textured(32, 32), qualities=(101,))
    with pytest.raises(ValueError, match=r"\(\)"):
        ela_feature_names(qualities=())
    with pytest.raises(ValueError, match=r"\(5, 40, 3\)"):
        ela_features(textured(5, 40), grid=4)
    with pytest.raises(ValueError, match="float64"):
        ela_features(np.zeros((32, 32, 3)))


def test_thumbnail_is_downscaled_unscaled_residual():
    flat = ela_thumbnail_features(np.full((100, 60, 3), 128, np.uint8), size=16)
    assert flat.shape == (16 * 16 * 3,) and flat.dtype == np.float32 and not flat.any()
    vector = ela_thumbnail_features(textured(64, 64), quality=90, size=32)
    assert vector.shape == (32 * 32 * 3,)
    assert 0 < vector.max() <= 255  # grey levels, not stretched to the image's own maximum


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_features_for_paths_reports_unreadable_files(tmp_path, n_jobs):
    good = tmp_path / "good.jpg"
    good.write_bytes(encode(textured(48, 48), quality=90))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image at all")
    paths = [good, broken, tmp_path / "missing.png", good]
    X, ok_index, errors = features_for_paths(paths, qualities=(90,), n_jobs=n_jobs)
    assert X.shape == (2, len(ela_feature_names(qualities=(90,))))
    assert ok_index.tolist() == [0, 3]
    assert [e["index"] for e in errors] == [1, 2]
    assert "not an image" in errors[0]["error"] and "does not exist" in errors[1]["error"]
    assert np.array_equal(X[0], X[1])


def test_features_for_paths_with_an_extractor_and_raise(tmp_path):
    good = tmp_path / "good.png"
    good.write_bytes(encode(textured(40, 40), "PNG"))
    X, ok_index, errors = features_for_paths(
        [good], extractor=partial(ela_thumbnail_features, size=8)
    )
    assert X.shape == (1, 8 * 8 * 3) and errors == []
    X, ok_index, errors = features_for_paths([tmp_path / "nope.jpg"])
    assert X.shape == (0, len(ela_feature_names())) and ok_index.size == 0
    with pytest.raises(ValueError, match="does not exist"):
        features_for_paths([tmp_path / "nope.jpg"], on_error="raise")
    with pytest.raises(ValueError, match="'ignore'"):
        features_for_paths([good], on_error="ignore")
