"""Print the README's methods-benchmark tables (Markdown) from `imgfake bench-methods --json` output.

    .venv/bin/imgfake synth ../shared/data/pristine --out /tmp/bench --per-source 9 --seed 7 \\
        --kinds bench --max-side 768
    .venv/bin/imgfake bench-methods /tmp/bench --n-boot 500 --workers 2 --json > bench.json
    .venv/bin/python scripts/methods_table.py bench.json [more.json ...]

Several files (e.g. one method scored in a later run) are merged, later ones winning.
"""

from __future__ import annotations

import json
import sys

#: The kinds, in the order of the table, and the methods designed for each (bold in the table).
KINDS = ("splice", "splice-djpg", "splice-nadjpg", "copy-move", "retouch", "inpaint", "resample", "noise",
         "camera-splice")


def main(paths: list[str]) -> int:
    methods: dict = {}
    floor: dict = {}
    counts: dict = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        methods.update(data["methods"])
        floor.update(data["floor_f1"])
        counts.update(data["counts"])
    kinds = [k for k in KINDS if k in floor]
    print("Image-level ROC AUC (score; \"cannot tell\" ranks lowest) against all "
          f"{counts.get('authentic', 0)} authentic images:\n")
    print("| method | " + " | ".join(kinds) + " | s / MP |")
    print("| --- |" + " --- |" * (len(kinds) + 1))
    for name, m in methods.items():
        if not m["auc"]:
            continue
        cells = [f"{m['auc'][k][0]:.2f}" if k in m["auc"] else "–" for k in kinds]
        print(f"| `{name}` | " + " | ".join(cells) + f" | {m['seconds_per_mp']:.2f} |")
    print("\nPixel F1 at the best threshold per image (F1-best), mean over the edited images:\n")
    print("| method | " + " | ".join(kinds) + " |")
    print("| --- |" + " --- |" * len(kinds))
    for name, m in methods.items():
        if not m["f1_best"]:
            continue
        cells = [f"{m['f1_best'][k]:.2f}" if k in m["f1_best"] else "–" for k in kinds]
        print(f"| `{name}` | " + " | ".join(cells) + " |")
    print("| floor: every pixel called edited | " + " | ".join(f"{floor[k]:.2f}" for k in kinds) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
