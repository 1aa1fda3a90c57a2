"""Browser test of the live 766 board at 1400 and 390 px: Vietnamese labels (no raw codes or English), the
period picker and group filter, and a hidden tab that stops polling (issue 16 item 1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env

from chiso.web.launch import served

pytestmark = pytest.mark.browser
RAW_WORDS = (
    "TRANSPARENCY TIMELINESS_GROUP ONLINE DIGITISATION SATISFACTION PAYMENT XUAT_SAC TOT KHA TRUNG_BINH YEU "
    "department district commune central None nan Transparency Timeliness Digitisation Satisfaction"
).split()
RAW = re.compile(r"\b(" + "|".join(RAW_WORDS) + r")\b")


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("live-board") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


def _polls(page: Any) -> list[str]:
    seen: list[str] = []
    page.on(
        "request",
        lambda r: seen.append(r.url) if r.headers.get("hx-request") and "/monitoring/live" in r.url else None,
    )
    return seen


def _set_visibility(page: Any, state: str) -> None:
    page.evaluate(
        """state => {
            Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
            Object.defineProperty(document, 'hidden', {value: state === 'hidden', configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        state,
    )


@pytest.mark.parametrize("width,height", [(1400, 1000), (390, 844)])
def test_the_board_speaks_vietnamese_and_filters(server: str, browser: Any, width: int, height: int) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{server}/monitoring/live")
    page.wait_for_selector("table.live tbody tr")
    body = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "Tổng điểm" in body and "Số cơ quan theo xếp loại" in body
    assert not RAW.search(body), RAW.search(body)
    page.screenshot(path=str(SCREENSHOTS / f"live-board-{width}.png"), full_page=width > 1000)

    page.select_option("select[name=group]", index=1)
    page.fill("input[name=period]", page.input_value("input[name=period]")[:4])  # the whole year
    with page.expect_navigation():
        page.click("form.live-filters button[type=submit]")
    levels = {t.strip() for t in page.locator("table.live tbody tr td:first-child").all_inner_texts()}
    assert len(levels) == 1 and not RAW.search(page.inner_text("body"))
    assert re.search(
        r"period=\d{4}&group=", page.get_attribute("a[href^='/monitoring/live.csv']", "href") or ""
    )
    page.screenshot(path=str(SCREENSHOTS / f"live-board-year-group-{width}.png"), full_page=width > 1000)
    context.close()


def test_a_hidden_tab_stops_polling_and_a_visible_one_resumes(server: str, browser: Any) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    seen = _polls(page)
    page.goto(f"{server}/monitoring/live")
    page.wait_for_timeout(5000)
    visible = len(seen)
    assert visible >= 2, f"only {visible} polls in 5 s while visible"
    _set_visibility(page, "hidden")
    page.wait_for_timeout(300)
    hidden_from = len(seen)
    page.wait_for_timeout(5000)
    assert len(seen) == hidden_from, f"{len(seen) - hidden_from} polls from a hidden tab"
    _set_visibility(page, "visible")
    page.wait_for_timeout(1000)
    assert len(seen) > hidden_from  # asks at once when shown again
    context.close()
