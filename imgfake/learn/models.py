"""Keras model builders: plain functions returning ``keras.Model``.

Preprocessing that belongs to the model (the per-channel scaling of the forensic maps) is a
``Rescaling`` layer inside it, so training and serving cannot drift. TensorFlow/Keras are
imported when a builder is called, never by ``import imgfake``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

__all__ = ["build_ela_cnn", "build_transfer_model", "import_keras", "EDITED_OUTPUT", "KIND_OUTPUT", "MAP_LAYER"]

EDITED_OUTPUT = "edited"      # stage 1: one logit, real (<0) vs edited (>0)
KIND_OUTPUT = "kind"          # stage 2: logits over the kinds of edit
MAP_LAYER = "edited_map"      # per-location stage-1 logits; their mean is the image's logit

_IMPORT_LOCK = threading.Lock()
#: Lines TensorFlow's C++ side writes to the terminal while it is imported, whatever
#: ``TF_CPP_MIN_LOG_LEVEL`` says (absl's start-up warning, oneDNN's notice, the CUDA probe).
_IMPORT_NOISE = ("All log messages before absl::InitializeLog()", "oneDNN custom operations are on",
                 "Could not find cuda drivers", "TensorFlow binary is optimized", "Unable to register cu",
                 "cuda_", "computation placer already registered", "Skipping registering GPU devices")


def import_keras():
    """``import keras`` with TensorFlow's import-time C++ log lines kept off the terminal.

    File descriptor 2 is sent to a temporary file while TensorFlow loads; every captured line
    that is not known start-up noise is written back to stderr afterwards, so a real error still
    shows (a crash inside the import itself would lose its message: set ``IMGFAKE_TF_LOGS=1`` to
    see everything). Every imgfake entry point that loads a model comes through here first.
    """
    import os
    import sys

    if "keras" in sys.modules:
        return sys.modules["keras"]
    with _IMPORT_LOCK:  # two threads must not both swap fd 2
        if "keras" in sys.modules:
            return sys.modules["keras"]
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        if os.environ.get("IMGFAKE_TF_LOGS"):
            import keras

            return keras
        import tempfile

        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, AttributeError, ValueError):  # no stderr at all: nothing to keep clean
            import keras

            return keras
        with tempfile.TemporaryFile() as captured:
            os.dup2(captured.fileno(), 2)
            try:
                import keras
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                captured.seek(0)
                kept = [line for line in captured.read().decode("utf-8", "replace").splitlines()
                        if line.strip() and not any(n in line for n in _IMPORT_NOISE)]
                if kept and sys.stderr is not None:
                    print("\n".join(kept), file=sys.stderr, flush=True)
        return keras


def _check_shape(input_shape) -> tuple[int, int, int]:
    shape = tuple(input_shape)
    if len(shape) != 3 or any((d is not None and int(d) < 1) for d in shape) or shape[2] is None:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}")
    return shape


def build_ela_cnn(
    input_shape: Sequence[int],
    *,
    n_classes_stage2: int = 4,
    width: int = 32,
    dropout: float = 0.3,
    channel_scales: Sequence[float] | None = None,
    spatial: bool = True,
    batch_norm: bool = True,
    name: str = "ela_cnn",
):
    """Compact two-head CNN on block-level forensic maps (ELA + JPEG-lattice maps).

    Every location of the map (one 8×8 JPEG block) first goes through a small per-block MLP
    (1×1 convolutions); the block features are averaged over cells of 4×4 blocks, a spatial
    branch (two 3×3 convolutions) looks at each cell's neighbourhood, and a 1×1 head gives a
    stage-1 logit per cell (layer ``"edited_map"``): the image's logit is their mean, so the
    map is an honest heat map of what drove the answer. A second 1×1 head, pooled the same
    way, gives the stage-2 kind logits.

    Parameters
    ----------
    input_shape : (H, W, C)
        ``PreprocessConfig.input_shape``; H and W may be None (any size works).
    n_classes_stage2 : int, default 4
        Kinds of edit (stage 2). 0 builds a stage-1-only model.
    width : int, default 32
        Channels of every layer; the default has ~0.03 M parameters and costs ~0.03 GFLOP
        per 75×75 map.
    dropout : float, default 0.3
    channel_scales : sequence of float, optional
        Fixed per-channel scale applied by the ``Rescaling`` layer
        (``PreprocessConfig.channel_scales()``); default 1 for every channel.
    spatial : bool, default True
        False drops the 3×3 branch: a "bag of cells" model scoring every cell on its own
        statistics.
    batch_norm : bool, default True
        Batch normalisation in the 3×3 branch.

    Returns
    -------
    keras.Model
        Outputs a dict: ``"edited"`` (N, 1) logits and, when ``n_classes_stage2 > 0``,
        ``"kind"`` (N, n_classes_stage2) logits.

    Examples
    --------
    >>> model = build_ela_cnn((75, 75, 39), width=8)            # doctest: +SKIP
    >>> model.output_shape["edited"]                              # doctest: +SKIP
    (None, 1)
    """
    keras = import_keras()
    from keras import layers

    shape = _check_shape(input_shape)
    if width < 1:
        raise ValueError(f"width must be a positive integer, got {width}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if n_classes_stage2 < 0 or n_classes_stage2 == 1:
        raise ValueError(f"n_classes_stage2 must be 0 or at least 2, got {n_classes_stage2}")
    scales = [1.0] * shape[2] if channel_scales is None else [float(s) for s in channel_scales]
    if len(scales) != shape[2]:
        raise ValueError(f"channel_scales has {len(scales)} values for {shape[2]} channels")

    inputs = keras.Input(shape, name="maps")
    x = layers.Rescaling(scale=scales, name="rescaling")(inputs)
    # per block: a small MLP on that block's own statistics (a learned, soft histogram)
    p = layers.Conv2D(width, 1, activation="relu", name="block_mlp1")(x)
    p = layers.Conv2D(width, 1, activation="relu", name="block_mlp2")(p)
    # cells of 4×4 blocks (32×32 pixels): the mean of the block features, then the neighbourhood
    h = layers.AveragePooling2D(4, padding="same", name="cells")(p)
    if spatial:
        s = h
        for i in (1, 2):
            s = layers.Conv2D(width, 3, padding="same", use_bias=not batch_norm, name=f"conv{i}")(s)
            if batch_norm:
                s = layers.BatchNormalization(name=f"bn{i}")(s)
            s = layers.ReLU(name=f"relu{i}")(s)
        h = layers.Concatenate(name="features")([h, s])
    h = layers.Conv2D(width, 1, activation="relu", name="head")(h)
    h = layers.Dropout(dropout, name="dropout")(h)
    edited_map = layers.Conv2D(1, 1, name=MAP_LAYER)(h)
    outputs = {EDITED_OUTPUT: layers.GlobalAveragePooling2D(name=EDITED_OUTPUT)(edited_map)}
    if n_classes_stage2:
        kind_map = layers.Conv2D(n_classes_stage2, 1, name="kind_map")(h)
        outputs[KIND_OUTPUT] = layers.GlobalAveragePooling2D(name=KIND_OUTPUT)(kind_map)
    return keras.Model(inputs, outputs, name=name)


def build_transfer_model(
    input_shape: Sequence[int],
    *,
    backbone: str = "efficientnetb0",
    weights: str | None = None,
    n_classes_stage2: int = 4,
    dropout: float = 0.3,
    channel_scales: Sequence[float] | None = None,
    trainable_backbone: bool = True,
):
    """A Keras Applications backbone on the same maps, with the same two heads.

    Parameters
    ----------
    input_shape : (H, W, C)
    backbone : {"efficientnetb0", "resnet50"}
    weights : None or "imagenet", default None
        ``"imagenet"`` downloads ImageNet weights (only when you ask for them) and requires
        three input channels: the maps are first mixed down to three by a 1×1 convolution.
    n_classes_stage2, dropout, channel_scales
        As in :func:`build_ela_cnn`.
    trainable_backbone : bool, default True

    Returns
    -------
    keras.Model
        Same outputs as :func:`build_ela_cnn` (no ``"edited_map"`` heat map).
    """
    keras = import_keras()
    from keras import layers

    shape = _check_shape(input_shape)
    apps = {"efficientnetb0": keras.applications.EfficientNetB0, "resnet50": keras.applications.ResNet50}
    if backbone not in apps:
        raise ValueError(f"backbone must be one of {sorted(apps)}, got {backbone!r}")
    if weights not in (None, "imagenet"):
        raise ValueError(f"weights must be None or 'imagenet', got {weights!r}")
    scales = [1.0] * shape[2] if channel_scales is None else [float(s) for s in channel_scales]
    inputs = keras.Input(shape, name="maps")
    x = layers.Rescaling(scale=scales, name="rescaling")(inputs)
    if weights == "imagenet":
        x = layers.Conv2D(3, 1, name="to_rgb")(x)
        x = layers.Rescaling(127.5, offset=127.5, name="to_pixels")(layers.Activation("tanh")(x))
    base = apps[backbone](include_top=False, weights=weights,
                          input_shape=(shape[0], shape[1], 3 if weights else shape[2]), pooling="avg")
    base.trainable = trainable_backbone
    h = layers.Dropout(dropout)(base(x))
    outputs = {EDITED_OUTPUT: layers.Dense(1, name=EDITED_OUTPUT)(h)}
    if n_classes_stage2:
        outputs[KIND_OUTPUT] = layers.Dense(n_classes_stage2, name=KIND_OUTPUT)(h)
    return keras.Model(inputs, outputs, name=f"transfer_{backbone}")
