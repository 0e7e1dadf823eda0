"""Train and evaluate the fused verdict (:mod:`imgfake.learn.fusion`) — ``make model``.

The data are *sources*: each has authentic and edited images, a fixed train / val / test
split and, for synthetic forgeries, exact masks. :func:`extract` computes every image's
evidence once (the same :func:`imgfake.learn.detector.evidence_job` as prediction, cached on
disk); :func:`fit_fusion` trains the cell, image and stage-2 trees on some sources' train
splits and picks the thresholds on their validation splits; :func:`leave_one_source_out`
trains without each source in turn and scores it, which is the model card's headline.

scikit-learn is imported here only (training); the result is plain JSON.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..scan import FileError, map_files
from . import evaluation
from . import evidence as ev_mod
from .bench import pixel_scores
from .fusion import Fusion, cell_probabilities, decide
from .trees import export_trees, predict_proba, predict_raw

__all__ = ["Item", "extract", "fit_fusion", "leave_one_source_out", "score_items", "EVIDENCE_VERSION"]

EVIDENCE_VERSION = 1


@dataclass
class Item:
    """One training or test image."""

    path: str
    label: int
    source: str                   # "faces", "bsds", "kodak-mcmaster", ...
    split: str                    # "train" | "val" | "test"
    group: str                    # twins and every view of one photo share it
    kind: str = ""                # kind of edit ("" for authentic)
    mask: str | None = None       # pixel mask of the edit (synthetic forgeries)
    origin: str = ""              # for authentic images not made by the forgery generator, what they are
    evidence: ev_mod.Evidence | None = field(default=None, repr=False)
    profile: dict = field(default_factory=dict, repr=False)


# --------------------------------------------------------------------------- data

def synthetic_items(folder: str | os.PathLike, *, source: str, split: str | None = None,
                    fractions: tuple[float, float] = (0.15, 0.15), seed: int = 0) -> list[Item]:
    """Items of a set made by :func:`imgfake.learn.synth.make_forgery_set`. With `split` None,
    source photos are split train / val / test at random (`fractions` = val, test), so every
    twin and view of one photo lands in one split."""
    root = Path(folder)
    with (root / "manifest.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    groups = sorted({r["source"] for r in rows})
    order = np.random.default_rng(seed).permutation(len(groups))
    n_val, n_test = (max(1, round(fr * len(groups))) for fr in fractions)
    which = {}
    for rank, g in enumerate(order):
        which[groups[g]] = "test" if rank < n_test else "val" if rank < n_test + n_val else "train"
    return [Item(path=str(root / r["path"]), label=int(r["label"]), source=source,
                 split=split or which[r["source"]], group=f"{source}:{r['source']}", kind=r["kind"],
                 mask=str(root / r["mask"]) if r["mask"] else None) for r in rows]


def folder_items(paths: Sequence[str | os.PathLike], *, label: int, source: str, split: str,
                 kind: str = "", origin: str = "") -> list[Item]:
    """Items for plain files of one class (e.g. the BSDS originals as authentic photos)."""
    return [Item(path=str(p), label=label, source=source, split=split,
                 group=f"{source}:{Path(p).stem}", kind=kind, origin=origin) for p in paths]


def split_items(split_file: str | os.PathLike, dataset: str, root: str | os.PathLike, *,
                source: str, kind: str) -> list[Item]:
    """Items of one data set of a bundle's ``split.json`` (its exact train / val / test)."""
    from .datasets import read_splits

    split = read_splits(split_file).get(dataset)
    if split is None:
        raise ValueError(f"{str(split_file)!r} has no data set named {dataset!r}")
    return [Item(path=str(Path(root) / e.path), label=int(e.label), source=source, split=name,
                 group=f"{source}:{e.group or e.sha256}", kind=kind if e.label else "")
            for name in ("train", "val", "test") for e in split[name]]


# --------------------------------------------------------------------------- evidence

def _cache_name(path: str, methods: Sequence[str], model_key: str) -> str:
    st = os.stat(path)
    key = json.dumps([os.path.abspath(path), st.st_size, st.st_mtime_ns, list(methods), model_key,
                      EVIDENCE_VERSION])
    return hashlib.sha256(key.encode()).hexdigest()[:24] + ".npz"


def extract(items: Sequence[Item], detector, methods: Sequence[str], *, cache_dir: str | os.PathLike | None,
            workers: int = 2, batch_size: int = 32, log: Callable[[str], None] | None = print) -> list[Item]:
    """Fill every item's ``evidence`` and ``profile`` (from the cache when it has them).
    Items whose file cannot be read are dropped (and logged). With `detector` None the
    lattice network's map is left out (fusions trained with ``lattice=False``)."""
    from .detector import evidence_job

    log = log or (lambda msg: None)
    cache = Path(cache_dir) if cache_dir is not None else None
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    model_key = json.dumps(None if detector is None else [detector.config.get("data", {}).get("fingerprint"),
                                                          (detector.config.get("trained") or {}).get("date")])
    todo = []
    for item in items:
        name = _cache_name(item.path, methods, model_key) if cache is not None else None
        if name and (cache / name).is_file():
            with np.load(cache / name, allow_pickle=False) as z:
                item.evidence = ev_mod.Evidence.from_arrays(z)
                item.profile = json.loads(str(z["profile"]))
        else:
            todo.append((item, name))
    log(f"evidence: {len(items) - len(todo)} cached, {len(todo)} to compute")
    import functools

    from .maps import PreprocessConfig

    preprocessing = detector.preprocessing if detector is not None else PreprocessConfig(crop=64, n_luma_freq=1, n_chroma_freq=0)
    job = functools.partial(evidence_job, config=preprocessing.to_dict(), methods=tuple(methods))
    by_path = {item.path: (item, name) for item, name in todo}
    t0 = time.time()
    done = 0
    pending: list = []

    def flush() -> None:
        completed = (detector.complete_evidence([g for _, _, g in pending]) if detector is not None
                     else [g[0] for _, _, g in pending])
        for (item, name, (_, _, profile)), ev in zip(pending, completed):
            item.evidence, item.profile = ev, profile
            if name:
                np.savez(cache / name, profile=np.asarray(json.dumps(profile)), **ev.to_arrays())
        pending.clear()

    for path, result in map_files(job, [item.path for item, _ in todo], workers=workers,
                                  executor="process", window=2 * batch_size):
        item, name = by_path[path]
        if isinstance(result, FileError):
            log(f"  skipped {path}: {result.message}")
            continue
        pending.append((item, name, result))
        done += 1
        if len(pending) >= batch_size:
            flush()
        if done % 200 == 0:
            log(f"  {done}/{len(todo)} in {time.time() - t0:.0f} s")
    flush()
    kept = [item for item in items if item.evidence is not None]
    if detector is not None:  # the same gate as prediction (the cache keeps the whole map)
        for item in kept:
            item.evidence = detector.gate_lattice(item.evidence, item.profile)
    return kept


def default_items(data: str | os.PathLike, synthetic: str | os.PathLike, split_file: str | os.PathLike) -> list[Item]:
    """The three sources of the shipped model: the faces (the lattice network's own split),
    BSDS500 (forgeries made from each of its folders, plus the untouched originals, the
    folders kept as the split) and Kodak + McMaster (forgeries, split by source photo)."""
    data, synthetic = Path(data), Path(synthetic)
    items = split_items(split_file, "faces", data / "faces", source="faces", kind="face-parts")
    for split in ("train", "val", "test"):
        items += synthetic_items(synthetic / f"bsds-{split}", source="bsds", split=split)
        items += folder_items(sorted((data / "photos" / "bsds500" / split).glob("*.jpg")), label=0,
                              source="bsds", split=split, origin="untouched originals")
    items += synthetic_items(synthetic / "pristine", source="kodak-mcmaster")
    return items


# --------------------------------------------------------------------------- training

#: Settings of every tree model: set once, before any evaluation, and not tuned.
TREE_SETTINGS = {"max_iter": 150, "learning_rate": 0.08, "max_leaf_nodes": 15, "min_samples_leaf": 40,
                 "l2_regularization": 1.0, "early_stopping": False}
#: Share of untouched cells kept to train the cell model (all edited cells are kept).
NEGATIVE_CELL_SHARE = 0.2
#: Cells at least this much inside a mask count as edited; cells touched less are left out.
EDITED_CELL = 0.5


def _trees(seed: int, **overrides):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**{**TREE_SETTINGS, **overrides}, random_state=seed)


def _fit(x: np.ndarray, y: np.ndarray, seed: int, weights: np.ndarray | None = None, **overrides) -> dict:
    """Fit trees and export them. A column with no value at all in training (a method with no
    score, a map missing from every training image) is given zeros, so the trees ignore it."""
    x = np.array(x, np.float32)
    empty = ~np.isfinite(x).any(axis=0)
    x[:, empty] = 0.0
    x[np.isinf(x)] = np.nan
    return export_trees(_trees(seed, **overrides).fit(x, y, sample_weight=weights))


def _read_mask(item: Item) -> np.ndarray | None:
    """The item's pixel mask (bool), or None without one or when it does not fit the image."""
    if not item.mask:
        return None
    from .synth import read_mask

    mask = read_mask(item.mask)
    return mask if mask.shape == tuple(item.evidence.shape) else None


def _mask_cells(item: Item) -> np.ndarray | None:
    if item.label == 0:
        return np.zeros(item.evidence.grid, np.float32)
    mask = _read_mask(item)
    return None if mask is None else ev_mod.mask_cells(mask)


def _cell_rows(items: Sequence[Item], methods: Sequence[str], rng: np.random.Generator):
    xs, ys = [], []
    for item in items:
        cover = _mask_cells(item)
        if cover is None:
            continue
        x = ev_mod.cell_features(item.evidence, methods)
        c = cover.ravel()
        keep = (c >= EDITED_CELL) | ((c == 0) & (rng.random(c.size) < NEGATIVE_CELL_SHARE))
        xs.append(x[keep])
        ys.append((c[keep] >= EDITED_CELL).astype(np.int8))
    return np.concatenate(xs), np.concatenate(ys)


def _cell_maps(model: dict, items: Sequence[Item], methods: Sequence[str]) -> list[np.ndarray]:
    return [cell_probabilities(model, it.evidence, methods) for it in items]


def _weights(items: Sequence[Item]) -> np.ndarray:
    """Each source counts the same, and within a source each class the same."""
    counts: dict = {}
    for it in items:
        counts[(it.source, it.label)] = counts.get((it.source, it.label), 0) + 1
    n_sources = len({it.source for it in items})
    return np.array([len(items) / (2 * n_sources * counts[(it.source, it.label)]) for it in items])


def _fold_of(group: str, k: int) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % k


def _image_matrix(items, methods, cells) -> np.ndarray:
    return np.stack([ev_mod.image_features(it.evidence, methods, c) for it, c in zip(items, cells)])


def fpr_threshold(p_authentic: np.ndarray, target: float) -> float:
    """The lowest threshold that calls at most `target` of these authentic scores edited."""
    p = np.sort(np.asarray(p_authentic, np.float64))[::-1]
    k = int(math.floor(target * len(p)))
    if k >= len(p):
        return float(p[-1])
    if k == 0:
        return float(np.nextafter(p[0], np.inf))
    return float((p[k - 1] + p[k]) / 2) if p[k - 1] > p[k] else float(np.nextafter(p[k], np.inf))


def fit_fusion(items: Sequence[Item], methods: Sequence[str], *, lattice: bool = True, seed: int = 0,
               fpr_target: float = 0.05, miss_target: float = 0.2, n_oof: int = 3,
               log: Callable[[str], None] | None = print) -> dict:
    """Train the fusion on the items' train splits; calibrate and choose thresholds on their
    val splits. Returns the ``fusion.json`` data.

    The "edited" threshold is the highest, over sources, of the threshold that calls at most
    `fpr_target` of that source's validation authentic images edited; the "real" threshold is
    the lowest, over sources, of the score below which at most `miss_target` of that source's
    validation edits fall.
    """
    log = log or (lambda msg: None)
    names = list(methods) + [ev_mod.LATTICE] * lattice
    train = [it for it in items if it.split == "train"]
    val = [it for it in items if it.split == "val"]
    rng = np.random.default_rng(seed)
    t0 = time.time()
    # 1. cell model, out of fold for the image model's training rows
    oof: list = [None] * len(train)
    for k in range(n_oof):
        inside = [i for i, it in enumerate(train) if _fold_of(it.group, n_oof) != k]
        x, y = _cell_rows([train[i] for i in inside], names, rng)
        model = _fit(x, y, seed)
        held = [i for i, it in enumerate(train) if _fold_of(it.group, n_oof) == k]
        for i, c in zip(held, _cell_maps(model, [train[i] for i in held], names)):
            oof[i] = c
    x, y = _cell_rows(train, names, rng)
    cell_model = _fit(x, y, seed)
    log(f"  cell model: {len(y)} cells ({int(y.sum())} edited), {time.time() - t0:.0f} s")
    # 2. image model
    x_train = _image_matrix(train, names, oof)
    y_train = np.array([it.label for it in train])
    image_model = _fit(x_train, y_train, seed, _weights(train))
    x_val = _image_matrix(val, names, _cell_maps(cell_model, val, names))
    y_val = np.array([it.label for it in val])
    raw_val = predict_raw(image_model, x_val)
    from .train import fit_platt

    calibration = fit_platt(raw_val, y_val)
    config = {"methods": list(methods), "lattice": bool(lattice), "cell": ev_mod.CELL,
              "calibration": calibration, "threshold": 0.5, "low_threshold": 0.5,
              "cell_model": cell_model, "image_model": image_model}
    p_val = Fusion(config).calibrate(raw_val)
    sources = sorted({it.source for it in val})
    per_source = {}
    for s in sources:
        member = np.array([it.source == s for it in val])
        auth, edit = p_val[member & (y_val == 0)], p_val[member & (y_val == 1)]
        per_source[s] = {"edited_at": fpr_threshold(auth, fpr_target),
                         "real_below": float(np.quantile(edit, miss_target)) if edit.size else 1.0}
    threshold = max(v["edited_at"] for v in per_source.values())
    low = min(min(v["real_below"] for v in per_source.values()), threshold)
    config.update(threshold=threshold, low_threshold=low, thresholds_by_source=per_source,
                  threshold_rule=(f"edited: the highest over training sources of the score that calls at most "
                                  f"{fpr_target:.0%} of its validation authentic images edited; real: below the "
                                  f"lowest over sources of the score under which {miss_target:.0%} of its "
                                  "validation edits fall"))
    # 3. stage 2: which kind of edit, on the edited training images
    edited = [i for i, it in enumerate(train) if it.label == 1 and it.kind]
    kinds = sorted({train[i].kind for i in edited})
    if len(kinds) > 1:
        k_train = np.array([kinds.index(train[i].kind) for i in edited])
        config["stage2"] = {"classes": kinds, "model": _fit(x_train[edited], k_train, seed, max_iter=100)}
    config["training"] = {"n_train": len(train), "n_val": len(val), "seconds": round(time.time() - t0, 1),
                          "sources": sorted({it.source for it in train}), "tree_settings": TREE_SETTINGS,
                          "fpr_target": fpr_target, "miss_target": miss_target}
    log(f"  fusion trained in {time.time() - t0:.0f} s; threshold {threshold:.3f}, real below {low:.3f}")
    return config


# --------------------------------------------------------------------------- scoring

def predict_items(config: dict, items: Sequence[Item]) -> dict:
    """p_edited, verdicts, cell maps and kinds of every item under a fusion config."""
    fusion = Fusion(config)
    names = fusion.image_methods
    cells = _cell_maps(config["cell_model"], items, names)
    x = _image_matrix(items, names, cells)
    p = fusion.calibrate(predict_raw(config["image_model"], x))
    verdicts = [decide(float(pi), threshold=fusion.threshold, low=fusion.low, facts=it.profile)[0]
                for pi, it in zip(p, items)]
    kinds = None
    if fusion.kind_names:
        proba = predict_proba(config["stage2"]["model"], x)
        kinds = [fusion.kind_names[j] for j in np.argmax(proba, axis=1)]
    return {"p": p, "verdicts": verdicts, "cells": cells, "kinds": kinds}


def _pixel_f1(item: Item, cells: np.ndarray, step: int = 4) -> dict | None:
    mask = _read_mask(item) if item.label == 1 else None
    if mask is None:
        return None
    fine = np.repeat(np.repeat(cells, ev_mod.CELL // step, axis=0), ev_mod.CELL // step, axis=1)
    truth = mask[::step, ::step]
    fine = fine[: truth.shape[0], : truth.shape[1]]
    return pixel_scores(fine, truth, fixed=fine >= 0.5)


def _shares(verdicts: Sequence[str]) -> dict:
    n = max(1, len(verdicts))
    return {v: round(sum(x == v for x in verdicts) / n, 4) for v in ("edited", "real", "uncertain")}


def _mean_f1(f1s: Sequence[dict | None], member: np.ndarray) -> dict:
    found = [f for f, m in zip(f1s, member) if m and f]
    if not found:
        return {}
    return {"pixel_f1_best": float(np.mean([f["f1_best"] for f in found])),
            "pixel_f1_at_0.5": float(np.mean([f["f1_fixed"] for f in found])),
            "pixel_f1_floor": float(np.mean([f["f1_all_edited"] for f in found]))}


def score_items(config: dict, items: Sequence[Item], *, n_boot: int = 500, seed: int = 0,
                predicted: dict | None = None) -> dict:
    """Per source and per kind of edit: ROC AUC with a bootstrap interval, the false-positive
    rate and recall at the threshold, the three answers' shares, pixel F1 (best threshold and
    0.5) against the masks, and stage-2 accuracy on the edits. `predicted` is
    :func:`predict_items` of the same config and items, when the caller has it already."""
    out = predicted if predicted is not None else predict_items(config, items)
    p, verdicts = out["p"], out["verdicts"]
    f1s = [_pixel_f1(it, c) for it, c in zip(items, out["cells"])]  # once per image
    y = np.array([it.label for it in items])
    report: dict = {"sources": {}}
    threshold = float(config["threshold"])
    for s in sorted({it.source for it in items}):
        member = np.array([it.source == s for it in items])
        ys, ps = y[member], p[member]
        vs = [v for v, m in zip(verdicts, member) if m]
        row = {"n": int(member.sum()), "n_authentic": int((ys == 0).sum()), "n_edited": int((ys == 1).sum())}
        if 0 < ys.sum() < len(ys):
            auc, lo, hi = evaluation.roc_auc_ci(ys, ps, n_boot=n_boot, seed=seed)
            row.update(roc_auc=auc, roc_auc_ci=[lo, hi])
        row["fpr"] = float((ps[ys == 0] >= threshold).mean()) if (ys == 0).any() else None
        row["recall"] = float((ps[ys == 1] >= threshold).mean()) if (ys == 1).any() else None
        row["answers_authentic"] = _shares([v for v, t in zip(vs, ys) if t == 0])
        for origin in sorted({it.origin for it, m in zip(items, member) if m and it.origin}):
            om = np.array([it.origin == origin for it in items]) & member
            row.setdefault("origins", {})[origin] = {
                "n": int(om.sum()), "fpr": float((p[om] >= threshold).mean()),
                "answers": _shares([v for v, m in zip(verdicts, om) if m])}
        row["answers_edited"] = _shares([v for v, t in zip(vs, ys) if t == 1])
        kinds = {}
        for kind in sorted({it.kind for it, m in zip(items, member) if m and it.label == 1}):
            km = np.array([it.kind == kind for it in items]) & member
            kp = np.concatenate([ps[ys == 0], p[km]])
            ky = np.r_[np.zeros((ys == 0).sum()), np.ones(km.sum())]
            entry = {"n": int(km.sum()), "recall": float((p[km] >= threshold).mean())}
            if (ys == 0).any():
                entry["roc_auc"] = evaluation.roc_auc(ky, kp)
            entry.update(_mean_f1(f1s, km))
            if out["kinds"] is not None:
                entry["stage2_accuracy"] = float(np.mean([out["kinds"][i] == kind for i in np.flatnonzero(km)]))
            kinds[kind] = entry
        row["kinds"] = kinds
        row.update({k: v for k, v in _mean_f1(f1s, member).items() if k != "pixel_f1_floor"})
        report["sources"][s] = row
    if 0 < y.sum() < len(y):
        report["roc_auc"] = evaluation.roc_auc(y, p)
    report["calibration"] = {"brier": evaluation.brier_score(y, p), "ece": _ece(y, p)}
    return report


def _ece(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    cal = evaluation.calibration_data(y, p, n_bins=n_bins)
    return float(cal.get("ece", float("nan")))


def _mean_auc_ci(folds: Sequence[tuple[np.ndarray, np.ndarray]], n_boot: int, seed: int) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    point = float(np.mean([evaluation.roc_auc(y, p) for y, p in folds]))
    reps = []
    for _ in range(n_boot):
        aucs = []
        for y, p in folds:
            pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
            idx = np.r_[rng.choice(pos, pos.size), rng.choice(neg, neg.size)]
            aucs.append(evaluation.roc_auc(y[idx], p[idx]))
        reps.append(np.mean(aucs))
    return point, float(np.quantile(reps, 0.025)), float(np.quantile(reps, 0.975))


def leave_one_source_out(items: Sequence[Item], methods: Sequence[str], *, lattice: bool = True, seed: int = 0,
                         n_boot: int = 500, held_out_splits: dict | None = None,
                         log: Callable[[str], None] | None = print) -> dict:
    """Train without each source in turn and score the held-out source.

    `held_out_splits` names, per source, which of its splits may be scored when held out
    (default: all; the faces give only their test split, since the lattice network learnt
    from their train and val splits)."""
    log = log or (lambda msg: None)
    held_out_splits = held_out_splits or {}
    folds, report = [], {"folds": {}}
    for s in sorted({it.source for it in items}):
        log(f"leave out {s}")
        config = fit_fusion([it for it in items if it.source != s], methods, lattice=lattice, seed=seed, log=log)
        allowed = set(held_out_splits.get(s, ("train", "val", "test")))
        test = [it for it in items if it.source == s and it.split in allowed]
        out = predict_items(config, test)
        scored = score_items(config, test, n_boot=n_boot, seed=seed, predicted=out)["sources"][s]
        scored.update(threshold=config["threshold"], low_threshold=config["low_threshold"],
                      splits_scored=sorted(allowed))
        report["folds"][s] = scored
        folds.append((np.array([it.label for it in test]), out["p"]))
    auc, lo, hi = _mean_auc_ci(folds, n_boot, seed)
    report["mean_roc_auc"], report["mean_roc_auc_ci"] = auc, [lo, hi]
    report["mean_fpr"] = float(np.mean([f["fpr"] for f in report["folds"].values()]))
    report["mean_recall"] = float(np.mean([f["recall"] for f in report["folds"].values()]))
    return report


def _public(obj):
    """JSON data without the trees' in-memory caches (keys starting with "_", see
    :func:`imgfake.learn.trees.predict_raw`)."""
    if isinstance(obj, dict):
        return {k: _public(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, list):
        return [_public(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return obj


def write_fusion(bundle_dir: str | os.PathLike, config: dict, report: dict | None = None) -> Path:
    """Write ``fusion.json`` into a bundle (the trees and thresholds) and record `report`
    (evaluation figures) in its ``imgfake.json`` under ``"fusion"``. :meth:`Detector.load`
    reads ``fusion.json`` as ``config["fusion_model"]``; a bundle without it keeps the lattice
    network's own verdict."""
    from .fusion import FUSION_FILE

    folder = Path(bundle_dir)
    (folder / FUSION_FILE).write_text(json.dumps(_public(config), separators=(",", ":")), encoding="utf-8")
    cfg_path = folder / "imgfake.json"
    bundle = json.loads(cfg_path.read_text(encoding="utf-8"))
    summary = {k: v for k, v in config.items() if k not in ("cell_model", "image_model", "stage2")}
    summary["stage2_classes"] = (config.get("stage2") or {}).get("classes", [])
    bundle["fusion"] = _public({"config": summary, **(report or {})})
    cfg_path.write_text(json.dumps(bundle, indent=1, default=float), encoding="utf-8")
    return folder


def table_shortcuts(items: Sequence[Item], *, min_share: float = 0.01) -> dict:
    """Per source, the JPEG table sets that occur in one class only in at least `min_share` of
    its images (what :meth:`imgfake.learn.datasets.Manifest.table_shortcuts` checks for a
    manifest): a model could learn the file format instead of the edit from them."""
    out = {}
    for s in sorted({it.source for it in items}):
        member = [it for it in items if it.source == s]
        by_table: dict = {}
        for it in member:
            c = by_table.setdefault(it.profile.get("tables"), [0, 0])
            c[it.label] += 1
        one_class = [{"tables": t, "real": c[0], "edited": c[1]} for t, c in by_table.items()
                     if (c[0] == 0 or c[1] == 0) and sum(c) >= min_share * len(member)]
        out[s] = {"n": len(member), "table_sets": len(by_table),
                  "one_class": sorted(one_class, key=lambda d: -(d["real"] + d["edited"])),
                  "images_in_one_class_sets": sum(d["real"] + d["edited"] for d in one_class)}
    return out


def shared_tables_report(config: dict, items: Sequence[Item], source: str, *, n_boot: int = 1000,
                         seed: int = 0) -> dict | None:
    """ROC AUC on `source`'s test images whose JPEG tables occur in both classes of the whole
    source (the figure free of the file-format shortcut)."""
    member = [it for it in items if it.source == source]
    classes: dict = {}
    for it in member:
        classes.setdefault(it.profile.get("tables"), set()).add(it.label)
    test = [it for it in member if it.split == "test" and classes.get(it.profile.get("tables")) == {0, 1}]
    y = np.array([it.label for it in test])
    if not test or y.min() == y.max():
        return None
    p = predict_items(config, test)["p"]
    auc, lo, hi = evaluation.roc_auc_ci(y, p, n_boot=n_boot, seed=seed)
    return {"n": len(test), "n_edited": int(y.sum()), "roc_auc": auc, "roc_auc_ci": [lo, hi]}
