"""Retrain the shipped default model (``models/default/``) from scratch — ``make model``.

1. **Forgeries** (:func:`imgfake.learn.synth.make_forgery_set`, the benchmark's nine kinds) into
   a git-ignored work folder (``runs/default/``): two pairs per BSDS500 photo, made inside each
   of its train / val / test folders, and nine per Kodak / McMaster photo (≤ 600 px). Every
   authentic twin is saved with its forgery's settings.
2. **The lattice network** (:func:`imgfake.learn.train.train_bundle`) on the faces: the
   per-block JPEG-lattice CNN whose per-region logits are one of the fused evidence maps.
3. **Evidence** of every image (the toolbox methods of
   :data:`imgfake.learn.fusion.DEFAULT_METHODS` and the lattice map), cached on disk.
4. **Leave-one-source-out** (faces, BSDS, Kodak + McMaster): the fusion trained on two sources,
   scored on the third (the faces give only their test split: the lattice network learnt from
   their train and val splits). This is the model card's headline.
5. **The shipped fusion**, trained on all three sources' train splits, thresholds on their val
   splits, scored once on their test splits; written as ``fusion.json`` and summarised in
   ``imgfake.json``; ``models/README.md`` is rewritten from it (``scripts/model_card.py``).

Usage (from the project root)::

    nice -n 5 .venv/bin/python scripts/train_default.py              # ~25 min on 2 CPU cores
    .venv/bin/python scripts/train_default.py --reuse-lattice        # keep the lattice network

No data image is copied into the project: the sources are read where they are.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imgfake.learn.fusion import DEFAULT_METHODS  # noqa: E402
from imgfake.learn.fusetrain import (  # noqa: E402
    default_items, extract, fit_fusion, leave_one_source_out, score_items, shared_tables_report, table_shortcuts,
    write_fusion)
from imgfake.learn.maps import PreprocessConfig  # noqa: E402
from imgfake.learn.synth import BENCH_KINDS, make_forgery_set  # noqa: E402

PRISTINE_SUFFIXES = {".png", ".tif", ".tiff", ".bmp", ".ppm"}


def make_sets(data: Path, out: Path, seed: int) -> None:
    for split in ("train", "val", "test"):
        sources = sorted((data / "photos" / "bsds500" / split).glob("*.jpg"))
        make_forgery_set(sources, out / f"bsds-{split}", n_per_source=2, kinds=BENCH_KINDS, seed=seed,
                         overwrite=True)
    pristine = sorted(p for p in (data / "pristine").rglob("*") if p.suffix.lower() in PRISTINE_SUFFIXES)
    make_forgery_set(pristine, out / "pristine", n_per_source=9, kinds=BENCH_KINDS, seed=seed, max_side=600,
                     overwrite=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                    help="folder holding faces/, pristine/ and photos/bsds500/ (default ../shared/data)")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "default")
    ap.add_argument("--work", type=Path, default=ROOT / "runs" / "default",
                    help="git-ignored folder for the forgeries and the evidence cache")
    ap.add_argument("--epochs", type=int, default=40, help="lattice network epochs (default 40)")
    ap.add_argument("--seed", type=int, default=11, help="seed of the forgeries (default 11)")
    ap.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                    help=f"toolbox methods the fusion reads (default {','.join(DEFAULT_METHODS)})")
    ap.add_argument("--reuse-lattice", action="store_true",
                    help="keep the lattice network already in --out (the recorded time is then not a full retrain)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--n-boot", type=int, default=1000)
    args = ap.parse_args(argv)
    command = ("python scripts/train_default.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))).strip()
    t0 = time.time()
    faces = args.data / "faces"
    if not faces.is_dir() or not (args.data / "pristine").is_dir() or not (args.data / "photos" / "bsds500").is_dir():
        raise SystemExit(f"expected faces/, pristine/ and photos/bsds500/ under {args.data}")
    synthetic = args.work / "synthetic"
    print(f"1. forgeries -> {synthetic}", flush=True)
    make_sets(args.data, synthetic, args.seed)
    times = {"forgeries": round(time.time() - t0)}

    from imgfake.learn.detector import Detector
    from imgfake.learn.train import TrainSettings, train_bundle

    if not args.reuse_lattice:
        print("2. the lattice network, on the faces", flush=True)
        settings = TrainSettings(epochs=args.epochs, seed=0)
        train_bundle([faces], args.out, epochs=args.epochs, seed=0, preprocessing=PreprocessConfig(),
                     settings=settings, cache_dir=args.work / "cache", command=command)
        (args.out / "fusion.json").unlink(missing_ok=True)  # the fusion of an older lattice network
    times["lattice"] = round(time.time() - t0 - sum(times.values()))
    detector = Detector.load(args.out)
    detector.fusion = None  # the evidence is the lattice network's alone

    methods = [m for m in args.methods.split(",") if m]
    print(f"3. evidence ({', '.join(methods)} + lattice)", flush=True)
    items = default_items(args.data, synthetic, args.out / "split.json")
    items = extract(items, detector, methods, cache_dir=args.work / "evidence", workers=args.workers)
    times["evidence"] = round(time.time() - t0 - sum(times.values()))

    print("4. leave one source out", flush=True)
    loso = leave_one_source_out(items, methods, n_boot=args.n_boot, held_out_splits={"faces": ("test",)})
    times["leave_one_source_out"] = round(time.time() - t0 - sum(times.values()))
    print("5. the shipped fusion", flush=True)
    config = fit_fusion(items, methods)
    test = score_items(config, [it for it in items if it.split == "test"], n_boot=args.n_boot)
    times["fusion"] = round(time.time() - t0 - sum(times.values()))
    counts: dict = {}
    for it in items:
        c = counts.setdefault(it.source, {})
        key = f"{it.split}/{it.kind or 'authentic'}"
        c[key] = c.get(key, 0) + 1
    report = {"leave_one_source_out": loso, "test": test, "table_shortcuts": table_shortcuts(items),
              "faces_shared_tables": shared_tables_report(config, items, "faces", n_boot=args.n_boot),
              "data": counts, "trained": {"command": command, "seconds": round(time.time() - t0), "steps": times}}
    write_fusion(args.out, config, report)
    print(f"default model retrained in {time.time() - t0:.0f} s -> {args.out}", flush=True)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "model_card.py"), str(args.out)], check=True)
    print(json.dumps({"loso_mean_auc": loso["mean_roc_auc"], "ci": loso["mean_roc_auc_ci"],
                      "mean_fpr": loso["mean_fpr"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
