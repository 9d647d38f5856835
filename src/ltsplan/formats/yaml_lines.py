"""YAML read safely, with the line of every mapping and of each of its keys' values.

``LineLoader`` is PyYAML's safe loader with two changes: every mapping is a ``LineMapping`` (a dict
that knows its own line, the line of each key's value, and the keys given twice), and timestamps stay
text. YAML would otherwise turn ``2024-01-31`` into a date before any of our checks ran, and a
date-shaped value that is no date (``2024-13-01``) would stop the whole file with an exception instead
of being reported at its record and field like any other bad value; the readers parse dates
themselves. ``load`` reports a YAML syntax error as a problem at its line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ltsplan.errors import Problem
from ltsplan.formats.text import (
    BOM,
    MAX_DEPTH,
    TOO_DEEP,
    escaped_surrogate_line,
    line_at,
    tree_problem,
    utf8_problem,
)

# More brackets opened in a row than MAX_DEPTH: a flow collection nested too deep to be a document.
DEEP_FLOW = re.compile(rf"(?:[\[{{]\s*){{{MAX_DEPTH + 1}}}")


class LineMapping(dict[Any, Any]):
    """A mapping that remembers its own line and the line of each key's value (1-based)."""

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.duplicates: list[tuple[str, int]] = []  # (key, line) of each key given again

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


class LineLoader(yaml.SafeLoader):
    """The safe loader, noting lines (mappings are ``LineMapping``) and keeping timestamps as text."""


def _mapping(loader: LineLoader, node: yaml.MappingNode) -> LineMapping:
    loader.flatten_mapping(node)
    result = LineMapping(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            result.duplicates.append((str(key), key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = value_node.start_mark.line + 1
    return result


def _timestamp_as_text(loader: LineLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def yaml_problem(error: yaml.YAMLError, file: str | None) -> Problem:
    """A YAML syntax error as a problem at the line the parser names."""
    mark = getattr(error, "problem_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    return Problem(f"not valid YAML: {reason}", file=file, line=mark.line + 1 if mark is not None else None)


def load(text: str, file: str | None) -> tuple[Any, list[Problem]]:
    """The document (its mappings ``LineMapping``), or ``None`` and the problem that stops reading:
    bad syntax, nesting past ``MAX_DEPTH`` (the parser recurses), an integer too long to read, or
    half of a surrogate pair (``formats.text.tree_problem``)."""
    deep = DEEP_FLOW.search(text)
    if deep is not None:  # refused before PyYAML, whose pure-Python scanner takes seconds to fail
        return None, [Problem(f"not valid YAML: {TOO_DEEP}", file=file, line=line_at(text, deep.start()))]
    try:
        document = yaml.load(text, Loader=LineLoader)  # LineLoader is a SafeLoader
    except yaml.YAMLError as error:
        return None, [yaml_problem(error, file)]
    except RecursionError:
        return None, [Problem(f"not valid YAML: {TOO_DEEP}", file=file)]
    except ValueError as error:  # an integer of more digits than Python reads
        return None, [Problem(f"not valid YAML: {error}".split(";")[0], file=file)]
    problem = tree_problem(document)
    if problem is not None:
        line = escaped_surrogate_line(text) if "surrogate" in problem else None
        return None, [Problem(f"not valid YAML: {problem}", file=file, line=line)]
    return document, []


def load_file(path: Path) -> tuple[Any, list[Problem]]:
    """``load`` on a UTF-8 file (a byte-order mark is allowed); text that is not UTF-8 is a problem."""
    data = path.read_bytes().removeprefix(BOM)
    problem = utf8_problem(data, str(path))
    if problem is not None:
        return None, [problem]
    return load(data.decode("utf-8"), str(path))
