"""Double JPEG compression, aligned (A-DJPG) and not (NA-DJPG), and the DCT reader they share:
known answers on images the test makes."""

import dataclasses

import numpy as np
import pytest
from PIL import Image

from imgfake.forensics import dct
from imgfake.forensics.adjpg import dq_factor
from imgfake.forensics.nadjpg import fit_lattice
from imgfake.forensics.registry import run_analysis
from imgfake.io import encode_jpeg, load_image
from imagefactory import encode, jpeg_roundtrip, textured


def _scene(h=384, w=512, seed=1):
    """Smooth shapes and fine texture: the coefficient histograms of a photo, not of white noise."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 16, w // 16, 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC), np.float32)
    texture = textured(h, w, seed=seed).astype(np.float32)
    return np.clip(0.6 * smooth + 0.4 * texture, 0, 255).astype(np.uint8)


def _paste(base, donor, box):
    y0, y1, x0, x1 = box
    forged = base.copy()
    forged[y0:y1, x0:x1] = donor[y0:y1, x0:x1]
    mask = np.zeros(base.shape[:2], bool)
    mask[y0:y1, x0:x1] = True
    return forged, mask


def _f1(score_map, mask, threshold=0.5):
    predicted = np.nan_to_num(score_map, nan=0.0) > threshold
    tp = (predicted & mask).sum()
    return 2 * tp / max(predicted.sum() + mask.sum(), 1)


# ---------------------------------------------------------------------------- the reader


def test_the_reader_returns_the_encoders_integers_and_the_pixel_estimate_is_close():
    data = encode_jpeg(_scene(), quality=80)
    image = load_image(data, name="scene.jpg")
    from_file = dct.read_coefficients(image)
    assert from_file.source == "file" and from_file.luma.shape == (48, 64, 64)
    assert (from_file.table == np.asarray(image.jpeg.quantization[0])).all()
    estimate = dct.read_coefficients(dataclasses.replace(image, data=None))
    assert estimate.source == "pixels" and "re-estimated" in estimate.note
    assert (estimate.luma == from_file.luma).mean() > 0.9  # decoding rounds, so not all of them


def test_the_reader_follows_the_exif_orientation_and_skips_other_formats():
    pixels = _scene(128, 192)
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6  # stored sideways: shown rotated 90° clockwise
    loaded = load_image(encode(image, "JPEG", quality=85, exif=exif.tobytes()), name="turned.jpg")
    assert loaded.pixels.shape[:2] == (192, 128)
    coefficients = dct.read_coefficients(loaded)
    assert coefficients.luma.shape[:2] == (16, 24) and (coefficients.height, coefficients.width) == (128, 192)
    assert dct.read_coefficients(load_image(encode(pixels, "PNG"), name="x.png")) is None


# ---------------------------------------------------------------------------- A-DJPG


def test_dq_factor_counts_the_first_lattice_in_each_bin_and_averages_one():
    n = dq_factor(5, 3, np.arange(-30, 31))
    assert n.mean() == pytest.approx(1.0, abs=0.02)
    assert (n == 0).any()  # 5 -> 3 leaves empty bins
    assert np.allclose(dq_factor(3, 6, np.arange(-10, 11)), 1.0)  # a divisor leaves no trace...


@pytest.mark.parametrize("q1, q2", [(60, 85), (75, 90)])
def test_a_region_compressed_once_in_a_double_compressed_photo_is_found(q1, q2):
    base = jpeg_roundtrip(_scene(seed=2), q1)
    forged, mask = _paste(base, _scene(seed=3), (96, 288, 128, 352))
    result = run_analysis("adjpg", load_image(encode_jpeg(forged, quality=q2), name="forged.jpg"))
    assert result.details["coefficients"] == "file" and result.details["suspicious"] == "single"
    assert _f1(result.full_size(), mask) > 0.8
    assert any(f.code == "adjpg-region" for f in result.findings) and result.score > 0.15
    twin = run_analysis("adjpg", load_image(encode_jpeg(base, quality=q2), name="authentic.jpg"))
    assert twin.score < 0.02 and not any(f.code == "adjpg-region" for f in twin.findings)
    assert any(f.code == "double-jpeg" for f in twin.findings)


def test_a_photo_saved_once_or_not_a_jpeg_is_not_judged():
    once = run_analysis("adjpg", load_image(encode_jpeg(_scene(seed=4), quality=85), name="once.jpg"))
    assert once.score is None and once.findings[-1].code == "single-jpeg" and np.isnan(once.heatmap).all()
    png = run_analysis("adjpg", load_image(encode(_scene(seed=4), "PNG"), name="x.png"))
    assert png.score is None and png.findings[0].code == "not-jpeg"


# ---------------------------------------------------------------------------- NA-DJPG


def test_fit_lattice_recovers_the_share_on_the_lattice_and_its_spread():
    rng = np.random.default_rng(0)
    on = rng.normal(0, 1.2, 7000)
    off = rng.uniform(-5, 5, 3000)
    r = np.concatenate([on, off])
    r = r - 10 * np.rint(r / 10)
    alpha, sigma = fit_lattice(r, 10.0)
    assert alpha == pytest.approx(0.7, abs=0.05) and sigma == pytest.approx(1.2, abs=0.15)


def test_a_fresh_region_in_a_cropped_and_resaved_jpeg_is_found_and_the_first_grid_recovered():
    first = jpeg_roundtrip(_scene(400, 520, seed=5), 60)
    base = np.ascontiguousarray(first[3:387, 5:517])  # cropped off the 8×8 grid after the first save
    forged, mask = _paste(base, _scene(seed=6), (96, 288, 128, 352))
    result = run_analysis("nadjpg", load_image(encode_jpeg(forged, quality=90), name="forged.jpg"))
    assert result.details["first_grid"] == {"x": 3, "y": 5}
    assert result.details["suspicious"] == "off-grid"
    assert _f1(result.full_size(), mask) > 0.8 and result.score > 0.1
    assert any(f.code == "nadjpg-region" for f in result.findings)
    twin = run_analysis("nadjpg", load_image(encode_jpeg(base, quality=90), name="authentic.jpg"))
    assert twin.details["first_grid"] == {"x": 3, "y": 5}
    assert twin.score < 0.02 and not any(f.code == "nadjpg-region" for f in twin.findings)


def test_a_jpeg_cut_out_dropped_into_a_fresh_photo_is_the_odd_one_out():
    donor = np.roll(jpeg_roundtrip(np.roll(_scene(seed=7), (-2, -6), axis=(0, 1)), 60), (2, 6), axis=(0, 1))
    forged, mask = _paste(_scene(seed=8), donor, (64, 320, 96, 416))  # 40 % of the photo
    result = run_analysis("nadjpg", load_image(encode(forged, "PNG"), name="forged.png"))
    assert result.details["first_grid"] == {"x": 6, "y": 2} and result.details["suspicious"] == "on-grid"
    assert _f1(result.full_size(), mask) > 0.8


def test_a_photo_saved_once_has_no_shifted_grid():
    for quality in (50, 90):
        result = run_analysis("nadjpg", load_image(encode_jpeg(_scene(seed=9), quality=quality), name="once.jpg"))
        assert result.score is None and np.isnan(result.heatmap).all(), quality
        assert any(f.code == "no-shifted-grid" for f in result.findings)


def test_libjpeg_warnings_about_a_damaged_file_stay_off_stderr(capfd):
    data = bytearray(encode_jpeg(_scene(128, 128, seed=10), quality=80))
    data[len(data) // 2: len(data) // 2 + 3] = b"\xff\x00\x12"  # damage the entropy-coded data
    image = load_image(bytes(data), name="damaged.jpg")
    assert dct.read_coefficients(image).source == "file"
    print("still here", file=__import__("sys").stderr)
    err = capfd.readouterr().err
    assert "Corrupt JPEG" not in err and "still here" in err
