"""The workshop's answer key: one checker per exercise, each recomputing what the learner
computed from the package itself and comparing.

Every checker prints one line, ``✓ Right: …`` or ``✗ Not yet: <hint>``, and returns it as a
:class:`Feedback`. An unanswered exercise (``None``) gets the hint; an answer of the wrong kind,
or code of the learner's that raises, gets a hint naming what was received. A checker never
raises: a learner's mistake must never look like a broken notebook.

The key lives here, in the package, rather than in a notebook cell a learner could unfold.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..forensics.ela import ela, ela_stats
from ..forensics.registry import available, run_analysis
from ..io import LoadedImage, load_image
from ..results import AnalysisResult
from ..scan import error_message
from .helpers import _check_box, camera_original, edit_mask, sample, sample_bytes

__all__ = ["Feedback", "Exercise", "EXERCISES", "check_quality", "check_region", "check_texture",
           "check_clone_method", "check_comparison", "check_camera", "check_credentials",
           "check_own_photo", "check_dashboard", "check_laundering", "suspicion_contrast"]

#: Exercise number -> what it is, which checker and its hint (filled by @_exercise).
EXERCISES: dict[int, Exercise] = {}


@dataclass(frozen=True)
class Exercise:
    number: int
    title: str
    checker: str  # the function's name in imgfake.workshop
    hint: str


@dataclass(frozen=True)
class Feedback:
    """What a checker said: ``ok`` and the printed line."""

    exercise: int
    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:
        """Shown once: the checker has printed the message already."""


class NotYet(Exception):
    """Raised inside a checker: the answer is not right yet, with this hint."""


def _exercise(number: int, title: str, hint: str):
    """Register a checker: it returns why the answer is right, or raises :class:`NotYet` with a
    hint; anything else it raises (a learner's function failing, an odd value) becomes a hint too."""

    def wrap(func: Callable[..., str]):
        @functools.wraps(func)
        def check(*args, **kwargs) -> Feedback:
            try:
                ok, text = True, func(*args, **kwargs)
            except NotYet as exc:
                ok, text = False, str(exc) or hint
            except Exception as exc:  # never a traceback for a learner's answer
                ok, text = False, f"{hint} (your answer could not be used: {error_message(exc)})"
            feedback = Feedback(number, ok, f"✓ Right: {text}" if ok else f"✗ Not yet: {text}")
            print(feedback.message)
            return feedback

        EXERCISES[number] = Exercise(number, title, func.__name__, hint)
        check.hint = hint
        return check

    return wrap


# --- reading answers -------------------------------------------------------------------------


def _given(value, hint: str):
    if value is None or value is Ellipsis:
        raise NotYet(hint)
    return value


def _number(value, what: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise NotYet(f"{what} should be a number, got {type(value).__name__} {value!r:.60}")
    return float(value)


def _box(box, photo: LoadedImage) -> tuple[int, int, int, int]:
    try:
        return _check_box(box, photo.height, photo.width)
    except ValueError as exc:
        raise NotYet(str(exc)) from None


def _box_mask(box: tuple[int, int, int, int], shape: tuple[int, int]) -> np.ndarray:
    top, left, bottom, right = box
    mask = np.zeros(shape, bool)
    mask[top:bottom, left:right] = True
    return mask


def _close(mine: float, theirs: float) -> bool:
    """Equal up to the rounding a learner may do (two decimals) or 1 %."""
    if not (math.isfinite(mine) and math.isfinite(theirs)):
        return math.isnan(mine) and math.isnan(theirs) or mine == theirs
    return abs(mine - theirs) <= 0.006 + 0.01 * abs(mine)


def _file_bytes(value, what: str) -> bytes:
    if isinstance(value, LoadedImage):
        if value.data is None:
            raise NotYet(f"{what} was made from pixels alone; give the bytes of the file")
        return value.data
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise NotYet(f"{what} should be the bytes of a JPEG file (what encode_jpeg or a BytesIO's getvalue() "
                 f"gives), got {type(value).__name__}")


def _load(data: bytes, what: str) -> LoadedImage:
    try:
        return load_image(data, name=what)
    except ValueError as exc:
        raise NotYet(f"{what} is not an image imgfake can read: {error_message(exc)}") from None


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return 0.0
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def _codes(result: AnalysisResult) -> set[str]:
    return {f.code for f in result.findings}


@functools.lru_cache(maxsize=32)
def _ela_residual(name: str, quality: int) -> np.ndarray:
    residual = ela(sample(name).pixels, quality=quality)
    residual.setflags(write=False)
    return residual


def _ela_ratio(pixels: np.ndarray, mask: np.ndarray, quality: int) -> float:
    residual = ela(pixels, quality=quality)
    return ela_stats(residual, mask=mask).mean / max(ela_stats(residual, mask=~mask).mean, 1e-9)


def _full(mask_cells: np.ndarray, cell: int, shape: tuple[int, int]) -> np.ndarray:
    """A per-cell yes/no map repeated up to one value per pixel."""
    return np.repeat(np.repeat(mask_cells, cell, 0), cell, 1)[: shape[0], : shape[1]]


def suspicion_contrast(result: AnalysisResult, where: np.ndarray) -> tuple[float, float, float]:
    """Mean suspicion inside `where` (bool H×W), outside it, and their ratio: the recipe the
    notebook gives (``values = result.on_grid(1, suspicion=True)``; NaN cells ignored)."""
    values = result.on_grid(1, suspicion=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        inside = float(np.nanmean(values[where])) if np.isfinite(values[where]).any() else math.nan
        outside = float(np.nanmean(values[~where])) if np.isfinite(values[~where]).any() else math.nan
        ratio = inside / outside if outside else (math.inf if inside > 0 else math.nan)
    return inside, outside, ratio


def _method(name, what: str = "the method"):
    if not isinstance(name, str):
        raise NotYet(f"{what} is a name from the table, as text in quotes (e.g. \"ela\"), got {name!r:.60}")
    spec = available().get(name.strip())
    if spec is None:
        raise NotYet(f"there is no method named {name!r}; the names are the first column of "
                     f"methods_table(): {', '.join(available())}")
    return spec


# --- Part 1: error levels by hand -------------------------------------------------------------

RETOUCH, SPLICE, COPY_MOVE, LIGHTHOUSE = "kodim21_retouch", "kodim03_splice", "kodim07_copy-move", "kodim21_authentic"
#: Inside / outside the edit at which ELA "shows" it in Exercise 1.
STANDS_OUT = 4.0


@_exercise(1, "Choose the ELA quality",
           "set my_quality to a JPEG quality from 50 to 100 (a whole number) and look at the retouched "
           "photo's ELA image; the right one makes the smoothed rocks glow against the rest")
def check_quality(my_quality) -> str:
    quality = _number(_given(my_quality, check_quality.hint), "my_quality")
    if quality != round(quality) or not 1 <= quality <= 100:
        raise NotYet(f"a JPEG quality is a whole number from 1 to 100, got {my_quality!r}")
    quality = int(quality)
    mask = edit_mask(RETOUCH)
    residual = _ela_residual(RETOUCH, quality)
    ratio = ela_stats(residual, mask=mask).mean / ela_stats(residual, mask=~mask).mean
    if ratio < STANDS_OUT:
        direction = "lower" if quality > 75 else "higher"
        raise NotYet(f"at quality {quality} the retouched area is {ratio:.1f}× as bright as the rest of the photo: "
                     f"the rocks' texture hides it. Try {direction} qualities: the one that works is where the "
                     "untouched part barely changes, because it was saved at that quality before")
    return (f"at quality {quality} the retouched area is {ratio:.1f}× as bright as the rest. The photo was first "
            "saved at 75: re-saved near that quality, the untouched pixels hardly change, while the smoothed "
            "ones, moved off the earlier rounding, change a lot.")


@_exercise(2, "Measure inside a box you choose",
           "set my_box = (top, left, bottom, right) around the pasted oval, then compute my_inside and "
           "my_outside: the mean error level (ela_stats(...).mean) inside the box and everywhere else")
def check_region(my_box, my_inside, my_outside, *, quality: int = 75) -> str:
    photo = sample(SPLICE)
    box = _box(_given(my_box, check_region.hint), photo)
    inside = _number(_given(my_inside, check_region.hint), "my_inside")
    outside = _number(_given(my_outside, check_region.hint), "my_outside")
    where = _box_mask(box, (photo.height, photo.width))
    residual = _ela_residual(SPLICE, int(quality))
    want_in, want_out = ela_stats(residual, mask=where).mean, ela_stats(residual, mask=~where).mean
    if not (_close(want_in, inside) and _close(want_out, outside)):
        raise NotYet(f"for the box {box} at quality {quality} the package gets {want_in:.2f} inside and "
                     f"{want_out:.2f} outside, you have {inside:.2f} and {outside:.2f}. Check the slice "
                     "(pixels[top:bottom, left:right]: rows first), that 'outside' is everything but the box "
                     f"(mask=~in_box), and that you re-saved at quality {quality}")
    on_edit = float(edit_mask(SPLICE)[where].mean())
    if on_edit < 0.6:
        raise NotYet(f"your numbers are right ({inside:.2f} inside, {outside:.2f} outside), but only {on_edit:.0%} "
                     "of your box lies on the pasted oval: move it onto the bright oval of the ELA image "
                     "(hover over the picture to read rows and columns)")
    return (f"{on_edit:.0%} of your box is on the pasted oval, and there the error level is {want_in:.2f} against "
            f"{want_out:.2f} elsewhere: {want_in / want_out:.1f}×. The pasted pixels never went through the "
            "photo's first save at 75, so a re-save at 75 moves them more.")


@_exercise(3, "Texture or edit?",
           "in the untouched lighthouse, set sky_box and rocks_box (top, left, bottom, right) on the sky and on "
           "the rocks, and compute my_sky and my_rocks: the mean error level inside each box at quality 90")
def check_texture(sky_box, rocks_box, my_sky, my_rocks, *, quality: int = 90) -> str:
    photo = sample(LIGHTHOUSE)
    sky, rocks = (_box(_given(b, check_texture.hint), photo) for b in (sky_box, rocks_box))
    mine = [_number(_given(v, check_texture.hint), w) for v, w in ((my_sky, "my_sky"), (my_rocks, "my_rocks"))]
    residual = _ela_residual(LIGHTHOUSE, int(quality))
    shape = (photo.height, photo.width)
    want = [ela_stats(residual, mask=_box_mask(b, shape)).mean for b in (sky, rocks)]
    for label, box, have, should in (("sky", sky, mine[0], want[0]), ("rocks", rocks, mine[1], want[1])):
        if not _close(should, have):
            raise NotYet(f"inside your {label} box {box} at quality {quality} the package gets {should:.2f}, "
                         f"you have {have:.2f}: check the slice, residual[top:bottom, left:right]")
    if want[1] < 3 * max(want[0], 0.01):
        raise NotYet(f"your numbers are right, but your 'rocks' box ({want[1]:.2f}) is not much brighter than your "
                     f"'sky' box ({want[0]:.2f}): put one on the clear sky at the top and one on the rocks at the "
                     "bottom left")
    return (f"the untouched rocks have an error level of {want[1]:.2f}, the untouched sky {want[0]:.2f}: "
            f"{want[1] / max(want[0], 0.01):.0f}× brighter with no edit at all. JPEG rounds fine texture hardest, so "
            "compare like with like: rocks with rocks, sky with sky.")


# --- Part 2: the toolbox ---------------------------------------------------------------------


@_exercise(4, "Run a method by name: where was it copied from?",
           "choose a method name from methods_table(), run it on the copy-move photo "
           "(my_result = run_analysis(my_method, copy_move)) and pass my_result")
def check_clone_method(my_result) -> str:
    result = _given(my_result, check_clone_method.hint)
    if isinstance(result, str):
        raise NotYet(f"that is a name; pass what run_analysis({result!r}, copy_move) returns")
    if not isinstance(result, AnalysisResult):
        raise NotYet(f"pass the result of run_analysis(...), got {type(result).__name__}")
    photo, truth = sample(COPY_MOVE), edit_mask(COPY_MOVE)
    if result.image_size != (photo.height, photo.width):
        raise NotYet(f"this result is for a {result.image_size} photo, not the copy-move sample "
                     f"({photo.height}, {photo.width}): run the method on copy_move")
    spec = _method(result.name)
    if result.mask is None:
        raise NotYet(f"'{spec.name}' makes no yes/no call of its own (its result has no mask), so it cannot say "
                     "'this part is a copy of that one'; look in the 'cloning' family of methods_table()")
    marked = _full(result.mask, result.cell, truth.shape)
    on_copy = float(marked[truth].mean())
    elsewhere = float(marked[~truth].sum()) / float(truth.sum())
    if spec.family != "cloning":
        raise NotYet(f"'{spec.name}' marks {on_copy:.0%} of the pasted copy (a clue worth having), but a "
                     f"{spec.family} method cannot tell where a copy came from: only the 'cloning' family "
                     "compares the photo with itself")
    if on_copy < 0.5:
        raise NotYet(f"'{spec.name}' marks only {on_copy:.0%} of the pasted copy; try the other cloning method")
    return (f"'{spec.name}' marks {on_copy:.0%} of the pasted copy, and an area {elsewhere:.1f}× its size "
            "elsewhere: the window it was copied from. It marks both ends and cannot say which is the copy; "
            "ELA can (only the copy missed the first save).")


@_exercise(5, "Compare two methods on the same photo",
           "choose two (or more) methods that draw a map, run each on the retouched photo with its default "
           "settings and fill my_contrast = {name: inside / outside}, the mean of "
           "result.on_grid(1, suspicion=True) inside the edit mask divided by the mean outside")
def check_comparison(my_contrast) -> str:
    answer = _given(my_contrast, check_comparison.hint)
    if not isinstance(answer, Mapping):
        raise NotYet(f"my_contrast should be a dict of method name -> ratio, got {type(answer).__name__}")
    if len(answer) < 2:
        raise NotYet(f"compare at least two methods; my_contrast has {len(answer)}")
    photo, truth = sample(RETOUCH), edit_mask(RETOUCH)
    specs = [_method(name) for name in answer]
    for spec in specs:
        if not spec.has_heatmap:
            raise NotYet(f"'{spec.name}' draws no map, so it has no inside and outside; pick methods with "
                         "map = True in methods_table()")
    rows = []
    for spec, (name, value) in zip(specs, answer.items()):
        _, _, ratio = suspicion_contrast(run_analysis(spec.name, photo), truth)
        have = _number(value, f"my_contrast[{name!r}]")
        if not _close(ratio, have):
            raise NotYet(f"for '{spec.name}' the package gets inside / outside = {ratio:.2f}, you have "
                         f"{have:.2f}: values = result.on_grid(1, suspicion=True), then "
                         "np.nanmean(values[mask]) / np.nanmean(values[~mask]), default settings")
        _, _, twin = suspicion_contrast(run_analysis(spec.name, sample(LIGHTHOUSE)), truth)
        rows.append((ratio if math.isfinite(ratio) else -1.0, spec.name, twin))
    rows.sort(reverse=True)

    def said(ratio: float, name: str, twin: float) -> str:
        if ratio < 0:
            return f"'{name}' nothing (its map is empty here)"
        return f"'{name}' {ratio:.1f}× (the untouched twin, same area: {twin:.1f}×)" if math.isfinite(twin) else \
            f"'{name}' {ratio:.1f}× (the untouched twin: nothing)"

    return (f"on the retouched lighthouse: {'; '.join(said(*row) for row in rows)}. Like with like: a method "
            "that gives the untouched twin the same ratio is seeing the rocks' texture, not the edit. One photo "
            "is not a benchmark: methods that miss this edit find others.")


CAMERA = "Apple | iPhone 6"


@_exercise(6, "Camera signatures",
           "re-save phone_file as an editor would (decode it, save it again as JPEG at a quality you choose, "
           "keeping its EXIF) and set my_resaved to the new file's bytes")
def check_camera(my_resaved, *, original: bytes | None = None) -> str:
    data = _file_bytes(_given(my_resaved, check_camera.hint), "my_resaved")
    mine = _load(data, "my_resaved")
    phone = load_image(original or camera_original(sample("kodim07_authentic").pixels, camera=CAMERA))
    if _psnr(mine.pixels, phone.pixels) < 25:
        raise NotYet("my_resaved is not the phone's photo saved again (its pixels differ): start from phone_file")
    tables = run_analysis("tables", mine)
    codes = _codes(tables)
    quality = run_analysis("jpeg", mine).details.get("quality")
    if "tables-match-camera" in codes:
        raise NotYet("these are still the iPhone 6's own JPEG tables: the file was not encoded again "
                     "(save the decoded pixels with Pillow or encode_jpeg, don't copy the bytes)")
    if "tables-not-camera" not in codes:
        raise NotYet("your re-save lost the EXIF: no camera is named any more, so the tables have nothing to "
                     "contradict (which is what social networks do to every photo). Keep it, as an editor "
                     "does: .save(buffer, 'JPEG', quality=..., exif=original.info['exif'])")
    return (f"the EXIF still says iPhone 6, but the tables are now standard quality-{quality} tables, not the ones "
            "that camera writes: 'saved again by other software after it left the camera'. Not proof of an "
            "edit, but the end of 'straight from the camera'.")


@_exercise(7, "Content credentials",
           "sign the spliced photo with sign_claim(splice_file, source_type='digitalCapture') as my_signed, "
           "then re-save its pixels as a plain JPEG (my_plain)")
def check_credentials(my_signed, my_plain) -> str:
    signed = _load(_file_bytes(_given(my_signed, check_credentials.hint), "my_signed"), "my_signed")
    if not np.array_equal(signed.pixels, sample(SPLICE).pixels):
        raise NotYet("my_signed should be the spliced photo with credentials added: sign splice_file itself")
    facts = run_analysis("credentials", signed)
    codes = _codes(facts)
    if "credentials-signed" not in codes:
        raise NotYet("my_signed carries no readable content credentials: make it with sign_claim(splice_file, ...)")
    if "source-camera" not in codes:
        raise NotYet("your credentials do not claim a camera capture; use source_type='digitalCapture' to see "
                     "what a false claim looks like when it is signed")
    plain = _load(_file_bytes(_given(my_plain, check_credentials.hint), "my_plain"), "my_plain")
    if _psnr(plain.pixels, signed.pixels) < 30:
        raise NotYet("my_plain should be the same photo saved again (encode_jpeg(load_image(my_signed).pixels, "
                     "quality=90)); its pixels differ from my_signed")
    if "no-credentials" not in _codes(run_analysis("credentials", plain)):
        raise NotYet("my_plain still carries the manifest: re-encode the pixels rather than copying the file")
    return ("the signature verifies (intact, from a signer nobody vouches for) and it declares 'captured by a "
            "camera' about a splice: credentials record what the signer said, not what happened. And one "
            "re-save removed them: 'no credentials' is the normal case and proves nothing either way.")


# --- Part 3: your photo, the dashboard ---------------------------------------------------------


@_exercise(8, "Your own photo",
           "choose a method (own_method) and a box (own_box) on your photo, then compute own_inside and "
           "own_outside: the mean of run_analysis(own_method, mine).on_grid(1, suspicion=True) inside the box "
           "and outside it")
def check_own_photo(photo, own_method, own_box, own_inside, own_outside) -> str:
    if not isinstance(photo, LoadedImage):
        raise NotYet(f"pass your photo as loaded by the upload cell (mine), got {type(photo).__name__}")
    spec = _method(_given(own_method, check_own_photo.hint), "own_method")
    if not spec.has_heatmap:
        raise NotYet(f"'{spec.name}' draws no map; pick a method with map = True")
    box = _box(_given(own_box, check_own_photo.hint), photo)
    inside = _number(_given(own_inside, check_own_photo.hint), "own_inside")
    outside = _number(_given(own_outside, check_own_photo.hint), "own_outside")
    where = _box_mask(box, (photo.height, photo.width))
    want_in, want_out, ratio = suspicion_contrast(run_analysis(spec.name, photo), where)
    if not (_close(want_in, inside) and _close(want_out, outside)):
        raise NotYet(f"for '{spec.name}' in the box {box} the package gets {want_in:.3g} inside and {want_out:.3g} "
                     f"outside, you have {inside:.3g} and {outside:.3g}: values = result.on_grid(1, suspicion=True), "
                     "then np.nanmean over the box and over the rest (~in_box)")
    return (f"'{spec.name}' is {ratio:.2g}× as strong inside your box as outside on {photo.name}. Without a mask "
            "or an untouched twin this is a question, not an answer: does similar content elsewhere in the "
            "photo look the same? Does a second method agree?")


def _quarter(mask: np.ndarray) -> str:
    rows, cols = np.nonzero(mask)
    vertical = "top" if rows.mean() < mask.shape[0] / 2 else "bottom"
    horizontal = "left" if cols.mean() < mask.shape[1] / 2 else "right"
    return f"{vertical}-{horizontal}"


_QUARTER_WORDS = {"upper": "top", "lower": "bottom"}


@_exercise(9, "In the dashboard",
           "open the dashboard, choose the sample 'kodim21 — edited (retouch)' and set dashboard_quality to the "
           "number in the 'JPEG q' column; click Compression, then 'Aligned double JPEG', and set "
           "dashboard_where to the quarter that lights up: 'top-left', 'top-right', 'bottom-left' or 'bottom-right'")
def check_dashboard(dashboard_quality, dashboard_where) -> str:
    photo = sample(RETOUCH)
    quality = run_analysis("jpeg", photo).details["quality"]
    seen = _number(_given(dashboard_quality, check_dashboard.hint), "dashboard_quality")
    if round(seen) != quality:
        raise NotYet(f"the dashboard's 'JPEG q' column (and 'What the file says') shows another number than "
                     f"{seen:g}: look again at the row of kodim21_retouch.jpg")
    where = _given(dashboard_where, check_dashboard.hint)
    if not isinstance(where, str):
        raise NotYet(f"dashboard_where is text, e.g. 'top-left', got {where!r:.60}")
    words = where.strip().lower().replace(" ", "-").replace("_", "-")
    for old, new in _QUARTER_WORDS.items():
        words = words.replace(old, new)
    result = run_analysis("adjpg", photo)
    expected = _quarter(_full(result.mask, result.cell, (photo.height, photo.width)))
    if words != expected:
        raise NotYet(f"the aligned double JPEG map's bright area is not in the {where!r} quarter: open "
                     "Compression → Aligned double JPEG again and answer 'top-left', 'top-right', "
                     "'bottom-left' or 'bottom-right'")
    covered = float(_full(result.mask, result.cell, (photo.height, photo.width))[edit_mask(RETOUCH)].mean())
    return (f"the package computes the same: JPEG quality {quality} (the last save only), and the aligned double "
            f"JPEG map marks the {expected}, {covered:.0%} of the smoothed rocks: blocks that lost the trace of the "
            "first save at 75 when they were smoothed.")


# --- Part 4: the limits ------------------------------------------------------------------------

#: ELA qualities the laundering check tries (the analyst's best case).
SWEEP = (60, 70, 75, 80, 90)
#: Forged contrast / the twin's, through the same pipeline, above which ELA still sees the edit.
TRACE_LEFT = 3.2
TWIN = "kodim03_authentic"


def _laundered(launder, name: str) -> LoadedImage:
    try:
        out = launder(sample_bytes(name))
    except Exception as exc:
        raise NotYet(f"your function raised an error on {name}.jpg: {error_message(exc)}") from None
    return _load(_file_bytes(out, "what my_launder returns"), "the laundered photo")


@_exercise(10, "Launder the evidence",
           "write my_launder(data) -> bytes: take the spliced photo's file, change it as a messaging app would "
           "(resize, re-save at a lower quality) and return the new JPEG file's bytes")
def check_laundering(my_launder) -> str:
    launder = _given(my_launder, check_laundering.hint)
    if not callable(launder):
        raise NotYet(f"my_launder should be a function (def my_launder(data): ...), got {type(launder).__name__}")
    original, photo = sample(SPLICE), _laundered(launder, SPLICE)
    if photo.format != "JPEG":
        raise NotYet(f"return a JPEG file (apps send JPEGs), got a {photo.format}")
    aspect, original_aspect = photo.width / photo.height, original.width / original.height
    if abs(aspect - original_aspect) > 0.03 or min(photo.height, photo.width) < 64:
        raise NotYet(f"keep the whole picture (resize it, don't crop or rotate it, and keep it at least 64 pixels): "
                     f"got {photo.width}×{photo.height} from {original.width}×{original.height}")
    twin = _laundered(launder, TWIN)  # like with like: the untouched twin through the same pipeline
    size = (photo.width, photo.height)
    truth = np.asarray(Image.fromarray(edit_mask(SPLICE)).resize(size, Image.Resampling.NEAREST))
    forged, quality_seen = max((_ela_ratio(photo.pixels, truth, q), q) for q in SWEEP)
    if twin.pixels.shape == photo.pixels.shape:
        untouched = max(_ela_ratio(twin.pixels, truth, q) for q in SWEEP)
    else:  # a pipeline that treats the two photos differently: compare with the twin as shipped
        untouched = max(_ela_ratio(sample(TWIN).pixels, edit_mask(SPLICE), q) for q in SWEEP)
    excess = forged / max(untouched, 1e-9)
    double = run_analysis("adjpg", photo)
    covered = 0.0 if double.mask is None else float(_full(double.mask, double.cell, truth.shape)[truth].mean())
    quality = run_analysis("jpeg", photo).details.get("quality")
    if excess >= TRACE_LEFT or covered >= 0.25:
        raise NotYet(f"the traces survived: re-saved at {quality_seen}, the pasted oval's error level is "
                     f"{excess:.1f}× what the same area of the untouched twin shows after your pipeline, and the "
                     f"aligned double JPEG marks {covered:.0%} of it. A re-save at a high quality keeps them; try a "
                     "lower quality (75 or below), or resizing")
    return (f"after your pipeline ({photo.width}×{photo.height}, JPEG quality {quality}) the oval's error level "
            f"is at most {excess:.1f}× that of the same area of the untouched twin put through it too, and the "
            f"aligned double JPEG marks {covered:.0%} of it: the traces are gone, the parrots are still there. "
            "Every check now says 'no sign of editing', which is not 'authentic'.")
