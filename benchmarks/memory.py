"""Peak memory of each analysis on a 12 MP and a 64 MP photo, and what the dashboard keeps.

Each figure is measured in a fresh process: the peak resident memory (VmHWM, reset after the
image is loaded) above what the process held before the step, next to the budget of 12 × the
decoded RGB size (issue 9). Each analysis first runs once on a tiny image, so that loading its
libraries (OpenCV's ~100 MB, for one) is not counted as the analysis' memory. Then the dashboard state's resident memory after 20 uploads of a
12 MP JPEG and after "Clear all".

    .venv/bin/python benchmarks/memory.py [--sizes 12 64] [--uploads 20]
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIDES = {12: (3000, 4000), 64: (8000, 8000)}


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def photo_jpeg(megapixels: int) -> bytes:
    import numpy as np
    from PIL import Image, ImageFilter

    h, w = SIDES[megapixels]
    rng = np.random.default_rng(0)
    small = Image.fromarray(rng.integers(0, 256, (h // 8, w // 8, 3), dtype=np.uint8))
    photo = small.resize((w, h), Image.Resampling.BILINEAR).filter(ImageFilter.DETAIL)
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _tiny_jpeg() -> bytes:
    import numpy as np
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def measure_step(megapixels: int, step: str) -> dict:
    """In this process: load the photo, reset the peak, run `step`, report the peak above."""
    from imgfake.io import load_image

    data = photo_jpeg(megapixels)
    if step not in ("load", "cli-ela"):  # warm up on a tiny image: libraries (OpenCV, ...) load once,
        from imgfake.forensics.registry import run_analysis  # that is not the analysis' memory

        run_analysis(step, load_image(_tiny_jpeg()), cache=False)
    gc.collect()
    before_load = _status("VmRSS")
    _reset_peak()
    image = load_image(data, max_pixels=70_000_000)
    load_peak = _status("VmHWM") - before_load
    decoded = image.pixels.nbytes
    gc.collect()
    base = _status("VmRSS")
    _reset_peak()
    if step == "load":
        peak = load_peak
    elif step == "cli-ela":
        from PIL import Image

        from imgfake.forensics.ela import ela, ela_image, ela_stats

        residual = ela(image.pixels, quality=90, subsampling=image.resave_subsampling)
        Image.fromarray(ela_image(residual)).save(io.BytesIO(), "PNG", compress_level=1)
        ela_stats(residual)
        peak = _status("VmHWM") - base
    else:
        from imgfake.forensics.registry import run_analysis

        run_analysis(step, image, cache=False)
        peak = _status("VmHWM") - base
    return {"megapixels": megapixels, "step": step, "peak_mb": round(peak / 2**20, 1),
            "decoded_mb": round(decoded / 2**20, 1), "ratio": round(peak / decoded, 2)}


def measure_dashboard(n_uploads: int) -> dict:
    from imgfake.dashboard.state import DashboardState

    data = photo_jpeg(12)
    gc.collect()
    start = _status("VmRSS")
    state = DashboardState(detector=None, detector_loader=lambda: None, background=False,
                           max_upload_bytes=50 * 2**20)
    for i in range(n_uploads):
        state.add_upload(f"photo{i}.jpg", data)
    gc.collect()
    after_uploads = _status("VmRSS") - start
    state.clear()
    gc.collect()
    after_clear = _status("VmRSS") - start
    return {"uploads": n_uploads, "file_mb": round(len(data) / 2**20, 1),
            "retained_mb": round(after_uploads / 2**20, 1), "after_clear_mb": round(after_clear / 2**20, 1)}


def _in_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True,
                         check=True, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[12, 64], choices=sorted(SIDES))
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        result = measure_dashboard(int(rest[0])) if kind == "dashboard" else measure_step(int(kind), rest[0])
        print(json.dumps(result))
        return 0
    from imgfake.forensics.registry import available

    steps = ["load", "cli-ela", *available(heavy=False)]
    print("Peak resident memory above the loaded image, fresh process per figure; budget 12 × decoded RGB\n")
    print(f"{'image':8s} {'step':10s} {'peak MB':>9s} {'decoded MB':>11s} {'× decoded':>10s}")
    worst = 0.0
    for mp in args.sizes:
        for step in steps:
            r = _in_child(str(mp), step)
            worst = max(worst, r["ratio"])
            print(f"{mp:>3d} MP   {step:10s} {r['peak_mb']:9.1f} {r['decoded_mb']:11.1f} {r['ratio']:9.2f}×")
    d = _in_child("dashboard", str(args.uploads))
    print(f"\nDashboard state: {d['uploads']} uploads of a 12 MP JPEG ({d['file_mb']} MB each) keep "
          f"{d['retained_mb']} MB; after Clear all {d['after_clear_mb']} MB.")
    print(f"Worst analysis: {worst:.2f} × the decoded size (budget 12 ×).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
