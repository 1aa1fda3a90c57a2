"""Acceptance (issue 18): a department enters a quarter's values in the browser; a flagged outlier asks for
confirmation, the value and the note are kept, and confirming saves it. Desktop and phone (390 px).

The demo (`chiso serve`, Debian's chromium through Playwright) gets two quarterly indicators of the
Department of Science and Technology (DNG.SO.KHCN, reporter baocao.khcn) with twelve quarters of
history, written into the served copy's database.
Screenshots: test-artifacts/screenshots/indicator-values-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in, open_tab
from sqlalchemy import delete, select

from chiso import clock
from chiso.accounts.demo import DEMO_PASSWORD
from chiso.indicators.periods import label_vi, period_of, previous, shift
from chiso.store import session_scope
from chiso.store.models.indicators import Indicator, IndicatorValue
from chiso.web.launch import served

pytestmark = pytest.mark.browser

OWNER = "DNG.SO.KHCN"
PERIOD = previous(period_of(clock.today(), "quarter"))  # the last ended quarter: the page's default
HISTORY = {
    "BT_DN_NEN_TANG_SO": [68, 69, 70, 70, 71, 71, 72, 72, 73, 73, 74, 74],
    "BT_HOP_DONG_DIEN_TU": [78, 79, 80, 80, 81, 80, 82, 81, 82, 83, 82, 83],
}
NAMES = {
    "BT_DN_NEN_TANG_SO": "Tỷ lệ doanh nghiệp nhỏ và vừa dùng nền tảng số (thử)",
    "BT_HOP_DONG_DIEN_TU": "Tỷ lệ hợp đồng điện tử (thử)",
}


def _url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'chiso.db'}"


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    data_dir = tmp_path_factory.mktemp("indicator-values") / "var"
    env = demo_env(demo_template, data_dir)
    with session_scope(_url(data_dir)) as s:
        for code, values in HISTORY.items():
            s.add(
                Indicator(
                    code=code,
                    name_vi=NAMES[code],
                    name_en=code,
                    value_type="percent",
                    period_type="quarter",
                    level="province",
                    aggregation="none",
                    source="entered",
                    owner_agency_code=OWNER,
                    outlier_sd=3.0,
                    needs_approval=False,
                    active=True,
                    unit="%",
                    higher_is_better=True,
                    updated_at=clock.now(),
                    folder_code="KINH_TE_SO",
                )
            )
            for step, value in enumerate(values):
                s.add(
                    IndicatorValue(
                        indicator_code=code,
                        unit_code="48",
                        period=shift(PERIOD, step - len(values)),
                        value=value,
                        status="entered",
                        channel="demo",
                        entered_by="demo",
                        entered_at=clock.now(),
                    )
                )
    with served(env, data_dir / "serve.log") as url:
        yield url, _url(data_dir)


def _stored(db_url: str, code: str) -> tuple[float, str, str | None] | None:
    with session_scope(db_url) as s:
        row = s.scalar(
            select(IndicatorValue).where(
                IndicatorValue.indicator_code == code, IndicatorValue.period == PERIOD
            )
        )
        return None if row is None else (row.value, row.status, row.note)


# The phone width repeats the desktop journey: CI runs it (slow).
@pytest.mark.parametrize("width", [1400, pytest.param(390, marks=pytest.mark.slow)])
def test_a_department_enters_a_quarter_and_confirms_a_flagged_outlier(
    server: tuple[str, str], browser: Any, width: int
) -> None:
    url, db_url = server
    with session_scope(db_url) as s:  # each width starts from an empty quarter
        s.execute(
            delete(IndicatorValue).where(
                IndicatorValue.indicator_code.in_(list(HISTORY)), IndicatorValue.period == PERIOD
            )
        )
    context, page, errors = open_tab(browser, {"width": width, "height": 900})
    log_in(page, url, "baocao.khcn", DEMO_PASSWORD)
    page.goto(f"{url}/indicators/values")
    assert label_vi(PERIOD) in page.inner_text("h1")  # the last ended quarter, the department's own
    plain, unusual = (f"v|{code}|48" for code in HISTORY)
    page.locator(f'input[name="{plain}"]').fill("75,5")
    page.locator(f'input[name="{unusual}"]').fill("99")
    page.screenshot(path=str(SCREENSHOTS / f"indicator-values-typed-{width}.png"), full_page=True)
    with page.expect_navigation():
        page.locator("#values-form button[type=submit]").click()
    # the demo keeps a flagged value of its own (Hải Châu's fibre share): look at this test's row
    flagged = page.locator('tr.row-flagged[data-key="BT_HOP_DONG_DIEN_TU|48"]')
    assert flagged.count() == 1 and "Tỷ lệ hợp đồng điện tử" in flagged.inner_text()
    assert page.locator("tr.row-flagged").first.get_attribute("data-key") is not None  # flagged rows first
    assert "ngoài khoảng thường gặp" in flagged.locator(".flag-note").inner_text()
    assert page.locator(f'input[name="{unusual}"]').input_value() == "99"  # the value kept
    assert _stored(db_url, "BT_HOP_DONG_DIEN_TU") == (99, "flagged", None)
    assert _stored(db_url, "BT_DN_NEN_TANG_SO") == (75.5, "entered", None)
    page.screenshot(path=str(SCREENSHOTS / f"indicator-values-flagged-{width}.png"), full_page=True)

    confirm = flagged.locator("label.confirm-value")
    assert confirm.inner_text().strip() == "Xác nhận"
    confirm.locator("input").check()
    save = page.locator("#values-form button[type=submit]")
    save.click()  # confirmed without a note: refused in place, beside the note
    error = page.locator("#values-form .form-field-error")
    error.wait_for()
    assert "Ghi rõ vì sao" in error.first.inner_text() and "/indicators/values?" in page.url
    note = "Sàn thương mại điện tử tỉnh vận hành từ tháng 7"
    page.locator('input[name="n|BT_HOP_DONG_DIEN_TU|48"]').fill(note)
    page.screenshot(path=str(SCREENSHOTS / f"indicator-values-note-{width}.png"), full_page=True)
    assert page.locator('input[name="c|BT_HOP_DONG_DIEN_TU|48"]').is_checked()  # what was ticked stays
    with page.expect_navigation():
        save.click()
    assert flagged.count() == 0
    row = page.locator('tr[data-key="BT_HOP_DONG_DIEN_TU|48"]')
    assert "Đã xác nhận" in row.inner_text()
    assert row.locator('input[name^="n|"]').input_value() == note  # the note kept
    assert _stored(db_url, "BT_HOP_DONG_DIEN_TU") == (99, "confirmed", note)
    page.screenshot(path=str(SCREENSHOTS / f"indicator-values-confirmed-{width}.png"), full_page=True)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"the entry page is {scroll}px wide at {width}px"
    context.close()
    refusal = "the server responded with a status of 422"  # the one refusal asked for above
    assert [e for e in errors if refusal not in e] == [] and len(errors) <= 1, errors
