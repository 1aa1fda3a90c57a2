"""Browser test: a deadline typed as 17:00 is 17:00 in Vietnam, on the period page, in the audit log and
in the JSON (ISO 8601 with +07:00); no page says "UTC".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, follows, log_in

from chiso.web.launch import served

pytestmark = pytest.mark.browser
PERIOD, AGENCY = "DNG-2026", "DNG.SO.KHCN"


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("local-time") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


def test_a_deadline_typed_at_17_reads_17_everywhere(server: str, browser: Any) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    log_in(page, server, "vanthu")
    page.goto(f"{server}/assessment/{PERIOD}")
    deadline = page.inner_text("dl.facts")
    year = int(deadline.split("/")[2][:4]) + 1  # a date safely after the period's own deadline
    form = page.locator("form[action$='/extend']")
    form.locator("input[name=agency_code]").fill(AGENCY)
    form.locator("input[name=until]").fill(f"20/01/{year} 17:00")  # as people write it (dd/mm/yyyy)
    form.locator("input[name=reason]").fill("Chờ văn bản của UBND thành phố")
    follows(page, form.locator("button[type=submit]").click)
    row = page.locator("table.submissions tr", has_text=AGENCY)
    assert f"20/01/{year} 17:00" in row.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "local-time-period-1400.png"), full_page=True)

    page.goto(f"{server}/audit?action=submission.extend")
    assert f"{year}-01-20T17:00:00+07:00" in page.inner_text("table.audit")

    twin = json.loads(page.context.request.get(f"{server}/api/assessment/{PERIOD}").text())
    extended = next(s["extended_until"] for s in twin["submissions"] if s["agency_code"] == AGENCY)
    assert extended == f"{year}-01-20T17:00:00+07:00"
    assert twin["period"]["submission_deadline"].endswith("+07:00")

    for path in ("/", f"/assessment/{PERIOD}", f"/assessment/{PERIOD}/agencies/{AGENCY}", "/account",
                 "/audit", "/rankings", "/rankings/DNG-2024", "/assessment/review"):  # fmt: skip
        page.goto(server + path)
        assert "UTC" not in page.inner_text("body"), path
    context.close()
