"""Train and evaluate model bundles (used by ``imgfake train`` / ``imgfake evaluate``).

``train_bundle`` goes from class folders to a finished bundle:

1. a manifest per data folder (:func:`imgfake.learn.datasets.build_manifest`; folders made by
   :func:`imgfake.learn.synth.make_forgery_set` are grouped by source photo) and a stratified,
   group-aware split per folder (seed given), saved in the bundle as ``split.json``;
2. the maps of every image (:func:`imgfake.learn.maps.preprocess_paths`, cached on disk when
   ``cache_dir`` is given);
3. one two-head network (:func:`imgfake.learn.models.build_ela_cnn`): stage 1 real vs edited on
   every image, stage 2 which kind of edit on the edited ones; the epoch with the best
   validation ROC AUC (mean over the data folders) is kept;
4. on the validation split only: Platt scaling of the stage-1 logit, the decision threshold
   (:func:`imgfake.learn.evaluation.choose_threshold`), a temperature for stage 2;
5. the test split, once: :func:`imgfake.learn.evaluation.evaluate_scores` with bootstrap intervals
   and per-subgroup metrics, per data folder and overall; stage-2 metrics;
6. ``model.keras`` + ``imgfake.json`` + ``split.json`` in ``out_dir``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._version import __version__
from . import evaluation
from .evaluation import fit_platt, fit_temperature  # noqa: F401 - train.fit_platt, as before
from .datasets import Entry, Manifest, Split, build_manifest, check_disjoint, read_splits, save_splits, split_manifest
from .detector import BUNDLE_FORMAT, CONFIG_FILE, MODEL_FILE, SPLIT_FILE, Detector, read_bundle_config
from .maps import PreprocessConfig, dataset_from_arrays, preprocess_paths

__all__ = ["train_bundle", "evaluate_bundle", "bundle_aucs", "kind_class", "TrainSettings", "DEFAULT_KIND_ORDER"]

#: Stage-2 classes in the order the default model lists them; others follow alphabetically.
DEFAULT_KIND_ORDER = ("face-parts", "splice", "copy-move", "retouch")
_FACE_PARTS = re.compile(r"^[01]{3,4}$")
_FACE_SUBGROUPS = ("easy", "mid", "hard")


def kind_class(entry: Entry) -> str | None:
    """Stage-2 class of an edited entry: the faces set's images (part codes like ``1010``, or
    an easy/mid/hard name whose code is malformed) are all ``"face-parts"``; a sub-folder kind
    (``edited/splice/``) is that kind; any other edited image is ``"edited"``. Real images
    have none."""
    if entry.label != 1:
        return None
    if entry.kind is not None and _FACE_PARTS.match(entry.kind):
        return "face-parts"
    if entry.kind is None:
        return "face-parts" if entry.subgroup in _FACE_SUBGROUPS else "edited"
    return entry.kind


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 30
    seed: int = 0
    val: float = 0.15
    test: float = 0.15
    width: int = 32
    dropout: float = 0.3
    batch_size: int = 32
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    stage2_weight: float = 0.5
    #: Names of the data folders (their last path component) whose images train stage 1 and
    #: its calibration/threshold; None = all. The others train stage 2 only (edited images)
    #: and are still scored on their test split.
    stage1_sets: tuple[str, ...] | None = None


# ----------------------------------------------------------------------------- data
def _is_synthetic(folder: Path) -> bool:
    return (folder / "manifest.csv").is_file() and (folder / "masks").is_dir()


def _folder_manifest(data_dir: str | os.PathLike) -> tuple[Path, Manifest]:
    """The folder and its manifest; ValueError when it is missing or holds no class folders."""
    root = Path(data_dir)
    if not root.is_dir():
        raise ValueError(f"data folder {str(root)!r} does not exist")
    manifest = _manifest(root)
    if len(manifest) == 0:
        raise ValueError(f"no images found in class sub-folders of {str(root)!r} (e.g. real/, edited/)")
    return root, manifest


def _manifest(folder: Path) -> Manifest:
    if _is_synthetic(folder):
        from .synth import source_of

        return build_manifest(folder, group_fn=source_of)
    return build_manifest(folder)


@dataclass
class _Part:
    """One data folder: its manifest, split, and maps per split."""

    name: str
    root: Path
    manifest: Manifest
    split: Split
    maps: dict[str, np.ndarray]


def _cache_key(manifest: Manifest, entries: Sequence[Entry], config: PreprocessConfig) -> str:
    h = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode())
    for e in entries:
        h.update(e.sha256.encode())
    return h.hexdigest()[:16]


def _maps_for(root: Path, entries: Sequence[Entry], config: PreprocessConfig,
              cache_dir: Path | None, log: Callable[[str], None], label: str) -> np.ndarray:
    paths = [root / e.path for e in entries]
    cached = None
    if cache_dir is not None:
        cached = cache_dir / f"maps_{_cache_key(None, entries, config)}.npy"
        if cached.is_file():
            log(f"  {label}: {len(paths)} images, maps from cache {cached.name}")
            return np.load(cached)
    t0 = time.time()
    x = preprocess_paths(paths, config)
    log(f"  {label}: {len(paths)} images preprocessed in {time.time() - t0:.0f} s")
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp.npy")
        np.save(tmp, x)
        os.replace(tmp, cached)
    return x


def _targets(entries: Sequence[Entry], kinds: list[str]) -> tuple[np.ndarray, np.ndarray]:
    y = np.array([e.label for e in entries], np.float32)
    k = np.array([kinds.index(kind_class(e)) if e.label == 1 else 0 for e in entries], np.int32)
    return y, k


def _order_kinds(found: set[str]) -> list[str]:
    first = [k for k in DEFAULT_KIND_ORDER if k in found]
    return first + sorted(found - set(first))


# ----------------------------------------------------------------------------- training
def _build_and_fit(parts: list[_Part], kinds: list[str], config: PreprocessConfig,
                   s: TrainSettings, log: Callable[[str], None]):
    from .models import import_keras

    keras = import_keras()

    from .models import EDITED_OUTPUT, KIND_OUTPUT, build_ela_cnn

    keras.utils.set_random_seed(s.seed)
    entries = {n: [e for p in parts for e in p.split[n]] for n in ("train", "val")}
    x = {n: np.concatenate([p.maps[n] for p in parts]) for n in ("train", "val")}
    y_tr, k_tr = _targets(entries["train"], kinds)
    y_va, _ = _targets(entries["val"], kinds)
    in_stage1 = [_in_stage1(p, s) for p in parts]
    val_part = np.concatenate([np.full(len(p.split["val"]), i if in_stage1[i] else -1) for i, p in enumerate(parts)])
    s1_tr = np.concatenate([np.full(len(p.split["train"]), in_stage1[i]) for i, p in enumerate(parts)])
    # balanced weights: each class (stage 1) and each kind (stage 2) counts the same
    rate = y_tr[s1_tr].mean()
    w1 = np.where(y_tr == 1, 0.5 / max(rate, 1e-9), 0.5 / max(1 - rate, 1e-9)) * s1_tr
    w2 = np.zeros_like(w1)
    if len(kinds) > 1:
        counts = np.bincount(k_tr[y_tr == 1], minlength=len(kinds)).astype(np.float64)
        per_kind = np.where(counts > 0, (y_tr == 1).sum() / (len(kinds) * np.maximum(counts, 1)), 0)
        w2 = np.where(y_tr == 1, per_kind[k_tr], 0.0)
    n2 = len(kinds) if len(kinds) > 1 else 0
    model = build_ela_cnn(config.input_shape, n_classes_stage2=n2, width=s.width, dropout=s.dropout,
                          channel_scales=config.channel_scales())
    steps = s.epochs * int(np.ceil(len(y_tr) / s.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(s.learning_rate, steps, alpha=0.05)
    losses = {EDITED_OUTPUT: keras.losses.BinaryCrossentropy(from_logits=True)}
    weights = {EDITED_OUTPUT: 1.0}
    targets = {EDITED_OUTPUT: y_tr[:, None]}
    sample_weights = {EDITED_OUTPUT: w1.astype(np.float32)}
    if n2:
        losses[KIND_OUTPUT] = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        weights[KIND_OUTPUT] = s.stage2_weight
        targets[KIND_OUTPUT] = k_tr
        sample_weights[KIND_OUTPUT] = w2.astype(np.float32)
    model.compile(keras.optimizers.AdamW(schedule, weight_decay=s.weight_decay), loss=losses,
                  loss_weights=weights)
    train_ds = dataset_from_arrays(x["train"], (targets, sample_weights), batch_size=s.batch_size,
                                   shuffle=True, augment=True, seed=s.seed)
    best = (-1.0, 0, None)
    history = []
    for epoch in range(1, s.epochs + 1):
        t = time.time()
        fit = model.fit(train_ds, epochs=1, verbose=0, shuffle=False)  # the dataset shuffles
        logits = _predict(model, x["val"])[EDITED_OUTPUT][:, 0]
        auc = _selection_auc(y_va, logits, val_part)
        loss = float(fit.history["loss"][-1])
        history.append({"epoch": epoch, "loss": round(loss, 4), "val_roc_auc": round(auc, 4),
                        "seconds": round(time.time() - t, 1)})
        log(f"  epoch {epoch}/{s.epochs}: loss {loss:.4f}, val ROC AUC {auc:.4f} ({time.time() - t:.0f} s)")
        if auc > best[0] or best[2] is None:
            best = (auc, epoch, model.get_weights())
    model.set_weights(best[2])
    log(f"  kept epoch {best[1]} (val ROC AUC {best[0]:.4f})")
    return model, history, best[1]


def _selection_auc(y: np.ndarray, logits: np.ndarray, part: np.ndarray) -> float:
    """Mean over data folders of the validation ROC AUC (each folder counts the same, and
    scores are never compared across folders)."""
    aucs = [evaluation.roc_auc(y[part == i], logits[part == i]) for i in np.unique(part)
            if i >= 0 and len(np.unique(y[part == i])) == 2]
    return float(np.mean(aucs)) if aucs else float("nan")


def _in_stage1(part: _Part, s: TrainSettings) -> bool:
    return s.stage1_sets is None or part.name in s.stage1_sets


def _predict(model, x: np.ndarray, batch_size: int = 128) -> dict[str, np.ndarray]:
    outs: dict[str, list] = {}
    for i in range(0, len(x), batch_size):
        o = model(np.asarray(x[i:i + batch_size], np.float32), training=False)
        for k, v in o.items():
            outs.setdefault(k, []).append(v.numpy() if hasattr(v, "numpy") else np.asarray(v))
    return {k: np.concatenate(v) for k, v in outs.items()}


def _stage1_report(y, p, threshold, groups, *, n_boot: int, seed: int) -> dict:
    groups = None if groups is None or all(g is None for g in groups) else list(groups)
    return evaluation.evaluate_scores(y, p, threshold=threshold, groups=groups, n_boot=n_boot, seed=seed)


def _score_split(det: Detector, parts: list[_Part], split_name: str, kinds: list[str], *,
                 n_boot: int, seed: int) -> dict:
    """Stage-1 report per data folder and overall, and stage-2 metrics, on one split."""
    report: dict = {"per_dataset": {}}
    all_y, all_p, all_kind, all_kproba = [], [], [], []
    for part in parts:
        entries = part.split[split_name]
        if not entries:
            continue
        out = det.raw_outputs(part.maps[split_name])
        p = det.calibrate(out["edited"][:, 0])
        y = np.array([e.label for e in entries])
        subgroups = [e.subgroup if e.label == 1 else None for e in entries]
        if all(sg is None for sg in subgroups):  # e.g. synthetic sets: report per kind instead
            subgroups = [kind_class(e) for e in entries]
        rep = _stage1_report(y, p, det.threshold, subgroups, n_boot=n_boot, seed=seed)
        rep["n_images"] = len(entries)
        report["per_dataset"][part.name] = rep
        all_y.append(y)
        all_p.append(p)
        if "kind" in out and len(kinds) > 1:
            edited = y == 1
            all_kind += [kind_class(e) for e in entries if e.label == 1]
            all_kproba.append(det.kind_probabilities(out["kind"][edited]))
    y, p = np.concatenate(all_y), np.concatenate(all_p)
    report["overall"] = _stage1_report(y, p, det.threshold, None, n_boot=n_boot, seed=seed)
    if all_kproba and all_kind:
        report["stage2"] = evaluation.multiclass_metrics(all_kind, np.concatenate(all_kproba), kinds)
    return report


def train_bundle(
    data_dirs: Sequence[str | os.PathLike] | str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    epochs: int = 30,
    seed: int = 0,
    preprocessing: PreprocessConfig | None = None,
    settings: TrainSettings | None = None,
    cache_dir: str | os.PathLike | None = None,
    command: str | None = None,
    n_boot: int = 1000,
    log: Callable[[str], None] | None = print,
) -> Path:
    """Train a two-stage detector on class folders and write a bundle to `out_dir`.

    Parameters
    ----------
    data_dirs : path or sequence of paths
        Folders with ``real/`` (or authentic/...) and ``edited/`` (or fake/...) sub-folders,
        e.g. ``../shared/data/faces`` and a set made by :func:`imgfake.learn.synth.make_forgery_set`.
        Each is split on its own (stratified, group-aware, `seed`); the splits are combined.
    out_dir : path
        The bundle folder (created; existing bundle files are replaced).
    epochs, seed : int
        Training epochs (the best validation epoch is kept) and the seed of the split, the
        weights' initialisation and the shuffling.
    preprocessing : PreprocessConfig, optional
        Default ``PreprocessConfig()``.
    settings : TrainSettings, optional
        Other hyper-parameters (`epochs` and `seed` given here win).
    cache_dir : path, optional
        Folder for cached maps (reused when the same files and preprocessing come again).
    command : str, optional
        The command line to record in the bundle (default: ``sys.argv``).
    n_boot : int, default 1000
        Bootstrap resamples for the test-set confidence intervals.
    log : callable or None
        Progress messages (default ``print``).

    Returns
    -------
    pathlib.Path
        `out_dir`.
    """
    t_start = time.time()
    log = log or (lambda msg: None)
    if isinstance(data_dirs, (str, os.PathLike)):
        data_dirs = [data_dirs]
    if not data_dirs:
        raise ValueError("data_dirs must name at least one data folder")
    if settings is not None and settings.stage1_sets is not None:
        names = {Path(d).resolve().name for d in data_dirs}
        if not set(settings.stage1_sets) <= names:
            raise ValueError(f"stage1_sets {list(settings.stage1_sets)} must name data folders among {sorted(names)}")
    if isinstance(epochs, bool) or int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    s = settings or TrainSettings()
    s = TrainSettings(**{**s.__dict__, "epochs": int(epochs), "seed": int(seed)})
    config = preprocessing or PreprocessConfig()
    cache = Path(cache_dir) if cache_dir is not None else None
    out = Path(out_dir)

    parts: list[_Part] = []
    names_seen: set[str] = set()
    for d in data_dirs:
        root, manifest = _folder_manifest(d)
        labels = {e.label for e in manifest.entries}
        if labels != {0, 1}:
            raise ValueError(f"{str(root)!r} must hold both real and edited images, found labels {sorted(labels)}")
        split = split_manifest(manifest, val=s.val, test=s.test, seed=s.seed)
        check_disjoint(split)
        for part_name, sizes in split.label_counts().items():
            if min(sizes.get(c, 0) for c in ("real", "edited")) == 0:
                raise ValueError(
                    f"{str(root)!r} is too small to split: its {part_name} split got "
                    f"{sizes.get('real', 0)} real and {sizes.get('edited', 0)} edited images "
                    f"(from {len(manifest)} images in {len({e.group or e.sha256 for e in manifest.entries})} "
                    "groups). Add images, or more source photos for synthetic sets."
                )
        name = root.resolve().name
        while name in names_seen:
            name += "_"
        names_seen.add(name)
        log(f"{name}: {len(manifest)} images, split {split.sizes()}")
        maps = {n: _maps_for(root, split[n], config, cache, log, f"{name}/{n}") for n in ("train", "val", "test")}
        parts.append(_Part(name, root, manifest, split, maps))

    kinds = _order_kinds({kind_class(e) for p in parts for e in p.manifest.entries if e.label == 1})
    log(f"stage 2 classes: {kinds}")
    t_fit = time.time()
    model, history, best_epoch = _build_and_fit(parts, kinds, config, s, log)
    fit_seconds = time.time() - t_fit

    # calibration and threshold: validation only (of the data sets that trained stage 1)
    val_entries = [e for p in parts for e in p.split["val"]]
    x_val = np.concatenate([p.maps["val"] for p in parts])
    raw = _predict(model, x_val)
    y_val = np.array([e.label for e in val_entries])
    s1_val = np.concatenate([np.full(len(p.split["val"]), _in_stage1(p, s)) for p in parts])
    calibration = fit_platt(raw["edited"][s1_val, 0], y_val[s1_val])
    stage2: dict = {"classes": kinds if len(kinds) > 1 else [], "temperature": 1.0}
    if "kind" in raw:
        edited = y_val == 1
        k_val = np.array([kinds.index(kind_class(e)) for e in val_entries if e.label == 1])
        stage2["temperature"] = fit_temperature(raw["kind"][edited], k_val)
        stage2["calibration"] = "temperature scaling fitted on the validation split's edited images"
    bundle = {
        "imgfake_version": __version__,
        "format": BUNDLE_FORMAT,
        "preprocessing": config.to_dict(),
        "model": {"builder": "imgfake.learn.models.build_ela_cnn", "width": s.width, "dropout": s.dropout,
                  "params": int(model.count_params()), "heatmap_layer": "edited_map"},
        "stage1": {"classes": ["real", "edited"], "threshold": 0.5, "calibration": calibration},
        "stage2": stage2,
    }
    det = Detector(model, bundle)
    p_val = det.calibrate(raw["edited"][s1_val, 0])
    threshold = float(evaluation.choose_threshold(y_val[s1_val], p_val))
    bundle["stage1"]["threshold"] = threshold
    bundle["stage1"]["threshold_rule"] = "youden on the validation split (calibrated probabilities)"
    bundle["stage1"]["trained_on"] = [p.name for p in parts if _in_stage1(p, s)]
    det = Detector(model, bundle)

    log("scoring validation and test splits")
    metrics = {
        "val": _score_split(det, parts, "val", kinds, n_boot=0, seed=s.seed),
        "test": _score_split(det, parts, "test", kinds, n_boot=n_boot, seed=s.seed),
    }
    bundle["data"] = {
        "fingerprint": _combined_fingerprint(parts),
        "datasets": [{"name": p.name, "root": str(p.root), "fingerprint": p.manifest.fingerprint(),
                      "splits": p.split.sizes(), "summary_classes": p.manifest.summary()["classes"]}
                     for p in parts],
        "splits": {n: sum(len(p.split[n]) for p in parts) for n in ("train", "val", "test")},
        "split_seed": s.seed,
    }
    bundle["metrics"] = metrics
    bundle["training"] = {"settings": s.__dict__, "history": history, "best_epoch": best_epoch,
                          "fit_seconds": round(fit_seconds, 1)}
    bundle["trained"] = {
        "command": command or " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "seconds": round(time.time() - t_start, 1),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / MODEL_FILE)
    save_splits(out / SPLIT_FILE, {p.name: p.split for p in parts})
    (out / CONFIG_FILE).write_text(json.dumps(_jsonable(bundle), indent=1), encoding="utf-8")
    log(f"bundle written to {out} in {time.time() - t_start:.0f} s")
    return out


def _combined_fingerprint(parts: list[_Part]) -> str:
    h = hashlib.sha256()
    for fp in sorted(p.manifest.fingerprint() for p in parts):
        h.update(fp.encode())
    return h.hexdigest()


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        v = float(obj)
        return v if np.isfinite(v) else None
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return obj


def update_trained_seconds(model_dir: str | os.PathLike, seconds: float, command: str) -> None:
    """Record the wall time and command of a whole retraining run (e.g. synthetic set + train)."""
    path = Path(model_dir) / CONFIG_FILE
    bundle = json.loads(path.read_text(encoding="utf-8"))
    bundle["trained"]["seconds"] = round(float(seconds), 1)
    bundle["trained"]["command"] = command
    path.write_text(json.dumps(bundle, indent=1), encoding="utf-8")


# ----------------------------------------------------------------------------- evaluation
def evaluate_bundle(
    data_dir: str | os.PathLike,
    model_dir: str | os.PathLike | None = None,
    *,
    split: str = "auto",
    n_boot: int = 1000,
    seed: int = 0,
    per_file: bool = False,
) -> dict:
    """Evaluate a bundle on a data folder.

    Parameters
    ----------
    data_dir : path
        A folder of class sub-folders.
    model_dir : path, optional
        The bundle (default: the shipped model, see :func:`imgfake.learn.detector.default_model_dir`).
    split : {"auto", "test", "all"}
        ``"auto"``: if the bundle was trained on this very data (same fingerprint), score only
        its test split (scoring its training images would flatter it); otherwise all images.
    n_boot, seed
        Bootstrap settings of the confidence intervals.
    per_file : bool, default False
        Also return ``files``, a row per image scored: ``path`` (in `data_dir`), ``label``, ``class_name``,
        ``kind``, ``subgroup``, ``p_edited``, ``verdict`` (fused answer, else edited/real at the threshold).

    Returns
    -------
    dict
        ``evaluated_on`` ("test split of the bundle" or "all images"), ``n_images``, the
        stage-1 report of :func:`imgfake.learn.evaluation.evaluate_scores` (threshold = the bundle's),
        per-subgroup metrics, ``stage2`` (when the folder has kinds the model knows), and
        ``unreadable`` (files skipped).
    """
    if split not in ("auto", "test", "all"):
        raise ValueError(f"split must be 'auto', 'test' or 'all', got {split!r}")
    det = Detector.load(model_dir)
    root, manifest = _folder_manifest(data_dir)
    entries = list(manifest.entries)
    evaluated_on = "all images"
    fp = manifest.fingerprint()
    split_path = Path(det.path) / SPLIT_FILE if det.path else None
    if split != "all" and split_path is not None and split_path.is_file():
        own = {s.fingerprint: s for s in read_splits(split_path).values()}.get(fp)
        if own is not None:
            test_sha = {e.sha256 for e in own.test}
            entries = [e for e in entries if e.sha256 in test_sha]
            evaluated_on = "test split of the bundle"
    if split == "test" and evaluated_on != "test split of the bundle":
        raise ValueError("split='test' needs data the bundle was trained on (its split.json has no match)")
    verdicts = None
    if det.fusion is not None:  # the fused verdict: the same path as `imgfake predict`
        scored = dict(det.predict_paths([root / e.path for e in entries]))
        preds = [scored.get(str(root / e.path)) for e in entries]
        keep = [i for i, pr in enumerate(preds) if not isinstance(pr, str) and pr is not None]
        entries, preds = [entries[i] for i in keep], [preds[i] for i in keep]
        p = np.array([pr.p_edited for pr in preds])
        verdicts = [pr.verdict for pr in preds]
        out = {"kind": np.log(np.array([[max(pr.kinds.get(k, 0.0), 1e-12) for k in det.kind_names]
                                        for pr in preds]).reshape(len(preds), len(det.kind_names)))}
    else:
        x = preprocess_paths([root / e.path for e in entries], det.preprocessing)
        out = det.raw_outputs(x) if len(x) <= 256 else {
            k: np.concatenate(v) for k, v in _batched_outputs(det, x).items()}
        p = det.calibrate(out["edited"][:, 0])
    y = np.array([e.label for e in entries])
    subgroups = [e.subgroup if e.label == 1 else None for e in entries]
    if all(sg is None for sg in subgroups):
        subgroups = [kind_class(e) for e in entries]
    report: dict = {
        "data": str(root),
        "model": str(det.path),
        "evaluated_on": evaluated_on,
        "n_images": len(entries),
        "unreadable": len(manifest.unreadable),
        "threshold": det.threshold,
    }
    if per_file:  # one row per image scored, in the manifest's order
        said = verdicts or ["edited" if v >= det.threshold else "real" for v in p]
        report["files"] = [{**{k: getattr(e, k) for k in ("path", "label", "class_name", "kind", "subgroup")},
                            "p_edited": float(v), "verdict": w} for e, v, w in zip(entries, p, said)]
    if verdicts is not None:
        report["answers"] = {cls: {v: sum(1 for vi, yi in zip(verdicts, y) if vi == v and yi == label)
                                   for v in ("edited", "real", "uncertain")}
                             for cls, label in (("real", 0), ("edited", 1))}
    if len(set(y.tolist())) == 2:
        report["stage1"] = _stage1_report(y, p, det.threshold, subgroups, n_boot=n_boot, seed=seed)
        report["format_shortcut"] = _shortcut_free_report(
            manifest, entries, y, p, det.threshold, n_boot=n_boot, seed=seed)
    else:
        report["stage1"] = {"note": "only one class present: no ROC AUC",
                            "accuracy": float(np.mean((p >= det.threshold) == (y == 1)))}
    if "kind" in out and det.kind_names:
        known = [(i, kind_class(e)) for i, e in enumerate(entries)
                 if e.label == 1 and kind_class(e) in det.kind_names]
        if known:
            idx = np.array([i for i, _ in known])
            proba = (np.exp(out["kind"][idx]) if det.fusion is not None
                     else det.kind_probabilities(out["kind"][idx]))
            report["stage2"] = evaluation.multiclass_metrics([k for _, k in known], proba, det.kind_names)
    return _jsonable(report)


def _shortcut_free_report(manifest, entries, y, p, threshold, *, n_boot: int, seed: int) -> dict | None:
    """Stage-1 metrics on the files whose JPEG tables occur in both classes.

    When some table sets belong to one class only (``Manifest.table_shortcuts``), the save
    settings alone give those files away; this is the score with that shortcut removed.
    None when the data set has no such shortcut.
    """
    shortcuts = manifest.table_shortcuts(min_share=0)
    if not shortcuts:
        return None
    shared = manifest.shared_tables()
    keep = np.array([e.jpeg_tables in shared for e in entries])
    out = {"shortcuts": shortcuts, "n_kept": int(keep.sum()), "n_excluded": int((~keep).sum())}
    if len(set(y[keep].tolist())) == 2:
        out["stage1"] = evaluation.evaluate_scores(y[keep], p[keep], threshold=threshold,
                                                   n_boot=n_boot, seed=seed)
    return out


def _batched_outputs(det: Detector, x: np.ndarray, batch: int = 256) -> dict[str, list]:
    outs: dict[str, list] = {}
    for i in range(0, len(x), batch):
        for k, v in det.raw_outputs(x[i:i + batch]).items():
            outs.setdefault(k, []).append(v)
    return outs


def read_bundle(model_dir: str | os.PathLike) -> dict:
    """The bundle's ``imgfake.json`` (checked), without loading TensorFlow."""
    return read_bundle_config(model_dir)


def bundle_aucs(bundle: dict) -> dict[str, dict]:
    """Every ROC AUC a bundle's ``imgfake.json`` (:func:`read_bundle`) holds, named by its images:
    ``{label: {"roc_auc", "roc_auc_ci", "n"}}`` (None where not recorded). Fused bundles first list
    the mean over held-out sources (the headline), each held-out source, each source's test split,
    the faces test files whose tables both classes share and the test splits pooled; every bundle
    then the lattice network on each data folder's test split (and pooled, for several)."""
    def row(r: dict, n: int | None = None) -> dict:
        return {"roc_auc": r["roc_auc"], "roc_auc_ci": r.get("roc_auc_ci"), "n": r.get("n", n)}

    out: dict[str, dict] = {}
    fusion = bundle.get("fusion")
    if fusion:
        loso, test = fusion["leave_one_source_out"], fusion["test"]
        out["mean over held-out sources (the headline)"] = row(
            {"roc_auc": loso["mean_roc_auc"], "roc_auc_ci": loso.get("mean_roc_auc_ci")})
        out.update({f"source {s} held out": row(r) for s, r in loso["folds"].items() if "roc_auc" in r})
        out.update({f"test split of {s}": row(r) for s, r in test["sources"].items() if "roc_auc" in r})
        if fusion.get("faces_shared_tables"):
            out["faces test files whose JPEG tables both classes share"] = row(fusion["faces_shared_tables"])
        if "roc_auc" in test:
            n = sum(r["n"] for r in test["sources"].values())
            out[f"test splits of {' + '.join(test['sources'])}, pooled"] = row(test, n)
    lattice, per_dataset = "lattice network alone, " if fusion else "", bundle["metrics"]["test"]["per_dataset"]
    out.update({f"{lattice}test split of {name}": row(r) for name, r in per_dataset.items()})
    if len(per_dataset) > 1:
        out[f"{lattice}test splits of {' + '.join(per_dataset)}, pooled"] = row(bundle["metrics"]["test"]["overall"])
    return out
