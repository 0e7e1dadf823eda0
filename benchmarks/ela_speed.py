"""ELA speed: imgfake's ela() next to the codec floor and the naive temp-file approach.

Prints, for a 12-megapixel photo and a 600×600 JPEG, the median time of

* ``ela()``          – imgfake (in memory, MCU-aligned strips re-encoded in parallel threads),
* codec floor        – one in-memory Pillow JPEG encode + decode at the same quality and
  nothing else: the ``Image`` is built before the clock starts, and the decoded pixels stay in
  Pillow's buffer (no ``np.asarray``, no ``.convert``),
* naive              – save to a temp file, reopen, ``ImageChops.difference``, rescale by the
  image's own maximum (what most ELA scripts do),

and the ratios, measured side by side in one run. Target: ela() ≤ 1.2 × codec floor on 12 MP.

    .venv/bin/python benchmarks/ela_speed.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile

import numpy as np
from PIL import Image, ImageChops

sys.path.insert(0, os.path.dirname(__file__))
from _common import SHARED_DATA, median_seconds  # noqa: E402

from imgfake import ela, load_image  # noqa: E402

QUALITY = 90


def codec_floor(image: Image.Image) -> Image.Image:
    """The pure cost: one encode and one decode, in memory."""
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=QUALITY)
    buf.seek(0)
    decoded = Image.open(buf)
    decoded.load()
    return decoded


def naive_ela(pixels: np.ndarray) -> np.ndarray:
    original = Image.fromarray(pixels)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "resaved.jpg")
        original.save(path, "JPEG", quality=QUALITY)
        resaved = Image.open(path)
        diff = ImageChops.difference(original, resaved)
        top = max(hi for _, hi in diff.getextrema()) or 1
        return np.asarray(diff.point(lambda v: v * 255.0 / top))


def test_images() -> dict[str, np.ndarray]:
    kodak = SHARED_DATA / "pristine" / "kodak" / "01.png"
    face = next(iter(sorted((SHARED_DATA / "faces" / "real").glob("*.jpg"))), None) if SHARED_DATA.exists() else None
    if kodak.exists():
        photo = Image.open(kodak).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
        source = "Kodak 01 upscaled"
    else:  # no ../shared/data: a synthetic textured photo of the same size
        rng = np.random.default_rng(0)
        photo = Image.fromarray(rng.integers(0, 256, (3000, 4000, 3), dtype=np.uint8)).filter(
            __import__("PIL.ImageFilter", fromlist=["GaussianBlur"]).GaussianBlur(1.5))
        source = "synthetic texture"
    images = {f"12 MP ({source}, 4000×3000)": np.asarray(photo)}
    if face is not None:
        images["600×600 JPEG (faces/real)"] = load_image(face).pixels
    else:
        images["600×600 JPEG (synthetic)"] = np.ascontiguousarray(np.asarray(photo)[:600, :600])
    return images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"ELA at quality {QUALITY}; median of {args.repeat} runs; {os.cpu_count()} CPUs\n")
    header = f"{'image':42s} {'ela()':>9s} {'codec floor':>12s} {'naive':>9s} {'ela/floor':>10s} {'naive/ela':>10s}"
    print(header)
    print("-" * len(header))
    for label, pixels in test_images().items():
        t_ela = median_seconds(lambda: ela(pixels, quality=QUALITY), repeat=args.repeat)
        image = Image.fromarray(pixels)  # outside the clock: not part of the floor
        t_floor = median_seconds(lambda: codec_floor(image), repeat=args.repeat)
        t_naive = median_seconds(lambda: naive_ela(pixels), repeat=args.repeat)
        print(f"{label:42s} {t_ela * 1e3:7.1f}ms {t_floor * 1e3:10.1f}ms {t_naive * 1e3:7.1f}ms "
              f"{t_ela / t_floor:9.2f}× {t_naive / t_ela:9.2f}×")
    print("\nTarget: ela/floor ≤ 1.20 on 12 MP.")


if __name__ == "__main__":
    main()
