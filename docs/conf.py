"""Sphinx configuration of the skgd documentation.

Build (from the repository root)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The build is offline (nothing is fetched: intersphinx reads the inventories
in ``_intersphinx/``) and deterministic: the examples run with fixed random
states on one BLAS thread, and no timestamps or timings are written into
the pages.
"""

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

# Before matplotlib or numpy are imported by anything: headless figures, and
# the examples' figures saved outside the source tree.
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("SKGD_EXAMPLES_OUTPUT", str(DOCS / "_build" / "examples_output"))

from threadpoolctl import threadpool_limits  # noqa: E402  (scikit-learn needs it)

import skgd  # noqa: E402

# One BLAS thread while the gallery runs: the examples multiply small
# matrices, for which threaded BLAS only adds synchronisation (it is several
# times slower on a busy machine), and a fixed summation order makes the
# figures reproducible.
_blas_limits = threadpool_limits(limits=1)

project = "skgd"
author = "the skgd developers"
copyright = "the skgd developers"  # no year: the output does not depend on the date
version = release = skgd.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "skgd_docs",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "README.md", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"

# -- API reference ----------------------------------------------------------

autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # numpydoc docstrings already state the types
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False  # autodoc lists the members
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- Links to other projects' documentation ----------------------------------

# The links go to each project's online documentation; the inventories of
# the objects the pages name are files in _intersphinx/ (relative to this
# folder), written by _intersphinx/make_inventories.py, so the build reads
# them instead of downloading the projects' objects.inv. sphinx-gallery also
# links the names in the examples' code through them.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3/", "_intersphinx/python.inv"),
    "numpy": ("https://numpy.org/doc/stable/", "_intersphinx/numpy.inv"),
    "scipy": ("https://docs.scipy.org/doc/scipy/", "_intersphinx/scipy.inv"),
    "sklearn": ("https://scikit-learn.org/stable/", "_intersphinx/sklearn.inv"),
    "pandas": ("https://pandas.pydata.org/docs/", "_intersphinx/pandas.inv"),
    "dask": ("https://docs.dask.org/en/stable/", "_intersphinx/dask.inv"),
    "distributed": (
        "https://distributed.dask.org/en/stable/",
        "_intersphinx/distributed.inv",
    ),
}

# -- Example gallery ---------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # every script is executed, so the figures in the pages are real
    "filename_pattern": r".*\.py$",
    "ignore_pattern": r"__init__\.py|(^|/)output/",
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "remove_config_comments": True,
    "doc_module": ("skgd",),
    # backreferences by defining module (skgd.linear_model.GDClassifier), the
    # names under which the API reference documents every object
    "prefer_full_module": {r"skgd\..*"},
    "backreferences_dir": "gen_modules/backreferences",
    # deterministic pages: no run times in the pages or in a timing report
    "min_reported_time": float("inf"),
    "write_computation_times": False,
    "show_memory": False,
    "show_signature": False,
    "download_all_examples": True,
}

# -- HTML --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skgd {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
html_last_updated_fmt = None


# -- Hooks -------------------------------------------------------------------


def skip_metadata_routing(app, what, name, obj, skip, options):
    """Leave out scikit-learn's metadata-routing methods.

    scikit-learn adds ``get_metadata_routing`` and the generated
    ``set_{method}_request`` methods to every estimator; they are documented
    by scikit-learn, and their docstrings refer to its own user guide.
    """
    if name == "get_metadata_routing" or (
        name.startswith("set_") and name.endswith("_request")
    ):
        return True
    return None


_SKLEARN_XREF = re.compile(r":(?:ref|term|doc):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


def plain_sklearn_references(app, what, name, obj, options, lines):
    """Render scikit-learn's cross-references in inherited docstrings as text.

    Inherited methods such as ``score`` and ``get_params`` keep scikit-learn's
    docstrings, whose ``:ref:`` and ``:term:`` targets are sections and
    glossary entries of scikit-learn's user guide; the offline inventory in
    ``_intersphinx/`` holds only the objects skgd's pages name, so these are
    shown as plain text instead.
    """
    if getattr(obj, "__module__", "").startswith("sklearn"):
        lines[:] = [_SKLEARN_XREF.sub(lambda m: m[1] or m[2], line) for line in lines]


def setup(app):
    app.connect("autodoc-skip-member", skip_metadata_routing)
    app.connect("autodoc-process-docstring", plain_sklearn_references)
