"""Servers the tests start themselves (Voilà on 127.0.0.1): a free port, waiting, stopping."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answers(url: str, proc: subprocess.Popen, *, timeout: float = 60.0) -> bytes | None:
    """GET `url` until it answers (its body) or `proc` exits / `timeout` passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as reply:
                return reply.read()
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                return None
            time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    """Terminate `proc`, killing it when it does not end within 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
