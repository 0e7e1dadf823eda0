"""The one registry of forensic analyses: register, list, run (and cache).

Every analysis takes a :class:`~imgfake.io.LoadedImage` plus keyword parameters and returns an
:class:`~imgfake.results.AnalysisResult` that keeps the evidence-map contract. Each method
registers itself next to its functions with :func:`register`; the CLI, the dashboard, the report
and batch scans list what is here (:func:`available`), grouped by family, so adding a method is
one new module in :mod:`imgfake.forensics`.

Where analyses come from, loaded on the first call of :func:`available` or :func:`get`:

* every module of the :mod:`imgfake.forensics` package (found by walking it: no list to edit);
* :data:`BUILTIN_PROVIDERS`, modules outside it that register analyses (the trained model);
* modules named by the ``imgfake.analyses`` entry-point group of installed packages (plug-ins).

Results are cached once for every consumer, keyed by the image's SHA-256, the analysis and its
parameters (defaults filled in), within a memory budget.

Examples
--------
>>> from imgfake.forensics.registry import available
>>> {"ela", "noise", "jpeg", "metadata"} <= set(available())
True
"""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace

import numpy as np

from ..io import LoadedImage
from ..results import DIRECTIONS, FAMILIES, AnalysisResult, Finding
from ..scan import error_message

__all__ = ["Analysis", "register", "unregister", "available", "get", "run_analysis", "run_safely", "is_cached",
           "clear_cache", "cache_info", "BUILTIN_PROVIDERS", "ENTRY_POINT_GROUP"]

log = logging.getLogger(__name__)

#: Modules outside :mod:`imgfake.forensics` whose import registers analyses.
BUILTIN_PROVIDERS = ("imgfake.learn.analysis",)
#: Entry-point group through which other packages add analyses.
ENTRY_POINT_GROUP = "imgfake.analyses"
#: Modules of the forensics package that are infrastructure, not methods.
_NOT_METHODS = {"registry", "blocks", "dct"}


@dataclass(frozen=True)
class Analysis:
    """A registered analysis: its function and how consumers present it.

    Attributes
    ----------
    name, title, description : str
        Registry name, short title, one plain sentence on what it shows.
    family : str
        One of :data:`imgfake.results.FAMILIES`.
    func : callable
        ``func(image, **params) -> AnalysisResult``.
    has_heatmap : bool
        Whether it draws an evidence map (then ``direction`` and ``cell`` say how).
    direction : {"high", "low", "both"}
    cell : int
        The map's usual cell size (a parameter may change it).
    needs : tuple of str
        What it reads from the file: "pixels", "jpeg" (tables), "metadata".
    heavy : bool
        Slow or loads a model: batch commands run it only when asked.
    """

    name: str
    title: str
    description: str
    family: str
    func: Callable[..., AnalysisResult]
    has_heatmap: bool = False
    direction: str = "high"
    cell: int = 1
    needs: tuple[str, ...] = ("pixels",)
    heavy: bool = False

    def defaults(self) -> dict:
        """The function's keyword parameters and their defaults."""
        return {
            p.name: p.default
            for p in list(inspect.signature(self.func).parameters.values())[1:]
            if p.default is not inspect.Parameter.empty
        }

    def guide(self) -> dict[str, str]:
        """What its module's docstring says, for readers: ``summary`` (the first paragraph),
        ``references`` and ``limits`` ("Where it fails"); empty strings when absent."""
        return _guide(inspect.getmodule(self.func))

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "family": self.family,
                "description": self.description, "heatmap": self.has_heatmap,
                "direction": self.direction if self.has_heatmap else None,
                "cell": self.cell if self.has_heatmap else None,
                "needs": list(self.needs), "heavy": self.heavy,
                "parameters": {k: v for k, v in self.defaults().items()
                               if isinstance(v, (int, float, str, bool, type(None)))}}


def _guide(module) -> dict[str, str]:
    """Summary, references and limits from a method module's numpydoc docstring."""
    text = inspect.cleandoc(getattr(module, "__doc__", None) or "")
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    summary = " ".join(paragraphs[0].split()) if paragraphs else ""
    references, limits, section = [], [], None
    for paragraph in paragraphs[1:]:
        lines = paragraph.splitlines()
        if len(lines) >= 2 and set(lines[1].strip()) == {"-"}:  # a numpydoc section heading
            section = lines[0].strip().lower()
            lines = lines[2:]
            if not lines:
                continue
        body = " ".join(" ".join(lines).split())
        if body.lower().startswith("where it fails"):
            section, body = "where it fails", body.split(":", 1)[-1].strip()
        if section == "references":
            references.append(body)
        elif section == "where it fails":
            limits.append(body)
    return {"summary": summary, "references": "\n".join(references), "limits": " ".join(limits)}


_REGISTRY: dict[str, Analysis] = {}
_LOCK = threading.RLock()  # the registry and the cache
_DISCOVERY_LOCK = threading.RLock()  # importing providers (they call register, which takes _LOCK)
_DISCOVERED = False  # every provider imported
_DISCOVERING = False  # the thread holding _DISCOVERY_LOCK is importing them


def register(name: str, *, title: str, description: str, family: str, heatmap: bool = False,
             direction: str = "high", cell: int = 1, needs: tuple[str, ...] = ("pixels",),
             heavy: bool = False):
    """Decorator that adds an analysis function to the registry under `name`.

    Examples
    --------
    >>> @register("brightness", title="Brightness", family="camera",
    ...           description="Mean grey level (an example).")                # doctest: +SKIP
    ... def brightness(image):
    ...     return AnalysisResult("brightness", details={"mean": float(image.pixels.mean())})
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")

    def wrap(func: Callable[..., AnalysisResult]) -> Callable[..., AnalysisResult]:
        with _LOCK:
            if name in _REGISTRY and _REGISTRY[name].func is not func:
                raise ValueError(f"an analysis named {name!r} is already registered")
            _REGISTRY[name] = Analysis(name, title, description, family, func, heatmap,
                                       direction, int(cell), tuple(needs), heavy)
        clear_cache(name)
        return func

    return wrap


def unregister(name: str) -> None:
    """Remove an analysis (tests and notebooks that register one for a while)."""
    with _LOCK:
        _REGISTRY.pop(name, None)
    clear_cache(name)


def _discover() -> None:
    """Import every built-in method module and plug-in, once. Other threads wait until it has
    finished (a thread that saw a half-filled registry would call a method unknown); the
    discovering thread itself, re-entering through a provider's import, returns at once."""
    global _DISCOVERED, _DISCOVERING
    if _DISCOVERED:
        return
    with _DISCOVERY_LOCK:  # re-entrant: only the discovering thread gets past it meanwhile
        if _DISCOVERED or _DISCOVERING:
            return
        _DISCOVERING = True
        try:
            package = importlib.import_module(__name__.rsplit(".", 1)[0])
            modules = [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)
                       if m.name not in _NOT_METHODS and not m.name.startswith("_")]
            modules += BUILTIN_PROVIDERS
            for module in modules:  # a built-in that fails to import: try again next time, loudly
                importlib.import_module(module)
            for entry in _entry_points():
                try:
                    entry.load()
                except Exception as exc:  # a broken plug-in must not take the built-ins down
                    log.warning("imgfake analysis plug-in %s could not be loaded: %s", entry.value, exc)
            _DISCOVERED = True
        finally:
            _DISCOVERING = False


def _entry_points():
    from importlib.metadata import entry_points

    try:
        return list(entry_points(group=ENTRY_POINT_GROUP))
    except Exception:  # unreadable metadata of some other package
        return []


def available(family: str | None = None, *, heatmap: bool | None = None,
              heavy: bool | None = None) -> dict[str, Analysis]:
    """Registered analyses by name, in family order (then name), optionally filtered.

    Parameters
    ----------
    family : str, optional
        Only this family (one of :data:`imgfake.results.FAMILIES`).
    heatmap, heavy : bool, optional
        Only those that do (True) or do not (False) draw a map / are heavy.
    """
    _discover()
    if family is not None and family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    with _LOCK:
        found = [a for a in _REGISTRY.values()
                 if (family is None or a.family == family)
                 and (heatmap is None or a.has_heatmap == heatmap)
                 and (heavy is None or a.heavy == heavy)]
    found.sort(key=lambda a: (FAMILIES.index(a.family), a.name))
    return {a.name: a for a in found}


def get(name: str) -> Analysis:
    """The analysis registered as `name`; ValueError naming the known ones otherwise."""
    _discover()
    with _LOCK:
        found = _REGISTRY.get(name)
        if found is None:
            raise ValueError(f"unknown analysis {name!r}; available: {', '.join(sorted(_REGISTRY))}")
        return found


# --- the cache -------------------------------------------------------------------------------

#: Memory the cached maps may hold (bytes); least recently used results go first.
CACHE_BYTES = 256 * 2**20
_CACHE: OrderedDict[tuple, AnalysisResult] = OrderedDict()
_CACHE_STATS = {"hits": 0, "misses": 0, "bytes": 0}


def _cache_key(analysis: Analysis, image: LoadedImage, params: dict) -> tuple | None:
    merged = {**analysis.defaults(), **params}
    try:
        items = tuple(sorted(merged.items()))
        hash(items)
    except TypeError:  # an unhashable parameter: not cached
        return None
    return (image.sha256, analysis.name, analysis.func, items) if isinstance(image.sha256, Hashable) else None


def clear_cache(name: str | None = None) -> None:
    """Forget cached results (of one analysis, or all)."""
    with _LOCK:
        for key in [k for k in _CACHE if name is None or k[1] == name]:
            _CACHE_STATS["bytes"] -= _CACHE.pop(key).nbytes


def cache_info() -> dict:
    """Hits, misses, entries and bytes held by the result cache."""
    with _LOCK:
        return {**_CACHE_STATS, "entries": len(_CACHE)}


def _remember(key: tuple, result: AnalysisResult) -> None:
    with _LOCK:
        if key in _CACHE or result.nbytes > CACHE_BYTES:
            return
        _CACHE[key] = result
        _CACHE_STATS["bytes"] += result.nbytes
        while _CACHE_STATS["bytes"] > CACHE_BYTES and _CACHE:
            _CACHE_STATS["bytes"] -= _CACHE.popitem(last=False)[1].nbytes


# --- running ---------------------------------------------------------------------------------


def is_cached(name: str, image: LoadedImage, **params) -> bool:
    """Whether :func:`run_analysis` would answer from the cache (so it costs nothing now)."""
    key = _cache_key(get(name), image, params)
    with _LOCK:
        return key is not None and key in _CACHE


def run_analysis(name: str, image: LoadedImage, *, cache: bool = True, **params) -> AnalysisResult:
    """Run the analysis registered as `name` on `image` (cached: a second call is free).

    The result carries the image's size; a result that breaks the evidence-map contract
    (wrong grid for the image) raises ValueError here rather than misleading a consumer.
    """
    analysis = get(name)
    if not isinstance(image, LoadedImage):
        raise ValueError(f"run_analysis takes a LoadedImage (imgfake.load_image), got {type(image).__name__}")
    key = _cache_key(analysis, image, params) if cache else None
    if key is not None:
        with _LOCK:
            hit = _CACHE.get(key)
            if hit is not None:
                _CACHE.move_to_end(key)
                _CACHE_STATS["hits"] += 1
                return hit
            _CACHE_STATS["misses"] += 1
    result = analysis.func(image, **params)
    if not isinstance(result, AnalysisResult):
        raise TypeError(f"analysis {name!r} returned {type(result).__name__}, not an AnalysisResult")
    if result.image_size is None or result.name != name:
        result = replace(result, name=name, image_size=(image.height, image.width))
    if image.undecoded is not None and result.heatmap is not None:
        result = _without_undecoded(result, image.undecoded)
    if key is not None:
        _remember(key, result)
    return result


def _without_undecoded(result: AnalysisResult, undecoded) -> AnalysisResult:
    """Cells holding pixels a truncated file did not contain are not analysed: NaN."""
    from .blocks import cells_touching

    covered = cells_touching(undecoded, result.cell)
    heat = np.array(result.heatmap, np.float32)
    heat[covered] = np.nan
    mask = None if result.mask is None else np.where(covered, False, result.mask)
    return replace(result, heatmap=heat, mask=mask)


def run_safely(name: str, image: LoadedImage, **params) -> AnalysisResult:
    """:func:`run_analysis`, but an analysis that fails gives a result with one
    ``analysis-failed`` finding instead of an exception (one bad method never stops a batch,
    the dashboard or a report)."""
    try:
        return run_analysis(name, image, **params)
    except Exception as exc:
        log.warning("analysis %s failed on %s", name, image.name, exc_info=True)
        try:
            title = get(name).title
        except ValueError:
            title = name
        words = error_message(exc)
        message = f"The {title} check could not run on this image: {words}"
        return AnalysisResult(name=name, findings=(Finding("analysis-failed", "notice", message),),
                              details={"error": words},
                              image_size=(image.height, image.width))
