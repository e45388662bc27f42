"""Write the intersphinx inventories that the documentation build reads offline.

The build must not download anything, so ``conf.py`` points intersphinx at
the online documentation of each project (where the links go) and at a
small inventory file in this folder (which Sphinx reads instead of the
project's own ``objects.inv``). Each inventory holds the objects of that
project the skgd documentation names:

- dotted names such as ``sklearn.pipeline.Pipeline`` written anywhere in
  the hand-written pages (``docs/**/*.rst``), the examples and skgd's
  docstrings (roles like ``:class:`~sklearn.pipeline.Pipeline```, numpydoc
  "See Also" entries);
- the names the examples import and the attribute chains they use on them
  (``np.random.RandomState``, ``CalibrationDisplay.from_estimator``), which
  sphinx-gallery links to their documentation in the example code;
- the public methods of the scikit-learn classes found above (for
  sphinx-gallery's links on ``scaler.transform`` and the like), and a few
  types the examples' variables hold (``numpy.ndarray``, ...).

Every name is imported to find what it is (module, class, function, method,
data) and gets the address that project's documentation gives it. A name
that does not import, or that is private, is left out and listed.

Run it after adding references to other projects' objects (the test suite
checks that the files are current)::

    .venv/bin/python docs/_intersphinx/make_inventories.py
"""

import argparse
import ast
import importlib
import inspect
import re
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent
ROOT = DOCS.parent
# folders of docs/ that the build generates: they repeat the sources
GENERATED = {"_build", "auto_examples", "gen_modules", "_templates", "_intersphinx"}

# key of ``intersphinx_mapping`` -> (project, top-level packages, online docs)
PROJECTS = {
    "python": (
        "Python",
        ("copy", "io", "os", "pathlib", "pickle", "tempfile", "time", "warnings"),
        "https://docs.python.org/3/",
    ),
    "numpy": ("NumPy", ("numpy",), "https://numpy.org/doc/stable/"),
    "scipy": ("SciPy", ("scipy",), "https://docs.scipy.org/doc/scipy/"),
    "sklearn": ("scikit-learn", ("sklearn",), "https://scikit-learn.org/stable/"),
    "pandas": ("pandas", ("pandas",), "https://pandas.pydata.org/docs/"),
    "dask": ("Dask", ("dask",), "https://docs.dask.org/en/stable/"),
    "distributed": (
        "Dask.distributed",
        ("distributed",),
        "https://distributed.dask.org/en/stable/",
    ),
}
# types of the examples' variables, linked by sphinx-gallery
EXTRA_NAMES = (
    "numpy.ndarray",
    "numpy.float64",
    "scipy.sparse.csr_matrix",
    "scipy.optimize.OptimizeResult",
    "pandas.DataFrame",
    "pandas.Series",
    "dask.array.Array",
    "dask.dataframe.DataFrame",
    "sklearn.utils.Bunch",
)
_PACKAGES = {pkg: key for key, (_, pkgs, _) in PROJECTS.items() for pkg in pkgs}
_ALTERNATIVES = "|".join(sorted(_PACKAGES, key=len, reverse=True))
_DOTTED = re.compile(rf"(?<![\w.])(?:{_ALTERNATIVES})(?:\.[A-Za-z_]\w*)+")


# -- what is a name ------------------------------------------------------------


def _import(name):
    """The object a dotted name names, and how many of its parts are modules."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj, cut
    raise ImportError(name)


def _resolve(name):
    """``(kind, module name, class name or None)`` of a dotted name, or None.

    ``kind`` is the Sphinx object type: module, class, exception, function,
    method, attribute or data.
    """
    parts = name.split(".")
    if any(part.startswith("_") for part in parts):
        return None
    try:
        obj, cut = _import(name)
        parent = _import(".".join(parts[:-1]))[0] if len(parts) > 1 else None
    except Exception:  # noqa: BLE001 (no such name, or a failing descriptor)
        return None
    module_name = ".".join(parts[:cut])
    if inspect.ismodule(obj):
        return "module", name, None
    if inspect.isclass(parent):
        kind = "method" if callable(obj) else "attribute"
        return kind, module_name, ".".join(parts[:-1])
    if not inspect.ismodule(parent):
        return None  # an attribute of an instance, e.g. os.environ.get
    if inspect.isclass(obj):
        is_exception = issubclass(obj, BaseException)
        return ("exception" if is_exception else "class"), module_name, None
    return ("function" if callable(obj) else "data"), module_name, None


# -- where each project documents it -------------------------------------------


def _uri_python(name, kind, module, cls):
    if kind == "module":
        return f"library/{name}.html#module-{name}"
    return f"library/{module}.html#{name}"


_NUMPY_PAGES = {
    "numpy": "reference/index.html#module-numpy",
    "numpy.random": "reference/random/index.html#module-numpy.random",
    "numpy.linalg": "reference/routines.linalg.html#module-numpy.linalg",
    "numpy.random.RandomState": "reference/random/legacy.html#$",
    "numpy.random.Generator": "reference/random/generator.html#$",
    "numpy.random.default_rng": "reference/random/generator.html#$",
}


def _uri_numpy(name, kind, module, cls):
    if name in _NUMPY_PAGES:
        return _NUMPY_PAGES[name]
    if kind == "module":
        return None
    if cls in ("numpy.random.RandomState", "numpy.random.Generator"):
        return f"reference/random/generated/{name}.html#$"
    if kind == "data":  # nan, inf, pi, newaxis, ...
        return "reference/constants.html#$"
    numpy = importlib.import_module("numpy")
    obj = _import(name)[0]
    if inspect.isclass(obj) and issubclass(obj, numpy.generic):
        return "reference/arrays.scalars.html#$"  # float64, int32, ...
    if module == "numpy" and kind == "function":
        # an alias such as numpy.abs is documented under its own name
        page = f"numpy.{obj.__name__}"
        if getattr(numpy, obj.__name__, None) is obj and page != name:
            return f"reference/generated/{page}.html#{page}"
    return f"reference/generated/{name}.html#$"


def _uri_scipy(name, kind, module, cls):
    if kind == "module":
        return f"reference/{name.removeprefix('scipy.')}.html#module-{name}"
    return f"reference/generated/{name}.html#$"


def _uri_sklearn(name, kind, module, cls):
    if kind == "module":
        # one page per subpackage of the API reference
        return f"api/{name}.html#module-{name}" if name.count(".") == 1 else None
    return f"modules/generated/{cls or name}.html#$"


def _uri_pandas(name, kind, module, cls):
    return None if kind == "module" else f"reference/api/{name}.html#$"


def _uri_dask(name, kind, module, cls):
    if kind == "module":
        return None
    if module == "dask":  # dask.compute, dask.persist, ...
        return "api.html#$"
    return f"generated/{name}.html#$"


# what the API page of distributed documents (docs/source/api.rst)
_DISTRIBUTED_API = {
    "Client",
    "Future",
    "LocalCluster",
    "SpecCluster",
    "as_completed",
    "wait",
    "fire_and_forget",
    "futures_of",
    "get_client",
    "get_worker",
    "worker_client",
    "performance_report",
}


def _uri_distributed(name, kind, module, cls):
    documented = (cls or name).split(".")[1] in _DISTRIBUTED_API
    return "api.html#$" if kind != "module" and documented else None


URI_RULES = {
    "python": _uri_python,
    "numpy": _uri_numpy,
    "scipy": _uri_scipy,
    "sklearn": _uri_sklearn,
    "pandas": _uri_pandas,
    "dask": _uri_dask,
    "distributed": _uri_distributed,
}


# -- which names the documentation uses --------------------------------------


def _docstrings(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(
            node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            doc = ast.get_docstring(node)
            if doc:
                yield doc


def _imported_names(source):
    """Dotted names of the objects a script imports and the chains it uses."""
    tree = ast.parse(source)
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    names = set()
    for node in ast.walk(tree):
        chain = []
        while isinstance(node, ast.Attribute):
            chain.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in aliases:
            full = [aliases[node.id], *reversed(chain)]
            names.update(".".join(full[:k]) for k in range(1, len(full) + 1))
    return names


def referenced_names():
    """Every dotted name of the mapped projects the documentation sources use."""
    texts = [
        page.read_text(encoding="utf-8")
        for page in DOCS.rglob("*.rst")
        if not set(page.relative_to(DOCS).parts) & GENERATED
    ]
    names = set(EXTRA_NAMES)
    for script in sorted((ROOT / "examples").glob("*.py")):
        source = script.read_text(encoding="utf-8")
        texts.append(source)
        names |= _imported_names(source)
    for module in sorted((ROOT / "skgd").rglob("*.py")):
        texts.extend(_docstrings(module))
    for text in texts:
        names.update(_DOTTED.findall(text))
    return {name for name in names if name.split(".")[0] in _PACKAGES}


def _public_methods(class_name):
    """Public methods of a class that its own project defines (and documents)."""
    cls = _import(class_name)[0]
    package = class_name.split(".")[0]
    for name in dir(cls):
        if name.startswith("_"):
            continue
        try:
            member = getattr(cls, name)
        except Exception:  # noqa: BLE001, S112 (a descriptor that needs an instance)
            continue
        owner = next(klass for klass in cls.__mro__ if name in vars(klass))
        if inspect.isroutine(member) and owner.__module__.startswith(package):
            yield f"{class_name}.{name}"


# classes whose methods sphinx-gallery may link (``scaler.transform``,
# ``rng.normal``), besides every scikit-learn class
_WITH_METHODS = ("numpy.random.RandomState", "numpy.random.Generator")


def inventories(methods=True):
    """``{key: (sorted entries, skipped names)}``; an entry is (name, type, uri).

    ``methods=False`` leaves out the methods added for sphinx-gallery's links
    (which depend on the installed versions), keeping the names the sources
    use.
    """
    names = referenced_names()
    for name in sorted(names) if methods else ():
        resolved = _resolve(name)
        is_class = resolved is not None and resolved[0] == "class"
        if is_class and (name.startswith("sklearn.") or name in _WITH_METHODS):
            names.update(_public_methods(name))
    result = {key: ([], []) for key in PROJECTS}
    for name in sorted(names):
        key = _PACKAGES[name.split(".")[0]]
        entries, skipped = result[key]
        resolved = _resolve(name)
        uri = URI_RULES[key](name, *resolved) if resolved else None
        if uri is None:
            skipped.append(name)
        else:
            entries.append((name, f"py:{resolved[0]}", uri))
    return result


def inventory_bytes(key, entries):
    """The inventory file: Sphinx's version-2 format, one line per entry."""
    project = PROJECTS[key][0]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: stable\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(f"{name} {kind} 1 {uri} -\n" for name, kind, uri in entries)
    return header.encode() + zlib.compress(body.encode(), 9)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--verbose", action="store_true", help="list the names left out"
    )
    args = parser.parse_args(argv)
    for key, (entries, skipped) in inventories().items():
        path = HERE / f"{key}.inv"
        path.write_bytes(inventory_bytes(key, entries))
        print(f"{path.relative_to(ROOT)}: {len(entries)} entries")
        if args.verbose and skipped:
            print("  left out:", ", ".join(skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
