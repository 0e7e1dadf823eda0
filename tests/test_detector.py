"""Detector: loading bundles safely, batched predictions, bad files, heat maps."""

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from _bundles import pixels, tiny_bundle, tiny_data  # noqa: E402
from imagefactory import encode  # noqa: E402
from imgfake.learn.detector import BundleError, Detector, Prediction, default_model_dir  # noqa: E402
from imgfake.io import load_image  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return tiny_bundle(tmp_path_factory)


@pytest.fixture(scope="module")
def detector(bundle):
    return Detector.load(bundle)


def _check(pred: Prediction, det: Detector):
    d = pred.to_dict()
    assert set(d) >= {"p_edited", "label", "threshold", "kinds", "kinds_meaningful", "top_kind"}
    assert 0.0 <= pred.p_edited <= 1.0
    assert pred.label == ("edited" if pred.p_edited >= det.threshold else "real")
    assert pred.kinds_meaningful == (pred.label == "edited")
    assert set(pred.kinds) == set(det.kind_names)
    assert sum(pred.kinds.values()) == pytest.approx(1.0)
    json.dumps(d)


def test_predict_in_memory_images(detector):
    images = [load_image(encode(pixels(i), quality=88), name=f"{i}.jpg") for i in range(3)]
    preds = detector.predict(images + [pixels(9)], batch_size=2)  # a bare array works too
    assert len(preds) == 4
    for p in preds:
        _check(p, detector)


@pytest.mark.parametrize("executor", ["thread", "process"])
def test_predict_paths_survives_a_bad_file(detector, tmp_path, executor):
    files = sorted(tiny_data().glob("*/*.jpg"))[:3]
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    paths = [files[0], bad, files[1], tmp_path / "missing.jpg", files[2]]
    results = list(detector.predict_paths(paths, batch_size=2, workers=2, executor=executor))
    assert [p for p, _ in results] == [str(p) for p in paths]
    assert isinstance(results[1][1], str) and "could not be read" in results[1][1]
    assert "ImageLoadError" not in results[1][1], "messages for people, not class names"
    assert isinstance(results[3][1], str)
    for _, r in (results[0], results[2], results[4]):
        _check(r, detector)


def test_predict_paths_matches_predict(detector):
    files = sorted(tiny_data().glob("edited/*/*.jpg"))[:3]
    by_path = [r for _, r in detector.predict_paths(files, batch_size=2)]
    direct = detector.predict([load_image(f) for f in files])
    np.testing.assert_allclose([r.p_edited for r in by_path], [r.p_edited for r in direct], rtol=1e-5)


def test_heatmap_is_on_the_block_grid(detector):
    image = load_image(encode(pixels(4), quality=90), name="h.jpg")
    h = detector.heatmap(image)
    assert h.shape == (-(-image.height // 8), -(-image.width // 8)) and h.dtype == np.float32
    inside = h[~np.isnan(h)]
    assert inside.size and np.all((inside >= 0) & (inside <= 1))


def test_bundle_json_round_trips(bundle, detector):
    config = json.loads((bundle / "imgfake.json").read_text())
    again = Detector(detector.model, json.loads(json.dumps(config)))
    assert again.threshold == detector.threshold
    assert again.preprocessing == detector.preprocessing
    assert again.kind_names == detector.kind_names
    for key in ("imgfake_version", "preprocessing", "stage1", "stage2", "data", "metrics", "trained"):
        assert key in config
    assert config["stage1"]["calibration"]["fitted_on"] == "validation"


def test_unsafe_model_is_refused(bundle, tmp_path):
    """Bundles load with safe_mode=True: a model with a Python lambda inside is rejected."""
    import keras

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    evil = tmp_path / "evil"
    evil.mkdir()
    shutil.copy(bundle / "imgfake.json", evil / "imgfake.json")
    model.save(evil / "model.keras")
    with pytest.raises(BundleError, match="cannot load"):
        Detector.load(evil)


def test_missing_or_incomplete_bundle(tmp_path):
    with pytest.raises(BundleError, match="does not exist"):
        Detector.load(tmp_path / "nope")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "imgfake.json").write_text("{}")
    with pytest.raises(BundleError, match="model.keras"):
        Detector.load(tmp_path / "half")


def test_env_var_points_to_a_bundle(bundle, monkeypatch):
    monkeypatch.setenv("IMGFAKE_MODEL", str(bundle))
    assert default_model_dir() == bundle
    assert Detector.load().path == bundle


def test_shipped_default_model_loads(monkeypatch):
    from imgfake.learn.fusion import VERDICTS

    monkeypatch.delenv("IMGFAKE_MODEL", raising=False)
    folder = default_model_dir()
    assert (folder / "model.keras").is_file(), f"the shipped model is missing from {folder}: run `make model`"
    assert (folder / "fusion.json").is_file(), f"the shipped fusion is missing from {folder}: run `make model`"
    det = Detector.load()
    assert det.fusion is not None and "face-parts" in det.kind_names and "copy-move" in det.kind_names
    facts = det.describe()  # the headline the dashboard shows: held-out sources, not its own test split
    loso = det.config["fusion"]["leave_one_source_out"]
    assert facts["held_out_roc_auc"] == loso["mean_roc_auc"] and set(loso["folds"]) == {"bsds", "faces", "kodak-mcmaster"}
    assert facts["held_out_fpr"] == loso["mean_fpr"] <= 0.05
    assert sum(f.stat().st_size for f in folder.iterdir()) < 10 * 1024 * 1024
    pred = det.predict([load_image(encode(pixels(1), quality=92), name="x.jpg")])[0]
    assert 0 <= pred.p_edited <= 1 and pred.verdict in VERDICTS and pred.reason
    assert pred.heatmap_image().shape == (144, 160)


def test_domain_note_flags_images_unlike_the_training_data(detector, tmp_path):
    from imgfake.forensics.jpeg import table_signature

    known = detector.training_tables
    assert known and all(t.startswith("q") for t in known)
    seen_quality = int(sorted(known)[0][1:3])  # e.g. "q73=..." -> 73 (qualities 70-95 here)
    familiar = load_image(encode(pixels(2), quality=seen_quality))
    assert table_signature(familiar.jpeg.quantization) in known
    unfamiliar = load_image(encode(pixels(2), quality=33))
    png = load_image(encode(pixels(2), "PNG"))
    notes = [p.domain_note for p in detector.predict([familiar, unfamiliar, png])]
    assert notes[0] is None
    assert "Outside the model's experience" in notes[1] and "quality 33" in notes[1]
    assert notes[2].startswith("Not a JPEG")
    # The same notes come from the file path route.
    path = tmp_path / "low.jpg"
    path.write_bytes(encode(pixels(2), quality=33))
    ((_, pred),) = list(detector.predict_paths([path]))
    assert pred.domain_note == notes[1]
    assert pred.to_dict()["domain_note"] == notes[1]


def test_a_verdict_and_its_heatmap_preprocess_the_image_once(detector, monkeypatch):
    import imgfake.learn.detector as detector_module

    calls = []
    real = detector_module.preprocess_image
    monkeypatch.setattr(detector_module, "preprocess_image", lambda *a, **k: calls.append(1) or real(*a, **k))
    image = load_image(encode(pixels(7), quality=90), name="once.jpg")
    detector.predict([image])
    detector.heatmap(image)
    assert len(calls) == 1
