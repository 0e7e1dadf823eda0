"""Write a bundle's model card (``models/README.md`` for the default) from its ``imgfake.json``.

    .venv/bin/python scripts/model_card.py models/default            # writes models/README.md
    .venv/bin/python scripts/model_card.py models/mine --out card.md

Every figure in the card comes from the bundle's JSON (written by ``scripts/train_default.py``),
so the card and the model cannot drift apart; the prose around the tables is written here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KIND_WORDS = {
    "splice": "splice (region from another photo)", "copy-move": "copy-move", "retouch": "retouch (blur / sharpen / clone)",
    "splice-djpg": "splice, aligned double JPEG", "splice-nadjpg": "splice, shifted-grid double JPEG",
    "inpaint": "inpainting (object removed)", "resample": "resampled region", "noise": "noise added / removed",
    "camera-splice": "camera-like splice", "face-parts": "face parts replaced by hand",
}
SOURCE_WORDS = {"faces": "faces", "bsds": "BSDS500", "kodak-mcmaster": "Kodak + McMaster"}


def _f(v, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _pct(v) -> str:
    return "–" if v is None else f"{100 * v:.1f} %"


def _ci(row: dict, key: str = "roc_auc") -> str:
    ci = row.get(f"{key}_ci")
    return f"**{_f(row.get(key))}** [{_f(ci[0])}, {_f(ci[1])}]" if ci else _f(row.get(key))


def _answers(a: dict) -> str:
    return " / ".join(_pct(a.get(k)) for k in ("edited", "real", "uncertain"))


def source_table(rows: dict, *, fold: bool) -> list[str]:
    out = ["| source | n (authentic / edited) | ROC AUC [95 % CI] | FPR at threshold | recall at threshold | "
           "authentic: edited / real / cannot tell | edited: edited / real / cannot tell | pixel F1 best / at 0.5 |"
           + (" threshold |" if fold else ""),
           "| --- | --- | --- | --- | --- | --- | --- | --- |" + (" --- |" if fold else "")]
    for s, r in rows.items():
        out.append(f"| {SOURCE_WORDS.get(s, s)} | {r['n']} ({r['n_authentic']} / {r['n_edited']}) | {_ci(r)} | "
                   f"{_pct(r.get('fpr'))} | {_pct(r.get('recall'))} | {_answers(r['answers_authentic'])} | "
                   f"{_answers(r['answers_edited'])} | {_f(r.get('pixel_f1_best'))} / {_f(r.get('pixel_f1_at_0.5'))} |"
                   + (f" {_f(r.get('threshold'), 3)} |" if fold else ""))
    return out


def kind_table(rows: dict) -> list[str]:
    kinds = sorted({k for r in rows.values() for k in r["kinds"]})
    sources = list(rows)
    out = ["| kind of edit | " + " | ".join(f"{SOURCE_WORDS.get(s, s)}: AUC / recall / pixel F1-best" for s in sources) + " |",
           "| --- |" + " --- |" * len(sources)]
    for k in kinds:
        cells = []
        for s in sources:
            e = rows[s]["kinds"].get(k)
            cells.append("" if e is None else f"{_f(e.get('roc_auc'))} / {_pct(e.get('recall'))} / {_f(e.get('pixel_f1_best'))}")
        out.append(f"| {KIND_WORDS.get(k, k)} | " + " | ".join(cells) + " |")
    return out


def stage2_table(rows: dict) -> list[str]:
    out = ["| kind | " + " | ".join(SOURCE_WORDS.get(s, s) for s in rows) + " |", "| --- |" + " --- |" * len(rows)]
    kinds = sorted({k for r in rows.values() for k in r["kinds"]})
    for k in kinds:
        out.append(f"| {KIND_WORDS.get(k, k)} | " + " | ".join(
            _pct(rows[s]["kinds"].get(k, {}).get("stage2_accuracy")) if k in rows[s]["kinds"] else "" for s in rows) + " |")
    return out


def _origins(rows: dict) -> list[str]:
    out = []
    for s, r in rows.items():
        for origin, o in (r.get("origins") or {}).items():
            out.append(f"Of the {o['n']} {origin} of {SOURCE_WORDS.get(s, s)} (single-saved photos as found online, "
                       f"never edited), with {SOURCE_WORDS.get(s, s)} held out: **{_pct(o['fpr'])} called edited**, "
                       f"{_pct(o['answers']['real'])} no sign of editing, {_pct(o['answers']['uncertain'])} cannot tell. "
                       "The model this one replaced called 95.4 % of the same 500 photos edited (measured with "
                       "`imgfake predict ../shared/data/photos/bsds500 --model <the old bundle> --json`; it cautioned on all of them).")
    return out + ([""] if out else [])


def card(bundle: dict) -> str:
    fusion = bundle["fusion"]
    cfg = fusion["config"]
    loso, test = fusion["leave_one_source_out"], fusion["test"]
    lattice_test = ((bundle.get("metrics") or {}).get("test") or {}).get("per_dataset", {}).get("faces", {})
    trained = fusion["trained"]
    methods = ", ".join(f"`{m}`" for m in cfg["methods"])
    lines = [
        "# Model card: `models/default/`",
        "",
        "The model `imgfake predict`, the dashboard and the `model` analysis use when given no `--model`. It "
        "answers one of three things about a photo: **signs of editing found**, **no sign of editing found**, "
        "or **cannot tell** (with the reason in plain words), gives a calibrated `p_edited` for ranking, a "
        "**localisation map** (probability of an edit per 32-pixel region) and, when it says edited, which "
        "kind of edit it looks like.",
        "",
        f"**Headline — leave one source out** (trained without a source, scored on it): mean ROC AUC "
        f"**{_f(loso['mean_roc_auc'])}** [{_f(loso['mean_roc_auc_ci'][0])}, {_f(loso['mean_roc_auc_ci'][1])}] over the "
        f"three held-out sources; at the default threshold, **{_pct(loso['mean_fpr'])}** of the held-out "
        f"authentic photos are called edited (mean over sources) and **{_pct(loso['mean_recall'])}** of the "
        "held-out edits are caught. The figures on its own test splits are higher and are the second table, "
        "not the first: photos from anywhere are the job.",
        "",
        "All figures here come from `imgfake.json` (key `fusion`); `scripts/model_card.py models/default` "
        "writes this card from it.",
        "",
        "| file | what |",
        "| --- | --- |",
        "| `fusion.json` | the fusion: cell model, image model and stage-2 model as JSON trees (read with NumPy, no code loaded), calibration, thresholds |",
        "| `model.keras` | the lattice network (Keras 3, loaded with `safe_mode=True`), one of the evidence maps |",
        "| `imgfake.json` | preprocessing, thresholds, data counts, every figure below, commands and times |",
        "| `split.json` | the faces' exact train / val / test split (paths + sha256) |",
        "",
        "## What it does",
        "",
        f"1. **Evidence.** The toolbox methods {methods} run on the whole image (each map turned so that "
        "higher = more suspicious), and the *lattice network* (a per-block CNN on the JPEG DCT lattice of the "
        "central 600×600 crop, trained on the faces) adds its per-region logits. Every map is pooled onto one "
        "32-pixel grid (`imgfake.learn.evidence`).",
        "2. **Cell model** (gradient-boosted trees): for every 32-pixel cell, each method's value there, its "
        "robust z-score within the image and the method's image score → the probability that the cell was "
        "edited. Trained on the synthetic forgeries' exact masks (cells ≥ 50 % inside the mask are edited; "
        "authentic images' cells are untouched). This is the localisation map.",
        "3. **Image model** (gradient-boosted trees): each method's score and statistics of its map, plus "
        "statistics of the cell model's map (trained on out-of-fold cell maps) → a raw score, Platt-calibrated "
        f"on validation (a = {_f(cfg['calibration']['a'], 3)}, b = {_f(cfg['calibration']['b'], 3)}) → `p_edited`. "
        "Each source counts the same in training, and within a source each class.",
        f"4. **Three answers** (`imgfake.learn.fusion.decide`): *edited* when `p_edited` ≥ **{_f(cfg['threshold'], 3)}**, "
        "the highest over the training sources of the score that calls at most 5 % of that source's validation "
        f"authentic photos edited; *no sign of editing* below **{_f(cfg['low_threshold'], 3)}**, the lowest over "
        "sources of the score under which 20 % of its validation edits fall; *cannot tell* between them, and "
        "also when the evidence is absent: an image under 64 px a side, a nearly uniform one, a file never "
        "saved as JPEG (no compression traces) or one saved below quality 60 — unless the evidence clears the "
        "edited threshold anyway.",
        "5. **Stage 2** (multiclass trees on the same image features): which kind of edit, among "
        + ", ".join(KIND_WORDS.get(k, k) for k in cfg.get("stage2_classes", [])) + "; reported only with *edited*.",
        "6. **Which evidence drove it**: for each method, how much `p_edited`'s log-odds drop when its evidence is "
        "removed; the dashboard and `imgfake predict` name the top ones.",
        "",
        "## Data",
        "",
        "| source | what | split |",
        "| --- | --- | --- |",
    ]
    for s, counts in fusion["data"].items():
        n = {sp: sum(v for k, v in counts.items() if k.startswith(sp + "/")) for sp in ("train", "val", "test")}
        kinds = sorted({k.split("/", 1)[1] for k in counts})
        what = {"faces": "the real / hand-edited faces (600×600 JPEG, q ≈ 92); the lattice network's own split",
                "bsds": "BSDS500 photos (JPEG q95): the 500 untouched originals, plus two authentic/forged pairs "
                        "per photo made inside each of its train / val / test folders (kept as the split)",
                "kodak-mcmaster": "the 42 never-compressed Kodak and McMaster photos: nine pairs each (≤ 600 px), "
                                  "split by source photo"}.get(s, s)
        lines.append(f"| {SOURCE_WORDS.get(s, s)} | {what}; kinds: {', '.join(kinds)} | "
                     f"{n['train']} / {n['val']} / {n['test']} |")
    lines += [
        "",
        "Forgeries are made by `imgfake.learn.synth.make_forgery_set` with the benchmark's nine kinds; every "
        "authentic twin is saved with its forgery's exact settings (quality, subsampling, earlier saves), so "
        "the file format carries no label. The check (`imgfake.learn.fusetrain.table_shortcuts`, the same rule "
        "as `Manifest.table_shortcuts()`): JPEG table sets found in one class only, in at least 1 % of a source's images:",
        "",
        "| source | images | table sets | one-class sets (≥ 1 %) | images in them |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s, t in fusion["table_shortcuts"].items():
        sets = "; ".join(f"{d['tables']} ({d['real']} real, {d['edited']} edited)" for d in t["one_class"][:4]) or "none"
        lines.append(f"| {SOURCE_WORDS.get(s, s)} | {t['n']} | {t['table_sets']} | {sets} | {t['images_in_one_class_sets']} |")
    lines += [
        "",
        "The faces' one-class sets are the data set's own (see *The faces' format shortcut*); the fusion is also "
        "scored on the faces files whose tables both classes share.",
        "",
        "## Leave one source out (the headline)",
        "",
        "Each row: the fusion trained on the other two sources (train splits; thresholds on their validation "
        "splits), scored on this one. The faces give only their test split: the lattice network inside the "
        "evidence learnt from their train and validation splits, so for the faces row the *fusion* never saw "
        "a face but one of its inputs did. Intervals: bootstrap, 1,000 resamples.",
        "",
        *source_table(loso["folds"], fold=True),
        "",
        f"Mean over held-out sources: ROC AUC {_f(loso['mean_roc_auc'])} [{_f(loso['mean_roc_auc_ci'][0])}, "
        f"{_f(loso['mean_roc_auc_ci'][1])}], false-positive rate {_pct(loso['mean_fpr'])}, recall {_pct(loso['mean_recall'])}. "
        "Pixel F1-best picks the best threshold per image (an upper bound, as in the methods benchmark); "
        "pixel F1 at 0.5 is what the map says as shipped.",
        "",
        *_origins(loso["folds"]),
        "Per kind of edit, held out (each kind's edits against the source's authentic photos):",
        "",
        *kind_table(loso["folds"]),
        "",
        "## The shipped model on its own test splits",
        "",
        "Trained on all three sources' train splits, thresholds on their validation splits, scored once on "
        "their test splits.",
        "",
        *source_table(test["sources"], fold=False),
        "",
        f"Calibration on the pooled test splits: Brier score {_f(test['calibration']['brier'], 3)}, expected "
        f"calibration error {_f(test['calibration']['ece'], 3)} (10 quantile bins).",
        "",
        *kind_table(test["sources"]),
        "",
        "**Stage 2** (which kind, among the edited test images; accuracy per true kind):",
        "",
        *stage2_table(test["sources"]),
        "",
    ]
    shared = fusion.get("faces_shared_tables")
    lines += [
        "## The faces' format shortcut",
        "",
        "Every real face carries one set of quantisation tables (q ≈ 94), but 222 of the 868 edited faces were "
        "saved with tables no real face has; reading the tables alone scores ROC AUC ≈ 0.63. The fusion does "
        "not read the tables or the quality, but the lattice network's maps depend on them.",
        "",
    ]
    if shared:
        lines += [f"On the faces test files whose tables both classes share ({shared['n']} images): ROC AUC "
                  f"{_ci(shared)} (all faces test files: {_f(test['sources']['faces'].get('roc_auc'))}).", ""]
    lines += [
        "## The lattice network alone",
        "",
        f"Trained on the faces' train split ({bundle['training']['settings']['epochs']} epochs, best validation "
        f"epoch {bundle['training']['best_epoch']}): faces test ROC AUC {_f(lattice_test.get('roc_auc'))} "
        f"[{_f((lattice_test.get('roc_auc_ci') or [None, None])[0])}, {_f((lattice_test.get('roc_auc_ci') or [None, None])[1])}]. "
        "It is one input of the fusion and is never used alone.",
        "",
        "## What was tried, and how the shipped design was chosen",
        "",
        "Before this model, on the same data and evidence (with the previous lattice network, trained on the faces "
        "plus a stage-2 head), six variants were trained and scored leave-one-source-out "
        "(`imgfake.learn.fusetrain.leave_one_source_out`, 200 bootstrap resamples):",
        "",
        "| variant | mean held-out ROC AUC [95 % CI] | mean held-out FPR | BSDS500 / faces / Kodak+McMaster AUC |",
        "| --- | --- | --- | --- |",
        "| the lattice network alone (the old stage 1) | 0.48 [0.46, 0.51] | 7.0 % | 0.48 / 0.47 / 0.50 |",
        "| `ela`, `noise`, `wavelet-noise`, `adjpg`, `cfa` + lattice | 0.67 [0.65, 0.70] | 6.3 % | 0.70 / 0.56 / 0.76 |",
        "| all eight methods + lattice everywhere | 0.70 [0.67, 0.72] | 2.7 % | 0.71 / 0.59 / 0.80 |",
        "| all eight methods, no lattice | 0.72 [0.69, 0.75] | 6.4 % | 0.78 / 0.59 / 0.80 |",
        "| six methods (no `blk`, `resampling`) + lattice on its own tables | 0.71 [0.68, 0.73] | 8.6 % | 0.75 / 0.58 / 0.80 |",
        "| **all eight methods + lattice on its own tables** (shipped) | 0.72 [0.69, 0.74] | **1.4 %** | 0.75 / 0.59 / 0.81 |",
        "",
        "The lattice network's logits mean nothing on photos saved unlike the faces (0.48 alone), and used "
        "everywhere they cost BSDS500 0.07 of AUC; counted only on the table sets it learnt in both classes, "
        "they keep what they know about the faces and drop the faces' one-class tables (the format shortcut). "
        "The shipped design had the lowest false-positive rate at an AUC as good as any. *Disclosure:* this "
        "choice was made on the held-out scores themselves, so the headline may flatter the model a little; "
        "the tree settings were set once before any run and never tuned.",
        "",
        "## Speed",
        "",
        "Everything the verdict reads costs about 250 ms of CPU per 600×600 JPEG (`benchmarks/predict_speed.py`, "
        "which times each piece): `copymove` ≈ 70 ms, `resampling` ≈ 37, `adjpg` ≈ 35, `cfa` ≈ 27, `blk` ≈ 19, "
        "`wavelet-noise` ≈ 9, `ela` ≈ 7, `noise` ≈ 3, decoding ≈ 6, the lattice network and the trees ≈ 40 "
        "(one image at a time). On 2 cores `imgfake predict` scores about 6 images/s, **below the 30 images/s "
        "target**: dropping the slow methods lost the copy-move detector (held-out AUC 0.92 → 0.65 on copy-moves) "
        "and raised the false-positive rate (table above).",
        "",
        "## Retraining",
        "",
        "```bash",
        "nice -n 5 .venv/bin/python scripts/train_default.py      # or: make model",
        "```",
        "",
        f"It took **{trained['seconds']} s** here ({trained['seconds'] / 60:.1f} min on 2 shared CPU cores, no GPU): "
        + ", ".join(f"{k.replace('_', ' ')} {v} s" for k, v in trained["steps"].items())
        + f". Command: `{trained['command']}`.",
        "",
        "## What it cannot do",
        "",
        "- **Synthetic edits only, besides the faces.** The forgeries are made by a program; real-life "
        "composites by skilled people, GAN faces and wholly AI-generated photos are not in the training data, and "
        "no independent set of them is here to measure on. Expect lower figures on them.",
        "- **Re-saving destroys the evidence.** Resizing, re-encoding at low quality or a screenshot wipes out "
        "most traces; such files get *cannot tell* when the quality is below 60, and otherwise usually *no sign "
        "of editing* — which is not proof of authenticity.",
        "- **\"No sign of editing found\" is not \"authentic\".** At the default threshold most edits of some kinds "
        "(inpainting, noise, resampling) are not caught; see the per-kind tables.",
        "- **Localisation is coarse**: 32-pixel cells, smoothed when drawn.",
        "- **Small data**: 42 never-compressed photos, 500 BSDS photos, 1,736 faces; every interval is wide.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", type=Path)
    ap.add_argument("--out", type=Path, help="default: models/README.md for models/default, else BUNDLE/README.md")
    args = ap.parse_args()
    bundle = json.loads((args.bundle / "imgfake.json").read_text(encoding="utf-8"))
    if "fusion" not in bundle:
        raise SystemExit(f"{args.bundle} has no fusion figures: train it with scripts/train_default.py")
    default = ROOT / "models" / "README.md" if args.bundle.resolve() == (ROOT / "models" / "default").resolve() \
        else args.bundle / "README.md"
    out = args.out or default
    out.write_text(card(bundle), encoding="utf-8")
    print(f"model card written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
