import numpy as np
import pytest

from imgfake.forensics.ela import ela, ela_image, ela_stats, ela_sweep, recompress, _codec
from imagefactory import jpeg_roundtrip, textured


def test_flat_image_has_zero_error_and_does_not_divide_by_zero():
    flat = np.full((64, 64, 3), 128, np.uint8)
    residual = ela(flat, quality=90)
    assert residual.dtype == np.uint8 and residual.shape == flat.shape
    assert residual.max() == 0
    shown = ela_image(residual)  # auto gain on a flat residual
    assert shown.dtype == np.uint8 and shown.max() == 0


def test_pasted_region_with_another_history_stands_out():
    # STYLE.md practice 9: compress at q70, paste back a never-compressed 8×8-aligned patch,
    # ELA at q70: the patch must stand out.
    original = textured(256, 256, seed=1)
    forged = jpeg_roundtrip(original, 70).copy()
    forged[64:128, 96:160] = original[64:128, 96:160]
    mask = np.zeros((256, 256), bool)
    mask[64:128, 96:160] = True
    residual = ela(forged, quality=70)
    inside, outside = ela_stats(residual, mask=mask), ela_stats(residual, mask=~mask)
    assert inside.mean > 4.0
    assert outside.mean < 0.5
    assert inside.mean > 10 * outside.mean


def test_repeated_resaves_shrink_the_error_level():
    # The known caveat: each re-save at the same quality leaves less to find.
    pixels = textured(128, 128, seed=2)
    levels = []
    for _ in range(4):
        levels.append(ela_stats(ela(pixels, quality=80)).mean)
        pixels = jpeg_roundtrip(pixels, 80)
    assert all(a >= b for a, b in zip(levels, levels[1:])), levels
    # One re-save at the same quality already erases almost all of it (13.2 → 0.11 here).
    assert levels[1] < 0.05 * levels[0], levels


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4"])
@pytest.mark.parametrize("height", [1040, 1111])
def test_parallel_strips_equal_a_whole_image_reencode(subsampling, height):
    pixels = textured(height, 200, seed=3)
    whole = _codec(pixels, 85, subsampling)
    for workers in (1, 2, 3):
        np.testing.assert_array_equal(recompress(pixels, quality=85, subsampling=subsampling, workers=workers), whole)
    expected = np.abs(pixels.astype(np.float32) - whole)
    np.testing.assert_array_equal(ela(pixels, quality=85, subsampling=subsampling, workers=2), expected)


def test_lower_resave_quality_gives_larger_error():
    pixels = textured(96, 96, seed=4)
    sweep = ela_sweep(pixels, [60, 80, 95])
    means = [float(sweep[q].mean()) for q in (60, 80, 95)]
    assert means[0] > means[1] > means[2]
    assert sweep[60].shape == (96, 96)
    assert ela_sweep(pixels, [90], reduce=None)[90].shape == (96, 96, 3)


def test_ela_image_gain_and_modes():
    residual = np.array([[0.0, 1.0, 4.0, 100.0]], np.float32)
    np.testing.assert_array_equal(ela_image(residual, gain=10), [[0, 10, 40, 255]])
    sqrt = ela_image(residual, gain=10, mode="sqrt")
    assert sqrt[0, 1] == round(255 * np.sqrt(10 / 255))  # faint levels lifted
    assert ela_image(residual, gain="auto", percentile=100)[0, 3] == 255


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"quality": 0}, "between 1 and 100"),
        ({"quality": 101}, "between 1 and 100"),
        ({"quality": 90.5}, "integer"),
        ({"subsampling": "4:1:1"}, "subsampling"),
    ],
)
def test_ela_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ela(textured(16, 16), **kwargs)


def test_ela_rejects_bad_pixels():
    with pytest.raises(ValueError, match="uint8"):
        ela(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        ela(np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match="gain"):
        ela_image(np.zeros((4, 4)), gain=-1)
    with pytest.raises(ValueError, match="mode"):
        ela_image(np.zeros((4, 4)), mode="log")
    with pytest.raises(ValueError, match="no pixels"):
        ela_stats(np.zeros((4, 4)), mask=np.zeros((4, 4), bool))
