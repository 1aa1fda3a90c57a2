"""Browser test of the right of reply (issue 14's acceptance) on the demo served by `chiso serve`.

A finished, unpublished period is added to a copy of the demo (every agency filled, submitted and
approved by the demo's own steps). Then, in Debian's chromium: the secretariat releases the preliminary
results for 5 working days; the reporter of Sở KH&CN sees its scorecard and its group's ranking marked
"Kết quả sơ bộ", sends a refused reply (the error in place, the inputs kept), then a reply on one
criterion with a PDF; the assessor changes the points; the secretariat publishes. The final ranking
differs from the preliminary one exactly there (the agency's total, by the points given), and the audit
log shows each step. Screenshots at 1400x1000 and 390x844: test-artifacts/screenshots/appeals-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in

from chiso import clock
from chiso.assessment import demo
from chiso.store import session_scope
from chiso.web.launch import served

# The whole journey takes minutes: CI runs it (CHISO_TEST_SLOW=1); `make test` leaves it out (15 min).
pytestmark = [pytest.mark.browser, pytest.mark.slow]
PERIOD, AGENCY = "DNG-2025B", "DNG.SO.KHCN"
#: Criteria the assessor may score by hand with any points in range (rule "assessor").
HAND_SCORED = ("HT_ATTT", "UD_DU_LIEU", "CS_KINH_PHI")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
BIG, PHONE = {"width": 1400, "height": 1000}, {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("appeals") / "var"
    env = demo_env(demo_template, data_dir)
    opened = datetime(2026, 1, 20, 8, tzinfo=clock.local_zone())
    with session_scope(f"sqlite:///{data_dir / 'chiso.db'}") as s:  # reviewed and approved, not published
        demo.fill_past_period(
            s, province_code="48", past=demo.PastPeriod(PERIOD, "2025", demo.PAST_CODE, opened, opened)
        )
    with served(env, data_dir / "serve.log") as url:
        yield url


def _tab(browser: Any, size: dict[str, int]) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(locale="vi-VN", viewport=size)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def _shot(page: Any, name: str, *, ours: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"appeals-{name}.png"), full_page=True)
    if not ours:  # another room's page (the audit log): looked at, not held to our layout
        return
    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert sideways <= 0, f"{name} scrolls sideways by {sideways}px"


def _totals(page: Any, url: str) -> dict[str, float]:
    """Every agency's total in the preliminary results, one group at a time (as the secretariat)."""
    seen: dict[str, float] = {}
    first = page.request.get(f"{url}/api/assessment/{PERIOD}/results").json()
    for choice in first["agencies"]:
        if choice["code"] in seen:
            continue
        data = page.request.get(f"{url}/api/assessment/{PERIOD}/results?agency={choice['code']}").json()
        assert data["stage"] == "preliminary"
        seen.update({r["agency_code"]: r["total"] for r in data["ranking"]})
    return seen


def test_reply_changes_exactly_one_score_and_the_audit_shows_each_step(server: str, browser: Any) -> None:
    # the secretariat releases the preliminary results for 5 working days
    office, page, errors = _tab(browser, BIG)
    log_in(page, server, "vanthu")
    page.goto(f"{server}/assessment/{PERIOD}")
    page.wait_for_selector("#appeals_summary #release-form")
    page.fill("#release-form input[name=reply_days]", "5")
    with page.expect_navigation():
        page.click("#release-form button[type=submit]")
    summary = page.wait_for_selector("#appeals_summary").inner_text()
    assert "Đã gửi kết quả sơ bộ" in summary and "chờ 0" in summary
    _shot(page, "period-1400")
    preliminary = _totals(page, server)

    # the reporter sees its own preliminary scorecard and group ranking, and replies on one criterion
    agency_tab, reporter, reporter_errors = _tab(browser, BIG)
    log_in(reporter, server, "baocao.khcn")
    reporter.goto(f"{server}/assessment/{PERIOD}/results")
    assert reporter.inner_text(".stage-mark").startswith("Kết quả sơ bộ")
    mine = reporter.request.get(f"{server}/api/assessment/{PERIOD}/results").json()
    assert mine["agency_code"] == AGENCY and [a["code"] for a in mine["agencies"]] == [AGENCY]
    assert reporter.request.get(f"{server}/api/assessment/{PERIOD}/results?agency=DNG.SO.TC").status == 403
    crit = next(c for c in mine["criteria"] if c["code"] in HAND_SCORED and c["points"] < c["max_points"])
    code, old, top = crit["code"], crit["points"], crit["max_points"]
    reporter.select_option("#reply-form select[name=indicator_code]", code)
    reporter.fill("#reply-form textarea[name=text]", "Đơn vị đã có quyết định phê duyệt, xem tệp kèm theo")
    reporter.fill("#reply-form input[name=requested_points]", "nhiều")
    reporter.click("#reply-form button[type=submit]")
    reporter.wait_for_selector("#reply-form .form-error")  # refused in place, the inputs kept
    assert "Điểm phải là số" in reporter.inner_text("#reply-form .form-error")
    assert reporter.input_value("#reply-form textarea[name=text]").startswith("Đơn vị đã có quyết định")
    assert reporter.input_value("#reply-form select[name=indicator_code]") == code
    reporter.fill("#reply-form input[name=requested_points]", f"{top:g}")
    reporter.set_input_files(
        "#reply-form input[name=files]",
        {"name": "quyet-dinh.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    with reporter.expect_navigation():
        reporter.click("#reply-form button[type=submit]")
    assert "chờ trả lời" in reporter.inner_text(f"#criterion-{code}")
    _shot(reporter, "results-1400")
    phone_tab, phone, phone_errors = _tab(browser, PHONE)
    log_in(phone, server, "baocao.khcn")
    phone.goto(f"{server}/assessment/{PERIOD}/results")
    _shot(phone, "results-390")
    phone.goto(f"{server}/appeals")
    assert code in phone.inner_text("table.appeals") or crit["name_vi"] in phone.inner_text("table.appeals")
    _shot(phone, "list-390")

    # the assessor opens the reply from its list and changes the points
    review_tab, assessor, assessor_errors = _tab(browser, BIG)
    log_in(assessor, server, "thamdinh")
    assessor.goto(f"{server}/appeals")
    with assessor.expect_navigation():
        assessor.click("table.appeals tbody tr a")
    assert "quyet-dinh.pdf" in assessor.inner_text("main")
    assessor.select_option("#answer-form select[name=decision]", "changed")
    assessor.fill("#answer-form input[name=points]", f"{top:g}")
    assessor.fill("#answer-form textarea[name=reason]", "Minh chứng bổ sung hợp lệ")
    with assessor.expect_navigation():
        assessor.click("#answer-form button[type=submit]")
    assert "Sửa điểm" in assessor.inner_text("main") and "Minh chứng bổ sung hợp lệ" in assessor.inner_text(
        "main"
    )
    _shot(assessor, "case-1400")
    phone.goto(assessor.url)
    _shot(phone, "case-390")

    # the secretariat publishes; the final ranking differs from the preliminary one exactly there
    page.goto(f"{server}/assessment/{PERIOD}")
    with page.expect_navigation():
        page.click(f"form[action='/assessment/{PERIOD}/publish'] button[type=submit]")
    final = {
        r["agency_code"]: r["total"]
        for r in page.request.get(f"{server}/api/rankings/{PERIOD}").json()["rows"]
    }
    assert final.keys() == preliminary.keys()
    differ = {a for a in final if abs(final[a] - preliminary[a]) > 1e-9}
    assert differ == {AGENCY}
    assert final[AGENCY] > preliminary[AGENCY]  # the points given, rescaled to the applicable maximum
    published = reporter.request.get(f"{server}/api/assessment/{PERIOD}/results").json()
    assert published["stage"] == "published"
    moved = {c["code"] for c, p in zip(published["criteria"], mine["criteria"], strict=True) if c != p}
    assert moved == {code}
    assert next(c["points"] for c in published["criteria"] if c["code"] == code) == top != old

    # the audit log shows each step, newest first
    page.goto(f"{server}/audit")
    log = page.inner_text("table")
    steps = ["Công bố kết quả", "Trả lời ý kiến", "Sửa điểm thẩm định", "Gửi ý kiến về kết quả sơ bộ",
             "Gửi kết quả sơ bộ"]  # fmt: skip
    where = [log.find(step) for step in steps]
    assert all(i >= 0 for i in where) and where == sorted(where), where
    _shot(page, "audit-1400", ours=False)
    for context in (office, agency_tab, phone_tab, review_tab):
        context.close()
    assert not (errors or reporter_errors or phone_errors or assessor_errors)
