"""Build hook: copy the shipped files (model, samples, dashboard, Voilà settings) into the wheel.

Everything else is in pyproject.toml. The list of files is ``imgfake.resources.SHIPPED``; an
editable install reads them from the checkout instead (see imgfake/resources.py).
"""

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _shipped() -> tuple:
    tree = ast.parse((HERE / "imgfake" / "resources.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "SHIPPED":
            return ast.literal_eval(node.value)
    raise RuntimeError("imgfake/resources.py has no SHIPPED list")


class BuildPyWithShipped(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the checkout's own files are used
        root = Path(self.build_lib) / "imgfake" / "_shipped"
        for inside, source in _shipped():
            src, dst = HERE / source, root / inside
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", ".*"))
            else:
                shutil.copy2(src, dst)


setup(cmdclass={"build_py": BuildPyWithShipped})
