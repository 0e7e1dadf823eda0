"""Tests for imgfake.learn.datasets on small folders made here, plus one on ../shared/data/faces."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imgfake.learn.datasets import (
    DEFAULT_CLASS_MAP,
    SPLIT_FILE,
    Manifest,
    Split,
    arrange_samples,
    build_manifest,
    check_disjoint,
    parse_face_name,
    read_split,
    read_splits,
    save_splits,
    sniff_format,
    split_manifest,
)

SUBGROUPS = ("easy", "mid", "hard")


def _image(path: Path, seed: int, *, size: tuple[int, int] = (16, 12), fmt: str = "PNG") -> Path:
    """Write a small random image (distinct bytes for distinct seeds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, format=fmt)
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """40 real (PNG and JPEG), 42 edited (faces-style names, 2 in a sub-folder) and traps.

    Traps: a text file named .jpg, an empty .jpg, an exact duplicate inside ``real``, a copy
    of a real image inside ``edited`` (a label conflict), a PNG named .jpg, a hidden file.
    """
    root = tmp_path / "data"
    for i in range(40):
        fmt, ext = ("PNG", "png") if i % 2 else ("JPEG", "jpg")
        _image(root / "real" / f"r{i:02d}.{ext}", seed=i, fmt=fmt)
    for i in range(42 - 2):
        name = f"{SUBGROUPS[i % 3]}_{i}_{i % 2}{(i // 2) % 2}01.jpg"
        _image(root / "edited" / name, seed=100 + i, fmt="JPEG")
    _image(root / "edited" / "splice" / "s0.png", seed=200, size=(20, 10))
    _image(root / "edited" / "splice" / "s1.png", seed=201, size=(20, 10))
    (root / "real" / "notes.jpg").write_text("not an image")
    (root / "real" / "empty.jpg").write_bytes(b"")
    (root / "real" / ".DS_Store").write_bytes(b"\x00\x01")
    shutil.copy(root / "real" / "r01.png", root / "real" / "r01_copy.png")
    shutil.copy(root / "real" / "r03.png", root / "edited" / "conflict.png")
    _image(root / "real" / "png_named.jpg", seed=300, fmt="PNG")
    (root / "README.txt").write_text("files at the root are not in any class")
    return root


# ----------------------------------------------------------------- small helpers


def test_sniff_format_known_answers():
    assert sniff_format(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "JPEG"
    assert sniff_format(b"\x89PNG\r\n\x1a\n\x00") == "PNG"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "WEBP"
    assert sniff_format(b"II*\x00\x08\x00") == "TIFF"
    assert sniff_format(b"GIF89a") == "GIF"
    assert sniff_format(b"not an image") is None
    assert sniff_format(b"") is None


def test_parse_face_name():
    assert parse_face_name("easy_12_1010.jpg") == ("easy", "1010")
    assert parse_face_name("edited/hard_3_0001.jpg") == ("hard", "0001")
    assert parse_face_name("easy_116_111.jpg") == ("easy", None)  # a real quirk of the set
    assert parse_face_name("real_00001.jpg") is None
    assert parse_face_name("easy_12_2010.jpg") is None


# ----------------------------------------------------------------- manifest


def test_counts_labels_kinds_and_subgroups(dataset: Path):
    m = build_manifest(dataset)
    by_path = {e.path: e for e in m.entries}
    # 40 real + duplicate + png_named; 40 faces-style + 2 in splice/ + conflict copy
    assert Counter(e.class_name for e in m.entries) == {"real": 42, "edited": 43}
    assert {e.label for e in m.entries if e.class_name == "real"} == {0}
    assert {e.label for e in m.entries if e.class_name == "edited"} == {1}
    assert by_path["edited/splice/s0.png"].kind == "splice"
    assert by_path["edited/easy_0_0001.jpg"].kind == "0001"
    assert by_path["edited/easy_0_0001.jpg"].subgroup == "easy"
    assert by_path["real/r00.jpg"].kind is None and by_path["real/r00.jpg"].subgroup is None
    subgroups = Counter(e.subgroup for e in m.entries if e.subgroup)
    assert subgroups == {"easy": 14, "mid": 13, "hard": 13}
    assert [e.path for e in m.entries] == sorted(e.path for e in m.entries)


def test_format_from_magic_bytes_and_size_from_header(dataset: Path):
    by_path = {e.path: e for e in build_manifest(dataset).entries}
    assert by_path["real/png_named.jpg"].format == "PNG"
    assert by_path["real/r00.jpg"].format == "JPEG"
    assert (by_path["real/r01.png"].width, by_path["real/r01.png"].height) == (16, 12)
    nested = by_path["edited/splice/s0.png"]
    assert (nested.width, nested.height) == (20, 10)
    assert by_path["real/r01.png"].n_bytes == (dataset / "real/r01.png").stat().st_size


def test_unreadable_reported_and_left_on_disk(dataset: Path):
    m = build_manifest(dataset)
    reasons = {u.path: u.reason for u in m.unreadable}
    assert set(reasons) == {"real/notes.jpg", "real/empty.jpg"}
    assert "empty" in reasons["real/empty.jpg"]
    assert "cannot open" in reasons["real/notes.jpg"]
    assert (dataset / "real/notes.jpg").read_text() == "not an image"
    assert (dataset / "real/empty.jpg").exists()
    assert all(not e.path.endswith((".DS_Store", "README.txt")) for e in m.entries)


def test_duplicates_and_label_conflicts(dataset: Path):
    m = build_manifest(dataset)
    assert set(m.duplicates) == {
        ("real/r01.png", "real/r01_copy.png"),
        ("edited/conflict.png", "real/r03.png"),
    }
    assert m.conflicts == (("edited/conflict.png", "real/r03.png"),)
    groups = {e.path: e.group for e in m.entries}
    assert groups["real/r01.png"] == groups["real/r01_copy.png"] is not None
    assert groups["real/r00.jpg"] is None


def test_duplicates_join_their_groups(tmp_path: Path):
    # a/x and b/y are copies with different group keys: both groups must become one.
    for name, seed in (("a-1", 1), ("a-2", 2), ("b-1", 3), ("b-2", 4)):
        _image(tmp_path / "real" / f"{name}.png", seed=seed)
    shutil.copy(tmp_path / "real/a-1.png", tmp_path / "real/b-dup.png")
    m = build_manifest(tmp_path, group_fn=lambda p: Path(p).stem.split("-")[0])
    assert len({e.group for e in m.entries}) == 1


def test_unknown_folder_names_raise_with_advice(dataset: Path):
    (dataset / "maybe").mkdir()
    _image(dataset / "maybe" / "x.png", seed=9)
    with pytest.raises(ValueError, match=r"maybe") as info:
        build_manifest(dataset)
    assert "class_map" in str(info.value) and "edited" in str(info.value)


def test_bad_root_and_class_map_raise(tmp_path: Path):
    with pytest.raises(ValueError, match="nowhere"):
        build_manifest(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="no class folders"):
        build_manifest(tmp_path)
    (tmp_path / "real").mkdir()
    with pytest.raises(ValueError, match="class_map"):
        build_manifest(tmp_path, class_map={"real": 2})


def test_custom_class_map_and_ignored_folders(tmp_path: Path):
    _image(tmp_path / "Clean" / "a.png", seed=1)
    _image(tmp_path / "Photoshopped" / "b.png", seed=2)
    _image(tmp_path / "masks" / "b.png", seed=3)  # skipped by default
    m = build_manifest(tmp_path, class_map={"clean": 0, "photoshopped": 1})
    assert [(e.path, e.label, e.class_name) for e in m.entries] == [
        ("Clean/a.png", 0, "real"),
        ("Photoshopped/b.png", 1, "edited"),
    ]
    assert DEFAULT_CLASS_MAP["tampered"] == 1 and DEFAULT_CLASS_MAP["pristine"] == 0


def test_fingerprint_ignores_names_and_sees_labels(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    _image(a / "real" / "x.png", seed=1)
    _image(a / "edited" / "y.png", seed=2)
    _image(b / "authentic" / "renamed.png", seed=1)
    _image(b / "fake" / "other.png", seed=2)
    assert build_manifest(a).fingerprint() == build_manifest(b).fingerprint()
    swapped = build_manifest(a, class_map={"real": 1, "edited": 0})
    assert swapped.fingerprint() != build_manifest(a).fingerprint()


def test_save_load_roundtrip(dataset: Path, tmp_path: Path):
    m = build_manifest(dataset)
    loaded = Manifest.load(m.save(tmp_path / "out" / "manifest.csv"), root=dataset)
    assert loaded.entries == m.entries
    assert loaded.duplicates == m.duplicates and loaded.conflicts == m.conflicts
    assert loaded.fingerprint() == m.fingerprint()
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="missing columns"):
        Manifest.load(tmp_path / "bad.csv")


def test_summary_plain_counts(dataset: Path):
    s = build_manifest(dataset).summary()
    assert s["n"] == 85
    assert s["classes"] == {"edited": 43, "real": 42}
    assert s["subgroups"]["edited"] == {"easy": 14, "hard": 13, "mid": 13}
    assert s["kinds"]["edited"]["splice"] == 2
    assert s["formats"] == {"JPEG": 60, "PNG": 25}
    assert s["sizes"]["16x12"] == 83 and s["sizes"]["20x10"] == 2
    assert (s["unreadable"], s["duplicate_groups"], s["conflicts"]) == (2, 2, 1)


# ----------------------------------------------------------------- split


def test_table_shortcuts_find_save_settings_held_by_one_class(tmp_path: Path):
    from imgfake.io import encode_jpeg

    rng = np.random.default_rng(0)
    for cls, qualities in {"real": [90] * 6, "edited": [90] * 3 + [70] * 3}.items():
        (tmp_path / cls).mkdir()
        for i, q in enumerate(qualities):
            pixels = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
            (tmp_path / cls / f"{i}.jpg").write_bytes(encode_jpeg(pixels, quality=q))
    m = build_manifest(tmp_path)
    q90 = {e.jpeg_tables for e in m.entries if e.path.startswith("real/")}
    assert len(q90) == 1 and next(iter(q90)).startswith("q90=")  # standard tables: "=", not "~"
    assert m.shared_tables() == q90
    shortcuts = m.table_shortcuts()
    assert [(r["class_name"], r["n"]) for r in shortcuts] == [("edited", 3)]
    assert shortcuts[0]["jpeg_tables"].startswith("q70")
    assert m.summary()["table_shortcuts"] == shortcuts
    reloaded = Manifest.load(m.save(tmp_path / "m.csv"))
    assert reloaded.table_shortcuts() == shortcuts


@pytest.fixture
def balanced(tmp_path: Path) -> Manifest:
    """200 real + 200 edited singletons, edited ones split 80/80/40 over easy/mid/hard."""
    root = tmp_path / "balanced"
    for i in range(200):
        _image(root / "real" / f"r{i}.png", seed=i, size=(8, 8))
        sub = "easy" if i < 80 else "mid" if i < 160 else "hard"
        _image(root / "edited" / f"{sub}_{i}_1000.png", seed=1000 + i, size=(8, 8))
    return build_manifest(root)


def test_split_sizes_and_stratification(balanced: Manifest):
    split = split_manifest(balanced, val=0.15, test=0.15, seed=0)
    assert split.sizes() == {"train": 280, "val": 60, "test": 60}
    for name, n in (("train", 140), ("val", 30), ("test", 30)):
        assert split.label_counts()[name] == {"edited": n, "real": n}
    assert split.stratify == "label+subgroup"
    test_sub = Counter(e.subgroup for e in split.test if e.subgroup)
    assert test_sub == {"easy": 12, "mid": 12, "hard": 6}
    check_disjoint(split)


def test_split_deterministic_by_seed(balanced: Manifest):
    a = split_manifest(balanced, seed=3)
    b = split_manifest(replace(balanced, entries=balanced.entries[::-1]), seed=3)
    c = split_manifest(balanced, seed=4)
    assert a == b
    assert {e.path for e in a.test} != {e.path for e in c.test}


def test_split_keeps_duplicates_and_groups_together(dataset: Path):
    m = build_manifest(
        dataset, group_fn=lambda p: "pair" if Path(p).stem in ("r10", "r11") else None
    )
    for seed in range(10):
        split = split_manifest(m, val=0.2, test=0.2, seed=seed)
        check_disjoint(split)
        where = {e.path: name for name in ("train", "val", "test") for e in split[name]}
        assert where["real/r01.png"] == where["real/r01_copy.png"]
        assert where["real/r03.png"] == where["edited/conflict.png"]
        assert where["real/r10.jpg"] == where["real/r11.png"]
        assert sum(split.sizes().values()) == len(m)


def test_split_of_grouped_twins_stays_balanced(tmp_path: Path):
    # synthetic-set shape: every group holds one real and one edited image
    for g in range(60):
        _image(tmp_path / "authentic" / f"g{g}_0.png", seed=g, size=(8, 8))
        _image(tmp_path / "edited" / f"g{g}_0_x.png", seed=500 + g, size=(8, 8))
    m = build_manifest(tmp_path, group_fn=lambda p: Path(p).name.split("_")[0])
    split = split_manifest(m, val=0.2, test=0.2, seed=0)
    check_disjoint(split)
    assert split.sizes() == {"train": 72, "val": 24, "test": 24}


def test_check_disjoint_catches_leaks(balanced: Manifest):
    split = split_manifest(balanced, seed=0)
    leaky = replace(split, test=split.test + split.train[:1])
    with pytest.raises(ValueError, match="leaks 1"):
        check_disjoint(leaky)
    grouped = replace(
        split,
        train=(replace(split.train[0], group="g"),),
        val=(replace(split.val[0], group="g"),),
    )
    with pytest.raises(ValueError, match="group g"):
        check_disjoint(grouped)


def test_split_save_load_and_fingerprint_check(balanced: Manifest, tmp_path: Path):
    split = split_manifest(balanced, seed=1)
    path = split.save(tmp_path / "split.json")
    assert Split.load(path, manifest=balanced) == split
    assert split.fingerprint == balanced.fingerprint()
    other = replace(balanced, entries=balanced.entries[1:])
    with pytest.raises(ValueError, match="fingerprint"):
        Split.load(path, manifest=other)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"val": -0.1}, "val must be a fraction in .* got -0.1"),
        ({"test": 1.0}, "test must be a fraction in .* got 1.0"),
        ({"val": 0.5, "test": 0.5}, r"got 0.5 \+ 0.5"),
        ({"stratify": "kind"}, "got 'kind'"),
    ],
)
def test_split_rejects_bad_arguments(balanced: Manifest, kwargs: dict, message: str):
    with pytest.raises(ValueError, match=message):
        split_manifest(balanced, **kwargs)


def test_split_empty_manifest_raises():
    with pytest.raises(ValueError, match="empty"):
        split_manifest(Manifest(root=None, entries=()))


# ----------------------------------------------------------------- shared data


@pytest.mark.shared_data
def test_faces_manifest(shared_data: Path):
    faces = shared_data / "faces"
    if not faces.is_dir():
        pytest.skip(f"../shared/data/faces not found at {faces}")
    m = build_manifest(faces)
    s = m.summary()
    assert s["classes"] == {"edited": 868, "real": 868}
    assert s["subgroups"]["edited"] == {"easy": 214, "hard": 218, "mid": 436}
    assert s["formats"] == {"JPEG": 1736} and s["sizes"] == {"600x600": 1736}
    assert m.unreadable == () and m.duplicates == ()
    # The file format gives a quarter of the edited faces away: every real face shares one
    # set of quantisation tables, while 222 edited faces were saved with tables no real face has.
    shortcuts = m.table_shortcuts(min_share=0)
    assert {row["class_name"] for row in shortcuts} == {"edited"}
    assert sum(row["n"] for row in shortcuts) == 222
    assert len(m.shared_tables()) == 1
    split = split_manifest(m, seed=0)
    check_disjoint(split)
    assert split.stratify == "label+subgroup"
    assert abs(len(split.test) - 0.15 * 1736) <= 3


# ----------------------------------------------------------------- samples, JPEG quality, bundle splits

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def test_arrange_samples_makes_the_class_folder_layout(tmp_path: Path):
    import json

    out = arrange_samples(tmp_path / "layout", samples_dir=SAMPLES)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    records = json.loads((SAMPLES / "samples.json").read_text())
    assert len(files) == len(records) == 6
    assert "real/kodim03_authentic.jpg" in files and "edited/splice/kodim03_splice.jpg" in files
    assert (out / "edited" / "splice" / "kodim03_splice.jpg").read_bytes() == (SAMPLES / "kodim03_splice.jpg").read_bytes()
    summary = build_manifest(out).summary()
    assert summary["classes"] == {"edited": 3, "real": 3}
    assert summary["kinds"] == {"edited": {"copy-move": 1, "retouch": 1, "splice": 1}}


def test_arrange_samples_defaults_to_the_shipped_samples_and_refuses_to_mix(tmp_path: Path):
    out = arrange_samples(tmp_path / "a")
    assert len(build_manifest(out)) == 6
    with pytest.raises(ValueError, match="must be empty"):
        arrange_samples(out, samples_dir=SAMPLES)
    with pytest.raises(ValueError, match="samples.json"):
        arrange_samples(tmp_path / "b", samples_dir=tmp_path)


@pytest.mark.parametrize("quality", [35, 77, 94])
def test_jpeg_quality_comes_from_the_header_and_agrees_with_the_jpeg_analysis(tmp_path: Path, quality: int):
    from imgfake import load_image, run_analysis
    from imgfake.io import encode_jpeg

    pixels = np.random.default_rng(quality).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.jpg").write_bytes(encode_jpeg(pixels, quality=quality))
    _image(tmp_path / "real" / "b.png", seed=1)
    by_path = {e.path: e for e in build_manifest(tmp_path).entries}
    assert by_path["real/a.jpg"].jpeg_quality == quality
    assert run_analysis("jpeg", load_image(tmp_path / "real" / "a.jpg")).details["quality"] == quality
    assert by_path["real/b.png"].jpeg_quality is None
    assert replace(by_path["real/a.jpg"], jpeg_tables="invalid~abc123").jpeg_quality is None


def test_bundle_splits_round_trip_by_name_and_fingerprint(balanced: Manifest, tmp_path: Path):
    from imgfake.learn.domain import SPLIT_FILE as DOMAIN_SPLIT_FILE

    assert SPLIT_FILE == DOMAIN_SPLIT_FILE  # the file the detector reads its training profile from
    other = replace(balanced, entries=balanced.entries[10:])
    first, second = split_manifest(balanced, seed=1), split_manifest(other, seed=2)
    path = save_splits(tmp_path, {"faces": first, "synthetic": second})
    assert path == tmp_path / SPLIT_FILE
    assert read_splits(tmp_path) == {"faces": first, "synthetic": second}
    assert list(read_splits(path)) == ["faces", "synthetic"]
    assert Split.from_dict(first.to_dict()) == first
    assert read_split(tmp_path, dataset="synthetic") == second
    assert read_split(tmp_path, manifest=balanced) == first
    assert read_split(tmp_path, manifest=other)["test"] == second.test
    with pytest.raises(ValueError, match="pass dataset="):
        read_split(tmp_path)
    with pytest.raises(ValueError, match="not 'nope'"):
        read_split(tmp_path, dataset="nope")
    with pytest.raises(ValueError, match="no split .* was made from this data"):
        read_split(tmp_path, manifest=replace(balanced, entries=balanced.entries[:5]))
    save_splits(tmp_path, {"faces": first})
    assert read_split(tmp_path) == first  # one data folder: no name needed


def test_read_splits_says_what_is_missing(tmp_path: Path):
    with pytest.raises(ValueError, match="no split.json found"):
        read_splits(tmp_path)
    (tmp_path / "split.json").write_text('{"splits": {}}')
    with pytest.raises(ValueError, match="not a bundle's split file"):
        read_splits(tmp_path)
