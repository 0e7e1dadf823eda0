"""The shape of the house: no import circles, no imports running back up the layers, no module
importing the package face, and no module grown past ~600 lines without a stated reason.

Every import counts, also the lazy ones inside functions: a lazy import is still a dependency.
"""

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "imgfake"

#: Layers, bottom first: a module may import its own layer and those below, never above.
LAYERS = [
    {"imgfake._version", "imgfake.resources", "imgfake.results", "imgfake.io"},
    {"imgfake.scan", "imgfake.forensics.blocks", "imgfake.forensics.registry"},
    {"imgfake.forensics.*"},
    {"imgfake.learn.*"},
    {"imgfake.display", "imgfake.figures", "imgfake.report", "imgfake.scanreport", "imgfake.workshop", "imgfake.workshop.*"},
    {"imgfake.dashboard.*"},
    {"imgfake.cli", "imgfake.__main__"},
]

#: Modules allowed over ~600 lines, and why (DESIGN.md says the same).
LONG_MODULES = {
    "imgfake.io": "the one door from bytes to pixels: every format's failure modes in one file, so "
    "'only ImageLoadError comes out' can be checked by reading one module",
    "imgfake.learn.datasets": "manifests, splits, duplicate and shortcut checks: one data model, tested as one",
    "imgfake.learn.synth": "three forgery generators sharing one mask/record pipeline",
    "imgfake.learn.evaluation": "metric functions with their bootstrap intervals; pure and independent",
    "imgfake.dashboard.state": "the whole dashboard state machine, kept free of widgets",
    "imgfake.dashboard.view": "the widget tree and its CSS",
    "imgfake.cli": "one argparse tree: every command's options, help, words and exit codes in one place, "
    "each command a thin call into the layers below",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "imgfake":
                continue
            # the deepest known module the import names
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer(name: str) -> int | None:
    for i, layer in enumerate(LAYERS):
        for pattern in layer:
            if name == pattern or pattern.endswith(".*") and name.startswith(pattern[:-1]):
                return i
    return None


def test_every_module_has_a_layer():
    missing = [n for n in _modules() if n != "imgfake" and _layer(n) is None and not n.endswith("__init__")
               and n not in ("imgfake.forensics", "imgfake.learn", "imgfake.dashboard")]
    assert not missing, f"place these modules in a layer of tests/test_structure.py: {missing}"


def test_no_import_runs_back_up_the_layers():
    upward = []
    for name, targets in _graph().items():
        here = _layer(name)
        if here is None:
            continue
        for target in targets:
            there = _layer(target)
            if target == "imgfake":
                upward.append(f"{name} imports the package face 'imgfake'")
            elif there is not None and there > here:
                upward.append(f"{name} (layer {here}) imports {target} (layer {there})")
    assert not upward, "\n".join(sorted(upward))


def test_no_import_circles():
    graph = _graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w == "imgfake" or w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, f"import circles: {cycles}"


def test_modules_stay_short_or_say_why():
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in _modules().items()}
    over = {n: lines for n, lines in long.items() if lines > 620 and n not in LONG_MODULES}
    assert not over, f"split these modules or give a reason in LONG_MODULES and DESIGN.md: {over}"
    stale = [n for n in LONG_MODULES if long.get(n, 0) <= 620]
    assert not stale, f"these modules are short now; drop them from LONG_MODULES: {stale}"


def test_the_package_face_lists_each_export_once():
    """``imgfake.__init__``: the lazy table and the type-checking imports must not drift."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    table = next(ast.literal_eval(n.value) for n in tree.body
                 if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "_EXPORTS")
    checking = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    typed = defaultdict(set)
    for node in checking.body:
        for alias in node.names:
            typed[alias.name].add(node.module)
    assert {k: {v} for k, v in table.items()} == dict(typed)
    import imgfake

    for name in table:
        assert getattr(imgfake, name) is not None
