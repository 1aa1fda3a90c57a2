"""Browser test: the leader logs in, lands on the key figures, opens the dashboard and downloads from it.

On the demo (`chiso init` + `chiso demo`) served by `chiso serve`, at 1400 and 390 px wide: the home
page shows the leader the province's key figures; the menu's "Bảng điều hành" opens /dashboard with its
charts (figures, rates, bands, 12-month trend, kinds of agency, published years, yearly index) each with
its table; the CSV beside a chart and the month's leader brief (PDF) download; the page never scrolls
sideways. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in, nav_link

from chiso.web.launch import served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("dashboard") / "var"
    # A generous start-up time: the machine this runs on may be shared and loaded.
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log", timeout_s=240) as url:
        yield url


@pytest.mark.parametrize(("width", "height"), [(1400, 1000), (390, 844)])
def test_the_leader_lands_on_figures_and_uses_the_dashboard(
    server: str, browser: Any, width: int, height: int, tmp_path: Path
) -> None:
    viewport = {"width": width, "height": height}
    context = browser.new_context(locale="vi-VN", viewport=viewport, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, server, "lanhdao")
    page.goto(f"{server}/")
    figures = page.locator(".home-figures")
    figures.wait_for()
    for _ in range(90):  # the home page never waits: while the first board is computed it says so
        if page.locator(".home-figures .kpi").count():
            break
        page.wait_for_timeout(2000)
        page.reload()
    assert page.locator(".home-figures .kpi").count() >= 7
    assert "Điểm Bộ chỉ số 766" in figures.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"home-leader-{width}.png"), full_page=True)

    with page.expect_navigation():
        nav_link(page, "/dashboard").click()
    assert page.url.endswith("/dashboard")
    assert "Bảng điều hành" in page.locator("h1").inner_text()
    charts = page.locator("figure.chart svg")
    assert charts.count() >= 7
    assert page.locator("figure.chart svg polyline").count() >= 3  # the trend lines have history
    kpis = page.locator("ul.kpis li.kpi")
    assert kpis.count() >= 7
    assert page.locator("table.dash-trend tbody tr").count() >= 12
    assert page.locator("table.dash-years tbody tr").count() >= 2  # DNG-2024 and DNG-2025

    with page.expect_download() as got:
        page.locator("a.download[href^='/dashboard/trend.csv']").click()
    saved = tmp_path / "trend.csv"
    got.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(rows) >= 12 and "TOTAL" in rows[0]

    with page.expect_download() as got:
        page.locator(".dash-briefs a").first.click()
    pdf = tmp_path / "brief.pdf"
    got.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{width}.png"), full_page=True)
    context.close()
    assert sideways <= 0, f"the page scrolls sideways by {sideways}px at {width}px"
    assert not errors, f"console errors: {errors}"
