"""Shared bits of the benchmark scripts: where the development data is, and timing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def median_seconds(func: Callable[[], object], *, repeat: int = 7, warmup: int = 1) -> float:
    """Median wall time of `func` over `repeat` runs after `warmup` runs."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
