"""A tiny model bundle trained once per test session (seconds), shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from imagefactory import textured

_CACHE: dict[str, Path] = {}


def tiny_synthetic_set(root: Path) -> Path:
    """Six textured never-compressed photos -> 24 authentic/forged JPEGs made by imgfake.learn.synth."""
    from imgfake.learn.synth import make_forgery_set

    sources = []
    for i in range(6):
        path = root / "pristine" / f"tex{i}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(textured(144, 160, seed=i)).save(path)
        sources.append(path)
    return make_forgery_set(sources, root / "synthetic", n_per_source=2, seed=0)


def tiny_bundle(tmp_path_factory) -> Path:
    """Train (1 epoch, width 4, 128-px crop) on the tiny set; cached for the session."""
    if "bundle" not in _CACHE:
        from imgfake.learn.maps import PreprocessConfig
        from imgfake.learn.train import TrainSettings, train_bundle

        root = tmp_path_factory.mktemp("tiny")
        data = tiny_synthetic_set(root)
        _CACHE["data"] = data
        _CACHE["bundle"] = train_bundle(
            [data], root / "bundle", epochs=1, seed=0,
            preprocessing=PreprocessConfig(crop=128, n_luma_freq=4, n_chroma_freq=1),
            settings=TrainSettings(width=4, batch_size=8), n_boot=20, log=None,
            command="pytest tiny bundle",
        )
    return _CACHE["bundle"]


def tiny_data() -> Path:
    return _CACHE["data"]


def pixels(seed: int = 0) -> np.ndarray:
    return textured(144, 160, seed=seed)
