"""The ``imgfake`` command line.

Every command processes all the files it is given: a bad file gets one error line on stderr
and a non-zero exit status at the end, while the good files are still processed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import __version__
from .io import IMAGE_EXTENSIONS

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except (ValueError, FileNotFoundError) as exc:  # usage-level problems, not per-file ones
        print(f"imgfake: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imgfake",
        description="Find out whether a photo has been digitally altered.",
        epilog="Run 'imgfake COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"imgfake {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("info", help="format, size, JPEG quality estimate and metadata findings")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("ela", help="write the Error Level Analysis image of a photo")
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("-q", "--quality", type=int, default=90, help="JPEG quality of the re-save (default 90)")
    p.add_argument("-o", "--output", type=Path, help="PNG to write (default: IMAGE_ela.png beside it)")
    p.add_argument("--gain", default="auto", help="display gain: a number or 'auto' (default)")
    p.add_argument("--mode", choices=("linear", "sqrt"), default="linear", help="display curve")
    p.add_argument("--json", action="store_true", help="print residual statistics as JSON")
    p.set_defaults(func=_cmd_ela)

    p = sub.add_parser("analyses", help="list the registered forensic analyses")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_analyses)

    p = sub.add_parser("predict", help="probability that each image was edited, and how")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files or folders")
    p.add_argument("--model", type=Path, help="model bundle folder (default: the shipped model)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("train", help="train a model bundle on folders of real/edited images")
    p.add_argument("data", nargs="+", type=Path, metavar="DATA_DIR")
    p.add_argument("--out", type=Path, required=True, help="bundle folder to write")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("evaluate", help="evaluate a model bundle on a folder of real/edited images")
    p.add_argument("data", type=Path, metavar="DATA_DIR")
    p.add_argument("--model", type=Path, help="model bundle folder (default: the shipped model)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("synth", help="make synthetic forgeries (with masks) from never-compressed photos")
    p.add_argument("sources", nargs="+", type=Path, help="image files or folders of PNG/TIFF photos")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--per-source", type=int, default=3, help="forgeries per source photo")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_synth)
    return parser


# --- helpers ---------------------------------------------------------------------------------


def _error(path: object, message: object) -> None:
    print(f"imgfake: {path}: {message}", file=sys.stderr)


def _emit(record: dict, *, as_json: bool, text: str) -> None:
    print(json.dumps(record, default=_json_default) if as_json else text, flush=True)


def _json_default(obj: object):
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "item"):
        return obj.item()
    return str(obj)


def expand_paths(items: Iterable[str | Path]) -> list[Path]:
    """Files as given, plus image files found (recursively, sorted) in any folders given."""
    out: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            out.extend(p for p in sorted(item.rglob("*")) if p.suffix.lower() in IMAGE_EXTENSIONS)
        else:
            out.append(item)
    return out


# --- commands ------------------------------------------------------------------------------


def _cmd_info(args) -> int:
    from .analyses import run_analysis
    from .io import ImageLoadError, load_image

    failed = 0
    for path in args.images:
        try:
            image = load_image(path)
            jpeg, meta = run_analysis("jpeg", image), run_analysis("metadata", image)
        except ImageLoadError as exc:
            failed += 1
            _error(path, exc)
            continue
        findings = [*jpeg.findings, *meta.findings]
        record = {
            "path": str(path),
            **image.summary(),
            "jpeg_quality": jpeg.details.get("quality"),
            "jpeg_tables_standard": jpeg.details.get("exact"),
            "findings": [f.to_dict() for f in findings],
        }
        lines = [
            f"{path}: {image.format} {image.width}×{image.height} {image.mode}, {image.n_bytes:,} bytes",
        ]
        if record["jpeg_quality"] is not None:
            kind = "standard" if record["jpeg_tables_standard"] else "non-standard"
            lines.append(f"  JPEG quality ≈ {record['jpeg_quality']} ({kind} tables, {image.jpeg.subsampling})")
        lines += [f"  note: {n}" for n in image.notes]
        lines += [f"  [{f.severity}] {f.message}" for f in findings]
        _emit(record, as_json=args.json, text="\n".join(lines))
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _cmd_ela(args) -> int:
    from PIL import Image

    from .ela import ela, ela_image, ela_stats
    from .io import ImageLoadError, load_image

    gain = args.gain if args.gain == "auto" else _positive_float(args.gain, "--gain")
    try:
        image = load_image(args.image)
    except ImageLoadError as exc:
        _error(args.image, exc)
        return EXIT_SOME_FAILED
    residual = ela(image.pixels, quality=args.quality, subsampling=image.resave_subsampling)
    out = args.output or Path(args.image).with_name(Path(args.image).stem + "_ela.png")
    Image.fromarray(ela_image(residual, gain=gain, mode=args.mode)).save(out)
    stats = ela_stats(residual)
    record = {"path": str(args.image), "output": str(out), "quality": args.quality, **stats.to_dict()}
    text = f"{args.image}: ELA at quality {args.quality} → {out} (mean {stats.mean:.2f}, p99 {stats.p99:.1f})"
    _emit(record, as_json=args.json, text=text)
    return EXIT_OK


def _positive_float(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{option} must be a number or 'auto', got {text!r}") from None
    if value <= 0:
        raise ValueError(f"{option} must be positive, got {text!r}")
    return value


def _cmd_analyses(args) -> int:
    from .analyses import available

    for a in available().values():
        record = {"name": a.name, "title": a.title, "description": a.description, "heatmap": a.has_heatmap}
        _emit(record, as_json=args.json, text=f"{a.name:10s} {a.title}: {a.description}")
    return EXIT_OK


def _cmd_predict(args) -> int:
    from .detector import Detector

    paths = expand_paths(args.images)
    if not paths:
        raise ValueError(f"no image files found in {', '.join(args.images)}")
    detector = Detector.load(args.model)
    failed = 0
    for path, result in detector.predict_paths(paths, batch_size=args.batch_size):
        if isinstance(result, str):
            failed += 1
            _error(path, result)
            continue
        record = {"path": str(path), **result.to_dict()}
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in sorted(result.kinds.items(), key=lambda kv: -kv[1]))
        text = f"{path}: p_edited={result.p_edited:.3f} → {result.label}"
        if result.label == "edited" and kinds:
            text += f" (kind: {kinds})"
        if result.domain_note:
            text += f"\n  caution: {result.domain_note}"
        _emit(record, as_json=args.json, text=text)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _cmd_train(args) -> int:
    from .train import train_bundle

    kwargs = {"seed": args.seed}
    if args.epochs is not None:
        kwargs["epochs"] = args.epochs
    out = train_bundle(args.data, args.out, **kwargs)
    print(f"model bundle written to {out}")
    return EXIT_OK


def _cmd_evaluate(args) -> int:
    from .train import evaluate_bundle

    report = evaluate_bundle(args.data, args.model)
    if args.json:
        print(json.dumps(report, default=_json_default))
    else:
        print(json.dumps(report, indent=2, default=_json_default))
    return EXIT_OK


def _cmd_synth(args) -> int:
    from .synth import make_forgery_set

    sources = [p for p in expand_paths(args.sources)]
    if not sources:
        raise ValueError(f"no source images found in {', '.join(map(str, args.sources))}")
    out = make_forgery_set(sources, args.out, n_per_source=args.per_source, seed=args.seed)
    print(f"synthetic forgeries written to {out}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
