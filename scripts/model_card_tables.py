"""Print the model card's tables (models/README.md) from a bundle's imgfake.json.

    .venv/bin/python scripts/model_card_tables.py models/default

Every figure in the card comes from the bundle, so the card and the model cannot disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _f(x, nd=3):
    return "–" if x is None else f"{x:.{nd}f}"


def _ci(ci):
    return "–" if not ci else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def main(folder: str = "models/default") -> None:
    b = json.loads((Path(folder) / "imgfake.json").read_text())
    test, val = b["metrics"]["test"], b["metrics"]["val"]
    print("## Split sizes\n\n| data | train | val | test |\n| --- | --- | --- | --- |")
    for d in b["data"]["datasets"]:
        s = d["splits"]
        print(f"| {d['name']} | {s['train']} | {s['val']} | {s['test']} |")
    s = b["data"]["splits"]
    print(f"| all | {s['train']} | {s['val']} | {s['test']} |")
    print("\n## Stage 1 (real vs edited), test split, threshold "
          f"{b['stage1']['threshold']:.3f} chosen on validation\n")
    print("| data | n | ROC AUC [95 % CI] | average precision | accuracy | balanced acc. | recall | specificity | Brier | ECE | val ROC AUC |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = list(test["per_dataset"].items()) + [("all (pooled)", test["overall"])]
    for name, r in rows:
        m = r["metrics"]
        cal = r.get("calibration") or {}
        v = val["per_dataset"].get(name, val["overall"])
        print(f"| {name} | {r['n']} | {_f(r['roc_auc'])} {_ci(r['roc_auc_ci'])} | {_f(r['average_precision'])} "
              f"| {_f(m['accuracy'])} | {_f(m['balanced_accuracy'])} | {_f(m['recall'])} | {_f(m['specificity'])} "
              f"| {_f(r.get('brier'))} | {_f(cal.get('ece'))} | {_f(v['roc_auc'])} |")
    print("\n## Per subgroup, test split (edited images of each subgroup against all real images of the data set)\n")
    print("| data | subgroup | n edited | ROC AUC [95 % CI] | recall at the threshold |\n| --- | --- | --- | --- | --- |")
    for name, r in test["per_dataset"].items():
        for g, sg in (r.get("subgroups") or {}).items():
            if sg.get("n_positive"):
                print(f"| {name} | {g} | {sg['n_positive']} | {_f(sg.get('auc'))} {_ci(sg.get('auc_ci'))} | {_f(sg.get('recall'))} |")
    if "stage2" in test:
        s2 = test["stage2"]
        print(f"\n## Stage 2 (which kind of edit), edited test images: accuracy {_f(s2['accuracy'])}, "
              f"macro-F1 {_f(s2['macro_f1'])}\n")
        print("| kind | n | precision | recall | F1 |\n| --- | --- | --- | --- | --- |")
        for k, v in s2["per_class"].items():
            print(f"| {k} | {v['n']} | {_f(v['precision'])} | {_f(v['recall'])} | {_f(v['f1'])} |")
        print("\nconfusion matrix (rows = truth, columns = predicted):", s2["class_names"], s2["confusion_matrix"])
    t = b["trained"]
    print(f"\ntrained: `{t['command']}` in {t['seconds']:.0f} s on {t['date']}; best epoch "
          f"{b['training']['best_epoch']} of {b['training']['settings']['epochs']}; "
          f"{b['model']['params']} parameters; calibration {b['stage1']['calibration']}; "
          f"stage-2 temperature {b['stage2'].get('temperature')}")


if __name__ == "__main__":
    main(*sys.argv[1:])
