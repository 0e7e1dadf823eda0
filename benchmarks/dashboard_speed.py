"""Dashboard speed, measured in a real browser on a 12-megapixel JPEG.

Serves dashboards/imgfake.ipynb with Voilà (as `make dashboard` does), drives Debian's chromium
with playwright and prints medians of a few runs of

* upload → ELA image shown   (file chooser → the error-level image of the new photo drawn),
* upload → verdict shown     (… → the verdict panel shows a score, or why there is none),
* quality slider → new ELA   (type a quality + Enter → the new error-level image drawn).

Targets on the 2-core development machine: verdict ≤ 2 s, slider ≤ 0.5 s. Every run uploads a
file with different bytes, so no cache is reused between runs.

    .venv/bin/python benchmarks/dashboard_speed.py [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

sys.path.insert(0, os.path.dirname(__file__))
from _common import SHARED_DATA  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
QUALITIES = (80, 70, 85, 75, 95)


def twelve_megapixels() -> tuple[Image.Image, str]:
    kodak = SHARED_DATA / "pristine" / "kodak" / "01.png"
    if kodak.exists():
        return Image.open(kodak).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC), "Kodak 01 upscaled"
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (3000, 4000, 3), dtype=np.uint8))
    return noise.filter(ImageFilter.GaussianBlur(1.5)), "synthetic texture"


def jpeg_file(photo: Image.Image, folder: Path, run: int) -> Path:
    """The photo as a quality-92 JPEG, one small patch changed per run so that no run can reuse
    another's cached results or displayed images."""
    pixels = np.array(photo)
    pixels[16 * run:16 * run + 16, :16] = (255, 0, 0)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=92)
    path = folder / f"photo-12mp-run{run}.jpg"
    path.write_bytes(buf.getvalue())
    return path


def start_voila() -> tuple[subprocess.Popen, str]:
    from imgfake.dashboard.serve import voila_command, voila_environment
    from imgfake.resources import voila_config_dir

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = voila_command(host="127.0.0.1", port=port)
    proc = subprocess.Popen(cmd, cwd=voila_config_dir(), env=voila_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/voila/static/voila.js", timeout=2).close()
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("voila did not start within 60 s")


EVIDENCE_SHOWN = """([old, name]) => {
    const title = document.querySelector('.imgfake-title .imgfake-name');
    const img = document.querySelector('.imgfake-ela .imgfake-evidence-img');
    return (!name || (title && title.textContent === name)) && img && img.src && img.src !== old
        && img.complete && img.naturalWidth > 0;
}"""
VERDICT_SHOWN = """name => {
    const title = document.querySelector('.imgfake-title .imgfake-name');
    const v = document.querySelector('.imgfake-verdict [data-verdict]');
    return title && title.textContent === name && v && v.dataset.verdict !== 'pending';
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"Debian's chromium is needed at {CHROMIUM} (sudo apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    photo, source = twelve_megapixels()
    proc, url = start_voila()
    upload_ela, upload_verdict, slider, verdicts = [], [], [], set()
    try:
        with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
            files = [jpeg_file(photo, Path(tmp), run) for run in range(args.runs)]
            megabytes = files[0].stat().st_size / 1e6
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOOPBACK) else r.abort())
            page.goto(url + "/", timeout=60_000)
            page.wait_for_selector(".imgfake-upload", timeout=60_000)
            # let the model finish loading (it starts with the kernel), as a visitor would find it
            page.wait_for_function("() => !document.querySelector('.imgfake-model').textContent.includes('loading')",
                                   timeout=120_000)
            for path in files:
                old = page.get_attribute(".imgfake-ela .imgfake-evidence-img", "src") or ""
                with page.expect_file_chooser() as chooser:
                    page.click(".imgfake-upload")
                start = time.perf_counter()
                chooser.value.set_files(str(path))
                page.wait_for_function(EVIDENCE_SHOWN, arg=[old, path.name], timeout=60_000, polling=20)
                upload_ela.append(time.perf_counter() - start)
                page.wait_for_function(VERDICT_SHOWN, arg=path.name, timeout=60_000, polling=20)
                upload_verdict.append(time.perf_counter() - start)
                verdicts.add(page.get_attribute(".imgfake-verdict [data-verdict]", "data-verdict"))
                for quality in QUALITIES:
                    readout = page.locator(".imgfake-quality .widget-readout")
                    old = page.get_attribute(".imgfake-ela .imgfake-evidence-img", "src") or ""
                    readout.fill(str(quality))
                    start = time.perf_counter()
                    readout.press("Enter")
                    page.wait_for_function(EVIDENCE_SHOWN, arg=[old, None], timeout=60_000, polling=10)
                    slider.append(time.perf_counter() - start)
            model = page.inner_text(".imgfake-model")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)

    def line(label: str, values: list[float], target: float) -> str:
        median = statistics.median(values)
        runs = ", ".join(f"{v:.2f}" for v in values)
        return f"{label:32s} {median:6.2f} s   (target ≤ {target:.1f} s; runs: {runs})"

    print(f"12-megapixel JPEG ({source}, 4000×3000, {megabytes:.1f} MB); {os.cpu_count()} CPUs; "
          f"model: {model} (verdicts: {', '.join(sorted(verdicts))}); medians of {args.runs} uploads, "
          f"{len(slider)} slider moves")
    print(line("upload → ELA image shown", upload_ela, 2.0))
    print(line("upload → verdict shown", upload_verdict, 2.0))
    print(line("quality slider → new ELA shown", slider, 0.5))


if __name__ == "__main__":
    main()
