"""The fused verdict: trees as JSON, evidence on one grid, the three answers, training and
the bundle it writes (a tiny real bundle trained here)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from _bundles import tiny_bundle, tiny_data
from imgfake.learn import evidence as ev_mod
from imgfake.learn.fusion import VERDICTS, cells_to_image, decide
from imgfake.learn.trees import export_trees, predict_proba, predict_raw


# --------------------------------------------------------------------------- trees

@pytest.mark.parametrize("n_classes", [2, 3])
def test_json_trees_reproduce_scikit_learn_with_missing_values(n_classes):
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 5))
    x[rng.random(x.shape) < 0.15] = np.nan
    y = (np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) > 0).astype(int)
    if n_classes == 3:
        y = y + (np.nan_to_num(x[:, 2]) > 1)
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(x, y)
    trees = json.loads(json.dumps(export_trees(model)))  # through JSON and back
    test = rng.normal(size=(200, 5))
    test[rng.random(test.shape) < 0.2] = np.nan
    np.testing.assert_allclose(predict_raw(trees, test), model.decision_function(test), rtol=1e-9, atol=1e-9)
    proba = predict_proba(trees, test)
    expected = model.predict_proba(test)
    np.testing.assert_allclose(proba, expected[:, 1] if n_classes == 2 else expected, atol=1e-9)
    with pytest.raises(ValueError, match="features"):
        predict_raw(trees, test[:, :3])


# --------------------------------------------------------------------------- evidence grid

def test_pool_map_averages_any_grid_onto_32_pixel_cells():
    shape = (70, 100)  # 3 × 4 cells of 32 px, the last ones partial
    eight = np.arange(9 * 13, dtype=np.float32).reshape(9, 13)
    pooled = ev_mod.pool_map(eight, 8, shape)
    assert pooled.shape == (3, 4)
    assert pooled[0, 0] == pytest.approx(eight[:4, :4].mean())
    assert pooled[2, 3] == pytest.approx(eight[8:, 12:].mean())
    ones = np.ones(shape, np.float32)
    ones[:32, :32] = np.nan
    pooled = ev_mod.pool_map(ones, 1, shape)
    assert np.isnan(pooled[0, 0]) and np.nanmax(pooled) == 1.0
    sixteen = np.kron(np.arange(20, dtype=np.float32).reshape(4, 5), np.ones((1, 1)))
    assert ev_mod.pool_map(sixteen, 16, (64, 80))[0, 0] == pytest.approx(sixteen[:2, :2].mean())


def test_mask_cells_share_per_cell():
    mask = np.zeros((40, 70), bool)
    mask[:16, :32] = True
    cover = ev_mod.mask_cells(mask)
    assert cover.shape == (2, 3)
    assert cover[0, 0] == pytest.approx(0.5) and cover[1, 2] == 0


def test_features_keep_missing_evidence_missing():
    ev = ev_mod.Evidence(maps={"a": np.full((2, 3), 4.0, np.float32)}, scores={"a": 0.3, "b": None}, shape=(50, 90))
    cells = ev_mod.cell_features(ev, ["a", "b"])
    assert cells.shape == (6, len(ev_mod.cell_feature_names(["a", "b"])))
    assert np.all(cells[:, 0] == 4.0) and np.all(np.isnan(cells[:, 3:6]))
    row = ev_mod.image_features(ev, ["a", "b"], None)
    assert row.shape == (len(ev_mod.image_feature_names(["a", "b"])),)
    assert row[0] == pytest.approx(0.3) and np.isnan(row[-1])
    back = ev_mod.Evidence.from_arrays(ev.to_arrays())
    assert back.scores == ev.scores and back.shape == ev.shape


# --------------------------------------------------------------------------- the three answers

FACTS = {"width": 600, "height": 400, "flat": False, "jpeg": True, "quality": 90}


@pytest.mark.parametrize("p, facts, verdict, words", [
    (0.9, FACTS, "edited", "Signs of editing"),
    (0.05, FACTS, "real", "not proof"),
    (0.3, FACTS, "uncertain", "mixed"),
    (0.05, {**FACTS, "jpeg": False, "quality": None}, "uncertain", "never saved as JPEG"),
    (0.9, {**FACTS, "jpeg": False, "quality": None}, "edited", "Signs of editing"),
    (0.05, {**FACTS, "quality": 40}, "uncertain", "quality ≈40"),
    (0.9, {**FACTS, "width": 40}, "uncertain", "too small"),
    (0.9, {**FACTS, "flat": True}, "uncertain", "uniform"),
])
def test_decide_gives_three_answers_with_reasons(p, facts, verdict, words):
    got, reason = decide(p, threshold=0.6, low=0.2, facts=facts)
    assert got == verdict and words in reason


def test_heatmap_image_is_the_image_size_in_8_bits():
    cells = np.array([[0.0, 1.0], [np.nan, 0.5]], np.float32)
    assert cells_to_image(cells, 50, 37).shape == (50, 37)
    img = cells_to_image(cells, 64, 64)
    assert img.shape == (64, 64) and img.dtype == np.uint8
    assert img[16, 16] <= 5 and img[16, 48] >= 250 and img[48, 16] <= 5  # NaN (no evidence) reads 0
    assert 100 < img[48, 48] < 155


def test_fpr_threshold_flags_at_most_the_target():
    from imgfake.learn.fusetrain import fpr_threshold

    rng = np.random.default_rng(1)
    p = rng.random(333)
    for target in (0.0, 0.05, 0.2):
        t = fpr_threshold(p, target)
        assert (p >= t).mean() <= target + 1e-12
        assert (p >= t - 1e-3).mean() > target - 0.01  # and not much more cautious than needed
    ties = np.r_[np.full(20, 0.9), np.zeros(80)]
    assert (ties >= fpr_threshold(ties, 0.05)).mean() == 0.0


# --------------------------------------------------------------------------- training, a real bundle

@pytest.fixture(scope="module")
def fused_bundle(tmp_path_factory):
    from imgfake.learn.detector import Detector
    from imgfake.learn.fusetrain import extract, fit_fusion, synthetic_items, write_fusion

    base = tiny_bundle(tmp_path_factory)
    folder = tmp_path_factory.mktemp("fused") / "bundle"
    shutil.copytree(base, folder)
    items = synthetic_items(tiny_data(), source="tiny", fractions=(0.2, 0.2))
    det = Detector.load(folder)
    items = extract(items, det, ["noise", "ela"], cache_dir=None, workers=1, log=None)
    config = fit_fusion(items, ["noise", "ela"], n_oof=2, log=None)
    write_fusion(folder, config, {"note": "tiny"})
    return folder, config


def test_fit_fusion_writes_a_bundle_that_predicts_three_ways(fused_bundle, tmp_path):
    from imgfake.learn.detector import Detector

    folder, config = fused_bundle
    assert 0 < config["threshold"] <= 1 and config["low_threshold"] <= config["threshold"]
    det = Detector.load(folder)
    assert det.fusion is not None and det.threshold == config["threshold"]
    paths = sorted(str(p) for p in (tiny_data() / "edited").rglob("*.jpg"))[:3]
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    results = dict(det.predict_paths([*paths, str(bad)], batch_size=2, executor="thread"))
    assert isinstance(results[str(bad)], str) and "bad.jpg" in results[str(bad)]
    for p in paths:
        pred = results[p]
        assert pred.verdict in VERDICTS and pred.reason
        assert pred.label == ("edited" if pred.p_edited >= det.threshold else "real")
        with Image.open(p) as im:
            assert pred.heatmap_image().shape == (im.height, im.width)
        d = pred.to_dict()
        assert "cells" not in d and d["verdict"] == pred.verdict
        json.dumps(d)
    # in memory and from the file agree
    from imgfake.io import load_image

    mem = det.predict([load_image(paths[0])])[0]
    assert mem.p_edited == pytest.approx(results[paths[0]].p_edited, abs=1e-6)


def test_cli_predict_writes_heatmaps(fused_bundle, tmp_path):
    folder, _ = fused_bundle
    src = sorted((tiny_data() / "edited").rglob("*.jpg"))[0]
    # an EXIF-rotated copy: the heat map follows the image as displayed
    with Image.open(src) as im:
        exif = Image.Exif()
        exif[0x0112] = 6
        rotated = tmp_path / "odd name é.jpg"
        im.save(rotated, quality=90, exif=exif)
        w, h = im.size
    out = tmp_path / "maps"
    run = subprocess.run([sys.executable, "-m", "imgfake.cli", "predict", str(rotated), "--model", str(folder),
                          "--heatmaps", str(out), "--json"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    line = json.loads(run.stdout.strip().splitlines()[-1])
    assert line["verdict"] in VERDICTS and line["heatmap"] == str(out / "odd name é.png")
    with Image.open(line["heatmap"]) as hm:
        assert hm.mode == "L" and hm.size == (h, w)  # width × height after orientation 6


def test_dashboard_shows_the_three_way_answer_its_reason_and_where(fused_bundle):
    from imagefactory import encode, textured
    from imgfake.dashboard import Dashboard, DashboardState
    from imgfake.dashboard.view import _verdict_html
    from imgfake.learn.detector import Detector

    folder, _ = fused_bundle
    state = DashboardState(detector=Detector.load(folder), background=False)
    dash = Dashboard(state, load_model=False)
    state.add_upload("photo <1>.jpg", encode(textured(200, 240, seed=3), quality=90))
    item = state.current
    assert item.prediction["verdict"] in VERDICTS and item.prediction["reason"]
    card = _verdict_html(item, state)
    assert f"data-answer='{item.prediction['verdict']}'" in card
    assert {"edited": "Signs of editing", "real": "No sign of editing", "uncertain": "Cannot tell"}[
        item.prediction["verdict"]] in card
    model = item.analyses["model"]
    assert model.cell == 32 and model.heatmap.shape == (7, 8) and model.findings[0].code.startswith("verdict-")
    assert dash._show_where.layout.display == ""
    dash._show_where.click()
    assert state.evidence == "model" and dash._layout_mode.value is True and dash._pair.overlay
    assert state.view.kind == "model" and state.view.ready
    report = state.report_html()
    assert item.prediction["reason"].split(":")[0] in report


def test_quality_of_reads_the_tables():
    from imagefactory import encode, textured
    from imgfake.io import load_image
    from imgfake.learn.fusion import quality_of

    assert quality_of(load_image(encode(textured(64, 64), quality=37))) == 37
    assert quality_of(load_image(encode(textured(64, 64), "PNG"))) is None


def test_the_model_card_is_written_from_the_shipped_bundle():
    """models/README.md is exactly what scripts/model_card.py makes of models/default/imgfake.json."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("model_card", root / "scripts" / "model_card.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bundle = json.loads((root / "models" / "default" / "imgfake.json").read_text(encoding="utf-8"))
    assert module.card(bundle) == (root / "models" / "README.md").read_text(encoding="utf-8"), \
        "the model card is stale: run .venv/bin/python scripts/model_card.py models/default"
