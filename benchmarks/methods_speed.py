"""Every registered method on a 12 MP photo and on a 600×600 JPEG, side by side with the codec
floor (one JPEG encode + decode of the same pixels), in one run.

    .venv/bin/python benchmarks/methods_speed.py [--megapixels 12] [--threads 2]

Targets (issue #10): each method ≤ 2 s on 12 MP on 2 cores (copy-move ≤ 8 s), all methods
together on a 600×600 JPEG ≤ 1 s. The machine is shared: read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from _common import ROOT, median_seconds

sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2, help="BLAS/OpenCV threads (default 2)")
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)

    import cv2
    import numpy as np

    cv2.setNumThreads(args.threads)
    from imgfake.forensics.ela import recompress
    from imgfake.forensics.registry import available, run_analysis
    from imgfake.io import encode_jpeg, load_image

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from memory import photo_jpeg

    big = load_image(photo_jpeg(args.megapixels), name="photo.jpg")
    rng = np.random.default_rng(0)
    small_pixels = cv2.resize(rng.integers(0, 256, (150, 150, 3), dtype=np.uint8), (600, 600),
                              interpolation=cv2.INTER_CUBIC)
    small = load_image(encode_jpeg(small_pixels, quality=85), name="small.jpg")
    methods = [name for name in available(heavy=False)]
    floor_big = median_seconds(lambda: recompress(big.pixels, quality=90), repeat=3)
    floor_small = median_seconds(lambda: recompress(small.pixels, quality=90), repeat=7)
    print(f"{big.width}×{big.height} photo ({args.megapixels} MP), {args.threads} threads; "
          f"floor (one JPEG encode + decode): {floor_big:.3f} s at 12 MP, {floor_small * 1000:.1f} ms at 600×600")
    print(f"{'method':16s} {'12 MP s':>9s} {'× floor':>8s} {'600² ms':>9s}")
    total_small = 0.0
    for name in methods:
        seconds = median_seconds(lambda: run_analysis(name, big, cache=False), repeat=1, warmup=0)
        small_s = median_seconds(lambda: run_analysis(name, small, cache=False), repeat=3)
        total_small += small_s
        flag = "" if seconds <= (8.0 if name.startswith("copymove") else 2.0) else "  over target"
        print(f"{name:16s} {seconds:9.2f} {seconds / floor_big:8.1f} {small_s * 1000:9.1f}{flag}")
    start = time.perf_counter()
    for name in methods:
        run_analysis(name, small, cache=False)
    together = time.perf_counter() - start
    print(f"all {len(methods)} methods on one 600×600 JPEG: {together:.2f} s "
          f"({together / floor_small:.0f}× the floor; target ≤ 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
