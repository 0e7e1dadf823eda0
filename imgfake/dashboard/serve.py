"""``imgfake dashboard`` (and ``make dashboard``): serve the Voilà dashboard on the shipped model
and sample images, from a checkout or from an installed wheel alike."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from ..resources import dashboard_notebook, jupyter_data_dir, voila_config_dir

__all__ = ["voila_command", "voila_environment", "main", "add_arguments", "serve"]


#: A page's kernel (~300 MB) is shut down this long after the page was closed (seconds) ...
CULL_IDLE_TIMEOUT = 600
#: ... checked this often (seconds).
CULL_INTERVAL = 60


def voila_command(*, host: str, port: int, notebook: Path | None = None,
                  cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL,
                  token: str | None = None) -> list[str]:
    """The voila command line that serves `notebook` (default: the shipped dashboard).

    With `token`, every page asks for it (``http://host:port/?token=…``): for a class or a team
    on a shared server.

    Every page load starts a kernel; an open page keeps it, and a closed page's kernel is
    culled once idle for `cull_idle_timeout` seconds (the pre-heated kernel waiting for the next
    visitor is kept).
    """
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
        "--template=imgfake",  # the lab template without CDN links: the page contacts nobody
        "--show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={int(cull_idle_timeout)}",
        f"--MappingKernelManager.cull_interval={int(cull_interval)}",
        "--MappingKernelManager.cull_connected=False",  # never take the kernel of an open page
        *([f"--Voila.token={token}"] if token else []),
    ]


def voila_environment(base: dict | None = None) -> dict:
    """The environment to start :func:`voila_command` in: ``JUPYTER_PATH`` gains the folder of
    imgfake's Voilà template."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter_data_dir()), env.get("JUPYTER_PATH")]))
    return env


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8866, help="port to listen on (default 8866)")
    parser.add_argument("--token", default=None,
                        help="require this token (open http://HOST:PORT/?token=TOKEN): for a shared server")
    return parser


def serve(*, host: str, port: int, token: str | None = None) -> None:
    """Replace this process with Voilà serving the dashboard (returns only on failure)."""
    notebook = dashboard_notebook()
    if not notebook.is_file():
        raise FileNotFoundError(f"the dashboard notebook is missing from this installation ({notebook}); "
                                "reinstall imgfake")
    cmd = voila_command(host=host, port=port, notebook=notebook, token=token)
    from urllib.parse import quote

    query = f"?token={quote(token)}" if token else ""
    print(f"Serving the imgfake dashboard at http://{host}:{port}/{query}  (Ctrl+C to stop)", flush=True)
    os.chdir(voila_config_dir())  # Voilà reads voila.json from the folder it starts in
    os.execve(cmd[0], cmd, voila_environment())


def main(argv: list[str] | None = None) -> int:
    args = add_arguments(argparse.ArgumentParser(description=__doc__)).parse_args(argv)
    try:
        serve(host=args.host, port=args.port, token=args.token)
    except FileNotFoundError as exc:
        print(f"imgfake: error: {exc}", file=sys.stderr)
        return 1
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
