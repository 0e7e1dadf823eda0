"""Known answers for imgfake.forensics.metadata, on JPEGs these tests write themselves with Pillow.

Pillow writes IFD0 and the Exif sub-IFD but not IFD1 (the thumbnail directory), so
``exif_block`` below appends an IFD1 by hand: it points IFD0's "next IFD" offset at a
three-entry directory (Compression=6, JPEGInterchangeFormat, JPEGInterchangeFormatLength)
followed by the thumbnail's JPEG bytes. Offsets are relative to the TIFF header, as in files.
"""

from __future__ import annotations

import io
import json
import struct
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageDraw

from imgfake.results import Finding
from imgfake.forensics.metadata import (
    ASPECT_TOLERANCE,
    BLOCK_DIFFERENCE_LIMIT,
    MEAN_DIFFERENCE_LIMIT,
    Metadata,
    compare_thumbnail,
    metadata_findings,
    read_metadata,
)

TAKEN = "2024:05:01 10:00:00"

# ---------------------------------------------------------------------------------------------
# Helpers: a photo-like scene, EXIF blocks with a thumbnail, and a LoadedImage stand-in.


def scene(seed: int = 0, *, width: int = 480, height: int = 360) -> np.ndarray:
    """Sky-to-grass gradient with 25 random shapes and sensor-like noise (sigma 8)."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height)[:, None, None]
    gradient = np.array([90, 140, 220]) * (1 - y) + np.array([40, 120, 60]) * y
    image = Image.fromarray((gradient * np.ones((height, width, 3))).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        box = (x0, y0, x0 + int(rng.integers(10, 120)), y0 + int(rng.integers(10, 90)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    noisy = np.asarray(image, dtype=float) + rng.normal(0, 8, (height, width, 3))
    return np.clip(noisy, 0, 255).astype(np.uint8)


def jpeg_bytes(pixels: np.ndarray, *, quality: int = 90, **save_args: Any) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality, **save_args)
    return buffer.getvalue()


def decoded(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def thumbnail_jpeg(
    pixels: np.ndarray, *, size: int = 160, quality: int = 75,
    method: Image.Resampling = Image.Resampling.BICUBIC,
) -> bytes:
    image = Image.fromarray(pixels)
    image.thumbnail((size, size), method)
    return jpeg_bytes(np.asarray(image), quality=quality)


def with_ifd1(tiff: bytes, thumbnail: bytes) -> bytes:
    """Append an IFD1 that points at `thumbnail` to a TIFF-header EXIF block from Pillow."""
    order = "<" if tiff[:2] == b"II" else ">"
    (ifd0,) = struct.unpack(order + "I", tiff[4:8])
    (count,) = struct.unpack(order + "H", tiff[ifd0:ifd0 + 2])
    next_pointer = ifd0 + 2 + 12 * count
    assert tiff[next_pointer:next_pointer + 4] == b"\0\0\0\0", "IFD0 already has a successor"
    tiff += b"\0" * (len(tiff) % 2)  # IFDs start on a word boundary
    ifd1 = len(tiff)
    data_offset = ifd1 + 2 + 3 * 12 + 4
    directory = (
        struct.pack(order + "H", 3)
        + struct.pack(order + "HHIH2x", 0x0103, 3, 1, 6)  # Compression = JPEG (SHORT)
        + struct.pack(order + "HHII", 0x0201, 4, 1, data_offset)  # JPEGInterchangeFormat
        + struct.pack(order + "HHII", 0x0202, 4, 1, len(thumbnail))  # ...Length
        + struct.pack(order + "I", 0)
    )
    patched = tiff[:next_pointer] + struct.pack(order + "I", ifd1) + tiff[next_pointer + 4:]
    return patched + directory + thumbnail


def exif_block(
    ifd0: dict[int, Any] | None = None, *, exif_ifd: dict[int, Any] | None = None,
    thumbnail: bytes | None = None,
) -> bytes:
    """Raw EXIF starting at the TIFF header, as ``LoadedImage.exif`` holds it."""
    exif = Image.Exif()
    for tag, value in (ifd0 or {}).items():
        exif[tag] = value
    if exif_ifd:
        exif.get_ifd(ExifTags.IFD.Exif).update(exif_ifd)
    tiff = exif.tobytes().removeprefix(b"Exif\x00\x00")
    return tiff if thumbnail is None else with_ifd1(tiff, thumbnail)


def photo(pixels: np.ndarray, *, exif: bytes | None = None, xmp: bytes | None = None) -> bytes:
    """A JPEG file with the given raw EXIF (TIFF header first) and XMP packet."""
    extra: dict[str, bytes] = {}
    if exif is not None:
        extra["exif"] = b"Exif\x00\x00" + exif
    if xmp is not None:
        extra["xmp"] = xmp
    return jpeg_bytes(pixels, **extra)


def loaded(data: bytes, *, orientation: int = 1) -> SimpleNamespace:
    """Stand-in for imgfake.io.LoadedImage with the fields imgfake.forensics.metadata uses."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.info.get("exif")
        pixels = np.asarray(image.convert("RGB"))
        return SimpleNamespace(
            pixels=pixels, format=image.format, width=pixels.shape[1], height=pixels.shape[0],
            exif=exif.removeprefix(b"Exif\x00\x00") if exif else None,
            xmp=image.info.get("xmp"), orientation=orientation, info={},
        )


def findings_for(data: bytes, **kwargs: Any) -> dict[str, Finding]:
    image = loaded(data, **kwargs)
    return {finding.code: finding for finding in metadata_findings(read_metadata(image), image)}


# ---------------------------------------------------------------------------------------------
# Reading


def test_helper_writes_an_ifd1_that_pillow_reads():
    thumb = thumbnail_jpeg(scene())
    exif = Image.Exif()
    exif.load(exif_block({0x010F: "Canon"}, thumbnail=thumb))
    ifd1 = exif.get_ifd(ExifTags.IFD.IFD1)
    assert ifd1[0x0202] == len(thumb) and ifd1[0x0103] == 6


def test_reads_camera_fields_dates_and_thumbnail():
    pixels = scene()
    exif = exif_block(
        {0x010F: "Canon", 0x0110: "Canon EOS R5", 0x0131: "Firmware Version 1.8.1",
         0x013B: "A. Photographer", 0x8298: "(c) 2024", 0x0132: TAKEN},
        exif_ifd={0x9003: TAKEN, 0x9004: TAKEN, 0xA434: "RF24-105mm F4 L IS USM",
                  0x829A: 1 / 250, 0x829D: 5.6, 0x8827: 400, 0x920A: 50.0},
        thumbnail=thumbnail_jpeg(pixels),
    )
    meta = read_metadata(loaded(photo(pixels, exif=exif)))
    assert meta.has_exif and meta.problems == ()
    assert (meta.make, meta.model, meta.software) == ("Canon", "Canon EOS R5",
                                                      "Firmware Version 1.8.1")
    assert (meta.artist, meta.copyright) == ("A. Photographer", "(c) 2024")
    assert meta.datetime == meta.datetime_original == meta.datetime_digitized == TAKEN
    assert meta.lens == "RF24-105mm F4 L IS USM"
    assert meta.exposure_time == pytest.approx(1 / 250) and meta.f_number == pytest.approx(5.6)
    assert (meta.iso, meta.focal_length, meta.gps_present) == (400, 50.0, False)
    assert meta.thumbnail is not None and meta.thumbnail.shape == (120, 160, 3)
    assert meta.thumbnail.dtype == np.uint8


def test_gps_presence():
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[0x0001] = "N"
    raw = exif.tobytes().removeprefix(b"Exif\x00\x00")
    assert read_metadata(loaded(photo(scene(), exif=raw))).gps_present


def test_to_dict_is_json_safe():
    pixels = scene()
    exif = exif_block({0x010F: "Canon"}, exif_ifd={0x829A: 1 / 250},
                      thumbnail=thumbnail_jpeg(pixels))
    as_dict = read_metadata(loaded(photo(pixels, exif=exif))).to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert as_dict["thumbnail"] == {"width": 160, "height": 120}
    assert as_dict["make"] == "Canon" and as_dict["problems"] == []


def test_no_exif_at_all():
    meta = read_metadata(loaded(jpeg_bytes(scene())))
    assert meta == Metadata() and meta.thumbnail is None


def test_exif_header_prefix_is_tolerated():
    raw = b"Exif\x00\x00" + exif_block({0x010F: "Nikon"})
    meta = read_metadata(SimpleNamespace(exif=raw, xmp=None, orientation=1))
    assert meta.make == "Nikon" and meta.problems == ()


@pytest.mark.parametrize(
    "garbage",
    [b"this is not a TIFF header at all", b"II*\x00\xff\xff\xff\x7f", b"\x00" * 3,
     b"MM\x00*\x00\x00\x00\x08\xff\xff"],
)
def test_garbage_exif_never_raises_and_records_problems(garbage):
    image = SimpleNamespace(exif=garbage, xmp=None, orientation=1, format="JPEG",
                            pixels=scene())
    meta = read_metadata(image)
    assert meta.has_exif and meta.problems
    codes = {finding.code for finding in metadata_findings(meta, image)}
    assert "metadata-unreadable" in codes and "no-metadata" not in codes


def test_truncated_exif_keeps_what_was_read():
    raw = exif_block({0x010F: "Canon", 0x0110: "Canon EOS R5"}, exif_ifd={0x9003: TAKEN})
    meta = read_metadata(SimpleNamespace(exif=raw[:60], xmp=None, orientation=1))
    assert meta.problems  # the Exif sub-IFD (and maybe more) lies beyond the cut


def test_thumbnail_pointing_outside_the_block_is_a_problem():
    raw = bytearray(exif_block({0x010F: "Canon"}, thumbnail=thumbnail_jpeg(scene())))
    raw = bytes(raw[:-200])  # cut the thumbnail's end off
    meta = read_metadata(SimpleNamespace(exif=raw, xmp=None, orientation=1))
    assert meta.make == "Canon" and meta.thumbnail is None
    assert any("thumbnail" in problem for problem in meta.problems)


def test_undecodable_thumbnail_is_a_problem():
    raw = exif_block({0x010F: "Canon"}, thumbnail=b"\xff\xd8" + b"junk" * 50)
    meta = read_metadata(SimpleNamespace(exif=raw, xmp=None, orientation=1))
    assert meta.thumbnail is None
    assert any("thumbnail could not be decoded" in problem for problem in meta.problems)


def test_invalid_date_is_a_problem_not_a_finding():
    raw = exif_block({0x0132: "0000:00:00 00:00:00"}, exif_ifd={0x9003: TAKEN})
    image = SimpleNamespace(exif=raw, xmp=None, orientation=1, format="JPEG", pixels=scene())
    meta = read_metadata(image)
    assert any("not a valid date" in problem for problem in meta.problems)
    assert "dates-disagree" not in {f.code for f in metadata_findings(meta, image)}


XMP = b"""<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmp:CreatorTool="Adobe Photoshop 25.0 (Windows)"
  photoshop:ColorMode="3">
<xmpMM:History><rdf:Seq>
<rdf:li stEvt:action="created" stEvt:softwareAgent="Adobe Photoshop 25.0 (Windows)"/>
<rdf:li><stEvt:action>saved</stEvt:action><stEvt:softwareAgent>GIMP 2.10 &amp; friends</stEvt:softwareAgent></rdf:li>
<rdf:li stEvt:action="saved" stEvt:softwareAgent='Adobe Photoshop 25.0 (Windows)'/>
</rdf:Seq></xmpMM:History></rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""


def test_xmp_creator_tool_and_history_agents():
    meta = read_metadata(loaded(photo(scene(), xmp=XMP)))
    assert meta.xmp_creator_tool == "Adobe Photoshop 25.0 (Windows)"
    assert meta.xmp_history_agents == ("Adobe Photoshop 25.0 (Windows)", "GIMP 2.10 & friends")
    assert not meta.has_exif


def test_xmp_creator_tool_as_element():
    xmp = b"<x:xmpmeta><xmp:CreatorTool>Snapseed 2.0</xmp:CreatorTool></x:xmpmeta>"
    meta = read_metadata(SimpleNamespace(exif=None, xmp=xmp, orientation=1))
    assert meta.xmp_creator_tool == "Snapseed 2.0" and meta.xmp_history_agents == ()


# ---------------------------------------------------------------------------------------------
# Findings: software, dates, camera, missing metadata


def test_photoshop_in_software_is_a_warning():
    found = findings_for(photo(scene(), exif=exif_block({0x0131: "Adobe Photoshop 25.0"})))
    assert found["software-named"].severity == "warning"
    assert "Adobe Photoshop 25.0" in found["software-named"].message


def test_editor_named_only_in_xmp_is_a_warning():
    found = findings_for(photo(scene(), xmp=XMP))
    assert found["software-named"].severity == "warning"
    assert "GIMP" in found["software-named"].message


@pytest.mark.parametrize(
    "software",
    ["GIMP 2.10.36", "Adobe Lightroom 7.1", "ImageMagick 7.1.1", "paint.net 5.0", "Canva",
     "PicsArt Photo Studio", "Meitu", "Facetune2", "Adobe Firefly"],
)
def test_known_editors_are_warnings(software):
    meta = Metadata(has_exif=True, software=software)
    (finding,) = metadata_findings(meta)
    assert (finding.code, finding.severity) == ("software-named", "warning"), software


@pytest.mark.parametrize("software", ["Firmware Version 1.8.1", "17.4.1", "Ver.1.00",
                                      "Canvas Camera 2", "HDR+ 1.0.5"])
def test_camera_firmware_is_info(software):
    (finding,) = metadata_findings(Metadata(has_exif=True, software=software))
    assert (finding.code, finding.severity) == ("software-named", "info"), software


def test_camera_finding_does_not_repeat_the_make():
    meta = Metadata(has_exif=True, make="Canon", model="Canon EOS R5")
    (finding,) = metadata_findings(meta)
    assert finding.code == "camera" and "as Canon EOS R5," in finding.message
    (finding,) = metadata_findings(Metadata(has_exif=True, make="Apple", model="iPhone 15"))
    assert "Apple iPhone 15" in finding.message


def test_modified_date_hours_after_taken_is_a_notice():
    exif = exif_block({0x0132: "2024:05:03 18:30:00"}, exif_ifd={0x9003: TAKEN})
    found = findings_for(photo(scene(), exif=exif))
    assert found["dates-disagree"].severity == "notice"
    assert "2 days after" in found["dates-disagree"].message


def test_modified_date_before_taken_is_reported_too():
    exif = exif_block({0x0132: "2024:05:01 09:00:00"}, exif_ifd={0x9003: TAKEN})
    assert "1 hour before" in findings_for(photo(scene(), exif=exif))["dates-disagree"].message


@pytest.mark.parametrize("modified", [TAKEN, "2024:05:01 10:01:00", "2024:05:01 09:59:30"])
def test_dates_within_a_minute_agree(modified):
    exif = exif_block({0x0132: modified}, exif_ifd={0x9003: TAKEN})
    assert "dates-disagree" not in findings_for(photo(scene(), exif=exif))


def test_digitized_date_stands_in_for_missing_original():
    exif = exif_block({0x0132: "2024:05:01 10:05:00"}, exif_ifd={0x9004: TAKEN})
    assert "5 minutes after" in findings_for(photo(scene(), exif=exif))["dates-disagree"].message


def test_jpeg_without_exif_gets_no_metadata():
    found = findings_for(jpeg_bytes(scene()))
    assert set(found) == {"no-metadata"} and found["no-metadata"].severity == "notice"


def test_png_without_exif_is_normal():
    image = SimpleNamespace(exif=None, xmp=None, orientation=1, format="PNG", pixels=scene())
    assert metadata_findings(read_metadata(image), image) == []


def test_clean_camera_file_has_only_info_findings():
    pixels = scene()
    exif = exif_block({0x010F: "Canon", 0x0110: "Canon EOS R5", 0x0132: TAKEN},
                      exif_ifd={0x9003: TAKEN}, thumbnail=thumbnail_jpeg(pixels))
    found = findings_for(photo(pixels, exif=exif))
    assert set(found) == {"camera"} and found["camera"].severity == "info"


def test_findings_reject_other_types():
    with pytest.raises(ValueError, match="got dict"):
        metadata_findings({"software": "GIMP"})


# ---------------------------------------------------------------------------------------------
# Thumbnail: the thresholds are justified by the measurements below.


def _painted(pixels: np.ndarray, size: int) -> np.ndarray:
    out = pixels.copy()
    out[100:100 + size, 200:200 + size] = (250, 40, 200)
    return out


def _copy_moved(pixels: np.ndarray) -> np.ndarray:
    out = pixels.copy()
    out[40:136, 40:136] = pixels[220:316, 300:396]
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    ("main_quality", "thumb_args"),
    [(90, {}),
     (70, {"quality": 60, "method": Image.Resampling.LANCZOS}),
     (90, {"method": Image.Resampling.NEAREST}),
     (90, {"size": 120, "method": Image.Resampling.BILINEAR})],
)
def test_faithful_thumbnails_stay_well_below_the_limits(seed, main_quality, thumb_args):
    # Whatever filter/quality the camera used, an unchanged picture scores < half the limits
    # (measured: mean <= 4.8, worst window <= 13.5).
    original = scene(seed)
    comparison = compare_thumbnail(
        decoded(jpeg_bytes(original, quality=main_quality)),
        thumbnail=decoded(thumbnail_jpeg(original, **thumb_args)),
    )
    assert comparison.aspect_difference == 0.0
    assert comparison.mean_difference < MEAN_DIFFERENCE_LIMIT / 2
    assert comparison.worst_block_difference < BLOCK_DIFFERENCE_LIMIT / 2
    assert not comparison.differs


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("edit", ["painted-96", "painted-48", "copy-move"])
def test_local_edits_exceed_the_block_limit_with_margin(seed, edit):
    # A region a tenth of the width (48 px of 480) scores > 1.5x the limit (measured >= 61);
    # the whole-image mean alone would miss it (it stays < 9), hence the window check.
    original = scene(seed)
    edited = {"painted-96": lambda p: _painted(p, 96), "painted-48": lambda p: _painted(p, 48),
              "copy-move": _copy_moved}[edit](original)
    comparison = compare_thumbnail(decoded(jpeg_bytes(edited)),
                                   thumbnail=decoded(thumbnail_jpeg(original)))
    assert comparison.worst_block_difference > 1.5 * BLOCK_DIFFERENCE_LIMIT
    assert comparison.mean_difference < MEAN_DIFFERENCE_LIMIT
    assert comparison.differs


def test_global_brightening_exceeds_the_mean_limit():
    original = scene()
    brighter = np.clip(original.astype(int) + 20, 0, 255).astype(np.uint8)
    comparison = compare_thumbnail(decoded(jpeg_bytes(brighter)),
                                   thumbnail=decoded(thumbnail_jpeg(original)))
    assert comparison.mean_difference > MEAN_DIFFERENCE_LIMIT


def test_matching_thumbnail_gives_no_finding():
    pixels = scene()
    exif = exif_block({0x010F: "Canon"}, thumbnail=thumbnail_jpeg(pixels))
    assert "thumbnail-differs" not in findings_for(photo(pixels, exif=exif))


def test_thumbnail_made_before_painting_gives_a_warning():
    original = scene()
    exif = exif_block({0x010F: "Canon"}, thumbnail=thumbnail_jpeg(original))
    found = findings_for(photo(_painted(original, 64), exif=exif))
    assert found["thumbnail-differs"].severity == "warning"
    assert "changed after the preview" in found["thumbnail-differs"].message


def test_cropped_picture_has_a_thumbnail_of_another_shape():
    original = scene()
    exif = exif_block({0x010F: "Canon"}, thumbnail=thumbnail_jpeg(original))
    found = findings_for(photo(np.ascontiguousarray(original[:, 60:420]), exif=exif))
    assert "cropped" in found["thumbnail-differs"].message


def test_letterboxed_thumbnail_is_trimmed_before_comparing():
    # Some cameras store a 160x120 thumbnail of a 16:9 picture with black bars.
    original = scene(width=480, height=270)
    inner = np.asarray(Image.fromarray(original).resize((160, 90), Image.Resampling.BICUBIC))
    boxed = np.zeros((120, 160, 3), np.uint8)
    boxed[15:105] = inner
    comparison = compare_thumbnail(original, thumbnail=decoded(jpeg_bytes(boxed, quality=75)))
    assert comparison.aspect_difference < ASPECT_TOLERANCE and not comparison.differs


def test_thumbnail_follows_the_orientation_of_the_pixels():
    # The camera stores pixels and thumbnail unrotated; loading applies orientation 6
    # (rotate 90 degrees clockwise) to the pixels, so the thumbnail must turn the same way.
    stored = scene()
    exif = exif_block({0x010F: "Canon", 0x0112: 6}, thumbnail=thumbnail_jpeg(stored))
    image = loaded(photo(stored, exif=exif), orientation=6)
    image.pixels = np.ascontiguousarray(np.rot90(image.pixels, k=-1))
    meta = read_metadata(image)
    assert meta.thumbnail.shape == (160, 120, 3)
    assert "thumbnail-differs" not in {f.code for f in metadata_findings(meta, image)}


@pytest.mark.parametrize(
    ("pixels", "thumbnail", "fragment"),
    [(np.zeros((4, 4, 3), np.uint8), np.zeros((8, 8, 3), np.uint8), "pixels"),
     (np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8), np.uint8), "thumbnail"),
     (np.zeros((8, 8, 3), np.float32), np.zeros((8, 8, 3), np.uint8), "float32")],
)
def test_compare_thumbnail_rejects_bad_arrays(pixels, thumbnail, fragment):
    with pytest.raises(ValueError, match=fragment):
        compare_thumbnail(pixels, thumbnail=thumbnail)


# ---------------------------------------------------------------------------------------------
# With the real loader, when it is available


def test_read_metadata_on_load_image():
    load_image = pytest.importorskip("imgfake.io").load_image
    original = scene()
    exif = exif_block({0x0131: "Adobe Photoshop 25.0", 0x0132: "2024:06:01 12:00:00"},
                      exif_ifd={0x9003: TAKEN}, thumbnail=thumbnail_jpeg(original))
    image = load_image(photo(_painted(original, 64), exif=exif))
    codes = {f.code: f.severity for f in metadata_findings(read_metadata(image), image)}
    assert codes == {"software-named": "warning", "dates-disagree": "notice",
                     "thumbnail-differs": "warning"}
