"""The project's own promises: light import, console script, conda file in step with pyproject."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {"kaleido": "python-kaleido"}


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout


def test_import_imgfake_does_not_import_tensorflow():
    out = _run(
        "import sys, imgfake\n"
        "from imgfake import load_image, ela, ela_image, run_analysis\n"
        "import imgfake.cli, imgfake.forensics.registry, imgfake.forensics.jpeg, imgfake.forensics.metadata\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    assert out.strip() == "[]"


def test_console_script_help_runs():
    exe = Path(sys.executable).with_name("imgfake")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("info", "ela", "predict", "train", "evaluate", "analyses"):
        assert command in out


def _pip_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += [r for r in extra if not r.startswith("imgfake")]
    pins = {}
    for req in reqs:
        name, spec = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", req).groups()
        pins[name.lower()] = spec.replace(" ", "")
    return pins


def _conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            name, spec = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", item).groups()
            if isinstance(dep, dict):  # pip syntax already
                pins[name.lower()] = spec
            else:  # conda: "=X.Y" is a prefix match, i.e. pip's "==X.Y.*"
                pins[name.lower()] = "==" + spec[1:] + ".*" if re.fullmatch(r"=[^=].*", spec) else spec
    return pins


def test_environment_yml_matches_pyproject():
    pip, conda = _pip_pins(), _conda_pins()
    conda = {next((p for p, c in CONDA_NAMES.items() if c == n), n): s for n, s in conda.items()}
    conda.pop("python"), conda.pop("pip")
    assert sorted(conda) == sorted(pip), "package names differ between pyproject.toml and environment.yml"
    mismatched = {n: (pip[n], conda[n]) for n in pip if pip[n] != conda[n]}
    assert not mismatched, f"version pins differ (pyproject, environment.yml): {mismatched}"


def test_constraints_pin_every_direct_dependency():
    lock = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for name, spec in _pip_pins().items():
        assert name.replace("_", "-") in lock, f"{name} is missing from requirements/constraints.txt"
        if spec.startswith("=="):
            assert re.fullmatch(spec[2:].replace(".", r"\.").replace("*", ".*"), lock[name.replace("_", "-")])


@pytest.mark.parametrize("path", [".ci/run", "Makefile", "README.md", "environment.yml", "DESIGN.md"])
def test_project_files_exist(path):
    assert (ROOT / path).is_file()


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make dashboard" in readme and "make test" in readme


def test_the_command_line_starts_without_the_dashboard_widgets():
    out = _run(
        "import sys, imgfake.cli as cli\n"
        "cli._parser()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'tensorflow', 'keras')))"
    )
    assert out.strip() == "[]"
