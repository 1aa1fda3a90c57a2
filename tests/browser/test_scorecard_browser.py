"""Browser test: a visitor opens an agency's scorecard from a row of the published demo ranking.

On the demo (`chiso init` + `chiso demo`) served by `chiso serve`, at 1400 and 390 px wide: the agency
name in the ranking is a link; the scorecard shows the total, "n / N", the pillar chart and the criterion
table in Vietnamese, and the page never scrolls sideways. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env

from chiso.web.launch import served

pytestmark = pytest.mark.browser
PUBLISHED = "DNG-2024"


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("scorecard") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


@pytest.mark.parametrize(("width", "height"), [(1400, 1000), (390, 844)])
def test_a_visitor_opens_a_scorecard_from_the_ranking(
    server: str, browser: Any, width: int, height: int
) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{server}/rankings/{PUBLISHED}")
    link = page.locator("table.ranking tbody tr a[href*='/scorecard']").first
    name = link.inner_text().strip()
    with page.expect_navigation():
        link.click()
    assert "/scorecard?period=" in page.url
    heading = page.locator("h1").inner_text()
    assert "Phiếu điểm" in heading and name in heading
    facts = page.locator("dl.scorecard-facts").inner_text()
    assert "Tổng điểm" in facts and "Xếp hạng trong nhóm" in facts and " / " in facts
    assert page.locator("figure.scorecard-chart svg rect").count() >= 2  # one bar and its maximum per pillar
    rows = page.locator("table.scorecard-criteria tbody tr")
    assert rows.count() > 0
    assert "Điểm mạnh" in page.content() and "Điểm yếu" in page.content()
    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"scorecard-{width}.png"), full_page=True)
    context.close()
    assert sideways <= 0, f"the page scrolls sideways by {sideways}px at {width}px"
    assert not errors, f"console errors: {errors}"
