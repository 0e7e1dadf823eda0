"""Score every registered method on a forgery set with exact masks (``imgfake synth``).

For each method and each kind of forgery:

* image level: ROC AUC of the method's ``score`` (edited of that kind against all authentic
  images), with a stratified-bootstrap interval — methods without a score have none;
* pixel level, on the method's own cell grid (a cell counts as edited when half of it is): the
  F1 at the best threshold per image (an upper bound, the literature's "F1-best"), the F1 at a
  fixed threshold (the method's own mask, else a robust z-score of 3 on the suspicion map) and
  the MCC at the best threshold, averaged over the edited images;
* the "call everything edited" F1 of each image as the floor to beat;
* seconds per megapixel.

Plain data first (:func:`bench_methods`); :func:`imgfake.figures.methods_figure` draws it. With
``per_file=True`` it keeps a row per image too, from which :func:`method_cases` picks each method's
best and worst images (:func:`load_case` reads them, :func:`imgfake.figures.method_cases_figure`
shows them). ``notebooks/06_methods.ipynb`` does all of it.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..forensics.blocks import cell_means
from ..forensics.registry import available, run_safely
from ..io import load_image
from .evaluation import roc_auc_ci
from .synth import read_mask

__all__ = ["bench_methods", "pixel_scores", "method_cases", "load_case"]


def pixel_scores(suspicion: np.ndarray, truth: np.ndarray, *, fixed: np.ndarray | None) -> dict:
    """F1 at the best threshold, F1 of `fixed` (a boolean call per cell), MCC at the best
    threshold, and the F1 of calling every cell edited; NaN cells count as not edited."""
    values = np.where(np.isfinite(suspicion), suspicion, -np.inf).ravel()
    t = truth.ravel()
    positives = int(t.sum())
    n = t.size
    order = np.argsort(-values, kind="stable")
    hits = np.cumsum(t[order])  # true positives when the top k cells are called edited
    k = np.arange(1, n + 1)
    distinct = np.r_[values[order][1:] != values[order][:-1], True] & np.isfinite(values[order])
    tp = hits[distinct].astype(np.float64)
    fp = k[distinct] - tp
    fn = positives - tp
    tn = n - tp - fp - fn
    f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    denominator = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    mcc = np.where(denominator > 0, (tp * tn - fp * fn) / np.where(denominator > 0, denominator, 1), 0.0)
    out = {"f1_best": float(f1.max()) if f1.size else 0.0, "mcc_best": float(mcc.max()) if mcc.size else 0.0,
           "f1_all_edited": 2 * positives / (positives + n) if n else 0.0}
    if fixed is not None:
        f = fixed.ravel()
        tp1 = int((f & t).sum())
        out["f1_fixed"] = 2 * tp1 / (f.sum() + positives) if (f.sum() + positives) else 0.0
    return out


def _read_manifest(folder: Path) -> list[dict]:
    with open(folder / "manifest.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _score_file(path: str, *, masks: dict, names: list[str]) -> dict:
    """Every method on one file of the set: its score, pixel scores against the mask, seconds."""
    image = load_image(path)
    truth = read_mask(masks[path]) if masks.get(path) else None
    out = {"megapixels": image.width * image.height / 1e6,
           "floor": None if truth is None else float(truth.mean() * 2 / (truth.mean() + 1)), "methods": {}}
    for name in names:
        start = time.perf_counter()
        result = run_safely(name, image)
        entry = {"score": result.score, "seconds": time.perf_counter() - start}
        if truth is not None and result.heatmap is not None:
            cells = cell_means(truth.view(np.uint8), result.cell) >= 0.5
            if cells.any():
                z = result.suspicion(standardise=True)
                fixed = result.mask if result.mask is not None else z >= 3
                entry["pixel"] = pixel_scores(result.suspicion(), cells, fixed=fixed)
        out["methods"][name] = entry
    return out


def bench_methods(folder, *, methods=None, n_boot: int = 200, progress=None, workers: int = 1,
                  per_file: bool = False) -> dict:
    """Every method (default: all but the heavy ones) on the forgery set in `folder`.

    A method that answers "cannot tell" (score None) on an image counts as not flagging it: it
    ranks below every image it did score (``coverage`` says how often it answered).

    Parameters
    ----------
    workers : int, optional
        Processes scoring files side by side (default 1: seconds per megapixel are then those of
        one core, undisturbed).
    per_file : bool, optional
        Also return ``"files"``: one row per image, in the manifest's order, ``{"path", "kind",
        "mask", "methods": {name: {"score", "f1_best"}}}`` (paths relative to `folder`;
        ``f1_best`` only for an edited image and a method that draws a map), from which
        :func:`method_cases` picks each method's best and worst images.

    Returns plain data: ``{"methods": {name: {"auc": {kind: [auc, low, high]}, "f1_best": {kind: x},
    "f1_fixed": {...}, "mcc_best": {...}, "coverage": {kind: share scored}, "seconds_per_mp": x}},
    "floor_f1": {kind: x}, "counts": {kind: n}}``.
    """
    from functools import partial

    from ..scan import FileError, map_files

    folder = Path(folder)
    rows = _read_manifest(folder)
    names = list(methods) if methods else list(available(heavy=False))
    paths = [str(folder / row["path"]) for row in rows]
    masks = {str(folder / row["path"]): str(folder / row["mask"]) for row in rows if row.get("mask")}
    kind_of = {str(folder / row["path"]): row["kind"] or "authentic" for row in rows}
    scores: dict[str, dict[str, list]] = {m: defaultdict(list) for m in names}
    pixel: dict[str, dict[str, list]] = {m: defaultdict(list) for m in names}
    floor: dict[str, list] = defaultdict(list)
    seconds = defaultdict(float)
    megapixels = 0.0
    labels: dict[str, int] = defaultdict(int)
    job = partial(_score_file, masks=masks, names=names)
    executor = "process" if workers > 1 else "inline"
    files: dict[str, dict] = {}
    for i, (path, found) in enumerate(map_files(job, paths, workers=workers, executor=executor)):
        if isinstance(found, FileError):
            raise RuntimeError(f"the benchmark could not score {path}: {found.message}")
        files[path] = found
        kind = kind_of[path]
        labels[kind] += 1
        megapixels += found["megapixels"]
        if found["floor"] is not None:
            floor[kind].append(found["floor"])
        for name, entry in found["methods"].items():
            seconds[name] += entry["seconds"]
            scores[name][kind].append(entry["score"])
            if "pixel" in entry:
                pixel[name][kind].append(entry["pixel"])
        if progress:
            progress(i + 1, len(rows))
    kinds = sorted(k for k in labels if k != "authentic")
    out = {"counts": dict(labels),
           "floor_f1": {k: float(np.mean(floor[k])) for k in kinds if floor[k]}, "methods": {}}
    for name in names:
        entry = {"auc": {}, "f1_best": {}, "f1_fixed": {}, "mcc_best": {}, "coverage": {},
                 "seconds_per_mp": round(seconds[name] / max(megapixels, 1e-9), 3)}
        real = scores[name]["authentic"]
        for kind in kinds:
            fake = scores[name][kind]
            given = [s for s in real + fake if s is not None]
            entry["coverage"][kind] = round(sum(s is not None for s in fake) / max(len(fake), 1), 3)
            if real and fake and given:
                lowest = min(given) - 1.0  # "cannot tell" ranks below every answer
                values = [lowest if s is None else s for s in real + fake]
                y = [0] * len(real) + [1] * len(fake)
                entry["auc"][kind] = [round(v, 3) for v in roc_auc_ci(y, values, n_boot=n_boot)]
            for key in ("f1_best", "f1_fixed", "mcc_best"):
                values = [p[key] for p in pixel[name][kind] if key in p]
                if values:
                    entry[key][kind] = round(float(np.mean(values)), 3)
        entry["coverage"]["authentic"] = round(sum(s is not None for s in real) / max(len(real), 1), 3)
        out["methods"][name] = entry
    if per_file:
        out["files"] = [_file_row(row, files[path]) for row, path in zip(rows, paths)]
    return out


def _file_row(row: dict, found: dict) -> dict:
    """One image's line of the per-file table: each method's score and pixel F1-best."""
    methods = {}
    for name, entry in found["methods"].items():
        methods[name] = {"score": entry["score"]}
        if "pixel" in entry:
            methods[name]["f1_best"] = round(entry["pixel"]["f1_best"], 4)
    return {"path": row["path"], "kind": row["kind"] or "authentic", "mask": row.get("mask") or None,
            "methods": methods}


def method_cases(result: dict, *, n: int = 1) -> dict[str, dict[str, list[dict]]]:
    """Each method's best and worst edited images, by its pixel F1-best against the mask.

    Parameters
    ----------
    result : dict
        From :func:`bench_methods` with ``per_file=True``.
    n : int, optional
        Images per case (default 1).

    Returns
    -------
    dict
        ``{method: {"best": [row, ...], "worst": [row, ...]}}`` for every method that drew a map
        on at least one edited image; each row is ``{"path", "kind", "mask", "f1_best",
        "score"}`` (ties go to the earlier file of the manifest). Methods with no map (the JPEG
        tables, the metadata) have no row.
    """
    if "files" not in result:
        raise ValueError("result has no per-file table: run bench_methods(..., per_file=True)")
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    out: dict[str, dict[str, list[dict]]] = {}
    for name in result["methods"]:
        rows = [{"path": f["path"], "kind": f["kind"], "mask": f["mask"],
                 "f1_best": f["methods"][name]["f1_best"], "score": f["methods"][name]["score"]}
                for f in result["files"] if "f1_best" in f["methods"].get(name, {})]
        if rows:
            ranked = sorted(rows, key=lambda r: -r["f1_best"])  # stable: ties keep the file order
            out[name] = {"best": ranked[:n], "worst": sorted(rows, key=lambda r: r["f1_best"])[:n]}
    return out


def load_case(folder, row: dict, method: str) -> dict:
    """What it takes to show one row of :func:`method_cases`: the image's pixels, the method's
    result on it (through the registry's cache) and the mask (bool H×W, or None)."""
    from ..forensics.registry import run_analysis

    folder = Path(folder)
    image = load_image(folder / row["path"])
    return {"pixels": image.pixels, "result": run_analysis(method, image),
            "mask": read_mask(folder / row["mask"]) if row.get("mask") else None}
