"""Sphinx directives that pull text from skgd's docstrings into the user guide.

The update rules' and schedules' formulas are written once, in the class
docstrings (which the API reference renders in full). The user guide shows
the same text through these directives instead of a copy that could drift:

``.. skgd-summary:: skgd.optimizers.Adam``
    The summary line and extended summary of the docstring (where the
    formula is), followed by a link to the full reference.

``.. skgd-names:: skgd.optimizers.OPTIMIZER_NAMES``
    A table of the string names an estimator accepts and the object each
    resolves to (with the schedule's ``unit`` for schedules).
"""

import importlib
import inspect

from docutils import nodes
from docutils.statemachine import StringList
from numpydoc.docscrape import NumpyDocString
from sphinx.util.docutils import SphinxDirective


def _import(dotted):
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


class _RstDirective(SphinxDirective):
    """A directive whose output is reStructuredText generated in Python."""

    required_arguments = 1
    has_content = False

    def lines(self):
        raise NotImplementedError

    def run(self):
        container = nodes.container()
        source = f"<{self.name} {self.arguments[0]}>"
        content = StringList(self.lines(), source=source)
        self.state.nested_parse(content, self.content_offset, container)
        return container.children


class SummaryDirective(_RstDirective):
    def lines(self):
        target = self.arguments[0]
        doc = NumpyDocString(inspect.getdoc(_import(target)) or "")
        if not doc["Summary"]:
            raise self.error(f"{target} has no docstring summary")
        role = "func" if inspect.isfunction(_import(target)) else "class"
        return [
            *doc["Summary"],
            "",
            *doc["Extended Summary"],
            "",
            f"Parameters and examples: :{role}:`~{target}`.",
        ]


class NamesDirective(_RstDirective):
    def lines(self):
        names = _import(self.arguments[0])
        module = self.arguments[0].rpartition(".")[0]
        with_unit = any(hasattr(cls, "unit") for cls, _ in names.values())
        header = "   * - name\n     - object"
        rows = [".. list-table::", "   :header-rows: 1", "", *header.splitlines()]
        if with_unit:
            rows.append("     - unit")
        for name, (cls, kwargs) in names.items():
            obj = cls(**kwargs)
            rows += [
                f'   * - ``"{name}"``',
                f"     - :class:`{obj!r} <{module}.{cls.__name__}>`",
            ]
            if with_unit:
                rows.append(f"     - {obj.unit}")
        return rows


def setup(app):
    app.add_directive("skgd-summary", SummaryDirective)
    app.add_directive("skgd-names", NamesDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
