"""SnapAssist's own Sphinx extension: the settings table, and checks that the docs name real things.

- ``.. snapassist-settings::`` draws the table of every field of
  :class:`snapassist.settings.Settings` from :meth:`Settings.describe` when
  the docs are built, so the table cannot drift from the code. Each field
  becomes a target of the ``:setting:`` role (``:setting:`max_spot_spread_m```),
  and a role naming no field is a broken reference.
- Every inline literal of the docs and of ``README.rst`` that names a file
  of the repository (``snapassist/search/_store.py``, ``spots/_facts.py``,
  ``bench_quality.py``) or an object of the package
  (``snapassist.search.FlickrPhotosDatabase``) must exist: code moves, and
  a page that still names the old place is a warning, which ``-W`` makes an
  error. The README's links into ``docs/`` and ``benchmarks/`` are checked
  the same way.
"""
import importlib
import inspect
import re
from pathlib import Path

from docutils import nodes
from docutils.core import publish_doctree
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
#: Folders whose files the docs name: at the root, or inside the package.
TOP_FOLDERS = ("snapassist", "benchmarks", "tests", "docs", ".ci")
FILE = re.compile(r"^[\w.-]+(/[\w.-]+)*/?$")
FILE_SUFFIXES = (".py", ".pyx", ".pxd", ".json", ".rst", ".html", ".js", ".css", ".cfg",
                 ".toml")
DOTTED = re.compile(r"^(snapassist(?:\.\w+)+)(?::(\w+))?(?:\(.*\))?$")
#: A README front page is short: the rest belongs in docs/.
README_MAX_LINES = 150


class SettingsTable(SphinxDirective):
    """A table of every :class:`~snapassist.settings.Settings` field: name, default, help."""

    has_content = False

    def run(self):
        from snapassist.settings import ENV_PREFIX, Settings

        table = nodes.table(classes=["snapassist-settings"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (30, 12, 58):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row([nodes.Text("setting (environment variable)"), nodes.Text("default"),
                      nodes.Text("what it decides")])
        group += head
        body = nodes.tbody()
        group += body
        domain = self.env.get_domain("std")
        targets = []
        for name, default, help_text in Settings.describe():
            node_id = f"setting-{name}"
            target = nodes.target("", "", ids=[node_id])
            targets.append(target)
            domain.note_object("setting", name, node_id, location=self.get_location())
            names = [nodes.paragraph("", "", nodes.strong("", "", nodes.literal(text=name))),
                     nodes.paragraph("", "", nodes.literal(text=ENV_PREFIX + name.upper()))]
            body += _row([names, nodes.literal(text=repr(default)), nodes.Text(help_text)])
        return targets + [table]


def _row(cells):
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += cell if isinstance(cell, list) else nodes.paragraph("", "", cell)
        row += entry
    return row


def _file_exists(text):
    """Whether ``text`` names a file or folder of the repository; ``None``: not a path."""
    bare = text.rstrip("/")
    parts = bare.split("/")
    if parts[0] in ("", ".", ".."):
        return None         # outside the repository (../shared/...) or absolute
    if "/" in bare:
        if parts[0] in TOP_FOLDERS or (ROOT / "snapassist" / parts[0]).is_dir():
            return (ROOT / bare).exists() or (ROOT / "snapassist" / bare).exists()
        return None
    if text.endswith("/"):
        return (ROOT / bare).is_dir() or (ROOT / "snapassist" / bare).is_dir() or None
    if bare.endswith(FILE_SUFFIXES) and not bare.startswith("."):
        if (ROOT / bare).is_file():
            return True
        return any(any((ROOT / top).rglob(bare)) for top in ("snapassist", "benchmarks", "tests"))
    return None


def _object_exists(module_path, attribute):
    """Whether ``snapassist.a.b`` (and ``:attribute``) names a module or an object in one."""
    parts = module_path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:] + ([attribute] if attribute else []):
            try:
                # Static: a module's lazy __getattr__ (snapassist.web:app) must
                # not build anything while the docs are read.
                obj = inspect.getattr_static(obj, name)
            except AttributeError:
                return inspect.ismodule(obj) and hasattr(obj, "__getattr__") \
                    and "__getattr__" in vars(obj)
        return True
    return False


def stale_names(doctree):
    """``(node, message)`` for each literal naming a file or object that does not exist."""
    for node in doctree.findall(nodes.literal):
        text = node.astext().strip()
        match = DOTTED.match(text)
        if match:
            if not _object_exists(match.group(1), match.group(2)):
                yield node, f"{text!r} names no module or object of the package"
            continue
        if FILE.match(text):
            exists = _file_exists(text)
            if exists is False:
                yield node, f"{text!r} names no file of the repository"


def _check_doctree(app, doctree):
    for node, message in stale_names(doctree):
        log.warning(message, location=node)


def check_readme(app):
    """The README: short, its literals real, its links into the repository alive."""
    path = ROOT / "README.rst"
    text = path.read_text(encoding="utf-8")
    n_lines = len(text.splitlines())
    if n_lines > README_MAX_LINES:
        log.warning(f"{path}: it has {n_lines} lines: a front page keeps under "
                    f"{README_MAX_LINES}; move the rest into docs/")
    doctree = publish_doctree(text, source_path=str(path),
                              settings_overrides={"report_level": 5, "halt_level": 5})
    for node, message in stale_names(doctree):
        log.warning(f"{path}: {message}")
    targets = [n.get("refuri") for n in doctree.findall(nodes.reference) if n.get("refuri")]
    targets += [n.get("uri") for n in doctree.findall(nodes.image)]
    for target in targets:
        if "://" in target or target.startswith(("#", "mailto:")):
            continue
        if not (ROOT / target.split("#")[0]).exists():
            log.warning(f"{path} links to {target!r}, which does not exist")


# Napoleon reads the first line of an attribute's docstring as "type: text"
# and turns the words before a colon ("The rank of ...:") into a type. Our
# attribute comments (``#: ...``) are plain sentences: keep them as written.
_ATTRIBUTE_KINDS = ("attribute", "data", "property")
_kept = {}


def _keep_attribute_doc(app, what, name, obj, options, lines):
    if what in _ATTRIBUTE_KINDS:
        _kept[name] = list(lines)


def _restore_attribute_doc(app, what, name, obj, options, lines):
    if what in _ATTRIBUTE_KINDS and name in _kept:
        lines[:] = _kept.pop(name)


def setup(app):
    app.connect("autodoc-process-docstring", _keep_attribute_doc, priority=400)
    app.connect("autodoc-process-docstring", _restore_attribute_doc, priority=600)
    app.add_object_type("setting", "setting", objname="setting of the method")
    app.add_directive("snapassist-settings", SettingsTable)
    app.connect("doctree-read", _check_doctree)
    app.connect("builder-inited", check_readme)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
