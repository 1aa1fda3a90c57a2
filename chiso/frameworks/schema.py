"""The framework document: a tree of nodes with rules, bands and metadata (pydantic); imports only pydantic.

A framework is versioned by `id` and `version`; `family` ties the yearly versions of one index together
so changes are compared within a family. The whole index is the node `TOTAL` (reserved code) whose
children are the top-level `nodes`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, field_validator

from chiso.frameworks.entry import DEFAULT_UNITS, EntryUnit
from chiso.frameworks.rules import FillPolicy, RuleParams, parse_rule

TOTAL = "TOTAL"
#: How a parent combines its children: `sum` of their points; `rounded_sum` of their points each rounded
#: half up to the framework's decimals first (the 766 portal sums rounded metric scores into a group
#: total and rounded group totals into the index); `weighted_mean` / `geometric_mean` of their shares.
Aggregation = Literal["sum", "rounded_sum", "weighted_mean", "geometric_mean"]
SUM_AGGREGATIONS: tuple[str, ...] = ("sum", "rounded_sum")


CODE_PATTERN = r"^[A-Za-z0-9_.\-]+$"
#: Node fields added after frameworks were first published: left out of `content_hash` while they
#: keep their default, so documents stored before them (run logs, snapshots) keep their hash.
LATER_NODE_FIELDS: dict[str, Any] = {
    "unit": None,
    "evidence_vi": [],
    "evidence_en": [],
    "previous_code": None,
    "source": None,
}
#: What a monitoring source adds up over: the assessment period's own dates, or the calendar year
#: the period falls in (a "2026" period and `year` are the same; a "2026-Q3" period and `year` are not).
SourceAggregate = Literal["period", "year"]


class MonitoringSource(BaseModel):
    """Where a leaf's value comes from when monitoring measures it: a metric over the period's dates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: A built-in 766 metric code (TIMELINESS) or a custom metric of the province.
    metric: str = Field(min_length=1, max_length=80, pattern=CODE_PATTERN)
    aggregate: SourceAggregate = "period"

    def __str__(self) -> str:
        return f"monitoring:{self.metric}/{self.aggregate}"


class Node(BaseModel):
    """A pillar, indicator or criterion; a node without children is a leaf and has a rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=80, pattern=CODE_PATTERN)
    name_vi: str
    name_en: str = ""
    guidance_vi: str = ""
    guidance_en: str = ""
    #: Declared max points. For a parent with `sum` aggregation the children's max must add up to it
    #: unless `clip` is set; when absent it is derived from the children.
    max_points: float | None = None
    weight: float = Field(default=1.0, ge=0)
    #: Agency kinds this node applies to (empty: all). For other kinds the node is excluded and its
    #: parent rescaled.
    agency_kinds: list[str] = Field(default_factory=list)
    aggregation: Aggregation = "sum"
    #: Clip the aggregated points to [min_points, max_points] (e.g. 766 payment capped at 10).
    clip: bool = False
    #: Lower bound when clipping (0 unless stated).
    min_points: float = 0.0
    missing: FillPolicy = "zero"
    rule: SerializeAsAny[RuleParams] | None = None
    children: list[Node] = Field(default_factory=list)
    #: How people type the value (leaves only): `percent` (83 means 83%), `fraction` (0..1), `count`,
    #: `money`, `days`, `yes_no`, `points`, `number`. Rates are stored on 0..1 either way; the rule's
    #: value_min / value_max are the plausible range on that scale. None: derived from the rule.
    unit: EntryUnit | None = None
    #: Evidence checklist (minh chứng): one document per item, Vietnamese and (same order) English.
    evidence_vi: list[str] = Field(default_factory=list)
    evidence_en: list[str] = Field(default_factory=list)
    #: The code this node had in the previous version of the framework, when it was renamed; by
    #: default a node is the same criterion as the node with its code in the previous version.
    previous_code: str | None = Field(default=None, min_length=1, max_length=80, pattern=CODE_PATTERN)
    #: The monitoring metric that measures this leaf (leaves only): its value is computed for every
    #: agency and shown read-only on the form instead of typed in.
    source: MonitoringSource | None = None

    @field_validator("rule", mode="before")
    @classmethod
    def _parse_rule(cls, raw: Any) -> Any:
        return None if raw is None else parse_rule(raw)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def entry_unit(self) -> str:
        """Return the unit of entry: the declared `unit`, else the one the rule implies."""
        if self.unit is not None:
            return self.unit
        return DEFAULT_UNITS.get(self.rule.type if self.rule is not None else "", "number")

    @property
    def is_adjustment(self) -> bool:
        """Bonus/penalty leaves are added to their parent and never rescaled."""
        return self.rule is not None and self.rule.type == "bonus_penalty"


class Band(BaseModel):
    """A label for totals in [min, max); `min` None is open below, `max` None open above."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    label_vi: str
    label_en: str = ""
    min: float | None = None
    max: float | None = None


class Framework(BaseModel):
    """An index framework: metadata, the node tree, bands and the publishing rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=80)
    version: str = "1"
    family: str = ""
    year: int | None = None
    name_vi: str
    name_en: str = ""
    decision: str = ""
    effective_from: date | None = None
    effective_to: date | None = None
    description: str = ""
    #: Declared max of the whole index (checked against the top-level nodes unless `clip`).
    max_points: float | None = None
    aggregation: Aggregation = "sum"
    clip: bool = False
    min_points: float = 0.0
    #: Decimals of the published points (rounded half up); ranks and bands use the published figure.
    decimals: int = Field(default=2, ge=0, le=8)
    #: The published index is points / display_divisor (DTI: total / 1000), shown with display_decimals.
    display_divisor: float = Field(default=1.0, gt=0)
    display_decimals: int | None = None
    bands: list[Band] = Field(default_factory=list)
    #: Bands compare the published total itself (`absolute`) or its share of max in % (`percent`).
    band_basis: Literal["absolute", "percent"] = "absolute"
    #: Ties share a rank and the next rank is skipped (1, 2, 2, 4).
    ties: Literal["shared"] = "shared"
    nodes: list[Node] = Field(min_length=1)

    @property
    def key(self) -> str:
        """Return the family used to compare periods (defaults to the id)."""
        return self.family or self.id

    def root(self) -> Node:
        """Return the whole index as the node TOTAL."""
        return Node(
            code=TOTAL,
            name_vi="Tổng điểm",
            name_en="Total",
            max_points=self.max_points,
            aggregation=self.aggregation,
            clip=self.clip,
            min_points=self.min_points,
            children=self.nodes,
        )

    def walk(self) -> Iterator[tuple[Node, tuple[str, ...]]]:
        """Yield every node (TOTAL excluded) in pre-order with its path of codes."""

        def _walk(nodes: list[Node], path: tuple[str, ...]) -> Iterator[tuple[Node, tuple[str, ...]]]:
            for node in nodes:
                here = (*path, node.code)
                yield node, here
                yield from _walk(node.children, here)

        yield from _walk(self.nodes, ())

    def leaves(self) -> list[Node]:
        """Return the leaves in framework order."""
        return [node for node, _ in self.walk() if node.is_leaf]

    def node(self, code: str) -> Node:
        """Return the node with this code (TOTAL for the whole index).

        Raises:
            KeyError: no such node.
        """
        if code == TOTAL:
            return self.root()
        for node, _ in self.walk():
            if node.code == code:
                return node
        raise KeyError(code)

    def content_hash(self) -> str:
        """Return a SHA-256 of the canonical JSON of the framework (stable across YAML formatting)."""
        data = self.model_dump(mode="json")

        def strip(nodes: list[dict[str, Any]]) -> None:
            for node in nodes:
                for name, default in LATER_NODE_FIELDS.items():
                    if node.get(name) == default:
                        node.pop(name, None)
                strip(node["children"])

        strip(data["nodes"])
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def node_max(node: Node) -> float:
    """Return a node's max points: declared, or derived from its children (sum) or 0 for a bare leaf."""
    if node.max_points is not None:
        return float(node.max_points)
    if not node.children:
        return 0.0
    return float(sum(node_max(child) for child in node.children))


def node_min(node: Node) -> float:
    """Return the lowest points a node can take (negative only through penalties)."""
    if node.is_leaf:
        if node.rule is not None and node.rule.type == "bonus_penalty":
            return float(getattr(node.rule, "min_points", 0.0))
        return 0.0
    if node.clip:
        return float(node.min_points)
    if node.aggregation not in SUM_AGGREGATIONS:
        return 0.0
    return float(sum(min(0.0, node_min(child)) for child in node.children))


def fills_null(node: Node) -> bool:
    """Return whether a leaf can be published as null (policy `null_excluded` for missing values or a
    zero denominator)."""
    zero_den = getattr(node.rule, "zero_denominator", None)
    return node.is_leaf and (node.missing == "null_excluded" or zero_den == "null_excluded")
