"""Scan a collection: one row per file, streamed to Parquet, resumable, on one machine or a
Dask cluster (``imgfake scan``).

:func:`scan_collection` walks the paths (:func:`imgfake.scan.iter_images`), skips the files
already done with the same settings (unchanged: the same size and modification time, else the
same SHA-256), and runs :func:`scan_row` for the others
through :func:`imgfake.scan.map_files` (a Dask ``LocalCluster`` by default, or the cluster at
``scheduler``; the detector is loaded once per worker). Rows are written as they arrive, in
parts of at most ``flush_every`` rows: ``OUT`` is a folder of complete Parquet files (a
dataset pandas and pyarrow read as one table), so a scan killed at any moment keeps every part
it finished. A file that cannot be read is a row with its ``error``, never a stopped scan.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from .._version import __version__
from ..scan import FileError, iter_images, map_files

__all__ = ["scan_collection", "scan_row", "read_results", "export_results", "near_duplicates", "SCAN_COLUMNS"]

#: The fixed columns of every row (each chosen method adds ``score:<name>``).
SCAN_COLUMNS = (
    "path", "name", "n_bytes", "mtime_ns", "sha256", "phash", "format", "width", "height", "jpeg_quality", "jpeg_tables",
    "camera", "software", "metadata_fields", "p_edited", "verdict", "reason", "kind", "drivers", "findings", "heatmap", "error",
    "imgfake_version", "model", "settings", "scanned_at",
)
_FLOATS = {"p_edited", "jpeg_quality"}
_INTS = {"n_bytes", "mtime_ns", "width", "height", "metadata_fields"}


def _schema(methods: Sequence[str]):
    import pyarrow as pa

    fields = [pa.field(c, pa.float64() if c in _FLOATS else pa.int64() if c in _INTS else pa.string())
              for c in SCAN_COLUMNS]
    fields += [pa.field(f"score:{m}", pa.float64()) for m in methods]
    return pa.schema(fields)


def settings_key(methods: Sequence[str], heatmaps: bool, model_id: str) -> str:
    """What makes two scans of one file the same: methods, heat maps, model, scan version."""
    data = json.dumps({"methods": sorted(methods), "heatmaps": bool(heatmaps), "model": model_id, "version": 1})
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _model_id(model: str | None) -> str:
    from ..resources import default_model_dir

    folder = Path(model) if model else default_model_dir()
    try:
        config = json.loads((folder / "imgfake.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"{folder} (unreadable)"
    return f"{folder.name}@{(config.get('trained') or {}).get('date', '?')}"


def scan_row(path: str, *, methods: Sequence[str], heatmaps: str | None, model: str | None,
             settings: str, model_id: str) -> dict:
    """Worker job: the row of one file (raises for a file that cannot be read)."""
    import imagehash
    from PIL import Image

    from ..forensics.registry import clear_cache, run_safely
    from ..io import load_image
    from .analysis import prediction_to_dict, shared_detector

    mtime = _mtime_ns(path)  # before reading: a file rewritten meanwhile is scanned again next time
    image = load_image(path)
    pred = shared_detector(model).predict([image], threads=1)[0]  # the cluster's workers share the CPUs
    record = prediction_to_dict(pred)
    results = {m: run_safely(m, image) for m in ("jpeg", "metadata", *methods)}
    jpeg, meta = results["jpeg"].details, results["metadata"].details
    findings = [f for r in results.values() for f in r.findings if f.severity != "info"]
    findings.sort(key=lambda f: f.severity != "warning")
    heatmap_path = None
    if heatmaps and hasattr(pred, "heatmap_image") and pred.heatmap_image() is not None:
        target = Path(heatmaps) / f"{Path(path).stem or 'image'}-{image.sha256[:8]}.png"
        Image.fromarray(pred.heatmap_image()).save(target)
        heatmap_path = str(target)
    small = Image.fromarray(image.pixels)
    row = {
        "path": str(path), "name": Path(path).name, "n_bytes": image.n_bytes, "mtime_ns": mtime,
        "sha256": image.sha256,
        "phash": str(imagehash.phash(small)), "format": image.format, "width": image.width, "height": image.height,
        "jpeg_quality": _num(jpeg.get("quality")), "jpeg_tables": jpeg.get("tables") if isinstance(jpeg.get("tables"), str) else None,
        "camera": " ".join(v for v in (meta.get("make"), meta.get("model")) if v) or None,
        "software": meta.get("software") or meta.get("xmp_creator_tool"),
        "metadata_fields": sum(1 for k, v in meta.items() if k not in ("has_exif", "problems") and v not in (None, "", [], {}, False)),
        "p_edited": record["p_edited"], "verdict": record.get("verdict") or record["label"],
        "reason": record.get("reason"),
        "kind": (max(record["kinds"], key=record["kinds"].get)
                 if record["kinds"] and record.get("kinds_meaningful") else None),
        "drivers": ", ".join(d["method"] for d in record.get("drivers") or []) or None,
        "findings": " | ".join(f.message for f in findings[:3]) or None,
        "heatmap": heatmap_path, "error": None,
    }
    row.update({f"score:{m}": _num(results[m].score) for m in methods})
    row.update(_common(settings, model_id))
    clear_cache()  # a worker keeps no maps between files
    return row


def _mtime_ns(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _num(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def _common(settings: str, model_id: str) -> dict:
    return {"imgfake_version": __version__, "model": model_id, "settings": settings,
            "scanned_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _error_row(path: str, message: str, settings: str, model_id: str, methods: Sequence[str]) -> dict:
    row = {c: None for c in SCAN_COLUMNS}
    row.update({"path": path, "name": Path(path).name, "error": message, **_common(settings, model_id)})
    try:
        st = os.stat(path)
        row["n_bytes"], row["mtime_ns"] = st.st_size, st.st_mtime_ns
    except OSError:
        pass
    row.update({f"score:{m}": None for m in methods})
    return row


def _file_sha256(path: str) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _done(out: Path) -> dict[str, tuple]:
    """path -> (settings, sha256, size, mtime, error) of each file's latest row: what
    :func:`read_results` shows for it (parts sort in the order written)."""
    if not out.is_dir() or not any(out.glob("*.parquet")):
        return {}
    import pyarrow.parquet as pq

    done: dict[str, tuple] = {}
    wanted = ("path", "settings", "sha256", "n_bytes", "mtime_ns", "error")
    for part in sorted(out.glob("*.parquet")):
        names = set(pq.read_schema(part).names)
        table = pq.read_table(part, columns=[c for c in wanted if c in names])
        n = table.num_rows
        columns = [table.column(c).to_pylist() if c in names else [None] * n for c in wanted]
        for path, *record in zip(*columns):
            done[path] = tuple(record)
    return done


def _already_done(path: str, settings: str, done: dict, verify: bool) -> bool:
    """Is the file's latest row from these settings, without an error, and is the file
    unchanged since? Same size and modification time is the quick check (as rsync's); the
    SHA-256 decides when they differ, for rows written before the time was kept, and always
    with `verify`. A copy elsewhere is not done."""
    record = done.get(path)
    if record is None:
        return False
    row_settings, sha, n_bytes, mtime, error = record
    if row_settings != settings or error or not sha:
        return False
    if not verify and n_bytes is not None and mtime is not None:
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_size == n_bytes and st.st_mtime_ns == mtime:
            return True
    return _file_sha256(path) == sha


class _Writer:
    """Rows -> complete Parquet part files in `out` (written to a temporary name, then renamed)."""

    def __init__(self, out: Path, schema, flush_every: int) -> None:
        self.out, self.schema, self.flush_every = out, schema, flush_every
        self.rows: list[dict] = []
        # unique per writer: two scans into one folder within a second (or from two machines)
        # must never overwrite each other's parts; in the order scans started, as read_results
        # keeps a file's latest row ("t" sorts after the older "part-20261202T…" names)
        self.stamp = f"t{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        self.parts = 0

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in self.schema} for r in self.rows],
                                     schema=self.schema)
        self.parts += 1
        final = self.out / f"part-{self.stamp}-{self.parts:05d}.parquet"
        tmp = final.with_suffix(".tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, final)
        self.rows.clear()


def scan_collection(
    paths: Iterable[str | os.PathLike],
    out: str | os.PathLike,
    *,
    methods: Sequence[str] = (),
    heatmaps: str | os.PathLike | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: str = "dask",
    force: bool = False,
    verify: bool = False,
    model: str | None = None,
    flush_every: int = 64,
    batch: int = 1,
    dashboard: str | None = None,
    announce: Callable[[str], None] | None = None,
    progress: Callable[[dict], None] | None = None,
) -> dict:
    """Scan every image under `paths` into the Parquet dataset folder `out`.

    Parameters
    ----------
    methods : sequence of str
        Registered analyses whose scores get a column each (the detector always runs).
    heatmaps : path, optional
        Folder for each file's localisation map (``<stem>-<sha256[:8]>.png``).
    workers, scheduler, executor
        Passed to :func:`imgfake.scan.map_files` (default: a local Dask cluster of `workers`
        processes; ``scheduler="tcp://host:8786"`` uses a running cluster).
    force : bool
        Redo files already done with the same settings.
    verify : bool
        When resuming, compare every file's SHA-256 with its row's, instead of its size and
        modification time (reads every byte again: slow on a large collection).
    flush_every : int
        Rows per Parquet part: what a killed scan can lose at most.
    batch, dashboard, announce
        Files per Dask task; the address of the local cluster's Dask dashboard; a callable
        told where the work runs (see :func:`imgfake.scan.map_files`).
    progress : callable, optional
        Called once when the files are counted (``done`` 0), then after each file, with running
        counts (``done``, ``errors``, ``skipped``, ``total``, ``seconds``).

    Returns
    -------
    dict
        Counts, seconds and the output folder.
    """
    from ..forensics.registry import get

    for m in methods:
        get(m)  # unknown names fail here, before any work
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{str(out)!r} is a file: the results are a folder of Parquet parts; give a new name")
    out.mkdir(parents=True, exist_ok=True)
    if heatmaps is not None:
        Path(heatmaps).mkdir(parents=True, exist_ok=True)
    model_id = _model_id(model)
    settings = settings_key(methods, heatmaps is not None, model_id)
    done = {} if force else _done(out)
    files = [str(p) for p in iter_images(paths)]
    todo, skipped = [], 0
    for f in files:
        if done and _already_done(f, settings, done, verify):
            skipped += 1
        else:
            todo.append(f)
    import functools

    job = functools.partial(scan_row, methods=tuple(methods), heatmaps=str(heatmaps) if heatmaps else None,
                            model=str(model) if model else None, settings=settings, model_id=model_id)
    writer = _Writer(out, _schema(methods), flush_every)
    counts = {"total": len(files), "done": 0, "errors": 0, "skipped": skipped}
    t0 = time.perf_counter()
    if progress is not None:
        progress(dict(counts, seconds=0.0))
    try:
        # nothing left to do (an empty folder, a finished scan): no cluster is started
        for path, result in map_files(job, todo, executor=executor if todo else "inline", workers=workers,
                                      scheduler=scheduler, batch=batch, dashboard=dashboard, announce=announce,
                                      ordered=False):
            if isinstance(result, FileError):
                counts["errors"] += 1
                writer.add(_error_row(path, result.message, settings, model_id, methods))
            else:
                writer.add(result)
            counts["done"] += 1
            if progress is not None:
                progress(dict(counts, seconds=time.perf_counter() - t0))
    finally:
        writer.flush()  # what arrived is kept, also when interrupted
    return dict(counts, seconds=round(time.perf_counter() - t0, 2), out=str(out), parts=writer.parts)


#: The columns that make a folder of Parquet parts a scan's results (always read).
_RESULT_COLUMNS = ("path", "sha256", "verdict", "p_edited", "error", "settings")


def read_results(out: str | os.PathLike, *, columns: Sequence[str] | None = None):
    """The scan's rows as a pandas DataFrame, one per file (the latest row of a file scanned
    again), sorted by path; `columns` reads only those (and what that takes), for large scans."""
    import pandas as pd

    parts = sorted(Path(out).glob("*.parquet"))
    if not parts:
        raise ValueError(f"{str(out)!r} holds no scan results (no .parquet parts): run `imgfake scan` first")
    frames = []
    wanted = None if columns is None else [
        c for c in dict.fromkeys([*_RESULT_COLUMNS, *columns]) if c in _part_columns(parts[0])]
    for part in parts:
        try:
            frames.append(pd.read_parquet(part, columns=wanted))
        except Exception as exc:  # pyarrow's several errors for a damaged or foreign file
            raise ValueError(f"{part.name} in {str(out)!r} is not a readable Parquet file ({exc}); "
                             "move it away, or rerun the scan into a new folder") from exc
    frame = pd.concat(frames, ignore_index=True)
    missing = sorted(set(_RESULT_COLUMNS) - set(frame.columns))
    if missing:
        raise ValueError(f"{str(out)!r} holds Parquet files, but not imgfake scan results "
                         f"(no {', '.join(missing)} column)")
    latest = frame.drop_duplicates(subset=["path"], keep="last")  # parts sort in the order written
    return latest.sort_values("path", kind="stable").reset_index(drop=True)  # not in the order files finished


def _part_columns(part: Path) -> set[str]:
    import pyarrow.parquet as pq

    try:
        return set(pq.read_schema(part).names)
    except Exception:  # damaged: read_results says so when it reads the part
        return set()


def export_results(out: str | os.PathLike, *, csv: str | os.PathLike | None = None,
                   json_lines: str | os.PathLike | None = None) -> int:
    """Write the scan's rows as CSV and/or JSON lines (for spreadsheets); returns the row count."""
    frame = read_results(out)
    if csv is not None:
        frame.to_csv(csv, index=False)
    if json_lines is not None:
        frame.replace({np.nan: None}).to_json(json_lines, orient="records", lines=True, force_ascii=False)
    return len(frame)


#: Perceptual hashes at most this many bits apart (of 64) count as the same picture.
NEAR_DUPLICATE_BITS = 6


def near_duplicates(frame, *, max_bits: int = NEAR_DUPLICATE_BITS):
    """Group rows whose perceptual hashes differ in at most `max_bits` of 64 bits.

    Candidates are found by banding: the 64 bits are cut into ``max_bits + 1`` bands, and two
    hashes at most `max_bits` apart agree on at least one band whole (pigeonhole), so only the
    rows that share a band value are compared, in blocks whose memory stays bounded. The work
    grows with the collection and its bucket sizes, not with its square (200,000 random hashes:
    a few seconds). Returns a DataFrame with ``group`` (from 1), ``path``, ``name``, ``width``,
    ``height``, ``n_bytes``, ``jpeg_quality``, ``metadata_fields`` and the answers to "which is
    the original?": ``largest`` (most pixels), ``least_compressed`` (no JPEG, else the highest
    quality, then the most bytes) and ``richest_metadata``. Groups of one file are left out.
    """
    import pandas as pd

    if max_bits < 0 or max_bits > 15:
        raise ValueError(f"max_bits must be 0..15 bits of the 64-bit perceptual hash, got {max_bits}")
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    columns = ["path", "name", "width", "height", "n_bytes", "jpeg_quality", "format", "metadata_fields"]
    none = pd.DataFrame(columns=["group", *columns, "largest", "least_compressed", "richest_metadata"])
    rows = frame[frame["phash"].notna()].reset_index(drop=True)
    if not len(rows):
        return none
    hashes, row_of = np.unique(np.array([int(h, 16) for h in rows["phash"]], dtype=np.uint64), return_inverse=True)
    src, dst = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]  # pairs of distinct hashes close enough
    edges = np.linspace(0, 64, max_bits + 2).astype(int)  # max_bits + 1 bands
    for lo, hi in zip(edges[:-1], edges[1:]):
        keys = (hashes >> np.uint64(lo)) & np.uint64((1 << int(hi - lo)) - 1)
        order = np.argsort(keys, kind="stable")
        starts = np.flatnonzero(np.r_[True, keys[order][1:] != keys[order][:-1], True])
        for a, b in zip(starts[:-1], starts[1:]):
            if b - a < 2:
                continue
            m = order[a:b]
            step = max(1, 4_000_000 // len(m))  # rows per block: at most ~4 M comparisons at once
            for first in range(0, len(m), step):
                block = m[first:first + step]
                i, j = np.nonzero(np.bitwise_count(hashes[block][:, None] ^ hashes[m][None, :]) <= max_bits)
                src.append(block[i])
                dst.append(m[j])
    src, dst = np.concatenate(src), np.concatenate(dst)
    graph = coo_matrix((np.ones(len(src), np.int8), (src, dst)), shape=(len(hashes), len(hashes)))
    roots = connected_components(graph, directed=False)[1][row_of]  # each row's component
    keep = np.flatnonzero(np.bincount(roots)[roots] > 1)
    if not len(keep):
        return none
    out = rows.loc[keep].reindex(columns=columns).copy()  # a column the rows lack is empty
    labels, first = np.unique(roots[keep], return_index=True)  # groups numbered by their first row
    numbering = {int(r): n + 1 for n, r in enumerate(labels[np.argsort(first)])}
    out.insert(0, "group", [numbering[int(r)] for r in roots[keep]])
    out["pixels"] = out["width"].fillna(0) * out["height"].fillna(0)
    lossless = out["format"].fillna("").ne("JPEG")
    out["compression_rank"] = np.where(lossless, 101.0, out["jpeg_quality"].fillna(0))
    out["largest"] = out["pixels"] == out.groupby("group")["pixels"].transform("max")
    best = out.sort_values(["compression_rank", "n_bytes"], ascending=False).groupby("group").head(1).index
    out["least_compressed"] = out.index.isin(best)
    meta = out["metadata_fields"].fillna(0) if "metadata_fields" in out else pd.Series(0, index=out.index)
    out["richest_metadata"] = (meta == meta.groupby(out["group"]).transform("max")) & (meta > 0)
    return out.drop(columns=["pixels", "compression_rank"]).sort_values(["group", "name"]).reset_index(drop=True)
