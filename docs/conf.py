"""Sphinx configuration of SnapAssist's documentation.

Build with ``sphinx-build -W --keep-going -b html docs <out>`` from the
repository root, with the package installed (``pip install -e ".[docs]"``):
the API reference imports the modules, and the settings table is read from
:class:`snapassist.settings.Settings` at build time.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "SnapAssist"
author = "the SnapAssist developers"
copyright = "2018-2026, " + author

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "snapassist_docs",
]

exclude_patterns = ["_build"]
templates_path = []
html_static_path = ["_static"]
# Most literal blocks are shell commands and outputs: no colours guessed.
highlight_language = "none"
html_theme = "alabaster"
html_theme_options = {"description": "Where to stand to photograph it",
                      "fixed_sidebar": False, "page_width": "1100px"}

# Every cross-reference must resolve (sphinx-build -W makes a miss an error):
# this is how a renamed module or function breaks the build, not the reader.
nitpicky = True
# ...every reference by its full name, that is: the docstrings also name
# things the way a reader of the module does (``:class:`SpotsAnswer```,
# ``:meth:`TagIndex.match```, other libraries' types), which stay plain text.
nitpick_ignore_regex = [(r"py:.*", r"(?!snapassist\.).*")]

# The docstrings are numpydoc; keep parameter types as plain text rather
# than cross-references (they say "array-like", "DataFrame", "optional").
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_param = False
napoleon_use_rtype = False
napoleon_use_ivar = True

autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"
# Values such as a default table path would show this machine's paths.
autodoc_preserve_defaults = True
