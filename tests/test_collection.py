"""Collection scans (`imgfake scan`): one Parquet row per file on a real Dask cluster (a
LocalCluster, and a scheduler and workers this test starts on 127.0.0.1), errors as rows,
resuming, an interrupted scan, a killed worker, export."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from imagefactory import encode, textured  # noqa: E402
from imgfake.learn.collection import export_results, read_results, scan_collection  # noqa: E402

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


@pytest.fixture
def mixed(tmp_path) -> Path:
    """Good files, a byte-identical duplicate, a re-saved near-duplicate and bad files."""
    folder = tmp_path / "collection"
    (folder / "sub").mkdir(parents=True)
    for i in range(3):
        (folder / f"photo{i}.jpg").write_bytes(encode(textured(160, 200, seed=i), quality=90))
    shutil.copy(folder / "photo0.jpg", folder / "sub" / "copy of photo0.jpg")
    sample = Path(__file__).resolve().parents[1] / "data" / "samples" / "kodim07_authentic.jpg"
    shutil.copy(sample, folder / "kodim07.jpg")
    with Image.open(sample) as im:  # the same photo, halved and re-saved: a near-duplicate
        im.resize((im.width // 2, im.height // 2)).save(folder / "sub" / "kodim07-small.jpg", quality=70)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(50))
    (folder / "notes.png").write_text("not an image")
    return folder


def _rows(out: Path):
    return read_results(out).set_index("name")


def test_a_local_cluster_scan_gives_one_row_per_file_and_resumes(mixed, tmp_path):
    out = tmp_path / "results.parquet"
    summary = scan_collection([mixed], out, methods=["noise", "copymove"], heatmaps=tmp_path / "maps", workers=2)
    assert summary["total"] == 8 and summary["done"] == 8 and summary["errors"] == 2
    rows = _rows(out)
    assert len(rows) == 8
    assert rows.loc["broken.jpg", "error"] and rows.loc["notes.png", "error"]
    good = rows[rows["error"].isna()]
    assert set(good["verdict"]) <= {"edited", "real", "uncertain"} and good["p_edited"].between(0, 1).all()
    assert rows.loc["photo0.jpg", "sha256"] == rows.loc["copy of photo0.jpg", "sha256"]
    assert rows.loc["photo0.jpg", "phash"] == rows.loc["copy of photo0.jpg", "phash"]
    assert "score:copymove" in rows.columns and rows.loc["photo1.jpg", "jpeg_quality"] == 90
    assert all(Path(p).is_file() for p in good["heatmap"])
    # a rerun does only the files that failed; --force does them all again
    again = scan_collection([mixed], out, methods=["noise", "copymove"], heatmaps=tmp_path / "maps", workers=1)
    assert again["skipped"] == 6 and again["done"] == 2
    assert len(read_results(out)) == 8
    other = scan_collection([mixed], out, methods=["noise"], workers=1, executor="inline")  # other settings
    assert other["skipped"] == 0 and other["done"] == 8
    # what counts is each file's latest row: back to the first settings, everything is redone
    back = scan_collection([mixed], out, methods=["noise", "copymove"], heatmaps=tmp_path / "maps", workers=1,
                           executor="inline")
    assert back["skipped"] == 0 and back["done"] == 8
    # near-duplicates: the copy and the re-saved, halved photo are found, and the original named
    from imgfake.learn.collection import near_duplicates

    groups = near_duplicates(read_results(out))
    by_name = groups.set_index("name")
    assert by_name.loc["photo0.jpg", "group"] == by_name.loc["copy of photo0.jpg", "group"]
    assert by_name.loc["kodim07.jpg", "group"] == by_name.loc["kodim07-small.jpg", "group"]
    assert by_name.loc["kodim07.jpg", "largest"] and not by_name.loc["kodim07-small.jpg", "largest"]
    assert by_name.loc["kodim07.jpg", "least_compressed"] and not by_name.loc["kodim07-small.jpg", "least_compressed"]
    assert "photo2.jpg" not in by_name.index and by_name["group"].nunique() == 2
    # export for spreadsheets
    n = export_results(out, csv=tmp_path / "r.csv", json_lines=tmp_path / "r.jsonl")
    assert n == 8 and (tmp_path / "r.csv").read_text().startswith("path,")
    lines = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert {r["name"] for r in lines} == set(rows.index)


def test_an_interrupted_scan_keeps_what_it_finished(mixed, tmp_path):
    out = tmp_path / "results.parquet"

    def stop_after_three(counts):
        if counts["done"] == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan_collection([mixed], out, workers=1, executor="inline", flush_every=1, progress=stop_after_three)
    first = read_results(out)
    assert len(first) == 3
    rest = scan_collection([mixed], out, workers=1, executor="inline")
    # the good rows are kept; the failed files run again
    assert rest["skipped"] == first["error"].isna().sum() and rest["done"] + rest["skipped"] == 8
    # changed files are scanned again: a touched file (new time, same bytes) is hashed and kept;
    # new bytes of the same size under the old time pass the quick check, but not --verify
    photo = mixed / "photo1.jpg"
    scanned = photo.stat()
    os.utime(photo, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert scan_collection([mixed], out, workers=1, executor="inline")["skipped"] == 6
    data = bytearray(photo.read_bytes())
    data[-3] ^= 0xFF  # a byte of the entropy-coded data, before the end marker
    photo.write_bytes(bytes(data))
    os.utime(photo, ns=(scanned.st_atime_ns, scanned.st_mtime_ns))  # as if never touched
    assert scan_collection([mixed], out, workers=1, executor="inline")["skipped"] == 6
    verified = scan_collection([mixed], out, workers=1, executor="inline", verify=True)
    assert verified["skipped"] == 5 and verified["done"] == 3
    assert len(read_results(out)) == 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster():
    """A Dask scheduler and two single-process workers, started the usual way, on 127.0.0.1."""
    port, dashboard = _free_port(), _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", f"127.0.0.1:{dashboard}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    time.sleep(2)
    for _ in range(2):
        procs.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                       "--no-dashboard", "--no-nanny", "--host", "127.0.0.1"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
    yield address, procs, dashboard
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def test_a_scan_through_a_scheduler_survives_a_killed_worker(mixed, tmp_path, cluster):
    """Batches of 3 files per task: the killed worker's batches run again whole, and the
    writer still records each file once. The scheduler's own dashboard is announced and serves
    while the scan runs."""
    import urllib.request

    address, procs, dashboard = cluster
    for i in range(3, 12):  # more work, so a worker dies with tasks on it
        (mixed / f"more{i}.jpg").write_bytes(encode(textured(160, 200, seed=i), quality=85))
    out = tmp_path / "results.parquet"
    killed, lines, status = {}, [], []

    def kill_one(counts):
        if counts["done"] == 2 and not killed:
            with urllib.request.urlopen(f"http://127.0.0.1:{dashboard}/status", timeout=30) as page:
                status.append(page.status)
            procs[1].kill()  # a worker, mid-scan
            killed["at"] = counts["done"]

    summary = scan_collection([mixed], out, scheduler=address, flush_every=4, batch=3, progress=kill_one,
                              announce=lines.append)
    assert killed and procs[1].poll() is not None
    rows = read_results(out)
    assert summary["total"] == 17 and len(rows) == 17 and rows["path"].is_unique
    assert rows["error"].notna().sum() == 2  # only the two bad files; the killed worker's tasks ran again
    assert len(lines) == 1 and address in lines[0] and f":{dashboard}/status" in lines[0], lines
    assert status == [200]


def _run_on_a_terminal(args: list[str], timeout: float = 600) -> tuple[int, str]:
    """Run a command with stderr on a pseudo-terminal (where the progress bar shows); returns
    the exit status and what it wrote there."""
    import pty
    import select

    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closed: the command ended
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(leader)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_cli_scan_shows_progress_and_exports(mixed, tmp_path):
    out = tmp_path / "r.parquet"
    for i in range(3, 8):  # enough files for a bar
        (mixed / f"more{i}.jpg").write_bytes(encode(textured(160, 200, seed=i), quality=85))
    status, stderr = _run_on_a_terminal([str(BIN / "imgfake"), "scan", str(mixed), "--out", str(out),
                                         "--workers", "1", "--csv", str(tmp_path / "r.csv")])
    assert status == 1, stderr  # two files failed: the exit status says so
    assert "13 files: 13 scanned (2 errors)" in stderr and "Traceback" not in stderr, stderr
    import re

    # tqdm's bar (it redraws at most every 0.1 s, so not necessarily at 13/13)
    assert "image/s" in stderr and re.search(r"\d+/13 \[", stderr) and re.search(r"errors=\d", stderr), stderr
    assert "running on a local Dask cluster of 1 worker process" in stderr
    assert "I0000" not in stderr and "absl" not in stderr, stderr  # TensorFlow's start-up lines stay off
    assert (tmp_path / "r.csv").is_file()
    run = subprocess.run([str(BIN / "imgfake"), "export", str(tmp_path / "nothing")], capture_output=True, text=True)
    assert run.returncode == 2 and "--csv" in run.stderr
    run = subprocess.run([str(BIN / "imgfake"), "export", str(tmp_path / "nothing"), "--csv", "x.csv"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "no scan results" in run.stderr


def test_the_collection_report_is_offline_escaped_and_prints_to_pdf(mixed, tmp_path):
    from imgfake.scanreport import write_collection_report

    evil = mixed / "<img src=x onerror=alert(1)> & 'quotes'.jpg"
    evil.write_bytes(encode(textured(120, 160, seed=9), quality=88))
    out = tmp_path / "results.parquet"
    scan_collection([mixed], out, heatmaps=tmp_path / "maps", workers=1, executor="inline")
    pdf = tmp_path / "report.pdf" if shutil.which("chromium") else None
    page = write_collection_report(out, tmp_path / "report.html", pdf=pdf).read_text(encoding="utf-8")
    assert "<img src=x onerror" not in page and "&lt;img src=x onerror=alert(1)&gt; &amp; &#x27;quotes&#x27;.jpg" in page
    import re

    assert not re.search(r"<script[^>]*\ssrc=", page) and "<link" not in page  # nothing fetched: all inline
    assert not re.search(r"<img[^>]*src=['\"]http", page)
    assert "Near-duplicates (2 groups)" in page and "could not be read" in page
    assert page.count("<tr>") == 9 + 1  # one row per file, and the header
    assert "data:image/jpeg;base64," in page
    from imgfake.scanreport import collection_report_html

    short = collection_report_html(read_results(out), max_rows=4)  # a large scan: the top of the table only
    assert short.count("<tr>") == 4 + 1 and "the 3 most suspicious of 9 files and 1 of the 2" in short
    if pdf is not None:
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


def test_two_scans_into_one_folder_never_overwrite_each_others_parts(tmp_path):
    """Part names were stamped to the second and the process: a second scan in the same second
    replaced the first one's part (found by the resume test)."""
    from imgfake.learn.collection import SCAN_COLUMNS, _schema, _Writer

    out = tmp_path / "r.parquet"
    out.mkdir()
    for i in range(3):
        writer = _Writer(out, _schema([]), flush_every=10)
        writer.add({**{c: None for c in SCAN_COLUMNS}, "path": f"/x/{i}.jpg", "sha256": "0" * 64, "settings": "s"})
        writer.flush()
    assert len(list(out.glob("*.parquet"))) == 3 and len(read_results(out)) == 3


def _dies_on_the_killer(name: str) -> str:
    if name.endswith("killer.jpg"):
        os._exit(3)  # as a worker killed for memory would
    return name.upper()


def test_a_file_that_kills_its_workers_fails_alone_in_its_batch():
    """With several files per task, a batch whose workers keep dying is tried again one file
    per task: the other files of the batch still get their results."""
    import cloudpickle
    import dask

    from imgfake.scan import FileError, map_files

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import tests/
    names = [f"f{i}.jpg" for i in range(7)]
    names[4] = "killer.jpg"
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        got = dict(map_files(_dies_on_the_killer, names, workers=2, executor="dask", batch=3, ordered=False))
    assert sorted(got) == sorted(names)
    assert isinstance(got["killer.jpg"], FileError) and "worker stopped" in got["killer.jpg"].message
    assert all(got[n] == n.upper() for n in names if n != "killer.jpg"), got


def test_near_duplicate_groups_match_a_brute_force_search():
    """Banding finds exactly the groups that comparing every pair finds (connected components of
    'at most 6 bits apart'), on hashes made with clusters of close copies and exact repeats."""
    import numpy as np
    import pandas as pd

    from imgfake.learn.collection import near_duplicates

    rng = np.random.default_rng(5)
    base = rng.integers(0, 2**63, size=150, dtype=np.uint64)
    hashes = list(base)
    for h in base[:40]:  # copies a few bits away, some exact
        for _ in range(int(rng.integers(1, 4))):
            flips = rng.choice(64, size=int(rng.integers(0, 7)), replace=False)
            hashes.append(np.uint64(h) ^ np.uint64(sum(1 << int(f) for f in flips)))
    frame = pd.DataFrame({"path": [f"/p/{i}.jpg" for i in range(len(hashes))], "phash": [f"{int(h):016x}" for h in hashes]})
    frame["name"] = frame["path"]
    for c in ("width", "height", "n_bytes", "jpeg_quality", "metadata_fields"):
        frame[c] = 1.0
    frame["format"] = "JPEG"
    got = near_duplicates(frame)
    h = np.array(hashes, dtype=np.uint64)
    close = np.bitwise_count(h[:, None] ^ h[None, :]) <= 6
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(close, directed=False)
    expected = {frozenset(np.flatnonzero(labels == g)) for g in set(labels) if (labels == g).sum() > 1}
    found = {frozenset(int(p.split("/")[-1][:-4]) for p in members) for _, members in got.groupby("group")["path"]}
    assert found == expected and len(found) >= 30
