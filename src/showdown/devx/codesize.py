"""Code size of the same model and training step in each framework, measured from the source.

Each framework has an examples module, ``showdown.frameworks.<framework>.examples``, holding the
zoo's workloads written the way a user of that framework would write them, and a literal table
``SOURCES`` naming, per workload, the top-level objects (functions, classes, assignments) that make
up its model, plus ``"train_step"`` for the training step shared by every workload. This module
reads that file with :mod:`ast` and :mod:`tokenize`, never importing it, so no framework is needed.

What is counted, per object (decorators included, imports not):

* ``logical_lines``: statements, i.e. :mod:`tokenize` ``NEWLINE`` tokens whose line holds code
  (a ``def`` or ``class`` header is one; a bracketed call over five lines is one).
* ``tokens``: every token except ``COMMENT``, ``NL``, ``NEWLINE``, ``INDENT``, ``DEDENT``,
  ``ENDMARKER`` and ``ENCODING``.
* Docstrings (a string literal as the first statement of a module, class or function) count for
  neither: they document, they are not code a user needs to write. Comments and blank lines don't
  count either.
* ``lines``: physical non-blank lines, comments and docstrings included, for reference only.

A workload's size is its model objects plus the training-step objects (deduplicated).
"""

from __future__ import annotations

import ast
import importlib.util
import io
import tokenize
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from showdown.errors import ConfigError
from showdown.frameworks.base import contender
from showdown.models.zoo import SIZES, WORKLOADS

TRAIN_STEP = "train_step"
SKIPPED = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
        tokenize.ENCODING,
    }
)
_SCOPES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def measure_text(source: str) -> dict[str, int]:
    """Logical lines, tokens and non-blank physical lines of a piece of Python source.

    Args:
        source: Complete statements (a module, or top-level definitions cut from one).

    Returns:
        ``{"logical_lines": int, "tokens": int, "lines": int}``.

    Raises:
        ConfigError: If ``source`` is not valid Python.
    """
    try:
        tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (SyntaxError, tokenize.TokenError) as exc:
        raise ConfigError(f"cannot measure source that does not parse: {exc}") from exc
    spans = _docstring_spans(tree)
    logical = counted = 0
    line_has_code = False
    for tok in tokens:
        if tok.type == tokenize.NEWLINE:
            logical += line_has_code
            line_has_code = False
        elif tok.type not in SKIPPED and not _inside(tok.start, spans):
            counted += 1
            line_has_code = True
    lines = sum(1 for line in source.splitlines() if line.strip())
    return {"logical_lines": logical, "tokens": counted, "lines": lines}


def _docstring_spans(tree: ast.AST) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, _SCOPES) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                spans.append(((first.lineno, first.col_offset), (first.end_lineno or first.lineno, first.end_col_offset or 0)))
    return spans


def _inside(pos: tuple[int, int], spans: list[tuple[tuple[int, int], tuple[int, int]]]) -> bool:
    return any(start <= pos < end for start, end in spans)


def module_path(module: str) -> Path:
    """The source file of ``module``, found without importing it (its parent packages are imported).

    Raises:
        ConfigError: If the module cannot be found or has no Python source file.
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise ConfigError(f"no Python source for module {module!r}")
    return Path(spec.origin)


def object_sources(module: str, names: Iterable[str]) -> dict[str, str]:
    """The source of each named top-level def, class or assignment of ``module``, read with ast.

    A definition's source starts at its first decorator. Top-level statements start in column 0,
    so whole lines are taken. A name the module imports with an absolute ``from M import name`` is
    read where ``M`` defines it: examples that share code (the Keras contenders' models) count the
    shared definition, once per contender that uses it.

    Args:
        module: Dotted module name; the module itself is not imported.
        names: Names bound at the module's top level.

    Returns:
        Name -> source text, in the order asked.

    Raises:
        ConfigError: If a name is neither defined nor imported at the module's top level.
    """
    return {name: _definition(module, name)[0] for name in names}


def _definition(module: str, name: str) -> tuple[str, ast.stmt]:
    """The source text and ast node defining ``name`` in ``module``, following ``from M import name``."""
    text = module_path(module).read_text(encoding="utf-8")
    body = ast.parse(text).body
    nodes = {bound: node for node in body for bound in _bound_names(node)}
    if name in nodes:
        node = nodes[name]
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        return "".join(text.splitlines(keepends=True)[first - 1 : node.end_lineno]), node
    for node in body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return _definition(node.module, alias.name)
    raise ConfigError(f"{module} defines no top-level {name!r}: choose from {', '.join(sorted(nodes))}")


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def source_table(module: str) -> dict[str, list[str]]:
    """The module's literal ``SOURCES`` table (workload -> object names), read without importing.

    The table may be imported from another module, as any counted object may (see :func:`object_sources`).

    Raises:
        ConfigError: If the module has no literal ``SOURCES`` dict.
    """
    try:
        _, node = _definition(module, "SOURCES")
        table = ast.literal_eval(node.value)  # type: ignore[attr-defined]
    except (ConfigError, AttributeError, ValueError) as exc:
        raise ConfigError(f"{module} has no literal SOURCES table") from exc
    return {str(k): [str(n) for n in v] for k, v in table.items()}


def measure_objects(module: str, names: Iterable[str]) -> dict[str, Any]:
    """Sum of :func:`measure_text` over the named top-level objects of ``module``.

    Returns:
        ``{"logical_lines", "tokens", "lines", "objects"}``; ``objects`` lists the names measured.
    """
    names = list(dict.fromkeys(names))
    sizes = [measure_text(src) for src in object_sources(module, names).values()]
    total = {key: sum(s[key] for s in sizes) for key in ("logical_lines", "tokens", "lines")}
    return {**total, "objects": names}


def examples_module(framework: str) -> str:
    """The dotted name of ``framework``'s examples module."""
    return contender(framework).module("examples")


def code_size(framework: str) -> dict[str, dict[str, Any]]:
    """Code size of each zoo workload's model plus training step, as written in ``framework``.

    Args:
        framework: A known framework name; it need not be installed.

    Returns:
        Workload -> ``{"logical_lines", "tokens", "lines", "objects", "parts"}``, where the totals
        cover model and training step and ``parts`` holds ``"model"`` and ``"train_step"`` apart.

    Raises:
        ConfigError: For an unknown framework, or an examples module lacking a workload.
    """
    module = examples_module(framework)
    table = source_table(module)
    missing = [w for w in (*WORKLOADS, TRAIN_STEP) if w not in table]
    if missing:
        raise ConfigError(f"{module}.SOURCES lacks {', '.join(missing)}")
    step = measure_objects(module, table[TRAIN_STEP])
    out = {}
    for workload in WORKLOADS:
        model = measure_objects(module, table[workload])
        total = measure_objects(module, [*table[workload], *table[TRAIN_STEP]])
        out[workload] = {**total, "parts": {"model": model, TRAIN_STEP: step}}
    return out


def module_kwargs(workload: str, preset: str) -> dict[str, Any]:
    """Constructor arguments of a module-class example (PyTorch's and Flax's examples) at ``preset``'s sizes."""
    size = SIZES[workload][preset]
    shape = size.input_shape
    return {
        "mlp": lambda: {"in_features": shape[0], "hidden": size.width, "depth": size.depth},
        "cnn": lambda: {"in_channels": shape[-1], "width": size.width, "stages": size.depth},
        "lstm": lambda: {"in_features": shape[-1], "hidden": size.width, "num_layers": size.depth},
        "transformer": lambda: {
            "seq_len": shape[0], "in_features": shape[1], "dim": size.width, "depth": size.depth, "heads": size.heads,
        },
    }[workload]()
