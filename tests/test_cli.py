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


def test_info_walks_folders_like_predict(tmp_path, files, capsys):
    assert main(["info", str(tmp_path)]) == 1  # bad.jpg is in the folder
    out, err = capsys.readouterr()
    assert "good.jpg: JPEG" in out and "flat.png: PNG" in out and "bad.jpg" in err


def test_every_option_has_help_text():
    from imgfake.cli import _parser

    parser = _parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"imgfake {name}: {action.option_strings or action.dest} has no help"


def test_json_numbers_are_rounded(files, capsys):
    good, _, _ = files
    assert main(["ela", "--json", str(good)]) == 0
    text = capsys.readouterr().out
    assert max(len(n.split(".")[1]) for n in __import__("re").findall(r"\d+\.\d+", text)) <= 4


def test_an_unreadable_file_and_an_odd_name_never_stop_the_others(tmp_path, files, capsys):
    import os

    good, _, _ = files
    locked = tmp_path / "locked.jpg"
    locked.write_bytes(good.read_bytes())
    locked.chmod(0)
    odd = tmp_path / os.fsdecode(b"caf\xe9 \xff.jpg")  # not UTF-8
    odd.write_bytes(good.read_bytes())
    try:
        status = main(["info", str(locked), str(odd), str(good)])
        out, err = capsys.readouterr()
        if os.access(locked, os.R_OK):  # root reads anything: then the file is simply good
            assert status == 0
        else:
            assert status == 1 and "locked.jpg" in err and "cannot be read" in err
            assert "PermissionError" not in err
        assert "good.jpg: JPEG" in out and out.count(": JPEG") >= 2
    finally:
        locked.chmod(0o644)


def test_predict_into_head_ends_quietly(tmp_path):
    """`imgfake predict … | head -1`: no BrokenPipeError, no TensorFlow start-up lines."""
    import subprocess
    from pathlib import Path

    from imgfake.resources import samples_dir

    exe = Path(sys.executable).with_name("imgfake")
    pipeline = f"'{exe}' predict '{samples_dir()}' | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", pipeline], capture_output=True, text=True, timeout=300)
    assert done.stdout.count("\n") == 1 and "p_edited" in done.stdout
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert "tensorflow" not in done.stderr.lower(), done.stderr


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    from imgfake import cli

    assert cli._Progress(100).bar is None, "stderr is not a terminal under pytest"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    bar = cli._Progress(100)
    assert bar.bar is not None and cli._Progress(2).bar is None
    bar.close()


def test_progress_lines_in_a_log(capsys):
    """Off a terminal, a scan's progress is a plain line now and then (here: every call)."""
    from imgfake import cli

    log = cli._Progress(40, lines=True, every=0.0, initial=10)
    log.step(errors=1)
    log.step(errors=2)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("12/40 images, ") and lines[-1].endswith("images/s, errors 2"), lines
    quiet = cli._Progress(40, every=0.0)
    quiet.step()
    assert capsys.readouterr().err == ""
