"""Pydantic in/out models of the units room: administrative units and lineage, agencies and groups.

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


# ---- agencies and peer groups ---------------------------------------------------------------


class AgencyOut(BaseModel):
    """An agency as pages and the JSON API show it."""

    code: str
    name_vi: str
    name_en: str | None = None
    kind: str
    province_code: str
    parent_code: str | None = None
    parent_name: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None  # exclusive end


class HistoryLink(BaseModel):
    """One step of an agency's history: `predecessor_code` became (part of) `successor_code`."""

    predecessor_code: str
    predecessor_name: str
    successor_code: str
    successor_name: str
    kind: str  # rename | merge | split
    effective_on: date
    depth: int  # 1 = a direct link of the agency, 2 = one step further, ...
    note: str = ""


class AgencyHistory(BaseModel):
    """An agency with every predecessor and successor, transitively, oldest first."""

    agency: AgencyOut
    predecessors: list[HistoryLink] = []
    successors: list[HistoryLink] = []


class GroupOut(BaseModel):
    """A peer group of one province and period, with its members' codes in Vietnamese name order."""

    province_code: str
    period: str
    code: str
    name_vi: str
    name_en: str | None = None
    member_codes: list[str] = []
