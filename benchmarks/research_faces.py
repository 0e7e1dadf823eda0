"""Research record: what separates real from edited faces (issue 3, step 1).

Run from the project root (the faces live in ../shared/data, never in the project). The
commands behind the table in models/README.md, in the order they were run::

    R="nice -n 5 .venv/bin/python benchmarks/research_faces.py"
    $R cache                                   # residual features, ELA caches (7 min)
    $R classical                               # (a) reference and (b) on 467 features
    $R dct && $R classical --features dct && $R classical --features all   # (b) DCT lattice
    $R classical --features dct --sweep                             # (b) three more HistGB settings
    $R cnn --variant pooled --pool 4 --width 16 --epochs 12          # (c) ELA energy map
    $R dctmap && $R cnn --variant dctmap --scale 1 --width 32 --epochs 15   # (c) DCT maps
    $R maps --tag v1 --ela 90 95 --luma 16 --chroma 3                # the package's maps
    $R model --tag v1 --epochs 30 --lr 3e-3                          # (d) build_ela_cnn
    $R model --tag v1 --epochs 30 --lr 3e-3 --no-bn
    $R model --tag v1 --epochs 30 --lr 3e-3 --channels yfrac,ylog,cbfrac,crfrac
    $R model --tag v1 --epochs 30 --lr 3e-3 --channels yfrac,ylog,cbfrac,crfrac --final  # test once
    .venv/bin/python benchmarks/research_faces.py table             # all notes as a table

Split: stratified on real / easy / mid / hard, seed 0, 70/15/15. Every choice is made on the
validation split; the test split is scored once, by ``final``, for the chosen settings.
Caches go to runs/research/ (git-ignored). Notes of every attempt: runs/research/notes.jsonl;
the table printed by ``table`` is copied into models/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from imgfake.forensics.ela import ela  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "faces"
CACHE = ROOT / "runs" / "research"
NOTES = CACHE / "notes.jsonl"
SIDE = 600
CROP = (108, 492)  # central 384×384: the eyes, nose and mouth of these centred faces


# ----------------------------------------------------------------------------- data + split
def list_faces() -> tuple[list[Path], np.ndarray, np.ndarray]:
    real = sorted((DATA / "real").glob("*.jpg"))
    edited = sorted((DATA / "edited").glob("*.jpg"))
    paths = real + edited
    labels = np.array([0] * len(real) + [1] * len(edited))
    groups = np.array(["real"] * len(real) + [p.name.split("_")[0] for p in edited])
    return paths, labels, groups


def split_indices(groups: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """Stratified 70/15/15 on real/easy/mid/hard."""
    rng = np.random.default_rng(seed)
    out = {"train": [], "val": [], "test": []}
    for g in sorted(set(groups)):
        idx = rng.permutation(np.flatnonzero(groups == g))
        n_val = round(0.15 * len(idx))
        n_test = round(0.15 * len(idx))
        out["test"] += idx[:n_test].tolist()
        out["val"] += idx[n_test : n_test + n_val].tolist()
        out["train"] += idx[n_test + n_val :].tolist()
    return {k: np.sort(np.array(v)) for k, v in out.items()}


def note(**fields) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    with NOTES.open("a") as f:
        f.write(json.dumps(fields) + "\n")
    print(json.dumps(fields))


# ----------------------------------------------------------------------------- features
def _gray(px: np.ndarray) -> np.ndarray:
    return px[..., 0] * 0.299 + px[..., 1] * 0.587 + px[..., 2] * 0.114


def _grid(a: np.ndarray, n: int) -> np.ndarray:
    h, w = a.shape[:2]
    return np.array([[a[i * h // n:(i + 1) * h // n, j * w // n:(j + 1) * w // n].mean()
                      for j in range(n)] for i in range(n)]).ravel()


def _center_border(a: np.ndarray) -> list[float]:
    """Mean inside the central crop, mean outside it, and their ratio."""
    h, w = a.shape[:2]
    r0, r1 = h * CROP[0] // SIDE, h * CROP[1] // SIDE
    c0, c1 = w * CROP[0] // SIDE, w * CROP[1] // SIDE
    inner = a[r0:r1, c0:c1]
    c = inner.mean()
    b = (a.sum() - inner.sum()) / (a.size - inner.size)
    return [float(c), float(b), float(c / (b + 1e-6))]


def _self_recompress(path: Path) -> np.ndarray:
    """Re-save with the file's own tables and subsampling (double-compression stability)."""
    with Image.open(path) as im:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality="keep", subsampling="keep")
    buf.seek(0)
    with Image.open(buf) as im2:
        return np.asarray(im2.convert("RGB"))


def _dct_hist(y: np.ndarray, qtable: np.ndarray) -> np.ndarray:
    """Histograms of quantised 8×8 DCT coefficients (8 low frequencies, values −8..8)."""
    from scipy.fft import dctn
    h, w = (y.shape[0] // 8) * 8, (y.shape[1] // 8) * 8
    blocks = (y[:h, :w] - 128).reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)
    coef = dctn(blocks, axes=(2, 3), norm="ortho")
    q = qtable.reshape(8, 8)
    feats = []
    for (u, v) in [(0, 1), (1, 0), (1, 1), (0, 2), (2, 0), (1, 2), (2, 1), (2, 2)]:
        vals = coef[..., u, v] / q[u, v]
        k = np.rint(vals)
        hist = np.histogram(np.clip(k, -8, 8), bins=np.arange(-8.5, 9.5))[0] / k.size
        frac = np.abs(vals - k).mean()
        feats += list(hist) + [frac]
    return np.array(feats)


def image_features(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(handmade feature vector, ELA q90 128×128 mean-channel, ELA q90 full res uint8)."""
    with Image.open(path) as im:
        px = np.asarray(im.convert("RGB"))
        qt = np.array(im.quantization[0], dtype=np.float64)
    f: list[float] = []
    e90 = None
    for q in (80, 85, 88, 90, 92, 94, 96, 98):
        e = ela(px, quality=q, subsampling="4:4:4", workers=1)
        if q == 90:
            e90 = e
        m = e.mean(2)
        f += [m.mean(), *np.percentile(m, [50, 90, 99]), *_center_border(m), _grid(m, 6).std()]
        if q in (90, 96):
            f += list(_grid(m, 6))
    e420 = ela(px, quality=90, subsampling="4:2:0", workers=1).mean(2)
    f += [e420.mean(), *_center_border(e420)]
    # stability under a re-save with the file's own tables
    s = np.abs(px.astype(np.int16) - _self_recompress(path).astype(np.int16)).mean(2)
    f += [s.mean(), (s > 0).mean(), *_center_border(s), *_grid(s, 6)]
    # noise residuals (SRM-like): 2nd-order horizontal/vertical, Laplacian
    y = _gray(px.astype(np.float32))
    r_h = np.abs(y[:, :-2] - 2 * y[:, 1:-1] + y[:, 2:])
    r_v = np.abs(y[:-2] - 2 * y[1:-1] + y[2:])
    lap = np.abs(4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2] - y[1:-1, 2:])
    for r in (r_h, r_v, lap):
        g = _grid(r, 6)
        f += [r.mean(), *_center_border(r), g.std() / (g.mean() + 1e-6), *g]
    # local noise level (median of |laplacian| per 24×24 cell): spread and center vs border
    cells = np.median(lap[:576, :576].reshape(24, 24, 24, 24).transpose(0, 2, 1, 3).reshape(24, 24, -1), axis=2)
    f += [cells.mean(), cells.std(), *np.percentile(cells, [10, 50, 90]), *_center_border(cells)]
    # blockiness: gradient on 8×8 boundaries vs inside
    dx = np.abs(np.diff(y, axis=1))
    dy = np.abs(np.diff(y, axis=0))
    bx = dx[:, 7::8].mean() / (dx.mean() + 1e-6)
    by = dy[7::8].mean() / (dy.mean() + 1e-6)
    cx = dx[CROP[0]:CROP[1], CROP[0]:CROP[1]]
    f += [bx, by, cx[:, 7::8].mean() / (cx.mean() + 1e-6)]
    f += list(_dct_hist(y.astype(np.float64), qt))
    # colour: chroma residual statistics
    ycc = np.asarray(Image.fromarray(px).convert("YCbCr")).astype(np.float32)
    for ch in (1, 2):
        c = ycc[..., ch]
        rc = np.abs(c[:, :-2] - 2 * c[:, 1:-1] + c[:, 2:])
        f += [rc.mean(), *_center_border(rc)]
    e128 = np.asarray(Image.fromarray(e90.mean(2)).resize((128, 128), Image.BOX), dtype=np.float16)
    return np.asarray(f, np.float32), e128, e90.astype(np.uint8)


_ZIGZAG = np.array(sorted(range(64), key=lambda k: (k // 8 + k % 8, (k // 8) if (k // 8 + k % 8) % 2 else -(k // 8))))


def _block_dct(plane: np.ndarray) -> np.ndarray:
    """(H/8, W/8, 64) orthonormal 8×8 DCT of a level-shifted plane (JPEG's own transform)."""
    from scipy.fft import dctn
    h, w = (plane.shape[0] // 8) * 8, (plane.shape[1] // 8) * 8
    blocks = (plane[:h, :w] - 128.0).reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)
    return dctn(blocks, axes=(2, 3), norm="ortho").reshape(h // 8, w // 8, 64)


def dct_features(path: Path) -> np.ndarray:
    """Per-frequency statistics of the decoded image's DCT against the file's own tables.

    For each of the 64 frequencies of Y (and of Cb, Cr): mean distance of coefficient/q to the
    nearest integer (a pixel-domain trace of how many times the same tables were applied), over
    the whole image and over the central crop; the fraction of zeros; for the first 20 zigzag
    frequencies of Y, a histogram of the quantised values −10..10.
    """
    with Image.open(path) as im:
        px = np.asarray(im.convert("RGB")).astype(np.float64)
        tables = {k: np.array(v, np.float64) for k, v in im.quantization.items()}
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    planes = [0.299 * r + 0.587 * g + 0.114 * b,
              -0.168736 * r - 0.331264 * g + 0.5 * b + 128,
              0.5 * r - 0.418688 * g - 0.081312 * b + 128]
    f: list[np.ndarray] = []
    for ch, plane in enumerate(planes):
        coef = _block_dct(plane) / tables[min(ch, 1)][None, None, :]
        k = np.rint(coef)
        frac = np.abs(coef - k)
        nb = coef.shape[0]
        c0, c1 = nb * CROP[0] // SIDE, nb * CROP[1] // SIDE
        f += [frac.mean((0, 1)), frac[c0:c1, c0:c1].mean((0, 1)), (k == 0).mean((0, 1))]
        if ch == 0:
            for z in _ZIGZAG[1:21]:
                hist = np.bincount(np.clip(k[..., z], -10, 10).astype(int).ravel() + 10, minlength=21)
                f.append(hist / hist.sum())
            # block-level stability spread: std over blocks of the mean frac of the 9 lowest ACs
            low = frac[..., _ZIGZAG[1:10]].mean(2)
            f.append(np.array([low.std(), np.percentile(low, 10), np.percentile(low, 90)]))
    return np.concatenate(f).astype(np.float32)


def dct_maps(path: Path, n_freq: int = 16) -> np.ndarray:
    """Block-level maps (H/8, W/8, C): per 8×8 block, distance of coefficient/q to the nearest
    integer for the first `n_freq` zigzag frequencies of Y and the DC of Cb and Cr, and
    log1p|quantised value| of the same Y frequencies (the content, for context)."""
    with Image.open(path) as im:
        px = np.asarray(im.convert("RGB")).astype(np.float64)
        tables = {k: np.array(v, np.float64) for k, v in im.quantization.items()}
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    planes = [0.299 * r + 0.587 * g + 0.114 * b,
              -0.168736 * r - 0.331264 * g + 0.5 * b + 128,
              0.5 * r - 0.418688 * g - 0.081312 * b + 128]
    out = []
    for ch, plane in enumerate(planes):
        coef = _block_dct(plane) / tables[min(ch, 1)][None, None, :]
        k = np.rint(coef)
        if ch == 0:
            z = _ZIGZAG[:n_freq]
            out += [np.abs(coef[..., z] - k[..., z]), np.log1p(np.abs(k[..., z]))]
        else:
            out.append(np.abs(coef[..., :1] - k[..., :1]))
    return np.concatenate(out, axis=2).astype(np.float16)


def _one_map(i_path):
    i, path = i_path
    return i, dct_maps(path)


def cmd_dctmap(args) -> None:
    paths, labels, groups = list_faces()
    t0 = time.time()
    maps = None
    with Pool(args.workers) as pool:
        for i, m in pool.imap_unordered(_one_map, enumerate(paths), chunksize=16):
            if maps is None:
                maps = np.lib.format.open_memmap(CACHE / "dctmap.npy", "w+", np.float16, (len(paths), *m.shape))
            maps[i] = m
    maps.flush()
    note(step="cache-dctmap", seconds=round(time.time() - t0, 1), n=len(paths), shape=list(maps.shape[1:]))


def _one_dct(i_path):
    i, path = i_path
    return i, dct_features(path)


def cmd_dct(args) -> None:
    paths, labels, groups = list_faces()
    t0 = time.time()
    feats = [None] * len(paths)
    with Pool(args.workers) as pool:
        for i, f in pool.imap_unordered(_one_dct, enumerate(paths), chunksize=16):
            feats[i] = f
    np.save(CACHE / "features_dct.npy", np.stack(feats))
    note(step="cache-dct", seconds=round(time.time() - t0, 1), n=len(paths), n_features=len(feats[0]))


def _one(i_path):
    i, path = i_path
    return i, image_features(path)


def cmd_cache(args) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    paths, labels, groups = list_faces()
    t0 = time.time()
    ela_full = np.lib.format.open_memmap(CACHE / "ela90_full.npy", "w+", np.uint8, (len(paths), SIDE, SIDE, 3))
    feats, e128 = [None] * len(paths), [None] * len(paths)
    with Pool(args.workers) as pool:
        for n, (i, (f, small, full)) in enumerate(pool.imap_unordered(_one, enumerate(paths), chunksize=8)):
            feats[i], e128[i] = f, small
            ela_full[i] = full
            if n % 200 == 0:
                print(n, f"{time.time() - t0:.0f}s", flush=True)
    ela_full.flush()
    np.savez(CACHE / "features.npz", feats=np.stack(feats), e128=np.stack(e128), labels=labels,
             groups=groups, names=np.array([p.name for p in paths]))
    note(step="cache", seconds=round(time.time() - t0, 1), n=len(paths), n_features=len(feats[0]))


# ----------------------------------------------------------------------------- (a), (b)
def _auc(y, s) -> float:
    from sklearn.metrics import roc_auc_score
    return float(roc_auc_score(y, s))


def cmd_classical(args) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    d = np.load(CACHE / "features.npz")
    y, groups = d["labels"], d["groups"]
    sp = split_indices(groups)
    tr, va = sp["train"], sp["val"]
    X128 = d["e128"].reshape(len(y), -1).astype(np.float32)
    for C in (0.001, 0.01, 0.1) if args.features == "base" else ():
        t = time.time()
        lr = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000)).fit(X128[tr], y[tr])
        note(step="a", setting=f"ELA q90 128x128 + logistic regression C={C}",
             val_auc=round(_auc(y[va], lr.predict_proba(X128[va])[:, 1]), 4), seconds=round(time.time() - t, 1))
    if args.features == "dct":
        X = np.load(CACHE / "features_dct.npy")
    elif args.features == "all":
        X = np.concatenate([d["feats"], np.load(CACHE / "features_dct.npy")], 1)
    else:
        X = d["feats"]
    for lr_rate, depth in ((0.05, 3), (0.05, None)):
        t = time.time()
        gb = HistGradientBoostingClassifier(learning_rate=lr_rate, max_depth=depth, max_iter=400,
                                            l2_regularization=1.0, random_state=0).fit(X[tr], y[tr])
        note(step="b", setting=f"{X.shape[1]} {args.features} features + HistGB lr={lr_rate} depth={depth}",
             val_auc=round(_auc(y[va], gb.predict_proba(X[va])[:, 1]), 4), seconds=round(time.time() - t, 1))
    for lr_rate, iters, max_features in ((0.03, 600, 0.3), (0.03, 600, 1.0), (0.1, 300, 0.3)) if args.sweep else ():
        t = time.time()
        gb = HistGradientBoostingClassifier(learning_rate=lr_rate, max_depth=3, max_iter=iters, max_features=max_features,
                                            l2_regularization=1.0, random_state=0).fit(X[tr], y[tr])
        note(step="b", setting=f"{X.shape[1]} {args.features} features + HistGB lr={lr_rate} iters={iters} "
             f"max_features={max_features} depth=3",
             val_auc=round(_auc(y[va], gb.predict_proba(X[va])[:, 1]), 4), seconds=round(time.time() - t, 1))
    t = time.time()
    lr = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000)).fit(X[tr], y[tr])
    note(step="b", setting=f"{X.shape[1]} {args.features} features + logistic regression C=0.1",
         val_auc=round(_auc(y[va], lr.predict_proba(X[va])[:, 1]), 4), seconds=round(time.time() - t, 1))
    # which single features carry signal (val AUC of the raw value, folded to >= 0.5)
    single = [(max(a, 1 - a), j) for j in range(X.shape[1]) for a in [_auc(y[va], X[va, j])]]
    print("best single features (val AUC, index):", sorted(single, reverse=True)[:15])


def cmd_table(args) -> None:
    rows = [json.loads(line) for line in NOTES.read_text().splitlines()]
    print("| step | setting | val AUC (last epoch) | best epoch's val AUC | test AUC | seconds |\n"
          "| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if r["step"].startswith("cache"):
            continue
        print(f"| {r['step']} | {r.get('setting', '')} | {r.get('val_auc', '')} | {r.get('best_epoch_val_auc', '')} "
              f"| {r.get('test_auc', '')} | {r.get('seconds', '')} |")




# ----------------------------------------------------------------------------- (c) CNN
def _cnn(input_shape, *, width: int, first_stride: int, dropout: float = 0.2, scale: float = 16.0, n_pool: int = 4):
    import keras
    from keras import layers

    inp = keras.Input(input_shape)
    x = layers.Rescaling(1 / scale)(inp)  # ELA grey levels: typical values 0..16
    x = layers.Conv2D(width, 3, strides=first_stride, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    for mult in (1, 2, 4, 4)[:n_pool]:
        x = layers.SeparableConv2D(width * mult, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(width * 4, 3, padding="same", activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    out = layers.Dense(1)(x)
    return keras.Model(inp, out)


def _pool(a: np.ndarray, k: int) -> np.ndarray:
    """k×k mean pooling of (N, H, W, C) uint8 residuals → float16 energy maps."""
    n, h, w, c = a.shape
    h, w = h // k * k, w // k * k
    out = np.empty((n, h // k, w // k, c), np.float16)
    for i in range(0, n, 64):
        out[i:i + 64] = a[i:i + 64, :h, :w].reshape(-1, h // k, k, w // k, k, c).astype(np.float32).mean((2, 4))
    return out


def cmd_cnn(args) -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    d = np.load(CACHE / "features.npz")
    y, groups = d["labels"].astype(np.float32), d["groups"]
    sp = split_indices(groups)
    full = np.load(CACHE / "ela90_full.npy", mmap_mode="r")
    t0 = time.time()
    if args.variant == "dctmap":  # block-level DCT lattice maps (75×75×C)
        X = np.load(CACHE / "dctmap.npy")
        if args.channels:
            X = np.ascontiguousarray(X[..., :args.channels])
        crop = None
    elif args.variant == "pooled":  # residual energy maps: k×k mean of |ELA| over the whole image
        X = _pool(np.asarray(full), args.pool)
        crop = None
    else:  # full-resolution central crop, random sub-crops while training
        X = np.ascontiguousarray(full[:, CROP[0]:CROP[1], CROP[0]:CROP[1]])
        crop = args.patch
    prep = time.time() - t0
    shape = (crop, crop, 3) if crop else X.shape[1:]
    model = _cnn(shape, width=args.width, first_stride=args.stride, dropout=0.2, scale=args.scale,
                 n_pool=3 if shape[0] < 100 else 4)
    model.compile(keras.optimizers.Adam(args.lr), keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.AUC(from_logits=True, name="auc")])
    print(model.count_params(), "params; prep", round(prep, 1), "s")

    def train_ds():
        ds = tf.data.Dataset.from_tensor_slices((X[sp["train"]], y[sp["train"]])).shuffle(2048, seed=args.seed)
        aug = []
        if crop:
            aug.append(lambda a, b: (tf.image.random_crop(a, (crop, crop, 3)), b))
        aug.append(lambda a, b: (tf.image.random_flip_left_right(a), b))
        for f in aug:
            ds = ds.map(f, num_parallel_calls=tf.data.AUTOTUNE)
        return ds.batch(args.batch).prefetch(2)

    def predict(idx):
        if not crop:
            return model.predict(X[idx], batch_size=64, verbose=0)[:, 0]
        # tile the crop with overlapping patches, mean of patch logits (or top-k)
        side = X.shape[1]
        starts = np.linspace(0, side - crop, args.tiles).astype(int)
        logits = np.stack([model.predict(X[idx, r:r + crop, c:c + crop], batch_size=64, verbose=0)[:, 0]
                           for r in starts for c in starts], 1)
        return logits.mean(1)

    best, hist = 0.0, []
    for epoch in range(args.epochs):
        t = time.time()
        model.fit(train_ds(), epochs=1, verbose=0)
        tt = time.time() - t
        auc = _auc(y[sp["val"]], predict(sp["val"]))
        hist.append(round(auc, 4))
        best = max(best, auc)
        print(f"epoch {epoch + 1}: {tt:.0f}s train, val AUC {auc:.4f}", flush=True)
    setting = (f"CNN {args.variant} " + (f"pool{args.pool} {shape}" if not crop else f"patch{crop} tiles{args.tiles}x{args.tiles}")
               + f" width{args.width} stride{args.stride} lr{args.lr} ep{args.epochs} ({model.count_params()} params)")
    note(step="c", setting=setting, val_auc=round(hist[-1], 4), best_epoch_val_auc=round(best, 4),
         val_auc_per_epoch=hist, seconds=round(time.time() - t0, 1))


# ----------------------------------------------------------------------------- (d) the package's model
def cmd_maps(args) -> None:
    """Cache imgfake.learn.maps maps (the package's preprocessing) for every face."""
    from imgfake.learn.maps import PreprocessConfig, preprocess_paths

    paths, _, _ = list_faces()
    cfg = PreprocessConfig(ela_qualities=tuple(args.ela), n_luma_freq=args.luma, n_chroma_freq=args.chroma)
    t0 = time.time()
    x = preprocess_paths(paths, cfg, workers=args.workers, progress=lambda n, t: print(n, t, flush=True))
    np.save(CACHE / f"maps_{args.tag}.npy", x)
    (CACHE / f"maps_{args.tag}.json").write_text(json.dumps(cfg.to_dict()))
    note(step="cache-maps", setting=args.tag, seconds=round(time.time() - t0, 1), shape=list(x.shape[1:]))


def cmd_model(args) -> None:
    """Train imgfake.learn.models.build_ela_cnn on cached maps (a subset of channels)."""
    import keras

    from imgfake.learn.models import build_ela_cnn
    from imgfake.learn.maps import PreprocessConfig, dataset_from_arrays

    keras.utils.set_random_seed(args.seed)
    d = np.load(CACHE / "features.npz")
    y, groups = d["labels"].astype(np.float32), d["groups"]
    sp = split_indices(groups)
    cfg = PreprocessConfig.from_dict(json.loads((CACHE / f"maps_{args.tag}.json").read_text()))
    names = cfg.channel_names
    keep = [i for i, n in enumerate(names) if any(n.startswith(pre) for pre in args.channels.split(","))]
    X = np.load(CACHE / f"maps_{args.tag}.npy", mmap_mode="r")[..., keep]
    X = np.ascontiguousarray(X)
    scales = [cfg.channel_scales()[i] for i in keep]
    model = build_ela_cnn(X.shape[1:], n_classes_stage2=0, width=args.width, dropout=args.dropout,
                          channel_scales=scales, spatial=not args.blocks_only,
                          batch_norm=not args.no_bn)
    steps = args.epochs * int(np.ceil(len(sp["train"]) / args.batch))
    opt = keras.optimizers.AdamW(keras.optimizers.schedules.CosineDecay(args.lr, steps, alpha=0.05),
                                 weight_decay=args.wd)
    model.compile(opt, {"edited": keras.losses.BinaryCrossentropy(from_logits=True)})
    tr = dataset_from_arrays(X[sp["train"]], ({"edited": y[sp["train"], None]},), batch_size=args.batch,
                             shuffle=True, augment=True, seed=args.seed)
    t0 = time.time()
    hist, best_weights = [], None
    for epoch in range(args.epochs):
        t = time.time()
        model.fit(tr, epochs=1, verbose=0)
        logits = model.predict(X[sp["val"]].astype(np.float32), batch_size=64, verbose=0)["edited"][:, 0]
        hist.append(round(_auc(y[sp["val"]], logits), 4))
        if hist[-1] >= max(hist):
            best_weights = model.get_weights()
        print(f"epoch {epoch + 1}: {time.time() - t:.0f}s, val AUC {hist[-1]}", flush=True)
    extra = {}
    if args.final:  # the chosen setting: best validation epoch, test split scored once
        model.set_weights(best_weights)
        logits = model.predict(X[sp["test"]].astype(np.float32), batch_size=64, verbose=0)["edited"][:, 0]
        extra = {"test_auc": round(_auc(y[sp["test"]], logits), 4), "final": True,
                 "kept_epoch": int(np.argmax(hist)) + 1}
    note(step="final" if args.final else "d", **extra, setting=f"build_ela_cnn on maps {args.tag}[{args.channels}] ({len(keep)} ch) width{args.width} "
         f"{' blocks-only' if args.blocks_only else ''}{' no-BN' if args.no_bn else ''} drop{args.dropout} lr{args.lr} wd{args.wd} ep{args.epochs} ({model.count_params()} params)",
         val_auc=hist[-1], best_epoch_val_auc=max(hist), val_auc_per_epoch=hist, seconds=round(time.time() - t0, 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("dct")
    c.add_argument("--workers", type=int, default=2)
    c = sub.add_parser("dctmap")
    c.add_argument("--workers", type=int, default=2)
    c = sub.add_parser("cache")
    c.add_argument("--workers", type=int, default=2)
    c = sub.add_parser("classical")
    c.add_argument("--features", choices=["base", "dct", "all"], default="base")
    c.add_argument("--sweep", action="store_true", help="also three more HistGB settings")
    sub.add_parser("table")
    c = sub.add_parser("cnn")
    c.add_argument("--variant", choices=["pooled", "patch", "dctmap"], default="pooled")
    c.add_argument("--pool", type=int, default=4)
    c.add_argument("--channels", type=int, default=0)
    c.add_argument("--scale", type=float, default=16.0)
    c.add_argument("--patch", type=int, default=128)
    c.add_argument("--tiles", type=int, default=3)
    c.add_argument("--width", type=int, default=16)
    c.add_argument("--stride", type=int, default=1)
    c.add_argument("--lr", type=float, default=2e-3)
    c.add_argument("--batch", type=int, default=32)
    c.add_argument("--epochs", type=int, default=10)
    c.add_argument("--seed", type=int, default=0)
    c = sub.add_parser("maps")
    c.add_argument("--tag", default="v1")
    c.add_argument("--ela", type=int, nargs="*", default=[90])
    c.add_argument("--luma", type=int, default=16)
    c.add_argument("--chroma", type=int, default=3)
    c.add_argument("--workers", type=int, default=2)
    c = sub.add_parser("model")
    c.add_argument("--tag", default="v1")
    c.add_argument("--channels", default="ela,yfrac,ylog,cbfrac,crfrac")
    c.add_argument("--blocks-only", action="store_true")
    c.add_argument("--no-bn", action="store_true")
    c.add_argument("--final", action="store_true", help="keep the best val epoch and score the test split once")
    c.add_argument("--width", type=int, default=32)
    c.add_argument("--dropout", type=float, default=0.3)
    c.add_argument("--lr", type=float, default=2e-3)
    c.add_argument("--wd", type=float, default=1e-4)
    c.add_argument("--batch", type=int, default=32)
    c.add_argument("--epochs", type=int, default=20)
    c.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    {"maps": cmd_maps, "model": cmd_model, "cache": cmd_cache, "classical": cmd_classical, "table": cmd_table, "cnn": cmd_cnn, "dct": cmd_dct, "dctmap": cmd_dctmap}[args.cmd](args)


if __name__ == "__main__":
    main()
