"""``make dashboard``: serve the Voilà dashboard on the shipped model and sample images."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "dashboards" / "imgfake.ipynb"


def voila_command(*, host: str, port: int, notebook: Path = NOTEBOOK) -> list[str]:
    """The voila command line that serves `notebook` on host:port."""
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or "voila"
    return [
        voila,
        str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--preheat_kernel=True",  # the first visitor gets a ready page
        "--theme=light",
        "--show_tracebacks=False",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8866)
    args = parser.parse_args(argv)
    if not NOTEBOOK.exists():
        print(f"imgfake is set up in {sys.prefix}, but the dashboard ({NOTEBOOK.relative_to(ROOT)}) "
              "is not built yet. Try `imgfake --help` meanwhile.")
        return 0
    cmd = voila_command(host=args.host, port=args.port)
    print(f"Serving the imgfake dashboard at http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    os.chdir(ROOT)
    os.execv(cmd[0], cmd)
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
