"""One registry of forensic analyses, one result type.

Every analysis takes a :class:`~imgfake.io.LoadedImage` plus keyword parameters and returns an
:class:`AnalysisResult`. The CLI (``imgfake analyses``) and the dashboard list what is here, so a
new analysis registered with :func:`register` shows up in both.

Examples
--------
>>> from imgfake.analyses import available, run_analysis
>>> sorted(available())
['ela', 'jpeg', 'metadata', 'noise']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .findings import Finding
from .io import LoadedImage

__all__ = ["AnalysisResult", "Analysis", "register", "available", "get", "run_analysis"]


@dataclass(frozen=True)
class AnalysisResult:
    """What an analysis found.

    Attributes
    ----------
    name : str
        Registry name of the analysis.
    heatmap : ndarray of float32, shape (H, W), or None
        Per-pixel evidence at the image's size, in the analysis' own units (not rescaled).
    score : float or None
        A scalar summary where one makes sense.
    findings : tuple of Finding
        Plain-words observations.
    details : dict
        JSON-serialisable numbers and strings.
    """

    name: str
    heatmap: np.ndarray | None = None
    score: float | None = None
    findings: tuple[Finding, ...] = ()
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-safe form (the heatmap is summarised by its shape, not included)."""
        return {
            "name": self.name,
            "score": self.score,
            "heatmap_shape": None if self.heatmap is None else list(self.heatmap.shape),
            "findings": [f.to_dict() for f in self.findings],
            "details": self.details,
        }


@dataclass(frozen=True)
class Analysis:
    """A registered analysis: its function and how to present it."""

    name: str
    title: str
    description: str
    func: Callable[..., AnalysisResult]
    has_heatmap: bool


_REGISTRY: dict[str, Analysis] = {}


def register(name: str, *, title: str, description: str, has_heatmap: bool = False):
    """Decorator that adds an analysis function to the registry under `name`."""

    def wrap(func: Callable[..., AnalysisResult]) -> Callable[..., AnalysisResult]:
        if name in _REGISTRY:
            raise ValueError(f"an analysis named {name!r} is already registered")
        _REGISTRY[name] = Analysis(name, title, description, func, has_heatmap)
        return func

    return wrap


def available() -> dict[str, Analysis]:
    """All registered analyses by name."""
    return dict(_REGISTRY)


def get(name: str) -> Analysis:
    """The analysis registered as `name`; ValueError naming the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown analysis {name!r}; available: {', '.join(sorted(_REGISTRY))}"
        ) from None


def run_analysis(name: str, image: LoadedImage, **params) -> AnalysisResult:
    """Run the analysis registered as `name` on `image`."""
    return get(name).func(image, **params)


# --- the built-in analyses -------------------------------------------------------------------


@register(
    "ela",
    title="Error Level Analysis",
    description="Re-saves the image as JPEG and shows how much each pixel changes; regions with "
    "another compression history stand out.",
    has_heatmap=True,
)
def _ela_analysis(image: LoadedImage, *, quality: int = 90) -> AnalysisResult:
    from .ela import ela, ela_stats

    subsampling = image.resave_subsampling
    residual = ela(image.pixels, quality=quality, subsampling=subsampling)
    heatmap = residual.mean(axis=2)
    stats = ela_stats(heatmap)
    return AnalysisResult(
        name="ela",
        heatmap=heatmap,
        score=stats.mean,
        details={"quality": quality, "subsampling": subsampling, **stats.to_dict()},
    )


@register(
    "noise",
    title="Noise residual",
    description="Local strength of fine noise (the image minus a smoothed copy); pasted or "
    "retouched regions often carry different noise from the rest of the photo.",
    has_heatmap=True,
)
def _noise_analysis(image: LoadedImage, *, block: int = 16) -> AnalysisResult:
    from .noise import noise_map

    heatmap = noise_map(image.pixels, block=block)
    spread = float(np.percentile(heatmap, 95) - np.percentile(heatmap, 5))
    return AnalysisResult(
        name="noise",
        heatmap=heatmap,
        score=spread,
        details={"block": block, "median": float(np.median(heatmap)), "p5_p95_spread": spread},
    )


@register(
    "jpeg",
    title="JPEG compression",
    description="Estimates the JPEG quality from the quantisation tables and flags tables that no "
    "standard encoder writes.",
)
def _jpeg_analysis(image: LoadedImage) -> AnalysisResult:
    from .jpeg import estimate_jpeg_quality, jpeg_findings

    if image.jpeg is None or not image.jpeg.quantization:
        finding = Finding(
            "not-jpeg",
            "info",
            f"The file is {image.format}, not JPEG: there is no compression history to read, and "
            "ELA shows how the image would change on its first JPEG save.",
        )
        return AnalysisResult(name="jpeg", findings=(finding,), details={"format": image.format})
    estimate = estimate_jpeg_quality(image.jpeg.quantization)
    return AnalysisResult(
        name="jpeg",
        score=float(estimate.quality),
        findings=tuple(jpeg_findings(estimate)),
        details={
            **estimate.to_dict(),
            "subsampling": image.jpeg.subsampling,
            "progressive": image.jpeg.progressive,
        },
    )


@register(
    "metadata",
    title="Metadata",
    description="Reads EXIF/XMP: camera, editing software, dates and the embedded thumbnail.",
)
def _metadata_analysis(image: LoadedImage) -> AnalysisResult:
    from .metadata import metadata_findings, read_metadata

    meta = read_metadata(image)
    return AnalysisResult(
        name="metadata",
        findings=tuple(metadata_findings(meta, image)),
        details=meta.to_dict(),
    )
