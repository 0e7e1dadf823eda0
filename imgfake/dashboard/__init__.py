"""The imgfake dashboard: ``Dashboard()`` in a notebook cell, or ``imgfake dashboard`` for Voilà.

:class:`DashboardState` holds what the dashboard knows and computes (testable without a
browser); :class:`Dashboard` is its ipywidgets view. Importing this package does not import
TensorFlow: the detector is loaded in the background when the dashboard is created. Both load
on first use, so ``imgfake.dashboard.serve`` (which every ``imgfake`` command's parser reads)
does not pull in ipywidgets.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = ["Dashboard", "DashboardState"]
_EXPORTS = {"Dashboard": "view", "DashboardState": "state"}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'imgfake.dashboard' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .state import DashboardState
    from .view import Dashboard
