"""The main menu: flat for a role with few links, in drop-down groups for one with many, nothing lost."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from chiso.web.permissions import is_allowed
from chiso.web.rendering import NAV, NAV_FLAT_MAX, NAV_GROUPS, NavItem, nav_menus


def _links(html: str) -> list[str]:
    nav = html.split('<nav aria-label="Điều hướng chính">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)"', nav)


def test_every_link_a_role_may_follow_is_in_its_menu_once(
    client: TestClient, login: Callable[[str], str]
) -> None:
    for role in ("secretariat", "leader", "reporter", "assessor"):
        login(role)
        html = client.get("/agencies").text
        expected = [item.href for item in NAV if is_allowed(role, item.action)]
        assert sorted(_links(html)) == sorted(expected), role
        grouped = len(expected) > NAV_FLAT_MAX
        assert ('class="navmenu"' in html) is grouped, role


def test_the_group_of_the_current_page_is_marked(client: TestClient, login: Callable[[str], str]) -> None:
    login("secretariat")
    html = client.get("/agencies").text
    group = html.split('<summary class="current">', 1)[1].split("</summary>", 1)[0]
    assert group == "Danh mục, quản trị"
    assert '<a href="/agencies" aria-current="page">' in html


def test_anonymous_visitors_get_a_flat_menu(client: TestClient) -> None:
    html = client.get("/units?level=province").text
    assert "navmenu" not in html and "/units" in _links(html)


def test_groups_keep_the_nav_order_and_short_lists_stay_flat() -> None:
    items = [NavItem(f"l{i}", f"/x{i}", "view-home", NAV_GROUPS[i % 2]) for i in range(NAV_FLAT_MAX + 1)]
    menus = nav_menus(items)
    assert [m.label_vi for m in menus] == list(NAV_GROUPS[:2])
    assert sum(len(m.items) for m in menus) == len(items)
    assert all(m.label_vi == "" for m in nav_menus(items[:NAV_FLAT_MAX]))
    assert all(item.group in NAV_GROUPS or item.group == "" for item in NAV)
