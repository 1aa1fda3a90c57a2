"""Browser test: the indicator catalogue on the demo, at 1400 and 390 px wide.

A small catalogue is imported through `chiso indicators import` (an online-dossiers share as a formula
over two counts, with a year of commune values), then the secretariat searches the list, bulk-moves two
indicators into a folder, opens the share's page (its chart drawn on the server and its table), and sends
the create form with a formula naming an unknown code: the refusal shows inside the form and what was
typed stays. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from demo_site import SCREENSHOTS, demo_env, run_chiso
from playwright.sync_api import expect
from test_workbench_browser import _login, _sideways  # the demo secretariat's login, as there

from chiso import clock
from chiso.indicators import periods
from chiso.store import session_scope
from chiso.store.models.indicators import IndicatorValue
from chiso.web.launch import served

pytestmark = pytest.mark.browser
SIZES = [(1400, 1000), (390, 844)]
HEADER = ["code", "name_vi", "folder_code", "unit", "value_type", "period_type", "level", "aggregation",
          "source", "formula"]  # fmt: skip
ROWS = [
    ["BT_HS_TONG", "Tổng số hồ sơ tiếp nhận (thử)", "BT_DVC", "hồ sơ", "count", "month", "commune", "sum",
     "entered", None],
    ["BT_HS_TRUC_TUYEN", "Số hồ sơ nộp trực tuyến (thử)", "BT_DVC", "hồ sơ", "count", "month", "commune",
     "sum", "entered", None],
    ["BT_TL_TRUC_TUYEN", "Tỷ lệ hồ sơ nộp trực tuyến (thử)", "BT_DVC", "%", "percent", "month", "province",
     "none", "formula", "BT_HS_TRUC_TUYEN / BT_HS_TONG * 100"],
    ["BT_SO_HO", "Số hộ gia đình (thử)", None, "hộ", "count", "year", "commune", "sum", "entered", None],
]  # fmt: skip


def _workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "chi_tieu"
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    folders = book.create_sheet("thu_muc")
    folders.append(["code", "name_vi", "name_en", "position"])
    folders.append(["BT_DVC", "Dịch vụ công (thử)", "Public services (test)", 1])
    folders.append(["BT_HA_TANG", "Hạ tầng số (thử)", "Digital infrastructure (test)", 2])
    book.save(path)


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("catalogue") / "var"
    env = demo_env(demo_template, data_dir)
    _workbook(data_dir / "danh-muc.xlsx")
    run_chiso(env, "indicators", "import", str(data_dir / "danh-muc.xlsx"))
    last = periods.period_of(clock.today(), "month")
    with session_scope(f"sqlite:///{data_dir / 'chiso.db'}") as s:
        for i, period in enumerate(periods.span(periods.shift(last, -11), last)):
            for unit in ("20194", "20197", "20200"):
                for code, value in (("BT_HS_TONG", 300 + 5 * i), ("BT_HS_TRUC_TUYEN", 120 + 9 * i)):
                    s.add(IndicatorValue(indicator_code=code, unit_code=unit, period=period, value=value,
                                         status="entered", channel="demo", entered_by="system",
                                         entered_at=clock.now()))  # fmt: skip
    with served(env, data_dir / "serve.log") as url:
        yield url


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_search_and_an_indicator_with_its_chart(server: str, browser: Any, width: int, height: int) -> None:
    context, page, errors = _login(browser, server, width, height)
    page.goto(f"{server}/indicators")
    page.fill("input[name=q]", "bt_ truc tuyen")
    expect(page.locator("table.indicators tbody tr")).to_have_count(2)
    assert "q=bt_" in page.url  # the search is in the address, so it can be shared
    page.screenshot(path=str(SCREENSHOTS / f"indicators-list-{width}.png"), full_page=True)
    page.click("text=Tỷ lệ hồ sơ nộp trực tuyến (thử)")
    page.wait_for_url("**/indicators/BT_TL_TRUC_TUYEN")
    page.screenshot(path=str(SCREENSHOTS / f"indicators-detail-{width}.png"), full_page=True)
    assert page.locator("figure.chart svg polyline").count() >= 1
    assert page.locator("table.series tbody tr").count() == 12
    assert "BT_HS_TRUC_TUYEN / BT_HS_TONG * 100" in page.locator("code.formula").inner_text()
    page.screenshot(path=str(SCREENSHOTS / f"indicators-detail-{width}.png"), full_page=True)
    assert _sideways(page) <= 1, "the indicator page scrolls sideways"
    assert errors == []
    context.close()


def test_bulk_edit_then_a_refused_formula_keeps_what_was_typed(server: str, browser: Any) -> None:
    context, page, errors = _login(browser, server, 1400, 1000)
    page.goto(f"{server}/indicators?q=bt_")
    page.check("input[name=code][value=BT_SO_HO]")
    page.check("input[name=code][value=BT_HS_TONG]")
    page.select_option("select[name=folder_code]", "BT_HA_TANG")
    page.select_option("#bulk-form select[name=needs_approval]", "1")
    page.click("text=Áp dụng cho các chỉ tiêu đã chọn")
    expect(page.locator("table.indicators tbody tr.inactive")).to_have_count(0)
    expect(page.locator("text=Đã sửa các chỉ tiêu đã chọn")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "indicators-bulk-done-1400.png"), full_page=True)
    moved = page.context.request.get(f"{server}/api/indicators?folder=BT_HA_TANG").json()
    assert sorted(i["code"] for i in moved["items"]) == ["BT_HS_TONG", "BT_SO_HO"]
    assert all(i["needs_approval"] for i in moved["items"])
    page.goto(f"{server}/indicators/new")
    page.fill("input[name=code]", "BT_TL_MOI")
    page.fill("input[name=name_vi]", "Tỷ lệ mới (thử)")
    page.select_option("select[name=source]", "formula")
    page.fill("input[name=formula]", "BT_HS_TRUC_TUYEN / BT_KHONG_CO")
    page.click("form.indicator-form button[type=submit]")
    page.wait_for_selector(".form-error")
    beside = page.locator("input[name=formula]").locator("xpath=ancestor::label/following-sibling::*[1]")
    assert "BT_KHONG_CO" in beside.inner_text()  # the problem sits beside the formula field
    assert page.input_value("input[name=formula]") == "BT_HS_TRUC_TUYEN / BT_KHONG_CO"
    page.screenshot(path=str(SCREENSHOTS / "indicators-form-refused-1400.png"), full_page=True)
    page.fill("input[name=formula]", "BT_HS_TRUC_TUYEN / BT_HS_TONG * 100")
    with page.expect_navigation():
        page.click("form.indicator-form button[type=submit]")
    assert page.url.endswith("/indicators/BT_TL_MOI")
    assert errors == []
    context.close()
