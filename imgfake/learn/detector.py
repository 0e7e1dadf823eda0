"""Load a model bundle and say whether photos were edited, and how.

A bundle is a folder with ``model.keras`` (weights and architecture, loaded with
``safe_mode=True``) and ``imgfake.json`` (the preprocessing that produced the model's inputs,
class names, the stage-1 threshold chosen on validation, the calibration fitted on
validation, the training-data fingerprint, metrics with split sizes, the imgfake version and
the training command). The default bundle ships in ``models/default/`` beside the package;
``IMGFAKE_MODEL`` points somewhere else.

Examples
--------
>>> from imgfake.learn.detector import Detector                       # doctest: +SKIP
>>> det = Detector.load()                                        # doctest: +SKIP
>>> for path, result in det.predict_paths(["a.jpg", "b.jpg"]):   # doctest: +SKIP
...     print(path, result if isinstance(result, str) else result.to_dict())
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ..io import LoadedImage, load_image
from ..resources import default_model_dir
from ..scan import FileError, default_workers, map_files
from ..forensics.blocks import central_crop_box
from . import evidence as ev_mod
from .domain import SPLIT_FILE, familiar, image_profile, quality_words, read_training_profile, shape_reasons
from .fusion import FUSION_FILE, MIN_SIDE, Fusion, decide, top_drivers
from .maps import PreprocessConfig, preprocess_image

__all__ = ["Detector", "Prediction", "BundleError", "default_model_dir", "image_profile", "evidence_job",
           "BUNDLE_FORMAT", "SPLIT_FILE"]

BUNDLE_FORMAT = 1
MODEL_FILE = "model.keras"
CONFIG_FILE = "imgfake.json"


class BundleError(ValueError):
    """A model folder that is missing, incomplete or made by an incompatible imgfake."""


@dataclass(frozen=True)
class Prediction:
    """What the detector says about one image.

    Attributes
    ----------
    p_edited : float
        Calibrated probability that the image was edited (Platt scaling of the stage-1 logit,
        fitted on the validation split; see the bundle's ``calibration``).
    label : str
        ``"edited"`` when ``p_edited >= threshold``, else ``"real"``.
    threshold : float
        The bundle's threshold, chosen on its validation split.
    kinds : dict of str to float
        Stage-2 probabilities of each kind of edit (temperature-scaled on validation). Always
        returned; only meaningful when ``label == "edited"`` (see ``kinds_meaningful``).
    kinds_meaningful : bool
        ``label == "edited"``.
    domain_note : str or None
        Cautions when the image is unlike what the model learnt from (its size or shape; for
        bundles without fusion also JPEG settings never seen in training, or no JPEG at all).
    verdict : {"edited", "real", "uncertain"}
        The three-way answer: signs of editing found, no sign of editing found, cannot tell.
    reason : str
        Why, in plain words.
    drivers : list of dict
        The evidence that raised ``p_edited`` most: ``{"method", "log_odds"}`` (fused bundles).
    cells : ndarray or None
        The localisation map: probability of an edit per 32-pixel cell (fused bundles; not in
        :meth:`to_dict`). :meth:`heatmap_image` turns it into an image-sized greyscale picture.
    """

    p_edited: float
    label: str
    threshold: float
    kinds: dict[str, float] = field(default_factory=dict)
    kinds_meaningful: bool = False
    domain_note: str | None = None
    verdict: str = ""
    reason: str = ""
    drivers: list = field(default_factory=list)
    cells: np.ndarray | None = field(default=None, repr=False, compare=False)
    size: tuple[int, int] | None = field(default=None, repr=False, compare=False)

    @property
    def top_kind(self) -> str | None:
        return max(self.kinds, key=self.kinds.get) if self.kinds else None

    def to_dict(self) -> dict:
        d = asdict(replace(self, cells=None, size=None))
        d.pop("cells")
        d.pop("size")
        d["top_kind"] = self.top_kind
        return d

    def heatmap_image(self) -> np.ndarray | None:
        """The localisation map as uint8 height × width greyscale (0 = surely untouched,
        255 = surely edited), the image's size after EXIF orientation; None without one."""
        if self.cells is None or self.size is None:
            return None
        from .fusion import cells_to_image

        return cells_to_image(self.cells, *self.size)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def read_bundle_config(path: str | os.PathLike) -> dict:
    """Read and check ``imgfake.json`` of a bundle folder."""
    folder = Path(path)
    cfg_path = folder / CONFIG_FILE
    if not folder.is_dir():
        raise BundleError(
            f"model folder {str(folder)!r} does not exist: train one with `imgfake train` "
            "(or `make model` for the default) or point IMGFAKE_MODEL / --model at a bundle"
        )
    for name in (MODEL_FILE, CONFIG_FILE):
        if not (folder / name).is_file():
            raise BundleError(f"{str(folder)!r} is not a model bundle: {name} is missing")
    try:
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BundleError(f"cannot read {str(cfg_path)!r}: {exc}") from exc
    if config.get("format") != BUNDLE_FORMAT:
        raise BundleError(
            f"{str(cfg_path)!r} has bundle format {config.get('format')!r}; this imgfake reads "
            f"format {BUNDLE_FORMAT}: retrain the model or install a matching imgfake"
        )
    return config


class Detector:
    """A loaded bundle: preprocessing + Keras model + calibration + threshold.

    Use :meth:`load`; the constructor takes an already-built Keras model and the bundle's
    ``imgfake.json`` contents (as :func:`imgfake.learn.train.train_bundle` does before saving).
    """

    def __init__(self, model, config: dict, *, path: Path | None = None) -> None:
        self.model = model
        self.config = config
        self.path = path
        self.preprocessing = PreprocessConfig.from_dict(config["preprocessing"])
        stage1 = config["stage1"]
        self.threshold = float(stage1["threshold"])
        cal = stage1.get("calibration") or {"method": "none"}
        self._platt = (float(cal.get("a", 1.0)), float(cal.get("b", 0.0)))
        stage2 = config.get("stage2") or {}
        self.kind_names: list[str] = list(stage2.get("classes", []))
        self._temperature = float(stage2.get("temperature", 1.0))
        self._lock = threading.Lock()
        self._heatmap_model = None
        self._last_maps: tuple[str | None, np.ndarray | None] = (None, None)  # (sha256, maps)
        self._training_tables: dict | None | bool = False  # the training profile; False: not read yet
        self.fusion = Fusion(config["fusion_model"]) if config.get("fusion_model") else None
        if self.fusion is not None:
            self.threshold = self.fusion.threshold
            self.kind_names = self.fusion.kind_names

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> Detector:
        """Load a bundle folder (default: :func:`default_model_dir`)."""
        folder = Path(path).expanduser() if path is not None else default_model_dir()
        config = read_bundle_config(folder)
        from .models import import_keras

        keras = import_keras()

        try:
            model = keras.saving.load_model(folder / MODEL_FILE, safe_mode=True, compile=False)
        except Exception as exc:  # keras raises several types for a bad archive
            raise BundleError(f"cannot load {str(folder / MODEL_FILE)!r}: {exc}") from exc
        if (folder / FUSION_FILE).is_file():
            try:
                config = {**config, "fusion_model": json.loads((folder / FUSION_FILE).read_text(encoding="utf-8"))}
            except (OSError, json.JSONDecodeError) as exc:
                raise BundleError(f"cannot read {str(folder / FUSION_FILE)!r}: {exc}") from exc
        return cls(model, config, path=folder)

    # ------------------------------------------------------------------ scoring
    def calibrate(self, logits: np.ndarray) -> np.ndarray:
        """Stage-1 logits -> calibrated probabilities (the bundle's Platt scaling)."""
        a, b = self._platt
        return _sigmoid(a * np.asarray(logits, np.float64) + b)

    def kind_probabilities(self, kind_logits: np.ndarray) -> np.ndarray:
        return _softmax(np.asarray(kind_logits, np.float64) / self._temperature)

    def raw_outputs(self, maps: np.ndarray) -> dict[str, np.ndarray]:
        """Model outputs (logits) for a batch of preprocessed maps."""
        x = np.asarray(maps, np.float32)
        if x.ndim != 4 or tuple(x.shape[1:]) != self.preprocessing.input_shape:
            raise ValueError(
                f"maps must have shape (N, {', '.join(map(str, self.preprocessing.input_shape))}), "
                f"got {x.shape}"
            )
        if len(x) == 0:
            return {"edited": np.zeros(0), "kind": np.zeros((0, len(self.kind_names)))}
        with self._lock:  # one Keras call at a time; batches are large enough to fill the cores
            out = self.model(x, training=False)
        return {k: _numpy(v) for k, v in out.items()}

    def predict_maps(self, maps: np.ndarray) -> list[Prediction]:
        out = self.raw_outputs(maps)
        p = self.calibrate(out["edited"][:, 0])
        kinds = (self.kind_probabilities(out["kind"]) if "kind" in out and self.kind_names
                 else np.zeros((len(p), 0)))
        preds = []
        for i, pi in enumerate(p):
            label = "edited" if pi >= self.threshold else "real"
            preds.append(Prediction(
                p_edited=float(pi), label=label, threshold=self.threshold,
                kinds={name: float(kinds[i, j]) for j, name in enumerate(self.kind_names)},
                kinds_meaningful=label == "edited",
            ))
        return preds

    def preprocess(self, image: LoadedImage | np.ndarray) -> np.ndarray:
        """The model input for one image (the same function training used).

        The last file's maps are kept, so a verdict followed by its heatmap (the ``model``
        analysis, the dashboard) computes them once.
        """
        key = image.sha256 if isinstance(image, LoadedImage) else None
        with self._lock:
            if key is not None and self._last_maps[0] == key:
                return self._last_maps[1]
        maps = preprocess_image(image, self.preprocessing)
        if key is not None:
            maps.setflags(write=False)
            with self._lock:
                self._last_maps = (key, maps)
        return maps

    def predict(self, images: Sequence[LoadedImage | np.ndarray], *, batch_size: int = 32,
                threads: int | None = None) -> list[Prediction]:
        """Predict for images already in memory (``LoadedImage`` keeps the JPEG evidence; a
        bare uint8 array is treated as an image with no JPEG history). A fused bundle runs its
        methods on `threads` threads (default: the CPUs; 1 inside a worker that shares them)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        images = list(images)
        if self.fusion is not None:
            preds = []
            for start in range(0, len(images), batch_size):
                chunk = [im if isinstance(im, LoadedImage) else _as_loaded(im) for im in images[start:start + batch_size]]
                profiles = [image_profile(im) for im in chunk]
                gathered = [(_gather(im, self.fusion.methods, pr, cache=True, threads=threads or default_workers()),
                             self.preprocess(im), pr) for im, pr in zip(chunk, profiles)]
                preds += self._fused_batch(gathered)
            return preds
        preds: list[Prediction] = []
        for start in range(0, len(images), batch_size):
            chunk = images[start:start + batch_size]
            preds += self.predict_maps(np.stack([self.preprocess(im) for im in chunk]))
        notes = [self.domain_note(image_profile(im)) for im in images]
        return [_with_note(p, n) for p, n in zip(preds, notes)]

    def complete_evidence(self, gathered: Sequence[tuple]) -> list[ev_mod.Evidence]:
        """Add the lattice network's map to a batch of ``(Evidence, model input, profile)``
        (what :func:`evidence_job` returns) and give back the completed evidence."""
        if not gathered:
            return []
        shapes = [ev.shape for ev, _, _ in gathered]
        lattices = self.lattice_logits(np.stack([m for _, m, _ in gathered]), shapes)
        return [ev_mod.add_lattice(ev, lat) for (ev, _, _), lat in zip(gathered, lattices)]

    def lattice_applies(self, profile: dict) -> bool:
        """Whether the lattice network's map counts as evidence for an image: only for JPEGs
        saved with table sets it learnt from in both classes (:attr:`training_tables`). Its
        logits mean nothing elsewhere (leave-one-source-out ROC AUC 0.48 on its own), and this
        also keeps the faces' one-class tables (a file-format shortcut) out of its reach."""
        familiar = self.training_tables
        return familiar is not None and profile.get("tables") in familiar

    def gate_lattice(self, ev: ev_mod.Evidence, profile: dict) -> ev_mod.Evidence:
        """Drop the lattice map from `ev` when it does not apply (see :meth:`lattice_applies`)."""
        if not self.lattice_applies(profile):
            ev.maps.pop(ev_mod.LATTICE, None)
            ev.scores.pop(ev_mod.LATTICE, None)
        return ev

    def _fused_batch(self, gathered: Sequence[tuple]) -> list[Prediction]:
        preds = []
        for ev, (_, _, profile) in zip(self.complete_evidence(gathered), gathered):
            ev = self.gate_lattice(ev, profile)
            result = self.fusion.score(ev)
            facts = {**profile, "failed": ev.failed}
            verdict, reason = decide(result.p_edited, threshold=self.fusion.threshold,
                                     low=self.fusion.low, facts=facts)
            label = "edited" if result.p_edited >= self.fusion.threshold else "real"
            preds.append(Prediction(
                p_edited=result.p_edited, label=label, threshold=self.fusion.threshold,
                kinds=result.kinds, kinds_meaningful=verdict == "edited", verdict=verdict, reason=reason,
                drivers=top_drivers(result.drivers), cells=result.cells, size=ev.shape))
        return preds

    # ------------------------------------------------------------------ domain
    @property
    def training_profile(self) -> dict | None:
        """What stage 1's training images were like (from ``split.json``): per JPEG table
        signature the count of real and edited images, and the range of sizes and aspect
        ratios. None when the bundle does not record them (older bundles, or no split file)."""
        if self._training_tables is False:
            self._training_tables = read_training_profile(self.path, self.config)
        return self._training_tables

    @property
    def training_tables(self) -> frozenset[str] | None:
        """Table signatures the model knows well enough to score: seen in training among both
        real and edited images, and in at least :data:`imgfake.learn.domain.MIN_TABLE_SHARE` of them (at least 2)."""
        profile = self.training_profile
        if not profile:
            return None
        return frozenset(t for t, counts in profile["tables"].items() if familiar(counts, profile["n"])) or None

    def domain_note(self, profile: dict | str | None) -> str | None:
        """Cautions when an image is unlike what stage 1 learnt from, in plain words; None when
        it is like it (or when the bundle does not say what it learnt from).

        `profile` is :func:`image_profile` of the image (a bare table signature, see
        :func:`imgfake.forensics.jpeg.table_signature`, or None for a non-JPEG, also works).
        The reasons: no JPEG; JPEG settings never seen, or seen only in one class or in too few
        images (the model then mostly repeats what those images were); a size or shape the model
        never saw; a central crop that covers little of the image; a nearly uniform image.
        """
        known = self.training_profile
        if not known:
            return None
        if not isinstance(profile, dict):
            profile = {"tables": profile}
        trained_on = " and ".join((self.config.get("stage1") or {}).get("trained_on") or ["training"])
        tables = profile.get("tables")
        reasons = []
        familiar = self.training_tables or frozenset()
        if tables is None:
            reasons.append(f"Not a JPEG: the model learnt from the JPEG compression traces of the "
                           f"{trained_on} images, so its score says little here. Rely on the findings.")
        elif tables not in known["tables"]:
            seen = ", ".join(sorted({quality_words(t) for t in familiar or known["tables"]},
                                    key=lambda q: float(q.lstrip("≈")) if q.lstrip("≈").isdigit() else 999))
            reasons.append(f"Outside the model's experience: it learnt from {trained_on} images saved "
                           f"with other JPEG settings (quality {seen}) than this one (quality "
                           f"{quality_words(tables)}), so its score is unreliable here. Rely on the error "
                           "levels and findings.")
        elif tables not in familiar:
            real, edited = known["tables"][tables]
            which = ("all of them edited" if not real else "all of them real" if not edited
                     else f"{real} real and {edited} edited")
            reasons.append(f"Outside the model's experience: it saw this image's JPEG settings (quality "
                           f"{quality_words(tables)}) in only {real + edited} training images, {which}, so "
                           "its score mostly repeats what those images were. Rely on the error levels "
                           "and findings.")
        reasons += shape_reasons(profile, known, self.preprocessing.crop)
        return " ".join(reasons) or None

    def predict_paths(
        self,
        paths: Iterable[str | os.PathLike],
        *,
        batch_size: int = 32,
        workers: int | None = None,
        executor: str = "auto",
    ) -> Iterator[tuple[str, Prediction | str]]:
        """Predict for files, in order, as ``(path, Prediction)`` or ``(path, error message)``.

        Files are decoded and preprocessed by a pool of workers while the model scores the
        previous batch. A file that cannot be read gives an error message and never stops the
        rest.

        Parameters
        ----------
        paths : iterable of path-like
        batch_size : int, default 32
            Images per model call.
        workers : int, optional
            Decoding workers (default: the number of CPUs, at most 8).
        executor : {"auto", "process", "thread"}, default "auto"
            ``"process"``: worker processes (true parallelism for the NumPy part of the
            preprocessing; start-up ~1 s); ``"thread"``: threads (no start-up; Pillow and the
            codec release the GIL, NumPy only partly). ``"auto"`` uses processes for more than
            ``4 * batch_size`` files.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if executor not in ("auto", "process", "thread"):
            raise ValueError(f"executor must be 'auto', 'process' or 'thread', got {executor!r}")
        workers = workers or default_workers()
        paths = [str(p) for p in paths]
        if executor == "auto":
            executor = "process" if len(paths) > 4 * batch_size and workers > 1 else "thread"
        # the children run only NumPy/Pillow code, never TensorFlow; two batches stay in flight
        # so decoding overlaps with the model
        if self.fusion is not None:
            prepare = functools.partial(evidence_job, config=self.preprocessing.to_dict(),
                                        methods=tuple(self.fusion.methods))
        else:
            prepare = functools.partial(_prepare_file, config=self.preprocessing.to_dict())
        prepared = map_files(prepare, paths, workers=workers, executor=executor, window=2 * batch_size)
        while True:
            batch = list(itertools.islice(prepared, batch_size))
            if not batch:
                return
            ok = [i for i, (_, r) in enumerate(batch) if not isinstance(r, FileError)]
            if self.fusion is not None:
                preds = self._fused_batch([batch[i][1] for i in ok])
                by_index = dict(zip(ok, preds))
            else:
                preds = self.predict_maps(np.stack([batch[i][1][0] for i in ok])) if ok else []
                by_index = {i: _with_note(p, self.domain_note(batch[i][1][1])) for i, p in zip(ok, preds)}
            for i, (path, result) in enumerate(batch):
                yield path, by_index[i] if i in by_index else str(result)

    # ------------------------------------------------------------------ heat map
    def heatmap(self, image: LoadedImage | np.ndarray) -> np.ndarray:
        """Per-region stage-1 evidence of the lattice network on the 8-pixel JPEG block grid
        (the evidence-map contract, cell 8): ``ceil(H / 8)`` × ``ceil(W / 8)`` float32
        probabilities, each region of the analysed central crop getting the calibrated
        probability its own logit would give; blocks outside the crop are NaN (not analysed).

        Only for models with an ``"edited_map"`` layer (:func:`imgfake.learn.models.build_ela_cnn`).
        """
        pixels = image.pixels if isinstance(image, LoadedImage) else np.asarray(image)
        logits = self.lattice_logits(self.preprocess(image)[None], [pixels.shape[:2]])[0]
        return self.calibrate(logits).astype(np.float32)

    def lattice_logits(self, maps: np.ndarray, shapes: Sequence[tuple[int, int]]) -> list[np.ndarray]:
        """The lattice network's per-region logits for a batch of preprocessed maps, each put
        back on its image's 8-pixel block grid (``shapes``: each image's height and width;
        NaN outside the analysed crop)."""
        from PIL import Image

        from .models import MAP_LAYER

        if self._heatmap_model is None:
            import keras

            try:
                layer = self.model.get_layer(MAP_LAYER)
            except ValueError as exc:
                raise ValueError(f"this model has no {MAP_LAYER!r} layer, so no heat map") from exc
            self._heatmap_model = keras.Model(self.model.input, layer.output)
        x = np.asarray(maps, np.float32)
        with self._lock:
            cells = _numpy(self._heatmap_model(x, training=False))[..., 0] if len(x) else np.zeros((0, 1, 1))
        out = []
        for grid, (h, w) in zip(cells, shapes):
            top, left, ch, cw = central_crop_box(h, w, self.preprocessing.crop)  # all multiples of 8
            blocks = np.asarray(Image.fromarray(grid.astype(np.float32)).resize((cw // 8, ch // 8), Image.NEAREST))
            full = np.full((-(-h // 8), -(-w // 8)), np.nan, np.float32)
            full[top // 8:(top + ch) // 8, left // 8:(left + cw) // 8] = blocks
            out.append(full)
        return out

    # ------------------------------------------------------------------ info
    def describe(self) -> dict:
        """The bundle's facts a user may want to see (version, data, metrics summary)."""
        c = self.config
        test = (c.get("metrics") or {}).get("test") or {}
        per_data = {name: m.get("roc_auc") for name, m in (test.get("per_dataset") or {}).items()}
        trained_on = (c.get("stage1") or {}).get("trained_on") or list(per_data)
        # The headline is the test AUC on the data stage 1 learnt from (what the card reports).
        stage1_aucs = [per_data[n] for n in trained_on if isinstance(per_data.get(n), (int, float))]
        return {
            "path": str(self.path) if self.path else None,
            "imgfake_version": c.get("imgfake_version"),
            "threshold": self.threshold,
            "kinds": self.kind_names,
            "test_roc_auc": stage1_aucs[0] if len(stage1_aucs) == 1 else (test.get("overall") or {}).get("roc_auc"),
            "test_roc_auc_by_data": per_data,
            "stage1_trained_on": trained_on,
            "splits": (c.get("data") or {}).get("splits"),
            "trained": c.get("trained"),
            **self._fusion_facts(),
        }

    def _fusion_facts(self) -> dict:
        """The fused bundle's headline: leave-one-source-out mean ROC AUC and false-positive rate."""
        report = self.config.get("fusion") or {}
        loso = report.get("leave_one_source_out") if isinstance(report, dict) else None
        if self.fusion is None or not loso:
            return {}
        return {"fused": True, "methods": self.fusion.methods,
                "held_out_roc_auc": loso.get("mean_roc_auc"), "held_out_fpr": loso.get("mean_fpr")}

    def __repr__(self) -> str:
        return f"Detector(path={str(self.path)!r}, threshold={self.threshold:.3f}, kinds={self.kind_names})"


def _with_note(pred: Prediction, note: str | None) -> Prediction:
    """A bundle without fusion: its binary label becomes the answer, "uncertain" with the
    domain caution as the reason when the image is unlike what it learnt from."""
    reason = note or ("Signs of editing found." if pred.label == "edited" else "No sign of editing found.")
    return replace(pred, domain_note=note, verdict="uncertain" if note else pred.label, reason=reason)


def _prepare_file(path: str, *, config: dict):
    """Worker job: (model input, image_profile) of one file; raises for a bad file.

    Picklable both ways; the profile comes from the same decode, so the file is read once.
    """
    image = load_image(path)
    return preprocess_image(image, _config_from(config)), image_profile(image)


def evidence_job(path: str, *, config: dict, methods: tuple[str, ...]):
    """Worker job of fused bundles: ``(Evidence of the toolbox methods, lattice model input,
    image_profile)`` of one file, from one decode; raises for a bad file. The same function
    serves training (:mod:`imgfake.learn.fusetrain`) and prediction."""
    image = load_image(path)
    profile = image_profile(image)
    return _gather(image, methods, profile, cache=False), preprocess_image(image, _config_from(config)), profile


def _gather(image: LoadedImage, methods, profile: dict, *, cache: bool, threads: int = 1) -> ev_mod.Evidence:
    """The toolbox evidence, skipped for images the verdict cannot read anyway (too small,
    nearly uniform: :func:`imgfake.learn.fusion.decide` says "cannot tell" for them)."""
    if min(profile["width"], profile["height"]) < MIN_SIDE or profile["flat"]:
        return ev_mod.Evidence(shape=(image.height, image.width))
    return ev_mod.gather(image, methods, cache=cache, threads=threads)


def _as_loaded(pixels: np.ndarray) -> LoadedImage:
    """A bare array as an in-memory PNG record (no JPEG history), so the toolbox can run on it."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, np.uint8)).save(buffer, format="PNG")
    return load_image(buffer.getvalue(), name="array")


@functools.lru_cache(maxsize=4)
def _config_cached(key: str) -> PreprocessConfig:
    return PreprocessConfig.from_dict(json.loads(key))


def _config_from(config: dict) -> PreprocessConfig:
    return _config_cached(json.dumps(config, sort_keys=True))


def _numpy(tensor) -> np.ndarray:
    return tensor.numpy() if hasattr(tensor, "numpy") else np.asarray(tensor)
