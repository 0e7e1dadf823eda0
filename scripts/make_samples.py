"""Remake the small sample images in data/samples/ from four Kodak photographs.

Usage (from the project root)::

    .venv/bin/python scripts/make_samples.py
    .venv/bin/python scripts/make_samples.py --kodak path/to/kodak --out data/samples

Each photo is downscaled to 512 px wide, saved once as JPEG at quality 75 and decoded (its
"camera" history), then saved again at quality 92: that is the authentic sample. The forged
twin is edited between the two saves, so the edited region skipped the first compression
(a splice pastes never-compressed pixels), no longer sits on its 8×8 JPEG grid (copy-move)
or was moved off the first save's quantisation lattice (smoothing) -- what error level
analysis can see. Same inputs, same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from imgfake.learn.synth import (
    copy_move,
    jpeg_bytes,
    jpeg_roundtrip,
    mask_png,
    random_view,
    read_rgb,
    retouch,
    splice,
)

ROOT = Path(__file__).resolve().parents[1]
FIRST_QUALITY, QUALITY, WIDTH = 75, 92, 512

# (Kodak number, edit, donor number, seed, what was done). Seeds were picked once so that each
# edit lands on textured content (a smoothed patch of clear sky would be invisible to ELA).
SAMPLES = (
    ("03", "splice", "23", 3, "an ellipse of the parrots photo (kodim23) pasted among the hats"),
    ("07", "copy-move", None, 4,
     "a polygon of the window and flowers copied elsewhere in the photo"),
    ("21", "retouch", None, 18,
     "an elliptical blob smoothed with an edge-aware blur, as beauty filters do"),
)


def _load(kodak: Path, number: str) -> np.ndarray:
    """The Kodak photo downscaled to WIDTH pixels on its longer side (no crop)."""
    photo = read_rgb(kodak / f"{number}.png")
    return random_view(photo, rng=np.random.default_rng(0), crop=(1.0, 1.0), max_side=WIDTH)


def _edit(kind: str, pixels: np.ndarray, donor: np.ndarray | None, seed: int):
    rng = np.random.default_rng(seed)
    if kind == "splice":
        return splice(pixels, donor, rng=rng, area=(0.06, 0.12), shapes=["ellipse"])
    if kind == "copy-move":
        return copy_move(pixels, rng=rng, area=(0.05, 0.10), shapes=["polygon"])
    return retouch(
        pixels, rng=rng, kind="smooth", area=(0.05, 0.10), feather=2.0, shapes=["ellipse"]
    )


def _record(out: Path, name: str, data: bytes, **fields) -> dict:
    (out / name).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    return {"file": name, **fields, "sha256": digest, "n_bytes": len(data)}


def make_samples(kodak: Path, out: Path) -> list[dict]:
    """Write the sample JPEGs, masks and samples.json; return the samples.json records."""
    out.mkdir(parents=True, exist_ok=True)
    records = []
    for number, kind, donor_number, seed, detail in SAMPLES:
        name = f"kodim{number}"
        first = jpeg_roundtrip(_load(kodak, number), quality=FIRST_QUALITY)
        donor = _load(kodak, donor_number) if donor_number else None  # never compressed
        forged, mask = _edit(kind, first, donor, seed)
        common = {
            "source": f"kodak/{number}.png",
            "quality": QUALITY,
            "first_quality": FIRST_QUALITY,
            "width": int(first.shape[1]),
            "height": int(first.shape[0]),
        }
        records.append(_record(
            out, f"{name}_authentic.jpg", jpeg_bytes(first, quality=QUALITY),
            label=0, class_name="real", kind=None, mask=None, donor=None, **common,
        ))
        (out / f"{name}_{kind}_mask.png").write_bytes(mask_png(mask))
        records.append(_record(
            out, f"{name}_{kind}.jpg", jpeg_bytes(forged, quality=QUALITY),
            label=1, class_name="edited", kind=kind, detail=detail, mask=f"{name}_{kind}_mask.png",
            donor=f"kodak/{donor_number}.png" if donor_number else None,
            mask_fraction=round(float(mask.mean()), 4), **common,
        ))
    (out / "samples.json").write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kodak", type=Path, default=ROOT.parent / "shared/data/pristine/kodak")
    parser.add_argument("--out", type=Path, default=ROOT / "data/samples")
    args = parser.parse_args()
    if not args.kodak.is_dir():
        raise SystemExit(f"Kodak folder not found: {args.kodak} (pass --kodak)")
    for record in make_samples(args.kodak, args.out):
        print(f"{record['file']:28s} {record['n_bytes'] / 1024:6.1f} KB  label={record['label']}")


if __name__ == "__main__":
    main()
