"""Web test fixtures: a migrated database (per backend) with the real units, a few agencies and one user
per role; a TestClient on the app pointed at it; helpers to log in.

The seed is committed (the app opens its own sessions) and removed when the module ends; every row it
adds has the code prefix "WT." or the username prefix "wt_", so other rooms' rows are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from web_login import open_session

from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.store import session_scope
from chiso.store.models.agencies import Agency, AgencyLink, GroupMember, PeerGroup
from chiso.store.models.audit import AuditEntry
from chiso.store.models.users import User, WebSession
from chiso.units.admin import get_unit
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.agencies import create_agency
from chiso.units.agency_history import link_agencies
from chiso.units.groups import ensure_group, set_group_members
from chiso.web import security
from chiso.web.app import create_app

PASSWORD = "mat-khau-thu-nghiem"
ROLES_WITH_USERS = ("secretariat", "assessor", "reporter", "leader", "public")
GROUP_PERIOD = "2099"  # a period no other room uses, so group filters see only our agencies


@dataclass(frozen=True)
class Seed:
    """What the seed created: the database URL and the username of each role."""

    url: str
    users: dict[str, str]


def _seed(url: str) -> None:
    with session_scope(url) as s:
        hai_chau_district = get_unit(s, code="492", level="district")
        hai_chau_ward = get_unit(s, code="20236", level="commune", on=date(2024, 1, 1))
        snv = create_agency(
            s, actor=SYSTEM,
            code="WT.SNV", name_vi="Sở Nội vụ thử nghiệm", name_en="Test Department of Home Affairs",
            kind="department", province_code="48",
        )  # fmt: skip
        stttt = create_agency(
            s, actor=SYSTEM,
            code="WT.STTTT", name_vi="Sở Thông tin và Truyền thông thử nghiệm", kind="department",
            province_code="48", valid_to=date(2025, 3, 1),
        )  # fmt: skip
        skhcn = create_agency(
            s, actor=SYSTEM,
            code="WT.SKHCN", name_vi="Sở Khoa học và Công nghệ thử nghiệm", kind="department",
            province_code="48", valid_from=date(2025, 3, 1),
        )  # fmt: skip
        link_agencies(
            s, actor=SYSTEM, predecessor=stttt, successor=skhcn, kind="merge", effective_on=date(2025, 3, 1)
        )
        create_agency(
            s, actor=SYSTEM,
            code="WT.UBND.HC", name_vi="UBND quận Hải Châu thử nghiệm", kind="district",
            province_code="48", admin_unit=hai_chau_district, valid_to=date(2025, 7, 1),
        )  # fmt: skip
        create_agency(
            s, actor=SYSTEM,
            code="WT.UBND.P1", name_vi="UBND phường Hải Châu thử nghiệm", kind="commune",
            province_code="48", admin_unit=hai_chau_ward, parent=None, valid_to=date(2025, 7, 1),
        )  # fmt: skip
        group, _ = ensure_group(s, actor=SYSTEM, province_code="48", period=GROUP_PERIOD, code="SBN")
        set_group_members(s, actor=SYSTEM, group=group, agencies=[snv, skhcn])
        for role in ROLES_WITH_USERS:
            create_user(
                s,
                username=f"wt_{role}",
                full_name=f"Người thử {role}",
                password=PASSWORD,
                role=role,
                agency_id=snv.id if role == "reporter" else None,
                province_code="48",
            )


def _cleanup(url: str) -> None:
    with session_scope(url) as s:
        user_ids = list(s.scalars(select(User.id).where(User.username.like("wt\\_%", escape="\\"))))
        agency_ids = list(s.scalars(select(Agency.id).where(Agency.code.like("WT.%"))))
        s.execute(delete(WebSession).where(WebSession.user_id.in_(user_ids)))
        s.execute(delete(AuditEntry).where(AuditEntry.user_id.in_(user_ids)))
        s.execute(delete(AuditEntry).where(AuditEntry.object_id.like("wt-%")))
        s.execute(
            delete(AuditEntry).where(
                AuditEntry.action.like("user.login%"),
                AuditEntry.object_id.like("wt\\_%", escape="\\") | AuditEntry.object_id.like("nobody%"),
            )
        )
        s.execute(delete(User).where(User.id.in_(user_ids)))
        s.execute(delete(GroupMember).where(GroupMember.agency_id.in_(agency_ids)))
        s.execute(delete(PeerGroup).where(PeerGroup.period == GROUP_PERIOD))
        s.execute(
            delete(AgencyLink).where(
                AgencyLink.predecessor_id.in_(agency_ids) | AgencyLink.successor_id.in_(agency_ids)
            )
        )
        s.execute(delete(Agency).where(Agency.id.in_(agency_ids), Agency.parent_id.is_not(None)))
        s.execute(delete(Agency).where(Agency.id.in_(agency_ids)))


@pytest.fixture(scope="module")
def seed(store_url: str) -> Iterator[Seed]:
    """Load the units (once per database), then add our agencies, group and users; remove them after."""
    ensure_units_loaded(store_url, actor=SYSTEM)
    _cleanup(store_url)  # a crashed earlier run may have left rows behind
    _seed(store_url)
    try:
        yield Seed(url=store_url, users={role: f"wt_{role}" for role in ROLES_WITH_USERS})
    finally:
        _cleanup(store_url)


@pytest.fixture
def client(seed: Seed, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """Return a TestClient on a fresh app that uses the seeded database (500s come back as responses)."""
    monkeypatch.setenv("CHISO_DATABASE_URL", seed.url)
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def open_session_for(seed: Seed, role: str) -> tuple[str, str]:
    """Open a server-side session for the role's user directly; return (cookie token, CSRF token)."""
    return open_session(seed.url, seed.users[role])


@pytest.fixture
def login(client: TestClient, seed: Seed) -> Callable[[str], str]:
    """Return `login(role)`: put a fresh session of that role's user in the client; returns its CSRF token."""

    def _login(role: str) -> str:
        token, csrf = open_session_for(seed, role)
        client.cookies.set(security.SESSION_COOKIE, token)
        return csrf

    return _login


def form_token(html: str) -> str:
    """Return the csrf_token hidden field of a rendered form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no csrf_token field"
    return match.group(1)


@pytest.fixture
def login_form(client: TestClient) -> Callable[..., httpx.Response]:
    """Return `login_form(username, password=PASSWORD, next_url="/")`: log in through the real form."""

    def _post(username: str, password: str = PASSWORD, next_url: str = "/") -> httpx.Response:
        page = client.get("/login")
        data = {
            "username": username,
            "password": password,
            "next": next_url,
            "csrf_token": form_token(page.text),
        }
        return client.post("/login", data=data, follow_redirects=False)

    return _post


@pytest.fixture
def anon_token(client: TestClient) -> Callable[[], str]:
    """Return a function giving the anonymous (double-submit) CSRF token of the client's cookie."""
    return lambda: form_token(client.get("/login").text)
