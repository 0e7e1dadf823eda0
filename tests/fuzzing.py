"""A seeded fuzzer for everything that reads a file: load_image, every registered analysis (the
heavy model excepted; its preprocessing is fuzzed directly), the model's preprocessing and the
report.

Cases are reproducible from ``(seed, index)``: a base image of one of the supported formats
(made here, with EXIF, ICC, XMP, text chunks, several frames, odd modes) and a mutation (bit
flips, truncation, inserted or overwritten bytes, broken markers and chunks, absurd header
sizes, broken metadata). The rule: ``load_image`` either raises ``ImageLoadError`` naming the
file, or every analysis returns a result whose maps are finite where they are not NaN; the
preprocessing, the shipped fused verdict (its JSON trees on the analyses' evidence) and the
report never raise.

``tests/test_fuzz.py`` runs a seeded subset in ``make test``; ``make fuzz N=20000`` runs
``scripts/fuzz.py``, which adds a per-case time limit, a memory limit and crash detection.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, PngImagePlugin

from imagefactory import textured

#: (name, maker) pairs; each maker takes a numpy Generator and returns (bytes, file extension).
BASES = []


def _base(name):
    def wrap(func):
        BASES.append((name, func))
        return func
    return wrap


def _pixels(rng, h=None, w=None) -> np.ndarray:
    h = h or int(rng.integers(17, 72))
    w = w or int(rng.integers(17, 72))
    return textured(h, w, seed=int(rng.integers(1 << 16)))


def _save(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kwargs)
    return buf.getvalue()


def _exif(rng, *, thumbnail: bool) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "FuzzCam"
    exif[0x0110] = "Model " + str(int(rng.integers(100)))
    exif[0x0131] = "Editor 1.0"
    exif[0x0132] = "2024:01:02 03:04:05"
    exif[0x0112] = int(rng.integers(1, 9))
    raw = exif.tobytes()
    if thumbnail:  # an IFD1 pointing at a small JPEG, as cameras write it
        from test_metadata import with_ifd1

        thumb = _save(Image.fromarray(_pixels(rng, 12, 16)), "JPEG", quality=70)
        raw = b"Exif\x00\x00" + with_ifd1(raw.removeprefix(b"Exif\x00\x00"), thumb)
    return raw


_XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Fuzz 2"/></rdf:RDF></x:xmpmeta>')


@_base("jpeg")
def _jpeg(rng):
    kwargs = {"quality": int(rng.integers(20, 100)), "subsampling": int(rng.integers(0, 3))}
    if rng.random() < 0.3:
        kwargs["progressive"] = True
    if rng.random() < 0.5:
        kwargs["exif"] = _exif(rng, thumbnail=rng.random() < 0.5)
    if rng.random() < 0.3:
        kwargs["xmp"] = _XMP
    if rng.random() < 0.2:
        kwargs["icc_profile"] = bytes(rng.integers(0, 256, 200, dtype=np.uint8))
    if rng.random() < 0.2:
        kwargs["comment"] = b"fuzz comment"
    return _save(Image.fromarray(_pixels(rng)), "JPEG", **kwargs), ".jpg"


@_base("jpeg-grey-cmyk")
def _jpeg_modes(rng):
    image = Image.fromarray(_pixels(rng)).convert(["L", "CMYK"][int(rng.integers(2))])
    return _save(image, "JPEG", quality=int(rng.integers(50, 95))), ".jpg"


@_base("png")
def _png(rng):
    mode = ["RGB", "RGBA", "P", "L", "LA", "1", "I;16"][int(rng.integers(7))]
    pixels = _pixels(rng)
    if mode == "I;16":
        image = Image.fromarray((pixels[..., 0].astype(np.uint16) * 257))
    else:
        image = Image.fromarray(pixels).convert(mode)
    info = PngImagePlugin.PngInfo()
    for key in ["parameters", "Software", "dpi", "transparency", "Comment"][: int(rng.integers(0, 5))]:
        info.add_text(key, ["abc", "Stable Diffusion steps: 20", "1e400", ""][int(rng.integers(4))])
    kwargs = {"pnginfo": info}
    if rng.random() < 0.3:
        kwargs["exif"] = _exif(rng, thumbnail=False)
    return _save(image, "PNG", **kwargs), ".png"


@_base("tiff-frames")
def _tiff(rng):
    frames = [Image.fromarray(_pixels(rng, 24, 24)) for _ in range(int(rng.integers(1, 4)))]
    kwargs = {"save_all": True, "append_images": frames[1:]}
    if rng.random() < 0.5:
        kwargs["compression"] = ["tiff_lzw", "tiff_deflate", "packbits", "raw"][int(rng.integers(4))]
    return _save(frames[0], "TIFF", **kwargs), ".tif"


@_base("gif-frames")
def _gif(rng):
    frames = [Image.fromarray(_pixels(rng, 24, 24)).convert("P") for _ in range(int(rng.integers(1, 4)))]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], loop=0), ".gif"


@_base("webp")
def _webp(rng):
    return _save(Image.fromarray(_pixels(rng)), "WEBP", quality=int(rng.integers(30, 95)),
                 lossless=bool(rng.random() < 0.3)), ".webp"


@_base("bmp-ppm-tga")
def _others(rng):
    fmt, ext = [("BMP", ".bmp"), ("PPM", ".ppm"), ("TGA", ".tga")][int(rng.integers(3))]
    return _save(Image.fromarray(_pixels(rng)), fmt), ext


# --- mutations -----------------------------------------------------------------------------------


def _flip_bits(data: bytearray, rng) -> str:
    for _ in range(int(rng.integers(1, 24))):
        i = int(rng.integers(len(data)))
        data[i] ^= 1 << int(rng.integers(8))
    return "bit flips"


def _truncate(data: bytearray, rng) -> str:
    del data[int(rng.integers(0, len(data))):]
    return "truncated"


def _insert(data: bytearray, rng) -> str:
    at = int(rng.integers(len(data) + 1))
    data[at:at] = bytes(rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8))
    return "inserted bytes"


def _overwrite(data: bytearray, rng) -> str:
    at = int(rng.integers(len(data)))
    n = int(rng.integers(1, 32))
    data[at:at + n] = bytes(rng.integers(0, 256, n, dtype=np.uint8))[: len(data) - at]
    return "overwritten bytes"


def _break_marker(data: bytearray, rng) -> str:
    """Damage the bytes after a JPEG marker, a PNG chunk header or a TIFF directory entry."""
    spots = [i for i in range(len(data) - 4) if data[i] == 0xFF and data[i + 1] not in (0x00, 0xFF)]
    spots += [i + 4 for i in range(len(data) - 8) if data[i + 4:i + 8].isalpha()][:200]
    if not spots:
        return _overwrite(data, rng)
    at = spots[int(rng.integers(len(spots)))] + 1
    for k in range(int(rng.integers(1, 6))):
        if at + k < len(data):
            data[at + k] = int(rng.integers(256))
    return "broken marker/chunk"


def _absurd_size(data: bytearray, rng) -> str:
    """Write huge, zero or odd dimensions into the header (PNG IHDR, JPEG SOF, BMP, GIF)."""
    value = int(rng.choice([0, 1, 65_535, 65_536, 1 << 24, (1 << 31) - 1, 40_000]))
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        data[16:20] = struct.pack(">I", value)
        if rng.random() < 0.5:
            data[20:24] = struct.pack(">I", int(rng.choice([0, 1, 60_000, (1 << 31) - 1])))
        crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
        if rng.random() < 0.8:  # usually with a valid checksum, so the size is believed
            data[29:33] = struct.pack(">I", crc)
        return "absurd PNG size"
    for i in range(len(data) - 9):
        if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC1, 0xC2):
            data[i + 5:i + 7] = struct.pack(">H", value & 0xFFFF)
            data[i + 7:i + 9] = struct.pack(">H", int(rng.integers(0, 65_536)))
            return "absurd JPEG size"
    if data[:2] == b"BM" and len(data) > 26:
        data[18:26] = struct.pack("<ii", value, -value)
        return "absurd BMP size"
    if data[:3] == b"GIF" and len(data) > 10:
        data[6:10] = struct.pack("<HH", value & 0xFFFF, 65_535)
        return "absurd GIF size"
    return _flip_bits(data, rng)


def _broken_metadata(data: bytearray, rng) -> str:
    """Damage an EXIF, XMP or ICC block or a text chunk (where the file has one)."""
    for tag in (b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"tEXt", b"eXIf"):
        at = bytes(data).find(tag)
        if at >= 0:
            start = at + len(tag)
            for _ in range(int(rng.integers(1, 12))):
                i = start + int(rng.integers(0, 64))
                if i < len(data):
                    data[i] = int(rng.integers(256))
            return f"broken {tag[:4].decode('latin-1')} block"
    return _overwrite(data, rng)


def _fix_png_checksums(data: bytearray) -> None:
    at = 8
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", bytes(data[at:at + 4]))
        end = at + 8 + length
        if end + 4 > len(data):
            return
        data[end:end + 4] = struct.pack(">I", zlib.crc32(bytes(data[at + 4:end])) & 0xFFFFFFFF)
        at = end + 4


MUTATIONS = [_flip_bits, _truncate, _insert, _overwrite, _break_marker, _absurd_size, _broken_metadata]


@dataclass(frozen=True)
class Case:
    seed: int
    index: int
    base: str
    mutation: str
    name: str
    data: bytes


def make_case(seed: int, index: int) -> Case:
    rng = np.random.default_rng([seed, index])
    base_name, maker = BASES[int(rng.integers(len(BASES)))]
    data, ext = maker(rng)
    mutated = bytearray(data)
    steps = [MUTATIONS[int(rng.integers(len(MUTATIONS)))] for _ in range(int(rng.integers(1, 3)))]
    words = ["unchanged"]
    if rng.random() > 0.05:
        words = []
        for step in steps:
            if not mutated:  # truncated to nothing: an empty file is a case too
                break
            words.append(step(mutated, rng))
    if mutated[:8] == b"\x89PNG\r\n\x1a\n" and rng.random() < 0.7:
        _fix_png_checksums(mutated)  # so the damaged content is parsed, not refused at the CRC
        words.append("checksums fixed")
    if rng.random() < 0.1:  # a wrong extension now and then
        ext = [".jpg", ".png", ".txt", ""][int(rng.integers(4))]
    name = f"fuzz-{seed}-{index}{ext}"
    return Case(seed, index, base_name, " + ".join(words), name, bytes(mutated))


# --- the rule --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str  # "refused" (ImageLoadError), "analysed", or "violation"
    detail: str = ""


def check_case(case: Case) -> Outcome:
    """Run one case through everything that reads files; violations are reported, not raised."""
    from imgfake.forensics.registry import available, run_analysis
    from imgfake.io import ImageLoadError, load_image

    try:
        image = load_image(case.data, name=case.name)
    except ImageLoadError as exc:
        if case.name not in str(exc) and "the input" not in str(exc):
            return Outcome("violation", f"load_image's message does not name the file: {exc}")
        return Outcome("refused")
    except Exception as exc:
        return Outcome("violation", f"load_image raised {type(exc).__name__}: {exc}")
    results = {}
    for name in available(heavy=False):
        try:
            result = run_analysis(name, image, cache=False)
        except Exception as exc:
            return Outcome("violation", f"analysis {name} raised {type(exc).__name__}: {exc}")
        if result.heatmap is not None and np.isinf(result.heatmap).any():
            return Outcome("violation", f"analysis {name} drew an infinite value")
        results[name] = result
    try:
        _preprocess(image)
    except Exception as exc:
        return Outcome("violation", f"the model's preprocessing raised {type(exc).__name__}: {exc}")
    try:
        _fuse(image, results)
    except Exception as exc:
        return Outcome("violation", f"the fused verdict raised {type(exc).__name__}: {exc}")
    try:
        _report(case, image, results)
    except Exception as exc:
        return Outcome("violation", f"the report raised {type(exc).__name__}: {exc}")
    return Outcome("analysed")


def _fuse(image, results) -> None:
    """The shipped fusion (JSON trees, no TensorFlow) on the analyses' evidence, and its answer."""
    fusion = _shipped_fusion()
    if fusion is None:
        return
    from imgfake.learn import evidence
    from imgfake.learn.detector import image_profile
    from imgfake.learn.fusion import VERDICTS, decide

    ev = evidence.from_results({m: results[m] for m in fusion.methods if m in results}, (image.height, image.width))
    out = fusion.score(ev)
    if not 0.0 <= out.p_edited <= 1.0 or out.cells.shape != ev.grid:
        raise ValueError(f"p_edited {out.p_edited} or cells {out.cells.shape} off the contract")
    verdict, reason = decide(out.p_edited, threshold=fusion.threshold, low=fusion.low, facts=image_profile(image))
    if verdict not in VERDICTS or not reason:
        raise ValueError(f"no answer: {verdict!r}")


_FUSION: list = []


def _shipped_fusion():
    if not _FUSION:
        import json

        from imgfake.learn.fusion import FUSION_FILE, Fusion
        from imgfake.resources import default_model_dir

        path = default_model_dir() / FUSION_FILE
        _FUSION.append(Fusion(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None)
    return _FUSION[0]


def _preprocess(image) -> None:
    from imgfake.learn.maps import preprocess_image

    if min(image.height, image.width) >= 16:  # the model's documented minimum
        maps = preprocess_image(image, _CONFIG)
        if not np.isfinite(maps).all():
            raise ValueError("non-finite model input")


try:
    from imgfake.learn.maps import PreprocessConfig as _PC

    _CONFIG = _PC(crop=64, n_luma_freq=8, n_chroma_freq=2, ela_qualities=(90,))
except Exception:  # pragma: no cover
    _CONFIG = None


def _report(case: Case, image, results) -> None:
    from imgfake.forensics.ela import ela_image
    from imgfake.report import report_html

    record = {"name": case.name, "n_bytes": len(case.data), "image": image.summary(),
              "findings": [f.to_dict() for r in results.values() for f in r.findings],
              "analyses": {n: r.to_dict() for n, r in results.items()}, "verdict": {"status": "none"}}
    ela = results["ela"].on_grid(1)
    visual = {"photo": image.pixels, "evidence": ela_image(np.nan_to_num(ela))}
    page = report_html({"images": [record], "settings": {}}, visuals={0: visual})
    if "could not be drawn" in page:
        raise ValueError("a record could not be drawn")


class _Hang(BaseException):  # not an Exception: check_case must not catch it
    pass


def _alarm(signum, frame):
    raise _Hang()


def check_within(case: Case, seconds: int) -> Outcome:
    """:func:`check_case` under a time limit (SIGALRM, main thread): a case that does not finish
    within `seconds` is the outcome "hang"."""
    import signal

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        return check_case(case)
    except _Hang:
        return Outcome("hang", f"no answer within {seconds} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

