"""Model builders: tiny models, shapes, size, preprocessing inside the model."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from imgfake.learn.models import EDITED_OUTPUT, KIND_OUTPUT, MAP_LAYER, build_ela_cnn, build_transfer_model  # noqa: E402
from imgfake.learn.maps import PreprocessConfig  # noqa: E402


def test_default_model_is_compact_with_rescaling_inside():
    cfg = PreprocessConfig()
    model = build_ela_cnn(cfg.input_shape, channel_scales=cfg.channel_scales())
    assert model.count_params() < 1_000_000
    rescaling = [layer for layer in model.layers if isinstance(layer, keras.layers.Rescaling)]
    assert rescaling, "preprocessing (Rescaling) must live inside the model"
    assert model.get_layer(MAP_LAYER) is not None


def test_two_heads_output_shapes():
    model = build_ela_cnn((32, 32, 5), n_classes_stage2=4, width=4)
    out = model(np.random.default_rng(0).random((3, 32, 32, 5), dtype=np.float32))
    assert out[EDITED_OUTPUT].shape == (3, 1)
    assert out[KIND_OUTPUT].shape == (3, 4)


def test_stage1_only_model_and_any_input_size():
    model = build_ela_cnn((None, None, 5), n_classes_stage2=0, width=4)
    for side in (24, 40):
        out = model(np.zeros((2, side, side, 5), np.float32))
        assert set(out) == {EDITED_OUTPUT}
        assert out[EDITED_OUTPUT].shape == (2, 1)


def test_image_logit_is_the_mean_of_the_heat_map():
    model = build_ela_cnn((32, 32, 5), n_classes_stage2=0, width=4)
    x = np.random.default_rng(1).random((2, 32, 32, 5), dtype=np.float32)
    cells = keras.Model(model.input, model.get_layer(MAP_LAYER).output)(x)
    np.testing.assert_allclose(np.asarray(cells).mean(axis=(1, 2, 3)),
                               np.asarray(model(x)[EDITED_OUTPUT])[:, 0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kwargs, match", [
    ({"input_shape": (32, 32)}, "input_shape"),
    ({"input_shape": (32, 32, 5), "width": 0}, "width"),
    ({"input_shape": (32, 32, 5), "dropout": 1.0}, "dropout"),
    ({"input_shape": (32, 32, 5), "n_classes_stage2": 1}, "n_classes_stage2"),
    ({"input_shape": (32, 32, 5), "channel_scales": [1.0, 2.0]}, "channel_scales"),
])
def test_bad_arguments_say_what_was_received(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_ela_cnn(**kwargs)


def test_transfer_model_checks_its_arguments():
    with pytest.raises(ValueError, match="backbone"):
        build_transfer_model((64, 64, 5), backbone="vgg")
    with pytest.raises(ValueError, match="weights"):
        build_transfer_model((64, 64, 5), weights="random")


@pytest.mark.slow
def test_transfer_model_builds_without_downloading():
    model = build_transfer_model((32, 32, 5), backbone="efficientnetb0", weights=None, n_classes_stage2=3)
    out = model(np.zeros((1, 32, 32, 5), np.float32))
    assert out[EDITED_OUTPUT].shape == (1, 1) and out[KIND_OUTPUT].shape == (1, 3)
