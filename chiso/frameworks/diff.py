"""What changed between two versions of a framework, criterion by criterion; frameworks layer (pure).

Imports only chiso.errors from chiso. Nodes are matched first by an explicit `previous_code` on the
newer version (a renamed code), then by equal codes; the resulting mapping old code -> new code is
what year-on-year comparisons per criterion use (`FrameworkDiff.comparable`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from chiso.frameworks.schema import TOTAL, Framework, Node, node_max

ChangeKind = Literal[
    "added",
    "removed",
    "recoded",
    "renamed",
    "reweighted",
    "moved",
    "rule_changed",
    "entry_changed",
    "applies_changed",
]
#: Vietnamese and English names of each kind of change.
CHANGE_LABELS: dict[str, tuple[str, str]] = {
    "added": ("thêm mới", "added"),
    "removed": ("bỏ", "removed"),
    "recoded": ("đổi mã", "code changed"),
    "renamed": ("đổi tên", "renamed"),
    "reweighted": ("đổi điểm, trọng số", "re-weighted"),
    "moved": ("chuyển chỉ số cha", "moved"),
    "rule_changed": ("đổi cách chấm", "rule changed"),
    "entry_changed": ("đổi đơn vị, khoảng nhập", "unit or range changed"),
    "applies_changed": ("đổi đối tượng áp dụng", "agency kinds changed"),
}
#: Changes after which a criterion's points are not comparable with the year before.
_BREAKS_POINTS = {"reweighted", "rule_changed", "applies_changed"}
_RANGE = {"value_min", "value_max"}


@dataclass(frozen=True)
class Change:
    """One change of one node; `code` is its code in the newer version (the older one when removed)."""

    kind: ChangeKind
    code: str
    old_code: str | None
    is_leaf: bool
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class FrameworkDiff:
    """The changes from `old` to `new` (both `id@version`), and how their nodes correspond."""

    old: str
    new: str
    #: Old code -> new code of every node present in both versions.
    mapping: dict[str, str]
    changes: tuple[Change, ...]
    #: Framework settings that differ: name -> (before, after).
    settings: dict[str, tuple[Any, Any]]

    def comparable(self) -> dict[str, str]:
        """Return new code -> old code of the criteria whose points compare year on year.

        A criterion is comparable when it exists in both versions with the same max points, weight,
        rule and agency kinds (a new code or name, a move or a new unit of entry do not matter).
        """
        broken = {c.code for c in self.changes if c.kind in _BREAKS_POINTS}
        leaves = {c.code for c in self.changes if c.kind == "added" or not c.is_leaf}
        return {new: old for old, new in self.mapping.items() if new not in broken and new not in leaves}

    def to_dict(self) -> dict[str, Any]:
        """Return the diff as plain data (for --json and the API)."""
        return {
            "old": self.old,
            "new": self.new,
            "mapping": self.mapping,
            "changes": [asdict(c) for c in self.changes],
            "settings": {k: list(v) for k, v in self.settings.items()},
        }


def _index(framework: Framework) -> dict[str, tuple[Node, str]]:
    return {node.code: (node, path[-2] if len(path) > 1 else TOTAL) for node, path in framework.walk()}


def _match(old: dict[str, tuple[Node, str]], new: dict[str, tuple[Node, str]]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for code, (node, _) in new.items():
        previous = node.previous_code
        if previous is not None and previous in old and previous not in mapping:
            mapping[previous] = code
    taken = set(mapping.values())
    for code in new:
        if code in old and code not in mapping and code not in taken:
            mapping[code] = code
    return mapping


def _scoring(node: Node) -> dict[str, Any]:
    rule = {k: v for k, v in node.rule.describe().items() if k not in _RANGE} if node.rule else None
    return {"rule": rule, "missing": node.missing}


def _entry(node: Node) -> dict[str, Any]:
    rule = node.rule
    return {
        "unit": node.entry_unit if node.is_leaf else None,
        "value_min": rule.value_min if rule else None,
        "value_max": rule.value_max if rule else None,
    }


def _pair_changes(
    old: Node, new: Node, old_parent: str, new_parent: str, mapping: dict[str, str]
) -> list[Change]:
    """Return the changes of one node present in both versions."""
    found: list[tuple[ChangeKind, Any, Any]] = []
    if old.code != new.code:
        found.append(("recoded", old.code, new.code))
    if (old.name_vi, old.name_en) != (new.name_vi, new.name_en):
        found.append(("renamed", old.name_vi, new.name_vi))
    weights = (
        {"max_points": node_max(old), "weight": old.weight},
        {"max_points": node_max(new), "weight": new.weight},
    )
    if weights[0] != weights[1]:
        found.append(("reweighted", *weights))
    if mapping.get(old_parent, old_parent) != new_parent:
        found.append(("moved", old_parent, new_parent))
    if new.is_leaf and _scoring(old) != _scoring(new):
        found.append(("rule_changed", _scoring(old), _scoring(new)))
    if new.is_leaf and _entry(old) != _entry(new):
        found.append(("entry_changed", _entry(old), _entry(new)))
    if old.agency_kinds != new.agency_kinds:
        found.append(("applies_changed", old.agency_kinds, new.agency_kinds))
    return [Change(kind, new.code, old.code, new.is_leaf, before, after) for kind, before, after in found]


def diff_frameworks(old: Framework, new: Framework) -> FrameworkDiff:
    """Compare two versions of a framework criterion by criterion.

    Args:
        old: the earlier version.
        new: the later version; its nodes may name their former code in `previous_code`.

    Returns:
        The mapping between the versions and every change: added, removed, recoded (code changed),
        renamed, reweighted (max points or weight), moved (parent changed), rule_changed (rule,
        parameters or missing-value policy), entry_changed (unit or plausible range),
        applies_changed (agency kinds). Changes follow the newer version's order; removals last.
    """
    before, after = _index(old), _index(new)
    mapping = _match(before, after)
    reverse = {n: o for o, n in mapping.items()}
    changes: list[Change] = []
    for code, (node, parent) in after.items():
        if code not in reverse:
            changes.append(
                Change(
                    "added", code, None, node.is_leaf, None, {"max_points": node_max(node), "parent": parent}
                )
            )
            continue
        old_node, old_parent = before[reverse[code]]
        changes.extend(_pair_changes(old_node, node, old_parent, parent, mapping))
    for code, (node, parent) in before.items():
        if code not in mapping:
            changes.append(
                Change("removed", code, code, node.is_leaf, {"max_points": node_max(node), "parent": parent})
            )
    settings = {
        name: (_plain(getattr(old, name)), _plain(getattr(new, name)))
        for name in Framework.model_fields
        if name not in ("nodes", "id", "version") and getattr(old, name) != getattr(new, name)
    }
    return FrameworkDiff(
        f"{old.id}@{old.version}", f"{new.id}@{new.version}", mapping, tuple(changes), settings
    )


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else value
