"""Browser test: `chiso serve` on a demo database, driven by Debian's chromium through Playwright.

Each demo user logs in through the real form and sees the agency list; htmx search-as-you-type, the
English switch and the offline API docs are exercised too. No page may log a console error (a CSP
violation or a missing asset would). Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from demo_site import demo_env, log_in, nav_link

from chiso.accounts.demo import DEMO_LOGINS
from chiso.web.launch import served

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve a copy of the demo (`chiso init` + `chiso demo`) with `chiso serve`; yield its URL."""
    data_dir = tmp_path_factory.mktemp("browser") / "var"
    env = demo_env(demo_template, data_dir)
    with served(env, data_dir / "serve.log") as url:
        yield url


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context (no cookies) whose console errors fail the test."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield tab
    context.close()
    assert not errors, f"console errors: {errors}"


@pytest.mark.parametrize(("username", "password", "role"), [login[:3] for login in DEMO_LOGINS])
def test_each_demo_role_logs_in_and_sees_the_agency_list(
    server: str, page: object, username: str, password: str, role: str
) -> None:
    log_in(page, server, username, password)
    assert page.url == f"{server}/"  # type: ignore[attr-defined]
    assert username not in page.url  # type: ignore[attr-defined]
    header = page.inner_text("header.site")  # type: ignore[attr-defined]
    assert "Đăng xuất" in header
    nav_link(page, "/agencies").click()
    page.wait_for_selector("table.agencies tbody tr")  # type: ignore[attr-defined]
    rows = page.locator("table.agencies tbody tr").count()  # type: ignore[attr-defined]
    assert rows > 10
    assert "Sở Khoa học và Công nghệ" in page.inner_text("table.agencies")  # type: ignore[attr-defined]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"agencies-{role}-{username}.png"), full_page=False)  # type: ignore[attr-defined]
    import_link = page.locator('nav a[href="/agencies/import"]').count()  # type: ignore[attr-defined]
    assert import_link == (1 if role == "secretariat" else 0)


def test_search_as_you_type_swaps_only_the_results(server: str, page: object) -> None:
    page.goto(f"{server}/agencies")  # type: ignore[attr-defined]
    page.evaluate("window.__marker = 'kept'")  # type: ignore[attr-defined]
    page.fill("input[name=q]", "khoa hoc cong nghe")  # type: ignore[attr-defined]
    from playwright.sync_api import expect

    rows = page.locator("table.agencies tbody tr")  # type: ignore[attr-defined]
    expect(page.locator("#results")).not_to_contain_text("Sở Tài chính", timeout=10000)
    expect(rows.first).to_contain_text("Khoa học")
    names = rows.all_inner_texts()
    assert names and all("khoa học và công nghệ" in n.lower() for n in names), names
    assert page.evaluate("window.__marker") == "kept"  # type: ignore[attr-defined]  # no full reload
    query = parse_qs(urlsplit(page.url).query)  # type: ignore[attr-defined]
    assert query["q"] == ["khoa hoc cong nghe"]  # hx-push-url keeps the search in the address bar
    page.screenshot(path=str(SCREENSHOTS / "agencies-search.png"))  # type: ignore[attr-defined]


def test_english_switch_and_unit_lineage(server: str, page: object) -> None:
    page.goto(f"{server}/units/49?level=province")  # type: ignore[attr-defined]
    assert "Nay thuộc về" in page.inner_text("main")  # type: ignore[attr-defined]
    page.click("text=English")  # type: ignore[attr-defined]
    page.wait_for_selector("html[lang=en]")  # type: ignore[attr-defined]
    assert "Now part of" in page.inner_text("main")  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / "unit-lineage-en.png"))  # type: ignore[attr-defined]


def test_api_docs_render_offline(server: str, page: object) -> None:
    page.goto(f"{server}/api/docs")  # type: ignore[attr-defined]
    page.wait_for_selector(".swagger-ui .opblock", timeout=20000)  # type: ignore[attr-defined]
    assert "/api/agencies" in page.inner_text("#swagger-ui")  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / "api-docs.png"))  # type: ignore[attr-defined]
