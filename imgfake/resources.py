"""Where the files imgfake ships beside its code are: the default model bundle, the sample
images, the dashboard notebook and Voilà's settings.

This is the only module that knows the layout. In a wheel they are package data under
``imgfake/_shipped/`` (``setup.py`` copies them there at build time); in a source checkout or an
editable install they are read where they live in the repository (``models/default/``,
``data/samples/``, ``dashboards/imgfake.ipynb``, ``voila.json``).

Examples
--------
>>> from imgfake import resources
>>> (resources.samples_dir() / "samples.json").is_file()
True
"""

from __future__ import annotations

import os
from importlib import resources as _resources
from pathlib import Path

__all__ = ["SHIPPED", "shipped_root", "default_model_dir", "samples_dir", "dashboard_notebook",
           "voila_config_dir", "jupyter_data_dir"]

#: What ships, as (path inside the shipped root, path in the repository). setup.py reads this.
SHIPPED = (
    ("models/default", "models/default"),
    ("data/samples", "data/samples"),
    ("dashboards/imgfake.ipynb", "dashboards/imgfake.ipynb"),
    ("voila.json", "voila.json"),
    ("dashboards/jupyter", "dashboards/jupyter"),
)


def shipped_root() -> Path:
    """The folder holding the shipped files: ``imgfake/_shipped`` in a wheel, else the checkout."""
    package = Path(str(_resources.files("imgfake")))
    packaged = package / "_shipped"
    if packaged.is_dir():
        return packaged
    return package.parent  # a source checkout / editable install


def default_model_dir() -> Path:
    """``$IMGFAKE_MODEL`` if set, else the shipped default model bundle."""
    env = os.environ.get("IMGFAKE_MODEL")
    if env:
        return Path(env).expanduser()
    return shipped_root() / "models" / "default"


def samples_dir() -> Path:
    """The sample images (with their ``samples.json`` of known answers)."""
    return shipped_root() / "data" / "samples"


def dashboard_notebook() -> Path:
    """The Voilà dashboard notebook (one cell: ``Dashboard()``)."""
    return shipped_root() / "dashboards" / "imgfake.ipynb"


def voila_config_dir() -> Path:
    """The folder whose ``voila.json`` holds the dashboard's Voilà settings (Voilà reads it from
    the working directory it is started in)."""
    return shipped_root()


def jupyter_data_dir() -> Path:
    """A Jupyter data folder holding imgfake's Voilà template (``voila/templates/imgfake``):
    the lab template without CDN links. Put it on ``JUPYTER_PATH`` to use it."""
    return shipped_root() / "dashboards" / "jupyter"
