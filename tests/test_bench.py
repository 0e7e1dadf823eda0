"""The method benchmark on a tiny forgery set the test makes (imgfake.learn.synth)."""

import json

import numpy as np
import pytest

from imgfake.learn.bench import bench_methods, pixel_scores


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
