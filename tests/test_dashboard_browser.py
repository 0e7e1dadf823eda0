"""The dashboard as a person uses it: Voilà serving dashboards/imgfake.ipynb, driven in headless
Chromium (Debian's /usr/bin/chromium, see ../shared/STACK.md). Saves a full-page screenshot to
tests/artifacts/dashboard.png on every run."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from _servers import free_port, stop, wait_until_answers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")


@pytest.fixture(scope="module")
def voila_url():
    """Voilà serving the dashboard exactly as `make dashboard` does, on a free port."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (`make test` installs it; "
                    "or: sudo apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")
    pytest.importorskip("voila", reason="voila is not installed (pip install -e '.[jupyter]')")
    from imgfake.dashboard.serve import voila_command, voila_environment
    from imgfake.resources import voila_config_dir

    port = free_port()
    cmd = voila_command(host="127.0.0.1", port=port)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "voila.log", "w")
    proc = subprocess.Popen(cmd, cwd=voila_config_dir(), env=voila_environment(), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        if wait_until_answers(f"{url}/voila/static/voila.js", proc) is None:
            pytest.fail(f"voila did not start; see {ARTIFACTS / 'voila.log'}")
        yield url
    finally:
        stop(proc)
        log.close()


@pytest.fixture
def page(voila_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        page.offsite = []  # every request the page makes beyond this machine (there must be none)

        def route(r):
            if r.request.url.startswith(LOOPBACK):
                r.continue_()
            else:
                page.offsite.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            _screenshot(page, ARTIFACTS / "dashboard.png")
            browser.close()


def _screenshot(page, path: Path) -> None:
    """Full-page screenshot: Voilà scrolls inside the page, so grow the viewport to the app."""
    try:
        height = page.evaluate("() => (document.querySelector('.imgfake-app') || document.body).scrollHeight")
        page.set_viewport_size({"width": 1440, "height": min(int(height) + 80, 6000)})
        page.wait_for_timeout(500)
        page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # a screenshot must never hide the test's own failure
        print(f"screenshot failed: {exc}")


def _sample(name: str, tmp_path: Path) -> Path:
    """A sample image, or a stand-in JPEG when data/samples has not been made."""
    path = SAMPLES / name
    if path.exists():
        return path
    from imagefactory import encode, textured

    stand_in = tmp_path / name
    stand_in.write_bytes(encode(textured(341, 512, seed=len(name)), quality=92))
    return stand_in


def _upload(page, paths) -> None:
    with page.expect_file_chooser() as chooser:
        page.click(".imgfake-upload")
    chooser.value.set_files([str(p) for p in paths])


def _rows(page) -> list[str]:
    return page.locator(".imgfake-table-body .imgfake-row-button").all_inner_texts()


def _wait_rows(page, n: int) -> None:
    page.wait_for_function("n => document.querySelectorAll('.imgfake-table-body .imgfake-row-box').length === n", arg=n)


def _wait_title(page, name: str) -> None:
    page.wait_for_function("name => (document.querySelector('.imgfake-title .imgfake-name') || {}).textContent === name",
                           arg=name)


def _wait_verdict(page) -> str:
    """Wait until the verdict panel shows a result (a score, or why there is none)."""
    page.wait_for_selector(".imgfake-verdict [data-verdict]:not([data-verdict='pending'])", timeout=45_000)
    return page.get_attribute(".imgfake-verdict [data-verdict]", "data-verdict")


def _evidence_src(page) -> str:
    return page.get_attribute(".imgfake-ela .imgfake-evidence-img", "src") or ""


def _drop(page, path: Path) -> None:
    """Drop a file on the upload area, as a person dragging it from their file manager would."""
    page.evaluate(
        """([name, b64]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], name, { type: "image/jpeg" }));
            const target = document.querySelector(".imgfake-dropzone");
            for (const type of ["dragenter", "dragover", "drop"]) {
                target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
            }
        }""",
        [path.name, base64.b64encode(path.read_bytes()).decode()],
    )


def test_dashboard_in_a_real_browser(page, voila_url, tmp_path):
    started = time.monotonic()
    # the page loads, with nothing selected yet
    page.goto(voila_url + "/", timeout=60_000)
    page.wait_for_selector(".imgfake-upload", timeout=60_000)
    assert "Has this photo been edited?" in page.inner_text(".imgfake-header")
    assert "Start by adding a photo" in page.inner_text(".imgfake-title")

    # upload a forged and an authentic sample: both listed, the first shown with verdict and ELA
    forged, authentic = _sample("kodim03_splice.jpg", tmp_path), _sample("kodim03_authentic.jpg", tmp_path)
    _upload(page, [forged, authentic])
    _wait_rows(page, 2)
    _wait_title(page, forged.name)
    verdict = _wait_verdict(page)
    assert verdict in ("done", "unavailable"), page.inner_text(".imgfake-verdict")
    if verdict == "done":
        text = page.inner_text(".imgfake-verdict")
        assert any(w in text for w in ("Signs of editing found", "No sign of editing found", "Cannot tell")), text
    else:
        assert "No model loaded" in page.inner_text(".imgfake-verdict")
    page.wait_for_function("() => { const im = document.querySelector('.imgfake-ela .imgfake-evidence-img');"
                           " return im && im.complete && im.naturalWidth === 512; }")
    assert "JPEG quality" in page.inner_text(".imgfake-findings")

    # moving the quality slider re-draws the error-level image
    before = _evidence_src(page)
    readout = page.locator(".imgfake-quality .widget-readout")
    readout.fill("75")
    readout.press("Enter")
    # the verdict may arrive meanwhile and redraw the view once more: wait for the re-saved map itself
    page.wait_for_function("old => document.querySelector('.imgfake-ela .imgfake-evidence-img').src !== old"
                           " && document.querySelector('.imgfake-caption').innerText.includes('quality 75')",
                           arg=before)
    assert "quality 75" in page.inner_text(".imgfake-caption")

    if verdict == "done":
        # the localisation map over the photo, one click away
        page.locator(".imgfake-show-where").click()
        page.wait_for_selector(".imgfake-caption-text[data-kind='model']:not(.pending)", timeout=30_000)
        page.wait_for_selector(".imgfake-overlaid")
        page.locator(".imgfake-layout button", has_text="Side by side").click()
        page.wait_for_function("() => !document.querySelector('.imgfake-overlaid')")
        page.locator(".imgfake-family button", has_text="Compression").click()
        page.locator(".imgfake-evidence button", has_text="Error Level Analysis").click()
        page.wait_for_selector(".imgfake-caption-text[data-kind='ela']:not(.pending)", timeout=30_000)

    # a corrupt file shows its own error; a good upload after it still works
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(forged.read_bytes()[:4000])
    _upload(page, [corrupt])
    _wait_rows(page, 3)
    page.wait_for_selector(".imgfake-file-error")
    assert "corrupt.jpg" in page.inner_text(".imgfake-file-error")
    assert "truncated" in page.inner_text(".imgfake-table")
    # a file over the 25 MiB limit is refused with a message (and, at 26 MiB, it also proves the
    # server's websocket limit was raised from tornado's 10 MiB: voila.json)
    huge = tmp_path / "huge.jpg"
    huge.write_bytes(os.urandom(26 * 2**20))
    _upload(page, [huge])
    _wait_rows(page, 4)
    page.wait_for_selector(".imgfake-file-error")
    assert "over this dashboard's 25 MB limit" in page.inner_text(".imgfake-file-error")
    later = _sample("kodim07_authentic.jpg", tmp_path)
    _upload(page, [later])
    _wait_rows(page, 5)
    _wait_title(page, later.name)
    _wait_verdict(page)

    # drag and drop a file onto the upload area
    dropped = _sample("kodim07_copy-move.jpg", tmp_path)
    _drop(page, dropped)
    _wait_rows(page, 6)
    _wait_title(page, dropped.name)

    # the methods come in families; the copy-move map has its pairs drawn, and an overlay mode
    page.locator(".imgfake-family button", has_text="Cloning").click()
    page.wait_for_selector(".imgfake-caption-text[data-kind='copymove']:not(.pending)", timeout=30_000)
    assert "Where it fails" in page.inner_text(".imgfake-guide")
    page.wait_for_function("() => document.querySelectorAll('.imgfake-lines line').length > 10")
    page.locator(".imgfake-layout button", has_text="Overlay").click()
    page.wait_for_selector(".imgfake-overlaid")
    assert page.eval_on_selector(".imgfake-overlay-img", "im => im.src.startsWith('blob:') && im.style.opacity")
    assert not page.is_visible(".imgfake-panel[data-side=evidence]")
    page.locator(".imgfake-layout button", has_text="Side by side").click()
    page.wait_for_function("() => !document.querySelector('.imgfake-overlaid')")
    page.locator(".imgfake-family button", has_text="Compression").click()
    page.wait_for_selector(".imgfake-caption-text:not(.pending)")

    # sort by name, then click a row to inspect it
    page.click(".imgfake-sort-name")
    page.wait_for_function("() => document.querySelector('.imgfake-sort-name').textContent.includes('▲')")
    names = _rows(page)
    assert names == sorted(names, key=str.lower)
    page.locator(".imgfake-table-body .imgfake-row-button", has_text=authentic.name).click()
    _wait_title(page, authentic.name)

    # the report downloads as HTML and JSON
    page.click(".imgfake-report-button")
    page.wait_for_selector(".imgfake-report-html")
    with page.expect_download() as download:
        page.click(".imgfake-report-html")
    assert download.value.suggested_filename.endswith(".html")
    html_report = Path(download.value.path()).read_text()
    assert forged.name in html_report and "data:image/png;base64," in html_report
    with page.expect_download() as download:
        page.click(".imgfake-report-json")
    report = json.loads(Path(download.value.path()).read_text())
    assert [image["name"] for image in report["images"]] == [forged.name, authentic.name, "corrupt.jpg",
                                                             "huge.jpg", later.name, dropped.name]
    assert report["settings"]["ela_quality"] == 75 and "error" in report["images"][2]

    # nothing went wrong along the way
    assert not page.is_visible(".imgfake-error"), page.inner_text(".imgfake-error")
    assert not page.errors, page.errors
    assert not page.offsite, f"the dashboard contacted other servers: {page.offsite}"
    assert time.monotonic() - started < 60, "the browser test should stay under a minute"


def test_the_dashboard_browses_a_scan(page, voila_url, tmp_path):
    """A folder scanned by `imgfake scan` (here: the samples and a broken file, scanned in this
    process), opened by typing its path: the answers are counted, the errors filter works, and a
    row opens its file with the full analysis."""
    import shutil

    from imgfake.learn.collection import scan_collection

    folder = tmp_path / "collection"
    folder.mkdir()
    for name in ("kodim03_splice.jpg", "kodim07_authentic.jpg"):
        shutil.copy(_sample(name, tmp_path), folder / name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff not really")
    out = tmp_path / "results.parquet"
    scan_collection([folder], out, executor="inline")

    page.goto(voila_url + "/", timeout=60_000)
    page.wait_for_selector(".imgfake-scan-folder input", timeout=60_000)
    page.fill(".imgfake-scan-folder input", str(out))
    page.locator(".imgfake-scan-open").click()
    page.wait_for_selector(".imgfake-scan-summary [data-scan-files='3']")
    assert "1 could not be read" in page.inner_text(".imgfake-scan-summary")
    # the rows are widgets of their own: they can arrive after the summary
    page.wait_for_function("() => document.querySelectorAll('.imgfake-scan-rows .imgfake-row-button').length === 3")
    names = page.locator(".imgfake-scan-rows .imgfake-row-button").all_inner_texts()
    assert sorted(names) == ["broken.jpg", "kodim03_splice.jpg", "kodim07_authentic.jpg"] and names[-1] == "broken.jpg"
    page.locator(".imgfake-scan-answer button", has_text="Errors").click()
    page.wait_for_function("() => document.querySelectorAll('.imgfake-scan-rows .imgfake-row-button').length === 1")
    page.locator(".imgfake-scan-answer button", has_text="All").click()
    page.wait_for_function("() => document.querySelectorAll('.imgfake-scan-rows .imgfake-row-button').length === 3")
    page.locator(".imgfake-scan-rows .imgfake-row-button", has_text=names[0]).click()
    _wait_rows(page, 1)
    _wait_title(page, names[0])
    assert _wait_verdict(page) in ("done", "unavailable")
    assert "Why" in page.inner_text(".imgfake-scan-stored")
    assert not page.errors, page.errors
    assert not page.offsite, page.offsite


def test_a_token_keeps_the_dashboard_to_those_who_have_it():
    """`imgfake dashboard --token` (for a class or a team on a shared server): the real Voilà,
    without the token a redirect to its login page, with it the dashboard."""
    import http.client

    pytest.importorskip("voila", reason="voila is not installed (pip install -e '.[jupyter]')")
    from imgfake.dashboard.serve import voila_command, voila_environment
    from imgfake.resources import voila_config_dir

    port = free_port()
    proc = subprocess.Popen(voila_command(host="127.0.0.1", port=port, token="class-secret"), cwd=voila_config_dir(),
                            env=voila_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def status(path: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", path)
            reply = conn.getresponse()
            return reply.status, reply.getheader("Location") or ""
        finally:
            conn.close()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status("/login")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "voila did not start"
                time.sleep(0.3)
        code, where = status("/")
        assert code == 302 and "login" in where, (code, where)
        assert status("/?token=wrong")[0] == 302
        assert status("/?token=class-secret")[0] == 200
    finally:
        stop(proc)
