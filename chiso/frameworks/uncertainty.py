"""The uncertainty spec of a framework: which assumptions vary in a ranking, and how; frameworks layer.

Plain data (pydantic, frozen), loadable from a YAML-shaped mapping, usually a file
`<framework>.uncertainty.yaml` beside the framework (see chiso.frameworks.loader). Each entry of
`factors` is one assumption: the Monte Carlo analysis varies them all at once, the sensitivity
analysis measures each one's share of the rank changes. Imports only pydantic and chiso.errors.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chiso.errors import InvalidInput, Problem
from chiso.frameworks.schema import TOTAL, Aggregation, Framework, Node

#: Fill policies a `missing` factor may choose between (history-based ones need other periods).
MissingChoice = Literal["zero", "full", "exclude", "null_excluded", "group_mean"]
#: Rules a `normalisation` factor may switch between: both map a value to 0..max within the peer group.
NormalisationChoice = Literal["minmax", "percentile"]
#: Rules whose input is a measured value that a `measurement` factor may perturb.
MEASURED_RULES = ("ratio", "capped_linear", "fraction", "step_bands", "minmax", "percentile")


class _Factor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: A label for tables (default: kind and targets).
    name: str = ""


class WeightsFactor(_Factor):
    """The weights of the children of some parents: each child's weight (its max under a sum parent,
    its `weight` under a mean) is multiplied by a factor and the children rescaled so the parent keeps
    its max. `uniform`: factor 1 + spread x u, u uniform on [-1, 1]; `dirichlet`: the children's
    shares drawn from a Dirichlet with alpha = concentration x nominal share."""

    kind: Literal["weights"] = "weights"
    parents: list[str] = Field(default_factory=list)  # empty: every parent, TOTAL included
    distribution: Literal["uniform", "dirichlet"] = "uniform"
    spread: float = Field(default=0.2, gt=0, lt=1)
    concentration: float = Field(default=50.0, gt=0)


class AggregationFactor(_Factor):
    """The aggregation of some nodes, one method drawn per replication for all of them."""

    kind: Literal["aggregation"] = "aggregation"
    nodes: list[str] = Field(min_length=1)
    methods: list[Aggregation] = Field(min_length=1)


class NormalisationFactor(_Factor):
    """The normalisation of group-relative leaves (minmax or percentile), one per replication."""

    kind: Literal["normalisation"] = "normalisation"
    leaves: list[str] = Field(default_factory=list)  # empty: every minmax / percentile leaf
    methods: list[NormalisationChoice] = Field(min_length=1)


class MissingFactor(_Factor):
    """The policy for cells without data, one per replication for all the listed leaves."""

    kind: Literal["missing"] = "missing"
    leaves: list[str] = Field(default_factory=list)  # empty: every scored leaf
    policies: list[MissingChoice] = Field(min_length=1)
    #: Which cells lack data: missing values, zero denominators, or both.
    cells: Literal["missing", "zero_denominator", "both"] = "both"


class AssessorFactor(_Factor):
    """Assessors' points off by up to +-points (uniform, independent per agency and criterion)."""

    kind: Literal["assessor"] = "assessor"
    leaves: list[str] = Field(default_factory=list)  # empty: every assessor leaf
    points: float = Field(gt=0)


class MeasurementFactor(_Factor):
    """Measured values with a stated error: value + error x u (or value x (1 + error x u) when
    `relative`), u uniform on [-1, 1], independent per agency and criterion, kept in the rule's range."""

    kind: Literal["measurement"] = "measurement"
    leaves: list[str] = Field(min_length=1)
    error: float = Field(gt=0)
    relative: bool = False


Factor = Annotated[
    WeightsFactor
    | AggregationFactor
    | NormalisationFactor
    | MissingFactor
    | AssessorFactor
    | MeasurementFactor,
    Field(discriminator="kind"),
]


class UncertaintySpec(BaseModel):
    """Which assumptions vary, how many replications, the seed and the sampling."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    factors: list[Factor] = Field(min_length=1)
    replications: int = Field(default=1000, ge=16, le=1_000_000)
    seed: int = Field(default=0, ge=0)
    #: `sobol`: scrambled Sobol' points (quasi-random); `random`: pseudo-random uniforms.
    sampling: Literal["sobol", "random"] = "sobol"

    @model_validator(mode="after")
    def _names(self) -> UncertaintySpec:
        names = [label(f, i) for i, f in enumerate(self.factors)]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"factor names repeat / tên yếu tố bị trùng: {', '.join(repeated)}")
        return self


def label(factor: _Factor, index: int) -> str:
    """Return the factor's name, or `kind` with its targets (or its position) when it has none."""
    if factor.name:
        return factor.name
    targets = (
        getattr(factor, "parents", None) or getattr(factor, "nodes", None) or getattr(factor, "leaves", None)
    )
    kind = str(getattr(factor, "kind", "factor"))
    return f"{kind}:{','.join(targets)}" if targets else f"{kind}#{index + 1}"


def uncertainty_from_dict(
    raw: Any, framework: Framework | None = None, *, file: str | None = None
) -> UncertaintySpec:
    """Validate plain data as an uncertainty spec (and, given the framework, check its codes).

    Raises:
        InvalidInput: every problem, located by field.
    """
    if not isinstance(raw, dict):
        raise InvalidInput(
            "Đặc tả bất định phải là một ánh xạ YAML (factors, replications, seed)",
            "An uncertainty spec must be a YAML mapping (factors, replications, seed)",
        )
    try:
        spec = UncertaintySpec.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(
                f"{'.'.join(str(p) for p in err['loc'])}: giá trị không hợp lệ ({err['msg']})",
                f"{'.'.join(str(p) for p in err['loc'])}: invalid value ({err['msg']})",
                file=file,
            )
            for err in exc.errors()
        ]
        raise InvalidInput(
            "Đặc tả bất định không hợp lệ", "The uncertainty spec is not valid", problems
        ) from exc
    if framework is not None:
        problems = check_uncertainty(spec, framework, file=file)
        if problems:
            raise InvalidInput(
                f"Đặc tả bất định không khớp khung {framework.id}",
                f"The uncertainty spec does not fit framework {framework.id}",
                problems,
            )
    return spec


def check_uncertainty(
    spec: UncertaintySpec, framework: Framework, *, file: str | None = None
) -> list[Problem]:
    """Check the spec's codes against the framework: nodes exist, leaves carry a rule the factor fits,
    and no node or leaf is claimed twice by factors of the same kind."""
    nodes = {node.code: node for node, _ in framework.walk()}
    nodes[TOTAL] = framework.root()
    problems: list[Problem] = []
    claimed: dict[tuple[str, str], str] = {}

    def bad(where: str, vi: str, en: str) -> None:
        problems.append(Problem(f"{where}: {vi}", f"{where}: {en}", file=file, field=where))

    for index, factor in enumerate(spec.factors):
        name = label(factor, index)
        where = f"factors[{index}] ({name})"
        for code in targets(factor, framework):
            node = nodes.get(code)
            if node is None:
                bad(where, f"không có nút '{code}' trong khung", f"no node '{code}' in the framework")
                continue
            reason = _misfit(factor, node)
            if reason is not None:
                bad(where, f"'{code}' {reason[0]}", f"'{code}' {reason[1]}")
            key = (factor.kind, code)
            if factor.kind != "measurement" and key in claimed:
                bad(
                    where,
                    f"'{code}' đã thuộc yếu tố {claimed[key]}",
                    f"'{code}' already belongs to {claimed[key]}",
                )
            claimed.setdefault(key, name)
    return problems


def targets(factor: _Factor, framework: Framework) -> list[str]:
    """Return the node codes a factor acts on, its defaults expanded (e.g. every assessor leaf)."""
    listed = list(
        getattr(factor, "parents", None) or getattr(factor, "nodes", None) or getattr(factor, "leaves", [])
    )
    if listed:
        return listed
    kind = getattr(factor, "kind", "")
    if kind == "weights":
        return [TOTAL] + [node.code for node, _ in framework.walk() if not node.is_leaf]
    rule_types = {"normalisation": ("minmax", "percentile"), "assessor": ("assessor",)}.get(kind)
    leaves = framework.leaves()
    if rule_types is not None:
        return [leaf.code for leaf in leaves if leaf.rule is not None and leaf.rule.type in rule_types]
    return [leaf.code for leaf in leaves if _scored(leaf)]


def _scored(leaf: Node) -> bool:
    return (
        leaf.rule is not None
        and leaf.rule.type not in ("monitoring", "bonus_penalty")
        and bool(leaf.max_points)
    )


def _misfit(factor: _Factor, node: Node) -> tuple[str, str] | None:
    """Return why a factor cannot act on this node (Vietnamese, English), or None."""
    kind = getattr(factor, "kind", "")
    rule = None if node.rule is None else node.rule.type
    if kind in ("weights", "aggregation"):
        return ("là tiêu chí lá, không có nút con", "is a leaf: it has no children") if node.is_leaf else None
    if not node.is_leaf:
        return ("không phải tiêu chí lá", "is not a leaf criterion")
    allowed = {
        "normalisation": ("minmax", "percentile"),
        "assessor": ("assessor",),
        "measurement": MEASURED_RULES,
    }.get(kind)
    if allowed is not None and rule not in allowed:
        return (
            f"có quy tắc {rule}, cần {' / '.join(allowed)}",
            f"has rule {rule}, needs {' / '.join(allowed)}",
        )
    if kind == "missing" and not _scored(node):
        return (f"có quy tắc {rule}, không chấm điểm", f"has rule {rule}: it is not scored")
    return None


def default_uncertainty(framework: Framework) -> UncertaintySpec:
    """Return the spec used when a framework has none: every weight +-20 % (uniform), cells without
    data scored zero or excluded, and assessors' points +-1 where the framework has assessor leaves."""
    factors: list[dict[str, Any]] = [
        {"kind": "weights", "name": "weights", "spread": 0.2},
        {"kind": "missing", "name": "missing", "policies": ["zero", "exclude"]},
    ]
    if any(leaf.rule is not None and leaf.rule.type == "assessor" for leaf in framework.leaves()):
        factors.append({"kind": "assessor", "name": "assessor", "points": 1.0})
    return uncertainty_from_dict({"factors": factors}, framework)
