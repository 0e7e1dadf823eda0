"""Training a bundle end to end on a tiny synthetic set (1 epoch, seconds)."""

import json

import pytest

pytest.importorskip("tensorflow")

from _bundles import tiny_bundle, tiny_data  # noqa: E402
from imgfake.learn.datasets import Entry  # noqa: E402
from imgfake.learn.train import evaluate_bundle, kind_class, train_bundle  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return tiny_bundle(tmp_path_factory)


def test_bundle_files_and_facts(bundle):
    assert {p.name for p in bundle.iterdir()} >= {"model.keras", "imgfake.json", "split.json"}
    config = json.loads((bundle / "imgfake.json").read_text())
    sizes = config["data"]["splits"]
    assert sum(sizes.values()) == 24 and sizes["test"] > 0
    assert config["stage2"]["classes"] == ["splice", "copy-move", "retouch"]
    assert 0 < config["stage1"]["threshold"] < 1
    test = config["metrics"]["test"]
    assert "roc_auc_ci" in test["overall"] and "brier" in test["overall"]
    assert config["trained"]["command"] == "pytest tiny bundle" and config["trained"]["seconds"] > 0
    assert config["imgfake_version"]


def test_split_is_saved_and_disjoint(bundle):
    saved = json.loads((bundle / "split.json").read_text())
    (dataset,) = saved["datasets"]
    groups = {name: {e["group"] for e in dataset["splits"][name]} for name in ("train", "val", "test")}
    assert not groups["train"] & groups["test"] and not groups["val"] & groups["test"]


def test_evaluate_bundle_uses_only_the_test_split_of_its_own_data(bundle):
    report = evaluate_bundle(tiny_data(), bundle, n_boot=10)
    assert report["evaluated_on"] == "test split of the bundle"
    config = json.loads((bundle / "imgfake.json").read_text())
    assert report["n_images"] == config["data"]["splits"]["test"]
    json.dumps(report)
    everything = evaluate_bundle(tiny_data(), bundle, split="all", n_boot=0)
    assert everything["n_images"] == 24


def test_evaluate_bundle_gives_the_per_file_table_its_metrics_come_from(bundle):
    from imgfake.learn.datasets import read_split
    from imgfake.learn.evaluation import roc_auc

    split = read_split(bundle)
    config = json.loads((bundle / "imgfake.json").read_text())
    assert split.sizes() == config["data"]["splits"]
    report = evaluate_bundle(tiny_data(), bundle, n_boot=10, per_file=True)
    files = report["files"]
    assert sorted(f["path"] for f in files) == sorted(e.path for e in split["test"])
    assert len(files) == report["n_images"]
    y, p = [f["label"] for f in files], [f["p_edited"] for f in files]
    assert roc_auc(y, p) == pytest.approx(report["stage1"]["roc_auc"])
    assert all(f["verdict"] == ("edited" if f["p_edited"] >= report["threshold"] else "real") for f in files)
    assert {f["kind"] for f in files if f["label"] == 1} <= {"splice", "copy-move", "retouch"}
    json.dumps(report)
    assert "files" not in evaluate_bundle(tiny_data(), bundle, n_boot=10)


def test_kind_classes():
    def entry(label, kind, subgroup=None):
        return Entry(path="x.jpg", label=label, class_name="x", kind=kind, subgroup=subgroup, group=None,
                     sha256="0", n_bytes=1, format="JPEG", width=1, height=1)

    assert kind_class(entry(1, "1010")) == "face-parts"
    assert kind_class(entry(1, "splice")) == "splice"
    assert kind_class(entry(1, None)) == "edited"
    assert kind_class(entry(1, None, "easy")) == "face-parts"  # e.g. easy_116_111.jpg
    assert kind_class(entry(0, None)) is None


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        train_bundle([tmp_path / "nope"], tmp_path / "out", epochs=1, log=None)
    with pytest.raises(ValueError, match="epochs"):
        train_bundle([tmp_path], tmp_path / "out", epochs=0, log=None)


def test_too_small_a_folder_says_so_instead_of_crashing(tmp_path):
    from imgfake.io import encode_jpeg
    from imagefactory import textured as make

    for cls in ("real", "edited"):
        (tmp_path / cls).mkdir()
        for i in range(3):  # 6 images: val and test get one each, so each lacks a class
            (tmp_path / cls / f"{i}.jpg").write_bytes(encode_jpeg(make(64, 64, seed=i), quality=90))
    with pytest.raises(ValueError, match=r"too small to split: its \w+ split got \d+ real and \d+ edited"):
        train_bundle([tmp_path], tmp_path / "out", epochs=1, log=None)


def test_evaluate_bundle_reports_scores_without_the_format_shortcut(bundle, tmp_path):
    # Real photos all saved at q90; half the edited ones at q70 (tables no real photo has).
    from imgfake.io import encode_jpeg
    from imagefactory import textured as make

    for cls, qualities in {"real": [90] * 6, "edited": [90, 90, 90, 70, 70, 70]}.items():
        (tmp_path / cls).mkdir()
        for i, q in enumerate(qualities):
            seed = i + (0 if cls == "real" else 10)
            (tmp_path / cls / f"{i}.jpg").write_bytes(encode_jpeg(make(144, 160, seed=seed), quality=q))
    report = evaluate_bundle(tmp_path, bundle, n_boot=10)
    shortcut = report["format_shortcut"]
    assert shortcut["n_excluded"] == 3 and shortcut["n_kept"] == 9
    assert [r["n"] for r in shortcut["shortcuts"]] == [3]
    assert shortcut["stage1"]["n"] == 9 and shortcut["stage1"]["n_positive"] == 3
    # No shortcut in the bundle's own synthetic data (both classes share the save settings).
    assert evaluate_bundle(tiny_data(), bundle, n_boot=10)["format_shortcut"] is None


def test_bundle_aucs_name_the_images_each_figure_was_measured_on(bundle):
    from imgfake.learn.train import bundle_aucs, read_bundle

    config = read_bundle(bundle)
    (name,) = config["metrics"]["test"]["per_dataset"]
    aucs = bundle_aucs(config)
    assert list(aucs) == [f"test split of {name}"], "one data folder, no fusion: its test split only"
    assert aucs[f"test split of {name}"]["n"] == config["data"]["splits"]["test"]
    fused = {**config, "fusion": {
        "leave_one_source_out": {"mean_roc_auc": 0.7, "folds": {"faces": {"roc_auc": 0.6, "n": 10}}},
        "test": {"roc_auc": 0.86, "sources": {"faces": {"roc_auc": 0.8, "roc_auc_ci": [0.7, 0.9], "n": 6},
                                              "bsds": {"roc_auc": 0.9, "n": 4}}},
        "faces_shared_tables": {"roc_auc": 0.77, "n": 5}}}
    aucs = bundle_aucs(fused)
    assert list(aucs) == ["mean over held-out sources (the headline)", "source faces held out", "test split of faces",
                          "test split of bsds", "faces test files whose JPEG tables both classes share",
                          "test splits of faces + bsds, pooled", f"lattice network alone, test split of {name}"]
    assert aucs["test splits of faces + bsds, pooled"] == {"roc_auc": 0.86, "roc_auc_ci": None, "n": 10}
    assert aucs["test split of faces"]["roc_auc_ci"] == [0.7, 0.9]
