"""Known answers for imgfake.forensics.jpeg: files Pillow writes at a known quality, tables we chose."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from imgfake.results import Finding
from imgfake.forensics.jpeg import (
    STANDARD_CHROMINANCE,
    STANDARD_LUMINANCE,
    JpegQualityEstimate,
    estimate_jpeg_quality,
    jpeg_findings,
    scaled_tables,
)


def _texture(mode: str = "RGB") -> Image.Image:
    pixels = np.random.default_rng(0).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    return Image.fromarray(pixels).convert(mode)


def _saved_tables(image: Image.Image, **save_args) -> dict[int, list[int]]:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **save_args)
    buffer.seek(0)
    with Image.open(buffer) as reopened:
        return dict(reopened.quantization)


def _codes(findings: list[Finding]) -> set[str]:
    return {finding.code for finding in findings}


def test_standard_tables_are_annex_k_in_natural_order():
    assert STANDARD_LUMINANCE[:8] == (16, 11, 10, 16, 24, 40, 51, 61)
    assert STANDARD_LUMINANCE[8] == 12 and STANDARD_LUMINANCE[-1] == 99
    assert STANDARD_CHROMINANCE[:4] == (17, 18, 24, 47) and STANDARD_CHROMINANCE[-1] == 99
    assert scaled_tables(50) == (STANDARD_LUMINANCE, STANDARD_CHROMINANCE)


@pytest.mark.parametrize(
    ("quality", "first_luminance", "first_chrominance"),
    [(1, 255, 255), (10, 80, 85), (25, 32, 34), (75, 8, 9), (90, 3, 3), (100, 1, 1)],
)
def test_scaled_tables_follow_libjpeg_formula(quality, first_luminance, first_chrominance):
    luminance, chrominance = scaled_tables(quality)
    assert (luminance[0], chrominance[0]) == (first_luminance, first_chrominance)
    assert all(1 <= value <= 255 for value in luminance + chrominance)


def test_unclamped_tables_exceed_255_at_low_quality():
    assert max(scaled_tables(5, baseline=False)[0]) == (121 * 1000 + 50) // 100
    assert max(scaled_tables(5)[0]) == 255


@pytest.mark.parametrize("quality", range(1, 101))
def test_every_pillow_quality_is_recovered_exactly(quality):
    # Pillow uses libjpeg's scaled Annex K tables for every quality, 100 (all ones) included.
    tables = _saved_tables(_texture(), quality=quality)
    estimate = estimate_jpeg_quality(tables)
    assert estimate == JpegQualityEstimate(quality=quality, exact=True, error=0.0, n_tables=2)


def test_pillow_default_quality_is_75():
    assert estimate_jpeg_quality(_saved_tables(_texture())).quality == 75


@pytest.mark.parametrize("quality", [30, 75, 95])
def test_greyscale_file_with_one_table(quality):
    tables = _saved_tables(_texture("L"), quality=quality)
    assert list(tables) == [0]
    estimate = estimate_jpeg_quality(tables)
    assert (estimate.quality, estimate.exact, estimate.n_tables) == (quality, True, 1)


def test_sixteen_bit_tables_match_unclamped_scaling():
    luminance, chrominance = scaled_tables(5, baseline=False)
    estimate = estimate_jpeg_quality({0: luminance, 1: chrominance})
    assert (estimate.quality, estimate.exact) == (5, True)


def test_custom_tables_are_not_exact_and_name_closest_quality():
    # Quality-90 tables with every coefficient nudged by +1: non-standard, closest to 90.
    luminance, chrominance = scaled_tables(90)
    custom = [[value + 1 for value in luminance], [value + 1 for value in chrominance]]
    tables = _saved_tables(_texture(), qtables=custom)
    assert tables[0] == custom[0]  # Pillow round-trips qtables in natural order
    estimate = estimate_jpeg_quality(tables)
    assert not estimate.exact
    assert estimate.quality in (88, 89, 90)
    assert 0 < estimate.error <= 1.0
    findings = jpeg_findings(estimate)
    assert "jpeg-nonstandard-tables" in _codes(findings)
    nonstandard = next(f for f in findings if f.code == "jpeg-nonstandard-tables")
    assert f"closest standard quality {estimate.quality}" in nonstandard.message


def test_flat_table_is_not_standard():
    estimate = estimate_jpeg_quality({0: [4] * 64, 1: [4] * 64})
    assert not estimate.exact and estimate.error > 0


def test_findings_for_standard_high_quality():
    findings = jpeg_findings(estimate_jpeg_quality(_saved_tables(_texture(), quality=92)))
    assert _codes(findings) == {"jpeg-quality"}
    assert findings[0].severity == "info" and "92" in findings[0].message


def test_findings_for_low_quality():
    findings = jpeg_findings(estimate_jpeg_quality(_saved_tables(_texture(), quality=60)))
    assert _codes(findings) == {"jpeg-quality", "jpeg-low-quality"}
    low = next(f for f in findings if f.code == "jpeg-low-quality")
    assert low.severity == "notice" and "60" in low.message


def test_quality_74_is_low_and_75_is_not():
    low = jpeg_findings(JpegQualityEstimate(quality=74, exact=True, error=0.0, n_tables=2))
    ok = jpeg_findings(JpegQualityEstimate(quality=75, exact=True, error=0.0, n_tables=2))
    assert "jpeg-low-quality" in _codes(low) and "jpeg-low-quality" not in _codes(ok)


def test_to_dict_is_plain():
    estimate = estimate_jpeg_quality({0: scaled_tables(80)[0]})
    assert estimate.to_dict() == {"quality": 80, "exact": True, "error": 0.0, "n_tables": 1}


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ({}, "empty"),
        ([list(range(1, 65))], "got list"),
        ({0: list(range(1, 64))}, "shape (63,)"),
        ({0: [1.5] * 64}, "float64"),
        ({0: [0] * 64}, "got 0..0"),
        ({0: [1] * 64, 1: [40000] * 64}, "table 1"),
    ],
)
def test_bad_input_raises_value_error_naming_it(bad, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        estimate_jpeg_quality(bad)


@pytest.mark.parametrize("quality", [0, 101, 50.0, True, "90"])
def test_scaled_tables_rejects_bad_quality(quality):
    with pytest.raises(ValueError, match="quality must be an integer from 1 to 100"):
        scaled_tables(quality)


def test_jpeg_findings_rejects_other_types():
    with pytest.raises(ValueError, match="got dict"):
        jpeg_findings({"quality": 90})
