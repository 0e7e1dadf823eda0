"""``imgfake dashboard`` (and ``make dashboard``): serve the Voilà dashboard on the shipped model
and sample images, from a checkout or from an installed wheel alike."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from ..resources import dashboard_notebook, voila_config_dir

__all__ = ["voila_command", "main", "add_arguments", "serve"]


def voila_command(*, host: str, port: int, notebook: Path | None = None) -> list[str]:
    """The voila command line that serves `notebook` (default: the shipped dashboard)."""
    notebook = notebook or dashboard_notebook()
    if importlib.util.find_spec("voila") is None:
        raise FileNotFoundError(
            "Voilà is not installed in this environment: pip install 'imgfake[jupyter]' "
            "(or voila==0.5.13), then run `imgfake dashboard` again"
        )
    return [
        sys.executable, "-m", "voila",  # the Voilà of this environment, wherever its scripts are
        str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--preheat_kernel=True",  # the first visitor gets a ready page
        "--theme=light",
        "--show_tracebacks=False",
    ]


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8866, help="port to listen on (default 8866)")
    return parser


def serve(*, host: str, port: int) -> None:
    """Replace this process with Voilà serving the dashboard (returns only on failure)."""
    notebook = dashboard_notebook()
    if not notebook.is_file():
        raise FileNotFoundError(f"the dashboard notebook is missing from this installation ({notebook}); "
                                "reinstall imgfake")
    cmd = voila_command(host=host, port=port, notebook=notebook)
    print(f"Serving the imgfake dashboard at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    os.chdir(voila_config_dir())  # Voilà reads voila.json from the folder it starts in
    os.execv(cmd[0], cmd)


def main(argv: list[str] | None = None) -> int:
    args = add_arguments(argparse.ArgumentParser(description=__doc__)).parse_args(argv)
    try:
        serve(host=args.host, port=args.port)
    except FileNotFoundError as exc:
        print(f"imgfake: error: {exc}", file=sys.stderr)
        return 1
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
