"""The dashboard's "Open a scan" card: a results folder written by the scan's own writer, read,
counted, filtered and paged; rows open their files on the server like uploads."""

from __future__ import annotations

import pytest

pytest.importorskip("pyarrow")

from imagefactory import encode, textured  # noqa: E402
from imgfake.dashboard import scans  # noqa: E402
from imgfake.dashboard.scans import PAGE_ROWS, ScanBrowser, ScanPanel  # noqa: E402
from imgfake.learn.collection import SCAN_COLUMNS, _schema, _Writer  # noqa: E402


def _results(tmp_path, n: int = 60):
    """A results folder: n rows of the three answers and some errors, with real image files for
    the first few; written by the scan's writer in parts of 16."""
    out, files = tmp_path / "results.parquet", tmp_path / "files"
    out.mkdir()
    files.mkdir()
    writer = _Writer(out, _schema(["noise"]), flush_every=16)
    for i in range(n):
        path = files / f"f{i:03d}.jpg"
        if i < 3:
            path.write_bytes(encode(textured(96, 128, seed=i), quality=90))
        row = {c: None for c in SCAN_COLUMNS}
        error = i % 10 == 9
        row.update(path=str(path), name=path.name, sha256=f"{i:064x}", settings="s",
                   phash=f"{(i // 2) * 0x1111:016x}" if not error else None,
                   p_edited=None if error else (i % 7) / 7, error="not an image" if error else None,
                   verdict=None if error else ("edited", "uncertain", "real")[i % 3], reason="because")
        row["score:noise"] = 0.1
        writer.add(row)
    writer.flush()
    return out


def test_the_browser_counts_filters_and_pages_the_most_suspicious_first(tmp_path):
    b = ScanBrowser()
    b.open(_results(tmp_path))
    assert b.message == "" and b.folder.endswith("results.parquet")
    c = b.counts()
    assert c["all"] == 60 and c["error"] == 6 and c["edited"] + c["uncertain"] + c["real"] == 54
    first = b.rows()
    assert len(first) == PAGE_ROWS and b.pages() == 3
    ps = [r["p_edited"] for r in first]
    assert ps == sorted(ps, reverse=True)
    b.page = 2
    assert [r["_answer"] for r in b.rows()][-6:] == ["error"] * 6  # no score: last
    b.answer, b.page = "edited", 0
    assert {r["_answer"] for r in b.rows()} == {"edited"} and len(b.rows()) == c["edited"] <= PAGE_ROWS
    b.answer = "error"
    assert all(r["error"] == "not an image" for r in b.rows())
    assert b.groups > 0  # rows 2k and 2k+1 share a perceptual hash


def test_bad_folders_are_messages_and_keep_the_open_scan(tmp_path):
    b = ScanBrowser()
    b.open(_results(tmp_path, n=5))
    for bad, words in ((tmp_path / "nowhere", "is not a folder"), (tmp_path / "files", "no scan results"),
                       ("", "Type the folder")):
        b.open(bad)
        assert words in b.message and b.counts()["all"] == 5
    import pandas as pd

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    pd.DataFrame({"a": [1]}).to_parquet(foreign / "x.parquet")
    b.open(foreign)
    assert "not imgfake scan results" in b.message
    (foreign / "x.parquet").write_bytes(b"PAR1 not really")
    b.open(foreign)
    assert "x.parquet" in b.message and "not a readable Parquet file" in b.message


def test_scan_roots_limit_what_the_server_opens(tmp_path, monkeypatch):
    out = _results(tmp_path, n=4)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("IMGFAKE_SCAN_ROOTS", str(elsewhere))
    b = ScanBrowser()
    b.open(out)
    assert "outside the folders" in b.message and b.frame is None
    monkeypatch.setenv("IMGFAKE_SCAN_ROOTS", str(tmp_path))
    b.open(out)
    there = next(r for r in b.rows() if r["name"] == "f000.jpg")
    assert b.frame is not None and b.file_of(there) is not None
    monkeypatch.setattr(scans, "scan_roots", lambda: [out])  # the results, but not the files
    assert b.file_of(there) is None


def test_the_panel_opens_files_that_are_there_and_shows_what_was_stored(tmp_path):
    out = _results(tmp_path, n=12)
    opened = []
    panel = ScanPanel(on_file=lambda path, row: opened.append(path.name))
    panel._folder.value = str(out)
    panel._open.click()
    assert "data-scan-files='12'" in panel._summary.value
    buttons = {box.children[0].description: box.children[0] for box in panel._body.children}
    assert len(buttons) == 12
    buttons["f001.jpg"].click()
    assert opened == ["f001.jpg"] and "because" in panel._stored.value
    buttons["f005.jpg"].click()  # its file was never there: only the stored row
    assert opened == ["f001.jpg"] and "no longer at this path" in panel._stored.value
    panel._answer.value = "error"
    assert [b.children[0].description for b in panel._body.children] == ["f009.jpg"]
    panel._folder.value = str(tmp_path / "nowhere")
    panel._open.click()
    assert "is not a folder" in panel._summary.value and "data-scan-files='12'" in panel._summary.value


def test_the_dashboard_state_opens_a_path_like_an_upload(tmp_path):
    from imgfake.dashboard.state import DashboardState

    state = DashboardState(background=False, detector=None, max_upload_bytes=20_000)
    good = tmp_path / "ok.jpg"
    good.write_bytes(encode(textured(64, 96, seed=1), quality=90))
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"\0" * 30_000)
    i = state.add_path(good)
    assert state.items[i].ok and state.items[i].name == "ok.jpg" and state.items[i].origin == "scan"
    j = state.add_path(big)
    assert "over this dashboard's" in state.items[j].error
    k = state.add_path(tmp_path / "gone.jpg")
    assert "cannot read the file" in state.items[k].error and state.selected == k


def test_damaged_results_are_messages_never_crashes(tmp_path):
    """Fuzz: truncated and bit-flipped copies of a real part. Reading one gives the rows or a
    ValueError naming the part; the dashboard's browser turns either into rows or a message."""
    import random

    from imgfake.learn.collection import read_results

    part = next(_results(tmp_path, n=20).glob("*.parquet")).read_bytes()
    rng = random.Random(12)
    outcomes = {"rows": 0, "error": 0}
    for i in range(60):
        data = bytearray(part)
        if i % 2:
            data = data[:rng.randrange(len(data))]
        else:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        folder = tmp_path / f"damaged{i}"
        folder.mkdir()
        (folder / "part-x.parquet").write_bytes(bytes(data))
        try:
            read_results(folder)
            outcomes["rows"] += 1
        except ValueError as exc:
            assert "part-x.parquet" in str(exc) or "not imgfake scan results" in str(exc), exc
            outcomes["error"] += 1
        browser = ScanBrowser()
        browser.open(folder)
        assert browser.frame is not None or browser.message
        browser.rows()
    assert outcomes["error"] >= 30, outcomes  # every truncation at least


def test_a_large_scan_is_not_grouped_on_opening(tmp_path, monkeypatch):
    monkeypatch.setattr(scans, "GROUPS_UP_TO", 5)
    panel = ScanPanel(on_file=lambda path, row: None)
    panel._folder.value = str(_results(tmp_path, n=12))
    panel._open.click()
    assert panel.browser.groups is None and "--duplicates" in panel._summary.value
