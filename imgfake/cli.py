"""The ``imgfake`` command line: thin, over the registry, the file walker and the detector.

Conventions, as users of Unix tools expect:

* every command processes all the files it is given (folders are walked): a bad file gets one
  error line on stderr, the others are still processed, and the exit status is 1 at the end
  (2 = a usage error, 130 = interrupted);
* results go to stdout (``--json``: one object per line, numbers rounded), progress and the
  closing summary to stderr; ``imgfake predict … | head`` ends quietly;
* TensorFlow's start-up lines never reach the terminal; error lines never show Python class
  names.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ._version import __version__

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Show a progress bar from this many files on (and only when stderr is a terminal).
PROGRESS_FROM = 5


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_start()
    parser = _parser()
    if argv is None and len(sys.argv) == 1 or argv is not None and len(argv) == 0:
        parser.print_usage(sys.stderr)
        print("imgfake: error: name a command, e.g. `imgfake info photo.jpg`; "
              "`imgfake --help` lists them", file=sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("imgfake: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        print(f"imgfake: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # never a traceback for a user; the message says what to do
        from .scan import error_message

        print(f"imgfake: error: {error_message(exc)}", file=sys.stderr)
        return EXIT_SOME_FAILED


class UsageError(ValueError):
    """A problem with the command line itself (exit status 2)."""


def _quiet_start() -> None:
    # Before TensorFlow can be imported: its C++ INFO/WARNING start-up lines stay off the terminal.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if hasattr(signal, "SIGPIPE"):  # `imgfake … | head` ends quietly instead of a traceback
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    for stream in (sys.stdout, sys.stderr):  # odd bytes in file names never stop a listing
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imgfake",
        description="Find out whether a photo has been digitally altered, and where.",
        epilog="Run 'imgfake COMMAND --help' for the options of a command. Exit status: 0 all "
        "files processed, 1 some files failed, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"imgfake {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    images_help = "image files or folders (folders are searched for images, recursively)"
    json_help = "one JSON object per line instead of text"

    p = sub.add_parser("info", help="format, size, JPEG quality and the findings of every quick analysis")
    p.add_argument("images", nargs="+", metavar="IMAGE", help=images_help)
    p.add_argument("--analyses", default="quick", metavar="NAMES",
                   help="comma-separated registered analyses to run, 'quick' (default: every one "
                   "that draws no map and loads no model) or 'all' (every one but the model)")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("ela", help="write the Error Level Analysis image of photos")
    p.add_argument("images", nargs="+", metavar="IMAGE", help=images_help)
    p.add_argument("-q", "--quality", type=int, default=90, help="JPEG quality of the re-save (default 90)")
    p.add_argument("-o", "--output", type=Path,
                   help="PNG to write, for one image (default: IMAGE_ela.png beside each image)")
    p.add_argument("--out-dir", type=Path, help="folder for the PNGs (default: beside each image)")
    p.add_argument("--gain", default="auto", help="display gain: a number or 'auto' (default)")
    p.add_argument("--mode", choices=("linear", "sqrt"), default="linear",
                   help="display curve: linear (default) or sqrt (lifts faint levels)")
    p.add_argument("--json", action="store_true", help="print residual statistics as JSON")
    p.set_defaults(func=_cmd_ela)

    p = sub.add_parser("analyses", help="list the registered forensic analyses, by family")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_cmd_analyses)

    p = sub.add_parser("predict", help="edited, real or cannot tell for each image, how, and where")
    p.add_argument("images", nargs="+", metavar="IMAGE", help=images_help)
    p.add_argument("--model", type=Path, help="model bundle folder (default: the shipped model)")
    p.add_argument("--batch-size", type=int, default=32, help="images per model call (default 32)")
    p.add_argument("--heatmaps", type=Path, metavar="DIR",
                   help="write DIR/<file stem>.png per image: 8-bit greyscale localisation map, the "
                        "image's width × height, 0 = surely untouched, 255 = surely edited")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("scan", help="scan whole folders into a Parquet results folder (resumable, on Dask)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files or folders (searched recursively)")
    p.add_argument("--out", type=Path, required=True,
                   help="results folder of Parquet parts (rerun with the same one to resume)")
    p.add_argument("--methods", default="", help="comma-separated analyses whose scores get a column each")
    p.add_argument("--all", action="store_true", help="every analysis with a score (slow)")
    p.add_argument("--heatmaps", type=Path, metavar="DIR", help="write each file's localisation map here")
    p.add_argument("--workers", type=int, default=None, help="local Dask worker processes (default: CPUs, at most 8)")
    p.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--dask-dashboard", nargs="?", const="127.0.0.1:8787", default=None, metavar="HOST:PORT",
                   help="serve Dask's dashboard for the local cluster (default address 127.0.0.1:8787) "
                        "to watch the scan in a browser; a --scheduler serves its own")
    p.add_argument("--batch", type=int, default=1, metavar="N",
                   help="files per Dask task (default 1; 16 or more for collections of millions)")
    p.add_argument("--force", action="store_true", help="redo files already done with the same settings")
    p.add_argument("--verify", action="store_true",
                   help="when resuming, compare each file's SHA-256, not only its size and modification time")
    p.add_argument("--model", type=Path, help="model bundle folder (default: the shipped model)")
    p.add_argument("--csv", type=Path, help="also write every row to this CSV file at the end")
    p.set_defaults(func=_cmd_scan)

    p = sub.add_parser("export", help="a scan's results as CSV or JSON lines")
    p.add_argument("results", type=Path, help="the results folder `imgfake scan --out` wrote")
    p.add_argument("--csv", type=Path, help="CSV file to write")
    p.add_argument("--json", type=Path, help="JSON-lines file to write")
    p.add_argument("--duplicates", type=Path, metavar="CSV",
                   help="near-duplicate groups (perceptual hash), with which copy is largest, least "
                        "compressed, richest in metadata")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("report", help="an HTML (and PDF) report of a scan's results")
    p.add_argument("results", type=Path, help="the results folder `imgfake scan --out` wrote")
    p.add_argument("-o", "--output", type=Path, default=Path("report.html"), help="HTML file (default report.html)")
    p.add_argument("--pdf", nargs="?", const=True, default=None, metavar="FILE",
                   help="also print it to PDF with Chromium (default: the HTML name with .pdf)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("dashboard", help="serve the Voilà dashboard in the browser")
    from .dashboard.serve import add_arguments

    add_arguments(p)
    p.set_defaults(func=_cmd_dashboard)

    p = sub.add_parser("bench-methods", help="score every registered method on a forgery set made by `imgfake synth`")
    p.add_argument("data", type=Path, metavar="SYNTH_DIR", help="a folder written by `imgfake synth` (with masks)")
    p.add_argument("--methods", default="", metavar="NAMES", help="comma-separated analyses (default: all but the model)")
    p.add_argument("--n-boot", type=int, default=200, help="bootstrap replicates of the AUC intervals (default 200)")
    p.add_argument("--workers", type=int, default=1,
                   help="processes scoring files side by side (default 1: seconds per MP of one core)")
    p.add_argument("--json", action="store_true", help="the results as one JSON line")
    p.set_defaults(func=_cmd_bench_methods)

    p = sub.add_parser("train", help="train a model bundle on folders of real/edited images")
    p.add_argument("data", nargs="+", type=Path, metavar="DATA_DIR",
                   help="folders with real/ and edited/ sub-folders (see data/README.md)")
    p.add_argument("--out", type=Path, required=True, help="bundle folder to write")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: the trainer's)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the split and training (default 0)")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("evaluate", help="evaluate a model bundle on a folder of real/edited images")
    p.add_argument("data", type=Path, metavar="DATA_DIR", help="folder with real/ and edited/ sub-folders")
    p.add_argument("--model", type=Path, help="model bundle folder (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="the report as one JSON line")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("synth", help="make synthetic forgeries (with masks) from never-compressed photos")
    p.add_argument("sources", nargs="+", type=Path, help="image files or folders of PNG/TIFF photos")
    p.add_argument("--out", type=Path, required=True, help="folder to write the forgery set to")
    p.add_argument("--per-source", type=int, default=3, help="forgeries per source photo (default 3)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--kinds", choices=("train", "bench"), default="train",
                   help="train: splice, copy-move, retouch (default); bench: also double-JPEG splices, "
                   "inpainting, resampling, noise and camera-like splices (the methods benchmark)")
    p.add_argument("--max-side", type=int, default=None, metavar="PX",
                   help="downscale so the longer side is at most PX (default: keep the crop's size)")
    p.set_defaults(func=_cmd_synth)
    return parser


# --- helpers ---------------------------------------------------------------------------------


def _error(path: object, message: object) -> None:
    print(f"imgfake: {path}: {message}", file=sys.stderr, flush=True)


def rounded(value, digits: int = 4):
    """JSON-friendly copy of `value` with floats rounded to `digits` decimals (NaN/inf -> None)."""
    if isinstance(value, float):
        return round(value, digits) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # NumPy scalars
        return rounded(value.item(), digits)
    if hasattr(value, "tolist"):
        return rounded(value.tolist(), digits)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def _emit(record: dict, *, as_json: bool, text: str) -> None:
    print(json.dumps(rounded(record)) if as_json else text, flush=True)


def expand_paths(items: Iterable[str | Path]) -> list[Path]:
    """Files as given, plus image files found (recursively, sorted) in any folders given."""
    from .scan import iter_images

    return list(iter_images(items))


def _files_or_usage_error(items: Sequence[str]) -> list[Path]:
    paths = expand_paths(items)
    if not paths:
        raise UsageError(f"no image files found in {', '.join(map(str, items))}")
    return paths


class _Progress:
    """A tqdm bar on stderr when stderr is a terminal and there are enough files. Elsewhere
    (a log file, a job scheduler) nothing, or with ``lines=True`` a plain line every
    ``every`` seconds, so a long scan's log still shows that it moves."""

    def __init__(self, total: int, unit: str = "image", *, initial: int = 0, lines: bool = False,
                 every: float = 30.0) -> None:
        self.bar = None
        self.total, self.unit, self.count, self.every = total, unit, initial, every
        self.lines = lines and total >= PROGRESS_FROM
        self.start = self.last_line = time.perf_counter()
        self.first = initial  # files done before this run (a resumed scan): not in the rate
        if total >= PROGRESS_FROM and sys.stderr.isatty():
            from tqdm import tqdm

            try:
                sized = os.get_terminal_size(sys.stderr.fileno()).columns > 0
            except (OSError, ValueError):
                sized = False
            # a terminal that reports no size (some CI runners, `script`) gets a fixed size:
            # tqdm would hide the bar (it counts 0 rows)
            self.bar = tqdm(total=total, initial=initial, unit=unit, file=sys.stderr, leave=False,
                            dynamic_ncols=sized, ncols=None if sized else 100,
                            nrows=None if sized else 24, smoothing=0.1)
            self.lines = False

    def step(self, n: int = 1, **postfix) -> None:
        self.count += n
        if self.bar is not None:
            if postfix:
                self.bar.set_postfix(postfix, refresh=False)
            self.bar.update(n)
        elif self.lines:
            now = time.perf_counter()
            if now - self.last_line >= self.every:
                self.last_line = now
                rate = (self.count - self.first) / max(now - self.start, 1e-9)
                extra = "".join(f", {k} {v}" for k, v in postfix.items())
                print(f"{self.count}/{self.total} {self.unit}s, {rate:.1f} {self.unit}s/s{extra}",
                      file=sys.stderr, flush=True)

    def write(self, emit: Callable[[], None]) -> None:
        if self.bar is not None:
            with self.bar.external_write_mode(file=sys.stderr):
                emit()
        else:
            emit()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _summary(n: int, start: float, failed: int, extra: str = "") -> None:
    if n > 1:
        noun = "image" if n == 1 else "images"
        parts = ([extra] if extra else []) + [f"{failed} error{'s' if failed != 1 else ''}"]
        print(f"{n} {noun}: {', '.join(parts)}, {time.perf_counter() - start:.1f} s", file=sys.stderr)


def _run_files(paths: list[Path], job: Callable[[str], object], report: Callable[[Path, object], None]) -> int:
    """Run `job` over `paths` on the shared pool, report each result in order; count failures."""
    from .scan import FileError, map_files

    failed = 0
    progress = _Progress(len(paths))
    try:
        for (name, result), path in zip(map_files(job, paths, executor="thread"), paths):
            progress.step()
            if isinstance(result, FileError):
                failed += 1
                progress.write(lambda: _error(path, result.message))
            else:
                progress.write(lambda: report(path, result))
    finally:
        progress.close()
    return failed


# --- commands ------------------------------------------------------------------------------


def _chosen_analyses(text: str) -> list[str]:
    from .forensics.registry import available, get

    if text == "quick":
        return list(available(heatmap=False, heavy=False))
    if text == "all":
        return list(available(heavy=False))
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        try:
            get(name)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return names


def _cmd_info(args) -> int:
    from .forensics.registry import run_safely
    from .io import load_image

    names = _chosen_analyses(args.analyses)
    paths = _files_or_usage_error(args.images)
    start = time.perf_counter()

    def job(path: str):
        image = load_image(path)
        return image, {name: run_safely(name, image) for name in names}

    def report(path: Path, result) -> None:
        image, results = result
        findings = [f for r in results.values() for f in r.findings]
        jpeg = results.get("jpeg")
        record = {
            "path": str(path),
            **image.summary(),
            "jpeg_quality": jpeg.details.get("quality") if jpeg else None,
            "jpeg_tables_standard": jpeg.details.get("exact") if jpeg else None,
            "scores": {n: r.score for n, r in results.items() if r.score is not None},
            "findings": [f.to_dict() for f in findings],
            "analyses": {n: r.to_dict() for n, r in results.items()},
        }
        lines = [f"{path}: {image.format} {image.width}×{image.height} {image.mode}, {image.n_bytes:,} bytes"]
        if record["jpeg_quality"] is not None:
            kind = "standard" if record["jpeg_tables_standard"] else "non-standard"
            lines.append(f"  JPEG quality ≈ {record['jpeg_quality']} ({kind} tables, {image.jpeg.subsampling})")
        lines += [f"  note: {n}" for n in image.notes]
        for name, result in results.items():  # each method, its score, then what it found
            score = "no score" if result.score is None else f"score {result.score:.3g}"
            lines.append(f"  {name}: {score}")
            lines += [f"      [{f.severity}] {f.message}" for f in result.findings]
        _emit(record, as_json=args.json, text="\n".join(lines))

    failed = _run_files(paths, job, report)
    _summary(len(paths), start, failed, f"{len(paths) - failed} read")
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _cmd_ela(args) -> int:
    from PIL import Image

    from .forensics.ela import ela, ela_image, ela_stats
    from .io import check_quality, load_image

    gain = args.gain if args.gain == "auto" else _positive_float(args.gain, "--gain")
    try:
        check_quality(args.quality, name="--quality")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    given = {Path(p) for p in args.images}
    # never the ELA images of an earlier run found in a folder
    paths = [p for p in _files_or_usage_error(args.images) if p in given or not p.stem.endswith("_ela")]
    if args.output is not None and len(paths) > 1:
        raise UsageError(f"-o/--output names one file, but {len(paths)} images were given: use --out-dir")
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    destinations = _ela_destinations(paths, output=args.output, out_dir=args.out_dir)

    def destination(path: Path) -> Path:
        return destinations[path]

    def job(path: str):
        image = load_image(path)
        residual = ela(image.pixels, quality=args.quality, subsampling=image.resave_subsampling)
        out = destination(Path(path))
        Image.fromarray(ela_image(residual, gain=gain, mode=args.mode)).save(out)
        return out, ela_stats(residual)

    def report(path: Path, result) -> None:
        out, stats = result
        record = {"path": str(path), "output": str(out), "quality": args.quality, **stats.to_dict()}
        text = f"{path}: ELA at quality {args.quality} → {out} (mean {stats.mean:.2f}, p99 {stats.p99:.1f})"
        _emit(record, as_json=args.json, text=text)

    failed = _run_files(paths, job, report)
    _summary(len(paths), start, failed, f"{len(paths) - failed} written")
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _ela_destinations(paths: list[Path], *, output: Path | None, out_dir: Path | None) -> dict[Path, Path]:
    """IMAGE_ela.png beside each image (or in `out_dir`); images whose names would share one
    (photo.jpg and photo.png, or two folders into one --out-dir) keep their suffix instead
    (photo.jpg_ela.png), and any clash left gets a number, so no output overwrites another."""
    if output is not None:
        return {paths[0]: output}

    def place(path: Path, name: str) -> Path:
        return (out_dir if out_dir is not None else path.parent) / name

    plain = {p: place(p, p.stem + "_ela.png") for p in paths}
    clashes = {d for d in plain.values() if list(plain.values()).count(d) > 1}
    chosen: dict[Path, Path] = {}
    used: set[Path] = set()
    for p in paths:
        d = plain[p] if plain[p] not in clashes else place(p, p.name + "_ela.png")
        n = 2
        while d in used:
            d = place(p, f"{p.name}_ela-{n}.png")
            n += 1
        used.add(d)
        chosen[p] = d
    return chosen


def _positive_float(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{option} must be a number or 'auto', got {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise UsageError(f"{option} must be positive, got {text!r}")
    return value


def _cmd_analyses(args) -> int:
    from .forensics.registry import available

    family = None
    for a in available().values():
        if not args.json and a.family != family:
            family = a.family
            print(f"{family}:")
        record = a.to_dict()
        what = (f"map: {a.direction} is suspicious, {a.cell}-px cells" if a.has_heatmap else "findings only")
        heavy = ", loads a model" if a.heavy else ""
        _emit(record, as_json=args.json, text=f"  {a.name:10s} {a.title} ({what}{heavy}): {a.description}")
    return EXIT_OK


def _cmd_predict(args) -> int:
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be positive, got {args.batch_size}")
    paths = _files_or_usage_error(args.images)
    from .learn.detector import Detector

    detector = Detector.load(args.model)
    heatmaps = _HeatmapWriter(args.heatmaps) if args.heatmaps is not None else None
    start = time.perf_counter()
    failed, counts = 0, {}
    progress = _Progress(len(paths))
    try:
        for path, result in detector.predict_paths(paths, batch_size=args.batch_size):
            progress.step()
            if isinstance(result, str):
                failed += 1
                progress.write(lambda: _error(path, result))
                continue
            counts[result.verdict or result.label] = counts.get(result.verdict or result.label, 0) + 1
            record = {"path": str(path), **result.to_dict()}
            if heatmaps is not None:
                record["heatmap"] = heatmaps.write(path, result)
            progress.write(lambda: _emit(record, as_json=args.json, text=_prediction_text(path, result, record)))
    finally:
        progress.close()
    _summary(len(paths), start, failed, ", ".join(f"{counts.get(v, 0)} {words}" for v, words in (
        ("edited", "edited"), ("real", "with no sign of editing"), ("uncertain", "cannot tell"))))
    return EXIT_SOME_FAILED if failed else EXIT_OK


_VERDICT_WORDS = {"edited": "signs of editing found", "real": "no sign of editing found",
                  "uncertain": "cannot tell"}


def _prediction_text(path, result, record) -> str:
    verdict = result.verdict or result.label
    text = f"{path}: {_VERDICT_WORDS.get(verdict, verdict)} (p_edited={result.p_edited:.3f})"
    kinds = ", ".join(f"{k} {v:.2f}" for k, v in sorted(result.kinds.items(), key=lambda kv: -kv[1])[:3])
    if result.kinds_meaningful and kinds:
        text += f"\n  kind: {kinds}"
    if result.reason:
        text += f"\n  why: {result.reason}"
    if result.drivers and verdict != "real":  # what raised the score, where there is something to explain
        text += "\n  driven by: " + ", ".join(d["method"] for d in result.drivers)
    if result.domain_note and result.domain_note != result.reason:
        text += f"\n  caution: {result.domain_note}"
    if record.get("heatmap"):
        text += f"\n  map: {record['heatmap']}"
    return text


class _HeatmapWriter:
    """Writes ``DIR/<stem>.png`` per image; a second file with the same stem gets ``<stem>-2``."""

    def __init__(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create the heat-map folder {str(folder)!r}: {exc.strerror or exc}") from exc
        self.folder = folder
        self.used: set[str] = set()

    def write(self, path, result) -> str | None:
        image = result.heatmap_image() if hasattr(result, "heatmap_image") else None
        if image is None:
            return None
        from PIL import Image

        stem, n = Path(path).stem or "image", 1
        name = f"{stem}.png"
        while name in self.used:
            n += 1
            name = f"{stem}-{n}.png"
        self.used.add(name)
        target = self.folder / name
        Image.fromarray(image).save(target)
        return str(target)


def _cmd_scan(args) -> int:
    from .forensics.registry import available
    from .learn.collection import export_results, scan_collection

    methods = [m for m in args.methods.split(",") if m]
    if args.all:
        methods = [n for n, a in available(heavy=False).items() if a.family not in ("lens", "metadata")]
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be positive, got {args.workers}")
    if args.batch < 1:
        raise UsageError(f"--batch must be at least 1 file per task, got {args.batch}")
    bar: list[_Progress] = []

    def progress(c: dict) -> None:
        if not bar:  # the first call, before any work: the files are counted
            bar.append(_Progress(c["total"], initial=c["skipped"], lines=True))
            if c["skipped"]:
                bar[0].write(lambda: print(f"{c['skipped']} of {c['total']} files already done with these "
                                           "settings (--force redoes them)", file=sys.stderr))
            return
        bar[0].step(errors=c["errors"])

    def announce(line: str) -> None:  # where the work runs, and Dask's dashboard (the bar exists by then)
        bar[0].write(lambda: print(line, file=sys.stderr))

    try:
        summary = scan_collection(args.paths, args.out, methods=methods, heatmaps=args.heatmaps,
                                  workers=args.workers, scheduler=args.scheduler, force=args.force, verify=args.verify,
                                  model=str(args.model) if args.model else None, batch=args.batch,
                                  dashboard=args.dask_dashboard, progress=progress, announce=announce)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        for b in bar:
            b.close()
    rate = summary["done"] / summary["seconds"] if summary["seconds"] > 0 else 0.0
    print(f"{summary['total']} files: {summary['done']} scanned ({summary['errors']} errors), "
          f"{summary['skipped']} already done, {summary['seconds']:.1f} s ({rate:.1f} images/s) -> {summary['out']}",
          file=sys.stderr)
    if summary["errors"]:
        print(f"see the rows with an error: imgfake export {summary['out']} --csv errors.csv", file=sys.stderr)
    if args.csv is not None:
        export_results(args.out, csv=args.csv)
    return EXIT_SOME_FAILED if summary["errors"] else EXIT_OK


def _cmd_export(args) -> int:
    from .learn.collection import export_results

    if args.csv is None and args.json is None and args.duplicates is None:
        raise UsageError("say what to write: --csv FILE, --json FILE and/or --duplicates FILE")
    try:
        n = export_results(args.results, csv=args.csv, json_lines=args.json) if args.csv or args.json else None
        if args.duplicates is not None:
            from .learn.collection import near_duplicates, read_results

            groups = near_duplicates(read_results(args.results))
            groups.to_csv(args.duplicates, index=False)
            print(f"{groups['group'].nunique() if len(groups) else 0} near-duplicate groups "
                  f"({len(groups)} files) written", file=sys.stderr)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if n is not None:
        print(f"{n} rows written", file=sys.stderr)
    return EXIT_OK


def _cmd_report(args) -> int:
    from .scanreport import write_collection_report

    pdf = args.output.with_suffix(".pdf") if args.pdf is True else args.pdf
    try:
        out = write_collection_report(args.results, args.output, pdf=pdf)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    print(f"report written to {out}" + (f" and {pdf}" if pdf else ""), file=sys.stderr)
    return EXIT_OK


def _cmd_dashboard(args) -> int:
    from .dashboard.serve import serve

    serve(host=args.host, port=args.port, token=args.token)
    return EXIT_OK  # pragma: no cover - serve() replaces this process


def _cmd_bench_methods(args) -> int:
    from .learn.bench import bench_methods

    if not (args.data / "manifest.csv").is_file():
        raise UsageError(f"{args.data} has no manifest.csv: make a forgery set with `imgfake synth` first")
    names = _chosen_analyses(args.methods) if args.methods else None
    progress = _Progress(sum(1 for _ in open(args.data / "manifest.csv")) - 1)
    try:
        result = bench_methods(args.data, methods=names, n_boot=args.n_boot, workers=max(1, args.workers),
                               progress=lambda i, n: progress.step())
    finally:
        progress.close()
    if args.json:
        print(json.dumps(rounded(result)))
        return EXIT_OK
    kinds = sorted(result["floor_f1"])

    def auc_text(m: dict, kind: str) -> str:
        auc = m["auc"].get(kind)
        return "–" if auc is None else f"{auc[0]:.2f} [{auc[1]:.2f},{auc[2]:.2f}]"

    def f1_text(m: dict, kind: str) -> str:
        value = m["f1_best"].get(kind)
        return "–" if value is None else f"{value:.2f}"

    print(f"{'method':12s} " + " ".join(f"{k + ' AUC':>18s} {k + ' F1':>14s}" for k in kinds) + "   s/MP")
    for name, m in result["methods"].items():
        cells = " ".join(f"{auc_text(m, k):>18s} {f1_text(m, k):>14s}" for k in kinds)
        print(f"{name:12s} {cells}   {m['seconds_per_mp']:.2f}")
    floor = " ".join(f"{'':>18s} {result['floor_f1'][k]:>14.2f}" for k in kinds)
    print(f"{'floor':12s} {floor}   (pixel F1 of calling every pixel edited)")
    return EXIT_OK


def _cmd_train(args) -> int:
    from .learn.train import train_bundle

    kwargs = {"seed": args.seed}
    if args.epochs is not None:
        kwargs["epochs"] = args.epochs
    out = train_bundle(args.data, args.out, **kwargs)
    print(f"model bundle written to {out}")
    return EXIT_OK


def _cmd_evaluate(args) -> int:
    from .learn.train import evaluate_bundle

    report = rounded(evaluate_bundle(args.data, args.model))
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    return EXIT_OK


def _cmd_synth(args) -> int:
    from .learn.synth import BENCH_KINDS, EDIT_KINDS, make_forgery_set

    sources = _files_or_usage_error(args.sources)
    kinds = BENCH_KINDS if args.kinds == "bench" else EDIT_KINDS
    out = make_forgery_set(sources, args.out, n_per_source=args.per_source, seed=args.seed, kinds=kinds,
                           max_side=args.max_side)
    print(f"synthetic forgeries written to {out}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
