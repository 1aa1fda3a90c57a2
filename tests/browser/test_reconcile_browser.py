"""Browser test: the reconciliation with the portal and the computed values, on the demo (`chiso serve`).

At 1400 and 390 px: the secretariat sees the demo's deliberate differences with their reasons, the chart,
the explaining dossiers and a CSV download; a reporter is refused; the 2026 form shows the online-service
criteria read-only, marked "tự động" with their lineage; the period page freezes them at a cut-off.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in

from chiso.web.launch import served

pytestmark = pytest.mark.browser
PERIOD, AGENCY = "DNG-2026", "DNG.SO.KHCN"


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("reconcile") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


def _page(browser: Any, url: str, username: str, width: int) -> Any:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    log_in(page, url, username)
    return page


@pytest.mark.parametrize("width", [1400, 390])
def test_the_secretariat_sees_each_difference_with_its_reason(server: str, browser: Any, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser, server, "vanthu", width)
    page.goto(f"{server}/monitoring/reconcile?differences=true")
    text = page.inner_text("#reconcile")
    assert "chiso ít hồ sơ hơn Cổng" in text and "Cùng số hồ sơ, khác số đúng hạn" in text
    assert "Đơn vị không có trên Cổng" in text and "Đơn vị chỉ có trên Cổng" in text
    assert "Hồ sơ chưa đồng bộ lên Cổng DVC quốc gia" in text
    rows = page.locator("table.reconcile tbody tr")
    assert rows.count() >= 4
    assert page.locator(".reconcile-chart svg rect").count() >= 6  # two bars per count difference
    details = page.locator("table.reconcile details").first
    details.locator("summary").click()
    assert details.locator("ul.dossiers li").count() >= 1
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, "the page itself must not scroll sideways; the table scrolls in its wrapper"
    page.screenshot(path=str(SCREENSHOTS / f"reconcile-{width}.png"), full_page=True)
    download = page.context.request.get(f"{server}/monitoring/reconcile.csv?differences=true")
    assert download.ok and "agency_code" in download.text() and "missing_in_chiso" in download.text()
    assert page.errors == []
    page.context.close()


def test_a_reporter_is_refused(server: str, browser: Any) -> None:
    page = _page(browser, server, "baocao.khcn", 1400)
    assert page.goto(f"{server}/monitoring/reconcile").status == 403
    assert page.context.request.get(f"{server}/api/monitoring/reconcile").status == 403
    page.context.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_the_form_shows_computed_values_read_only_with_their_lineage(
    server: str, browser: Any, width: int
) -> None:
    page = _page(browser, server, "baocao.khcn", width)
    page.goto(f"{server}/assessment/{PERIOD}/agencies/{AGENCY}")
    field = page.locator("fieldset#DVC_DUNG_HAN")
    assert "tự động" in field.inner_text() and "tính từ" in field.inner_text()
    assert field.locator("input[name=DVC_DUNG_HAN__numerator]").get_attribute("readonly") is not None
    assert page.locator("fieldset#DVC_TOAN_TRINH .tag-computed").count() == 0
    field.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"computed-form-{width}.png"))
    page.context.close()


def test_the_secretariat_freezes_the_computed_values(server: str, browser: Any) -> None:
    page = _page(browser, server, "vanthu", 1400)
    page.goto(f"{server}/assessment/{PERIOD}")
    section = page.locator("#computed")
    section.wait_for()
    assert "DVC_DUNG_HAN" in section.inner_text() and "TIMELINESS" in section.inner_text()
    form = page.locator("#freeze-computed")
    form.locator("input[name=cutoff]").fill("30/06/2026")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Đã chốt số liệu đến ngày 30/06/2026" in page.inner_text("#computed")
    page.screenshot(path=str(SCREENSHOTS / "computed-frozen-1400.png"), full_page=True)
    page.goto(f"{server}/assessment/{PERIOD}/agencies/DNG.SO.KHCN")
    assert "chốt số liệu đến 30/06/2026" in page.inner_text("fieldset#DVC_DUNG_HAN")
    page.context.close()
