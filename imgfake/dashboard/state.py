"""What the imgfake dashboard knows and computes, with no widgets.

:class:`DashboardState` holds the uploaded images and their results, the ELA display settings,
the selection and the table order as traitlets; the view (:mod:`imgfake.dashboard.view`) links
its controls to these traits and draws what they hold. Tests drive this class directly::

    state = DashboardState(background=False, detector=my_detector)
    state.add_upload("photo.jpg", data)
    state.quality = 75          # state.view now holds the new error-level image

Slow apart from fast: the JPEG re-compression of the *full-resolution* image is done once per
(image, quality) and cached as a display-size residual, so gain and mode changes only re-scale
that residual and never re-encode. ELA is computed on the original pixel grid and only then
pooled down for display: ELA of a downscaled copy loses the compression history (a pasted
never-compressed patch scores like its surroundings), so a downscaled preview would hide edits.

The detector (TensorFlow) is loaded lazily on a background thread the first time a verdict is
needed, and predictions run on that thread too; results arrive as trait changes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import traitlets
from PIL import Image

import imgfake

from ..analyses import AnalysisResult, get as get_analysis, run_analysis
from ..ela import abs_diff, ela_image, recompress
from ..findings import Finding
from ..io import DEFAULT_MAX_PIXELS, ImageLoadError, LoadedImage, load_image

__all__ = [
    "DashboardState",
    "ImageItem",
    "EvidenceView",
    "MAX_UPLOAD_BYTES",
    "PREVIEW_SIDE",
    "SAMPLES_DIR",
    "SORT_KEYS",
    "pool_mean",
    "verdict_words",
    "prediction_to_dict",
    "list_samples",
]

log = logging.getLogger(__name__)

#: Largest file the dashboard accepts (bytes). Voilà's websocket limit is raised above this in
#: voila.json; see the dashboard's docstring.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
#: Longest side of the images drawn on the page (full resolution is used for every computation).
PREVIEW_SIDE = 1024
#: Sample images shipped with the project (located from the package, never from the cwd).
SAMPLES_DIR = Path(imgfake.__file__).resolve().parents[1] / "data" / "samples"
#: Columns the results table can be sorted by ("order" = upload order).
SORT_KEYS = ("order", "name", "p_edited", "label", "jpeg_quality", "n_findings", "error")
#: What the right-hand image can show.
EVIDENCE_KINDS = ("ela", "noise", "model")
#: Columns sorted largest-first on their first click (the most suspicious on top).
_DESCENDING_FIRST = ("p_edited", "n_findings", "error")
#: Display-size residuals kept (each ≤ 1024×1024×3 float32 ≈ 12 MB).
_ELA_CACHE_SIZE = 12


# --- plain records ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ImageItem:
    """One uploaded file and everything found about it (immutable; replaced on update).

    ``eq=False``: items compare by identity, so a replaced item always notifies observers.
    """

    uid: int
    name: str
    n_bytes: int
    origin: str = "upload"  # "upload" | "drop" | "sample"
    image: LoadedImage | None = None
    error: str | None = None
    factor: int = 1  # display = full resolution pooled by factor × factor
    photo: np.ndarray | None = None  # display pixels, uint8 (H // factor, W // factor, 3)
    subsampling: str = "4:2:0"  # chroma subsampling used for the ELA re-save (the file's own)
    analyses: dict = field(default_factory=dict)  # registry name -> AnalysisResult
    verdict: str = "pending"  # "pending" | "done" | "unavailable" | "failed" | "none"
    prediction: dict | None = None  # prediction_to_dict(...)
    verdict_message: str | None = None
    heatmap: np.ndarray | None = None  # model heatmap at display size, float32 in [0, 1]
    heatmap_status: str = "none"  # "none" | "pending" | "done" | "unavailable"
    heatmap_message: str | None = None
    truth: dict | None = None  # the samples.json record of a sample image
    seconds: dict = field(default_factory=dict)  # timings: "load", "predict"

    @property
    def ok(self) -> bool:
        return self.image is not None and self.error is None

    @property
    def jpeg_quality(self) -> float | None:
        result = self.analyses.get("jpeg")
        return None if result is None or result.score is None else float(result.score)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Findings of every analysis, then what loading did to the image."""
        found: list[Finding] = []
        for result in self.analyses.values():
            found.extend(result.findings)
        if self.image is not None:
            found.extend(Finding("loading", "info", note) for note in self.image.notes)
        return tuple(found)

    @property
    def n_findings(self) -> int:
        """Findings that deserve a look (notices and warnings; context lines are not counted)."""
        return sum(f.severity in ("notice", "warning") for f in self.findings)

    @property
    def p_edited(self) -> float | None:
        return None if self.prediction is None else self.prediction["p_edited"]

    @property
    def label(self) -> str | None:
        return None if self.prediction is None else self.prediction["label"]

    def row(self) -> dict:
        """The item's line in the results table (plain data)."""
        return {
            "uid": self.uid,
            "name": self.name,
            "p_edited": self.p_edited,
            "label": self.label,
            "jpeg_quality": self.jpeg_quality,
            "n_findings": self.n_findings if self.ok else None,
            "error": self.error,
            "verdict": self.verdict,
        }

    def to_dict(self) -> dict:
        """JSON-safe summary for the report (no pixels)."""
        out: dict[str, Any] = {"name": self.name, "n_bytes": self.n_bytes, "origin": self.origin}
        if self.error:
            out["error"] = self.error
            return out
        assert self.image is not None
        out["image"] = self.image.summary()
        out["verdict"] = {"status": self.verdict, "message": self.verdict_message}
        out["prediction"] = self.prediction
        out["jpeg_quality"] = self.jpeg_quality
        out["findings"] = [f.to_dict() for f in self.findings]
        out["analyses"] = {name: result.to_dict() for name, result in self.analyses.items()}
        if self.truth is not None:
            out["sample_truth"] = self.truth
        out["seconds"] = self.seconds
        return out


@dataclass(frozen=True, eq=False)
class EvidenceView:
    """What the page draws for the selected image: the photo and one evidence image."""

    uid: int
    photo: np.ndarray  # uint8 (h, w, 3)
    evidence: np.ndarray  # uint8 (h, w, 3), same size
    kind: str  # "ela" | "noise" | "model"
    title: str  # short heading of the evidence image
    caption: str  # one plain sentence on what is shown
    factor: int  # display pixel = factor × factor image pixels
    ready: bool = True  # False: evidence is a placeholder (e.g. heatmap not available)


# --- pure helpers ----------------------------------------------------------------------------


def pool_mean(pixels: np.ndarray, factor: int) -> np.ndarray:
    """Mean over ``factor × factor`` blocks (the bottom/right remainder is cropped).

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W) or (H, W, C)
    factor : int >= 1

    Returns
    -------
    ndarray of float32, shape (H // factor, W // factor[, C])

    Integer sums over strided views: ~10× faster than ``reshape(...).mean()`` on 12 MP.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise ValueError(f"pool_mean takes uint8 pixels, got {pixels.dtype}")
    if not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor must be an integer >= 1, got {factor!r}")
    if factor == 1:
        return pixels.astype(np.float32)
    h, w = (pixels.shape[0] // factor) * factor, (pixels.shape[1] // factor) * factor
    if h == 0 or w == 0:
        raise ValueError(f"factor {factor} is larger than the image {pixels.shape[:2]}")
    cropped = pixels[:h, :w]
    dtype = np.uint16 if factor * factor * 255 < 2**16 else np.uint32
    rows = cropped[0::factor].astype(dtype)
    for i in range(1, factor):
        rows += cropped[i::factor]
    out = rows[:, 0::factor].copy()
    for j in range(1, factor):
        out += rows[:, j::factor]
    return out.astype(np.float32) * np.float32(1.0 / (factor * factor))


def display_factor(height: int, width: int, *, max_side: int = PREVIEW_SIDE) -> int:
    """Integer pooling factor that brings the longer side to at most `max_side`."""
    factor = max(1, -(-max(height, width) // max_side))
    return max(1, min(factor, height, width))


def _colormap(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] (H, W) to a dark-to-bright 'inferno'-like uint8 RGB image."""
    anchors = np.array([
        (0, 0, 4), (40, 11, 84), (101, 21, 110), (159, 42, 99),
        (212, 72, 66), (245, 125, 21), (250, 193, 39), (252, 255, 164),
    ], np.float32)  # fmt: skip
    positions = np.linspace(0.0, 1.0, len(anchors))
    lut = np.stack([np.interp(np.linspace(0, 1, 256), positions, anchors[:, c]) for c in range(3)], 1)
    index = np.clip(np.nan_to_num(values) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return lut.astype(np.uint8)[index]


def verdict_words(p_edited: float, threshold: float = 0.5) -> tuple[str, str]:
    """A plain-words reading of a model score and its tone.

    Returns
    -------
    (headline, tone)
        e.g. ``("Likely edited (p = 0.87)", "edited")``; tone is "edited", "authentic" or
        "uncertain" (within 0.1 of the threshold).
    """
    p = float(p_edited)
    if abs(p - threshold) < 0.1:
        side = "edited" if p >= threshold else "authentic"
        return f"Uncertain, leaning {side} (p = {p:.2f})", "uncertain"
    if p >= threshold:
        return f"Likely edited (p = {p:.2f})", "edited"
    return f"Likely authentic (p = {p:.2f})", "authentic"


def prediction_to_dict(prediction: Any) -> dict:
    """Normalise a detector's prediction (``Prediction`` or a dict) to plain JSON data."""
    raw = prediction.to_dict() if hasattr(prediction, "to_dict") else prediction
    if not isinstance(raw, dict):
        raw = {k: getattr(prediction, k) for k in ("p_edited", "label", "threshold", "kinds")
               if hasattr(prediction, k)}
    if "p_edited" not in raw:
        raise ValueError(f"the detector's prediction has no p_edited: {raw!r}")
    p = float(raw["p_edited"])
    threshold = float(raw.get("threshold", 0.5) or 0.5)
    kinds = {str(k): float(v) for k, v in (raw.get("kinds") or {}).items()}
    out = {k: v for k, v in raw.items() if isinstance(v, (str, int, float, bool, type(None)))}
    out.update(p_edited=p, threshold=threshold, kinds=kinds,
               label=str(raw.get("label") or ("edited" if p >= threshold else "real")))
    return out


def list_samples(samples_dir: Path = SAMPLES_DIR) -> list[dict]:
    """Sample records from ``samples.json`` (or the JPEGs in the folder when it is missing)."""
    index = samples_dir / "samples.json"
    if index.exists():
        records = json.loads(index.read_text())
        records = records.get("samples", records) if isinstance(records, dict) else records
        return [r for r in records if isinstance(r, dict) and (samples_dir / str(r.get("file"))).is_file()]
    if samples_dir.is_dir():
        return [{"file": p.name} for p in sorted(samples_dir.glob("*.jpg"))]
    return []


def sample_title(record: dict) -> str:
    """Dropdown text for a sample, e.g. 'kodim03 — edited (splice)'."""
    stem = Path(str(record.get("file"))).stem.split("_")[0]
    cls = record.get("class_name") or {0: "real", 1: "edited"}.get(record.get("label"), "")
    kind = record.get("kind")
    return f"{stem} — {'authentic' if cls == 'real' else cls}{f' ({kind})' if kind else ''}".strip(" —")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, ModuleNotFoundError):
        return f"the detector code is not installed ({text})"
    if isinstance(exc, FileNotFoundError):
        return f"no trained model bundle was found ({text})"
    return text


_DEFAULT_DETECTOR: dict[str, Any] = {}
_DEFAULT_DETECTOR_LOCK = threading.Lock()


def _default_detector_loader():
    """``Detector.load()``, once per process: a second dashboard in the same kernel reuses it.
    Failures are not cached, so a model trained meanwhile is found next time."""
    with _DEFAULT_DETECTOR_LOCK:
        if "detector" not in _DEFAULT_DETECTOR:
            from ..detector import Detector  # imports TensorFlow: only here, on the worker thread

            _DEFAULT_DETECTOR["detector"] = Detector.load()
        return _DEFAULT_DETECTOR["detector"]


# --- the state -------------------------------------------------------------------------------


class DashboardState(traitlets.HasTraits):
    """Everything the dashboard shows, as traits; every computation, as methods.

    Parameters
    ----------
    detector : object with ``predict(list) -> list``, optional
        A ready detector (tests pass a small fake). Default: ``Detector.load()`` on first use.
    detector_loader : callable, optional
        Returns a detector; called once, on the worker thread.
    background : bool, default True
        Run model loading and predictions on a worker thread. False runs them inline
        (deterministic tests).
    max_upload_bytes, max_pixels : int
        Files over these sizes are refused with a message (decompression-bomb guard).
    preview_side : int
        Longest side of the images drawn on the page.
    samples_dir : Path
        Folder of the sample images and their ``samples.json``.
    """

    quality = traitlets.Int(90, help="JPEG quality of the ELA re-save (50–100)")
    gain = traitlets.Union([traitlets.Unicode(), traitlets.Float()], default_value="auto",
                           help='"auto" (auto contrast) or a positive multiplier')
    mode = traitlets.Enum(("linear", "sqrt"), default_value="linear")
    evidence = traitlets.Enum(EVIDENCE_KINDS, default_value="ela",
                              help="what the image beside the photo shows")
    items = traitlets.List(help="ImageItem per file, in upload order")
    selected = traitlets.Int(-1, help="index into items of the image shown; -1 for none")
    sort_by = traitlets.Enum(SORT_KEYS, default_value="order")
    sort_descending = traitlets.Bool(False)
    busy = traitlets.Bool(False, help="a computation is running on the event thread")
    pending = traitlets.Int(0, help="predictions queued or running on the worker thread")
    status = traitlets.Unicode("Ready.")
    error = traitlets.Unicode("", help="the last unexpected error, for the page's error box")
    error_details = traitlets.Unicode("")
    model_status = traitlets.Enum(("not-loaded", "loading", "ready", "unavailable"),
                                  default_value="not-loaded")
    model_message = traitlets.Unicode("The detection model loads when the first image arrives.")
    view = traitlets.Instance(EvidenceView, allow_none=True)

    def __init__(
        self,
        *,
        detector: Any = None,
        detector_loader: Callable[[], Any] | None = None,
        background: bool = True,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        preview_side: int = PREVIEW_SIDE,
        samples_dir: Path | str = SAMPLES_DIR,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.max_upload_bytes = int(max_upload_bytes)
        self.max_pixels = int(max_pixels)
        self.preview_side = int(preview_side)
        self.samples_dir = Path(samples_dir)
        self._detector = detector
        self._detector_loader = detector_loader or _default_detector_loader
        if detector is not None:
            self.model_status = "ready"
            self.model_message = describe_detector(detector)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="imgfake-model") if background else None
        self._lock = threading.RLock()  # items, caches and the view are touched from two threads
        self._next_uid = 0
        self._ela_cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._noise_cache: dict[str, np.ndarray] = {}
        self._view_key: tuple | None = None
        self._sample_records: list[dict] | None = None
        self.observe(self._on_settings_change, names=["quality", "gain", "mode", "evidence", "selected"])
        self.observe(self._on_items_change, names=["items"])

    # --- validation ------------------------------------------------------------------------

    @traitlets.validate("quality")
    def _valid_quality(self, proposal):
        q = proposal["value"]
        if not 50 <= q <= 100:
            raise traitlets.TraitError(f"quality must be between 50 and 100, got {q}")
        return q

    @traitlets.validate("gain")
    def _valid_gain(self, proposal):
        gain = proposal["value"]
        if isinstance(gain, str):
            if gain != "auto":
                raise traitlets.TraitError(f'gain must be "auto" or a positive number, got {gain!r}')
            return gain
        if not np.isfinite(gain) or gain <= 0:
            raise traitlets.TraitError(f'gain must be "auto" or a positive number, got {gain!r}')
        return float(gain)

    @traitlets.validate("selected")
    def _valid_selected(self, proposal):
        i = proposal["value"]
        if not -1 <= i < len(self.items):
            raise traitlets.TraitError(f"selected must be -1 or an index below {len(self.items)}, got {i}")
        return i

    # --- adding images ---------------------------------------------------------------------

    def add_upload(self, name: str, content: bytes | memoryview, *, origin: str = "upload",
                   truth: dict | None = None, select: bool = True) -> int:
        """Read one file's bytes (in memory; `name` is only displayed) and analyse it.

        Bad files (empty, not an image, truncated, too large, decompression bombs) become
        items with an ``error`` message; they never raise. Returns the item's index.
        """
        name = str(name or "unnamed file")
        data = content.tobytes() if isinstance(content, memoryview) else bytes(content)
        self.busy, self.status = True, f"Reading {name}…"
        try:
            item = self._read(name, data, origin=origin, truth=truth)
        finally:
            self.busy = False
        with self._lock:
            self.items = [*self.items, item]
            index = len(self.items) - 1
        if select:
            self.selected = index
        if item.ok:
            self._schedule_prediction(item.uid)
        self.status = self._idle_status()
        return index

    def add_uploads(self, files: Iterable[tuple[str, bytes | memoryview]], *,
                    origin: str = "upload") -> list[int]:
        """Add several files; selects the first one that could be read (else the first)."""
        indexes = [self.add_upload(name, content, origin=origin, select=False) for name, content in files]
        if indexes:
            good = [i for i in indexes if self.items[i].ok]
            self.selected = (good or indexes)[0]
        return indexes

    def add_rejected(self, name: str, n_bytes: int, *, origin: str = "drop") -> int:
        """Record a file the browser refused to send because it is over the size limit."""
        return self._append_error(name, n_bytes, self._too_large(name, n_bytes), origin=origin)

    def _too_large(self, name: str, n_bytes: int) -> str:
        limit = self.max_upload_bytes / 2**20
        return (f"{name!r} is {n_bytes / 2**20:.1f} MB, over this dashboard's {limit:.3g} MB limit: "
                "save a smaller copy (fewer pixels or a lower JPEG quality) and add that.")

    def add_sample(self, file: str) -> int:
        """Open one of the shipped sample images by its samples.json ``file`` name."""
        record = next((r for r in list_samples(self.samples_dir) if r.get("file") == file), None)
        path = (self.samples_dir / str(file)).resolve()
        if record is None or path.parent != self.samples_dir.resolve():
            raise ValueError(f"{file!r} is not one of the sample images in {self.samples_dir}")
        return self.add_upload(path.name, path.read_bytes(), origin="sample", truth=record)

    def samples(self) -> list[dict]:
        return list_samples(self.samples_dir)

    def _samples_by_hash(self) -> list[dict]:
        if self._sample_records is None:
            try:
                self._sample_records = [r for r in self.samples() if r.get("sha256")]
            except (OSError, ValueError):
                self._sample_records = []
        return self._sample_records

    def clear(self) -> None:
        """Forget every image and cached result."""
        with self._lock:
            self.selected = -1
            self.items = []
            self._ela_cache.clear()
            self._noise_cache.clear()
            self.view = None
            self._view_key = None
        self.error = ""
        self.status = self._idle_status()

    def _append_error(self, name: str, n_bytes: int, message: str, *, origin: str) -> int:
        with self._lock:
            item = ImageItem(uid=self._new_uid(), name=name, n_bytes=n_bytes, origin=origin,
                             error=message, verdict="none")
            self.items = [*self.items, item]
            self.selected = len(self.items) - 1
            return self.selected

    def _new_uid(self) -> int:
        with self._lock:
            self._next_uid += 1
            return self._next_uid

    def _read(self, name: str, data: bytes, *, origin: str, truth: dict | None) -> ImageItem:
        uid = self._new_uid()
        start = time.perf_counter()
        if len(data) > self.max_upload_bytes:
            return ImageItem(uid=uid, name=name, n_bytes=len(data), origin=origin, verdict="none",
                             error=self._too_large(name, len(data)))
        try:
            image = load_image(data, name=name, max_bytes=self.max_upload_bytes, max_pixels=self.max_pixels)
        except ImageLoadError as exc:
            return ImageItem(uid=uid, name=name, n_bytes=len(data), origin=origin, error=str(exc), verdict="none")
        except Exception as exc:  # a decoder bug must not take the page down
            log.exception("loading %r failed", name)
            return ImageItem(uid=uid, name=name, n_bytes=len(data), origin=origin, verdict="none",
                             error=f"{name!r} could not be read ({type(exc).__name__}: {exc}).")
        factor = display_factor(image.height, image.width, max_side=self.preview_side)
        h, w = (image.height // factor) * factor, (image.width // factor) * factor
        photo = image.pixels if factor == 1 else np.asarray(Image.fromarray(image.pixels[:h, :w]).reduce(factor))
        subsampling = image.jpeg.subsampling if image.jpeg and image.jpeg.subsampling != "unknown" else "4:2:0"
        analyses = {name_: self._run_safely(name_, image) for name_ in ("jpeg", "metadata")}
        if truth is None:  # a sample uploaded from disk still has a known answer
            truth = next((r for r in self._samples_by_hash() if r.get("sha256") == image.sha256), None)
        return ImageItem(uid=uid, name=name, n_bytes=len(data), origin=origin, image=image, factor=factor,
                         photo=photo, subsampling=subsampling, analyses=analyses, truth=truth,
                         seconds={"load": round(time.perf_counter() - start, 3)})

    @staticmethod
    def _run_safely(name: str, image: LoadedImage) -> AnalysisResult:
        try:
            return run_analysis(name, image)
        except Exception as exc:
            log.exception("analysis %s failed", name)
            title = get_analysis(name).title
            return AnalysisResult(name=name, findings=(
                Finding("analysis-failed", "notice", f"The {title} check could not run: {exc}"),))

    # --- the items -------------------------------------------------------------------------

    @property
    def current(self) -> ImageItem | None:
        """The selected item, or None."""
        items, i = self.items, self.selected
        return items[i] if 0 <= i < len(items) else None

    def select(self, index: int) -> None:
        """Show item `index` (an index into ``items``)."""
        self.selected = int(index)

    def select_uid(self, uid: int) -> None:
        self.selected = next(i for i, item in enumerate(self.items) if item.uid == uid)

    def _find(self, uid: int) -> tuple[int, ImageItem] | tuple[None, None]:
        for i, item in enumerate(self.items):
            if item.uid == uid:
                return i, item
        return None, None

    def _update(self, uid: int, **changes) -> ImageItem | None:
        """Replace item `uid` with a changed copy (no-op if it was cleared meanwhile)."""
        with self._lock:
            i, item = self._find(uid)
            if item is None:
                return None
            new = replace(item, **changes)
            items = list(self.items)
            items[i] = new
            self.items = items
            return new

    # --- results table ---------------------------------------------------------------------

    def table_rows(self) -> list[dict]:
        """Rows of the results table, in the current sort order; each has its item ``index``."""
        rows = [{**item.row(), "index": i} for i, item in enumerate(self.items)]
        key = self.sort_by
        if key == "order":
            return rows[::-1] if self.sort_descending else rows

        def value(row):
            v = row[key]
            return v.lower() if isinstance(v, str) else v

        present = [r for r in rows if value(r) is not None]
        missing = [r for r in rows if value(r) is None]  # always last, whatever the direction
        present.sort(key=value, reverse=self.sort_descending)
        return present + missing

    def sort_table(self, key: str) -> None:
        """Sort by `key`; the same key again flips the direction (like clicking a header)."""
        if key not in SORT_KEYS:
            raise ValueError(f"cannot sort by {key!r}; choose one of {', '.join(SORT_KEYS)}")
        if key == self.sort_by:
            self.sort_descending = not self.sort_descending
        else:
            with self.hold_trait_notifications():
                self.sort_by = key
                self.sort_descending = key in _DESCENDING_FIRST

    # --- the model -------------------------------------------------------------------------

    def start_model(self) -> None:
        """Load the detector once, in the background (does nothing if loaded or loading)."""
        with self._lock:
            if self.model_status != "not-loaded":
                return
            self.model_status = "loading"
            self.model_message = "Loading the detection model…"
        self._submit(self._load_model)

    def _load_model(self) -> None:
        start = time.perf_counter()
        try:
            detector = self._detector_loader()
        except Exception as exc:
            log.info("no model loaded: %s", exc)
            self._detector = None
            self.model_message = f"no model loaded: {_reason(exc)}"
            self.model_status = "unavailable"
            return
        self._detector = detector
        self.model_message = f"{describe_detector(detector)} (loaded in {time.perf_counter() - start:.1f} s)"
        self.model_status = "ready"

    def _schedule_prediction(self, uid: int) -> None:
        with self._lock:
            self.pending += 1
        self.start_model()
        self._submit(self._predict, uid)

    def _predict(self, uid: int) -> None:
        try:
            _, item = self._find(uid)
            if item is None or not item.ok:
                return
            if self._detector is None:
                self._update(uid, verdict="unavailable", verdict_message=self.model_message)
                return
            start = time.perf_counter()
            try:
                prediction = prediction_to_dict(self._detector.predict([item.image])[0])
            except Exception as exc:
                log.exception("prediction for %r failed", item.name)
                self._update(uid, verdict="failed",
                             verdict_message=f"The model could not score this image: {type(exc).__name__}: {exc}")
                return
            seconds = {**item.seconds, "predict": round(time.perf_counter() - start, 3)}
            self._update(uid, verdict="done", prediction=prediction, verdict_message=None, seconds=seconds)
        finally:
            with self._lock:
                self.pending = max(0, self.pending - 1)
            self.status = self._idle_status()

    def _heatmap(self, uid: int) -> None:
        _, item = self._find(uid)
        if item is None or not item.ok:
            return
        if self._detector is None or not hasattr(self._detector, "heatmap"):
            reason = self.model_message if self._detector is None else "this model does not draw heatmaps"
            self._update(uid, heatmap_status="unavailable", heatmap_message=reason)
            return
        try:
            heat = np.asarray(self._detector.heatmap(item.image), np.float32)
            if heat.ndim == 3:
                heat = np.nanmean(heat, axis=2)
            h, w = item.photo.shape[:2]
            # NEAREST keeps the NaN of "not analysed" areas from bleeding into their neighbours
            heat = np.asarray(Image.fromarray(heat).resize((w, h), Image.Resampling.NEAREST))
            finite = heat[np.isfinite(heat)]
            top = float(finite.max()) if finite.size else 1.0
            heat = np.clip(heat if top <= 1.0 else heat / top, 0.0, 1.0)  # NaN stays NaN
            self._update(uid, heatmap=heat, heatmap_status="done", heatmap_message=None)
        except Exception as exc:
            log.exception("heatmap for %r failed", item.name)
            self._update(uid, heatmap_status="unavailable", heatmap_message=f"the heatmap failed: {exc}")

    def _submit(self, func: Callable, *args) -> None:
        def guarded():
            try:
                func(*args)
            except Exception as exc:  # never lose a worker-thread error
                self.report_error(exc)

        if self._executor is None:
            guarded()
        else:
            self._executor.submit(guarded)

    def _idle_status(self) -> str:
        if self.pending:
            waiting = "Loading the model" if self.model_status == "loading" else "Scoring"
            return f"{waiting}… ({self.pending} image{'s' if self.pending != 1 else ''} waiting)"
        n = len(self.items)
        return "Ready." if n == 0 else f"Ready: {n} image{'s' if n != 1 else ''} analysed."

    def report_error(self, exc: BaseException, *, doing: str = "") -> None:
        """Show an unexpected error on the page (print() and tracebacks vanish in Voilà)."""
        log.error("dashboard error while %s", doing or "working", exc_info=exc)
        what = f" while {doing}" if doing else ""
        self.error_details = "".join(traceback.format_exception(exc))
        self.error = f"Something went wrong{what}: {type(exc).__name__}: {exc}"
        self.busy = False

    def wait(self, timeout: float = 60.0) -> None:
        """Block until queued model work is done (for scripts and tests)."""
        if self._executor is not None:
            self._executor.submit(lambda: None).result(timeout)

    # --- evidence images (pure computation, cached) ----------------------------------------

    def ela_residual(self, item: ImageItem, quality: int | None = None) -> np.ndarray:
        """Display-size ELA residual of `item`: full-resolution re-save, then block means.

        Cached per (image, quality, subsampling, factor): gain and mode never re-encode.
        """
        quality = self.quality if quality is None else int(quality)
        if not item.ok:
            raise ValueError(f"{item.name!r} has no pixels: {item.error}")
        key = (item.image.sha256, quality, item.subsampling, item.factor)
        with self._lock:
            cached = self._ela_cache.get(key)
            if cached is not None:
                self._ela_cache.move_to_end(key)
                return cached
        pixels = item.image.pixels
        resaved = recompress(pixels, quality=quality, subsampling=item.subsampling)
        residual = pool_mean(abs_diff(pixels, resaved), item.factor)
        with self._lock:
            self._ela_cache[key] = residual
            while len(self._ela_cache) > _ELA_CACHE_SIZE:
                self._ela_cache.popitem(last=False)
        return residual

    def ela_display(self, item: ImageItem, *, quality: int | None = None) -> np.ndarray:
        """The error-level image of `item` as drawn (current gain and mode)."""
        return ela_image(self.ela_residual(item, quality), gain=self.gain, mode=self.mode)

    def noise_display(self, item: ImageItem) -> np.ndarray:
        """Noise-level map of `item` (full resolution, pooled), as a colour image."""
        with self._lock:
            pooled = self._noise_cache.get(item.image.sha256)
        if pooled is None:
            heat = run_analysis("noise", item.image).heatmap
            f = item.factor
            h, w = (heat.shape[0] // f) * f, (heat.shape[1] // f) * f
            pooled = heat[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3)) if f > 1 else heat
            with self._lock:
                self._noise_cache[item.image.sha256] = pooled
        top = float(np.percentile(pooled, 99.5)) or 1.0
        return _colormap(pooled / top)

    def _compute_view(self, item: ImageItem) -> EvidenceView:
        kind = self.evidence
        base = dict(uid=item.uid, photo=item.photo, kind=kind, factor=item.factor)
        if kind == "ela":
            gain = "auto contrast" if self.gain == "auto" else f"gain ×{self.gain:g}"
            mode = "square-root scale" if self.mode == "sqrt" else "linear scale"
            return EvidenceView(**base, evidence=self.ela_display(item),
                                title=f"Error levels at JPEG quality {self.quality}",
                                caption=f"Brighter = more change when re-saved at quality {self.quality} "
                                        f"({gain}, {mode}).")
        if kind == "noise":
            return EvidenceView(**base, evidence=self.noise_display(item), title="Noise level",
                                caption="Brighter = stronger fine-grain noise. Pasted or smoothed areas "
                                        "often differ from the rest of the photo.")
        if item.heatmap_status == "done" and item.heatmap is not None:
            shown = _colormap(item.heatmap)
            outside = ~np.isfinite(item.heatmap)
            shown[outside] = (72, 78, 88)
            note = " Grey: outside the area the model analysed." if outside.any() else ""
            return EvidenceView(**base, evidence=shown, title="Model heatmap",
                                caption="Brighter = the model found more signs of editing there "
                                        f"(its probability for each region, 0 to 1).{note}")
        if item.heatmap_status in ("none", "pending"):
            message = "The model is drawing its heatmap…"  # refresh_view starts it
        else:
            message = f"No model heatmap: {item.heatmap_message}"
        blank = np.full_like(item.photo, 24)
        return EvidenceView(**base, evidence=blank, title="Model heatmap", caption=message, ready=False)

    def refresh_view(self, *, force: bool = False) -> None:
        """Recompute ``view`` for the selected item and settings (cached; cheap when unchanged)."""
        with self._lock:
            item = self.current
            if item is None or not item.ok:
                self._view_key, self.view = None, None
                return
            model_part = (item.heatmap_status, id(item.heatmap)) if self.evidence == "model" else None
            key = (item.uid, self.quality, self.gain, self.mode, self.evidence, model_part)
            if key == self._view_key and not force:
                return
            self.busy = True
            try:
                view = self._compute_view(item)
                self._view_key = key
                self.view = view
            finally:
                self.busy = False
        if self.evidence == "model" and item.heatmap_status == "none":
            self._update(item.uid, heatmap_status="pending")
            self._submit(self._heatmap, item.uid)

    def _on_settings_change(self, change) -> None:
        try:
            self.refresh_view()
        except Exception as exc:
            self.report_error(exc, doing=f"updating the image for {change['name']} = {change['new']!r}")

    def _on_items_change(self, change) -> None:
        try:
            self.refresh_view()
        except Exception as exc:
            self.report_error(exc, doing="updating the image")

    # --- report ----------------------------------------------------------------------------

    def settings(self) -> dict:
        return {"ela_quality": self.quality, "gain": self.gain, "mode": self.mode,
                "max_upload_bytes": self.max_upload_bytes, "max_pixels": self.max_pixels}

    def report_data(self) -> dict:
        """Everything found so far, as JSON-safe data (the JSON report)."""
        return {
            "imgfake_version": imgfake.__version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "settings": self.settings(),
            "model": {"status": self.model_status, "message": self.model_message},
            "images": [item.to_dict() for item in self.items],
        }

    def report_json(self) -> str:
        return json.dumps(self.report_data(), indent=1, default=_json_default)

    def report_html(self) -> str:
        from .report import report_html

        return report_html(self)


def describe_detector(detector: Any) -> str:
    """One line naming a loaded detector (its bundle folder and test ROC AUC when known)."""
    facts: dict = {}
    if hasattr(detector, "describe"):
        try:
            facts = detector.describe() or {}
        except Exception:  # a description must never stop the dashboard
            facts = {}
    name = (Path(facts["path"]).name if facts.get("path")
            else getattr(detector, "name", None) or type(detector).__name__)
    extra = ""
    if isinstance(facts.get("test_roc_auc"), (int, float)):
        on = " / ".join(facts.get("stage1_trained_on") or [])
        extra += f", {on + ' ' if on else ''}test ROC AUC {facts['test_roc_auc']:.2f}"
    if isinstance(facts.get("threshold"), (int, float)):
        extra += f", threshold {facts['threshold']:.2f}"
    return f"Model ready: {name}{extra}"


def _json_default(value: Any):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    return str(value)
