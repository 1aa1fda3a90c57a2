"""Browser test: the secretariat's workbench in pages, not the API (issue 10).

On the demo served by `chiso serve`: the secretariat opens a period after checking what would open, follows
DNG-2026's progress with the overdue agencies first, removes and assigns an assessor (assigning twice says
so), dry-runs an import whose problem is listed by row and column, and previews the ranking with the
agencies not yet approved marked. Screenshots of the workbench and the ranking preview at 1400x1000 and
390x844 go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in

from chiso.web.launch import served

pytestmark = pytest.mark.browser
PERIOD = "DNG-2026"
BAD_CSV = "agency_code,indicator_code,value\nDNG.SO.KHCN,HT_ATTT,abc\n"


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("workbench") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


def _login(browser: Any, url: str, width: int, height: int) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    # a form refused in place answers 422 on purpose (the browser logs that status); any other error counts
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "status of 422" not in m.text else None,
    )
    log_in(page, url, "vanthu")
    return context, page, errors


def _sideways(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_the_secretariat_opens_a_period_after_checking_it(server: str, browser: Any) -> None:
    context, page, errors = _login(browser, server, 1400, 1000)
    page.goto(f"{server}/workbench/new-period")
    page.fill("input[name=code]", "DNG-2026-BS")
    page.fill("input[name=period]", "2026")
    page.fill("input[name=name_vi]", "Đánh giá bổ sung 2026")
    page.select_option("select[name=framework_id]", "danang-it-2026")
    page.fill("input[name=submission_deadline]", "31/12/2026 17:00")
    page.fill("input[name=review_deadline]", "15/01/2027")
    page.check("#g-2026-TW")
    page.fill("input[name=deadline_TW]", "20/01/2027")  # after the review deadline: listed in place
    with page.expect_navigation():
        page.click("button[value=check]")
    check = page.inner_text("#opening-check")
    assert "Cơ quan Trung ương" in check and "sau hạn thẩm định" in check
    assert page.input_value("input[name=code]") == "DNG-2026-BS"  # what was typed is kept
    page.fill("input[name=deadline_TW]", "05/01/2027")
    with page.expect_navigation():
        page.click("button[value=check]")
    assert "có thể mở kỳ" in page.inner_text("#opening-check")
    with page.expect_navigation():
        page.click("button[value=open]")
    assert page.url.endswith("/assessment/DNG-2026-BS/workbench?done=opened")
    assert "Đã mở kỳ đánh giá" in page.inner_text("main")
    assert "05/01/2027 17:00" in page.inner_text("table.workbench-rows")  # the group's own deadline
    context.close()
    assert not errors, errors


def test_progress_assessors_import_and_ranking_preview(server: str, browser: Any) -> None:
    context, page, errors = _login(browser, server, 1400, 1000)
    page.goto(f"{server}/assessment/{PERIOD}/workbench")
    rows = page.locator("table.workbench-rows tbody tr")
    flags = [rows.nth(i).get_attribute("class") == "overdue" for i in range(rows.count())]
    assert flags[0] and flags == sorted(flags, reverse=True), "overdue agencies come first"
    assert "Quá hạn" in rows.first.inner_text()
    colours = {
        page.locator(f"table.workbench-rows .tag.status-{s}").first.evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        for s in ("draft", "submitted", "returned", "approved")
    }
    assert len(colours) == 4, "each status has its own colour"

    # an assessor removed and assigned again; assigning twice says so
    chip = page.locator("table.assessors form.chip", has_text="TW").first
    with page.expect_navigation():
        chip.locator("button").click()
    assert "Đã bỏ phân công" in page.inner_text("main")
    form = page.locator("#assign-form")
    form.locator("select[name=group_code]").select_option("TW")
    form.locator("select[name=username]").select_option("thamdinh")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Đã phân công thẩm định viên" in page.inner_text("main")
    form.locator("select[name=group_code]").select_option("TW")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "đã được phân công cho nhóm này rồi" in page.inner_text("main")

    # filter: only the overdue ones
    page.check("input[name=overdue]")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    shown = page.locator("table.workbench-rows tbody tr")
    assert shown.count() >= 1 and all(
        shown.nth(i).get_attribute("class") == "overdue" for i in range(shown.count())
    )
    page.goto(f"{server}/assessment/{PERIOD}/workbench")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "workbench-1400.png"), full_page=True)

    # bulk import: the dry run lists the problem by row and column, nothing saved
    page.goto(f"{server}/assessment/{PERIOD}/import")
    checkbox = page.locator("label.check input[name=dry_run]")
    box, label = checkbox.bounding_box(), page.locator("label.check span").bounding_box()
    assert abs(box["y"] + box["height"] / 2 - (label["y"] + label["height"] / 2)) < 6  # beside, not above
    page.set_input_files(
        "input[name=file]", {"name": "gia-tri.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}
    )
    with page.expect_navigation():
        page.click("form.stacked button[type=submit]")
    problem = page.locator("#import-problems table.problems tbody tr").first.inner_text()
    assert "2" in problem and "value" in problem and "HT_ATTT" in problem

    # ranking preview at any time: the agencies not approved are marked, with the chart
    page.goto(f"{server}/assessment/{PERIOD}/ranking-preview")
    assert page.locator("tr.not-approved").count() > 0
    assert "chưa được duyệt" in page.inner_text("#not-approved-note")
    assert page.locator("figure.chart svg").count() == 1
    assert "Chỉ công bố được khi mọi đơn vị đã được duyệt" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "ranking-preview-1400.png"), full_page=True)
    context.close()
    assert not errors, errors


def test_the_published_year_offers_no_assign_form_and_asks_before_an_identical_correction(
    server: str, browser: Any
) -> None:
    context, page, errors = _login(browser, server, 1400, 1000)
    page.goto(f"{server}/assessment/DNG-2025")
    assert page.locator("form[action$='/extend']").count() == 0
    assert page.locator("form[action$='/assessors']").count() == 0
    page.goto(f"{server}/assessment/DNG-2025/ranking-preview")
    assert page.locator("#empty-diff").count() == 1
    page.fill("#publish-form input[name=reason]", "Kiểm tra lại")
    with page.expect_navigation():
        page.click("#publish-form button[type=submit]")
    assert "giống hệt lần công bố" in page.inner_text("#publish-form")
    assert page.input_value("#publish-form input[name=reason]") == "Kiểm tra lại"
    context.close()
    assert not errors, errors


@pytest.mark.parametrize("path", ["workbench", "ranking-preview"])
def test_phone_screens_do_not_scroll_sideways(server: str, browser: Any, path: str) -> None:
    context, page, errors = _login(browser, server, 390, 844)
    page.goto(f"{server}/assessment/{PERIOD}/{path}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{path}-390.png"), full_page=True)
    assert _sideways(page) <= 0, f"{path} scrolls sideways by {_sideways(page)} px at 390 px"
    context.close()
    assert not errors, errors
