"""The workshop (imgfake.workshop, notebooks/05_workshop.ipynb): checkers that recompute what the
learner computed, the learner's copy made from the teacher's, and the one-page handout.

Right answers are computed here the plain way (NumPy slices, Pillow), not through the checker's
own helpers, so a checker that recomputes wrongly fails."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from imgfake import workshop
from imgfake.forensics.ela import ela
from imgfake.forensics.registry import Analysis, available, run_analysis
from imgfake.io import encode_jpeg, load_image
from imgfake.results import AnalysisResult
from imgfake.workshop import EXERCISES, checks
from imgfake.workshop.build import STUB_MARKER, _first_sentences, handout_html, learner_copy, stub_source

ROOT = Path(__file__).resolve().parents[1]
TEACHER = ROOT / "notebooks" / "05_workshop.ipynb"
SAMPLES = ROOT / "data" / "samples"
ARTIFACTS = ROOT / "tests" / "artifacts" / "workshop"

RIGHT, NOT_YET = "✓ Right: ", "✗ Not yet: "
CHECKERS = {n: getattr(workshop, e.checker) for n, e in EXERCISES.items()}
#: Positional arguments of each checker (for the "unanswered" and "odd answer" cases).
ARITY = {1: 1, 2: 3, 3: 4, 4: 1, 5: 1, 6: 1, 7: 2, 8: 5, 9: 2, 10: 1}


def _teacher() -> dict:
    return json.loads(TEACHER.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _one_line(capsys, feedback) -> str:
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0] == feedback.message, lines
    return lines[0]


def _box_means(residual: np.ndarray, box) -> tuple[float, float]:
    top, left, bottom, right = box
    where = np.zeros(residual.shape[:2], bool)
    where[top:bottom, left:right] = True
    return float(residual[where].mean()), float(residual[~where].mean())


# --- every checker: unanswered, odd answers ----------------------------------------------------


def test_there_are_ten_exercises_each_with_a_checker_and_a_hint():
    assert sorted(EXERCISES) == list(range(1, 11)) and set(ARITY) == set(EXERCISES)
    for number, exercise in EXERCISES.items():
        assert callable(CHECKERS[number]) and len(exercise.hint) > 30, exercise


@pytest.mark.parametrize("number", sorted(EXERCISES))
def test_an_unanswered_exercise_prints_its_hint(number, capsys):
    args = [None] * ARITY[number]
    if number == 8:  # the photo comes from the notebook's upload cell, the rest is the learner's
        args[0] = workshop.sample("kodim07_copy-move")
    feedback = CHECKERS[number](*args)
    assert not feedback.ok and feedback.exercise == number
    assert _one_line(capsys, feedback) == NOT_YET + EXERCISES[number].hint


ODD = ["75", 3.5, -1, True, [], {}, (1, 2), b"\xff\xd8junk", object(), np.zeros(3), float("nan"), lambda *a: None]


@pytest.mark.parametrize("number", sorted(EXERCISES))
def test_odd_answers_give_hints_never_exceptions(number, capsys):
    for odd in ODD:
        args = [odd] * ARITY[number]
        feedback = CHECKERS[number](*args)
        line = _one_line(capsys, feedback)
        assert not feedback.ok and line.startswith(NOT_YET) and "Traceback" not in line, (odd, line)


def test_feedback_is_shown_once_and_reads_as_its_message(capsys):
    feedback = workshop.check_quality(75)
    assert feedback and str(feedback) == feedback.message and feedback._ipython_display_() is None


# --- Part 1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("quality, ok", [(75, True), (74, True), (76, True), (73, False), (90, False), (50, False)])
def test_quality_is_right_where_the_retouch_stands_out(quality, ok, capsys):
    feedback = workshop.check_quality(quality)
    assert feedback.ok is ok, feedback.message
    if not ok:
        assert ("lower" if quality > 75 else "higher") in feedback.message


def test_region_recomputes_the_learners_box(capsys):
    photo = load_image(SAMPLES / "kodim03_splice.jpg")
    box = (45, 250, 125, 325)
    inside, outside = _box_means(ela(photo.pixels, quality=75), box)
    assert inside > 4 * outside  # the known answer the checker must agree with

    right = workshop.check_region(box, round(inside, 2), round(outside, 2), quality=75)
    assert right.ok and "99% of your box" in right.message and f"{inside:.2f}" in right.message
    wrong = workshop.check_region(box, inside + 0.5, outside, quality=75)
    assert not wrong.ok and f"{inside:.2f} inside" in wrong.message  # says what it computed
    at_90 = workshop.check_region(box, inside, outside, quality=90)  # numbers from another quality
    assert not at_90.ok and "quality 90" in at_90.message
    swapped = workshop.check_region((250, 45, 325, 125), inside, outside)  # (left, top, ...) by mistake
    assert not swapped.ok and "rows first" in swapped.message
    off = (0, 0, 40, 40)
    assert not (f := workshop.check_region(off, *_box_means(ela(photo.pixels, quality=75), off))).ok
    assert "lies on the pasted oval" in f.message
    outside_photo = workshop.check_region((0, 0, 400, 600), 1.0, 1.0)
    assert not outside_photo.ok and "does not fit" in outside_photo.message


def test_texture_wants_the_rocks_brighter_than_the_sky(capsys):
    residual = ela(load_image(SAMPLES / "kodim21_authentic.jpg").pixels, quality=90)
    sky, rocks = (0, 0, 60, 512), (260, 0, 341, 200)
    my_sky, my_rocks = (float(residual[t:b, l:r].mean()) for t, l, b, r in (sky, rocks))
    assert my_rocks > 10 * my_sky
    assert workshop.check_texture(sky, rocks, my_sky, my_rocks).ok
    swapped = workshop.check_texture(rocks, sky, my_rocks, my_sky)
    assert not swapped.ok and "not much brighter" in swapped.message
    assert not workshop.check_texture(sky, rocks, my_sky, my_rocks + 1).ok


# --- Part 2 ------------------------------------------------------------------------------------


def test_clone_method_wants_a_cloning_method_that_finds_the_copy(capsys):
    copy_move = workshop.sample("kodim07_copy-move")
    for name in ("copymove", "copymove-dense"):
        assert workshop.check_clone_method(run_analysis(name, copy_move)).ok, name
    adjpg = workshop.check_clone_method(run_analysis("adjpg", copy_move))
    assert not adjpg.ok and "cloning" in adjpg.message and "marks 99%" in adjpg.message
    assert "no yes/no call" in workshop.check_clone_method(run_analysis("ela", copy_move)).message
    other_photo = workshop.check_clone_method(run_analysis("copymove", workshop.sample("kodim03_splice")))
    assert not other_photo.ok and "marks only 0%" in other_photo.message
    not_run = workshop.check_clone_method("copymove")
    assert not not_run.ok and "run_analysis('copymove', copy_move)" in not_run.message
    foreign = AnalysisResult("copymove", heatmap=np.zeros((3, 3), np.float32), image_size=(3, 3))
    assert "not the copy-move sample" in workshop.check_clone_method(foreign).message


def test_comparison_recomputes_each_methods_contrast(capsys):
    retouch = load_image(SAMPLES / "kodim21_retouch.jpg")
    mask = load_image(SAMPLES / "kodim21_retouch_mask.png").pixels[..., 0] > 127
    mine = {}
    for name in ("ela", "adjpg", "noise"):
        values = run_analysis(name, retouch).on_grid(1, suspicion=True)
        mine[name] = float(np.nanmean(values[mask]) / np.nanmean(values[~mask]))
    assert mine["adjpg"] > mine["ela"] > 1
    right = workshop.check_comparison(mine)
    assert right.ok and right.message.index("'adjpg'") < right.message.index("'ela'")  # ranked
    assert "'wavelet-noise'" not in right.message and "untouched twin, same area: 1.9×" in right.message
    assert not workshop.check_comparison({**mine, "ela": mine["ela"] * 1.2}).ok
    assert "at least two" in workshop.check_comparison({"ela": mine["ela"]}).message
    assert "draws no map" in workshop.check_comparison({"ela": 1.0, "jpeg": 1.0}).message
    assert "no method named" in workshop.check_comparison({"ela": 1.0, "elaa": 1.0}).message


def test_camera_wants_new_tables_and_the_exif_kept(capsys):
    phone_file = workshop.camera_original(load_image(SAMPLES / "kodim07_authentic.jpg").pixels)
    phone = load_image(phone_file)
    assert {f.code for f in run_analysis("tables", phone).findings} == {"tables-match-camera"}

    original = Image.open(io.BytesIO(phone_file))
    kept, dropped = io.BytesIO(), io.BytesIO()
    original.save(kept, "JPEG", quality=85, exif=original.info["exif"])
    original.save(dropped, "JPEG", quality=85)
    right = workshop.check_camera(kept.getvalue())
    assert right.ok and "quality-85" in right.message
    assert "lost the EXIF" in workshop.check_camera(dropped.getvalue()).message
    assert "still the iPhone 6's own" in workshop.check_camera(phone_file).message
    assert "not the phone's photo" in workshop.check_camera((SAMPLES / "kodim03_splice.jpg").read_bytes()).message
    with pytest.raises(ValueError, match="no camera"):
        workshop.camera_original(phone.pixels, camera="Nobody | Nothing")


def test_credentials_signed_then_stripped(capsys):
    splice_file = workshop.sample_bytes("kodim03_splice")
    signed = workshop.sign_claim(splice_file, source_type="digitalCapture")
    codes = {f.code for f in run_analysis("credentials", load_image(signed)).findings}
    assert {"credentials-signed", "signer-untrusted", "source-camera"} <= codes
    plain = encode_jpeg(load_image(signed).pixels, quality=90)
    assert workshop.check_credentials(signed, plain).ok
    assert "still carries the manifest" in workshop.check_credentials(signed, signed).message
    ai = workshop.sign_claim(splice_file, source_type="trainedAlgorithmicMedia")
    assert "do not claim a camera" in workshop.check_credentials(ai, plain).message
    other = workshop.sign_claim(workshop.sample_bytes("kodim07_authentic"))
    assert "sign splice_file itself" in workshop.check_credentials(other, plain).message
    assert "no readable content credentials" in workshop.check_credentials(splice_file, plain).message
    with pytest.raises(ValueError, match="bytes of a JPEG"):
        workshop.sign_claim("kodim03_splice.jpg")


# --- Part 3 and 4 ------------------------------------------------------------------------------


def test_own_photo_recomputes_any_method_in_any_box(capsys):
    photo = load_image(SAMPLES / "kodim07_copy-move.jpg")
    box = (170, 0, 341, 256)
    values = run_analysis("noise", photo).on_grid(1, suspicion=True)
    where = np.zeros(values.shape, bool)
    where[170:341, 0:256] = True
    inside, outside = float(np.nanmean(values[where])), float(np.nanmean(values[~where]))
    assert workshop.check_own_photo(photo, "noise", box, inside, outside).ok
    assert not workshop.check_own_photo(photo, "noise", box, outside, inside).ok
    assert "draws no map" in workshop.check_own_photo(photo, "metadata", box, 1, 1).message
    assert "pass your photo" in workshop.check_own_photo(photo.pixels, "noise", box, inside, outside).message


def test_uploaded_photo_falls_back_to_the_sample_and_says_so(capsys):
    class Upload:  # what ipywidgets.FileUpload holds: a tuple of dicts
        value = ()

    fallback = SAMPLES / "kodim07_copy-move.jpg"
    assert workshop.uploaded_photo(Upload(), fallback=fallback).sha256 == load_image(fallback).sha256
    assert "No photo uploaded: using the sample kodim07_copy-move.jpg" in capsys.readouterr().out
    Upload.value = ({"name": "mine.jpg", "content": memoryview((SAMPLES / "kodim03_splice.jpg").read_bytes())},)
    assert workshop.uploaded_photo(Upload(), fallback=fallback).name == "mine.jpg"
    Upload.value = ({"name": "broken.jpg", "content": b"not an image"},)
    assert workshop.uploaded_photo(Upload(), fallback=fallback).name == "kodim07_copy-move.jpg"
    assert "Could not read broken.jpg" in capsys.readouterr().out
    Upload.value = ()
    assert workshop.uploaded_photo(Upload()).name == "kodim07_copy-move.jpg"  # the shipped sample
    assert workshop.uploaded_photo(None).name == "kodim07_copy-move.jpg"


@pytest.mark.parametrize("where", ["bottom-left", "Bottom left", "lower-left", " bottom_left "])
def test_dashboard_answers_match_the_package(where, capsys):
    assert workshop.check_dashboard(92, where).ok


def test_dashboard_wrong_answers(capsys):
    assert "JPEG q" in workshop.check_dashboard(75, "bottom-left").message
    assert "not in the 'top-right' quarter" in workshop.check_dashboard(92, "top-right").message


def _resize_and_save(quality: int, scale: float = 0.75):
    def launder(data: bytes) -> bytes:
        pixels = load_image(data).pixels
        size = (round(pixels.shape[1] * scale), round(pixels.shape[0] * scale))
        smaller = Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS)
        return encode_jpeg(np.asarray(smaller), quality=quality)

    return launder


@pytest.mark.parametrize("scale, quality, gone", [
    (1.0, 95, False), (1.0, 92, False), (1.0, 85, False),  # a save above the first one keeps the traces
    (1.0, 80, True), (1.0, 70, True), (0.75, 92, True), (0.75, 70, True), (0.5, 70, True)])
def test_laundering_knows_which_pipelines_erase_the_traces(scale, quality, gone, capsys):
    assert workshop.check_laundering(_resize_and_save(quality, scale=scale)).ok is gone


def test_laundering_runs_the_learners_function(capsys):
    assert workshop.check_laundering(_resize_and_save(70)).ok
    survived = workshop.check_laundering(_resize_and_save(95, scale=1.0))  # a high-quality re-save keeps them
    assert not survived.ok and "survived" in survived.message

    def broken(data):
        raise RuntimeError("my bug")

    assert "raised an error on kodim03_splice.jpg: my bug" in workshop.check_laundering(broken).message
    assert "don't crop" in workshop.check_laundering(
        lambda d: encode_jpeg(load_image(d).pixels[:, :100], quality=70)).message
    png = io.BytesIO()
    Image.fromarray(load_image(workshop.sample_bytes("kodim03_splice")).pixels).save(png, "PNG")
    assert "return a JPEG" in workshop.check_laundering(lambda d: png.getvalue()).message


# --- the teacher's notebook and the learner's copy ---------------------------------------------


def test_the_teacher_notebook_checks_every_exercise_once_after_its_solution():
    cells = _teacher()["cells"]
    calls = {}
    for i, cell in enumerate(cells):
        for name in re.findall(r"workshop\.(check_\w+)\(", _source(cell)):
            calls.setdefault(name, []).append(i)
            assert "# NBVAL_CHECK_OUTPUT" in _source(cell), f"cell {i} checks without NBVAL_CHECK_OUTPUT"
    assert {e.checker for e in EXERCISES.values()} == set(calls)
    assert all(len(v) == 1 for v in calls.values()), calls
    solutions = [i for i, c in enumerate(cells) if "solution" in c["metadata"].get("tags", [])
                 and c["cell_type"] == "code"]
    assert len(solutions) == len(EXERCISES)
    for checker, (at,) in calls.items():  # a solution cell comes before its check, after the last check
        before = [i for i in solutions if i < at and not any(at2 < i < at for (at2,) in calls.values())]
        assert before, f"{checker} has no solution cell before it"


def test_learner_copy_has_stubs_and_no_solution_text():
    teacher = _teacher()
    pristine = json.dumps(teacher, sort_keys=True)
    learner = learner_copy(teacher)
    assert json.dumps(teacher, sort_keys=True) == pristine, "the teacher's notebook was changed"
    nbformat.validate(nbformat.from_dict(learner))

    solutions = [c for c in teacher["cells"] if "solution" in c["metadata"].get("tags", [])]
    code_solutions = [c for c in solutions if c["cell_type"] == "code"]
    stubs = [c for c in learner["cells"] if "stub" in c["metadata"].get("tags", [])]
    assert len(stubs) == len(code_solutions) == len(EXERCISES)
    for solution, stub in zip(code_solutions, stubs):  # in order: each solution became its stub
        assert _source(stub) == stub_source(_source(solution))
        assert "None" in _source(stub) and STUB_MARKER not in _source(stub)
    learner_text = "\n".join(_source(c) for c in learner["cells"])
    given = "\n".join([_source(c) for c in teacher["cells"] if c not in solutions]  # the instructions
                      + [stub_source(_source(c)) for c in code_solutions])  # and the stubs' own hints
    checked = 0
    for solution in solutions:
        for line in _source(solution).splitlines():
            line = line.strip()
            if len(line) >= 12 and not line.startswith((STUB_MARKER, "**Solution")) and line not in given:
                checked += 1
                assert line not in learner_text, f"solution text in the learner's copy: {line!r}"
    assert checked > 40
    for cell in learner["cells"]:
        tags = cell["metadata"].get("tags", [])
        assert "solution" not in tags and "teacher" not in tags
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "Teacher's copy" not in learner_text and "teacher's copy only" not in learner_text
    assert learner["metadata"]["imgfake"]["workshop"] == "learner copy"
    with pytest.raises(ValueError, match="already a learner's copy"):
        learner_copy(learner)


def test_each_check_in_the_learner_copy_reads_only_names_defined_above_it():
    import ast

    defined: set[str] = set()
    for cell in learner_copy(_teacher())["cells"]:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse(_source(cell))
        for node in ast.walk(tree):
            call = node if isinstance(node, ast.Call) else None
            if call and isinstance(call.func, ast.Attribute) and call.func.attr.startswith("check_"):
                read = {a.id for a in call.args if isinstance(a, ast.Name)}
                assert read <= defined, f"{ast.unparse(call)} reads {read - defined}, defined by no cell above"
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            defined |= {leaf.id for t in targets for leaf in ast.walk(t) if isinstance(leaf, ast.Name)}
            if isinstance(node, (ast.FunctionDef, ast.Import, ast.ImportFrom)):
                defined |= {node.name} if isinstance(node, ast.FunctionDef) else {
                    (a.asname or a.name).split(".")[0] for a in node.names}


def test_stub_source_without_markers_names_what_the_solution_assigns():
    assert stub_source("a = 1\nb, c = 2, 3\nprint(a)") == "\n".join(f"{n} = None  # your code" for n in "abc")
    assert stub_source("def my_launder(data):\n    return data") == "my_launder = None  # your code"
    assert stub_source("# stub: x = None  # choose\nx = 75") == "x = None  # choose"
    assert stub_source("print(1)") == "# your code"
    with pytest.raises(ValueError, match="does not parse"):
        stub_source("def (")


def test_write_workshop_and_the_command(tmp_path, capsys):
    from imgfake.workshop.build import main

    assert main([str(TEACHER), "--out", str(tmp_path / "ws")]) == 0
    assert {p.name for p in (tmp_path / "ws").iterdir()} == {"05_workshop.ipynb", "handout.html"}
    assert "wrote the learner copy" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.ipynb"), "--out", str(tmp_path / "x")]) == 1
    shutil.copy(TEACHER, tmp_path / "05_workshop.ipynb")
    assert main([str(tmp_path / "05_workshop.ipynb"), "--out", str(tmp_path)]) == 1  # never over the teacher's
    assert "overwrite" in capsys.readouterr().err


# --- the handout -------------------------------------------------------------------------------


def test_handout_lists_every_registered_method_offline_and_for_a4():
    page = handout_html()
    for name in available():
        assert f"<code>{name}</code>" in page, name
    assert "<script" not in page and "<link" not in page and "@import" not in page and "url(" not in page
    assert not re.search(r"(src|href)\s*=", page), "the handout must not load anything"
    assert "@page{size:A4" in page and "@media print" in page
    assert page.count("<tr>") >= len(available()) - 3  # the four lenses share a row


def test_handout_escapes_what_it_quotes():
    def func(image):  # a module docstring of its own: this test file's
        return AnalysisResult("x")

    odd = Analysis(name="odd<name>", title="<script>alert(1)</script>", description="a & b <i>c</i>",
                   family="noise", func=func, has_heatmap=True)
    page = handout_html(analyses={"odd<name>": odd, "ela": available()["ela"]})
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<i>c</i>" not in page and "a &amp; b &lt;i&gt;c&lt;/i&gt;" in page
    assert "<code>odd&lt;name&gt;</code>" in page and "2 methods" in page


def test_first_sentences_shortens_at_a_clause():
    assert _first_sentences("Short. Second sentence here.", 100) == "Short. Second sentence here."
    long = "A method that looks at things (with a long aside here), then more words; and yet more words follow it."
    short = _first_sentences(long, 70)
    assert len(short) <= 72 and short.endswith(" …") and "aside" not in short
    assert _first_sentences("* First bullet. * Second bullet.", 100) == "First bullet."


@pytest.mark.slow
def test_handout_prints_on_one_a4_page(tmp_path):
    if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        pytest.skip("no Chromium to print with (make chromium)")
    from imgfake.scanreport import print_pdf

    page = tmp_path / "handout.html"
    page.write_text(handout_html(), encoding="utf-8")
    pdf = print_pdf(page, tmp_path / "handout.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


# --- the notebooks run -------------------------------------------------------------------------


def _run(notebook: Path, out: Path) -> dict:
    import papermill

    out.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(notebook), str(out), kernel_name="python3", cwd=str(ROOT / "notebooks"),
                               parameters={"fallback_photo": str(SAMPLES / "kodim07_copy-move.jpg")},
                               progress_bar=False, store_widget_state=False, execution_timeout=300)
    return json.loads(out.read_text(encoding="utf-8"))


def _check_lines(executed: dict) -> list[str]:
    lines = []
    for cell in executed["cells"]:
        if cell["cell_type"] == "code" and re.search(r"workshop\.check_\w+\(", _source(cell)):
            text = "".join("".join(o.get("text", "")) for o in cell["outputs"] if o.get("output_type") == "stream")
            lines.append(text.strip())
    return lines


@pytest.mark.notebooks
@pytest.mark.slow
def test_the_learner_copy_runs_end_to_end_and_every_check_gives_a_hint(tmp_path):
    copy = workshop.write_workshop(TEACHER, tmp_path)["notebook"]
    lines = _check_lines(_run(copy, ARTIFACTS / "learner_05_workshop.ipynb"))
    assert len(lines) == len(EXERCISES)
    assert all(line.startswith(NOT_YET) and "\n" not in line for line in lines), lines


@pytest.mark.notebooks
@pytest.mark.slow
def test_the_teacher_copy_solves_every_exercise():
    lines = _check_lines(_run(TEACHER, ARTIFACTS / "teacher_05_workshop.ipynb"))
    assert len(lines) == len(EXERCISES)
    assert all(line.startswith(RIGHT) for line in lines), lines
