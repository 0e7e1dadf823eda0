import json
import sys

import numpy as np
import pytest
from PIL import Image

from imgfake.cli import expand_paths, main
from imagefactory import encode, textured


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "good.jpg"
    good.write_bytes(encode(textured(40, 60), quality=83))
    png = tmp_path / "flat.png"
    png.write_bytes(encode(np.full((20, 20, 3), 200, np.uint8), "PNG"))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"this is not a picture")
    return good, png, bad


def test_info_reports_good_files_and_one_error_line_per_bad_file(files, capsys):
    good, png, bad = files
    status = main(["info", str(good), str(bad), str(png)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "good.jpg: JPEG 60×40" in out and "JPEG quality ≈ 83" in out
    assert "flat.png: PNG 20×20" in out
    errors = [line for line in err.splitlines() if line.startswith("imgfake: ")]
    assert len(errors) == 1 and "bad.jpg" in errors[0] and "not an image" in errors[0]
    assert err.splitlines()[-1].startswith("3 images: 2 read, 1 error, ")


def test_info_json_is_one_object_per_line(files, capsys):
    good, png, _ = files
    assert main(["info", "--json", str(good), str(png)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["format"] for r in records] == ["JPEG", "PNG"]
    assert records[0]["jpeg_quality"] == 83 and records[1]["jpeg_quality"] is None
    assert all("findings" in r and "sha256" in r for r in records)


def test_ela_writes_a_png_and_json_stats(files, tmp_path, capsys):
    good, _, bad = files
    out = tmp_path / "out.png"
    assert main(["ela", str(good), "-q", "70", "-o", str(out), "--json", "--mode", "sqrt"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["quality"] == 70 and record["mean"] > 0
    assert Image.open(out).size == (60, 40)
    assert main(["ela", str(bad)]) == 1
    assert "not an image" in capsys.readouterr().err


def test_ela_default_output_name_and_bad_gain(files, capsys):
    good, _, _ = files
    assert main(["ela", str(good), "--gain", "4"]) == 0
    assert good.with_name("good_ela.png").exists()
    assert main(["ela", str(good), "--gain", "-2"]) == 2
    assert "--gain must be positive" in capsys.readouterr().err


def test_analyses_lists_the_registry(capsys):
    assert main(["analyses", "--json"]) == 0
    names = {json.loads(line)["name"] for line in capsys.readouterr().out.splitlines()}
    assert {"ela", "noise", "jpeg", "metadata"} <= names


def test_expand_paths_walks_folders(tmp_path, files):
    (tmp_path / "notes.txt").write_text("x")
    found = expand_paths([tmp_path])
    assert [p.name for p in found] == ["bad.jpg", "flat.png", "good.jpg"]


def test_no_command_prints_usage_to_stderr(capsys):
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("usage: imgfake") and "imgfake --help" in err
