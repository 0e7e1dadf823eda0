"""The wheel is complete: built from the tracked files, installed into a fresh virtual
environment and run from a folder outside the repository, it predicts on a shipped sample and
serves the dashboard.

The fresh environment gets only the wheel; its dependencies (TensorFlow, Voilà, ...) are borrowed
read-only from the test's own environment through a ``.pth`` file, so nothing is downloaded and
no file of the checkout is on its path.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from _servers import free_port, stop, wait_until_answers

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know the tracked files")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    files = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                 check=True).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    dist = tmp / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                  "-w", str(dist), str(src)])
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next(dist.glob("imgfake-*.whl"))
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                     check=True).stdout.strip())
    # borrow the dependencies, never the checkout: the editable finder's .pth is not processed here
    (site / "zz_borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                      "--no-index", "-q", str(wheel)])
    assert installed.returncode == 0, installed.stderr[-3000:]
    outside = tmp / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "IMGFAKE_MODEL")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # the borrowed packages' data files (Voilà's page templates) live under this prefix
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return {"wheel": wheel, "python": python, "bin": env_dir / "bin", "cwd": outside, "env": env}


def test_the_wheel_carries_the_model_samples_and_dashboard(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for needed in ("imgfake/_shipped/models/default/model.keras", "imgfake/_shipped/models/default/imgfake.json",
                   "imgfake/_shipped/data/samples/samples.json", "imgfake/_shipped/dashboards/imgfake.ipynb",
                   "imgfake/_shipped/voila.json", "imgfake/py.typed", "imgfake/forensics/data/qtables.json"):
        assert needed in names, f"{needed} is missing from the wheel"
    assert not any(n.startswith(("tests/", "notebooks/", "benchmarks/")) for n in names)


def test_installed_imgfake_runs_from_outside_the_checkout(installed):
    where = _run([str(installed["python"]), "-c",
                  "import imgfake, imgfake.resources as r; print(imgfake.__file__); print(r.samples_dir())"],
                 cwd=installed["cwd"], env=installed["env"], check=True).stdout.splitlines()
    assert all(not line.startswith(str(ROOT)) for line in where), f"the checkout leaked in: {where}"
    sample = Path(where[1]) / "kodim03_splice.jpg"
    out = _run([str(installed["bin"] / "imgfake"), "predict", "--json", str(sample)],
               cwd=installed["cwd"], env=installed["env"])
    assert out.returncode == 0, out.stderr[-3000:]
    record = json.loads(out.stdout.strip().splitlines()[-1])
    assert 0 <= record["p_edited"] <= 1 and record["label"] in ("edited", "real")
    assert "tensorflow" not in out.stderr.lower(), f"TensorFlow's start-up lines leaked: {out.stderr[:500]}"


def test_installed_dashboard_answers(installed):
    port = free_port()
    log = open(installed["cwd"] / "voila.log", "w")
    proc = subprocess.Popen([str(installed["bin"] / "imgfake"), "dashboard", "--port", str(port)],
                            cwd=installed["cwd"], env=installed["env"], stdout=log, stderr=subprocess.STDOUT)
    try:
        body = wait_until_answers(f"http://127.0.0.1:{port}/", proc, timeout=90)
        log.flush()
        assert body is not None, ("the installed dashboard never answered:\n"
                                  + (installed["cwd"] / "voila.log").read_text()[-3000:])
        text = body.decode("utf-8", "replace")
        assert "imgfake" in text and "voila" in text.lower()
    finally:
        stop(proc)
        log.close()
