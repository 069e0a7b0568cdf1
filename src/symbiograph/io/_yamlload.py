"""A YAML loader for scenarios: bounded, strict about keys, and literal about scalars.

Unlike ``yaml.safe_load`` it

- refuses aliases that would repeat more than YAML_MAX_ALIAS_NODES nodes ("billion laughs")
  and recursive aliases, and nesting deeper than YAML_MAX_DEPTH, before building anything;
- refuses a key given twice in one mapping (``year: 2024`` then ``year: 2025``);
- reads only ``true``/``false`` as booleans, only decimal numbers as numbers, and never a
  date or a time: ``no``, ``0123``, ``1:30`` and ``2024-01-05`` stay text, so a text field
  gets what was written and a number field refuses them with the cell named;
- keeps the written text of every number (``35.30`` stays "35.30" in a text field).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from symbiograph.io._limits import YAML_MAX_ALIAS_NODES, YAML_MAX_DEPTH

__all__ = ["YamlFloat", "YamlInt", "load_scenario_yaml"]


class YamlInt(int):
    """An integer read from YAML that remembers how it was written."""

    source: str


class YamlFloat(float):
    """A float read from YAML that remembers how it was written."""

    source: str


_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9]+[eE][-+]?[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_MERGE = re.compile(r"^(?:<<)$")


class _ScenarioLoader(yaml.SafeLoader):
    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 (PyYAML looks it up on the class)

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._open_anchors: set[str] = set()
        self._alias_nodes = 0
        self._sizes: dict[int, int] = {}

    def _expanded_size(self, node: Node) -> int:
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._expanded_size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            size += sum(self._expanded_size(k) + self._expanded_size(v) for k, v in node.value)
        self._sizes[id(node)] = size
        return size

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            anchor = event.anchor
            if anchor in self._open_anchors:
                raise ComposerError(
                    None,
                    None,
                    f"alias *{anchor} refers to a node that contains it",
                    mark,
                )
            if anchor in self.anchors:
                self._alias_nodes += self._expanded_size(self.anchors[anchor])
                if self._alias_nodes > YAML_MAX_ALIAS_NODES:
                    raise ComposerError(
                        None,
                        None,
                        f"aliases repeat more than {YAML_MAX_ALIAS_NODES:,} nodes "
                        "(the limit on alias expansion)",
                        mark,
                    )
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > YAML_MAX_DEPTH:
            raise ComposerError(
                None,
                None,
                f"lists and mappings are nested deeper than {YAML_MAX_DEPTH} levels "
                "(the limit on nesting)",
                mark,
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.discard(anchor)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[tuple[str, str], Any] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        raise ConstructorError(
                            "while reading a mapping",
                            node.start_mark,
                            f"the key {key_node.value!r} is given twice (first on line "
                            f"{seen[key].line + 1})",
                            key_node.start_mark,
                        )
                    seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _construct_int(loader: _ScenarioLoader, node: ScalarNode) -> YamlInt:
    text = str(loader.construct_scalar(node))
    try:
        value = YamlInt(text)
    except ValueError as error:  # an explicit !!int tag on text that is not one
        raise ConstructorError(
            None, None, f"{text!r} is not an integer", node.start_mark
        ) from error
    value.source = text
    return value


def _construct_float(loader: _ScenarioLoader, node: ScalarNode) -> YamlFloat:
    text = str(loader.construct_scalar(node))
    try:
        number = float(loader.construct_yaml_float(node))
    except ValueError as error:
        raise ConstructorError(None, None, f"{text!r} is not a number", node.start_mark) from error
    value = YamlFloat(number)
    value.source = text
    return value


for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", _BOOL, "tTfF"),
    ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
    ("tag:yaml.org,2002:float", _FLOAT, "-+0123456789."),
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", _MERGE, "<"),
):
    _ScenarioLoader.add_implicit_resolver(_tag, _pattern, list(_first))
_ScenarioLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_ScenarioLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load_scenario_yaml(text: str, name: str = "<document>") -> Any:
    """Parse one YAML document with the scenario loader (raises yaml.YAMLError when bad);
    ``name`` is the file named in error marks."""
    loader = _ScenarioLoader(text)
    loader.name = name
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
