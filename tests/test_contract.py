"""The evidence-map contract, for every registered analysis (new methods are covered the day
they register), on images of awkward sizes and kinds."""

import json
import math

import numpy as np
import pytest

from imgfake.forensics.registry import available, run_analysis
from imgfake.io import load_image
from imgfake.results import DIRECTIONS, AnalysisResult
from imagefactory import encode, textured

IMAGES = {
    "jpeg-odd-size": lambda: encode(textured(37, 53, seed=1), quality=85),
    "jpeg-444": lambda: encode(textured(64, 96, seed=2), quality=92, subsampling=0),
    "png-grey": lambda: encode(textured(40, 33, seed=3)[..., 0], "PNG"),
    "png-flat": lambda: encode(np.full((48, 48, 3), 128, np.uint8), "PNG"),
}


@pytest.mark.parametrize("image_kind", sorted(IMAGES))
@pytest.mark.parametrize("name", sorted(available()))
def test_every_analysis_keeps_the_contract(name, image_kind):
    spec = available()[name]
    image = load_image(IMAGES[image_kind](), name=f"{image_kind}.img")
    result = run_analysis(name, image)
    assert isinstance(result, AnalysisResult) and result.name == name
    assert result.image_size == (image.height, image.width)
    assert result.direction in DIRECTIONS
    if result.heatmap is not None:
        assert spec.has_heatmap, "maps are declared when registering"
        heat = result.heatmap
        assert heat.dtype == np.float32 and heat.ndim == 2
        assert heat.shape == (math.ceil(image.height / result.cell), math.ceil(image.width / result.cell))
        assert not heat.flags.writeable, "shared results are read-only"
        finite = np.isfinite(heat)
        assert not np.isinf(heat).any(), "NaN marks not-analysed cells; infinities are never allowed"
        if not finite.any():  # e.g. a flat image: nothing to analyse, so nothing to score
            assert result.score is None, "an image with nothing analysed has no score"
        suspicion = result.suspicion()
        assert suspicion.shape == heat.shape and np.array_equal(np.isfinite(suspicion), finite)
        z = result.suspicion(standardise=True)
        assert np.isfinite(z[finite]).all()
        view = result.on_grid(4)
        assert view.shape == (image.height // 4, image.width // 4)
        if result.mask is not None:
            assert result.mask.shape == heat.shape and result.mask.dtype == bool
    assert result.score is None or math.isfinite(result.score)
    json.dumps(result.to_dict())  # JSON-safe, without the maps


def test_suspicion_turns_every_direction_the_same_way():
    heat = np.array([[1.0, 2.0], [3.0, np.nan]], np.float32)
    high = AnalysisResult("x", heatmap=heat, direction="high").suspicion()
    low = AnalysisResult("x", heatmap=heat, direction="low").suspicion()
    both = AnalysisResult("x", heatmap=heat, direction="both").suspicion()
    assert high[1, 0] > high[0, 0] and low[0, 0] > low[1, 0]
    assert both[0, 0] == both[1, 0] > both[0, 1]  # equally far from the median 2, either way
    assert np.isnan(high[1, 1]) and np.isnan(low[1, 1]) and np.isnan(both[1, 1])


def test_on_grid_averages_cells_and_ignores_nan():
    heat = np.array([[1, 3, np.nan, np.nan], [5, 7, np.nan, 2]], np.float32)
    result = AnalysisResult("x", heatmap=heat, cell=4, image_size=(8, 16))
    pooled = result.on_grid(8)
    np.testing.assert_allclose(pooled, [[4.0, 2.0]])
    assert result.on_grid(2).shape == (4, 8) and result.full_size().shape == (8, 16)
    with pytest.raises(ValueError, match="needs a 2×4 heatmap"):
        AnalysisResult("x", heatmap=np.zeros((2, 3), np.float32), cell=4, image_size=(8, 16))


def test_maps_are_small_not_repeated_to_full_size():
    image = load_image(encode(textured(512, 768, seed=4), quality=90))
    noise = run_analysis("noise", image)
    assert noise.heatmap.nbytes == 32 * 48 * 4  # one float per 16-px cell
