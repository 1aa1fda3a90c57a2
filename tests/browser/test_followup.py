"""Browser test of the follow-up pages on the demo (`chiso serve`, Debian's chromium through Playwright).

As the secretariat, a leader and a reporter, at 1400 and 390 px wide: /targets, /alerts, /requests, /plans,
/notifications (and the outbox for the secretariat) load without console errors, speak Vietnamese (no stored
code shows in place of its word), draw a chart beside their numbers and offer a download. Forms answer in
place: a refused plan item or request for explanation shows its error above the fields, inputs kept.
Screenshots go to test-artifacts/screenshots/followup-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in

from chiso.web.launch import served

pytestmark = pytest.mark.browser

PAGES = ["/targets", "/alerts", "/requests?status=", "/plans", "/notifications"]
ROLES = {"vanthu": "secretariat", "lanhdao": "leader", "baocao.khcn": "reporter"}
# Stored codes that must show as words in Vietnamese (a word boundary each side; "open" is also English).
RAW = re.compile(
    r"\b(planned|in_progress|verified|at_risk|no_data|missed|requested|answered|pending|failed|province|"
    r"quarter|inapp|ontime_below|score_drop|plan_overdue|deadline_soon|alert_raised|Open|Closed)\b"
)
# Where each page shows numbers, its chart; and its download.
CHARTS = {"/targets": "svg.bars", "/alerts": "svg.bars", "/plans": "svg.gantt"}
DOWNLOADS = {"/targets": "/targets/statuses.csv", "/alerts": "/alerts.csv", "/plans": "/plans.xlsx"}


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("followup") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


def _tab(browser: Any, width: int) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return context, page, errors


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("username", list(ROLES))
def test_each_page_speaks_vietnamese_charts_its_numbers_and_downloads(
    server: str, browser: Any, username: str, width: int
) -> None:
    context, page, errors = _tab(browser, width)
    log_in(page, server, username)
    pages = PAGES + (["/notifications/outbox"] if ROLES[username] == "secretariat" else [])
    for path in pages:
        page.goto(server + path)
        name = path.strip("/").split("?")[0].replace("/", "-")
        shot = SCREENSHOTS / f"followup-{name}-{ROLES[username]}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        text = re.sub(r" / [^\t\n]*", "", page.inner_text("main"))  # "vi / en" texts keep their English
        assert not RAW.findall(text), (path, sorted(set(RAW.findall(text))))
        if path in CHARTS and page.locator("table tbody tr").count() > 1:
            assert page.locator(CHARTS[path]).count() >= 1, f"{path}: numbers without a chart"
        if path in DOWNLOADS:
            link = page.locator(f"a[download][href^='{DOWNLOADS[path]}']")
            assert link.count() == 1, f"{path}: no download"
            got = page.context.request.get(server + str(link.get_attribute("href")))
            assert got.status == 200 and len(got.body()) > 20, path
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width + 1, f"{path} is {scroll}px wide at {width}px"
    context.close()
    assert not errors, errors


def test_a_refused_plan_item_answers_in_place_with_inputs_kept(server: str, browser: Any) -> None:
    context, page, errors = _tab(browser, 390)
    log_in(page, server, "vanthu")
    page.goto(f"{server}/plans")
    form = page.locator("#plan-form")
    form.locator("input[name=agency_code]").fill("DNG.SO.KHCN")
    form.locator("input[name=title]").fill("Triển khai chữ ký số cho 100% cán bộ")
    form.locator("input[name=start_on]").fill("01/09/2026")
    form.locator("input[name=due_on]").fill("01/03/2026")
    form.locator("button[type=submit]").click()
    error = page.locator("#plan-form .form-error")
    error.wait_for()
    assert "Hạn hoàn thành trước ngày bắt đầu" in error.inner_text()
    assert page.url.endswith("/plans")  # answered in place, not a new page
    title = page.locator("#plan-form input[name=title]").input_value()
    assert title == "Triển khai chữ ký số cho 100% cán bộ"
    assert page.locator("#plan-form input[name=due_on]").input_value() == "01/03/2026"
    page.screenshot(path=str(SCREENSHOTS / "followup-plans-refused-390.png"), full_page=True)
    context.close()
    assert not errors, errors


def test_a_request_with_a_past_due_date_answers_in_place(server: str, browser: Any) -> None:
    context, page, errors = _tab(browser, 1400)
    log_in(page, server, "lanhdao")
    page.goto(f"{server}/alerts?status=open")
    page.locator("article details:has(form[action$='/request']) > summary").first.click()
    form = page.locator("form[action$='/request']").first
    form.locator("input[name=subject]").fill("Giải trình tỷ lệ trễ hạn")
    form.locator("input[name=due_at]").fill("01/01/2020 17:00")
    form.locator("button[type=submit]").click()
    error = page.locator("form[action$='/request'] .form-error").first
    error.wait_for()
    assert page.locator("form[action$='/request'] input[name=subject]").first.input_value() == (
        "Giải trình tỷ lệ trễ hạn"
    )
    page.screenshot(path=str(SCREENSHOTS / "followup-alerts-refused-1400.png"))
    context.close()
    assert not errors, errors
