"""The imgfake dashboard: ``Dashboard()`` in a notebook cell, or ``make dashboard`` for Voilà.

:class:`DashboardState` holds what the dashboard knows and computes (testable without a
browser); :class:`Dashboard` is its ipywidgets view. Importing this package does not import
TensorFlow: the detector is loaded in the background when the dashboard is created.
"""

from .state import DashboardState
from .view import Dashboard

__all__ = ["Dashboard", "DashboardState"]
