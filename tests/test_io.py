import io

import numpy as np
import pytest
from PIL import Image

from imgfake.io import ImageLoadError, LoadedImage, load_image
from imagefactory import encode, textured


@pytest.fixture
def rgb():
    return textured(48, 64)


def test_jpeg_from_bytes_path_and_file_agree(tmp_path, rgb):
    data = encode(rgb, quality=85)
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    from_bytes = load_image(data, name="photo.jpg")
    from_path = load_image(path)
    with open(path, "rb") as fh:
        from_file = load_image(fh)
    for img in (from_bytes, from_path, from_file):
        assert isinstance(img, LoadedImage)
        assert img.pixels.dtype == np.uint8 and img.pixels.shape == (48, 64, 3)
        assert img.format == "JPEG" and img.mode == "RGB"
        assert img.n_bytes == len(data)
        assert img.name == "photo.jpg"
    assert from_bytes.sha256 == from_path.sha256 == from_file.sha256
    np.testing.assert_array_equal(from_bytes.pixels, from_path.pixels)


def test_jpeg_facts(rgb):
    img = load_image(encode(rgb, quality=50, subsampling=0, progressive=True))
    assert img.jpeg.subsampling == "4:4:4"
    assert img.jpeg.progressive is True
    assert img.jpeg.quantization[0][:8] == (16, 11, 10, 16, 24, 40, 51, 61)  # IJG q50, natural order
    assert load_image(encode(rgb, quality=90)).jpeg.subsampling == "4:2:0"
    assert load_image(encode(rgb, quality=50, subsampling=0)).resave_subsampling == "4:4:4"
    assert load_image(encode(rgb, "PNG")).jpeg is None
    assert load_image(encode(rgb, "PNG")).resave_subsampling == "4:2:0"


def test_exif_orientation_is_applied(rgb):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise for display
    img = load_image(encode(rgb, quality=95, exif=exif.tobytes()))
    assert img.pixels.shape == (64, 48, 3)
    assert img.orientation == 6
    assert any("orientation" in n for n in img.notes)
    assert img.exif is not None and img.exif[:2] in (b"II", b"MM")


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML"),
        (b"hello, this is a plain text file\n" * 4, "text"),
        (bytes(range(256)) * 4, "not an image"),
    ],
)
def test_non_images_raise_one_error_type_that_says_what_was_received(data, expected):
    with pytest.raises(ImageLoadError, match=expected) as info:
        load_image(data, name="upload.jpg")
    assert isinstance(info.value, ValueError)
    assert "upload.jpg" in str(info.value)


def test_wrong_extension_on_a_non_image_is_named(tmp_path):
    path = tmp_path / "holiday.jpg"
    path.write_bytes(b"%PDF-1.4 fake")
    with pytest.raises(ImageLoadError, match=r"holiday\.jpg.*PDF.*JPEG"):
        load_image(path)


def test_wrong_extension_on_an_image_is_loaded_with_a_note(tmp_path, rgb):
    path = tmp_path / "really_a_png.jpg"
    path.write_bytes(encode(rgb, "PNG"))
    img = load_image(path)
    assert img.format == "PNG"
    assert any("'.jpg'" in n and "PNG" in n for n in img.notes)


@pytest.mark.parametrize("keep", [0.02, 0.3])
def test_a_jpeg_cut_before_most_of_the_picture_raises(rgb, keep):
    data = encode(textured(256, 256), quality=90)
    with pytest.raises(ImageLoadError, match="truncated or corrupt|could not be"):
        load_image(data[: int(len(data) * keep)], name="cut.jpg")


@pytest.mark.parametrize("keep", [0.6, 0.9, 0.999])
def test_a_jpeg_missing_its_end_is_analysed_as_far_as_it_goes(rgb, keep):
    data = encode(textured(256, 256), quality=90)
    image = load_image(data[: int(len(data) * keep)], name="cut.jpg")
    assert image.undecoded is not None and image.undecoded[-1].any() and not image.undecoded[0].any()
    assert image.undecoded.mean() < 0.5


def test_corrupt_png_raises(rgb):
    data = bytearray(encode(rgb, "PNG"))
    data[60:80] = b"\x00" * 20  # break a chunk checksum
    with pytest.raises(ImageLoadError):
        load_image(bytes(data))


def test_decompression_bomb_is_refused_before_decoding():
    # A 20000×20000 greyscale PNG of zeros compresses to a few hundred KB.
    bomb = encode(Image.new("L", (20000, 20000)), "PNG")
    assert len(bomb) < 2_000_000
    with pytest.raises(ImageLoadError, match=r"400\.0 megapixels.*nothing was decoded"):
        load_image(bomb, name="bomb.png")
    # Just over our own (lower) limit: refused from the header too, with the declared size.
    medium = encode(Image.new("L", (9000, 8000)), "PNG")
    with pytest.raises(ImageLoadError, match=r"9000×8000 = 72\.0 megapixels.*64\.0 MP"):
        load_image(medium, name="big.png")
    with pytest.raises(ImageLoadError, match="megapixels"):
        load_image(encode(textured(40, 40), "PNG"), max_pixels=1000)


def test_oversized_file_is_refused(rgb):
    with pytest.raises(ImageLoadError, match="MiB"):
        load_image(encode(rgb, "PNG"), max_bytes=100)


def test_unsupported_format_is_refused():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "ICO")
    with pytest.raises(ImageLoadError, match="ICO.*convert it to PNG or JPEG"):
        load_image(buf.getvalue())


def test_cmyk_jpeg_becomes_rgb(rgb):
    cmyk = Image.fromarray(rgb).convert("CMYK")
    img = load_image(encode(cmyk, quality=95))
    assert img.mode == "CMYK" and img.pixels.shape == (48, 64, 3)
    assert np.abs(img.pixels.astype(int) - rgb).mean() < 12  # approximate colours survive
    assert any("CMYK" in n for n in img.notes)


def test_16bit_greyscale_is_scaled_by_range_not_clipped():
    ramp = (np.arange(256 * 4, dtype=np.uint32).reshape(4, 256) * 64).astype(np.uint16)  # 0..65472
    img = load_image(encode(Image.fromarray(ramp), "PNG"))
    assert img.mode.startswith("I;16")
    grey = img.pixels[..., 0].astype(int)
    assert grey.max() == 255 and grey.min() == 0  # clipping would give all 255 above 255/65535
    assert np.all(np.diff(grey[0]) >= 0)  # monotone
    np.testing.assert_array_equal(img.pixels[..., 0], img.pixels[..., 2])


def test_palette_and_alpha_and_greyscale(rgb):
    pal = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    img = load_image(encode(pal, "PNG"))
    assert img.mode == "P" and img.pixels.shape == (48, 64, 3)

    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    rgba[:, :10, 3] = 0  # transparent stripe
    img = load_image(encode(rgba, "PNG"))
    assert img.mode == "RGBA"
    assert np.all(img.pixels[:, :10] == 255)  # composited on white
    np.testing.assert_array_equal(img.pixels[:, 10:], rgb[:, 10:])
    assert any("white" in n for n in img.notes)

    grey = load_image(encode(Image.fromarray(rgb).convert("L"), "PNG"))
    assert grey.mode == "L"
    np.testing.assert_array_equal(grey.pixels[..., 0], grey.pixels[..., 1])


def test_multi_frame_takes_the_first_frame_and_says_so():
    frames = [Image.new("RGB", (16, 16), c) for c in ("red", "green", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    img = load_image(buf.getvalue())
    assert img.n_frames == 3
    assert any("3 frames" in n for n in img.notes)
    r, g, b = img.pixels[8, 8]
    assert r > 200 and g < 50 and b < 50


def test_missing_path_and_folder_and_wrong_type(tmp_path):
    with pytest.raises(ImageLoadError, match="does not exist"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageLoadError, match="folder"):
        load_image(tmp_path)
    with pytest.raises(ImageLoadError, match="int"):
        load_image(42)
    with pytest.raises(ImageLoadError, match="binary mode"):
        load_image(io.StringIO("text"))


def test_summary_is_json_safe(rgb):
    import json

    summary = load_image(encode(rgb, quality=80), name="a.jpg").summary()
    assert json.loads(json.dumps(summary))["jpeg"]["subsampling"] == "4:2:0"
