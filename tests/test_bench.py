"""The method benchmark on a tiny forgery set the test makes (imgfake.learn.synth)."""

import json

import numpy as np
import pytest

from imgfake.learn.bench import bench_methods, load_case, method_cases, pixel_scores


def test_pixel_scores_know_the_answers():
    truth = np.zeros((4, 4), bool)
    truth[:2, :2] = True
    perfect = np.where(truth, 1.0, 0.0)
    s = pixel_scores(perfect, truth, fixed=truth)
    assert s["f1_best"] == 1.0 and s["f1_fixed"] == 1.0 and s["mcc_best"] == pytest.approx(1.0)
    assert s["f1_all_edited"] == pytest.approx(2 * 4 / (4 + 16))
    wrong = pixel_scores(1.0 - perfect, truth, fixed=~truth)
    assert wrong["f1_fixed"] == 0.0 and wrong["f1_best"] == pytest.approx(s["f1_all_edited"])
    nan = pixel_scores(np.full((4, 4), np.nan), truth, fixed=None)
    assert nan["f1_best"] == 0.0


def test_bench_methods_scores_every_method_on_a_synthetic_set(tmp_path_factory, capsys):
    from _bundles import tiny_synthetic_set
    from imgfake.cli import main

    folder = tiny_synthetic_set(tmp_path_factory.mktemp("bench"))
    result = bench_methods(folder, methods=["ela", "noise", "ghost", "copymove"], n_boot=20)
    assert set(result["methods"]) == {"ela", "noise", "ghost", "copymove"}
    assert {"splice", "copy-move", "retouch"} <= set(result["floor_f1"])
    for m in result["methods"].values():
        for value in m["f1_best"].values():
            assert 0.0 <= value <= 1.0
    assert "copy-move" in result["methods"]["copymove"]["auc"], "methods with a score get an AUC"
    assert not result["methods"]["ela"]["auc"], "ELA has no image-level score, so no AUC"
    assert main(["bench-methods", str(folder), "--methods", "ela,copymove", "--n-boot", "10", "--json"]) == 0
    json.loads(capsys.readouterr().out)


def _row(path, kind, **methods):
    return {"path": path, "kind": kind, "mask": None if kind == "authentic" else f"masks/{path}",
            "methods": {name: dict(zip(("score", "f1_best"), values)) for name, values in methods.items()}}


def test_method_cases_pick_the_best_and_worst_edited_images_by_f1():
    result = {"methods": {"a": {}, "b": {}, "c": {}}, "files": [
        _row("r.jpg", "authentic", a=(0.9,), b=(None,), c=(0.1,)),
        _row("e1.jpg", "splice", a=(0.2, 0.5), b=(None, 0.1), c=(0.3,)),
        _row("e2.jpg", "copy-move", a=(0.1, 0.9), b=(None, 0.1), c=(0.4,)),
        _row("e3.jpg", "retouch", a=(0.3, 0.0), b=(None, 0.7), c=(0.5,)),
    ]}
    cases = method_cases(result)
    assert set(cases) == {"a", "b"}, "a method with no map on any edited image has no case"
    assert [r["path"] for r in cases["a"]["best"] + cases["a"]["worst"]] == ["e2.jpg", "e3.jpg"]
    assert [r["path"] for r in cases["b"]["best"] + cases["b"]["worst"]] == ["e3.jpg", "e1.jpg"]  # ties: first file
    assert cases["a"]["best"][0] == {"path": "e2.jpg", "kind": "copy-move", "mask": "masks/e2.jpg",
                                     "f1_best": 0.9, "score": 0.1}
    assert [r["path"] for r in method_cases(result, n=2)["a"]["best"]] == ["e2.jpg", "e1.jpg"]
    with pytest.raises(ValueError, match="per_file=True"):
        method_cases({"methods": {}})
    with pytest.raises(ValueError, match="positive integer"):
        method_cases(result, n=0)


def test_the_per_file_table_adds_up_to_the_summary_and_shows_a_case(tmp_path_factory):
    from _bundles import tiny_synthetic_set

    folder = tiny_synthetic_set(tmp_path_factory.mktemp("bench-files"))
    result = bench_methods(folder, methods=["ela", "copymove"], n_boot=10, per_file=True)
    files = result["files"]
    assert len(files) == sum(result["counts"].values()) == 24
    assert {f["kind"] for f in files} == set(result["counts"])
    for kind, expected in result["methods"]["copymove"]["f1_best"].items():
        values = [f["methods"]["copymove"]["f1_best"] for f in files if f["kind"] == kind]
        assert np.mean(values) == pytest.approx(expected, abs=1e-3)
    assert all("f1_best" not in f["methods"]["ela"] for f in files if f["kind"] == "authentic")
    assert all(f["methods"]["ela"]["score"] is None for f in files)
    best = method_cases(result)["copymove"]["best"][0]
    case = load_case(folder, best, "copymove")
    assert case["pixels"].shape[:2] == case["mask"].shape and case["mask"].any()
    assert case["result"].name == "copymove" and case["result"].heatmap is not None
    json.dumps(result)
    assert "files" not in bench_methods(folder, methods=["ela"], n_boot=10)
