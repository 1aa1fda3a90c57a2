"""Pydantic in/out models of the units room (administrative units, lineage; agencies below).

Plain data shared by the services, the web JSON twins and the CLI `--json`; imports nothing from chiso
except the errors layer.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, computed_field

# ---- administrative units -------------------------------------------------------------------


class UnitOut(BaseModel):
    """One administrative unit over its validity interval (valid_to is exclusive)."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    level: str  # province | district | commune
    name: str
    full_name: str
    unit_type: str
    province_code: str
    parent_code: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def era(self) -> str:
        """Return "current" (no end date) or "legacy" (ended, e.g. on 1 July 2025)."""
        return "legacy" if self.valid_to is not None else "current"


class LineageLink(BaseModel):
    """The unit at the other end of a lineage link, and how the two are related."""

    unit: UnitOut
    kind: str  # same | rename | merge | partial
    is_primary: bool
    effective_on: date


class UnitLineageOut(BaseModel):
    """One unit with what it became (successors) and what it came from (predecessors)."""

    unit: UnitOut
    successors: list[LineageLink] = []
    predecessors: list[LineageLink] = []


class LineageOut(BaseModel):
    """Every unit bearing a code (both eras when the code was kept), each with its lineage."""

    code: str
    level: str | None = None
    units: list[UnitLineageOut] = []
