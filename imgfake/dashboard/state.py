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

from .._version import __version__
from ..display import NOT_ANALYSED_RGB, PREVIEW_SIDE, direction_words, display_factor, evidence_image
from ..forensics.ela import ela_image
from ..forensics.registry import available, get as get_analysis, is_cached, run_analysis, run_safely
from ..forensics.registry import clear_cache as clear_analysis_cache
from ..io import DEFAULT_MAX_PIXELS, ImageLoadError, LoadedImage, load_image
from ..learn.analysis import shared_detector
from ..report import report_html
from ..resources import samples_dir
from ..scan import error_message
from ..results import AnalysisResult, Finding

__all__ = [
    "DashboardState",
    "ImageItem",
    "EvidenceView",
    "MAX_UPLOAD_BYTES",
    "PREVIEW_SIDE",
    "SAMPLES_DIR",
    "SORT_KEYS",
    "list_samples",
]

log = logging.getLogger(__name__)

#: Largest file the dashboard accepts (bytes). Voilà's websocket limit is raised above this in
#: voila.json; see the dashboard's docstring.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
#: Sample images shipped with imgfake (see imgfake.resources; never read from the cwd).
SAMPLES_DIR = samples_dir()
#: Columns the results table can be sorted by ("order" = upload order).
SORT_KEYS = ("order", "name", "p_edited", "label", "jpeg_quality", "n_findings", "error")
#: Full-resolution images kept decoded (the one on screen and the one being scored); the others
#: keep their file bytes, previews and results, and are decoded again when needed.
HOT_IMAGES = 2
#: Columns sorted largest-first on their first click (the most suspicious on top).
_DESCENDING_FIRST = ("p_edited", "n_findings", "error")


# --- plain records ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ImageItem:
    """One uploaded file and everything found about it (immutable; replaced on update).

    ``eq=False``: items compare by identity, so a replaced item always notifies observers.
    """

    uid: int
    name: str
    n_bytes: int
    origin: str = "upload"  # "upload" | "drop" | "sample" | "scan"
    facts: dict | None = None  # LoadedImage.summary() of a readable file (no pixels)
    data: bytes | None = field(default=None, repr=False)  # the file's bytes: pixels are decoded again on demand
    error: str | None = None
    factor: int = 1  # display = full resolution pooled by factor × factor
    photo: np.ndarray | None = None  # display pixels, uint8 (H // factor, W // factor, 3)
    analyses: dict = field(default_factory=dict)  # registry name -> AnalysisResult (incl. "model")
    verdict: str = "pending"  # "pending" | "done" | "unavailable" | "failed" | "none"
    prediction: dict | None = None  # the "model" analysis' details["prediction"]
    verdict_message: str | None = None
    truth: dict | None = None  # the samples.json record of a sample image
    seconds: dict = field(default_factory=dict)  # timings: "load", "predict"

    @property
    def ok(self) -> bool:
        return self.facts is not None and self.error is None

    @property
    def jpeg_quality(self) -> float | None:
        result = self.analyses.get("jpeg")
        quality = None if result is None else result.details.get("quality")
        return None if quality is None else float(quality)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Findings of every analysis (the model's caution is shown with its verdict), then
        what loading did to the image."""
        found: list[Finding] = []
        for name, result in self.analyses.items():
            if name != "model":
                found.extend(result.findings)
        if self.facts is not None:
            found.extend(Finding("loading", "info", note) for note in self.facts.get("notes", ()))
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
        assert self.facts is not None
        out["image"] = self.facts
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
    kind: str  # a registered analysis with a heatmap ("ela", "noise", "model", ...)
    title: str  # short heading of the evidence image
    caption: str  # one plain sentence on what is shown
    factor: int  # display pixel = factor × factor image pixels
    ready: bool = True  # False: evidence is a placeholder (e.g. heatmap not available)
    computing: bool = False  # True: the placeholder stands in while the map is computed
    lines: tuple = ()  # (x1, y1, x2, y2) in display pixels, drawn over both images (copy-move pairs)


# --- helpers -------------------------------------------------------------------------------


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
    evidence = traitlets.Unicode("ela", help="the registered analysis whose map is shown beside the photo")
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
        self._detector_loader = detector_loader or shared_detector
        if detector is not None:
            self.model_status = "ready"
            self.model_message = describe_detector(detector)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="imgfake-model") if background else None
        # maps are computed off the kernel's event thread, apart from the model's queue
        self._evidence_pool = ThreadPoolExecutor(1, thread_name_prefix="imgfake-evidence") if background else None
        self._lock = threading.RLock()  # items, caches and the view are touched from two threads
        self._next_uid = 0
        self._view_key: tuple | None = None
        self._images: OrderedDict[int, LoadedImage] = OrderedDict()  # uid -> decoded, HOT_IMAGES at most
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

    @traitlets.validate("evidence")
    def _valid_evidence(self, proposal):
        kind = proposal["value"]
        kinds = self.evidence_kinds()
        if kind not in kinds:
            raise traitlets.TraitError(f"evidence must be one of {', '.join(kinds)}, got {kind!r}")
        return kind

    @staticmethod
    def evidence_kinds() -> dict[str, str]:
        """The registered analyses with an evidence map, name -> title, in family order."""
        return {name: a.title for name, a in available(heatmap=True).items()}

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

    def add_path(self, path: str | Path, *, origin: str = "scan", select: bool = True) -> int:
        """Open a file on the server (a row of a scan the dashboard browses) like an upload:
        the same size limit, the same reader; only its name is displayed."""
        path = Path(path)
        try:
            n_bytes = path.stat().st_size
            if n_bytes > self.max_upload_bytes:
                return self._append_error(path.name, n_bytes, self._too_large(path.name, n_bytes), origin=origin)
            data = path.read_bytes()
        except OSError as exc:
            return self._append_error(path.name, 0, error_message(exc), origin=origin)
        return self.add_upload(path.name, data, origin=origin, select=select)

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
            clear_analysis_cache()  # the maps of every method: memory goes back
            self._images.clear()
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
                             error=f"{name!r} could not be read: {error_message(exc)}.")
        factor = display_factor(image.height, image.width, max_side=self.preview_side)
        h, w = (image.height // factor) * factor, (image.width // factor) * factor
        photo = image.pixels if factor == 1 else np.asarray(Image.fromarray(image.pixels[:h, :w]).reduce(factor))
        # the analyses that only speak (no map, no model) run now; maps when shown
        analyses = {name_: run_safely(name_, image) for name_ in available(heatmap=False, heavy=False)}
        if truth is None:  # a sample uploaded from disk still has a known answer
            truth = next((r for r in self._samples_by_hash() if r.get("sha256") == image.sha256), None)
        self._keep_decoded(uid, image)
        return ImageItem(uid=uid, name=name, n_bytes=len(data), origin=origin, facts=image.summary(),
                         data=data, factor=factor, photo=photo, analyses=analyses, truth=truth,
                         seconds={"load": round(time.perf_counter() - start, 3)})

    # --- full-resolution pixels, kept for few items ----------------------------------------

    def image_of(self, item: ImageItem) -> LoadedImage:
        """The decoded file of `item`: kept for the last :data:`HOT_IMAGES` items used, decoded
        again from its bytes otherwise (so 50 uploads do not hold 50 full-size images)."""
        if not item.ok:
            raise ValueError(f"{item.name!r} has no pixels: {item.error}")
        with self._lock:
            image = self._images.get(item.uid)
            if image is not None:
                self._images.move_to_end(item.uid)
                return image
        image = load_image(item.data, name=item.name, max_bytes=max(self.max_upload_bytes, len(item.data)),
                           max_pixels=self.max_pixels)
        with self._lock:
            if self._find(item.uid)[1] is not None:  # not cleared meanwhile
                self._keep_decoded(item.uid, image)
        return image

    def _keep_decoded(self, uid: int, image: LoadedImage) -> None:
        with self._lock:
            self._images[uid] = image
            self._images.move_to_end(uid)
            while len(self._images) > HOT_IMAGES:
                self._images.popitem(last=False)

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
                result = run_analysis("model", self.image_of(item), detector=self._detector)
            except Exception as exc:
                log.exception("prediction for %r failed", item.name)
                self._update(uid, verdict="failed",
                             verdict_message=f"The model could not score this image: {exc}")
                return
            seconds = {**item.seconds, "predict": round(time.perf_counter() - start, 3)}
            with self._lock:
                _, item = self._find(uid)
                if item is not None:
                    self._update(uid, verdict="done", prediction=result.details["prediction"],
                                 verdict_message=None, seconds=seconds,
                                 analyses={**item.analyses, "model": result})
        finally:
            with self._lock:
                self.pending = max(0, self.pending - 1)
            self.status = self._idle_status()

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
        self.error = f"Something went wrong{what}: {error_message(exc)}"
        self.busy = False

    def wait(self, timeout: float = 60.0) -> None:
        """Block until queued model work and maps are done (for scripts and tests)."""
        for pool in (self._executor, self._evidence_pool):
            if pool is not None:
                pool.submit(lambda: None).result(timeout)

    # --- evidence images (computed by the registry, which caches them) -----------------------

    def evidence_result(self, item: ImageItem, kind: str | None = None, *,
                        quality: int | None = None) -> AnalysisResult | None:
        """The result behind evidence `kind` for `item` (None while the model is working).

        Analyses run on the full-resolution pixels; one that takes ``cell`` is asked for the
        display grid directly, one that takes ``quality`` gets the ELA quality setting. Heavy
        analyses (the model) come from the item, where the worker thread puts them.
        """
        kind = kind or self.evidence
        if not item.ok:
            raise ValueError(f"{item.name!r} has no pixels: {item.error}")
        spec = get_analysis(kind)
        if spec.heavy:
            return item.analyses.get(kind)
        params = spec.defaults()
        chosen = {}
        if "cell" in params:
            chosen["cell"] = item.factor
        if "quality" in params:
            chosen["quality"] = self.quality if quality is None else int(quality)
        return run_analysis(kind, self.image_of(item), **chosen)

    def draws_with_gain(self, kind: str | None = None) -> bool:
        """Whether the map of `kind` (default: the selected one) is drawn with the gain and
        linear/square-root controls (the error levels: grey levels, not a colour map)."""
        return (kind or self.evidence) == "ela"

    def ela_display(self, item: ImageItem, *, quality: int | None = None) -> np.ndarray:
        """The error-level image of `item` as drawn (current quality, gain and mode), RGB."""
        result = self.evidence_result(item, "ela", quality=quality)
        levels = result.on_grid(item.factor)
        missing = np.isnan(levels)
        grey = ela_image(np.where(missing, 0.0, levels), gain=self.gain, mode=self.mode)
        shown = np.repeat(grey[..., None], 3, axis=2)
        shown[missing] = NOT_ANALYSED_RGB  # e.g. the part a truncated file did not hold
        return shown

    def _compute_view(self, item: ImageItem) -> EvidenceView:
        kind = self.evidence
        spec = get_analysis(kind)
        base = dict(uid=item.uid, photo=item.photo, kind=kind, factor=item.factor)
        if kind == "ela":
            gain = "auto contrast" if self.gain == "auto" else f"gain ×{self.gain:g}"
            mode = "square-root scale" if self.mode == "sqrt" else "linear scale"
            return EvidenceView(**base, evidence=self.ela_display(item),
                                title=f"Error levels at JPEG quality {self.quality}",
                                caption=f"Brighter = more change when re-saved at quality {self.quality} "
                                        f"({gain}, {mode}).")
        result = self.evidence_result(item, kind)
        blank = np.full_like(item.photo, 24)
        if result is None or result.heatmap is None:
            if result is not None:
                message = f"No {spec.title.lower()} map: {result.details.get('heatmap_message') or 'none drawn'}"
            elif spec.family == "model" and item.verdict == "pending":
                message = "The model is still working on this image…"
            else:
                message = f"No {spec.title.lower()} map: {item.verdict_message or self.model_message}"
            return EvidenceView(**base, evidence=blank, title=spec.title, caption=message, ready=False)
        shown, unanalysed = evidence_image(result, item.factor, height=item.facts["height"],
                                           width=item.facts["width"])
        if shown.shape != item.photo.shape:  # same grid as the photo, always; guard a bad method
            shown = np.asarray(Image.fromarray(shown).resize(item.photo.shape[1::-1], Image.NEAREST))
        units = f" ({result.units})" if result.units else ""
        note = " Grey: outside the area analysed." if unanalysed else ""
        lines = tuple(tuple(v / item.factor for v in pair[:4]) for pair in result.details.get("pairs") or ()
                      if len(pair) >= 4)
        if lines:
            note += f" Lines join {len(lines)} matched points."
        return EvidenceView(**base, evidence=shown, title=spec.title, lines=lines,
                            caption=f"{direction_words(result.direction).capitalize()}{units}. "
                                    f"{spec.description}{note}")

    def refresh_view(self, *, force: bool = False) -> None:
        """Recompute ``view`` for the selected item and settings (cached; cheap when unchanged)."""
        with self._lock:
            item = self.current
            if item is None or not item.ok:
                self._view_key, self.view = None, None
                return
            model_part = (item.verdict, id(item.analyses.get(self.evidence)))
            key = (item.uid, self.quality, self.gain, self.mode, self.evidence, model_part)
            if key == self._view_key and not force:
                return
            self._view_key = key
            if self._evidence_pool is not None and not self._view_is_quick(item):
                spec = get_analysis(self.evidence)
                self.view = EvidenceView(uid=item.uid, photo=item.photo, kind=self.evidence, factor=item.factor,
                                         evidence=np.full_like(item.photo, 24), title=spec.title,
                                         caption=f"Computing the {spec.title.lower()} map…", ready=False,
                                         computing=True)
                self._evidence_pool.submit(self._finish_view, item, key)
                return
            self.busy = True
            try:
                self.view = self._compute_view(item)
            except BaseException:
                self._view_key = None
                raise
            finally:
                self.busy = False

    def _view_is_quick(self, item: ImageItem) -> bool:
        """ELA (the slider's view), the model's map (already on the item) and cached maps are
        drawn at once; anything else is computed on the evidence thread."""
        spec = get_analysis(self.evidence)
        if self.evidence == "ela" or spec.heavy:
            return True
        chosen = {"cell": item.factor} if "cell" in spec.defaults() else {}
        if "quality" in spec.defaults():
            chosen["quality"] = self.quality
        return is_cached(self.evidence, self.image_of(item), **chosen)

    def _finish_view(self, item: ImageItem, key: tuple) -> None:
        try:
            view = self._compute_view(item)
        except Exception as exc:
            with self._lock:
                if self._view_key == key:
                    self._view_key = None
            self.report_error(exc, doing=f"computing the {self.evidence} map")
            return
        with self._lock:
            if self._view_key == key:  # the user has not moved on meanwhile
                self.view = view

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
            "imgfake_version": __version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "settings": self.settings(),
            "model": {"status": self.model_status, "message": self.model_message},
            "images": [item.to_dict() for item in self.items],
        }

    def report_json(self) -> str:
        return json.dumps(self.report_data(), indent=1, default=_json_default)

    def _found_maps(self, item: ImageItem) -> list[dict]:
        """The maps already computed for `item` (the report computes nothing new) whose method
        raised a warning, as drawn on the page."""
        maps = []
        for kind, spec in available(heatmap=True).items():
            if kind == "ela":
                continue
            if spec.heavy:
                result = item.analyses.get(kind)
            else:
                chosen = {"cell": item.factor} if "cell" in spec.defaults() else {}
                image = self.image_of(item)
                result = run_analysis(kind, image, **chosen) if is_cached(kind, image, **chosen) else None
            if result is None or result.heatmap is None or not any(f.severity == "warning" for f in result.findings):
                continue
            shown, _ = evidence_image(result, item.factor, height=item.facts["height"], width=item.facts["width"])
            maps.append({"title": spec.title, "image": shown,
                         "caption": f"{direction_words(result.direction).capitalize()}. "
                                    + " ".join(f.message for f in result.findings if f.severity == "warning")})
        return maps

    def report_html(self) -> str:
        """The HTML report: :func:`imgfake.report.report_html` of :meth:`report_data`, with each
        readable image's photo and error-level image (one that cannot be drawn says why)."""
        data = json.loads(self.report_json())  # the same plain records as the JSON report
        visuals: dict[int, dict] = {}
        zoom = None
        for index, item in enumerate(self.items):
            if not item.ok:
                continue
            try:
                visuals[index] = {"photo": item.photo, "evidence": self.ela_display(item),
                                  "maps": self._found_maps(item)}
            except Exception as exc:
                log.warning("no error-level image of %r for the report", item.name, exc_info=True)
                visuals[index] = {"evidence_error": error_message(exc)}
            if item is self.current:
                zoom = index
        return report_html(data, visuals=visuals, zoom=zoom)


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
    if isinstance(facts.get("held_out_roc_auc"), (int, float)):
        extra += f", ROC AUC {facts['held_out_roc_auc']:.2f} on photo sources it never saw"
        if isinstance(facts.get("held_out_fpr"), (int, float)):
            extra += f" ({facts['held_out_fpr']:.0%} of their untouched photos called edited)"
    elif isinstance(facts.get("test_roc_auc"), (int, float)):
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
