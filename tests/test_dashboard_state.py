"""The dashboard without a browser: DashboardState's computations, caching, errors and report,
and the ipywidgets view driven from Python."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pytest
import traitlets
from PIL import Image

from imgfake.dashboard import Dashboard, DashboardState
from imgfake.dashboard.state import SAMPLES_DIR, list_samples
from imgfake.display import verdict_words

from imagefactory import encode, jpeg_roundtrip, textured


@dataclass
class FakePrediction:
    p_edited: float
    label: str
    threshold: float = 0.5
    kinds: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"p_edited": self.p_edited, "label": self.label, "threshold": self.threshold, "kinds": self.kinds}


class FakeDetector:
    """Scores an image by its name: the names carry the answer, e.g. 'edited-0.9.jpg'."""

    def __init__(self) -> None:
        self.calls = 0

    def predict(self, images):
        self.calls += 1
        out = []
        for image in images:
            p = float(image.name.rsplit("-", 1)[-1].rsplit(".", 1)[0]) if "-" in image.name else 0.2
            kinds = {"splice": 0.7, "copy-move": 0.2, "retouch": 0.1}
            out.append(FakePrediction(p, "edited" if p >= 0.5 else "real", 0.5, kinds))
        return out


def jpeg(seed: int = 0, h: int = 96, w: int = 128, quality: int = 90) -> bytes:
    return encode(textured(h, w, seed=seed), quality=quality)


@pytest.fixture
def state() -> DashboardState:
    return DashboardState(detector=FakeDetector(), background=False)


@pytest.fixture
def count_recompress(monkeypatch):
    """Counts the ELA re-encodes behind the dashboard, recording the shape of what was encoded."""
    import imgfake.forensics.ela as ela_module

    shapes = []
    real = ela_module.ela

    def counting(pixels, **kwargs):
        shapes.append(pixels.shape)
        return real(pixels, **kwargs)

    monkeypatch.setattr(ela_module, "ela", counting)
    return shapes


# --- ELA: slow apart from fast ------------------------------------------------------------------


def test_quality_change_changes_the_ela_image(state):
    state.add_upload("photo.jpg", jpeg())
    before = state.view.evidence.copy()
    assert state.view.kind == "ela" and "quality 90" in state.view.title
    state.quality = 75
    assert "quality 75" in state.view.title
    assert state.view.evidence.shape == before.shape
    assert not np.array_equal(state.view.evidence, before)


def test_gain_and_mode_changes_never_reencode(state, count_recompress):
    state.add_upload("photo.jpg", jpeg())
    assert len(count_recompress) == 1
    auto = state.view.evidence
    state.gain = 3.0
    linear = state.view.evidence
    state.mode = "sqrt"
    state.gain = "auto"
    assert len(count_recompress) == 1, "gain/mode must reuse the cached re-compression"
    assert not np.array_equal(auto, linear) and not np.array_equal(linear, state.view.evidence)
    state.quality = 80
    assert len(count_recompress) == 2
    state.quality = 90  # back to a quality already computed: cached
    assert len(count_recompress) == 2


def test_ela_runs_at_full_resolution_and_is_pooled_for_display(state, count_recompress):
    """A never-compressed patch pasted into a q=70 JPEG must stand out in the preview, which
    only happens if ELA sees the original pixel grid (ELA of a downscaled copy loses it)."""
    h, w = 1536, 2304  # longer side > 1024: shown at 1/3 size
    original = textured(h, w, seed=3)
    forged = jpeg_roundtrip(original, 70).copy()
    forged[512:1024, 768:1536] = original[512:1024, 768:1536]  # 8×8-aligned, never compressed
    state.add_upload("forged.png", encode(forged, "PNG"))
    item = state.current
    assert item.factor == 3 and item.photo.shape == (512, 768, 3)
    assert count_recompress == [(h, w, 3)], "ELA must re-encode the full-resolution pixels"
    result = state.evidence_result(item, "ela", quality=70)
    assert result.cell == 3, "computed at full size, kept on the display grid"
    residual = result.on_grid(item.factor)
    assert residual.shape == (512, 768)
    inside = residual[171:341, 256:512].mean()
    outside = np.concatenate([residual[:150].ravel(), residual[370:].ravel()]).mean()
    assert inside > 5 * outside + 1, (inside, outside)


def test_noise_and_model_views(state):
    state.add_upload("photo.jpg", jpeg())
    state.evidence = "noise"
    assert state.view.kind == "noise" and state.view.evidence.shape == state.current.photo.shape
    state.evidence = "model"  # the fake detector draws no heatmap: a placeholder that says so
    assert state.view.kind == "model" and not state.view.ready
    assert "does not draw heatmaps" in state.view.caption


# --- uploads, errors and selection ------------------------------------------------------------


def test_bad_uploads_get_their_own_errors_and_good_ones_work():
    state = DashboardState(detector=FakeDetector(), background=False, max_upload_bytes=200_000)
    bomb = encode(Image.new("L", (9000, 9000)), "PNG")  # 81 MP: over the 64 MP default
    files = [
        ("good-0.9.jpg", jpeg(1)),
        ("empty.jpg", b""),
        ("notes.jpg", b"just some text, not a photo\n" * 20),
        ("truncated.jpg", jpeg(2, 256, 256)[:3000]),
        ("huge.png", encode(textured(400, 400), "PNG")),  # ~400 kB, over the 200 kB limit
        ("bomb.png", bomb),
    ]
    indexes = state.add_uploads(files)
    items = [state.items[i] for i in indexes]
    assert items[0].ok and items[0].verdict == "done" and items[0].p_edited == pytest.approx(0.9)
    messages = {item.name: item.error for item in items[1:]}
    assert "empty" in messages["empty.jpg"]
    assert "not an image" in messages["notes.jpg"] and "text" in messages["notes.jpg"]
    assert "truncated" in messages["truncated.jpg"]
    assert "over this dashboard's 0.191 MB limit" in messages["huge.png"]
    assert "megapixels" in messages["bomb.png"] or "pixels" in messages["bomb.png"]
    assert all(item.verdict == "none" for item in items[1:])
    assert state.selected == indexes[0], "the first readable file is shown"
    assert state.error == ""
    # a later upload still works
    later = state.add_upload("later-0.1.jpg", jpeg(4))
    assert state.items[later].ok and state.items[later].label == "real"
    assert state.selected == later and state.view.uid == state.items[later].uid


def test_rejected_drop_is_recorded():
    state = DashboardState(detector=FakeDetector(), background=False)
    i = state.add_rejected("big.tif", 40 * 2**20)
    assert "40.0 MB" in state.items[i].error and "25 MB limit" in state.items[i].error


def test_file_names_are_never_paths(state, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    state.add_upload("../../etc/passwd.jpg", jpeg())
    state.add_upload("/tmp/x/<script>.jpg", b"")
    assert list(tmp_path.iterdir()) == []
    assert state.items[0].ok and state.items[0].name == "../../etc/passwd.jpg"


def test_selection(state):
    state.add_uploads([("a.jpg", jpeg(1)), ("b.jpg", jpeg(2)), ("broken.jpg", b"\xff\xd8\xff")])
    assert state.selected == 0
    state.select(1)
    assert state.current.name == "b.jpg" and state.view.uid == state.items[1].uid
    state.select(2)
    assert state.current.error and state.view is None
    with pytest.raises(traitlets.TraitError):
        state.select(3)
    state.select_uid(state.items[0].uid)
    assert state.selected == 0
    state.clear()
    assert state.items == [] and state.selected == -1 and state.view is None


def test_samples_are_found_from_the_package():
    records = list_samples()
    if not records:
        pytest.skip(f"no sample images in {SAMPLES_DIR}")
    state = DashboardState(detector=FakeDetector(), background=False)
    index = state.add_sample(records[0]["file"])
    assert state.items[index].ok and state.items[index].truth == records[0]
    with pytest.raises(ValueError, match="not one of the sample images"):
        state.add_sample("../pyproject.toml")


# --- the model --------------------------------------------------------------------------------


def test_no_model_degrades_gracefully():
    def missing():
        raise FileNotFoundError("models/default/model.keras")

    state = DashboardState(detector_loader=missing, background=False)
    state.add_upload("photo.jpg", jpeg())
    item = state.current
    assert state.model_status == "unavailable"
    assert state.model_message.startswith("no model loaded:") and "models/default" in state.model_message
    assert item.verdict == "unavailable" and item.prediction is None
    assert state.view is not None and item.jpeg_quality == 90  # the forensic checks still work


def test_model_loads_once_in_the_background():
    release = threading.Event()
    loads = []

    def slow_loader():
        loads.append(threading.current_thread().name)
        release.wait(10)
        return FakeDetector()

    state = DashboardState(detector_loader=slow_loader, background=True)
    state.add_upload("a-0.8.jpg", jpeg(1))
    state.add_upload("b-0.3.jpg", jpeg(2))
    assert state.model_status == "loading" and state.pending == 2
    assert [item.verdict for item in state.items] == ["pending", "pending"]
    assert state.view is not None, "the ELA image does not wait for the model"
    release.set()
    state.wait()
    assert len(loads) == 1 and loads[0].startswith("imgfake-model")
    assert [item.p_edited for item in state.items] == [pytest.approx(0.8), pytest.approx(0.3)]
    assert state.pending == 0 and state.model_status == "ready"


def test_prediction_failure_is_shown_for_that_file():
    class Broken(FakeDetector):
        def predict(self, images):
            raise RuntimeError("out of memory")

    state = DashboardState(detector=Broken(), background=False)
    state.add_upload("photo.jpg", jpeg())
    assert state.current.verdict == "failed" and "out of memory" in state.current.verdict_message


def test_verdict_words():
    assert verdict_words(0.87) == ("Likely edited (p = 0.87)", "edited")
    assert verdict_words(0.12) == ("Likely authentic (p = 0.12)", "authentic")
    assert verdict_words(0.55)[1] == "uncertain" and "leaning edited" in verdict_words(0.55)[0]
    assert verdict_words(0.3, threshold=0.35)[0].startswith("Uncertain, leaning authentic")


def test_import_does_not_load_tensorflow():
    code = ("import sys, imgfake.dashboard\n"
            "from imgfake.dashboard import Dashboard, DashboardState\n"
            "DashboardState(background=False)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- table and report -------------------------------------------------------------------------


def test_table_sorting(state):
    state.add_uploads([("b-0.6.jpg", jpeg(1)), ("a-0.9.jpg", jpeg(2, quality=75)), ("c.txt", b"hello"),
                       ("d-0.1.jpg", jpeg(3, quality=60))])
    names = lambda: [row["name"] for row in state.table_rows()]  # noqa: E731
    assert names() == ["b-0.6.jpg", "a-0.9.jpg", "c.txt", "d-0.1.jpg"]  # upload order
    state.sort_table("p_edited")  # first click: most suspicious first
    assert names() == ["a-0.9.jpg", "b-0.6.jpg", "d-0.1.jpg", "c.txt"]
    state.sort_table("p_edited")
    assert names() == ["d-0.1.jpg", "b-0.6.jpg", "a-0.9.jpg", "c.txt"], "files without a score stay last"
    state.sort_table("name")
    assert names() == ["a-0.9.jpg", "b-0.6.jpg", "c.txt", "d-0.1.jpg"]
    state.sort_table("jpeg_quality")
    assert names()[:3] == ["d-0.1.jpg", "a-0.9.jpg", "b-0.6.jpg"]
    state.sort_table("error")
    assert names()[0] == "c.txt"
    rows = state.table_rows()
    assert state.items[rows[0]["index"]].name == "c.txt"
    with pytest.raises(ValueError, match="cannot sort"):
        state.sort_table("colour")


def test_report_json(state):
    state.add_uploads([("photo-0.7.jpg", jpeg(1)), ("bad.jpg", b"GIF89a-not-really")])
    state.quality = 80
    report = json.loads(state.report_json())
    assert report["settings"]["ela_quality"] == 80 and report["model"]["status"] == "ready"
    good, bad = report["images"]
    assert good["name"] == "photo-0.7.jpg" and good["prediction"]["p_edited"] == pytest.approx(0.7)
    assert good["prediction"]["kinds"]["splice"] == pytest.approx(0.7)
    assert good["jpeg_quality"] == 90 and good["image"]["width"] == 128
    assert {f["code"] for f in good["findings"]} >= {"no-metadata"}
    assert "error" in bad and "prediction" not in bad
    assert len(state.report_json()) < 50_000, "no pixels in the JSON"


def test_report_html(state):
    state.add_uploads([("<b>photo</b>-0.7.jpg", jpeg(1)), ("bad.jpg", b"")])
    page = state.report_html()
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "&lt;b&gt;photo&lt;/b&gt;-0.7.jpg" in page and "<b>photo</b>" not in page
    assert "data:image/png;base64," in page and "data:image/jpeg;base64," in page
    assert "Likely edited (p = 0.70)" in page and "is empty" in page
    assert page.count("plotly.js v") <= 2, "plotly.js is embedded once"


# --- the view, driven from Python (no browser) ------------------------------------------------


def _upload_value(name: str, content: bytes) -> dict:
    return {"name": name, "type": "image/jpeg", "size": len(content), "content": memoryview(content),
            "last_modified": datetime(2024, 1, 1, tzinfo=timezone.utc)}


def test_dashboard_view_follows_the_state(state):
    dash = Dashboard(state, load_model=False)
    assert "imgfake-app" in dash._dom_classes
    dash._upload.value = (_upload_value("edited-0.9.jpg", jpeg(1)), _upload_value("bad.jpg", b"x"))
    assert dash._upload.value == (), "the upload widget is emptied after reading"
    assert len(state.items) == 2
    assert "Likely edited (p = 0.90)" in dash._verdict.value and "splice" in dash._verdict.value
    assert "imgfake-row-selected" in dash._table_body.children[0]._dom_classes
    assert "could not be read" not in dash._verdict.value
    assert dash._pair.evidence[:2] == b"\xff\xd8" and dash._pair.photo[:2] == b"\xff\xd8"  # JPEGs
    assert (dash._pair.height, dash._pair.width) == (96, 128) and "quality 90" in dash._pair.evidence_title
    before, view_id = dash._pair.evidence, dash._pair.view_id
    dash._quality.value = 70  # the slider is linked to the state
    assert state.quality == 70 and dash._pair.evidence != before
    assert dash._pair.view_id == view_id, "same photo: the zoom is kept"
    dash._auto_gain.value = False
    assert state.gain == pytest.approx(dash._gain.value) and not dash._gain.disabled
    # click the broken file's row
    row_button = dash._rows[state.items[1].uid]["button"]
    row_button.click()
    assert state.selected == 1 and "imgfake-file-error" in dash._verdict.value
    assert "is not an image" in dash._rows[state.items[1].uid]["error"].value
    # sort by clicking a header
    dash._sort_buttons["p_edited"].click()
    assert state.sort_by == "p_edited" and "▼" in dash._sort_buttons["p_edited"].description


def test_dashboard_drop_messages(state):
    dash = Dashboard(state, load_model=False)
    dash._on_drop_message(dash._drop, {"event": "start", "count": 2}, [])
    dash._on_drop_message(dash._drop, {"event": "rejected", "name": "huge.jpg", "size": 30 * 2**20}, [])
    dash._on_drop_message(dash._drop, {"event": "file", "name": "ok-0.2.jpg"}, [memoryview(jpeg(5))])
    dash._on_drop_message(dash._drop, {"event": "end"}, [])
    assert [item.origin for item in state.items] == ["drop", "drop"]
    assert state.current.name == "ok-0.2.jpg", "the readable file is shown"


def test_dashboard_shows_handler_errors(state, monkeypatch):
    dash = Dashboard(state, load_model=False)

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(state, "add_uploads", explode)
    dash._upload.value = (_upload_value("a.jpg", jpeg()),)
    assert "disk on fire" in state.error
    assert "disk on fire" in dash._error.value and dash._error.layout.display is None
    monkeypatch.undo()
    dash._upload.value = (_upload_value("b.jpg", jpeg()),)  # still works afterwards
    assert state.items[-1].ok


def test_dashboard_report_links(state):
    dash = Dashboard(state, load_model=False)
    dash._report_button.click()
    assert "Add an image first" in dash._report_links.value
    state.add_upload("photo-0.6.jpg", jpeg())
    dash._report_button.click()
    links = dash._report_links.value
    assert 'download="imgfake-report-' in links and "data:text/html;base64," in links
    assert "data:application/json;base64," in links
    state.quality = 70
    assert "create the report again" in dash._report_links.value


def test_model_heatmap_view():
    class WithHeatmap(FakeDetector):
        def heatmap(self, image):  # like Detector.heatmap: probabilities per 8-px block, NaN outside
            h, w = -(-image.height // 8), -(-image.width // 8)
            out = np.full((h, w), np.nan, np.float32)
            out[: h // 2] = np.linspace(0, 1, w, dtype=np.float32)
            return out

    state = DashboardState(detector=WithHeatmap(), background=False)
    state.add_upload("photo.jpg", jpeg())
    state.evidence = "model"
    view = state.view
    assert view.kind == "model" and view.ready and "Grey: outside" in view.caption
    assert state.current.analyses["model"].cell == 8
    bottom = view.evidence[60:, :].reshape(-1, 3)
    assert (bottom == (72, 78, 88)).all(), "not-analysed area drawn grey"
    top = view.evidence[:40].astype(int).sum(axis=2)
    assert top[:, -1].mean() > top[:, 0].mean(), "brighter where the probability is higher"


@pytest.mark.slow
def test_with_the_real_detector(tmp_path_factory):
    """The dashboard against imgfake.learn.detector.Detector on a tiny trained bundle: the verdict,
    the kinds and the heatmap all arrive through the background thread."""
    pytest.importorskip("tensorflow")
    from _bundles import tiny_bundle

    from imgfake.learn.detector import Detector

    bundle = tiny_bundle(tmp_path_factory)
    state = DashboardState(detector_loader=lambda: Detector.load(bundle), background=True)
    state.add_upload("photo.jpg", jpeg(1, 200, 240))
    state.wait(120)
    item = state.current
    assert state.model_status == "ready" and state.model_message.startswith(f"Model ready: {bundle.name}")
    assert item.verdict == "done" and 0 <= item.p_edited <= 1 and item.label in ("edited", "real")
    assert set(item.prediction["kinds"]) == set(Detector.load(bundle).kind_names)
    assert item.prediction["kinds_meaningful"] == (item.label == "edited")
    state.evidence = "model"
    state.wait(120)
    model = state.current.analyses["model"]
    assert model.heatmap is not None and model.cell == 8, model.details.get("heatmap_message")
    assert state.view.kind == "model" and state.view.ready
    report = json.loads(state.report_json())
    assert report["images"][0]["prediction"]["p_edited"] == pytest.approx(item.p_edited)


def test_verdict_card_shows_the_detectors_domain_caution(state):
    from imgfake.dashboard.view import _verdict_html

    state.add_upload("photo-0.9.jpg", jpeg())
    item = state.current
    assert "imgfake-caution" not in _verdict_html(item, state)
    item.prediction["domain_note"] = "Outside the model's experience: <quality 33>"
    card = _verdict_html(item, state)
    assert "imgfake-caution" in card and "&lt;quality 33&gt;" in card  # shown, and escaped
    assert "Outside the model&#x27;s experience" in state.report_html()


def test_only_a_few_full_size_images_stay_decoded(state):
    """Fifty uploads must not hold fifty full-resolution images: the others keep their bytes,
    previews and results, and are decoded again (identically) when shown."""
    from imgfake.dashboard.state import HOT_IMAGES

    for i in range(6):
        state.add_upload(f"photo{i}-0.3.jpg", jpeg(i))
    assert len(state._images) <= HOT_IMAGES
    first = state.items[0]
    assert first.uid not in state._images and first.ok and first.p_edited == pytest.approx(0.3)
    state.select(0)  # shown again: decoded from its bytes, same pixels
    assert state.view is not None and state.view.uid == first.uid
    assert state.image_of(first).sha256 == first.facts["sha256"]
    state.clear()
    assert not state._images


def test_maps_are_computed_off_the_event_thread_and_copy_move_pairs_become_lines():
    from imgfake.resources import samples_dir

    state = DashboardState(detector=FakeDetector(), background=True)
    state.add_upload("kodim07_copy-move.jpg", (samples_dir() / "kodim07_copy-move.jpg").read_bytes())
    state.wait()
    state.evidence = "grid"  # not computed yet: a placeholder with a spinner comes first
    assert state.view.kind == "grid" and state.view.computing and not state.view.ready
    state.wait()
    assert state.view.kind == "grid" and not state.view.computing
    state.evidence = "copymove"
    state.wait()
    assert state.view.kind == "copymove" and len(state.view.lines) > 5
    h, w = state.view.photo.shape[:2]
    assert all(0 <= x <= w and 0 <= y <= h for x1, y1, x2, y2 in state.view.lines for x, y in ((x1, y1), (x2, y2)))
    state.evidence = "grid"  # cached now: drawn at once
    assert state.view.kind == "grid" and not state.view.computing


def test_the_report_shows_the_maps_of_methods_that_found_something():
    from imgfake.resources import samples_dir

    state = DashboardState(detector=FakeDetector(), background=False)
    state.add_upload("kodim07_copy-move.jpg", (samples_dir() / "kodim07_copy-move.jpg").read_bytes())
    before = state.report_html()
    assert "Maps of the methods that found something" not in before  # nothing computed beyond ELA yet
    state.evidence = "copymove"
    after = state.report_html()
    assert "Maps of the methods that found something" in after and "Copy-move (keypoints)" in after
    assert after.count("data:image/png;base64,") == before.count("data:image/png;base64,") + 1
