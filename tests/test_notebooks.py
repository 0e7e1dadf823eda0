"""The notebooks in notebooks/: committed clean, and they run.

Fast checks (unmarked) read the committed files: valid nbformat, outputs stripped, first code cell
tagged ``parameters``, small test parameters for every notebook, default paths that resolve from
notebooks/ (the workshop's checkers and learner's copy: tests/test_workshop.py).

Slow checks (``notebooks`` + ``slow``) run each notebook twice:

1. papermill, from Python, with the small parameters below, into ``tests/artifacts/notebooks/``
   (git-ignored). Widget state is not stored (``store_widget_state=False``), so an executed copy
   stays small. A failing cell fails the test with that cell's error.
2. nbval (``--nbval-lax``) on papermill's executed copy, in a subprocess: it runs every cell again
   in a fresh kernel, papermill's ``injected-parameters`` cell included (so both runs use the same
   parameters), and compares the cells marked ``# NBVAL_CHECK_OUTPUT`` with papermill's outputs
   after the regexes in ``tests/nbval_sanitize.cfg``: a determinism check.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
ARTIFACTS = ROOT / "tests" / "artifacts" / "notebooks"
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))

SAMPLES = ROOT / "data" / "samples"
DEFAULT_MODEL = ROOT / "models" / "default"

#: Parameters that keep each run (papermill + nbval) short on a 2-core machine. Paths are
#: absolute: nbval starts its kernel in the executed copy's folder (tests/artifacts/notebooks),
#: not in notebooks/, and re-runs papermill's injected-parameters cell, so absolute paths work in
#: both runs. The notebooks' own relative defaults are checked by
#: test_default_paths_exist_relative_to_notebooks.
SMALL_PARAMS: dict[str, dict] = {
    "01_eda.ipynb": {"samples_dir": str(SAMPLES), "n_examples": 4},
    "02_ela_exploration.ipynb": {
        "image_path": str(SAMPLES / "kodim03_splice.jpg"),
        "mask_path": str(SAMPLES / "kodim03_splice_mask.png"),
        "twin_path": str(SAMPLES / "kodim03_authentic.jpg"),
        "samples_dir": str(SAMPLES),
        "sweep_qualities": [60, 70, 75, 80, 90, 100],
        "n_resaves": 3,
    },
    "03_training.ipynb": {
        "out_dir": str(ARTIFACTS / "03_training_run"),
        "samples_dir": str(SAMPLES),
        "epochs": 2,
        "n_boot": 100,
    },
    "04_evaluation.ipynb": {
        "model_dir": str(DEFAULT_MODEL),
        "samples_dir": str(SAMPLES),
        "n_boot": 100,
        "n_worst": 2,
    },
    "06_methods.ipynb": {
        "out_dir": str(ARTIFACTS / "06_methods_run"),
        "samples_dir": str(SAMPLES),
        "max_side": 256,
        "n_boot": 100,
    },
    "05_workshop.ipynb": {"fallback_photo": str(SAMPLES / "kodim07_copy-move.jpg")},
    "07_scan.ipynb": {"samples_dir": str(SAMPLES), "out_dir": str(ARTIFACTS / "07_scan_run"), "workers": 1},
}

CELL_TIMEOUT_S = 300


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS_DIR / name, as_version=4)


def _code_cells(nb: nbformat.NotebookNode) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_there_are_notebooks_and_each_has_small_parameters():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOKS_DIR}"
    missing = sorted(set(NOTEBOOKS) - set(SMALL_PARAMS))
    assert not missing, f"add test parameters for {missing} to SMALL_PARAMS"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_valid_nbformat(name):
    nbformat.validate(_read(name))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs(name):
    dirty = [
        i
        for i, cell in enumerate(_read(name).cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{name}: cells {dirty} have outputs or execution counts; "
        f"run `.venv/bin/python scripts/strip_notebooks.py notebooks/{name}`"
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_first_code_cell_is_tagged_parameters(name):
    cells = _code_cells(_read(name))
    assert cells, f"{name} has no code cell"
    tags = cells[0].metadata.get("tags", [])
    assert "parameters" in tags, f"{name}: first code cell has tags {tags}, expected 'parameters'"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_small_parameters_are_names_the_notebook_defines(name):
    tree = ast.parse(_code_cells(_read(name))[0].source)
    defined = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
               if isinstance(t, ast.Name)}
    unknown = sorted(set(SMALL_PARAMS.get(name, {})) - defined)
    assert not unknown, f"{name}: SMALL_PARAMS sets {unknown}, not in its parameters cell"


def _parameter_defaults(name: str) -> dict:
    """Literal values assigned in the parameters cell (names -> values)."""
    tree = ast.parse(_code_cells(_read(name))[0].source)
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_default_paths_exist_relative_to_notebooks(name):
    """Defaults like "../data/samples" must resolve from notebooks/, where JupyterLab runs them."""
    paths = {
        key: value
        for key, value in _parameter_defaults(name).items()
        if isinstance(value, str) and value.startswith("../") and not key.startswith("out")
    }
    missing = {key: value for key, value in paths.items() if not (NOTEBOOKS_DIR / value).exists()}
    assert not missing, f"{name}: default paths not found from {NOTEBOOKS_DIR}: {missing}"


# The workshop's checkers, its learner's copy and the handout: tests/test_workshop.py.


def _execute_with_papermill(name: str) -> Path:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / name
    try:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / name),
            str(out),
            parameters=SMALL_PARAMS[name],
            kernel_name="python3",
            cwd=str(NOTEBOOKS_DIR),
            progress_bar=False,
            store_widget_state=False,
            execution_timeout=CELL_TIMEOUT_S,
        )
    except PapermillExecutionError as exc:
        traceback = "\n".join(exc.traceback)
        pytest.fail(
            f"{name} failed in cell {exc.cell_index} (execution count {exc.exec_count}): "
            f"{exc.ename}: {exc.evalue}\n{traceback}\nexecuted copy: {out}",
            pytrace=False,
        )
    return out


def _check_with_nbval(executed: Path) -> None:
    command = [
        sys.executable, "-m", "pytest", str(executed),
        "--nbval-lax", "--nbval-current-env",
        f"--nbval-sanitize-with={SANITIZE}",
        f"--nbval-cell-timeout={CELL_TIMEOUT_S}",
        "-p", "no:cacheprovider", "-q", "--no-header",
        "-o", "addopts=",  # the project's addopts (-ra --strict-markers) are for the unit tests
    ]
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
    )
    assert result.returncode == 0, (
        f"nbval found differences or errors in {executed.name} "
        f"(exit {result.returncode}):\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    )


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_checked_outputs_are_reproducible(name):
    executed = _execute_with_papermill(name)
    _check_with_nbval(executed)
