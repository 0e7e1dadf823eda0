"""Preprocessing shared by training and prediction: pixels -> block-level forensic maps.

One function, :func:`preprocess`, turns an image into the model's input; training
(:func:`preprocess_paths`, :func:`dataset_from_paths`) and prediction
(:class:`imgfake.learn.detector.Detector`) both call it, so they cannot drift apart. The
configuration that produced a model's inputs is stored in its bundle
(:class:`PreprocessConfig`, ``imgfake.json`` -> ``"preprocessing"``).

What the maps hold, per 8×8 JPEG block of a grid-aligned central crop:

* ``ela{q}`` - mean error level (:func:`imgfake.forensics.ela.ela` at quality ``q``, grey levels).
* ``yfrac{i}`` - for the ``i``-th zig-zag DCT frequency of luma, the distance of
  ``coefficient / q_table`` to the nearest integer. Pixels decoded from a JPEG sit near the
  lattice of the last quantisation; how near depends on how many times (and how) the same
  tables were applied, and a region pasted in from elsewhere sits differently.
* ``ylog{i}`` - ``log1p |quantised coefficient|`` of the same frequencies: the content, so the
  model can tell texture from tampering.
* ``cbfrac{i}``, ``crfrac{i}`` - the lattice distance of the lowest chroma frequencies.

Research behind this choice: ``benchmarks/research_faces.py`` and ``models/README.md``.

Only this module, :mod:`imgfake.learn.models`, :mod:`imgfake.learn.detector` and :mod:`imgfake.learn.train`
import TensorFlow, and this one only inside :func:`dataset_from_paths` /
:func:`dataset_from_arrays`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from ..forensics.blocks import ZIGZAG, central_crop, lattice, one_blas_thread
from ..forensics.ela import ela
from ..io import ImageLoadError, LoadedImage, check_quality, load_image
from ..scan import FileError, default_workers, map_files

__all__ = [
    "PreprocessConfig",
    "preprocess",
    "preprocess_image",
    "preprocess_paths",
    "dataset_from_arrays",
    "dataset_from_paths",
]

@dataclass(frozen=True)
class PreprocessConfig:
    """How pixels become model input; saved in every bundle.

    Parameters
    ----------
    ela_qualities : tuple of int
        JPEG qualities of the ELA channels (one map per quality). Default ``()``: on the faces
        an ELA channel added no validation AUC to the lattice maps and costs a third of the
        preprocessing time (models/README.md); ``(90,)`` adds it.
    n_luma_freq : int
        Zig-zag luma frequencies with a lattice-distance map and a magnitude map (1-64).
    n_chroma_freq : int
        Zig-zag chroma frequencies with a lattice-distance map, for Cb and for Cr (0-64).
    crop : int
        Side of the central, JPEG-grid-aligned square analysed (pixels, multiple of 8). Smaller
        images are analysed whole; maps are then resized to ``crop // 8`` a side.
    """

    ela_qualities: tuple[int, ...] = ()
    n_luma_freq: int = 16
    n_chroma_freq: int = 3
    crop: int = 600
    kind: str = field(default="jpeg-block-maps", init=False)
    version: int = field(default=1, init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ela_qualities", tuple(int(q) for q in self.ela_qualities))
        for q in self.ela_qualities:
            check_quality(q, name="each of ela_qualities")
        if not 1 <= self.n_luma_freq <= 64:
            raise ValueError(f"n_luma_freq must be 1..64, got {self.n_luma_freq}")
        if not 0 <= self.n_chroma_freq <= 64:
            raise ValueError(f"n_chroma_freq must be 0..64, got {self.n_chroma_freq}")
        if self.crop < 64 or self.crop % 8:
            raise ValueError(f"crop must be a multiple of 8 and at least 64, got {self.crop}")

    @property
    def map_size(self) -> int:
        """Side of the maps (one value per 8×8 block of the crop)."""
        return self.crop // 8

    @property
    def channel_names(self) -> list[str]:
        names = [f"ela{q}" for q in self.ela_qualities]
        names += [f"yfrac{i}" for i in range(self.n_luma_freq)]
        names += [f"ylog{i}" for i in range(self.n_luma_freq)]
        for c in ("cb", "cr"):
            names += [f"{c}frac{i}" for i in range(self.n_chroma_freq)]
        return names

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.map_size, self.map_size, len(self.channel_names))

    def channel_scales(self) -> list[float]:
        """A fixed scale per channel bringing typical values to ~0..1 (used by the model's
        ``Rescaling`` layer): ELA grey levels /8, lattice distances (0..0.5) ×2, log-magnitudes /4."""
        scale = {"ela": 1 / 8, "yfrac": 2.0, "ylog": 1 / 4, "cbfrac": 2.0, "crfrac": 2.0}
        return [scale[name.rstrip("0123456789")] for name in self.channel_names]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ela_qualities"] = list(self.ela_qualities)
        d["input_shape"] = list(self.input_shape)
        d["channels"] = self.channel_names
        return d

    @classmethod
    def from_dict(cls, d: dict) -> PreprocessConfig:
        if d.get("kind", "jpeg-block-maps") != "jpeg-block-maps" or d.get("version", 1) != 1:
            raise ValueError(
                f"preprocessing {d.get('kind')!r} version {d.get('version')!r} is not known to this "
                "imgfake; upgrade imgfake or retrain the model"
            )
        return cls(ela_qualities=tuple(d["ela_qualities"]), n_luma_freq=int(d["n_luma_freq"]),
                   n_chroma_freq=int(d["n_chroma_freq"]), crop=int(d["crop"]))


# ----------------------------------------------------------------------------- pixels -> maps
def _resize_maps(maps: np.ndarray, side: int) -> np.ndarray:
    if maps.shape[:2] == (side, side):
        return maps
    return np.stack([np.asarray(Image.fromarray(maps[..., c]).resize((side, side), Image.BILINEAR))
                     for c in range(maps.shape[2])], axis=2)


def preprocess(
    pixels: np.ndarray,
    config: PreprocessConfig,
    *,
    qtables: dict[int, Sequence[int]] | None = None,
    subsampling: str | None = None,
) -> np.ndarray:
    """Turn an image into the model's input maps.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (H, W, 3)
        RGB pixels as decoded (``load_image(path).pixels``), at least 16×16.
    config : PreprocessConfig
        The bundle's preprocessing.
    qtables : dict of int to 64 ints, optional
        The file's JPEG quantisation tables in natural (row-major) order
        (``LoadedImage.jpeg.quantization``); table 0 for luma, 1 (else 0) for chroma. Without
        them (PNG, arrays) a table of ones is used and the lattice channels carry no JPEG evidence.
    subsampling : str, optional
        The file's chroma subsampling ("4:4:4", "4:2:2", "4:2:0"); chroma lattice maps are
        computed on the matching chroma grid and the ELA re-save uses it. Default "4:2:0".

    Returns
    -------
    ndarray of float32, shape ``config.input_shape``
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(
            f"pixels must be a uint8 (H, W, 3) array, got {pixels.dtype} {pixels.shape}; "
            "use imgfake.load_image"
        )
    if not isinstance(config, PreprocessConfig):
        raise ValueError(f"config must be a PreprocessConfig, got {type(config).__name__}")
    subsampling = subsampling if subsampling in ("4:4:4", "4:2:2", "4:2:0") else "4:2:0"
    crop = central_crop(pixels, config.crop)
    h, w = crop.shape[:2]
    maps: list[np.ndarray] = []
    for q in config.ela_qualities:
        e = ela(crop, quality=q, subsampling=subsampling, workers=1)
        maps.append(e.reshape(h // 8, 8, w // 8, 8, 3).mean(axis=(1, 3, 4)))
    tables = {0: np.ones(64, np.float32), 1: np.ones(64, np.float32)}
    if qtables:
        luma = np.asarray(qtables[min(qtables)], np.float32)
        tables = {0: luma, 1: np.asarray(qtables.get(1, qtables[min(qtables)]), np.float32)}
    with one_blas_thread():
        maps += _lattice_maps(crop, config, tables, subsampling)
    out = np.stack(maps, axis=2).astype(np.float32)
    return _resize_maps(out, config.map_size)


def _lattice_maps(crop: np.ndarray, config: PreprocessConfig, tables: dict, subsampling: str) -> list:
    h, w = crop.shape[:2]
    maps = []
    rgb = crop.astype(np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    frac, mag = lattice(y, tables[0], ZIGZAG[: config.n_luma_freq])
    maps += list(frac.transpose(2, 0, 1)) + list(mag.transpose(2, 0, 1))
    if config.n_chroma_freq:
        fy, fx = {"4:4:4": (1, 1), "4:2:2": (1, 2), "4:2:0": (2, 2)}[subsampling]
        for plane in (-0.168736 * r - 0.331264 * g + 0.5 * b + 128,
                      0.5 * r - 0.418688 * g - 0.081312 * b + 128):
            if (fy, fx) != (1, 1):  # back to the encoder's chroma grid (its blocks cover 16 px)
                plane = plane.reshape(h // fy, fy, w // fx, fx).mean(axis=(1, 3))
                plane = plane[: plane.shape[0] // 8 * 8, : plane.shape[1] // 8 * 8]
            cfrac, _ = lattice(plane, tables[1], ZIGZAG[: config.n_chroma_freq])
            cfrac = np.repeat(np.repeat(cfrac, fy, axis=0), fx, axis=1)
            cfrac = np.pad(cfrac, ((0, h // 8 - cfrac.shape[0]), (0, w // 8 - cfrac.shape[1]), (0, 0)),
                           mode="edge")
            maps += list(cfrac.transpose(2, 0, 1))
    return maps


def preprocess_image(image: LoadedImage | np.ndarray, config: PreprocessConfig) -> np.ndarray:
    """:func:`preprocess` for a :class:`~imgfake.io.LoadedImage` (uses its JPEG tables and
    subsampling) or a bare uint8 array (no JPEG evidence)."""
    if isinstance(image, LoadedImage):
        jpeg = image.jpeg
        return preprocess(image.pixels, config, qtables=jpeg.quantization if jpeg else None,
                          subsampling=jpeg.subsampling if jpeg else None)
    return preprocess(np.asarray(image), config)


def preprocess_paths(
    paths: Sequence[str | os.PathLike],
    config: PreprocessConfig,
    *,
    workers: int | None = None,
    dtype=np.float16,
    progress: Callable[[int, int], None] | None = None,
    executor: str = "auto",
) -> np.ndarray:
    """Load and preprocess many files in parallel.

    Parameters
    ----------
    paths : sequence of path-like
    config : PreprocessConfig
    workers : int, optional
        Default: the number of CPUs (at most 8).
    dtype : numpy dtype, default float16
        Half the memory of float32; the maps need no more precision.
    progress : callable, optional
        ``progress(done, total)`` every 200 files.
    executor : {"auto", "process", "thread"}
        Worker processes (true parallelism; "auto" for more than 64 files) or threads.

    Returns
    -------
    ndarray, shape (N, *config.input_shape)
        Unreadable files raise :class:`imgfake.io.ImageLoadError`.
    """
    if executor not in ("auto", "process", "thread"):
        raise ValueError(f"executor must be 'auto', 'process' or 'thread', got {executor!r}")
    workers = workers or default_workers()
    if executor == "auto":
        executor = "process" if len(paths) > 64 and workers > 1 else "thread"
    out = np.empty((len(paths), *config.input_shape), dtype)
    job = functools.partial(_load_and_preprocess, config=config, dtype=np.dtype(dtype).str)
    for n, (path, x) in enumerate(map_files(job, paths, workers=workers, executor=executor), 1):
        if isinstance(x, FileError):
            raise ImageLoadError(f"{path}: {x.message}")
        out[n - 1] = x
        if progress and (n % 200 == 0 or n == len(paths)):
            progress(n, len(paths))
    return out


def _load_and_preprocess(path: str, *, config: PreprocessConfig, dtype: str) -> np.ndarray:
    # cast in the worker: float16 halves what travels back from a process
    return preprocess_image(load_image(path), config).astype(dtype)


# ----------------------------------------------------------------------------- tf.data
def _augment(x, *targets):
    import tensorflow as tf

    # A mirrored image has mirrored maps: |DCT| statistics of a block do not change when the
    # block is flipped, so flips are exact augmentations of the maps.
    x = tf.image.random_flip_left_right(x)
    return (x, *targets)


def dataset_from_arrays(
    x: np.ndarray,
    targets: Iterable | None = None,
    *,
    batch_size: int = 32,
    shuffle: bool = False,
    augment: bool = False,
    seed: int = 0,
):
    """``tf.data.Dataset`` over preprocessed maps (from :func:`preprocess_paths`).

    `targets` is anything ``tf.data.Dataset.from_tensor_slices`` accepts beside `x` (e.g.
    ``({"edited": y, "kind": k}, {"edited": w1, "kind": w2})`` for Keras' targets and sample
    weights). Batches are cast to float32.
    """
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(x if targets is None else (x, *targets))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    cast = lambda a, *t: (tf.cast(a, tf.float32), *t)  # noqa: E731
    ds = ds.map(cast, num_parallel_calls=tf.data.AUTOTUNE)
    if augment:
        ds = ds.map(_augment, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def dataset_from_paths(
    paths: Sequence[str | os.PathLike],
    config: PreprocessConfig,
    *,
    labels: Sequence[int] | None = None,
    batch_size: int = 32,
    cache: str | bool = True,
    shuffle: bool = False,
    augment: bool = False,
    seed: int = 0,
):
    """``tf.data.Dataset``: path -> decode -> ELA + lattice maps -> (crop) -> batch.

    Decoding and :func:`preprocess` run through ``tf.numpy_function`` in parallel
    (``num_parallel_calls=AUTOTUNE``); the maps are cached (in memory with ``cache=True``, in
    a file with ``cache="path"``, not at all with ``cache=False``) so later epochs skip them.
    Yields ``x`` or ``(x, label)`` batches of float32 maps.
    """
    import tensorflow as tf

    paths = [str(Path(p)) for p in paths]
    shape = config.input_shape

    def load(path) -> np.ndarray:
        return preprocess_image(load_image(path.decode() if isinstance(path, bytes) else str(path)), config)

    def tf_load(path):
        x = tf.numpy_function(load, [path], tf.float32, stateful=False)
        return tf.ensure_shape(x, shape)

    if labels is None:
        ds = tf.data.Dataset.from_tensor_slices(paths).map(tf_load, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = tf.data.Dataset.from_tensor_slices((paths, np.asarray(labels, np.float32)))
        ds = ds.map(lambda p, y: (tf_load(p), y), num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache("" if cache is True else str(cache))
    if shuffle:
        ds = ds.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
    if augment:
        ds = ds.map(_augment, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
