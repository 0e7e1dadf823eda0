"""What the workshop's learners call: the sample photos and their edit masks, a photo beside an
error-level image or any method's map, the table of methods, a photo from an upload widget, a
camera's own JPEG and a content-credentials signature made with a throwaway key.

Everything here is small glue over the package (``load_image``, ``ela``, the registry,
:mod:`imgfake.display`), so the notebook's cells stay a line or two long.
"""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from ..display import direction_words, display_factor, evidence_image
from ..forensics.ela import ela, ela_image
from ..forensics.registry import available, run_safely
from ..forensics.tables import table_database
from ..io import LoadedImage, load_image
from ..report import jpeg_uri, png_uri
from ..resources import samples_dir
from ..results import AnalysisResult
from ..scan import error_message

__all__ = ["SAMPLES", "sample", "sample_bytes", "edit_mask", "ela_view", "evidence_view", "methods_table",
           "overview", "uploaded_photo", "camera_original", "sign_claim", "WORKSHOP_SIGNER"]

#: Longest side of the images the workshop draws (hover still reads full-size pixel coordinates).
VIEW_SIDE = 640
#: The common name on the certificates :func:`sign_claim` makes.
WORKSHOP_SIGNER = "Workshop Signer (throwaway key)"


def _records() -> dict[str, dict]:
    with open(samples_dir() / "samples.json", encoding="utf-8") as f:
        return {Path(r["file"]).stem: r for r in json.load(f)}


#: The shipped samples by name ("kodim03_splice", ...), as recorded in samples.json.
SAMPLES: dict[str, dict] = _records()


def _stem(name: str) -> str:
    stem = Path(str(name)).stem
    if stem not in SAMPLES:
        raise ValueError(f"no sample named {name!r}; the samples are {', '.join(SAMPLES)}")
    return stem


def sample_bytes(name: str) -> bytes:
    """The file of a shipped sample, e.g. ``sample_bytes("kodim03_splice")``."""
    return (samples_dir() / SAMPLES[_stem(name)]["file"]).read_bytes()


@functools.lru_cache(maxsize=16)
def sample(name: str) -> LoadedImage:
    """A shipped sample photo, loaded: ``sample("kodim03_splice")`` (".jpg" may be given)."""
    stem = _stem(name)
    return load_image(sample_bytes(stem), name=SAMPLES[stem]["file"])


@functools.lru_cache(maxsize=16)
def edit_mask(name: str) -> np.ndarray:
    """Where a forged sample was edited: bool (H, W), True on the edited pixels (read-only)."""
    stem = _stem(name)
    mask_file = SAMPLES[stem].get("mask")
    if not mask_file:
        raise ValueError(f"{stem} is not edited: it has no mask")
    from ..learn.synth import read_mask

    mask = read_mask(samples_dir() / mask_file)
    mask.setflags(write=False)
    return mask


def _check_box(box, height: int, width: int) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) as ints inside the image, or ValueError in words."""
    try:
        values = [float(v) for v in box]
    except (TypeError, ValueError):
        raise ValueError(f"a box is four numbers (top, left, bottom, right), got {box!r}") from None
    if len(values) != 4 or not all(np.isfinite(values)) or any(v != round(v) for v in values):
        raise ValueError(f"a box is four whole numbers (top, left, bottom, right), got {tuple(box)!r}")
    top, left, bottom, right = (int(v) for v in values)
    if not (0 <= top < bottom <= height and 0 <= left < right <= width):
        raise ValueError(
            f"the box {top, left, bottom, right} does not fit this {width}×{height} photo: it is "
            f"(top, left, bottom, right) in pixels, rows first, with 0 ≤ top < bottom ≤ {height} "
            f"and 0 ≤ left < right ≤ {width} (as in pixels[top:bottom, left:right])")
    return top, left, bottom, right


def _pair_figure(photo: np.ndarray, view: np.ndarray, *, factor: int, titles: tuple[str, str],
                 title: str | None, box=None) -> go.Figure:
    """Photo and view side by side on linked axes; hover gives full-size pixel coordinates."""
    fig = make_subplots(rows=1, cols=2, shared_xaxes="all", shared_yaxes="all",
                        horizontal_spacing=0.02, subplot_titles=titles)
    # as data URIs (a JPEG of the photo, a lossless PNG of the view): a tenth of the size of
    # plotly's arrays in a saved notebook; dx, dy keep full-size coordinates for the hover
    sources = ((jpeg_uri(photo), "photo"), (png_uri(view), "view"))
    for col, (source, name) in enumerate(sources, start=1):
        fig.add_trace(go.Image(source=source, dx=factor, dy=factor, x0=(factor - 1) / 2, y0=(factor - 1) / 2,
                               name=name, hovertemplate="row %{y:.0f}, column %{x:.0f}<extra></extra>"),
                      row=1, col=col)
    if box is not None:
        top, left, bottom, right = box
        for col in (1, 2):
            fig.add_shape(type="rect", x0=left, x1=right, y0=top, y1=bottom, row=1, col=col,
                          line={"color": "#00e5ff", "width": 2})
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_yaxes(scaleanchor="x", row=1, col=1)
    fig.update_yaxes(scaleanchor="x2", row=1, col=2)
    fig.update_xaxes(showticklabels=False, constrain="domain")
    height, width = photo.shape[:2]
    fig.update_layout(title=title, height=int(np.clip(420 * height / width + 80, 300, 800)),
                      margin={"l": 10, "r": 10, "t": 60, "b": 10}, template="plotly_white")
    return fig


def _pooled(pixels: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return pixels
    height, width = pixels.shape[0] // factor, pixels.shape[1] // factor
    return np.asarray(Image.fromarray(pixels[: height * factor, : width * factor]).resize(
        (width, height), Image.Resampling.BOX))


def ela_view(photo: LoadedImage, *, quality: int = 90, gain: float = 20.0, box=None,
             title: str | None = None) -> go.Figure:
    """The photo beside its error-level image at `quality` (square-root display, one `gain` for
    every photo so brightness compares); `box` (top, left, bottom, right) is outlined on both."""
    residual = ela(photo.pixels, quality=quality)
    box = None if box is None else _check_box(box, photo.height, photo.width)
    factor = display_factor(photo.height, photo.width, max_side=VIEW_SIDE)
    errors = ela_image(_pooled(residual, factor), gain=gain, mode="sqrt")
    return _pair_figure(_pooled(photo.pixels, factor), errors, factor=factor, box=box,
                        titles=("Photo", f"Error level, re-saved at quality {quality}"),
                        title=title or f"{photo.name} · ELA at quality {quality}")


def evidence_view(photo: LoadedImage, result: AnalysisResult, *, box=None, title: str | None = None) -> go.Figure:
    """The photo beside a method's evidence map, drawn as the dashboard draws it (brighter = more
    suspicious; grey = not analysed). `result` is what ``run_analysis(name, photo)`` returned."""
    if not isinstance(result, AnalysisResult) or result.heatmap is None:
        raise ValueError(f"evidence_view needs the result of a method that draws a map "
                         f"(see methods_table()), got {getattr(result, 'name', result)!r}")
    box = None if box is None else _check_box(box, photo.height, photo.width)
    factor = display_factor(photo.height, photo.width, max_side=VIEW_SIDE)
    rgb, _ = evidence_image(result, factor, height=photo.height, width=photo.width)
    spec = available().get(result.name)
    name = spec.title if spec else result.name
    return _pair_figure(_pooled(photo.pixels, factor)[: rgb.shape[0], : rgb.shape[1]], rgb, factor=factor,
                        box=box, titles=("Photo", name),
                        title=title or f"{photo.name} · {name}: {direction_words(result.direction)}")


def methods_table():
    """Every registered method: name (for ``run_analysis``), family, title, whether it draws a map
    and what it shows, as a pandas DataFrame."""
    import pandas as pd

    rows = [{"name": a.name, "family": a.family, "title": a.title, "map": a.has_heatmap,
             "what it shows": a.description} for a in available().values()]
    return pd.DataFrame(rows).set_index("name")


def overview(photo: LoadedImage):
    """What every quick method says about `photo` (no lenses, nothing heavy): its score, its
    findings' codes and the first finding's words, as a pandas DataFrame. A method that fails
    says so in its row (``run_safely``)."""
    import pandas as pd

    rows = []
    for name, spec in available(heavy=False).items():
        if spec.family == "lens":
            continue
        result = run_safely(name, photo)
        notable = [f for f in result.findings if f.severity != "info"] or list(result.findings)
        rows.append({"name": name, "family": spec.family,
                     "score": None if result.score is None else round(result.score, 3),
                     "findings": ", ".join(f.code for f in result.findings),
                     "says": notable[0].message if notable else ""})
    return pd.DataFrame(rows).set_index("name")


#: The photo exercise 8 falls back to when nothing was uploaded.
FALLBACK_SAMPLE = "kodim07_copy-move.jpg"


def uploaded_photo(upload, *, fallback: str | Path | None = None) -> LoadedImage:
    """The photo in an ``ipywidgets.FileUpload`` widget, or the `fallback` file when nothing was
    uploaded (always the case in a notebook run without a browser); None falls back to the shipped
    sample :data:`FALLBACK_SAMPLE`. Says which it used."""
    files = getattr(upload, "value", None) or ()
    if isinstance(files, dict):  # ipywidgets 7: {name: {"content": ...}}
        files = [{"name": name, **info} for name, info in files.items()]
    for item in list(files)[:1]:
        name = str(item.get("name") or "upload")
        try:
            photo = load_image(bytes(item["content"]), name=name)
        except Exception as exc:  # a bad upload: say why, then use the sample
            print(f"Could not read {name}: {error_message(exc)}")
            break
        print(f"Using your photo {name} ({photo.width}×{photo.height}, {photo.format}).")
        return photo
    fallback = samples_dir() / FALLBACK_SAMPLE if fallback is None else fallback
    photo = load_image(fallback)
    print(f"No photo uploaded: using the sample {Path(fallback).name} instead "
          "(upload one with the button above, then run this cell again).")
    return photo


def camera_original(pixels: np.ndarray, *, camera: str = "Apple | iPhone 6") -> bytes:
    """`pixels` saved as the named camera saves its photos: its own JPEG tables (from imgfake's
    table database) and EXIF naming it. `camera` is "Make | Model" as the database spells it."""
    database = table_database()
    signatures = sorted(database["by_model"].get(camera.lower(), ()))
    if not signatures:
        known = sorted({w for writers in database["cameras"].values() for w in writers})
        raise ValueError(f"no camera {camera!r} in imgfake's table database; it knows: {', '.join(known)}")
    tables = [list(t) for t in database["tables"][signatures[0]]]
    make, model = (part.strip() for part in camera.split("|", 1))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model  # Make, Model
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, np.uint8)).save(buffer, "JPEG", qtables=tables, exif=exif.tobytes(),
                                                       subsampling=2)
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def _throwaway_signer():
    """A root CA and a signing certificate made now, in memory (ES256, valid for a day either
    side): what c2pa accepts, trusted by nobody."""
    from ..forensics.signing import throwaway_pki

    return throwaway_pki(signer_cn=WORKSHOP_SIGNER, signer_org="imgfake workshop", ca_cn="Workshop Root CA",
                         ca_org="imgfake workshop", days=1)


def sign_claim(data: bytes, *, source_type: str = "digitalCapture", software: str = "Imaginary Camera 1.0",
               title: str = "photo.jpg") -> bytes:
    """The JPEG `data` with signed content credentials (C2PA) that say it was made by `software`
    as `source_type` (an IPTC digital source type: "digitalCapture" for a camera,
    "trainedAlgorithmicMedia" for an AI generator, ...). Signed with a key made a moment ago:
    the signature is valid, and nobody vouches for the signer, exactly like a forger's."""
    from ..forensics.signing import IPTC, sign

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"sign_claim signs the bytes of a JPEG file, got {type(data).__name__}")
    definition = {"claim_generator_info": [{"name": "imgfake workshop", "version": "1.0"}], "title": title,
                  "assertions": [{"label": "c2pa.actions", "data": {"actions": [
                      {"action": "c2pa.created", "digitalSourceType": IPTC + source_type,
                       "softwareAgent": {"name": software}}]}}]}
    return sign(bytes(data), definition, _throwaway_signer())
