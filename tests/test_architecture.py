"""The layout the README's Architecture section promises, checked on the code itself."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "snapassist"

#: Layer of each top-level module or subpackage: 1 = the edges, 4 = foundations.
LAYERS = {
    "cli": 1, "web": 1, "__main__": 1,
    "precompute": 2, "ingest": 2, "scrapers": 2, "demo": 2,
    "search": 3, "spots": 3,
    # The 2018 name of the tables, kept for scripts: a thin re-export of search.
    "database": 3,
    "clustering": 4, "geo": 4, "io": 4, "schema": 4, "config": 4, "settings": 4, "errors": 4,
    "__init__": 4,
}
#: Third-party packages only one place may import: Dask runs the precompute
#: and the import's tasks (its runner alone), nothing else.
ONLY = {"flask": ("web",), "folium": ("web/map.py",), "branca": ("web/map.py",),
        "flickrapi": ("scrapers/client.py",),
        "dask": ("precompute", "ingest/_parallel.py"),
        "distributed": ("precompute", "ingest/_parallel.py")}
#: Neighbours in a layer that must not import each other: search finds a
#: search's photos and hands them to spots, which never searches.
NEVER = {("spots", "search"), ("spots", "database")}
#: Modules allowed past the size guideline: the two OPTICS kernels.
LONG_ALLOWED = {"clustering/_optics_inner.pyx", "clustering/_optics_knn.pyx"}
MAX_LINES = 420


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _room(path):
    """The top-level module or subpackage a file belongs to."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _is_main_block(node):
    """``if __name__ == "__main__":``: a script's entry, edge code wherever it stands."""
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__")


def _walk(tree):
    """Every node, skipping the bodies of ``if __name__ == "__main__":``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not _is_main_block(child))


def _imported_rooms(path):
    """(room, line) of every snapassist module the file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package_parts = path.relative_to(PACKAGE.parent).parent.parts   # ('snapassist', 'web')
    found = []
    for node in _walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[:len(package_parts) - node.level + 1]
                target = list(base) + (node.module.split(".") if node.module else [])
                names = [target + [a.name] for a in node.names] if not node.module else [target]
            elif node.module and node.module.split(".")[0] == "snapassist":
                names = [node.module.split(".")]
            else:
                continue
            for name in names:
                if len(name) > 1:
                    found.append((_room_of(name), node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "snapassist" and len(parts) > 1:
                    found.append((parts[1], node.lineno))
    return found


def _room_of(dotted):
    """The room of ``snapassist.X...``: X, or the package itself for a name it defines."""
    first = dotted[1]
    if (PACKAGE / f"{first}.py").is_file() or (PACKAGE / first).is_dir():
        return first
    return "__init__"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_upward(path):
    room = _room(path)
    assert room in LAYERS, f"{room} has no layer: add it to LAYERS and the README"
    for target, line in _imported_rooms(path):
        assert target in LAYERS, f"{path.name}:{line} imports {target}, which has no layer"
        assert LAYERS[target] >= LAYERS[room], (
            f"{path.relative_to(PACKAGE)}:{line} (layer {LAYERS[room]}) imports "
            f"{target} (layer {LAYERS[target]}): imports go down only")
        assert (room, target) not in NEVER, (
            f"{path.relative_to(PACKAGE)}:{line}: {room} imports {target}: the method's "
            f"packages depend one way only")


@pytest.mark.parametrize("package, allowed", sorted(ONLY.items()))
def test_one_home_for_each_outside_library(package, allowed):
    for path in _modules():
        rel = str(path.relative_to(PACKAGE))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module for n in ast.walk(tree)
                  if isinstance(n, ast.ImportFrom) and n.module and not n.level]
        if any(name.split(".")[0] == package for name in names):
            assert _allowed(rel, allowed), f"{rel} imports {package}; only {', '.join(allowed)} may"


def _allowed(rel, allowed):
    """Whether the module at ``rel`` (``ingest/world.py``) is one of ``allowed`` or inside one."""
    return any(rel == a or rel.startswith(a + "/") for a in allowed)


@pytest.mark.parametrize("rel, ok", [("precompute/_run.py", True), ("ingest/_parallel.py", True),
                                     ("ingest/world.py", False), ("ingest/_partition.py", False),
                                     ("search/_tables.py", False), ("web/__init__.py", False)])
def test_dask_runs_only_the_precompute_and_the_import_runner(rel, ok):
    assert _allowed(rel, ONLY["dask"]) is ok
    assert _allowed(rel, ONLY["distributed"]) is ok


def test_modules_stay_small():
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")) + sorted(PACKAGE.rglob("*.pyx")):
        rel = str(path.relative_to(PACKAGE))
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and rel not in LONG_ALLOWED:
            too_long.append(f"{rel}: {n} lines")
    assert not too_long, "modules over the ~400-line guideline: " + ", ".join(too_long)
