"""Regression tests for the defects a fuzzing and attack campaign found (issue 9), each with a
file the test makes, plus the rule that one bad file never stops the others."""

import io
import json
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from imgfake.forensics.registry import available, run_analysis, run_safely
from imgfake.io import ImageLoadError, load_image
from imagefactory import encode, textured


def _png_with_text(key: str, value: str, *, mode: str = "RGB") -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    pixels = textured(24, 24)
    image = Image.fromarray(pixels).convert(mode) if mode != "RGB" else Image.fromarray(pixels)
    return encode(image, "PNG", pnginfo=info)


def _multi_frame(fmt: str) -> bytes:
    frames = [Image.fromarray(textured(40, 40, seed=i)) for i in range(3)]
    if fmt == "GIF":
        frames = [f.convert("P") for f in frames]
    buf = io.BytesIO()
    frames[0].save(buf, fmt, save_all=True, append_images=frames[1:])
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["TIFF", "GIF"])
@pytest.mark.parametrize("cut", [0.3, 0.55, 0.8, 0.95])
def test_truncated_multi_frame_files_give_a_load_error(fmt, cut):
    data = _multi_frame(fmt)
    broken = data[: int(len(data) * cut)]
    try:
        image = load_image(broken, name=f"broken.{fmt.lower()}")
    except ImageLoadError as exc:
        assert "broken." in str(exc)
    else:
        assert image.pixels.dtype == np.uint8


def test_corrupted_multi_frame_tiff_gives_a_load_error():
    data = bytearray(_multi_frame("TIFF"))
    rng = np.random.default_rng(0)
    for trial in range(40):  # flip bytes in the directory area at the end, where the frame walk reads
        copy = bytearray(data)
        for i in rng.integers(len(copy) - 400, len(copy), 6):
            copy[i] ^= 0xFF
        try:
            load_image(bytes(copy), name="frames.tif")
        except ImageLoadError as exc:
            assert "frames.tif" in str(exc)


@pytest.mark.parametrize("key,value,mode", [("dpi", "abc", "RGB"), ("transparency", "x", "P"),
                                            ("gamma", "not-a-number", "RGB")])
def test_png_text_chunks_with_odd_values_do_not_cost_the_picture(key, value, mode):
    image = load_image(_png_with_text(key, value, mode=mode), name="text.png")
    assert image.pixels.shape == (24, 24, 3)


def _with_bad_trns(data: bytes) -> bytes:
    """A palette PNG whose tRNS chunk is longer than the palette (a broken chunk)."""
    body = b"\x00" * 600
    chunk = struct.pack(">I", len(body)) + b"tRNS" + body
    chunk += struct.pack(">I", zlib.crc32(b"tRNS" + body) & 0xFFFFFFFF)
    at = data.index(b"IDAT") - 4
    return data[:at] + chunk + data[at:]


def test_palette_png_with_a_broken_trns_chunk():
    data = _with_bad_trns(encode(Image.fromarray(textured(24, 24)).convert("P"), "PNG"))
    try:
        load_image(data, name="trns.png")
    except ImageLoadError as exc:
        assert "trns.png" in str(exc)


def _jpeg_with_zero_in_table() -> bytes:
    data = bytearray(encode(textured(64, 64), quality=90))
    at = data.index(b"\xff\xdb")  # the first DQT segment: FF DB, length (2), Pq/Tq, 64 values
    data[at + 5 + 10] = 0  # one coefficient's quantiser becomes 0 (libjpeg still decodes it)
    return bytes(data)


def test_a_zero_in_a_quantisation_table_is_a_finding_not_a_crash():
    image = load_image(_jpeg_with_zero_in_table(), name="zero.jpg")
    result = run_analysis("jpeg", image)
    assert any(f.code == "jpeg-invalid-tables" for f in result.findings)
    for name in available():
        result = run_analysis(name, image)  # the model's lattice maps divide by the tables
        if result.heatmap is not None:
            assert not np.isinf(result.heatmap).any()


def test_metadata_on_a_tiny_image_with_a_thumbnail():
    from test_metadata import exif_block, thumbnail_jpeg

    pixels = textured(6, 240)
    exif = exif_block({0x010F: "Camera", 0x0110: "Model X"}, thumbnail=thumbnail_jpeg(textured(60, 80), size=40))
    image = load_image(encode(pixels, quality=90, exif=b"Exif\x00\x00" + exif), name="tiny.jpg")
    result = run_safely("metadata", image)
    codes = {f.code for f in result.findings}
    assert "analysis-failed" not in codes and "thumbnail-not-compared" in codes


def test_images_wider_than_jpeg_allows_still_get_error_levels():
    pixels = np.zeros((16, 65_536, 3), np.uint8)
    pixels[:, ::7] = 200
    image = load_image(encode(pixels, "PNG"), name="wide.png")
    result = run_analysis("ela", image, cell=16)
    assert result.heatmap.shape == (1, 4096) and np.isfinite(result.heatmap).all()
    tall = load_image(encode(np.ascontiguousarray(pixels.transpose(1, 0, 2)), "PNG"), name="tall.png")
    assert run_analysis("ela", tall, cell=16).heatmap.shape == (4096, 1)


def test_raising_the_pixel_cap_works_and_the_message_names_the_limit_used():
    pixels_needed = 200_000_000  # over Pillow's own 179 MP refusal
    header = Image.new("1", (20_000, 10_000))  # 200 MP, tiny as a 1-bit PNG
    data = encode(header, "PNG")
    with pytest.raises(ImageLoadError, match=r"over the limit of 64\.0"):
        load_image(data, name="big.png")
    with pytest.raises(ImageLoadError, match=r"over the limit of 150\.0"):
        load_image(data, name="big.png", max_pixels=150_000_000)
    image = load_image(data, name="big.png", max_pixels=pixels_needed)
    assert image.width == 20_000


def test_a_truncated_jpeg_loads_what_it_holds_and_marks_the_rest():
    data = encode(textured(256, 320, seed=8), quality=90)
    image = load_image(data[: int(len(data) * 0.7)], name="cut.jpg")
    assert image.undecoded is not None
    missing = image.undecoded.any(axis=1)
    assert 0.1 < missing.mean() < 0.6 and missing[-1] and not missing[0]
    assert any("ends early" in n for n in image.notes)
    ela = run_analysis("ela", image, cell=16)
    rows_nan = np.isnan(ela.heatmap).all(axis=1)
    assert rows_nan[-1] and not rows_nan[0]
    assert np.isfinite(ela.heatmap[0]).all()


def test_an_unreadable_file_is_a_load_error(tmp_path):
    # /proc/self/mem exists and stats as 0 bytes, but reading it fails: a real unreadable file
    with pytest.raises(ImageLoadError, match="cannot be read|is empty"):
        load_image("/proc/self/mem")


@pytest.mark.slow
def test_the_shipped_model_cannot_tell_where_the_evidence_is_absent(shared_data):
    pytest.importorskip("tensorflow")
    from imgfake.learn.detector import Detector

    detector = Detector.load()
    face = load_image(sorted((shared_data / "faces" / "real").glob("*.jpg"))[0])
    tiny = load_image(encode(textured(16, 16), quality=90), name="tiny.jpg")
    flat = load_image(encode(np.full((8000, 8000, 3), 128, np.uint8), quality=90), name="flat.jpg")
    png = load_image(encode(textured(300, 400), "PNG"), name="never-compressed.png")
    crushed = load_image(encode(textured(300, 400), quality=30), name="crushed.jpg")
    preds = dict(zip(["tiny", "flat", "png", "crushed", "face"], detector.predict([tiny, flat, png, crushed, face])))
    assert preds["tiny"].verdict == "uncertain" and "16×16" in preds["tiny"].reason
    assert preds["flat"].verdict == "uncertain" and "nearly uniform" in preds["flat"].reason
    for name in ("png", "crushed"):  # nothing to read: "cannot tell", unless the evidence is strong anyway
        assert preds[name].verdict in ("uncertain", "edited"), (name, preds[name])
        if preds[name].verdict == "uncertain":
            assert ("never saved as JPEG" if name == "png" else "quality ≈30") in preds[name].reason
    # an untouched face, saved as it was, is not accused
    assert preds["face"].verdict != "edited", preds["face"]


@pytest.fixture
def mixed_folder(tmp_path):
    """Good files and every kind of bad one, side by side (odd names included)."""
    import os

    folder = tmp_path / "mixed"
    folder.mkdir()
    good = {
        "photo.jpg": encode(textured(64, 80, seed=1), quality=88),
        "flat.png": encode(np.full((40, 40, 3), 90, np.uint8), "PNG"),
        os.fsdecode(b"caf\xe9 \xff.jpg"): encode(textured(48, 48, seed=2), quality=80),  # not UTF-8
        "wide.png": encode(np.tile(textured(16, 64), (1, 1024, 1)), "PNG"),  # 65,536 px wide
        "zero-table.jpg": _jpeg_with_zero_in_table(),
        "cut-end.jpg": encode(textured(128, 128, seed=3), quality=90)[:-200],
    }
    bad = {
        "empty.jpg": b"",
        "notes.jpg": b"just some text\n" * 30,
        "page.png": b"<!doctype html><html><body>not an image</body></html>",
        "half.jpg": encode(textured(128, 128, seed=4), quality=90)[:400],
        "broken.gif": _multi_frame("GIF")[:300],
    }
    for name, data in {**good, **bad}.items():
        (folder / name).write_bytes(data)
    return folder, sorted(good), sorted(bad)


@pytest.mark.parametrize("command", ["info", "ela", "predict"])
def test_a_mixed_folder_gives_exit_1_one_line_per_bad_file_and_every_good_file(command, mixed_folder, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    folder, good, bad = mixed_folder
    exe = Path(sys.executable).with_name("imgfake")
    args = [str(exe), command, str(folder)] + (["--out-dir", str(tmp_path / "ela")] if command == "ela" else [])
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}  # strict stdout
    done = subprocess.run(args, capture_output=True, timeout=600, env=env)
    out, err = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, err[-2000:]
    errors = [line for line in err.splitlines() if line.startswith("imgfake: ")]
    assert len(errors) == len(bad), errors
    for name in bad:
        assert sum(name in line for line in errors) == 1
    assert not any(word in err for word in ("Traceback", "Error:", "Exception")), err[-2000:]
    processed = [line for line in out.splitlines() if line.startswith(str(folder))]
    assert len(processed) == len(good), processed
    assert any("caf" in line and "\\udc" in line for line in processed), "the odd name, escaped"


def test_the_dashboard_report_survives_every_bad_file(mixed_folder):
    from imgfake.dashboard import DashboardState

    folder, good, bad = mixed_folder
    state = DashboardState(detector=None, detector_loader=lambda: None, background=False)
    for path in sorted(folder.iterdir()):
        state.add_upload(path.name, path.read_bytes())
    assert sum(item.ok for item in state.items) == len(good)
    assert state.error == ""
    page = state.report_html()
    assert page.count("<h2>") == len(good) + len(bad) + 1  # the summary, then one section per file
    assert "could not be drawn" not in page
    json.loads(state.report_json())


@pytest.mark.parametrize("mode,subsampling", [("RGB", 2), ("RGB", 1), ("RGB", 0), ("L", 0), ("CMYK", 0)])
@pytest.mark.parametrize("cut", [0.6, 0.75, 0.9, 0.99])
def test_the_undecoded_mask_covers_every_pixel_the_file_lost(mode, subsampling, cut):
    image = Image.fromarray(textured(160, 96, seed=3)).convert(mode)
    data = encode(image, quality=90, subsampling=subsampling)
    whole = load_image(data).pixels.astype(int)
    cut_short = load_image(data[: int(len(data) * cut)], name="cut.jpg")
    wrong = np.abs(cut_short.pixels.astype(int) - whole).max(axis=2) > 40
    assert not (wrong & ~cut_short.undecoded).any(), "lost pixels left unmarked"
    assert cut_short.undecoded.mean() < (1 - cut) + 0.2, "not much more than was lost"
    assert cut_short.undecoded.dtype == bool


def test_a_truncated_progressive_jpeg_is_refused_saying_why():
    data = encode(textured(256, 256, seed=5), quality=90, progressive=True)
    with pytest.raises(ImageLoadError, match="progressive"):
        load_image(data[: int(len(data) * 0.7)], name="prog.jpg")


def test_the_undecoded_mask_turns_with_the_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    data = encode(textured(128, 192, seed=6), quality=90, exif=exif.tobytes())
    image = load_image(data[: int(len(data) * 0.8)], name="rotated.jpg")
    assert image.pixels.shape[:2] == (192, 128) and image.undecoded.shape == (192, 128)
    # the stored bottom rows end up as the left columns after a clockwise turn
    assert image.undecoded[:, 0].all() and not image.undecoded[:, -1].any()


def test_ela_outputs_never_overwrite_each_other_and_earlier_ones_are_skipped(tmp_path, capsys):
    from imgfake.cli import main

    folder = tmp_path / "photos"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    for path in (folder / "x.jpg", folder / "x.png", folder / "a" / "y.jpg", folder / "b" / "y.jpg"):
        path.write_bytes(encode(textured(32, 40), "PNG" if path.suffix == ".png" else "JPEG"))
    out = tmp_path / "ela"
    assert main(["ela", str(folder), "--out-dir", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 4 and len(set(written)) == 4, written
    assert main(["ela", str(folder)]) == 0  # beside the images
    capsys.readouterr()
    assert main(["ela", str(folder)]) == 0  # a second run does not analyse the first run's PNGs
    assert not any(p.stem.endswith("_ela_ela") for p in folder.rglob("*"))


def test_unusable_names_and_file_objects_are_load_errors(tmp_path, capsys):
    from imgfake.cli import main
    from imgfake.resources import samples_dir

    with pytest.raises(ImageLoadError, match="not a usable file name"):
        load_image("x" * 5000)
    with open(tmp_path / "w.jpg", "wb") as handle, pytest.raises(ImageLoadError, match="cannot be read"):
        load_image(handle)
    status = main(["info", str(samples_dir()), "y" * 300])
    out, err = capsys.readouterr()
    assert status == 1 and out.count(": JPEG") >= 5 and err.count("imgfake: ") == 1


def test_on_grid_checks_its_factor():
    from imgfake.results import AnalysisResult

    result = AnalysisResult("x", heatmap=np.zeros((2, 2), np.float32), cell=8, image_size=(16, 16))
    with pytest.raises(ValueError, match="integer >= 1"):
        result.on_grid(0)
    with pytest.raises(ValueError, match="larger than"):
        result.on_grid(32)
