"""Safe image loading: the only door from bytes to pixels.

Every other part of imgfake works on the :class:`LoadedImage` record this module returns, so
the checks live in one place: empty and truncated files, non-image bytes, formats we refuse to
parse, decompression bombs (refused from the header, before any pixel is decoded), multi-frame
files and the odd modes (CMYK, 16-bit, palette, greyscale, alpha) that must become honest
8-bit RGB.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

__all__ = [
    "ImageLoadError",
    "JpegInfo",
    "LoadedImage",
    "load_image",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_FORMATS",
    "IMAGE_EXTENSIONS",
    "SUBSAMPLINGS",
    "check_rgb8",
    "check_quality",
    "check_subsampling",
    "encode_jpeg",
]

#: Largest image (width × height) decoded by default: a 64-megapixel photo needs ~190 MB as RGB
#: and ~770 MB as a float32 ELA residual. Override with ``max_pixels=`` or IMGFAKE_MAX_PIXELS.
DEFAULT_MAX_PIXELS = int(os.environ.get("IMGFAKE_MAX_PIXELS", 64_000_000))
#: Largest encoded file read by default (bytes). Override with ``max_bytes=`` or IMGFAKE_MAX_BYTES.
DEFAULT_MAX_BYTES = int(os.environ.get("IMGFAKE_MAX_BYTES", 100 * 1024 * 1024))

#: Formats imgfake decodes. Pillow can identify more (EPS would run Ghostscript, for example);
#: anything else is refused with a message instead of being handed to a risky decoder.
SUPPORTED_FORMATS = ("JPEG", "MPO", "PNG", "TIFF", "BMP", "WEBP", "GIF", "PPM", "TGA")

_EXTENSIONS = {
    ".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".jfif": "JPEG", ".mpo": "JPEG",
    ".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP", ".webp": "WEBP",
    ".gif": "GIF", ".ppm": "PPM", ".pgm": "PPM", ".pbm": "PPM", ".tga": "TGA",
}
#: File extensions of the formats imgfake decodes (lower case, with the dot).
IMAGE_EXTENSIONS = frozenset(_EXTENSIONS)

# Signatures of common non-image files, so the error can say what was received.
_NON_IMAGE_SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"GIF8", "a GIF image"),
    (b"\x00\x00\x00\x18ftyp", "an MP4/HEIC container"),
    (b"\x00\x00\x00\x1cftyp", "an MP4/HEIC container"),
    (b"\x00\x00\x00 ftyp", "an MP4/HEIC container"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"ID3", "an MP3 audio file"),
    (b"RIFF", "a RIFF container (WAV/AVI/WebP)"),
)


class ImageLoadError(ValueError):
    """Raised for any input imgfake cannot turn into pixels; the message says what to do."""


@dataclass(frozen=True)
class JpegInfo:
    """What the JPEG container says about how the file was compressed.

    Attributes
    ----------
    quantization : dict of int to tuple of int
        Quantisation tables by table id, 64 values each in natural (row-major) order.
    subsampling : str
        Chroma subsampling: ``"4:4:4"``, ``"4:2:2"``, ``"4:2:0"`` or ``"unknown"``.
    progressive : bool
        Whether the file is a progressive JPEG.
    """

    quantization: dict[int, tuple[int, ...]]
    subsampling: str
    progressive: bool


@dataclass(frozen=True)
class LoadedImage:
    """Decoded pixels plus everything forensics needs to know about the file.

    Attributes
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
        RGB pixels with the EXIF orientation applied.
    format : str
        Container format as Pillow names it (an MPO phone photo is reported as ``"JPEG"``).
    mode : str
        The file's original Pillow mode, before conversion to RGB.
    n_bytes, sha256 : int, str
        Size and SHA-256 of the encoded bytes.
    name : str or None
        A display name only; it is never used as a path.
    n_frames, orientation : int
        Frames in the file (the first is decoded) and the EXIF orientation that was applied.
    jpeg : JpegInfo or None
        Compression facts for JPEG files.
    exif, xmp : bytes or None
        The raw EXIF block (starting at the TIFF header) and XMP packet, for ``imgfake.metadata``.
    info : dict
        Other facts of interest (``icc_profile`` presence, ``dpi``, ``comment``, and ``text``:
        PNG/WebP text chunks by key, each cut at 64 KB).
    notes : tuple of str
        What loading did to the image, in plain words (conversions, first frame taken, ...).
    undecoded : ndarray of bool, shape (H, W), or None
        For a truncated JPEG, the pixels the file did not hold (drawn mid-grey, never analysed:
        every analysis' map is NaN there); None when the whole image decoded.
    data : bytes or None
        The encoded file, for analyses that read it again (the JPEG's own DCT coefficients,
        content credentials). None when the record was built from pixels alone.
    """

    pixels: np.ndarray
    format: str
    mode: str
    n_bytes: int
    sha256: str
    name: str | None = None
    n_frames: int = 1
    orientation: int = 1
    jpeg: JpegInfo | None = None
    exif: bytes | None = None
    xmp: bytes | None = None
    info: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    undecoded: np.ndarray | None = field(default=None, repr=False)
    data: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def resave_subsampling(self) -> str:
        """Chroma subsampling for an ELA re-save: the file's own for JPEGs, else "4:2:0"."""
        if self.jpeg is not None and self.jpeg.subsampling != "unknown":
            return self.jpeg.subsampling
        return "4:2:0"

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6

    def summary(self) -> dict:
        """JSON-safe description of the file (no pixels)."""
        out = {
            "name": self.name,
            "format": self.format,
            "mode": self.mode,
            "width": self.width,
            "height": self.height,
            "n_bytes": self.n_bytes,
            "sha256": self.sha256,
            "n_frames": self.n_frames,
            "orientation": self.orientation,
            "has_exif": self.exif is not None,
            "notes": list(self.notes),
        }
        if self.jpeg is not None:
            out["jpeg"] = {
                "subsampling": self.jpeg.subsampling,
                "progressive": self.jpeg.progressive,
                "n_quantization_tables": len(self.jpeg.quantization),
            }
        return out


def load_image(
    source: str | os.PathLike | bytes | bytearray | memoryview | BinaryIO,
    *,
    name: str | None = None,
    max_pixels: int | None = None,
    max_bytes: int | None = None,
) -> LoadedImage:
    """Decode an image safely into 8-bit RGB pixels and forensic facts.

    Parameters
    ----------
    source : path, bytes or binary file object
        The encoded image. Bytes from an upload are passed directly; they never touch disk.
    name : str, optional
        Display name used in messages (defaults to the file name of a path source).
    max_pixels : int, optional
        Refuse images with more pixels than this, judged from the header before decoding
        (decompression-bomb guard). Default :data:`DEFAULT_MAX_PIXELS`.
    max_bytes : int, optional
        Refuse encoded files larger than this. Default :data:`DEFAULT_MAX_BYTES`.

    Returns
    -------
    LoadedImage

    Raises
    ------
    ImageLoadError
        For an empty, truncated, corrupt, oversized or non-image input, or an unsupported
        format. The message names the input and says what to do.

    Examples
    --------
    >>> import io, numpy as np
    >>> from PIL import Image
    >>> buf = io.BytesIO()
    >>> Image.new("RGB", (32, 16), "red").save(buf, "JPEG")
    >>> img = load_image(buf.getvalue(), name="red.jpg")
    >>> img.pixels.shape, img.format
    ((16, 32, 3), 'JPEG')
    """
    max_pixels = DEFAULT_MAX_PIXELS if max_pixels is None else int(max_pixels)
    max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else int(max_bytes)
    data, name, extension = _read_source(source, name=name, max_bytes=max_bytes)
    label = repr(name) if name else "the input"
    if not data:
        raise ImageLoadError(f"{label} is empty (0 bytes): choose a JPEG, PNG, TIFF or WebP image.")

    with warnings.catch_warnings():
        # Pillow's own bomb check warns at half its limit; ours is explicit, so keep quiet.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return _decode(data, name=name, label=label, extension=extension, max_pixels=max_pixels)
        except ImageLoadError:
            raise
        except MemoryError:
            raise ImageLoadError(
                f"{label} ({len(data):,} bytes) is too large to decode in the memory available: "
                "downscale it, or lower max_pixels (IMGFAKE_MAX_PIXELS) to refuse such files early."
            ) from None
        except Exception as exc:  # Pillow's plug-ins raise many types on crafted files
            raise ImageLoadError(
                f"{label} could not be read ({len(data):,} bytes): {str(exc).strip() or 'malformed data'}. "
                "The file is probably corrupt or uses a variant imgfake cannot read; re-export it "
                "as PNG or JPEG."
            ) from exc


def _decode(data: bytes, *, name: str | None, label: str, extension: str, max_pixels: int) -> LoadedImage:
    pil = _open(data, label=label, extension=extension, max_pixels=max_pixels)
    notes: list[str] = []
    fmt = "JPEG" if pil.format == "MPO" else pil.format
    _check_extension(extension, fmt, notes)
    _check_size(pil, label=label, max_pixels=max_pixels)

    n_frames = int(getattr(pil, "n_frames", 1) or 1)
    if n_frames > 1:
        notes.append(f"The file holds {n_frames} frames; the first one was analysed.")
        pil.seek(0)
    jpeg = _jpeg_info(pil) if fmt == "JPEG" else None
    exif = _exif_bytes(pil)
    xmp = _xmp_bytes(pil)
    info = _info(pil)
    mode = pil.mode
    undecoded = None
    try:
        pil.load()
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, ...
        partial = None
        if fmt == "JPEG" and "truncated" in str(exc) and not (jpeg and jpeg.progressive):
            partial = _load_truncated_jpeg(data, label=label, max_pixels=max_pixels, jpeg=jpeg)
        if partial is not None and partial[1].mean() <= MAX_UNDECODED_FRACTION:
            pil, undecoded = partial
        else:
            if fmt == "JPEG" and jpeg and jpeg.progressive and "truncated" in str(exc):
                held = (" (a progressive JPEG: every part of the picture lost detail, so no part of "
                        "it can be analysed)")
            else:
                held = "" if partial is None else f" (it holds only {1 - partial[1].mean():.0%} of the picture)"
            raise ImageLoadError(
                f"{label} could not be decoded ({fmt}, {len(data):,} bytes): {exc}{held}. The file "
                "is probably truncated or corrupt; re-export or re-download it."
            ) from exc
    orientation = _orientation(pil)
    if orientation in range(2, 9):
        pil = ImageOps.exif_transpose(pil)
        notes.append(f"EXIF orientation {orientation} applied (the image was rotated/flipped).")
        if undecoded is not None:
            undecoded = _oriented(undecoded, orientation)
    elif orientation not in (0, 1):
        notes.append(f"The EXIF orientation tag holds {orientation}, which is not a valid value; "
                     "the image is shown as stored.")
    pixels = _to_rgb8(pil, mode, notes)
    if undecoded is not None:
        undecoded.setflags(write=False)
        notes.append(f"The file ends early: {undecoded.mean():.0%} of the picture could not be decoded; "
                     "that part is drawn grey and is not analysed.")

    return LoadedImage(
        pixels=pixels,
        format=fmt,
        mode=mode,
        n_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        name=name,
        n_frames=n_frames,
        orientation=orientation or 1,
        jpeg=jpeg,
        exif=exif,
        xmp=xmp,
        info=info,
        notes=tuple(notes),
        undecoded=undecoded,
        data=data,
    )


#: A truncated JPEG is analysed when at most this share of its pixels is missing.
MAX_UNDECODED_FRACTION = 0.5


def _load_truncated_jpeg(data: bytes, *, label: str, max_pixels: int,
                         jpeg: JpegInfo | None) -> tuple[Image.Image, np.ndarray] | None:
    """Decode what a truncated baseline JPEG holds, and mark what it does not.

    With an end-of-image marker appended, libjpeg decodes the MCUs the data holds and fills the
    rest, a suffix of the MCUs in raster order, with one flat colour. That suffix is found MCU by
    MCU (an MCU counts as filled when 90 % of its pixels have the fill colour: chroma smoothing
    blurs the border), and the two MCUs before it are marked too (the last bits before the cut
    decode to garbage).
    """
    try:
        pil = _open(data + b"\xff\xd9", label=label, extension=".jpg", max_pixels=max_pixels)
        pil.load()
    except Exception:  # cut inside the headers: nothing to decode
        return None
    native = np.asarray(pil)
    native = native[..., None] if native.ndim == 2 else native
    h, w = native.shape[:2]
    mh, mw = {"4:2:0": (16, 16), "4:2:2": (8, 16)}.get(jpeg.subsampling if jpeg else "", (8, 8))
    if native.shape[2] == 1:
        mh, mw = 8, 8
    fill = native[-1, -1].astype(np.int16)
    close = (np.abs(native.astype(np.int16) - fill) <= 2).all(axis=2)
    rows, cols = -(-h // mh), -(-w // mw)
    padded = np.zeros((rows * mh, cols * mw), bool)
    padded[:h, :w] = close
    padded[h:, :] = True
    padded[:, w:] = True
    filled = padded.reshape(rows, mh, cols, mw).mean(axis=(1, 3)).ravel() >= 0.9
    first = len(filled)
    while first > 0 and filled[first - 1]:
        first -= 1
    # the MCU the data stopped in is decoded only in part, and the entropy-coded bits just
    # before the cut can already be garbage: two MCUs more are not trusted
    first = max(0, first - 2)
    mcu = np.zeros(rows * cols, bool)
    mcu[first:] = True
    undecoded = np.repeat(np.repeat(mcu.reshape(rows, cols), mh, axis=0), mw, axis=1)[:h, :w]
    if (mh, mw) != (8, 8):  # upsampled chroma blends the fill into the pixels next to it
        grown = undecoded.copy()
        for d in (1, 2, 3, 4):
            grown[:-d] |= undecoded[d:]
            grown[:, :-d] |= undecoded[:, d:]
        undecoded = grown
    return pil, np.ascontiguousarray(undecoded)


def orient(array: np.ndarray, orientation: int) -> np.ndarray:
    """`array` (its first two axes) turned like ``ImageOps.exif_transpose`` turns the image.

    For maps computed on the file's stored layout (a JPEG's DCT blocks), so they line up with
    :attr:`LoadedImage.pixels`. Orientation 1 (or any value outside 2–8) returns it as is.
    """
    if orientation not in range(2, 9):
        return array
    swap = lambda m: np.swapaxes(m, 0, 1)  # noqa: E731 - transpose of the first two axes
    ops = {2: (lambda m: m[:, ::-1],), 3: (lambda m: m[::-1, ::-1],), 4: (lambda m: m[::-1],),
           5: (swap,), 6: (lambda m: np.rot90(m, -1),), 7: (lambda m: swap(m[::-1, ::-1]),),
           8: (lambda m: np.rot90(m, 1),)}[orientation]
    for op in ops:
        array = op(array)
    return np.ascontiguousarray(array)


def _oriented(mask: np.ndarray, orientation: int) -> np.ndarray:
    """A bool `mask` turned like ``ImageOps.exif_transpose`` turns the image (orientation 2–8)."""
    return np.ascontiguousarray(orient(mask, orientation), dtype=bool)


def _read_source(source, *, name: str | None, max_bytes: int) -> tuple[bytes, str | None, str]:
    """Return (bytes, display name, lower-case extension or '')."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        _check_bytes(len(data), name, max_bytes)
        return data, name, Path(name).suffix.lower() if name else ""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = name or path.name
        try:
            exists, is_dir = path.exists(), path.is_dir()
        except (OSError, ValueError) as exc:  # a name too long, an embedded NUL byte, ...
            raise ImageLoadError(f"{str(path)[:200]!r} is not a usable file name ({exc}).") from None
        if not exists:
            raise ImageLoadError(f"{str(path)!r} does not exist: check the path.")
        if is_dir:
            raise ImageLoadError(f"{str(path)!r} is a folder, not an image file.")
        try:
            _check_bytes(path.stat().st_size, name, max_bytes)
            return path.read_bytes(), name, path.suffix.lower()
        except OSError as exc:  # no read permission, a vanished network file, ...
            raise ImageLoadError(
                f"{str(path)!r} cannot be read ({exc.strerror or exc}): check that the file exists "
                "and that you may read it."
            ) from exc
    if hasattr(source, "read"):
        name = name or Path(str(getattr(source, "name", "") or "")).name or None
        try:
            data = source.read(max_bytes + 1)
        except (OSError, ValueError) as exc:  # closed, write-only, a failing stream
            raise ImageLoadError(f"the file object {name or source!r} cannot be read ({exc}): open it "
                                 "for reading in binary mode ('rb').") from None
        if not isinstance(data, (bytes, bytearray)):
            raise ImageLoadError(
                f"the file object {name or source!r} returned {type(data).__name__}, not bytes: "
                "open it in binary mode ('rb')."
            )
        _check_bytes(len(data), name, max_bytes)
        return bytes(data), name, Path(name).suffix.lower() if name else ""
    raise ImageLoadError(
        f"load_image() takes a path, bytes or a binary file object, got {type(source).__name__}."
    )


def _check_bytes(n: int, name: str | None, max_bytes: int) -> None:
    if n > max_bytes:
        raise ImageLoadError(
            f"{name or 'the input'!r} is {n / 2**20:.1f} MiB, over the {max_bytes / 2**20:.0f} MiB "
            "limit: downscale or re-export it, or raise max_bytes (IMGFAKE_MAX_BYTES)."
        )


def _open(data: bytes, *, label: str, extension: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    buf = io.BytesIO(data)
    _allow_pillow(max_pixels)
    try:
        pil = Image.open(buf)
    except UnidentifiedImageError:
        raise ImageLoadError(_not_an_image_message(data, label, extension)) from None
    except Image.DecompressionBombError as exc:
        # Pillow refuses far larger images itself, from the header; report it in our terms.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)) / 1e6:.1f} megapixels" if found else "too many pixels"
        raise ImageLoadError(_too_large_message(label, size, max_pixels)) from None
    except Exception as exc:
        raise ImageLoadError(
            f"{label} could not be read ({len(data):,} bytes): {exc}. The file is probably corrupt."
        ) from exc
    if pil.format not in SUPPORTED_FORMATS:
        raise ImageLoadError(
            f"{label} is a {pil.format} file, which imgfake does not analyse: convert it to PNG "
            f"or JPEG first (supported: {', '.join(f for f in SUPPORTED_FORMATS if f != 'MPO')})."
        )
    return pil


_PILLOW_LIMIT_LOCK = threading.Lock()


def _allow_pillow(max_pixels: int) -> None:
    """Pillow refuses images over twice ``Image.MAX_IMAGE_PIXELS`` before we can judge them; let
    our own (explicit, header-based) limit decide: raise Pillow's to it when a caller asks for
    more, never lower it."""
    with _PILLOW_LIMIT_LOCK:
        current = Image.MAX_IMAGE_PIXELS
        if current is not None and max_pixels > current:
            Image.MAX_IMAGE_PIXELS = int(max_pixels)


def _not_an_image_message(data: bytes, label: str, extension: str) -> str:
    what = next((desc for sig, desc in _NON_IMAGE_SIGNATURES if data.startswith(sig)), None)
    if what is None:
        head = data[:512]
        printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
        what = "text" if printable > 0.95 * len(head) else "data imgfake does not recognise"
        if what == "text" and head.lstrip()[:1] == b"<":
            what = "HTML/XML text (a web page saved instead of the image?)"
    looks_like = {".jpg": "a JPEG", ".png": "a PNG"}.get(extension, "an image")
    named = f" The name suggests {looks_like}, but the bytes do not match." if extension else ""
    return (
        f"{label} is not an image: it contains {what} ({len(data):,} bytes).{named} "
        "Choose a JPEG, PNG, TIFF or WebP file."
    )


def _check_extension(extension: str, fmt: str, notes: list[str]) -> None:
    expected = _EXTENSIONS.get(extension)
    if extension and expected is not None and expected != fmt:
        notes.append(
            f"The file is named '{extension}' but contains {fmt} data; it was analysed as {fmt}."
        )
    elif extension and expected is None:
        notes.append(f"Unusual extension '{extension}'; the content is {fmt}.")


def _check_size(pil: Image.Image, *, label: str, max_pixels: int) -> None:
    w, h = pil.size
    if w <= 0 or h <= 0:
        raise ImageLoadError(f"{label} declares an empty size ({w}×{h}); the file is corrupt.")
    if w * h > max_pixels:
        raise ImageLoadError(_too_large_message(label, f"{w}×{h} = {w * h / 1e6:.1f} megapixels", max_pixels))


def _too_large_message(label: str, size: str, max_pixels: int) -> str:
    return (
        f"{label} declares {size}, over the limit of {max_pixels / 1e6:.1f} MP "
        "(decompression-bomb guard; nothing was decoded). Downscale it, or raise max_pixels "
        "(IMGFAKE_MAX_PIXELS) if you trust the file."
    )


# --- facts -------------------------------------------------------------------------------------

_SUBSAMPLING = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}


def _jpeg_info(pil: Image.Image) -> JpegInfo | None:
    tables = getattr(pil, "quantization", None) or {}
    try:
        sampling = JpegImagePlugin.get_sampling(pil)
    except Exception:
        sampling = -1
    return JpegInfo(
        quantization={int(k): tuple(int(v) for v in t) for k, t in tables.items()},
        subsampling=_SUBSAMPLING.get(sampling, "unknown"),
        progressive=bool(pil.info.get("progressive") or pil.info.get("progression")),
    )


def _exif_bytes(pil: Image.Image) -> bytes | None:
    raw = pil.info.get("exif")
    if not raw:
        return None
    return raw[6:] if raw.startswith(b"Exif\x00\x00") else raw


def _xmp_bytes(pil: Image.Image) -> bytes | None:
    raw = pil.info.get("xmp") or pil.info.get("XML:com.adobe.xmp")
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")
    return raw or None


def _info(pil: Image.Image) -> dict:
    out: dict = {"icc_profile": bool(pil.info.get("icc_profile"))}
    if "dpi" in pil.info:
        try:  # a text chunk named "dpi" can hold anything: keep it only when it is numbers
            out["dpi"] = [float(v) for v in pil.info["dpi"]]
        except (TypeError, ValueError):
            pass
    comment = pil.info.get("comment")
    if comment:
        out["comment"] = comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment)
    text = {str(k)[:80]: v[:65_536] for k, v in pil.info.items()
            if isinstance(v, str) and k not in ("comment", "transparency", "dpi")}
    if text:  # PNG/WebP text chunks (where image generators write their settings)
        out["text"] = dict(list(text.items())[:64])
    return out


def _orientation(pil: Image.Image) -> int:
    try:
        return int(pil.getexif().get(0x0112, 1) or 1)
    except Exception:
        return 1


# --- conversion to 8-bit RGB -------------------------------------------------------------------


def _to_rgb8(pil: Image.Image, mode: str, notes: list[str]) -> np.ndarray:
    """Convert any supported mode to uint8 RGB, saying what was done."""
    if pil.mode == "RGB":
        return np.asarray(pil, dtype=np.uint8).copy()
    if pil.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        return _high_bit_depth_to_rgb8(pil, notes)
    if pil.mode == "P":
        if not isinstance(pil.info.get("transparency", 0), (bytes, int)):
            del pil.info["transparency"]  # e.g. a text chunk named "transparency": not a tRNS
            notes.append("A malformed transparency entry was ignored.")
        has_alpha = "transparency" in pil.info or pil.palette.mode == "RGBA"
        pil = pil.convert("RGBA" if has_alpha else "RGB")
        notes.append("Palette (indexed-colour) image expanded to RGB.")
    if pil.mode in ("RGBA", "LA", "La", "RGBa", "PA"):
        rgba = pil.convert("RGBA")
        alpha = np.asarray(rgba)[..., 3]
        if alpha.min() < 255:
            notes.append(
                "Transparent areas were composited on white; ELA of pasted-in transparent "
                "layers is not meaningful."
            )
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"), dtype=np.uint8).copy()
    if pil.mode == "CMYK":
        notes.append("CMYK image converted to RGB (colours are approximate without its ICC profile).")
    elif pil.mode in ("L", "1"):
        notes.append("Greyscale image repeated into three RGB channels.")
    elif pil.mode != "RGB":
        notes.append(f"{mode} image converted to RGB.")
    return np.asarray(pil.convert("RGB"), dtype=np.uint8).copy()


def _high_bit_depth_to_rgb8(pil: Image.Image, notes: list[str]) -> np.ndarray:
    """Scale 16-bit / 32-bit greyscale to 8 bits by range, not by clipping at 255."""
    values = np.asarray(pil).astype(np.float64)
    if pil.mode == "F":
        top = 1.0 if values.max(initial=0.0) <= 1.0 else 255.0
    else:
        top = 65535.0 if values.max(initial=0.0) > 255 or pil.mode.startswith("I;16") else 255.0
    grey = np.clip(np.rint(values / top * 255.0), 0, 255).astype(np.uint8)
    notes.append(f"High-bit-depth ({pil.mode}) greyscale image scaled to 8 bits per channel.")
    return np.repeat(grey[..., None], 3, axis=2)


# --- the way back: pixels to JPEG bytes, and the checks every pixel function shares -------------

#: Chroma subsampling names and Pillow's codes for them.
SUBSAMPLINGS = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}


def check_rgb8(pixels: np.ndarray, *, name: str = "pixels") -> np.ndarray:
    """Return `pixels` as an array after checking it is non-empty uint8 H×W×3 RGB."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise ValueError(f"{name} must be uint8 (use imgfake.load_image), got dtype {pixels.dtype}")
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"{name} must have shape (H, W, 3), got {pixels.shape}")
    if pixels.shape[0] < 1 or pixels.shape[1] < 1:
        raise ValueError(f"{name} must not be empty, got shape {pixels.shape}")
    return pixels


def check_quality(quality: int, *, name: str = "quality") -> int:
    """Return `quality` as an int after checking it is an integer JPEG quality 1..100."""
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)):
        raise ValueError(f"{name} must be an integer from 1 to 100, got {quality!r}")
    if not 1 <= quality <= 100:
        raise ValueError(f"{name} must be an integer from 1 to 100, got {quality} (not between 1 and 100)")
    return int(quality)


def check_subsampling(subsampling: str) -> int:
    """Pillow's code for a chroma subsampling name; ValueError naming the valid ones otherwise."""
    if subsampling not in SUBSAMPLINGS:
        raise ValueError(f"subsampling must be one of {sorted(SUBSAMPLINGS)}, got {subsampling!r}")
    return SUBSAMPLINGS[subsampling]


def encode_jpeg(pixels: np.ndarray, *, quality: int, subsampling: str = "4:2:0") -> bytes:
    """Encode uint8 RGB pixels as a baseline JPEG in memory (identical inputs, identical bytes).

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
    quality : int
        IJG quality 1–100, as Pillow and most software use it.
    subsampling : {"4:2:0", "4:2:2", "4:4:4"}, default "4:2:0"
        Chroma subsampling; "4:2:0" is what cameras and most software write.

    Returns
    -------
    bytes
    """
    pixels = check_rgb8(pixels)
    quality, code = check_quality(quality), check_subsampling(subsampling)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality, subsampling=code)
    return buffer.getvalue()
