"""Preprocessing shared by training and prediction: shapes, grid alignment, known answers."""

import io

import numpy as np
import pytest
from PIL import Image

from imagefactory import encode, textured
from imgfake.io import load_image
from imgfake.learn.maps import PreprocessConfig, preprocess, preprocess_image, preprocess_paths


def _jpeg(pixels, quality=90):
    return load_image(encode(pixels, quality=quality), name="x.jpg")


def test_shape_and_channel_names():
    cfg = PreprocessConfig(crop=128, ela_qualities=(90, 95), n_luma_freq=4, n_chroma_freq=2)
    x = preprocess_image(_jpeg(textured(200, 240)), cfg)
    assert x.shape == cfg.input_shape == (16, 16, 2 + 4 + 4 + 4)
    assert x.dtype == np.float32
    assert cfg.channel_names[:3] == ["ela90", "ela95", "yfrac0"]
    assert len(cfg.channel_scales()) == cfg.input_shape[2]


def test_small_images_are_resized_maps():
    cfg = PreprocessConfig(crop=128, n_luma_freq=2, n_chroma_freq=0)
    assert preprocess_image(_jpeg(textured(64, 96)), cfg).shape == (16, 16, 2 + 2)


def test_lattice_distance_knows_a_jpeg_from_raw_pixels():
    """Pixels decoded from a JPEG sit near its quantisation lattice; raw pixels do not."""
    cfg = PreprocessConfig(crop=128, ela_qualities=(), n_luma_freq=6, n_chroma_freq=0)
    raw = textured(128, 128, seed=3)
    image = _jpeg(raw, quality=75)
    as_jpeg = preprocess_image(image, cfg)[..., :6].mean()
    as_raw = preprocess(raw, cfg, qtables=image.jpeg.quantization)[..., :6].mean()
    assert as_jpeg < 0.15 < 0.2 < as_raw  # uniform distances average 0.25


def test_same_input_same_maps_and_arrays_work_without_jpeg():
    cfg = PreprocessConfig(crop=64, n_luma_freq=2, n_chroma_freq=1)
    px = textured(80, 80)
    np.testing.assert_array_equal(preprocess(px, cfg), preprocess(px, cfg))
    assert preprocess_image(px, cfg).shape == cfg.input_shape


def test_config_round_trips_and_rejects_unknown():
    cfg = PreprocessConfig(ela_qualities=(85,), n_luma_freq=8, n_chroma_freq=0, crop=256)
    assert PreprocessConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="version"):
        PreprocessConfig.from_dict({**cfg.to_dict(), "version": 99})


@pytest.mark.parametrize("kwargs", [{"crop": 100}, {"n_luma_freq": 0}, {"ela_qualities": (0,)}])
def test_bad_config_raises(kwargs):
    with pytest.raises(ValueError):
        PreprocessConfig(**kwargs)


def test_bad_pixels_raise():
    with pytest.raises(ValueError, match="uint8"):
        preprocess(np.zeros((64, 64, 3), np.float32), PreprocessConfig(crop=64))
    with pytest.raises(ValueError, match="16"):
        preprocess(np.zeros((8, 8, 3), np.uint8), PreprocessConfig(crop=64))


def test_preprocess_paths_matches_one_by_one(tmp_path):
    cfg = PreprocessConfig(crop=64, n_luma_freq=2, n_chroma_freq=1)
    paths = []
    for i in range(3):
        p = tmp_path / f"{i}.jpg"
        p.write_bytes(encode(textured(96, 96, seed=i), quality=85))
        paths.append(p)
    x = preprocess_paths(paths, cfg, workers=2, dtype=np.float32)
    for i, p in enumerate(paths):
        np.testing.assert_allclose(x[i], preprocess_image(load_image(p), cfg), rtol=1e-6)


def test_dataset_from_paths_batches(tmp_path):
    pytest.importorskip("tensorflow")
    from imgfake.learn.maps import dataset_from_paths

    cfg = PreprocessConfig(crop=64, n_luma_freq=2, n_chroma_freq=0)
    paths = []
    for i in range(3):
        p = tmp_path / f"{i}.jpg"
        p.write_bytes(encode(textured(64, 64, seed=i), quality=90))
        paths.append(p)
    batches = list(dataset_from_paths(paths, cfg, labels=[0, 1, 0], batch_size=2))
    assert [tuple(b[0].shape) for b in batches] == [(2, *cfg.input_shape), (1, *cfg.input_shape)]
