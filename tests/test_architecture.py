"""The layout docs/architecture.rst promises, checked on the code itself."""
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
    "words": 4, "dask_client": 4,
    "__init__": 4,
}
#: Third-party packages only one place may import: Dask runs the precompute
#: and the import's tasks (their one client, and the import's runner), nothing else.
ONLY = {"flask": ("web",), "folium": ("web/map.py",), "branca": ("web/map.py",),
        "flickrapi": ("scrapers/client.py",),
        "dask": ("precompute", "ingest/_parallel.py", "dask_client.py"),
        "distributed": ("precompute", "ingest/_parallel.py", "dask_client.py")}
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
    assert room in LAYERS, f"{room} has no layer: add it to LAYERS and docs/architecture.rst"
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
                                     ("search/_tables.py", False), ("web/__init__.py", False),
                                     ("dask_client.py", True), ("demo/world.py", False)])
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


# --- no import cycle anywhere, not even inside a package ---------------------

def _module_name(path, package=PACKAGE):
    """``snapassist.web.pages`` of a file (a package is named by its folder)."""
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package=PACKAGE):
    """``{module: {modules it imports}}`` over the package's Python and Cython modules.

    Every import counts, at the top of a module or inside a function: a
    function-level import only hides a cycle until the function runs.
    ``from . import name`` is the submodule ``name`` when there is one, else
    the package itself (a name defined there).
    """
    files = {_module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    modules = set(files) | {_module_name(p, package) for p in package.rglob("*.pyx")}

    def nearest(name):
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in files.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[:len(here.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules
                              else nearest(target))
            elif isinstance(node, ast.Import):
                found.update(nearest(alias.name) for alias in node.names)
        graph[name] = {m for m in found if m and m.startswith(package.name) and m != name}
    return graph


def import_cycles(graph):
    """Each set of modules that import one another in a ring (Tarjan's components)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(start):
        # Iterative, so a long chain of imports cannot exhaust the recursion limit.
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                ring = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    ring.add(member)
                    if member == node:
                        break
                if len(ring) > 1:
                    cycles.append(sorted(ring))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_the_cycle_finder_finds_rings_and_only_rings():
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set(), "c": {"b"}}) == []
    assert sorted(import_cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}})) == [
        ["a", "b"], ["c", "d"]]


def test_the_import_graph_sees_function_level_and_relative_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from .one import f\n")
    (package / "sub" / "one.py").write_text("def f():\n    from ..two import g\n")
    (package / "two.py").write_text("from .sub import f\nfrom . import sub\n")
    graph = import_graph(package)
    assert graph["pkg.sub.one"] == {"pkg.two"} and graph["pkg.two"] == {"pkg.sub"}
    assert import_cycles(graph) == [["pkg.sub", "pkg.sub.one", "pkg.two"]]


def test_no_import_cycle_anywhere_in_the_package():
    cycles = import_cycles(import_graph())
    assert not cycles, "modules importing each other: " + "; ".join(
        " <-> ".join(ring) for ring in cycles)
