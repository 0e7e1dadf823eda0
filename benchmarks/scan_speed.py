"""Throughput of ``imgfake scan`` with 1 and 2 local Dask workers, next to ``Detector.predict_paths``
on the same files, in one run; and the writer's memory over a long scan.

    .venv/bin/python benchmarks/scan_speed.py                  # 120 600×600 JPEGs
    .venv/bin/python benchmarks/scan_speed.py --n 10000 --only 2   # the long run: memory stays flat?

The files are made here (600×600 JPEGs cut from the bundled samples at random offsets and
qualities). Targets (issue #12): scaling efficiency 1 → 2 workers ≥ 0.8; the scan's cost per
image within 15 % of predict's (Dask's overhead); the writer's memory flat over 10,000 files.
The machine is shared: read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_files(folder: Path, n: int, seed: int = 0) -> list[Path]:
    from PIL import Image

    rng = np.random.default_rng(seed)
    photos = [np.asarray(Image.open(p).convert("RGB")) for p in sorted((ROOT / "data" / "samples").glob("*.jpg"))]
    big = [np.asarray(Image.fromarray(p).resize((p.shape[1] * 2, p.shape[0] * 2))) for p in photos]
    paths = []
    for i in range(n):
        src = big[i % len(big)]
        y, x = rng.integers(0, src.shape[0] - 600), rng.integers(0, src.shape[1] - 600)
        path = folder / f"img{i:05d}.jpg"
        Image.fromarray(src[y:y + 600, x:x + 600]).save(path, quality=int(rng.integers(75, 96)))
        paths.append(path)
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=120)
    ap.add_argument("--only", type=int, default=None, help="run only this many workers (the long memory run)")
    args = ap.parse_args()

    from imgfake.learn.collection import scan_collection
    from imgfake.learn.detector import Detector

    with tempfile.TemporaryDirectory(prefix="imgfake-scan-bench-") as tmp:
        tmp = Path(tmp)
        (tmp / "files").mkdir()
        paths = make_files(tmp / "files", args.n)
        rates, peak = {}, []
        for workers in ([args.only] if args.only else [1, 2]):
            rss = []

            def progress(counts, rss=rss):
                if counts["done"] % 20 == 0:
                    rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

            t = time.perf_counter()
            summary = scan_collection([tmp / "files"], tmp / f"out{workers}", workers=workers, progress=progress)
            seconds = time.perf_counter() - t
            rates[workers] = summary["done"] / seconds
            peak.append((workers, rss[0] if rss else 0.0, rss[-1] if rss else 0.0))
            print(f"scan, {workers} worker(s): {summary['done']} files in {seconds:.1f} s = {rates[workers]:.2f} images/s "
                  f"(incl. cluster start and model load per worker); writer peak RSS {peak[-1][1]:.0f} MB after 20 files, "
                  f"{peak[-1][2]:.0f} MB at the end", flush=True)
        if not args.only:
            det = Detector.load()
            list(det.predict_paths(paths[:8], workers=2))  # warm-up
            t = time.perf_counter()
            list(det.predict_paths(paths, workers=2))
            predict = len(paths) / (time.perf_counter() - t)
            print(f"predict_paths, 2 processes: {predict:.2f} images/s")
            print(f"scaling efficiency 1 -> 2 workers: {rates[2] / (2 * rates[1]):.2f} (target ≥ 0.8)")
            print(f"scan (2 workers) / predict: {rates[2] / predict:.2f} (Dask overhead target: ≥ 0.85)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
