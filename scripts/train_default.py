"""Retrain the shipped default model (``models/default/``) from scratch — ``make model``.

1. Synthetic splice / copy-move / retouch forgeries from ``../shared/data/pristine`` with
   :func:`imgfake.learn.synth.make_forgery_set` into a git-ignored work folder (``runs/default/``).
2. :func:`imgfake.learn.train.train_bundle` on ``../shared/data/faces`` + that synthetic set:
   stage 1 real vs edited (trained on the faces; ``--stage1-on all`` adds the synthetic set,
   which cost 0.1 faces AUC and gained nothing on the synthetic test split), stage 2
   face-parts / splice / copy-move / retouch (all edited images).
3. The whole run's wall time and this exact command are written into ``imgfake.json``.

Usage (from the project root)::

    nice -n 5 .venv/bin/python scripts/train_default.py            # ~15 min on 2 CPU cores
    .venv/bin/python scripts/train_default.py --epochs 2 --out /tmp/m  # a quick smoke run

No face image is copied into the project: the faces are read where they are.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imgfake.learn.maps import PreprocessConfig  # noqa: E402
from imgfake.learn.synth import make_forgery_set  # noqa: E402
from imgfake.learn.train import TrainSettings, train_bundle, update_trained_seconds  # noqa: E402

PRISTINE_SUFFIXES = {".png", ".tif", ".tiff", ".bmp", ".ppm"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                    help="folder holding faces/ and pristine/ (default ../shared/data)")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "default")
    ap.add_argument("--work", type=Path, default=ROOT / "runs" / "default",
                    help="git-ignored folder for the synthetic set and the map cache")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-per-source", type=int, default=10,
                    help="synthetic authentic/forged pairs per pristine photo")
    ap.add_argument("--stage1-on", default="faces",
                    help="comma-separated data folders that train stage 1 ('all' for every one); "
                         "the synthetic set trains stage 2 only by default (see models/README.md)")
    ap.add_argument("--keep-cache", action="store_true",
                    help="reuse cached maps from an earlier run (the recorded time is then not a full retrain)")
    args = ap.parse_args(argv)
    command = ("python scripts/train_default.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))).strip()
    t0 = time.time()

    faces = args.data / "faces"
    sources = sorted(p for p in (args.data / "pristine").rglob("*") if p.suffix.lower() in PRISTINE_SUFFIXES)
    if not faces.is_dir() or not sources:
        raise SystemExit(f"expected {faces} and never-compressed photos under {args.data / 'pristine'}")
    synthetic = args.work / "synthetic"
    cache = args.work / "cache"
    if not args.keep_cache and cache.exists():
        shutil.rmtree(cache)
    print(f"synthetic forgeries from {len(sources)} pristine photos -> {synthetic}")
    make_forgery_set(sources, synthetic, n_per_source=args.n_per_source, seed=args.seed, overwrite=True)
    print(f"  done in {time.time() - t0:.0f} s")

    stage1 = None if args.stage1_on == "all" else tuple(args.stage1_on.split(","))
    settings = TrainSettings(epochs=args.epochs, seed=args.seed, stage1_sets=stage1)
    train_bundle([faces, synthetic], args.out, epochs=args.epochs, seed=args.seed,
                 preprocessing=PreprocessConfig(), settings=settings, cache_dir=cache, command=command)
    seconds = time.time() - t0
    update_trained_seconds(args.out, seconds, command)
    print(f"default model retrained in {seconds:.0f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
