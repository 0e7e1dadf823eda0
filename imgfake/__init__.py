"""imgfake: find out whether a photo has been digitally altered.

Light to import: the forensic functions load on first use, and TensorFlow is imported only when
a model is trained or used (``imgfake.Detector``).

>>> from imgfake import load_image, ela
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# name -> module that defines it; resolved on first attribute access (PEP 562).
_EXPORTS = {
    "load_image": "io",
    "LoadedImage": "io",
    "ImageLoadError": "io",
    "ela": "ela",
    "ela_image": "ela",
    "ela_sweep": "ela",
    "ela_stats": "ela",
    "recompress": "ela",
    "estimate_jpeg_quality": "jpeg",
    "read_metadata": "metadata",
    "metadata_findings": "metadata",
    "Finding": "findings",
    "AnalysisResult": "analyses",
    "run_analysis": "analyses",
    "Detector": "detector",
    "Prediction": "detector",
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


if TYPE_CHECKING:  # for type checkers and IDEs
    from .analyses import AnalysisResult, run_analysis
    from .dashboard import Dashboard
    from .detector import Detector, Prediction
    from .ela import ela, ela_image, ela_stats, ela_sweep, recompress
    from .findings import Finding
    from .io import ImageLoadError, LoadedImage, load_image
    from .jpeg import estimate_jpeg_quality
    from .metadata import metadata_findings, read_metadata
