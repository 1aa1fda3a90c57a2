"""Acceptance (issue 18): the secretariat builds a dashboard in the browser, the leader opens it on a phone.

A site of its own served by `chiso serve`: the real units, a department, a secretariat and a leader, three
catalogue indicators with a year of monthly values per commune and a target (written straight into the
store; the catalogue and value entry are other rooms' work). The secretariat opens "Bảng điều khiển" from
the menu, builds a dashboard of three items (a tile, a line chart, a ranking) chosen by indicator name with
a period filter, shares it with leaders and saves; the leader opens it at 390 px: the items stack in one
column, nothing scrolls sideways, the period filter moves every item. Screenshots go to
test-artifacts/screenshots/ (dashboard-builder-1400.png, dashboard-saved-1400.png, dashboard-leader-390.png).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dashboard_fixtures import add_indicator, put, target
from demo_site import SCREENSHOTS, log_in, nav_link

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.indicators.periods import label_vi, period_of, shift
from chiso.store import init_database, session_scope
from chiso.units.admin import list_units
from chiso.units.admin_load import ensure_units_loaded
from chiso.units.agencies import create_agency
from chiso.web.launch import served

pytestmark = pytest.mark.browser
PASSWORD = "mat-khau-trinh-duyet-2026"
TITLE = "Dịch vụ công tháng này"


def _seed(url: str) -> None:
    init_database(url)
    ensure_units_loaded(url, actor=SYSTEM)
    with session_scope(url) as s:
        create_agency(s, actor=SYSTEM, code="TD.SO", name_vi="Sở thử", kind="department", province_code="48")
        long_name = "Ban Quản lý các Khu công nghệ cao và các Khu công nghiệp thành phố Đà Nẵng (thử)"
        create_agency(s, actor=SYSTEM, code="TD.BQL", name_vi=long_name, kind="central", province_code="48")
        create_user(s, username="td_vanthu", full_name="Văn thư", password=PASSWORD, role="secretariat")
        create_user(s, username="td_lanhdao", full_name="Lãnh đạo", password=PASSWORD, role="leader")
        add_indicator(s, "TD_HS", name_vi="Hồ sơ tiếp nhận")
        add_indicator(
            s, "TD_TL", name_vi="Tỷ lệ hồ sơ trực tuyến", value_type="percent", aggregation="mean", unit="%"
        )
        add_indicator(
            s, "TD_DH", name_vi="Tỷ lệ đúng hạn", value_type="percent", aggregation="mean", unit="%"
        )
        communes = list_units(s, province_code="48", level="commune", on=clock.today(), order="code")[:12]
        now = period_of(clock.today(), "month")
        for back in range(12):
            month = shift(now, -back)
            for n, unit in enumerate(communes):
                put(s, "TD_HS", unit.code, month, 100 + 10 * n + back)
                put(s, "TD_TL", unit.code, month, 40 + 4 * n - back)
                put(s, "TD_DH", unit.code, month, 80 + n % 5)
        target(s, "TD_TL", clock.today().year, 60)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("dashboards-browser") / "var"
    data_dir.mkdir(parents=True)
    url = f"sqlite:///{data_dir / 'chiso.db'}"
    _seed(url)
    env = {**os.environ, "CHISO_DATA_DIR": str(data_dir), "CHISO_DATABASE_URL": url}
    with served(env, data_dir / "serve.log", timeout_s=240) as base:
        yield base


def _fill_item(page: Any, n: int, kind: str, indicator: str, width: str) -> None:
    row = page.locator(f"#row-{n}")
    row.locator(f"select[name='items-{n}-kind']").select_option(kind)
    row.locator(f"select[name='items-{n}-indicators']").select_option(label=indicator)
    row.locator(f"select[name='items-{n}-w']").select_option(label=width)


def _build(browser: Any, server: str) -> str:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, server, "td_vanthu", PASSWORD)
    with page.expect_navigation():
        nav_link(page, "/dashboards").click()
    with page.expect_navigation():
        page.get_by_text("Dựng bảng mới").click()
    page.fill("input[name=title_vi]", TITLE)
    period = period_of(clock.today(), "month")
    page.fill("input[name=period]", period)
    page.check("input[name=roles][value=leader]")
    _fill_item(page, 0, "tile", "Tỷ lệ hồ sơ trực tuyến", "1/3")
    _fill_item(page, 1, "line", "Hồ sơ tiếp nhận", "2/3")
    page.locator("select[name='items-1-h']").select_option("2")
    _fill_item(page, 2, "ranking", "Tỷ lệ đúng hạn", "1/1")
    page.locator("select[name='items-2-h']").select_option("3")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-builder-1400.png"), full_page=True)
    with page.expect_navigation(url=lambda u: "/dashboards/" in u and "/new" not in u):
        page.click("form.dboard-builder button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text() == TITLE
    items = page.locator(".dboard-grid > .dboard-item")
    assert items.count() == 3
    assert page.locator(".kind-tile .dboard-value strong").inner_text().endswith("%")
    assert page.locator(".kind-line svg polyline").count() >= 1
    assert page.locator(".kind-ranking tbody tr").count() >= 12
    assert page.locator("select[name=period]").input_value() == period  # the saved filter
    boxes = [items.nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"]  # side by side on a desktop
    page.screenshot(path=str(SCREENSHOTS / "dashboard-saved-1400.png"), full_page=True)
    address = page.url.split("?")[0]
    assert errors == []
    context.close()
    return address


def test_the_secretariat_builds_a_dashboard_and_a_leader_opens_it_on_a_phone(
    server: str, browser: Any, tmp_path: Path
) -> None:
    address = _build(browser, server)
    phone = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    log_in(page, server, "td_lanhdao", PASSWORD)
    page.goto(f"{server}/dashboards")
    with page.expect_navigation():
        page.get_by_role("link", name=TITLE).click()
    assert page.url.split("?")[0] == address
    items = page.locator(".dboard-grid > .dboard-item")
    assert items.count() == 3
    boxes = [items.nth(i).bounding_box() for i in range(3)]
    for box in boxes:
        assert box["x"] < 40 and box["width"] > 300  # one column, full width
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]  # stacked in reading order
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # nothing scrolls sideways
    page.screenshot(path=str(SCREENSHOTS / "dashboard-leader-390.png"), full_page=True)
    before = page.locator(".kind-tile .dboard-period").inner_text()
    earlier = shift(period_of(clock.today(), "month"), -3)
    page.select_option("select[name=period]", earlier)
    with page.expect_navigation():
        page.click("form.dboard-filters button[type=submit]")
    shown = label_vi(earlier)  # "T9/2026"
    assert shown in page.locator(".kind-tile .dboard-period").inner_text() != before
    assert shown in page.locator(".kind-line .dboard-period").inner_text()
    assert shown in page.locator(".kind-ranking .dboard-period").inner_text()
    phone.close()
