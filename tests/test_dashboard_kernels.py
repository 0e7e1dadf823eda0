"""Voilà starts a kernel per page load; closed pages must give theirs back (issue 9: 6 loads
left 11 kernels of ~300 MB alive for 10 minutes). A real Voilà, loaded ten times over HTTP."""

import subprocess
import time
import urllib.request

import pytest
from _servers import free_port, stop, wait_until_answers

pytestmark = pytest.mark.slow


def _kernels(server: subprocess.Popen) -> int:
    found = subprocess.run(["pgrep", "-f", "-P", str(server.pid), "ipykernel"], capture_output=True, text=True)
    return len(found.stdout.split())


def test_ten_page_loads_leave_only_the_preheated_kernel(tmp_path):
    pytest.importorskip("voila")
    from imgfake.dashboard.serve import voila_command, voila_environment
    from imgfake.resources import voila_config_dir

    port = free_port()
    cmd = voila_command(host="127.0.0.1", port=port, cull_idle_timeout=4, cull_interval=1)
    log = open(tmp_path / "voila.log", "w")
    server = subprocess.Popen(cmd, cwd=voila_config_dir(), env=voila_environment(), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        assert wait_until_answers(f"{url}voila/static/voila.js", server) is not None, "voila did not start"
        for _ in range(10):  # a page load, then the visitor leaves (no websocket keeps it)
            with urllib.request.urlopen(url, timeout=60) as page:
                assert page.status == 200
        assert _kernels(server) >= 5, "each page load had its own kernel"
        deadline = time.monotonic() + 60
        while _kernels(server) > 2 and time.monotonic() < deadline:
            time.sleep(1)
        assert _kernels(server) <= 2, "closed pages' kernels were culled (one pre-heated may wait)"
        with urllib.request.urlopen(url, timeout=60) as page:  # and the next visitor is served
            assert page.status == 200
    finally:
        stop(server)
        log.close()
