"""Browser test: a visitor opens an agency's scorecard from a row of the published demo ranking.

On the demo (`chiso init` + `chiso demo`) served by `chiso serve`, at 1400 and 390 px wide: the agency
name in the ranking is a link; the scorecard shows the total, "n / N", the pillar chart and the criterion
table in Vietnamese, and the page never scrolls sideways. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env

from chiso.web.launch import served

pytestmark = pytest.mark.browser
PUBLISHED = "DNG-2024"
LATEST, DEPARTMENT = "DNG-2025", "DNG.SO.KHCN"


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


def _raise(value: float) -> list[float]:
    """Values above a published one to try (a yes/no, a count, a rate, points)."""
    return (
        [1.0, value + 1, round(value * 1.25, 4), 100.0]
        if value == 0
        else [value + 1, round(value * 1.25, 4), 1.0]
    )


@pytest.mark.parametrize(("width", "height"), [(1400, 1000), (390, 844)])
def test_the_scorecard_states_the_rank_interval_and_answers_a_whatif(
    server: str, browser: Any, width: int, height: int
) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    page = context.new_page()
    api = page.context.request
    ranking = api.get(f"{server}/api/rankings/{LATEST}").json()
    rows = [r for r in ranking["rows"] if r.get("rank_low") and r["rank"] and r["rank"] > 1]
    row = next((r for r in rows if r["agency_code"] == DEPARTMENT), rows[0])
    code = row["agency_code"]
    page.goto(f"{server}/agencies/{code}/scorecard")  # the latest published period when none is asked
    sentence = page.locator("#rank-interval")
    assert sentence.get_attribute("data-rank-low") == str(row["rank_low"])
    assert sentence.get_attribute("data-rank-high") == str(row["rank_high"])
    text = sentence.inner_text()
    assert "90%" in text and (str(row["rank_low"]) in text) and (str(row["rank_high"]) in text)
    arrows = page.locator("table.scorecard-criteria td .up, table.scorecard-criteria td .down").count()
    assert arrows > 0, "year-on-year changes against the previous published period"
    if code == DEPARTMENT:  # the demo's departments have 12+ months of live 766 history
        assert page.locator("#trend svg.live-line circle").count() >= 12
    card = api.get(f"{server}/api/agencies/{code}/scorecard").json()
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    change = None  # the first raise the engine accepts and that lifts the total (found through the API)
    for c in card["criteria"]:
        if not isinstance(c["value"], int | float) or c["points"] is None or c["points"] >= c["max_points"]:
            continue
        for value in _raise(float(c["value"])):
            got = api.post(
                f"{server}/api/agencies/{code}/scorecard/whatif?period={LATEST}",
                data=json.dumps({c["code"]: {"value": value}}),
                headers={"Content-Type": "application/json", "X-CSRF-Token": token},
            )
            if got.ok and got.json()["after"]["published"] > got.json()["before"]["published"]:
                change = (c["code"], value, got.json())
                break
        if change:
            break
    assert change is not None, "some criterion of the demo can be raised"
    criterion, value, answer = change
    field = page.locator(f"#whatif-form input[name='c.{criterion}']")
    field.scroll_into_view_if_needed()
    field.fill(f"{value:g}")
    page.wait_for_selector("#whatif-after")  # htmx asked the what-if fragment as soon as the value changed
    after = page.locator("#whatif-after").inner_text()
    assert f"{answer['after']['published']:.2f}" in after and str(answer["after"]["rank"]) in after
    page.evaluate("document.querySelector('#whatif').scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / f"scorecard-whatif-{width}.png"), full_page=False)
    peer = page.locator("#compare-form select option").nth(1).get_attribute("value")
    page.select_option("#compare-form select", peer)
    with page.expect_navigation():
        page.click("#compare-form button")
    assert f"compare={peer}" in page.url and page.locator("table.compare").count() == 1
    assert page.locator("table.neighbours tr.self").count() == 1
    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=str(SCREENSHOTS / f"scorecard-full-{width}.png"), full_page=True)
    context.close()
    assert sideways <= 0, f"the page scrolls sideways by {sideways}px at {width}px"
