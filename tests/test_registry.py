"""The registry: discovery, families, the cache, the one error convention, and known answers of
the built-in methods through it."""

import json

import numpy as np
import pytest
from PIL import Image, ImageFilter

from imgfake.forensics import registry
from imgfake.forensics.registry import available, get, register, run_analysis, run_safely, unregister
from imgfake.io import load_image
from imgfake.results import FAMILIES, AnalysisResult
from imagefactory import encode, jpeg_roundtrip, textured


def test_registry_finds_every_builtin_by_itself():
    assert {"ela", "noise", "jpeg", "metadata", "model"} <= set(available())
    assert get("ela").has_heatmap and not get("jpeg").has_heatmap
    assert get("model").heavy and get("model").family == "model"
    with pytest.raises(ValueError, match="unknown analysis 'nope'.*ela"):
        get("nope")


def test_available_is_in_family_order_and_filters():
    order = [FAMILIES.index(a.family) for a in available().values()]
    assert order == sorted(order)
    assert set(available(family="noise")) >= {"noise"} and "ela" not in available(family="noise")
    assert all(a.has_heatmap for a in available(heatmap=True).values())
    assert "model" not in available(heavy=False)
    with pytest.raises(ValueError, match="family must be one of"):
        available(family="colour")


def test_register_rejects_duplicates_and_unknown_families():
    with pytest.raises(ValueError, match="already registered"):
        register("ela", title="x", description="y", family="compression")(lambda image: AnalysisResult("ela"))
    with pytest.raises(ValueError, match="family must be one of"):
        register("x", title="x", description="y", family="colour")


def test_results_are_cached_by_image_method_and_parameters(monkeypatch):
    calls = []

    @register("counting", title="Counting", description="counts calls", family="camera")
    def counting(image, *, level: int = 1):
        calls.append(level)
        return AnalysisResult("counting", score=level)

    try:
        img = load_image(encode(textured(32, 32), quality=80))
        first = run_analysis("counting", img)
        assert run_analysis("counting", img) is first
        assert run_analysis("counting", img, level=1) is first, "defaults are part of the key"
        assert run_analysis("counting", img, level=2).score == 2
        assert run_analysis("counting", img, cache=False) is not first
        assert calls == [1, 2, 1]
        info = registry.cache_info()
        assert info["hits"] >= 2 and info["entries"] >= 2
    finally:
        unregister("counting")


def test_run_analysis_checks_the_grid_against_the_image():
    @register("badgrid", title="Bad grid", description="a map of the wrong size", family="camera",
              heatmap=True, cell=8)
    def bad(image):
        return AnalysisResult("badgrid", heatmap=np.zeros((3, 3), np.float32), cell=8)

    try:
        with pytest.raises(ValueError, match="needs a 4×5 heatmap"):
            run_analysis("badgrid", load_image(encode(textured(32, 40), quality=80)))
    finally:
        unregister("badgrid")


def test_run_safely_turns_a_failing_method_into_a_finding():
    @register("broken", title="Broken check", description="always fails", family="camera")
    def broken(image):
        raise RuntimeError("the sensor table is missing")

    try:
        result = run_safely("broken", load_image(encode(textured(32, 32), quality=80)))
        assert result.findings[0].code == "analysis-failed"
        assert "Broken check" in result.findings[0].message and "sensor table" in result.findings[0].message
        json.dumps(result.to_dict())
    finally:
        unregister("broken")


def test_jpeg_analysis_reads_the_quality_and_png_says_not_jpeg():
    assert run_analysis("jpeg", load_image(encode(textured(32, 32), quality=77))).details["quality"] == 77
    png = run_analysis("jpeg", load_image(encode(textured(32, 32), "PNG")))
    assert png.score is None and png.findings[0].code == "not-jpeg"


def test_ela_analysis_highlights_a_pasted_patch_at_any_cell_size():
    original = textured(128, 128, seed=5)
    forged = jpeg_roundtrip(original, 75).copy()
    forged[32:64, 32:64] = original[32:64, 32:64]
    img = load_image(encode(forged, "PNG"))
    heat = run_analysis("ela", img, quality=75).heatmap
    assert heat[32:64, 32:64].mean() > 8 * heat[80:, 80:].mean()
    coarse = run_analysis("ela", img, quality=75, cell=8)
    assert coarse.cell == 8 and coarse.heatmap.shape == (16, 16)
    np.testing.assert_allclose(coarse.heatmap[4:8, 4:8].mean(), heat[32:64, 32:64].mean(), rtol=1e-5)


def test_noise_analysis_finds_a_smoothed_region():
    pixels = textured(128, 128, seed=6)
    smoothed = pixels.copy()
    region = Image.fromarray(pixels[32:96, 32:96]).filter(ImageFilter.GaussianBlur(2))
    smoothed[32:96, 32:96] = np.asarray(region)
    result = run_analysis("noise", load_image(encode(smoothed, "PNG")))
    heat = result.heatmap  # 16-pixel cells
    assert result.cell == 16 and heat.shape == (8, 8)
    assert heat[3:5, 3:5].mean() < 0.5 * heat[0, :].mean()
    # smoothing is suspicious although the level is *lower*: the suspicion view says so
    suspicion = result.suspicion()
    assert suspicion[3:5, 3:5].mean() > suspicion[0, :].mean()


def test_a_method_registered_on_the_fly_shows_up_in_the_cli_and_the_dashboard(capsys):
    """Adding a method is one registration: no edit anywhere else."""
    from imgfake.cli import main
    from imgfake.dashboard import Dashboard, DashboardState

    @register("brightness", title="Brightness map", family="camera", heatmap=True, cell=8,
              description="Mean grey level per 8-pixel block (a test method).")
    def brightness(image):
        from imgfake.forensics.blocks import cell_means

        grey = image.pixels.mean(axis=2)
        return AnalysisResult("brightness", heatmap=cell_means(grey, 8), cell=8, units="grey levels",
                              score=float(grey.mean() / 255))

    try:
        assert main(["analyses"]) == 0
        assert "brightness" in capsys.readouterr().out
        path = None
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "photo.jpg"
            path.write_bytes(encode(textured(48, 64), quality=85))
            assert main(["info", "--json", "--analyses", "brightness,jpeg", str(path)]) == 0
            record = json.loads(capsys.readouterr().out)
            assert "brightness" in record["scores"] and record["analyses"]["brightness"]["heatmap"]["cell"] == 8

        state = DashboardState(detector=None, detector_loader=lambda: None, background=False)
        dash = Dashboard(state=state)
        assert ("Camera", "camera") in dash._family.options
        state.add_upload("photo.jpg", encode(textured(48, 64), quality=85))
        state.evidence = "brightness"
        assert dash._family.value == "camera" and ("Brightness map", "brightness") in dash._evidence.options
        assert "Mean grey level" in dash._guide.value
        state.evidence = "grid"  # not the first of its family: the buttons follow, and stay
        assert (dash._family.value, dash._evidence.value, state.evidence) == ("compression", "grid", "grid")
        state.evidence = "brightness"
        assert state.view.kind == "brightness" and state.view.ready
        assert state.view.evidence.shape == state.current.photo.shape
        assert "Mean grey level" in state.view.caption
    finally:
        unregister("brightness")


def test_threads_that_ask_during_discovery_wait_for_the_whole_registry():
    """A second thread asking while the first is still importing the methods must not see a
    half-filled registry (it did: `imgfake predict` on two files lost half its evidence)."""
    import subprocess
    import sys

    code = (
        "import threading\n"
        "from imgfake.forensics import registry\n"
        "seen = []\n"
        "barrier = threading.Barrier(8)\n"
        "def ask():\n"
        "    barrier.wait()\n"
        "    seen.append(len(registry.available()))\n"
        "threads = [threading.Thread(target=ask) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(sorted(set(seen)))\n"
    )
    for _ in range(3):  # a fresh interpreter each time: discovery has not run yet
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        counts = eval(out.stdout.strip())
        assert len(counts) == 1 and counts[0] >= 20, counts
