"""Read YAML text within bounds: size, nesting depth and aliases; frameworks layer, imports nothing of chiso.

`yaml.safe_load` builds no objects from tags, but it still follows every alias: a 1 KB "billion
laughs" file (eight levels of nine aliases each) is a small graph whose walk, by a validator or a
JSON writer, visits 43 million values, and 10,000 nested brackets end in a RecursionError.
Frameworks and custom metric files are small and hand-written, so anything past these bounds is
refused as a YAML error that names the line, like any other YAML mistake.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_CHARS = 2_000_000
MAX_DEPTH = 64
MAX_ALIASES = 1_000
#: Nodes of the document with every alias written out (what a validator walking it would visit).
MAX_NODES = 500_000


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and nesting while it composes the document."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML is untyped
        mark: Any = event.start_mark
        if isinstance(event, AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise ComposerError(
                    None, None, f"more than {MAX_ALIASES} aliases (*name); write them out", mark
                )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_NODES:
            raise ComposerError(
                None,
                None,
                f"more than {MAX_NODES:,} values once its aliases are written out",
                node.start_mark,
            )
        return node


def _expanded_size(node: Node, sizes: dict[int, int]) -> int:
    """Count the nodes of `node` with aliases written out; shared nodes are counted once each (memo).

    Recursion is bounded by MAX_DEPTH, which the composer already enforced.
    """
    if id(node) not in sizes:
        if isinstance(node, SequenceNode):
            size = 1 + sum(_expanded_size(child, sizes) for child in node.value)
        elif isinstance(node, MappingNode):
            size = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
        else:
            size = 1
        sizes[id(node)] = min(size, MAX_NODES + 1)
    return sizes[id(node)]


def load_bounded_yaml(text: str) -> Any:
    """Parse one YAML document like `yaml.safe_load`, refusing text past the bounds above.

    Raises:
        yaml.YAMLError: malformed YAML, or more than MAX_CHARS characters, MAX_DEPTH levels,
            MAX_ALIASES aliases or MAX_NODES values with aliases written out (a ComposerError with
            the line of the offending node).
    """
    if len(text) > MAX_CHARS:
        raise yaml.YAMLError(f"the text has {len(text):,} characters, more than {MAX_CHARS:,}")
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
