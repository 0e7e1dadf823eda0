"""imgfake: find out whether a photo has been digitally altered.

Light to import: the forensic functions load on first use, and TensorFlow is imported only when
a model is trained or used (``imgfake.Detector``).

>>> from imgfake import load_image, ela
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__

# name -> module that defines it; resolved on first attribute access (PEP 562).
_EXPORTS = {
    "load_image": "io",
    "LoadedImage": "io",
    "ImageLoadError": "io",
    "ela": "forensics.ela",
    "ela_image": "forensics.ela",
    "ela_sweep": "forensics.ela",
    "ela_stats": "forensics.ela",
    "recompress": "forensics.ela",
    "noise_map": "forensics.noise",
    "estimate_jpeg_quality": "forensics.jpeg",
    "read_metadata": "forensics.metadata",
    "metadata_findings": "forensics.metadata",
    "Finding": "results",
    "AnalysisResult": "results",
    "available": "forensics.registry",
    "register": "forensics.registry",
    "run_analysis": "forensics.registry",
    "iter_images": "scan",
    "Detector": "learn.detector",
    "Prediction": "learn.detector",
    "Dashboard": "dashboard",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'imgfake' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and IDEs; tests/test_packaging.py keeps it equal to _EXPORTS
    from .dashboard import Dashboard
    from .forensics.ela import ela, ela_image, ela_stats, ela_sweep, recompress
    from .forensics.jpeg import estimate_jpeg_quality
    from .forensics.metadata import metadata_findings, read_metadata
    from .forensics.noise import noise_map
    from .forensics.registry import available, register, run_analysis
    from .io import ImageLoadError, LoadedImage, load_image
    from .learn.detector import Detector, Prediction
    from .results import AnalysisResult, Finding
    from .scan import iter_images
