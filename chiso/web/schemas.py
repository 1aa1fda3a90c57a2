"""Pydantic models of the web's own pages (home, account); domain pages use their room's schemas.

Web layer; these are the JSON twins' response models, built once and rendered as HTML or JSON.
"""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, Field

from chiso.clock import LocalDatetime, TypedDay
from chiso.flows.home import HomePanels
from chiso.units.schemas import AgencyOut, GroupOut, HistoryLink, LineageOut, UnitOut


class Link(BaseModel):
    """A link offered to the viewer."""

    label_vi: str
    label_en: str
    href: str
    action: str


class ViewerOut(BaseModel):
    """Who is logged in (or a guest), with the actions their role allows."""

    authenticated: bool
    username: str | None = None
    full_name: str | None = None
    role: str
    agency_code: str | None = None
    agency_name: str | None = None
    province_code: str | None = None
    session_expires_at: LocalDatetime | None = None
    actions: list[str] = Field(default_factory=list)


class HomePage(BaseModel):
    """The home page: what chiso is and where the viewer can go."""

    name: str = "chiso"
    version: str
    description_vi: str
    description_en: str
    viewer: ViewerOut
    links: list[Link]
    panels: HomePanels | None = None  # what the role sees first (chiso.flows.home)


class ActionOut(BaseModel):
    """One named action and the roles allowed to perform it."""

    action: str
    description_vi: str
    description_en: str
    roles: list[str]


def blank_to_none(value: object) -> object:
    """HTML forms send "" for an unset filter; treat it as absent."""
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


Blank = BeforeValidator(blank_to_none)
F = TypeVar("F", bound=BaseModel)
T = TypeVar("T", bound=BaseModel)


class UnitFilters(BaseModel):
    """Filters of the units list (query parameters)."""

    q: Annotated[Annotated[str, Field(max_length=200)] | None, Blank] = None
    province_code: Annotated[Annotated[str, Field(max_length=10)] | None, Blank] = None
    level: Annotated[Literal["province", "district", "commune"] | None, Blank] = None
    on: Annotated[TypedDay | None, Blank] = None
    page: int = Field(1, ge=1)
    page_size: int = Field(100, ge=1, le=1000)


class ListPage(BaseModel, Generic[F, T]):
    """One page of a list, with the filters that produced it."""

    filters: F
    total: int
    page: int
    pages: int
    items: list[T]


class UnitListPage(ListPage[UnitFilters, UnitOut]):
    """One page of the units list, with the filters that produced it."""


class AgencyFilters(BaseModel):
    """Filters of the agencies list (query parameters)."""

    q: Annotated[Annotated[str, Field(max_length=200)] | None, Blank] = None
    kind: Annotated[Literal["department", "central", "district", "commune", "other"] | None, Blank] = None
    group: Annotated[Annotated[str, Field(max_length=60)] | None, Blank] = None
    province_code: Annotated[Annotated[str, Field(max_length=10)] | None, Blank] = None
    on: Annotated[TypedDay | None, Blank] = None
    page: int = Field(1, ge=1)
    page_size: int = Field(100, ge=1, le=1000)


class AgencyListPage(ListPage[AgencyFilters, AgencyOut]):
    """One page of the agencies list, with the filters that produced it."""


class AgencyDetail(BaseModel):
    """One agency: parent, administrative unit, validity, groups, history and the unit's lineage."""

    agency: AgencyOut
    predecessors: list[HistoryLink]
    successors: list[HistoryLink]
    groups: list[GroupOut]
    unit_lineage: LineageOut | None = None


class ImportResult(BaseModel):
    """What an agencies import did (or would do, for a dry run)."""

    ok: bool = True
    file: str
    rows: int
    created: list[str]
    updated: list[str]
    unchanged: int
    links_added: int
    links_removed: int
    groups_created: list[str]
    members_added: int
    members_removed: int
    dry_run: bool
