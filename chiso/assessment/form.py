"""The self-assessment form derived from a framework: one section per pillar, one field per criterion.

Domain layer: reads chiso.frameworks objects (never writes); imports nothing from web, cli or store.
Each leaf's scoring rule decides the field type: yes/no, number, ratio (numerator and denominator),
choice, or points (given against evidence and confirmed by the assessor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from chiso.config import get_settings
from chiso.errors import InvalidInput
from chiso.frameworks import load_framework

FIELD_KINDS = ("yesno", "number", "ratio", "choice", "points")


@dataclass(frozen=True)
class Criterion:
    """One field of the form (a framework leaf)."""

    code: str
    name_vi: str
    name_en: str
    section_code: str
    section_name_vi: str
    section_name_en: str
    kind: str  # one of FIELD_KINDS
    rule: str  # the framework's rule type, shown to the user
    max_points: float
    unit: str = "number"  # how people type the value (chiso.frameworks.entry): percent, fraction, count...
    guidance_vi: str = ""
    guidance_en: str = ""
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    required: bool = True
    computed: bool = False
    source: str | None = None  # where a computed value comes from ("monitoring")
    agency_kinds: tuple[str, ...] = ()  # empty: applies to every agency kind
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)  # the rule's parameters

    def applies_to(self, agency_kind: str | None) -> bool:
        return not self.agency_kinds or agency_kind is None or agency_kind in self.agency_kinds


@dataclass(frozen=True)
class Section:
    """One pillar of the form with its criteria."""

    code: str
    name_vi: str
    name_en: str
    criteria: tuple[Criterion, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Form:
    """The whole form of a framework version."""

    framework_id: str
    framework_version: str
    decimals: int
    sections: tuple[Section, ...]

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for s in self.sections for c in s.criteria)

    def criteria_for(self, agency_kind: str | None) -> tuple[Criterion, ...]:
        """Return the criteria that apply to agencies of this kind (all when None)."""
        return tuple(c for c in self.criteria if c.applies_to(agency_kind))

    def criterion(self, code: str) -> Criterion:
        for c in self.criteria:
            if c.code == code:
                return c
        raise InvalidInput(
            f"Tiêu chí {code} không có trong bộ chỉ số {self.framework_id}",
            f"Criterion {code} is not in framework {self.framework_id}",
        )

    def codes(self) -> set[str]:
        return {c.code for c in self.criteria}


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if not isinstance(obj, dict) and getattr(obj, name, None) is not None:
            return getattr(obj, name)
    return default


def _children(node: Any) -> list[Any]:
    return list(_get(node, "children", "nodes", default=[]) or [])


def _rule_type(rule: Any) -> str:
    if rule is None:
        return ""
    if isinstance(rule, str):
        return rule
    return str(_get(rule, "type", "kind", "name", "method", default="") or "")


def _params(rule: Any) -> Any:
    if rule is None or isinstance(rule, str):
        return {}
    return _get(rule, "params", "parameters", default=rule)


def _kind_for(rule_type: str, params: Any) -> str:
    t = rule_type.lower().replace("-", "_")
    if t in ("yes_no", "yesno", "boolean", "bool", "binary"):
        return "yesno"
    if "choice" in t or "option" in t or _get(params, "choices", "options") is not None:
        return "choice"
    if "ratio" in t:
        return "ratio"
    if t in ("assessor", "bonus_penalty") or "manual" in t:
        return "points"
    return "number"


def _choices(params: Any) -> tuple[str, ...]:
    raw = _get(params, "choices", "options")
    if raw is None:
        return ()
    if isinstance(raw, dict):
        return tuple(str(k) for k in raw)
    out = []
    for item in raw:
        label = _get(item, "label", "value", "code", default=item) if not isinstance(item, str) else item
        out.append(str(label))
    return tuple(out)


def _bounds(kind: str, rule_type: str, params: Any, max_points: float) -> tuple[float | None, float | None]:
    if kind == "points":
        low = float(_get(params, "min_points", default=0.0) or 0.0)
        return min(low, 0.0), max_points
    if kind in ("number", "ratio"):
        lo, hi = _get(params, "value_min"), _get(params, "value_max")
        return (None if lo is None else float(lo)), (None if hi is None else float(hi))
    return None, None


def _is_computed(framework: Any, node: Any) -> tuple[bool, str | None]:
    src = _get(node, "source", "value_source", default=None)
    text = str(src) if src is not None else None
    return (text is not None and text.lower() not in ("reported", "manual", "self", "form")), text


def _describe(rule: Any) -> dict[str, Any]:
    if rule is None or isinstance(rule, str):
        return {"type": rule} if rule else {}
    describe = getattr(rule, "describe", None)
    if callable(describe):
        return dict(describe())
    return dict(rule) if isinstance(rule, dict) else {}


def build_form(framework: Any) -> Form:
    """Derive the form of a framework: sections are the top-level nodes, fields their leaves.

    Monitoring-only leaves (max 0 points) stay on the form as optional fields. Values computed by
    monitoring are marked read-only per agency when they are stored (see computed.set_computed_values);
    a leaf may also declare a `source` itself.
    """
    roots = list(_get(framework, "nodes", default=[]) or []) or _children(framework)
    sections: list[Section] = []

    def leaves(node: Any, kinds: tuple[str, ...]) -> list[tuple[Any, tuple[str, ...]]]:
        own = tuple(_get(node, "agency_kinds", default=()) or ())
        if kinds and own:
            kinds = tuple(k for k in kinds if k in own) or ("-",)
        else:
            kinds = kinds or own
        kids = _children(node)
        if not kids:
            return [(node, kinds)]
        return [pair for kid in kids for pair in leaves(kid, kinds)]

    for top in roots:
        name_vi = str(_get(top, "name_vi", "name", default=_get(top, "code")))
        name_en = str(_get(top, "name_en", default=name_vi))
        crits = []
        for leaf, kinds in leaves(top, ()):
            rule = _get(leaf, "rule")
            rtype = _rule_type(rule)
            params = _params(rule)
            kind = _kind_for(rtype, params)
            max_points = float(_get(leaf, "max_points", default=0) or 0)
            lo, hi = _bounds(kind, rtype, params, max_points)
            computed, source = _is_computed(framework, leaf)
            optional = rtype.lower() in ("monitoring", "bonus_penalty") or max_points == 0
            crits.append(
                Criterion(
                    code=str(_get(leaf, "code")),
                    name_vi=str(_get(leaf, "name_vi", "name", default=_get(leaf, "code"))),
                    name_en=str(_get(leaf, "name_en", default=_get(leaf, "name_vi", "name", default=""))),
                    section_code=str(_get(top, "code")),
                    section_name_vi=name_vi,
                    section_name_en=name_en,
                    kind=kind,
                    rule=rtype,
                    max_points=max_points,
                    unit=str(getattr(leaf, "entry_unit", None) or _get(leaf, "unit", default="number")),
                    guidance_vi=str(_get(leaf, "guidance_vi", "guidance", default="") or ""),
                    guidance_en=str(_get(leaf, "guidance_en", default="") or ""),
                    choices=_choices(params),
                    min_value=lo,
                    max_value=hi,
                    required=not (computed or optional),
                    computed=computed,
                    source=source,
                    agency_kinds=kinds,
                    params=_describe(rule),
                )
            )
        sections.append(
            Section(code=str(_get(top, "code")), name_vi=name_vi, name_en=name_en, criteria=tuple(crits))
        )
    return Form(
        framework_id=str(_get(framework, "id", "code", default="")),
        framework_version=str(_get(framework, "version", default="")),
        decimals=int(_get(framework, "decimals", default=2) or 2),
        sections=tuple(sections),
    )


@lru_cache(maxsize=32)
def load_form(framework_id: str) -> tuple[Any, Form]:
    """Load a framework (built-in id, `id@version` of the province's library, or a file) and its form;
    cached: a version a period uses is frozen (chiso.flows.frameworks)."""
    framework = load_framework(framework_id, directory=get_settings().frameworks_dir)
    return framework, build_form(framework)
