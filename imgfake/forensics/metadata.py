"""Metadata reading (EXIF, XMP, the embedded EXIF thumbnail) and plain-words findings.

Metadata is a claim made by whatever program wrote the file last: easy to strip or forge, but
often revealing when nobody bothered to (an editor's name in ``Software``, a modification date
days after the photo was taken, a preview thumbnail that still shows the unedited picture).
Reading never raises on malformed metadata: what could be read is kept and the rest is described
in ``Metadata.problems``.

Where it fails: metadata is whatever the last program wrote; social media and messaging apps
strip it, and anyone can write a camera's name and dates into an edited file.
"""

from __future__ import annotations

import html
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime as _datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import ExifTags, Image

from ..results import AnalysisResult, Finding
from ..scan import error_message
from .registry import register

if TYPE_CHECKING:  # imgfake.io imports nothing from here; this keeps the import graph one-way
    from ..io import LoadedImage

__all__ = [
    "Metadata",
    "ThumbnailComparison",
    "read_metadata",
    "compare_thumbnail",
    "metadata_findings",
    "EDITORS",
    "DATE_TOLERANCE_S",
    "ASPECT_TOLERANCE",
    "MEAN_DIFFERENCE_LIMIT",
    "BLOCK_DIFFERENCE_LIMIT",
]

#: Editing, retouching and image-generating programs, matched as words, case-insensitively, in
#: the EXIF Software / ProcessingSoftware tags and the XMP creator tool and history.
EDITORS: tuple[str, ...] = (
    "Photoshop", "Lightroom", "Adobe Firefly", "Camera Raw", "GIMP", "Snapseed", "Facetune",
    "PicsArt", "Meitu", "Pixelmator", "Affinity Photo", "Affinity", "Paint.NET", "Canva",
    "Luminar", "Capture One", "FaceApp", "Remini", "Afterlight", "VSCO", "Picasa", "ACDSee",
    "ImageMagick", "GraphicsMagick", "Photopea", "Fotor", "PaintShop Pro", "Paint Shop Pro",
    "Corel", "darktable", "RawTherapee", "Krita", "Polarr", "Photo Editor", "Midjourney",
    "DALL-E", "DALL·E", "Stable Diffusion",
)  # fmt: skip
_EDITOR_PATTERN = re.compile(
    # Whole names, but a version glued on ("Facetune2") still counts; "Canvas" does not.
    r"(?<![A-Za-z])(" + "|".join(re.escape(name) for name in EDITORS) + r")(?![A-Za-z])",
    re.IGNORECASE,
)

#: Modified and original dates further apart than this (seconds) are reported; cameras write
#: both within the same second, and a minute absorbs slow card writes and rounding.
DATE_TOLERANCE_S = 60.0
#: Relative difference of width/height ratios above which the thumbnail has another shape.
ASPECT_TOLERANCE = 0.03
#: Thumbnail vs downscaled image, mean absolute difference on 0..255 after a light blur.
#: Unchanged images score below 5 whatever filter and JPEG quality made the thumbnail
#: (tests/test_metadata.py measures it); brightening the picture by 20 levels scores about 20.
MEAN_DIFFERENCE_LIMIT = 12.0
#: Same, for the worst square window (1/8 of the thumbnail's shorter side): catches local edits
#: that the whole-image mean dilutes. Unchanged images score below 14; a painted or copied
#: region a tenth of the picture's width scores above 60 (tests/test_metadata.py).
BLOCK_DIFFERENCE_LIMIT = 35.0

_EXIF_HEADER = b"Exif\x00\x00"
_DATE_FORMATS = ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
# Pillow transposes that undo each EXIF orientation (as ImageOps.exif_transpose does).
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}
_XMP_FIELDS = {
    "creator_tool": "xmp:CreatorTool",
    "agents": "stEvt:softwareAgent",
}


@dataclass(frozen=True)
class Metadata:
    """What a file's EXIF and XMP metadata claim, plus anything that could not be read.

    Attributes
    ----------
    has_exif : bool
        An EXIF block is present (even if parts of it could not be read).
    make, model, software, artist, copyright, lens : str or None
        EXIF text tags, stripped of padding.
    datetime : str or None
        EXIF ``DateTime`` (0x0132): when the file was last changed, per the writing program.
    datetime_original, datetime_digitized : str or None
        EXIF ``DateTimeOriginal`` (0x9003, when the photo was taken) and ``DateTimeDigitized``.
    gps_present : bool
        The file carries a GPS block with at least one entry.
    exposure_time, f_number, focal_length : float or None
        Seconds, f-stop and millimetres.
    iso : int or None
        ISO speed.
    processing_software : str or None
        EXIF ``ProcessingSoftware`` (0x000B).
    xmp_creator_tool : str or None
        ``xmp:CreatorTool`` from the XMP packet.
    xmp_history_agents : tuple of str
        Distinct ``stEvt:softwareAgent`` values of the XMP edit history, in order.
    thumbnail : ndarray of uint8, shape (h, w, 3), or None
        The embedded EXIF JPEG thumbnail, with the image's orientation applied so that it lines
        up with ``LoadedImage.pixels``.
    problems : tuple of str
        What could not be read, in plain words; empty for clean metadata.
    """

    has_exif: bool = False
    make: str | None = None
    model: str | None = None
    software: str | None = None
    processing_software: str | None = None
    artist: str | None = None
    copyright: str | None = None
    datetime: str | None = None
    datetime_original: str | None = None
    datetime_digitized: str | None = None
    gps_present: bool = False
    lens: str | None = None
    exposure_time: float | None = None
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None
    xmp_creator_tool: str | None = None
    xmp_history_agents: tuple[str, ...] = ()
    thumbnail: np.ndarray | None = field(default=None, repr=False, compare=False)
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary; the thumbnail is given as its size only."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "thumbnail":
                value = None if value is None else {
                    "width": int(value.shape[1]), "height": int(value.shape[0])}
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


@dataclass(frozen=True)
class ThumbnailComparison:
    """How an embedded thumbnail compares with the image downscaled to the thumbnail's size.

    Attributes
    ----------
    aspect_difference : float
        ``|a_image - a_thumb| / a_image`` for width/height ratios ``a`` (after removing black
        letterbox bars that some cameras add).
    mean_difference : float
        Mean absolute difference, 0..255, over the whole thumbnail.
    worst_block_difference : float
        The largest mean absolute difference of a square block (1/8 of the shorter side).
    """

    aspect_difference: float
    mean_difference: float
    worst_block_difference: float

    @property
    def differs(self) -> bool:
        """True when the shape or the content differs beyond the module's limits."""
        return (self.aspect_difference > ASPECT_TOLERANCE
                or self.mean_difference > MEAN_DIFFERENCE_LIMIT
                or self.worst_block_difference > BLOCK_DIFFERENCE_LIMIT)


# ---------------------------------------------------------------------------------------------
# Reading


def read_metadata(image: LoadedImage) -> Metadata:
    """Read EXIF, XMP and the EXIF thumbnail of a loaded image without ever raising on them.

    Parameters
    ----------
    image : LoadedImage
        From :func:`imgfake.io.load_image`; uses ``exif`` (raw block starting at the TIFF
        header; a leading ``b"Exif\\0\\0"`` is tolerated), ``xmp`` and ``orientation``.

    Returns
    -------
    Metadata
        The fields that could be read; ``problems`` says what could not.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> read_metadata(SimpleNamespace(exif=None, xmp=None, orientation=1)).has_exif
    False
    """
    problems: list[str] = []
    fields: dict[str, Any] = {}
    exif_block = getattr(image, "exif", None)
    if exif_block:
        data = bytes(exif_block).removeprefix(_EXIF_HEADER)
        fields.update(_exif_fields(data, problems))
        thumbnail = fields.pop("_thumbnail_bytes", None)
        if thumbnail is not None:
            fields["thumbnail"] = _decode_thumbnail(
                thumbnail, orientation=getattr(image, "orientation", 1), problems=problems)
    xmp = getattr(image, "xmp", None)
    if xmp:
        fields.update(_xmp_fields(bytes(xmp)))
    for name in ("datetime", "datetime_original", "datetime_digitized"):
        if fields.get(name) and _parse_date(fields[name]) is None:
            problems.append(f"{name} {fields[name]!r} is not a valid date")
    return Metadata(has_exif=bool(exif_block), problems=tuple(problems), **fields)


def _exif_fields(data: bytes, problems: list[str]) -> dict[str, Any]:
    """Tag values from IFD0, the Exif IFD, the GPS IFD and the thumbnail bytes from IFD1."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ifd0, sub, gps, ifd1 = _exif_ifds(data, problems)
    problems.extend(dict.fromkeys(f"Damaged EXIF: {str(w.message).strip()}" for w in caught))
    return {
        "make": _text(ifd0.get(0x010F)), "model": _text(ifd0.get(0x0110)),
        "software": _text(ifd0.get(0x0131)), "processing_software": _text(ifd0.get(0x000B)),
        "artist": _text(ifd0.get(0x013B)), "copyright": _text(ifd0.get(0x8298)),
        "datetime": _text(ifd0.get(0x0132)),
        "datetime_original": _text(sub.get(0x9003)), "datetime_digitized": _text(sub.get(0x9004)),
        "lens": _text(sub.get(0xA434)) or _text(sub.get(0xA433)),
        "exposure_time": _number(sub.get(0x829A)), "f_number": _number(sub.get(0x829D)),
        "focal_length": _number(sub.get(0x920A)), "iso": _integer(sub.get(0x8827)),
        "gps_present": bool(gps),
        "_thumbnail_bytes": _thumbnail_bytes(data, ifd1, problems),
    }


def _exif_ifds(data: bytes, problems: list[str]) -> list[dict[int, Any]]:
    """IFD0, Exif, GPS and IFD1 (thumbnail) tag dictionaries; empty where unreadable."""
    exif = Image.Exif()

    def load_main() -> dict[int, Any]:
        exif.load(data)
        return dict(exif.items())

    ifd0 = _read_ifd(load_main, "main EXIF", problems)
    if ifd0 is None:
        return [{}, {}, {}, {}]
    subs = ((ExifTags.IFD.Exif, "Exif"), (ExifTags.IFD.GPSInfo, "GPS"),
            (ExifTags.IFD.IFD1, "thumbnail"))
    return [ifd0] + [_read_ifd(lambda tag=tag: exif.get_ifd(tag), label, problems) or {}
                     for tag, label in subs]


def _read_ifd(
    read: Callable[[], Any], label: str, problems: list[str]
) -> dict[int, Any] | None:
    """The tag dictionary `read` returns, or None (and a problem noted) when reading fails."""
    # Pillow raises many kinds of errors on damaged EXIF (SyntaxError, struct.error, ...).
    try:
        return dict(read() or {})
    except Exception as exc:  # noqa: BLE001 - any failure is recorded, never raised
        problems.append(f"The {label} block could not be read: {error_message(exc)}")
        return None


def _thumbnail_bytes(data: bytes, ifd1: dict[int, Any], problems: list[str]) -> bytes | None:
    offset, length = _integer(ifd1.get(0x0201)), _integer(ifd1.get(0x0202))
    if offset is None or length is None:
        return None  # no JPEG thumbnail (none at all, or an uncommon uncompressed one)
    if offset <= 0 or length <= 0 or offset + length > len(data):
        problems.append(
            f"The EXIF thumbnail points outside the EXIF block (offset {offset}, length "
            f"{length}, block of {len(data)} bytes)")
        return None
    return data[offset:offset + length]


def _decode_thumbnail(data: bytes, *, orientation: int, problems: list[str]) -> np.ndarray | None:
    try:
        with Image.open(io.BytesIO(data)) as thumb:
            if thumb.width * thumb.height > 4_000_000:
                raise ValueError(f"{thumb.width}x{thumb.height} is too large for a thumbnail")
            rgb = thumb.convert("RGB")
    except Exception as exc:  # noqa: BLE001 - a broken thumbnail is a problem, not a crash
        problems.append(f"The EXIF thumbnail could not be decoded: {error_message(exc)}")
        return None
    transpose = _ORIENTATION_TRANSPOSE.get(orientation)
    if transpose is not None:
        rgb = rgb.transpose(transpose)
    return np.asarray(rgb, dtype=np.uint8)


def _xmp_fields(packet: bytes) -> dict[str, Any]:
    """``xmp:CreatorTool`` and the history's software agents, found with regular expressions."""
    encoding = "utf-16" if packet[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    text = packet.decode(encoding, errors="replace")
    values = {key: _xmp_values(text, name) for key, name in _XMP_FIELDS.items()}
    creator = values["creator_tool"]
    return {
        "xmp_creator_tool": creator[0] if creator else None,
        "xmp_history_agents": tuple(dict.fromkeys(values["agents"])),
    }


def _xmp_values(text: str, name: str) -> list[str]:
    # XMP writes simple properties either as attributes or as elements.
    quoted = re.escape(name)
    pattern = rf"{quoted}\s*=\s*(?:\"([^\"]*)\"|'([^']*)')|<{quoted}>([^<]*)</{quoted}>"
    found = (next(group for group in match.groups() if group is not None)
             for match in re.finditer(pattern, text))
    return [html.unescape(value).strip() for value in found if value.strip()]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, tuple):
        value = " ".join(str(part) for part in value)
    text = str(value).replace("\x00", " ").strip()
    return text or None


def _number(value: Any) -> float | None:
    if isinstance(value, tuple):
        value = value[0] if value else None
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if np.isfinite(number) else None


def _integer(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _parse_date(text: str | None) -> _datetime | None:
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return _datetime.strptime(text[:19], fmt)
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------------------------------------
# Thumbnail comparison


def compare_thumbnail(pixels: np.ndarray, *, thumbnail: np.ndarray) -> ThumbnailComparison:
    """Compare an image with its embedded thumbnail, downscaling the image to the thumbnail.

    Both are blurred lightly (3×3 box) before the absolute difference, so that resampling and
    JPEG noise of a faithful thumbnail stay small while a changed region stands out.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
        The image, orientation applied.
    thumbnail : ndarray of uint8, shape (h, w, 3)
        The decoded thumbnail, same orientation (``Metadata.thumbnail``).

    Returns
    -------
    ThumbnailComparison
        Shape difference and mean / worst-block absolute differences on a 0..255 scale.

    Raises
    ------
    ValueError
        If either array is not uint8 H×W×3 with at least 8 pixels per side.
    """
    for name, array in (("pixels", pixels), ("thumbnail", thumbnail)):
        array = np.asarray(array)
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3 or min(
            array.shape[:2]
        ) < 8:
            raise ValueError(
                f"{name} must be a uint8 array of shape (H, W, 3) with H, W >= 8, got "
                f"{array.dtype} of shape {array.shape}")
    thumb = _trim_letterbox(np.asarray(thumbnail), aspect=pixels.shape[1] / pixels.shape[0])
    aspect_difference = _aspect_difference(pixels.shape, thumb.shape)
    size = (thumb.shape[1], thumb.shape[0])
    small = Image.fromarray(pixels).resize(size, Image.Resampling.BOX, reducing_gap=3.0)
    difference = np.abs(_blurred(np.asarray(small)) - _blurred(thumb)).mean(axis=2)
    return ThumbnailComparison(
        aspect_difference=float(aspect_difference),
        mean_difference=float(difference.mean()),
        worst_block_difference=_worst_block(difference),
    )


def _aspect_difference(image_shape: tuple[int, ...], thumb_shape: tuple[int, ...]) -> float:
    image_aspect = image_shape[1] / image_shape[0]
    return abs(image_aspect - thumb_shape[1] / thumb_shape[0]) / image_aspect


def _trim_letterbox(thumb: np.ndarray, *, aspect: float) -> np.ndarray:
    """Drop near-black bars around the thumbnail when that brings its shape closer to `aspect`."""
    # A bar row's mean stays below 20 even where JPEG ringing from the picture leaks into it;
    # trimming is kept only if it improves the shape, so dark picture edges are left alone.
    content_rows = np.flatnonzero(thumb.mean(axis=(1, 2)) > 20)
    content_cols = np.flatnonzero(thumb.mean(axis=(0, 2)) > 20)
    if content_rows.size < 8 or content_cols.size < 8:
        return thumb
    trimmed = thumb[content_rows[0]:content_rows[-1] + 1, content_cols[0]:content_cols[-1] + 1]
    shape = (1, aspect)
    if _aspect_difference(shape, trimmed.shape) < _aspect_difference(shape, thumb.shape):
        return trimmed
    return thumb


def _blurred(rgb: np.ndarray) -> np.ndarray:
    padded = np.pad(rgb.astype(np.float32), ((1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = rgb.shape[:2]
    return sum(padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / 9.0


def _worst_block(difference: np.ndarray) -> float:
    """Largest mean over every square window (1/8 of the shorter side), wherever it lies."""
    size = max(min(difference.shape) // 8, 2)
    integral = np.pad(difference.astype(np.float64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    sums = (integral[size:, size:] - integral[:-size, size:]
            - integral[size:, :-size] + integral[:-size, :-size])
    return float(sums.max() / size**2)


# ---------------------------------------------------------------------------------------------
# Findings


def metadata_findings(meta: Metadata, image: LoadedImage | None = None) -> list[Finding]:
    """Plain-words findings from a file's metadata.

    Parameters
    ----------
    meta : Metadata
        From :func:`read_metadata`.
    image : LoadedImage, optional
        The same image; needed for ``no-metadata`` (its ``format``) and ``thumbnail-differs``
        (its ``pixels``). Without it those two checks are skipped.

    Returns
    -------
    list of Finding
        Codes: ``camera`` (info), ``software-named`` (warning for an editor, info otherwise),
        ``dates-disagree`` (notice), ``thumbnail-differs`` (warning), ``no-metadata`` (notice,
        JPEG only), ``metadata-unreadable`` (info).

    Raises
    ------
    ValueError
        If `meta` is not a :class:`Metadata`.
    """
    if not isinstance(meta, Metadata):
        raise ValueError(f"meta must be a Metadata from read_metadata(), got {type(meta).__name__}")
    checks = (_camera_finding(meta), _software_finding(meta), _dates_finding(meta),
              _thumbnail_finding(meta, image), _no_metadata_finding(meta, image),
              _problems_finding(meta))
    return [finding for finding in checks if finding is not None]


def _camera_finding(meta: Metadata) -> Finding | None:
    make, model = meta.make or "", meta.model or ""
    name = model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    if not name:
        return None
    return Finding("camera", "info",
                   f"The file names the camera as {name}, a claim that metadata editors can "
                   "change, so treat it as a clue rather than proof.")


def _software_finding(meta: Metadata) -> Finding | None:
    named = [meta.software, meta.processing_software, meta.xmp_creator_tool,
             *meta.xmp_history_agents]
    named = list(dict.fromkeys(name for name in named if name))
    if not named:
        return None
    editors = [name for name in named if _EDITOR_PATTERN.search(name)]
    if editors:
        return Finding("software-named", "warning",
                       f"The file names editing software ({'; '.join(editors)}), so it was "
                       "opened and saved in an editor, which does not prove the content was "
                       "changed but means the pixels may not be as the camera recorded them.")
    return Finding("software-named", "info",
                   f"The file names the software that wrote it ({'; '.join(named)}), which is "
                   "not a known editor and is most likely the camera's or phone's firmware.")


def _dates_finding(meta: Metadata) -> Finding | None:
    modified = _parse_date(meta.datetime)
    taken_text = meta.datetime_original or meta.datetime_digitized
    taken = _parse_date(taken_text)
    if modified is None or taken is None:
        return None
    seconds = (modified - taken).total_seconds()
    if abs(seconds) <= DATE_TOLERANCE_S:
        return None
    gap = _duration(abs(seconds))
    if seconds > 0:
        message = (f"The file was last changed {gap} after the photo was taken ({meta.datetime} "
                   f"vs {taken_text}), which usually means a program saved it again after it "
                   "left the camera.")
    else:
        message = (f"The file's 'changed' date is {gap} before the photo was taken "
                   f"({meta.datetime} vs {taken_text}), which an untouched camera file cannot "
                   "show, so its dates were edited or its clock was wrong.")
    return Finding("dates-disagree", "notice", message)


def _duration(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{int(seconds)} seconds"


def _thumbnail_finding(meta: Metadata, image: LoadedImage | None) -> Finding | None:
    pixels = getattr(image, "pixels", None)
    if meta.thumbnail is None or pixels is None:
        return None
    if min(np.asarray(pixels).shape[:2]) < 8 or min(np.asarray(meta.thumbnail).shape[:2]) < 8:
        return Finding("thumbnail-not-compared", "info",
                       "The file carries a small preview, but the picture or the preview is under "
                       "8 pixels on a side, too small to compare them.")
    comparison = compare_thumbnail(np.asarray(pixels), thumbnail=meta.thumbnail)
    if comparison.aspect_difference > ASPECT_TOLERANCE:
        return Finding("thumbnail-differs", "warning",
                       "The small preview stored inside the file has a different shape from the "
                       "picture, which suggests the picture was cropped after the preview was "
                       "made.")
    if comparison.differs:
        return Finding("thumbnail-differs", "warning",
                       "The small preview stored inside the file does not match the picture "
                       f"(worst area differs by {comparison.worst_block_difference:.0f} of 255 "
                       "levels), which suggests the picture was changed after the preview was "
                       "made.")
    return None


def _no_metadata_finding(meta: Metadata, image: LoadedImage | None) -> Finding | None:
    if meta.has_exif or getattr(image, "format", None) not in ("JPEG", "MPO"):
        return None
    return Finding("no-metadata", "notice",
                   "The JPEG carries no camera metadata (EXIF), which is common after social "
                   "media, messaging apps or editors strip it and is not proof of editing, but it "
                   "removes evidence about where the picture came from.")


def _problems_finding(meta: Metadata) -> Finding | None:
    if not meta.problems:
        return None
    count = len(meta.problems)
    return Finding("metadata-unreadable", "info",
                   f"{count} part{'s' if count > 1 else ''} of the file's metadata could not be "
                   "read (see the metadata problems for details), which happens with damaged "
                   "files and with some programs that rewrite metadata, so trust it less.")


@register(
    "metadata",
    title="Metadata",
    family="metadata",
    description="Reads EXIF/XMP: camera, editing software, dates and the embedded thumbnail.",
    needs=("metadata",),
)
def metadata_analysis(image) -> AnalysisResult:
    """Metadata read from the file, and the findings it supports."""
    meta = read_metadata(image)
    return AnalysisResult(name="metadata", findings=tuple(metadata_findings(meta, image)),
                          details=meta.to_dict())
