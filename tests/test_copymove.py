"""Copy-move by keypoints: known answers on the shipped samples and on copies the test makes
(rotated and scaled with imgfake.learn.synth)."""

import numpy as np
import pytest
from PIL import Image

from imgfake.forensics.registry import run_analysis
from imgfake.io import load_image
from imgfake.learn.synth import copy_move
from imgfake.resources import samples_dir
from imagefactory import encode

pytest.importorskip("cv2")


def _covered(result, truth: np.ndarray) -> float:
    marked = result.on_grid(1) >= 0.5
    return float((marked & truth).sum() / truth.sum())


def test_the_shipped_copy_move_sample_is_found_and_marked():
    folder = samples_dir()
    truth = np.asarray(Image.open(folder / "kodim07_copy-move_mask.png")) > 0
    result = run_analysis("copymove", load_image(folder / "kodim07_copy-move.jpg"))
    assert result.score > 0.5 and result.details["clones"]
    assert _covered(result, truth) > 0.7, "the pasted copy is marked"
    assert result.on_grid(1).mean() < 3 * truth.mean(), "and not much else than it and its source"
    assert any(f.code == "copy-move" for f in result.findings)


@pytest.mark.parametrize("name", ["kodim03_authentic.jpg", "kodim07_authentic.jpg", "kodim21_authentic.jpg"])
def test_authentic_samples_show_no_clone(name):
    result = run_analysis("copymove", load_image(samples_dir() / name))
    assert result.score < 0.3 and not result.details["clones"] and result.on_grid(1).max() == 0


@pytest.mark.parametrize("rotate,scale", [(True, False), (False, True)])
def test_rotated_and_scaled_copies_are_found(rotate, scale):
    pixels = load_image(samples_dir() / "kodim07_authentic.jpg").pixels
    rng = np.random.default_rng(3)
    forged, truth = copy_move(pixels, rng=rng, rotate=rotate, scale=scale, area=(0.08, 0.12))
    result = run_analysis("copymove", load_image(encode(forged, quality=95), name="forged.jpg"))
    assert result.details["clones"], "a transform was found"
    assert _covered(result, np.asarray(truth) > 0) > 0.5
