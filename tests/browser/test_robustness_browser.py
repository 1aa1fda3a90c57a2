"""Browser test: the demo's published ranking shows each agency's rank interval as a bar beside its rank
(firm ranks say so, band shares in the details), the secretariat's sensitivity page draws its bars, and the
reporter's form carries the what-if panel -- at 1400 and 390 px wide.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in

from chiso.web.launch import served

pytestmark = pytest.mark.browser
PAST, OPEN, AGENCY = "DNG-2024", "DNG-2026", "DNG.SO.KHCN"
WIDTHS = (1400, 390)


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("robustness") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


@pytest.mark.parametrize("width", WIDTHS)
def test_the_ranking_shows_each_rank_interval(server: str, browser: Any, width: int) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/rankings/{PAST}")
    twin = json.loads(page.context.request.get(f"{server}/api/rankings/{PAST}").text())
    assert twin["intervals"]["replications"] >= 1000
    rows = {r["agency_code"]: r for r in twin["rows"]}
    assert all(r["rank_low"] <= r["rank_median"] <= r["rank_high"] for r in rows.values())
    cells = page.locator("td.interval")
    assert cells.count() == len(rows)
    assert page.locator("td.interval svg.rank-bar").count() == len(rows)
    first = page.locator("table.ranking tbody tr").first
    code = first.locator("td small").first.inner_text()
    cell = first.locator("td.interval")
    assert cell.get_attribute("data-rank-low") == str(rows[code]["rank_low"])
    assert cell.get_attribute("data-rank-high") == str(rows[code]["rank_high"])
    firm = [c for c, r in rows.items() if r["rank_low"] == r["rank_high"]]
    assert page.locator("td.interval .tag.firm").count() == len(firm)
    assert "90%" in page.inner_text("#interval-note")
    cell.locator("summary").click()  # the band shares open under the bar
    shares = cell.locator("dl.bands").inner_text()
    assert "%" in shares and all(band in shares for band in rows[code]["band_probabilities"])
    page.screenshot(path=str(SCREENSHOTS / f"robustness-ranking-{width}.png"), full_page=True)
    csv = page.context.request.get(f"{server}/rankings/{PAST}.csv").text()
    assert "rank_low" in csv.splitlines()[0] and "rank_high" in csv.splitlines()[0]
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_sensitivity_page_and_the_whatif_panel(server: str, browser: Any, width: int) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, server, "vanthu")
    page.goto(f"{server}/rankings/{PAST}")
    with page.expect_navigation():
        page.click("#sensitivity-link")
    assert page.locator("#factors tbody tr").count() >= 2
    assert page.locator("#pillars tbody tr svg rect.total").count() >= 2
    page.screenshot(path=str(SCREENSHOTS / f"robustness-sensitivity-{width}.png"), full_page=True)
    context.close()

    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, server, "baocao.khcn")
    page.goto(f"{server}/assessment/{OPEN}/agencies/{AGENCY}")
    page.wait_for_selector("#whatif #whatif-title")  # loaded by htmx from the what-if page's fragment
    panel = page.locator("#whatif")
    text = panel.inner_text()
    assert "Hiện tại" in text and "Lên xếp loại kế tiếp" in text and "Vào top 3" in text
    panel.locator("input[name=top]").fill("1")
    panel.locator("button[type=submit]").click()
    page.wait_for_selector("#whatif #goal-top-1")  # the panel swapped for the top 1 plan
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"robustness-whatif-{width}.png"), full_page=False)
    context.close()
