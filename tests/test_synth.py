"""Tests for imgfake.learn.synth: exact masks, area bounds, determinism, and the written set."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imgfake.learn import synth
from imgfake.learn.datasets import build_manifest, check_disjoint, split_manifest
from imgfake.learn.synth import (
    MANIFEST_COLUMNS,
    SHAPES,
    copy_move,
    jpeg_bytes,
    jpeg_roundtrip,
    make_forgery_set,
    make_pair,
    random_shape_mask,
    retouch,
    source_of,
    splice,
)


def _photo(h: int = 96, w: int = 128, seed: int = 0) -> np.ndarray:
    """A photo-like test image: smooth colour waves plus mild noise (σ = 6)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    phase = rng.uniform(0, 2 * np.pi, 3)
    freq = rng.uniform(0.5, 2.0, 3)
    waves = [128 + 80 * np.sin(freq[c] * (xx + 0.7 * yy) * 2 * np.pi + phase[c]) for c in range(3)]
    pixels = np.stack(waves, axis=2) + rng.normal(0, 6, (h, w, 3))
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != b).any(axis=2)


def _assert_exact(image: np.ndarray, forged: np.ndarray, mask: np.ndarray, inside: float) -> None:
    """Untouched outside the mask; at least ``inside`` of the mask's pixels changed."""
    assert forged.dtype == np.uint8 and forged.shape == image.shape
    assert mask.dtype == bool and mask.shape == image.shape[:2]
    assert np.array_equal(forged[~mask], image[~mask])
    assert _changed(forged, image)[mask].mean() >= inside


# ----------------------------------------------------------------- masks


@pytest.mark.parametrize("shape", SHAPES)
def test_random_shape_mask_area_within_bounds(shape: str):
    for seed in range(25):
        rng = np.random.default_rng(seed)
        mask = random_shape_mask((60, 90), rng=rng, area=(0.1, 0.2), shapes=[shape])
        assert mask.shape == (60, 90) and mask.dtype == bool
        assert 0.1 <= mask.mean() <= 0.2


def test_random_shape_mask_deterministic_and_seed_dependent():
    a = random_shape_mask((50, 70), rng=np.random.default_rng(7))
    b = random_shape_mask((50, 70), rng=np.random.default_rng(7))
    c = random_shape_mask((50, 70), rng=np.random.default_rng(8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"area": (0.3, 0.2)}, r"got \(0.3, 0.2\)"),
        ({"area": (0.0, 0.2)}, r"got \(0.0, 0.2\)"),
        ({"shapes": ["star"]}, "star"),
    ],
)
def test_random_shape_mask_rejects_bad_arguments(kwargs: dict, message: str):
    with pytest.raises(ValueError, match=message):
        random_shape_mask((50, 50), rng=np.random.default_rng(0), **kwargs)


def test_rng_must_be_a_generator():
    with pytest.raises(ValueError, match="int"):
        random_shape_mask((50, 50), rng=0)


# ----------------------------------------------------------------- edits


def test_splice_mask_is_exact_and_area_bounded():
    target, donor = _photo(seed=1), _photo(80, 60, seed=2)
    for seed in range(10):
        forged, mask = splice(target, donor, rng=np.random.default_rng(seed), area=(0.05, 0.25))
        _assert_exact(target, forged, mask, inside=0.95)
        assert 0.05 <= mask.mean() <= 0.25


def test_splice_feather_keeps_hard_mask_and_softens_rim():
    target, donor = _photo(seed=1), _photo(seed=2)
    hard, mask = splice(target, donor, rng=np.random.default_rng(3))
    soft, soft_mask = splice(target, donor, rng=np.random.default_rng(3), feather=2.0)
    assert np.array_equal(mask, soft_mask)  # feathering never changes the mask
    _assert_exact(target, soft, mask, inside=0.5)
    # the rim blends towards the target: softened pixels sit between target and donor
    differs = _changed(hard, soft)
    assert differs.any() and not differs[~mask].any()


def test_splice_rejects_bad_input():
    with pytest.raises(ValueError, match="float64"):
        splice(np.zeros((20, 20, 3)), _photo(), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"\(20, 20\)"):
        splice(_photo(), np.zeros((20, 20), np.uint8), rng=np.random.default_rng(0))


def _find_offset(image: np.ndarray, forged: np.ndarray, mask: np.ndarray) -> tuple[int, int] | None:
    """The shift (dy, dx) such that forged[mask] == image[mask shifted by -shift], if any."""
    ys, xs = np.nonzero(mask)
    y, x = ys[0], xs[0]
    for sy, sx in zip(*np.nonzero((image == forged[y, x]).all(axis=2))):
        dy, dx = y - sy, x - sx
        src_y, src_x = ys - dy, xs - dx
        inside = (src_y >= 0) & (src_y < image.shape[0]) & (src_x >= 0) & (src_x < image.shape[1])
        if inside.all() and np.array_equal(forged[ys, xs], image[src_y, src_x]):
            return int(dy), int(dx)
    return None


def test_copy_move_pastes_a_shifted_copy_of_the_same_image():
    image = np.random.default_rng(0).integers(0, 256, (72, 96, 3), dtype=np.uint8)  # unique texture
    for seed in range(5):
        forged, mask = copy_move(image, rng=np.random.default_rng(seed), area=(0.05, 0.15))
        _assert_exact(image, forged, mask, inside=0.95)
        assert 0.05 <= mask.mean() <= 0.15
        offset = _find_offset(image, forged, mask)
        assert offset is not None and offset != (0, 0)


@pytest.mark.parametrize(("rotate", "scale"), [(True, False), (False, True), (True, True)])
def test_copy_move_rotated_or_scaled(rotate: bool, scale: bool):
    image = _photo(seed=4)
    for seed in range(5):
        forged, mask = copy_move(image, rng=np.random.default_rng(seed), rotate=rotate, scale=scale)
        _assert_exact(image, forged, mask, inside=0.8)
        assert 0.05 * 0.85 <= mask.mean() <= 0.15 * 1.15  # resampling moves the area a little


def test_copy_move_rotation_leaves_no_dark_fringe():
    # a rotated patch must not blend in the black corners that rotation adds
    flat = np.full((120, 160, 3), 200, dtype=np.uint8)
    for seed in range(10):
        forged, mask = copy_move(flat, rng=np.random.default_rng(seed), rotate=True, scale=True)
        assert forged[mask].min() >= 195


@pytest.mark.parametrize("kind", ["smooth", "sharpen", "clone"])
def test_retouch_mask_is_exact(kind: str):
    image = _photo(seed=5)
    for seed in range(5):
        forged, mask = retouch(image, rng=np.random.default_rng(seed), kind=kind)
        _assert_exact(image, forged, mask, inside=0.6)
        assert 0.05 <= mask.mean() <= 0.25


def test_retouch_smooth_lowers_noise_inside():
    image = _photo(seed=6)
    forged, mask = retouch(image, rng=np.random.default_rng(0), kind="smooth", feather=0.0)
    # neighbouring-pixel differences (mostly the σ = 6 noise) shrink inside the blob
    inside = mask[:, 1:] & mask[:, :-1]

    def roughness(a: np.ndarray) -> float:
        return float(np.abs(np.diff(a.astype(float), axis=1)).mean(axis=2)[inside].mean())

    assert roughness(forged) < 0.7 * roughness(image)


def test_retouch_rejects_unknown_kind():
    with pytest.raises(ValueError, match="'blur'"):
        retouch(_photo(), rng=np.random.default_rng(0), kind="blur")


@pytest.mark.parametrize(
    "edit",
    [
        lambda rng: splice(_photo(seed=1), _photo(seed=2), rng=rng),
        lambda rng: copy_move(_photo(seed=1), rng=rng, rotate=True),
        lambda rng: retouch(_photo(seed=1), rng=rng, kind="clone"),
    ],
    ids=["splice", "copy-move", "retouch"],
)
def test_edits_deterministic_by_seed(edit):
    a, mask_a = edit(np.random.default_rng(11))
    b, mask_b = edit(np.random.default_rng(11))
    c, mask_c = edit(np.random.default_rng(12))
    assert np.array_equal(a, b) and np.array_equal(mask_a, mask_b)
    assert not np.array_equal(mask_a, mask_c)


# ----------------------------------------------------------------- JPEG and pairs


def test_jpeg_roundtrip_and_bytes():
    image = _photo()
    out = jpeg_roundtrip(image, quality=90)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert 0 < np.abs(out.astype(int) - image).mean() < 8
    assert jpeg_bytes(image, quality=75) == jpeg_bytes(image, quality=75)
    assert len(jpeg_bytes(image, quality=50)) < len(jpeg_bytes(image, quality=95))
    with Image.open(io.BytesIO(jpeg_bytes(image, quality=80, subsampling="4:4:4"))) as im:
        assert im.format == "JPEG" and im.size == (128, 96)
    for bad in (0, 101, 90.5):
        with pytest.raises(ValueError, match=str(bad)):
            jpeg_bytes(image, quality=bad)
    with pytest.raises(ValueError, match="4:1:1"):
        jpeg_bytes(image, quality=90, subsampling="4:1:1")


def test_make_pair_double_compression_known_answer():
    image, donor = _photo(seed=1), _photo(seed=2)
    pair = make_pair(image, kind="splice", rng=np.random.default_rng(0), quality=92,
                     first_quality=75, donor=donor)
    once = jpeg_roundtrip(image, quality=75)
    assert pair.authentic == jpeg_bytes(once, quality=92)
    assert (pair.quality, pair.first_quality, pair.kind) == (92, 75, "splice")
    assert pair.forged != pair.authentic and pair.mask.any()
    single = make_pair(image, kind="retouch", rng=np.random.default_rng(0), quality=90)
    assert single.authentic == jpeg_bytes(image, quality=90) and single.first_quality is None
    with pytest.raises(ValueError, match="donor"):
        make_pair(image, kind="splice", rng=np.random.default_rng(0), quality=90)


# ----------------------------------------------------------------- sets


@pytest.fixture
def sources(tmp_path: Path) -> list[Path]:
    paths = []
    for i, (name, fmt) in enumerate((("photo_a.png", "PNG"), ("b.tif", "TIFF"))):
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(_photo(90, 120, seed=20 + i)).save(path, format=fmt)
        paths.append(path)
    return paths


def _read_rows(out: Path) -> list[dict]:
    with (out / "manifest.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def _tree(out: Path) -> dict[str, bytes]:
    files = sorted(p for p in out.rglob("*") if p.is_file())
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


def test_make_forgery_set_layout_and_manifest(sources: list[Path], tmp_path: Path):
    out = make_forgery_set(sources, tmp_path / "set", n_per_source=3, seed=0, max_side=64)
    assert out == tmp_path / "set"
    rows = _read_rows(out)
    assert tuple(rows[0]) == MANIFEST_COLUMNS
    jpgs = {p.relative_to(out).as_posix() for p in out.rglob("*.jpg")}
    assert {r["path"] for r in rows} == jpgs and len(rows) == 12
    authentic = [r for r in rows if r["label"] == "0"]
    forged = [r for r in rows if r["label"] == "1"]
    assert len(authentic) == len(forged) == 6
    assert sorted(r["kind"] for r in forged) == ["copy-move"] * 2 + ["retouch"] * 2 + ["splice"] * 2
    assert {r["source"] for r in rows} == {"photo-a", "b"}  # underscores never reach names
    for r in forged:
        assert r["path"] == f"edited/{r['kind']}/{Path(r['path']).stem}.jpg"
        assert r["mask"] == f"masks/{Path(r['path']).stem}.png"
        with Image.open(out / r["path"]) as im, Image.open(out / r["mask"]) as m:
            assert im.size == m.size == (int(r["width"]), int(r["height"]))
            assert max(im.size) <= 64 and m.mode == "L"
            assert set(np.unique(np.asarray(m))) == {0, 255}
        if r["kind"] == "splice":
            assert r["donor"] == ({"photo-a", "b"} - {r["source"]}).pop()
    for r in rows:
        assert 70 <= int(r["quality"]) <= 95
        assert (r["first_quality"] != "") == (r["double_compressed"] == "1")
        assert source_of(r["path"]) == r["source"]


def test_make_forgery_set_twins_share_source_and_split(sources: list[Path], tmp_path: Path):
    out = make_forgery_set(sources, tmp_path / "set", n_per_source=2, seed=1, max_side=48)
    rows = _read_rows(out)
    for r in rows:
        if r["label"] == "1":
            stem = Path(r["path"]).stem.rsplit("_", 1)[0]
            twin = next(t for t in rows if t["path"] == f"authentic/{stem}.jpg")
            assert twin["source"] == r["source"] and twin["quality"] == r["quality"]
            assert twin["first_quality"] == r["first_quality"]
    manifest = build_manifest(out, group_fn=source_of)  # masks/ is skipped
    assert len(manifest) == 8 and manifest.unreadable == ()
    assert {e.kind for e in manifest.entries if e.label == 1} == {"splice", "copy-move", "retouch"}
    split = split_manifest(manifest, val=0.0, test=0.5, seed=0)
    check_disjoint(split)
    assert {e.group for e in split.train}.isdisjoint({e.group for e in split.test})


def test_make_forgery_set_deterministic_by_seed(sources: list[Path], tmp_path: Path):
    kwargs = {"n_per_source": 2, "max_side": 48, "double_compression": 0.5}
    a = _tree(make_forgery_set(sources, tmp_path / "a", seed=5, **kwargs))
    b = _tree(make_forgery_set(sources, tmp_path / "b", seed=5, **kwargs))
    c = _tree(make_forgery_set(sources, tmp_path / "c", seed=6, **kwargs))
    assert a == b
    assert a != c


def test_make_forgery_set_refuses_to_mix_sets(sources: list[Path], tmp_path: Path):
    out = make_forgery_set(sources, tmp_path / "set", n_per_source=2, max_side=48)
    with pytest.raises(ValueError, match="not empty"):
        make_forgery_set(sources, out, n_per_source=1, max_side=48)
    make_forgery_set(sources, out, n_per_source=1, max_side=48, overwrite=True)
    assert len(list(out.rglob("*.jpg"))) == 4 == len(_read_rows(out))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kinds": ["blur"]}, "blur"),
        ({"quality_range": (90, 80)}, r"\(90, 80\)"),
        ({"quality_range": (0, 80)}, "got 0"),
        ({"double_compression": 1.5}, "1.5"),
        ({"n_per_source": 0}, "got 0"),
        ({"seed": -1}, "got -1"),
    ],
)
def test_make_forgery_set_rejects_bad_arguments(sources, tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_forgery_set(sources, tmp_path / "set", **kwargs)
    with pytest.raises(ValueError, match="empty list"):
        make_forgery_set([], tmp_path / "set")


# ----------------------------------------------------------------- shipped samples

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def test_samples_json_matches_files():
    import hashlib
    import json

    records = json.loads((SAMPLES / "samples.json").read_text())
    assert {r["label"] for r in records} == {0, 1}
    assert {r["kind"] for r in records if r["label"] == 1} == {"splice", "copy-move", "retouch"}
    total = 0
    for r in records:
        data = (SAMPLES / r["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sha256"]
        assert len(data) < 200_000
        total += len(data)
        with Image.open(SAMPLES / r["file"]) as im:
            assert im.format == "JPEG" and im.size == (r["width"], r["height"])
        if r["mask"]:
            with Image.open(SAMPLES / r["mask"]) as m:
                assert m.size == (r["width"], r["height"])
                assert 0.03 < (np.asarray(m) > 0).mean() < 0.3
    assert total < 1_000_000


@pytest.mark.parametrize("pattern", synth.BAYER_PATTERNS)
@pytest.mark.parametrize("method", synth.DEMOSAIC_METHODS)
def test_camera_like_keeps_the_measured_samples_and_interpolates_the_rest(pattern, method):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(40, 30, 3), dtype=np.uint8)
    out = synth.camera_like(image, pattern=pattern, method=method)
    assert out.shape == image.shape and out.dtype == np.uint8
    measured = np.zeros(image.shape, bool)
    for k, letter in enumerate(pattern):
        dy, dx = divmod(k, 2)
        measured[dy::2, dx::2, "RGB".index(letter)] = True
    inner = np.zeros(image.shape, bool)
    inner[2:-2, 2:-2] = True
    assert (out[measured & inner] == image[measured & inner]).all()
    assert (out[~measured & inner] != image[~measured & inner]).mean() > 0.5


def test_camera_like_rejects_unknown_patterns_and_tiny_images():
    image = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="pattern"):
        synth.camera_like(image, pattern="RGBG")
    with pytest.raises(ValueError, match="method"):
        synth.camera_like(image, method="magic")
    with pytest.raises(ValueError, match="2×2"):
        synth.camera_like(np.zeros((1, 5, 3), np.uint8))


@pytest.mark.parametrize("edit", [synth.inpaint, synth.resample_region, synth.local_noise])
def test_the_new_edits_change_only_their_region(edit):
    image = _photo(96, 128, seed=4)
    changed = 0
    for seed in range(4):
        forged, mask, how = edit(image, rng=np.random.default_rng(seed))
        assert mask.shape == image.shape[:2] and 0.01 < mask.mean() < 0.3 and how
        assert (forged[~mask] == image[~mask]).all()
        changed += (forged[mask] != image[mask]).any(axis=-1).mean() > 0.3
    assert changed >= 3


def test_a_copy_move_pair_marks_the_copy_and_its_source():
    image = _photo(96, 128, seed=5)
    forged, copy, source = synth.copy_move(image, rng=np.random.default_rng(2), with_source=True)
    assert copy.any() and source.any() and not (copy & source).any()
    assert (forged[source] == image[source]).all()  # the source is untouched: it is marked anyway
    edited, mask, detail = synth.apply_edit(image, kind="copy-move", rng=np.random.default_rng(2))
    assert (edited[~mask] == image[~mask]).all() and detail.startswith("copy-move")
    untouched = (edited == image).all(axis=-1) & mask
    assert untouched.sum() > 0.3 * mask.sum()  # about half the mask is the (unchanged) source


def test_non_aligned_double_compression_crops_between_the_saves():
    image = _photo(96, 128, seed=6)
    donor = _photo(96, 128, seed=7)
    pair = synth.make_pair(image, kind="splice-nadjpg", rng=np.random.default_rng(0), quality=90,
                           first_quality=60, donor=donor, grid_offset=(3, 5))
    assert pair.mask.shape == (93, 123) and pair.detail.endswith("+offset3,5")
    assert Image.open(io.BytesIO(pair.forged)).size == (123, 93)
    with pytest.raises(ValueError, match="first_quality"):
        synth.make_pair(image, kind="splice", rng=np.random.default_rng(0), quality=90, donor=donor,
                        grid_offset=(1, 1))
    with pytest.raises(ValueError, match="0..7"):
        synth.make_pair(image, kind="splice", rng=np.random.default_rng(0), quality=90, first_quality=60,
                        donor=donor, grid_offset=(8, 0))


def test_a_benchmark_set_draws_each_kinds_own_history(sources: list[Path], tmp_path: Path):
    out = make_forgery_set(sources, tmp_path / "bench", n_per_source=9, seed=3, max_side=96,
                           kinds=synth.BENCH_KINDS)
    forged = [r for r in _read_rows(out) if r["label"] == "1"]
    assert {r["kind"] for r in forged} == set(synth.BENCH_KINDS)
    for row in forged:
        if row["kind"] in ("splice-djpg", "splice-nadjpg"):
            assert 50 <= int(row["first_quality"]) <= 80
            assert int(row["first_quality"]) + 10 <= int(row["quality"]) <= 100
        if row["kind"] == "splice-nadjpg":
            assert "+offset" in row["detail"]
        if row["kind"] == "camera-splice":
            assert int(row["quality"]) >= 96 and row["first_quality"] == ""
    with pytest.raises(ValueError, match="kinds must be drawn"):
        make_forgery_set(sources, tmp_path / "x", kinds=("blur-everything",))


def test_read_mask_is_the_inverse_of_mask_png(tmp_path: Path):
    mask = random_shape_mask((40, 56), rng=np.random.default_rng(3), area=(0.1, 0.3))
    path = tmp_path / "m.png"
    path.write_bytes(synth.mask_png(mask))
    back = synth.read_mask(path)
    assert back.dtype == bool and back.shape == (40, 56) and (back == mask).all()


def test_read_mask_reads_the_samples_and_thresholds_grey_levels(tmp_path: Path):
    from imgfake.io import ImageLoadError

    area = synth.read_mask(SAMPLES / "kodim03_splice_mask.png")
    assert area.shape == (341, 512) and abs(area.mean() - 0.0651) < 0.001  # samples.json's mask_fraction
    grey = np.array([[0, 127, 128, 255]], np.uint8)
    Image.fromarray(np.dstack([grey] * 3)).save(tmp_path / "rgb.png")
    assert synth.read_mask(tmp_path / "rgb.png").tolist() == [[False, False, True, True]]
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(ImageLoadError):
        synth.read_mask(tmp_path / "text.png")
