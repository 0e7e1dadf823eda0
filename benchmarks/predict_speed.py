"""Images per second of ``Detector.predict_paths`` over a folder of JPEGs, next to the codec floor.

The codec floor is what decoding + one ELA re-save alone cost on the same images, with the
same number of threads: no detector can beat it, so the ratio says how much the model and its
other maps add. Run from the project root::

    .venv/bin/python benchmarks/predict_speed.py                       # 300 faces, shipped model
    .venv/bin/python benchmarks/predict_speed.py --n 500 --batch-size 64 --model models/default

For a fused bundle it also times each piece of evidence the verdict reads, one image at a time
in one thread (milliseconds per image), so the total shows where the time goes. Target
(issue #11): at least 30 images/s on 600×600 JPEGs on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imgfake.forensics.ela import ela  # noqa: E402
from imgfake.io import load_image  # noqa: E402


def codec_floor(paths: list[Path], workers: int) -> float:
    def one(p: Path) -> None:
        ela(load_image(p).pixels, quality=90, workers=1)

    t = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, paths))
    return len(paths) / (time.perf_counter() - t)


def evidence_costs(det, paths: list[Path]) -> dict[str, float]:
    """Milliseconds per image of each toolbox method a fused bundle reads, of decoding, and of
    the lattice network with the trees (one thread, `paths` one at a time)."""
    if det.fusion is None:
        return {}
    from imgfake.forensics.registry import clear_cache, run_analysis
    from imgfake.learn.detector import image_profile

    clear_cache()
    costs: dict[str, float] = {"decode": 0.0}
    images = []
    for p in paths:
        t = time.perf_counter()
        images.append(load_image(p))
        costs["decode"] += time.perf_counter() - t
    for name in det.fusion.methods:
        t = time.perf_counter()
        for image in images:
            run_analysis(name, image)  # cached, so the verdict below reuses it
        costs[name] = time.perf_counter() - t
    t = time.perf_counter()
    for image in images:  # the whole verdict, whose toolbox part is now cached
        det.predict([image])
        image_profile(image)
    costs["lattice + trees"] = time.perf_counter() - t
    return {k: round(1000 * v / len(images), 1) for k, v in costs.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", type=Path, default=ROOT.parent / "shared" / "data" / "faces" / "real")
    ap.add_argument("--n", type=int, default=300, help="first N images of the folder (sorted)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--workers", type=int, default=None, help="decode threads (default: CPU count)")
    ap.add_argument("--model", type=Path, default=None, help="bundle folder (default: the shipped model)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    paths = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))[: args.n]
    if not paths:
        raise SystemExit(f"no JPEGs in {args.folder}")
    workers = args.workers or os.cpu_count() or 1

    from imgfake.learn.detector import Detector

    t = time.perf_counter()
    det = Detector.load(args.model)
    load_s = time.perf_counter() - t
    list(det.predict_paths(paths[: args.batch_size], batch_size=args.batch_size, workers=workers))  # warm-up

    floor = codec_floor(paths, workers)
    t = time.perf_counter()
    results = list(det.predict_paths(paths, batch_size=args.batch_size, workers=workers))
    seconds = time.perf_counter() - t
    errors = sum(isinstance(r, str) for _, r in results)
    speed = len(paths) / seconds
    report = {
        "images": len(paths), "errors": errors, "batch_size": args.batch_size, "workers": workers,
        "cpu_count": os.cpu_count(), "model_load_s": round(load_s, 2),
        "predict_paths_images_per_s": round(speed, 1), "codec_floor_images_per_s": round(floor, 1),
        "ratio_to_floor": round(speed / floor, 2), "folder": str(args.folder),
        "image_size": f"{load_image(paths[0]).width}x{load_image(paths[0]).height}",
        "evidence_ms_per_image": evidence_costs(det, paths[:20]),
    }
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"{len(paths)} images ({report['image_size']}) from {args.folder}, {workers} decode workers (processes for more than 4 batches), batch {args.batch_size}")
        print(f"| what | images/s |\n| --- | --- |")
        print(f"| Detector.predict_paths (decode + maps + model) | {speed:.1f} |")
        print(f"| codec floor (decode + one ELA re-save) | {floor:.1f} |")
        print(f"| ratio | {speed / floor:.2f} |")
        print(f"model loaded in {load_s:.1f} s; {errors} errors")
        costs = report["evidence_ms_per_image"]
        if costs:
            print("evidence, ms per image in one thread: " + ", ".join(f"{k} {v:.1f}" for k, v in costs.items())
                  + f"; total {sum(costs.values()):.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
