"""The documentation: it builds without warnings, and what it shows is right.

- The Sphinx build (warnings are errors) of a copy of ``docs/`` and
  ``examples/``, so the checkout is left untouched: the gallery runs every
  example, and its pages and figures must exist.
- Every public class and function is in the API reference.
- The ``>>>`` examples of the hand-written pages run as doctests.
- Intersphinx reads local inventories only (the build downloads nothing),
  and those inventories are current.
"""

import ast
import doctest
import importlib
import importlib.util
import inspect
import os
import pkgutil
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import sklearn

import skgd

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
GENERATED = ("_build", "auto_examples", "gen_modules", "sg_execution_times.rst")


def _build_env(figures_dir):
    env = dict(os.environ)
    env.update(
        MPLBACKEND="Agg",
        SKGD_EXAMPLES_OUTPUT=str(figures_dir),
        # see tests/test_examples.py: no BLAS threads on top of test workers
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


def test_docs_build_with_gallery(tmp_path):
    for module in ("sphinx", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme"):
        pytest.importorskip(module)
    pytest.importorskip("matplotlib")
    source = tmp_path / "docs"
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns(*GENERATED))
    shutil.copytree(
        EXAMPLES, tmp_path / "examples", ignore=shutil.ignore_patterns("output")
    )
    html = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q"]
    proc = subprocess.run(
        [*command, "-b", "html", str(source), str(html)],
        env=_build_env(tmp_path / "figures"),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"sphinx failed:\n{proc.stderr[-6000:]}"

    for page in ("index", "getting_started", "api", "user_guide/optimizers"):
        assert (html / f"{page}.html").is_file(), f"{page}.html missing"
    assert (html / "gen_modules" / "skgd.optimizers.Adam.html").is_file()
    gallery = html / "auto_examples"
    assert (gallery / "index.html").is_file()
    for script in sorted(EXAMPLES.glob("*.py")):
        assert (gallery / f"{script.stem}.html").is_file(), f"no page for {script}"
    figures = sorted((html / "_images").glob("sphx_glr_*.png"))
    figures = [png for png in figures if "thumb" not in png.name]
    assert figures, "the gallery produced no figure"
    assert all(png.stat().st_size > 5_000 for png in figures)

    # intersphinx links to the other projects' online documentation, from
    # the text and from the names in the examples' code
    external = {
        "user_guide/preprocessing.html": "https://scikit-learn.org/stable/"
        "modules/generated/sklearn.pipeline.Pipeline.html",
        "user_guide/training.html": "https://docs.scipy.org/doc/scipy/"
        "reference/generated/scipy.sparse.csr_matrix.html",
        "user_guide/dask.html": "https://docs.dask.org/en/stable/"
        "generated/dask.array.Array.html",
        "auto_examples/plot_regression_real_data.html": "https://numpy.org/doc/"
        "stable/reference/generated/numpy.exp.html",
    }
    for page, url in external.items():
        assert url in (html / page).read_text(encoding="utf-8"), f"{url} in {page}"


def _public_modules():
    names = ["skgd"]
    for info in pkgutil.iter_modules(skgd.__path__):
        if not info.name.startswith("_"):
            names.append(f"skgd.{info.name}")
    return [importlib.import_module(name) for name in names]


def test_api_reference_lists_every_public_class_and_function():
    """Each public name appears in api.rst under its defining module."""
    api = (DOCS / "api.rst").read_text()
    missing = []
    for module in _public_modules():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants are documented in the user guide's tables
            # listed under its defining module, or under the package itself
            # when that module is private
            defining = obj.__module__.removeprefix("skgd.")
            private = defining.startswith("_")
            entry = obj.__name__ if private else f"{defining}.{obj.__name__}"
            if f"   {entry}\n" not in api:
                missing.append(f"{module.__name__}.{name}")
    assert not missing, f"add to docs/api.rst: {missing}"


PAGES = sorted(
    page
    for page in DOCS.rglob("*.rst")
    if not set(page.relative_to(DOCS).parts) & set(GENERATED)
    and ">>>" in page.read_text()
)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_examples_run(page):
    # a page may switch scikit-learn's global configuration (metadata routing
    # in preprocessing.rst): restore it even when an example fails
    with sklearn.config_context():
        result = doctest.testfile(
            str(page),
            module_relative=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
            verbose=False,
        )
    assert result.failed == 0, f"{result.failed} doctest failures in {page.name}"


# -- intersphinx --------------------------------------------------------------


def _conf_assignments():
    """The literal assignments of docs/conf.py, read without running it."""
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    values[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    pass  # not a literal
    return values


def _make_inventories():
    path = DOCS / "_intersphinx" / "make_inventories.py"
    spec = importlib.util.spec_from_file_location("make_inventories", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_intersphinx_reads_local_inventories_only():
    """No inventory is downloaded: each one is a file in docs/_intersphinx."""
    conf = _conf_assignments()
    assert "sphinx.ext.intersphinx" in conf["extensions"]
    mapping = conf["intersphinx_mapping"]
    assert {"python", "numpy", "scipy", "sklearn", "dask"} <= set(mapping)
    projects = _make_inventories().PROJECTS
    for key, (target, inventory) in mapping.items():
        # a None or a URL as the inventory would make Sphinx fetch objects.inv
        assert isinstance(inventory, str), f"{key}: give a local inventory file"
        assert "://" not in inventory, f"{key}: {inventory} would be downloaded"
        assert (DOCS / inventory).is_file(), f"{key}: {inventory} missing"
        assert target.startswith("https://"), f"{key}: links go online"
        assert target == projects[key][2], f"{key}: URL differs from the script's"


def _inventory_entries(data):
    _, _, body = data.partition(b"compressed using zlib.\n")
    return set(zlib.decompress(body).decode().splitlines())


def test_intersphinx_inventories_are_current():
    """The shipped inventories hold every name the documentation uses.

    The names come from the pages, the examples and skgd's docstrings, as
    make_inventories.py finds them; the methods it adds for the examples'
    code links depend on the installed versions and are not compared.
    """
    for package in ("sklearn", "numpy", "scipy", "pandas", "dask", "distributed"):
        pytest.importorskip(package)
    script = _make_inventories()
    missing = {}
    for key, (entries, _) in script.inventories(methods=False).items():
        path = DOCS / "_intersphinx" / f"{key}.inv"
        shipped = _inventory_entries(path.read_bytes()) if path.is_file() else set()
        wanted = _inventory_entries(script.inventory_bytes(key, entries))
        if wanted - shipped:
            missing[path.name] = sorted(wanted - shipped)
    assert not missing, (
        f"run .venv/bin/python docs/_intersphinx/make_inventories.py: {missing}"
    )


def test_intersphinx_inventories_load_in_sphinx():
    inventory = pytest.importorskip("sphinx.util.inventory")
    for path in sorted((DOCS / "_intersphinx").glob("*.inv")):
        loaded = inventory.InventoryFile.loads(path.read_bytes(), uri="https://x/")
        assert loaded.data, f"{path.name} is empty"
    sklearn_inventory = DOCS / "_intersphinx" / "sklearn.inv"
    loaded = inventory.InventoryFile.loads(
        sklearn_inventory.read_bytes(), uri="https://scikit-learn.org/stable/"
    )
    item = loaded.data["py:class"]["sklearn.pipeline.Pipeline"]
    assert item.uri == (
        "https://scikit-learn.org/stable/modules/generated/"
        "sklearn.pipeline.Pipeline.html#sklearn.pipeline.Pipeline"
    )
