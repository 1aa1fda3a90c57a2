"""Browser test: the leader drills from the province total down to a late dossier in three clicks.

On the demo served by `chiso serve`, at 1400 and 390 px wide, logged in as the demo leader (lanhdao):
the live board links the drill root; from the province total, click 1 opens the timeliness group,
click 2 the weakest agency, click 3 its late dossiers (received, due and finished in local time).
The pages never scroll sideways. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in

from chiso.web.launch import served

pytestmark = pytest.mark.browser
STAMP = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}")


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("drilldown") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


def _shot(page: Any, name: str, width: int) -> int:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"drilldown-{name}-{width}.png"), full_page=True)
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@pytest.mark.parametrize(("width", "height"), [(1400, 1000), (390, 844)])
def test_the_leader_reaches_a_late_dossier_in_three_clicks(
    server: str, browser: Any, width: int, height: int
) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, server, "lanhdao")
    page.goto(f"{server}/monitoring/live")
    with page.expect_navigation():
        page.click("a.drill-root")  # the province total
    assert "Toàn tỉnh" in page.locator("h1").inner_text()
    assert "/ 100.00" in page.locator("dl.drill-facts").inner_text()
    sideways = [_shot(page, "province", width)]

    with page.expect_navigation():  # click 1: a group of metrics
        page.locator("table.drill-group a[href*='/TIMELINESS_GROUP?']").click()
    assert page.locator("figure.drill-chart svg").count() >= 2
    sideways.append(_shot(page, "group", width))
    with page.expect_navigation():  # click 2: the weakest agency of the group
        page.locator("table.drill-agency tbody tr a").first.click()
    crumbs = page.locator(".drill-crumbs li").all_inner_texts()
    assert crumbs[0] == "Toàn tỉnh" and len(crumbs) == 3
    sideways.append(_shot(page, "agency", width))
    with page.expect_navigation():  # click 3: its late dossiers
        page.locator("table.drill-metric a.missed").first.click()

    assert "Hồ sơ trễ hạn và hồ sơ không đạt" in page.locator("h2#dossiers").inner_text()
    late = page.locator("table.drill-dossiers tbody tr.missed").first
    cells = late.locator("td").all_inner_texts()
    received, due, finished = cells[2], cells[3], cells[4]
    assert STAMP.fullmatch(received) and STAMP.fullmatch(due), cells
    if STAMP.fullmatch(finished):  # finished after its due date (or still open, past it)
        assert datetime.strptime(finished, "%d/%m/%Y %H:%M") > datetime.strptime(due, "%d/%m/%Y %H:%M")
    assert cells[-1] == "Không đạt"
    sideways.append(_shot(page, "dossiers", width))
    context.close()
    assert max(sideways) <= 0, f"a page scrolls sideways by {max(sideways)}px at {width}px"
    assert not errors, f"console errors: {errors}"
