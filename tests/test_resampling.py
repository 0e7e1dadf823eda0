"""Resampling (Kirchner's predictor-residue spectrum): known answers on images the test makes.

A square of another photo is scaled (or turned) and pasted; the map must be high on the cells
whose 96-pixel view lies inside the square, low on those whose view does not touch it, and the
authentic twin must not be flagged. Rates over many photos are in the module docstring.
"""

import io

import numpy as np
import pytest
from PIL import Image

from imgfake.forensics.registry import available, run_analysis
from imgfake.forensics.resampling import CLEAR_DB, predictor_residue, resampling_map
from imgfake.io import load_image
from imagefactory import encode, textured

TOP, LEFT, SIDE = 96, 128, 160  # the pasted square, on a 384 × 384 host


def _paste(host, source, *, scale=1.5, angle=None, resample=Image.Resampling.BILINEAR):
    """`host` with a SIDE × SIDE square of `source` upscaled by `scale` (or rotated by `angle`)."""
    if angle is None:
        n = int(round(SIDE / scale))
        region = Image.fromarray(source[:n, :n]).resize((SIDE, SIDE), resample)
    else:
        n = int(SIDE * 1.5)
        turned = Image.fromarray(source[:n, :n]).rotate(angle, resample=resample)
        o = (n - SIDE) // 2
        region = turned.crop((o, o, o + SIDE, o + SIDE))
    out = host.copy()
    out[TOP:TOP + SIDE, LEFT:LEFT + SIDE] = np.asarray(region)
    return out


def _cells(shape, top=TOP, left=LEFT, side=SIDE, cell=32, view=32):
    """(inside, outside): cells whose view (the cell ± `view` px) lies in / misses the square."""
    i = np.arange(shape[0])[:, None] * cell
    j = np.arange(shape[1])[None, :] * cell
    r0, r1, c0, c1 = i - view, i + cell + view, j - view, j + cell + view
    inside = (r0 >= top) & (r1 <= top + side) & (c0 >= left) & (c1 <= left + side)
    outside = (r1 <= top) | (r0 >= top + side) | (c1 <= left) | (c0 >= left + side)
    return inside, outside


def _run(pixels, fmt):
    data = encode(pixels, "PNG") if fmt == "PNG" else encode(pixels, quality=int(fmt[4:]))
    return run_analysis("resampling", load_image(data, name=f"test.{fmt[:4].lower()}"))


def _warned(result):
    return any(f.severity == "warning" for f in result.findings)


def test_registered_as_specified():
    spec = available()["resampling"]
    assert (spec.title, spec.family, spec.has_heatmap, spec.direction, spec.cell) == (
        "Resampling (scaled or rotated regions)", "noise", True, "high", 32)
    assert spec.defaults() == {"cell": 32}


def test_the_residue_is_kirchners_fixed_predictor():
    rng = np.random.default_rng(0)
    grey = rng.uniform(0, 255, (20, 30)).astype(np.float32)
    c = grey[1:-1, 1:-1]
    cross = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:]
    diagonal = grey[:-2, :-2] + grey[:-2, 2:] + grey[2:, :-2] + grey[2:, 2:]
    np.testing.assert_allclose(predictor_residue(grey), c - 0.5 * cross + 0.25 * diagonal, atol=1e-3)
    y, x = np.mgrid[0:10, 0:12].astype(np.float32)
    assert np.abs(predictor_residue(3 * x - 2 * y + 7)).max() < 1e-4  # a plane is predicted exactly
    with pytest.raises(ValueError, match="at least 3×3"):
        predictor_residue(np.zeros((2, 9)))


@pytest.mark.parametrize("fmt, inside_db", [("PNG", 15.0), ("JPEG95", 11.0)])
def test_an_upscaled_region_is_found_and_its_authentic_twin_is_not(fmt, inside_db):
    host, source = textured(384, 384, seed=1), textured(384, 384, seed=11)
    forged = _run(_paste(host, source, scale=1.5), fmt)
    inside, outside = _cells(forged.heatmap.shape)
    heat = forged.heatmap
    # measured: inside 24 dB (PNG), 17 dB (JPEG 95); outside 4 dB (max 6); at JPEG 75 the
    # inside falls to 7 dB, under the bar: compression that strong erases the trace
    assert np.nanmean(heat[inside]) >= inside_db
    assert np.nanmean(heat[outside]) <= 6.0 and np.nanmax(heat[outside]) < CLEAR_DB
    assert _warned(forged) and forged.mask[inside].mean() >= 0.75 and not forged.mask[outside].any()
    assert forged.score > 0.05
    twin = _run(host, fmt)
    assert not _warned(twin) and twin.score == 0.0 and np.nanmax(twin.heatmap) < CLEAR_DB


def test_a_bicubic_upscale_and_a_rotated_region_are_found():
    host, source = textured(384, 384, seed=2), textured(384, 384, seed=12)
    bicubic = _run(_paste(host, source, scale=1.3, resample=Image.Resampling.BICUBIC), "PNG")  # 21 dB
    inside, outside = _cells(bicubic.heatmap.shape)
    assert np.nanmean(bicubic.heatmap[inside]) >= 12 and np.nanmean(bicubic.heatmap[outside]) <= 6
    turned = _run(_paste(host, source, angle=20), "PNG")  # measured: inside 14 dB, outside 4
    assert np.nanmean(turned.heatmap[inside]) >= 10.0 and np.nanmax(turned.heatmap[outside]) < CLEAR_DB
    assert _warned(turned)


def test_a_whole_resized_photo_is_a_notice_not_a_warning():
    photo = Image.fromarray(textured(256, 256, seed=3)).resize((384, 384), Image.Resampling.BILINEAR)
    result = _run(np.asarray(photo), "PNG")
    assert np.nanmedian(result.heatmap) > 15  # every cell shows the upscale
    codes = {f.code: f.severity for f in result.findings}
    assert codes == {"resampling-whole-photo": "notice"} and result.score == 0.0
    assert result.details["typical_db"] > 10


def test_the_jpeg_grid_is_set_aside_also_when_the_file_no_longer_says_jpeg():
    once_jpeg = np.asarray(Image.open(io.BytesIO(encode(textured(384, 384, seed=4), quality=75))))
    found = resampling_map(once_jpeg)  # a PNG made from a JPEG: the grid is seen, and set aside
    assert found.jpeg_grid and np.nanmax(found.strength) < CLEAR_DB
    unmasked = resampling_map(once_jpeg, jpeg_grid=False)  # the false alarm the mask prevents (60%)
    assert np.nanmean(unmasked.strength >= CLEAR_DB) > 0.3
    never = resampling_map(textured(384, 384, seed=4))
    assert not never.jpeg_grid


def test_a_periodic_texture_is_not_taken_for_resampling():
    y, x = np.mgrid[0:384, 0:384].astype(np.float32)
    rng = np.random.default_rng(0)
    tiles = 128 + 50 * np.sin(0.4 * np.pi * x) * np.sin(0.4 * np.pi * y) + rng.normal(0, 3, x.shape)
    pixels = np.clip(np.repeat(tiles[..., None], 3, axis=2), 0, 255).astype(np.uint8)
    result = _run(pixels, "PNG")
    assert np.nanmedian(result.heatmap) < 5 and not result.findings


@pytest.mark.parametrize("pixels, words", [
    (np.full((300, 300, 3), 90, np.uint8), "too flat"),
    (np.repeat(np.repeat(np.linspace(0, 255, 400)[None, :, None], 200, 0), 3, 2).astype(np.uint8), "too flat"),
    (textured(60, 500, seed=5), "too small"),
    (textured(1, 1, seed=5), "too small"),
])
def test_nothing_to_analyse_gives_nan_cells_and_no_score(pixels, words):
    result = _run(np.ascontiguousarray(pixels), "PNG")
    assert np.isnan(result.heatmap).all() and result.score is None
    finding = result.findings[0]
    assert finding.code == "resampling-nothing-to-analyse" and words in finding.message


def test_other_grids_take_the_value_under_each_cell_centre():
    pixels = _paste(textured(384, 384, seed=6), textured(384, 384, seed=16))
    base = resampling_map(pixels).strength
    fine = resampling_map(pixels, cell=16).strength
    coarse = resampling_map(pixels, cell=64).strength
    assert fine.shape == (24, 24) and coarse.shape == (6, 6)
    np.testing.assert_array_equal(fine[::2, ::2], base)
    np.testing.assert_array_equal(coarse, base[1::2, 1::2])
    with pytest.raises(ValueError, match="cell must be an integer"):
        resampling_map(pixels, cell=0)
    image = load_image(encode(pixels, "PNG"))
    drawn, decided = run_analysis("resampling", image, cell=16), run_analysis("resampling", image)
    assert drawn.mask.shape == (24, 24) and drawn.score == decided.score > 0  # decided on 32 px
    np.testing.assert_array_equal(drawn.mask[::2, ::2], decided.mask)


@pytest.mark.shared_data
def test_natural_photos_an_upscaled_region_and_the_authentic_twins(shared_data):
    """Kodak PNGs: a 192-px square of another photo upscaled ×1.4 (bilinear)."""
    kodak = sorted((shared_data / "pristine" / "kodak").glob("*.png"))
    if len(kodak) < 12:
        pytest.skip(f"expected the 24 Kodak PNGs in {shared_data / 'pristine' / 'kodak'}")
    found, false, warned = {"PNG": [], "JPEG95": []}, {"PNG": [], "JPEG95": []}, []
    for k in (2, 6, 11):
        host = np.asarray(Image.open(kodak[k]).convert("RGB"))
        source = np.asarray(Image.open(kodak[k + 7]).convert("RGB"))
        n = int(192 / 1.4)
        region = Image.fromarray(source[100:100 + n, 200:200 + n])
        region = region.resize((192, 192), Image.Resampling.BILINEAR)
        forged = host.copy()
        forged[160:352, 256:448] = np.asarray(region)
        for fmt in found:
            result, twin = _run(forged, fmt), _run(host, fmt)
            inside, _ = _cells(result.heatmap.shape, top=160, left=256, side=192)
            inside &= np.isfinite(result.heatmap)
            found[fmt].append(result.heatmap[inside] >= result.details["clear_db"])
            false[fmt].append(twin.heatmap[np.isfinite(twin.heatmap)] >= twin.details["clear_db"])
            warned.append(_warned(twin))
    rate = {fmt: np.concatenate(v).mean() for fmt, v in found.items()}
    false_rate = {fmt: np.concatenate(v).mean() for fmt, v in false.items()}
    # measured on these three: PNG 100% found, JPEG 95 36%; false 0.3% / 0.3% of the twins' cells
    assert rate["PNG"] >= 0.8 and rate["JPEG95"] >= 0.15
    assert false_rate["PNG"] <= 0.02 and false_rate["JPEG95"] <= 0.02
    assert not any(warned)
