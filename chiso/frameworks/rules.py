"""Parameters of the leaf scoring rules (pydantic); frameworks layer, imports only chiso.errors.

The functions that apply the rules live in chiso.scoring.rules; this module only says which rule keys
exist and which parameters each takes, so a framework can be checked without the engine.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: How a missing value (or a zero denominator) is filled. `exclude` drops the leaf and rescales
#: its parent so the parent keeps its max; `null_excluded` publishes the leaf as null and leaves it
#: out of its parent's sum without rescaling (the parent keeps its full max: the 766 portal's rule);
#: `last_period` carries the agency's previous points; `prior_average` takes the mean of its points
#: in all earlier periods.
FillPolicy = Literal[
    "zero", "full", "exclude", "null_excluded", "group_mean", "group_median", "last_period", "prior_average"
]
ZeroDenominator = Literal["zero", "full", "exclude", "null_excluded", "previous", "prior_average"]
FILL_POLICIES: tuple[str, ...] = (
    "zero",
    "full",
    "exclude",
    "null_excluded",
    "group_mean",
    "group_median",
    "last_period",
    "prior_average",
)


class RuleParams(BaseModel):
    """Base of every rule's parameters: the rule key and the accepted range of input values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    value_min: float | None = None
    value_max: float | None = None

    #: Whether the rule reads numerator and denominator (ratio) rather than a single value.
    uses_ratio: bool = Field(default=False, exclude=True)

    def describe(self) -> dict[str, Any]:
        """Return the parameters as plain data for explanations and logs."""
        return self.model_dump(exclude={"uses_ratio"})


class _RateParams(RuleParams):
    """Base of the rules that read a rate or a yes/no: values are accepted from 0 to 1 by default."""

    value_min: float | None = 0.0
    value_max: float | None = 1.0


class YesNoParams(_RateParams):
    """Full points when the value is 1 (yes), none when 0 (no)."""

    type: Literal["yes_no"] = "yes_no"


class CappedLinearParams(_RateParams):
    """points = max x min(1, value / target); e.g. full marks at a rate of 80% (target 0.8)."""

    type: Literal["capped_linear"] = "capped_linear"
    target: float = Field(gt=0)


class Step(BaseModel):
    """One step: values from `min` (inclusive) upwards score `points`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    min: float
    points: float


class StepBandsParams(RuleParams):
    """Value ranges -> points: the highest step whose `min` the value reaches; below the first, 0."""

    type: Literal["step_bands"] = "step_bands"
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _sorted(self) -> StepBandsParams:
        mins = [s.min for s in self.steps]
        if mins != sorted(mins) or len(set(mins)) != len(mins):
            raise ValueError("steps must have strictly increasing `min` / các bậc phải có `min` tăng dần")
        return self


class RatioParams(_RateParams):
    """points = max x min(1, (numerator / denominator) / target), with a zero-denominator policy.

    When a row gives only `value`, it is taken as the ratio itself. ``rounding: portal`` follows the
    766 portal's pipeline: the percentage rounded half up to 2 decimals first, then
    min(max, percentage x max / (target x 100)) in binary floating point, rounded half up on the
    exact binary value to 2 decimals (JavaScript's toFixed): 6 x 93.25 / 100 -> 5.59.
    """

    type: Literal["ratio"] = "ratio"
    target: float = Field(default=1.0, gt=0)
    zero_denominator: Literal["zero", "full", "exclude", "null_excluded", "previous", "prior_average"] = (
        "zero"
    )
    rounding: Literal["exact", "portal"] = "exact"
    uses_ratio: bool = Field(default=True, exclude=True)


class FractionParams(_RateParams):
    """points = value x max for a value on the 0-1 scale (how the DTI publishes its main indices)."""

    type: Literal["fraction"] = "fraction"


class AssessorParams(RuleParams):
    """Points given by an assessor against evidence, 0..max; a comment is required with each score."""

    type: Literal["assessor"] = "assessor"
    require_comment: bool = True


class MinMaxParams(RuleParams):
    """points = max x (value - group min) / (group max - group min) within the peer group and period."""

    type: Literal["minmax"] = "minmax"
    higher_is_better: bool = True
    constant: Literal["full", "half", "zero"] = "full"


class PercentileParams(RuleParams):
    """points = max x percentile rank of the value within the peer group and period (ties averaged)."""

    type: Literal["percentile"] = "percentile"
    higher_is_better: bool = True


class BonusPenaltyParams(RuleParams):
    """Points given directly, negative allowed, bounded by [min_points, node max]; added, never rescaled."""

    type: Literal["bonus_penalty"] = "bonus_penalty"
    min_points: float = 0.0


class MonitoringParams(RuleParams):
    """Shown but not scored: the node's max must be 0 and its points are always 0."""

    type: Literal["monitoring"] = "monitoring"


RULE_PARAMS: dict[str, type[RuleParams]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        YesNoParams,
        CappedLinearParams,
        StepBandsParams,
        RatioParams,
        FractionParams,
        AssessorParams,
        MinMaxParams,
        PercentileParams,
        BonusPenaltyParams,
        MonitoringParams,
    )
}


def parse_rule(raw: Any) -> RuleParams:
    """Turn a rule mapping from YAML into its typed parameters.

    Args:
        raw: a mapping with a `type` key and the rule's parameters, or an already parsed RuleParams.

    Returns:
        The validated parameters.

    Raises:
        ValueError: the rule key is unknown or a parameter is wrong (pydantic reports it with its path).
    """
    if isinstance(raw, RuleParams):
        return raw
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict):
        raise ValueError("a rule is a mapping with a `type` / quy tắc phải có khóa `type`")
    key = raw.get("type")
    cls = RULE_PARAMS.get(str(key))
    if cls is None:
        known = ", ".join(sorted(RULE_PARAMS))
        raise ValueError(f"unknown rule {key!r} / quy tắc không tồn tại; known rules: {known}")
    return cls.model_validate(raw)
