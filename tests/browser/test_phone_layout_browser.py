"""Browser test (issue 10, defect 12): the public pages fit a 360 px phone and the menu leaves room.

On the demo served by `chiso serve`, as an anonymous visitor at 360x740: no page scrolls sideways (a
wide table scrolls inside its own frame), the navigation takes at most a quarter of the first screen,
and every page has a heading in view. Screenshots go to test-artifacts/screenshots/phone-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env

from chiso.web.launch import served

pytestmark = pytest.mark.browser
PUBLIC_PAGES = (
    "/",
    "/rankings",
    "/rankings/DNG-2025",
    "/agencies/DNG.SO.KHCN/scorecard",
    "/monitoring/live",
    "/open-data",
    "/login",
)


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("phone") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


@pytest.fixture(scope="module")
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_public_page_fits_a_phone(server: str, phone: Any, path: str) -> None:
    response = phone.goto(f"{server}{path}")
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    sideways = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    nav = phone.evaluate("document.querySelector('header.site nav').getBoundingClientRect().bottom")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = path.strip("/").replace("/", "-") or "home"
    phone.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"))
    assert sideways <= 0, f"{path} scrolls sideways by {sideways}px at 360px"
    assert nav <= 740 / 4, f"{path}: the navigation ends {nav:.0f}px down a 740px screen"
    assert phone.locator("h1").first.is_visible()
