"""JPEG quality estimation from the quantisation tables stored in the file.

Most software (libjpeg, Pillow, many phones) builds its quantisation tables by scaling the two
example tables of the JPEG standard (ITU-T T.81 Annex K) with the IJG "quality" formula. Comparing
a file's tables with those 100 scaled sets tells us the quality it was last saved at, and whether
its tables are standard at all (cameras and editors such as Photoshop use their own).

Where it fails: the quality is the last save's only; non-standard tables give an estimate, not a
fact; a high quality says nothing about edits made before the last save.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..io import check_quality
from ..results import AnalysisResult, Finding
from .registry import register

__all__ = [
    "table_signature",
    "STANDARD_LUMINANCE",
    "STANDARD_CHROMINANCE",
    "LOW_QUALITY",
    "JpegQualityEstimate",
    "scaled_tables",
    "estimate_jpeg_quality",
    "jpeg_findings",
]

#: Annex K.1 luminance table, natural (row-major) order, as ``Image.quantization`` gives it.
STANDARD_LUMINANCE: tuple[int, ...] = (
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip

#: Annex K.2 chrominance table, natural (row-major) order.
STANDARD_CHROMINANCE: tuple[int, ...] = (
    17, 18, 24, 47, 99, 99, 99, 99,
    18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
)  # fmt: skip

#: Below this estimated quality, fine detail is lost and ELA residuals are dominated by the
#: first compression, so both deserve less trust.
LOW_QUALITY = 75

_QUALITIES = range(1, 101)


@dataclass(frozen=True)
class JpegQualityEstimate:
    """How a JPEG's quantisation tables compare with the standard IJG tables.

    Attributes
    ----------
    quality : int
        The IJG quality (1..100) whose scaled standard tables are closest to the file's.
    exact : bool
        True when the file's tables equal that scaled standard set coefficient for coefficient.
    error : float
        Mean absolute difference per coefficient between the file's tables and the best match
        (0.0 when ``exact``).
    n_tables : int
        Number of quantisation tables in the file (1 for greyscale, usually 2 for colour).
    """

    quality: int
    exact: bool
    error: float
    n_tables: int

    def to_dict(self) -> dict[str, int | bool | float]:
        """JSON-safe dictionary of the fields."""
        return {"quality": self.quality, "exact": self.exact, "error": self.error,
                "n_tables": self.n_tables}


def _scale(table: Sequence[int], quality: int, *, baseline: bool) -> tuple[int, ...]:
    # libjpeg's jpeg_quality_scaling + jpeg_add_quant_table, integer arithmetic included.
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    upper = 255 if baseline else 32767
    return tuple(min(max((value * scale + 50) // 100, 1), upper) for value in table)


def scaled_tables(
    quality: int, *, baseline: bool = True
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Standard luminance and chrominance tables scaled to an IJG quality, as libjpeg does.

    Parameters
    ----------
    quality : int
        IJG quality, 1..100.
    baseline : bool, optional
        Clamp values to 255 as baseline JPEG requires (libjpeg's ``force_baseline``, what Pillow
        uses). With ``False`` values up to 32767 are kept, as in 16-bit "extended" files.

    Returns
    -------
    luminance, chrominance : tuple of int
        64 values each, in natural (row-major) order.

    Raises
    ------
    ValueError
        If `quality` is not an integer in 1..100.

    Examples
    --------
    >>> scaled_tables(50)[0][:4]
    (16, 11, 10, 16)
    >>> scaled_tables(100)[1][:4]
    (1, 1, 1, 1)
    """
    quality = check_quality(quality)
    return (
        _scale(STANDARD_LUMINANCE, quality, baseline=baseline),
        _scale(STANDARD_CHROMINANCE, quality, baseline=baseline),
    )


def _validated_tables(quantization: Mapping[int, Sequence[int]]) -> list[np.ndarray]:
    """The tables as int arrays, luminance first (lowest table id), after checking them."""
    if not isinstance(quantization, Mapping):
        raise ValueError(
            "quantization must be a mapping of table id to 64 values (Image.open(f).quantization),"
            f" got {type(quantization).__name__}"
        )
    if not quantization:
        raise ValueError("quantization is empty; this is not a JPEG or its tables were not read")
    tables = []
    for table_id in sorted(quantization):
        values = np.asarray(quantization[table_id])
        if values.shape != (64,) or not np.issubdtype(values.dtype, np.integer):
            raise ValueError(
                f"quantisation table {table_id!r} must be 64 integers, got shape "
                f"{values.shape} of {values.dtype}"
            )
        if values.min() < 1 or values.max() > 32767:
            raise ValueError(
                f"quantisation table {table_id!r} must hold values from 1 to 32767, got "
                f"{int(values.min())}..{int(values.max())}"
            )
        tables.append(values.astype(np.int64))
    return tables


def estimate_jpeg_quality(quantization: Mapping[int, Sequence[int]]) -> JpegQualityEstimate:
    """Estimate the IJG quality a JPEG was saved at from its quantisation tables.

    The lowest table id (0) is compared with the scaled luminance table and every other table
    with the scaled chrominance table, for each quality 1..100; the closest set wins.

    Parameters
    ----------
    quantization : mapping of int to sequence of int
        Table id to 64 values in natural order, as ``PIL.Image.open(f).quantization`` or
        ``LoadedImage.jpeg.quantization`` gives it. One table (greyscale) is enough.

    Returns
    -------
    JpegQualityEstimate
        Best quality, whether the match is exact, the mean absolute error and the table count.

    Raises
    ------
    ValueError
        If `quantization` is empty, not a mapping, or holds a table that is not 64 integers
        in 1..32767.

    Examples
    --------
    >>> lum, chrom = scaled_tables(83)
    >>> estimate_jpeg_quality({0: lum, 1: chrom})
    JpegQualityEstimate(quality=83, exact=True, error=0.0, n_tables=2)
    """
    tables = _validated_tables(quantization)
    observed = np.stack(tables)
    lum, chrom = _all_scaled_tables(bool(observed.max() <= 255))  # (100, 64) each
    # Sum of absolute differences per quality: luminance vs table 0, chrominance vs the rest.
    total = np.abs(lum - observed[0]).sum(axis=1)
    for table in observed[1:]:
        total = total + np.abs(chrom - table).sum(axis=1)
    errors = total / observed.size
    best = int(np.argmin(errors))  # ties go to the lower quality; exact matches are unique
    return JpegQualityEstimate(
        quality=_QUALITIES[best], exact=bool(errors[best] == 0.0), error=float(errors[best]),
        n_tables=len(tables),
    )


@functools.lru_cache(maxsize=2)
def _all_scaled_tables(baseline: bool) -> tuple[np.ndarray, np.ndarray]:
    """Scaled luminance and chrominance tables for every quality 1..100, built once."""
    pairs = [scaled_tables(q, baseline=baseline) for q in _QUALITIES]
    return (np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64))


def jpeg_findings(estimate: JpegQualityEstimate) -> list[Finding]:
    """Plain-words findings about a JPEG quality estimate.

    Parameters
    ----------
    estimate : JpegQualityEstimate
        The result of :func:`estimate_jpeg_quality`.

    Returns
    -------
    list of Finding
        Always ``jpeg-quality`` (info); ``jpeg-nonstandard-tables`` (info) when the tables are
        not a scaled standard set; ``jpeg-low-quality`` (notice) below :data:`LOW_QUALITY`.

    Raises
    ------
    ValueError
        If `estimate` is not a :class:`JpegQualityEstimate`.
    """
    if not isinstance(estimate, JpegQualityEstimate):
        raise ValueError(f"estimate must be a JpegQualityEstimate, got {type(estimate).__name__}")
    q = estimate.quality
    about = "" if estimate.exact else "about "
    findings = [Finding(
        "jpeg-quality", "info",
        f"The JPEG was last saved at a quality of {about}{q} out of 100; higher means less "
        "detail was thrown away.",
    )]
    if not estimate.exact:
        findings.append(Finding(
            "jpeg-nonstandard-tables", "info",
            "The JPEG uses its own compression tables rather than the standard ones (closest "
            f"standard quality {q}), which is normal for cameras, phones and editors such as "
            "Photoshop and tells you which kind of program saved it last.",
        ))
    if q < LOW_QUALITY:
        findings.append(Finding(
            "jpeg-low-quality", "notice",
            f"The JPEG was saved at a low quality ({about}{q}), so fine detail is lost and error "
            "level analysis is less reliable on it.",
        ))
    return findings


def table_signature(quantization: Mapping[int, Sequence[int]] | None) -> str | None:
    """Short signature of a JPEG's quantisation tables (None for non-JPEGs).

    Two files share a signature exactly when they were saved with the same tables, i.e. the
    same quality setting of the same software. The name starts with the estimated IJG
    quality: ``"q90=9f9d90"`` for standard tables, ``"q94~3f2a1c"`` for non-standard ones.
    """
    if not quantization:
        return None
    tables = {int(k): tuple(int(v) for v in t) for k, t in quantization.items()}
    digest = hashlib.sha256(repr(sorted(tables.items())).encode()).hexdigest()[:6]
    try:
        estimate = estimate_jpeg_quality(tables)
    except ValueError:  # tables no encoder writes (a 0, a wrong length): a signature all the same
        return f"invalid~{digest}"
    return f"q{estimate.quality}{'=' if estimate.exact else '~'}{digest}"


@register(
    "jpeg",
    title="JPEG compression",
    family="compression",
    description="Estimates the JPEG quality from the quantisation tables and flags tables that no "
    "standard encoder writes.",
    needs=("jpeg",),
)
def jpeg_analysis(image) -> AnalysisResult:
    """The file's JPEG quality estimate and table findings (``details["quality"]``)."""
    if image.jpeg is None or not image.jpeg.quantization:
        finding = Finding(
            "not-jpeg",
            "info",
            f"The file is {image.format}, not JPEG: there is no compression history to read, and "
            "ELA shows how the image would change on its first JPEG save.",
        )
        return AnalysisResult(name="jpeg", findings=(finding,), details={"format": image.format})
    try:
        estimate = estimate_jpeg_quality(image.jpeg.quantization)
    except ValueError as exc:  # e.g. a 0 in a table: libjpeg decodes it, no encoder writes it
        finding = Finding("jpeg-invalid-tables", "warning",
                          f"The JPEG's quantisation tables are not valid ({exc}): no encoder writes "
                          "such tables, so the file was crafted or damaged after it was saved.")
        return AnalysisResult(name="jpeg", findings=(finding,),
                              details={"subsampling": image.jpeg.subsampling, "valid_tables": False})
    return AnalysisResult(
        name="jpeg",
        findings=tuple(jpeg_findings(estimate)),
        details={
            **estimate.to_dict(),
            "subsampling": image.jpeg.subsampling,
            "progressive": image.jpeg.progressive,
            "tables": table_signature(image.jpeg.quantization),
        },
    )
