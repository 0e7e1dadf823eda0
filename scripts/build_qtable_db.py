"""Build imgfake's quantisation-table signature database from header-only JPEGs.

    .venv/bin/python scripts/build_qtable_db.py [--source ../shared/data/jpeg-headers]

For every file: the table signature (imgfake.forensics.jpeg.table_signature) and who wrote it:
a camera (EXIF make and model, when no editing program is named in the software fields) or a
program (the editor named there). Writes imgfake/forensics/data/qtables.json, shipped in the wheel,
with its provenance; the `tables` analysis reads it.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections import defaultdict
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imgfake.forensics.jpeg import table_signature  # noqa: E402
from imgfake.forensics.metadata import _EDITOR_PATTERN  # noqa: E402

OUT = ROOT / "imgfake" / "forensics" / "data" / "qtables.json"


def _text(exif, tag: int) -> str:
    value = exif.get(tag) or ""
    return " ".join(str(value).replace("\x00", " ").split())


def _firmware(software: str, make: str, model: str) -> bool:
    """A camera's own software field ("Ver.1.03", "Firmware 2.0", its model name), not a program
    that re-saved the file (GIMP, Shotwell, a phone's gallery app...)."""
    if _EDITOR_PATTERN.search(software):
        return False
    low = software.lower()
    if any(word in low for word in ("ver", "firmware", "fw ")) or low.replace(".", "").replace(" ", "").isdigit():
        return True
    return any(part and part.lower() in low for part in (make.split()[0] if make else "", model))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data" / "jpeg-headers")
    args = ap.parse_args()
    cameras: dict[str, set] = defaultdict(set)
    values: dict[str, list] = {}
    programs: dict[str, set] = defaultdict(set)
    files = unreadable = 0
    warnings.simplefilter("ignore")
    for path in sorted(p for p in args.source.rglob("*") if p.is_file()):
        try:
            with Image.open(path) as im:
                tables, exif = im.quantization, im.getexif()
        except Exception:
            unreadable += 1
            continue
        if not tables:
            continue
        files += 1
        signature = table_signature(tables)
        values[signature] = [list(map(int, tables[k])) for k in sorted(tables)]
        make, model, software = _text(exif, 0x010F), _text(exif, 0x0110), _text(exif, 0x0131)
        if software and not _firmware(software, make, model):
            programs[signature].add(software[:60])
        elif make and model:
            cameras[signature].add(f"{make} | {model}")
    database = {
        "format": 1,
        "provenance": {
            "source": "../shared/data/jpeg-headers: header-only JPEGs from ianare/exif-samples "
                      "(CC BY-SA 4.0), the Exiv2 test data and the ExifTool test images",
            "files": files, "unreadable": unreadable,
            "rule": "a camera wrote the tables when EXIF names a make and model and the software field "
                    "is empty or the camera's own firmware; a program when it names anything else",
            "command": "python scripts/build_qtable_db.py",
        },
        "cameras": {s: sorted(v) for s, v in sorted(cameras.items())},
        "programs": {s: sorted(v) for s, v in sorted(programs.items())},
        # the tables themselves (natural order, table 0 first), so tests and users can re-create them
        "tables": {s: values[s] for s in sorted(set(cameras) | set(programs))},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(database, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    n_models = len({m for v in cameras.values() for m in v})
    print(f"{files} files: {len(cameras)} table sets written by {n_models} camera models, "
          f"{len(programs)} by programs -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
