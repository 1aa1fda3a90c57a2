"""Browser test of the secretariat's user pages on the demo (`chiso serve`, Debian's chromium).

At 1400 and 390 px wide, as the secretariat: /users lists the demo users with Vietnamese role names; a
refused create form shows its error in place with the inputs kept; a good one shows the one-time link;
the new user sets their password through the link (once) and logs in; the secretariat deactivates them
and their open session is refused on its next request. Screenshots: test-artifacts/screenshots/users-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in

from chiso.accounts.demo import DEMO_PASSWORD
from chiso.web.launch import served

pytestmark = pytest.mark.browser
NEW_PASSWORD = "mat-khau-rieng-cua-toi"


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("users") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


def _tab(browser: Any, width: int) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.mark.parametrize("width", [1400, 390])
def test_create_link_password_login_deactivate(server: str, browser: Any, width: int) -> None:
    username = f"canbo.{width}"
    admin, page, errors = _tab(browser, width)
    log_in(page, server, "vanthu", DEMO_PASSWORD)
    page.goto(f"{server}/users")
    assert "Người báo cáo của cơ quan" in page.inner_text("main") and "baocao.khcn" in page.inner_text("main")
    page.fill("#user-form input[name=username]", username)
    page.fill("#user-form input[name=full_name]", "Cán Bộ Mới")
    page.select_option("#user-form select[name=role]", "reporter")
    page.fill("#user-form input[name=agency_code]", "KHONG.CO")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("#user-form .form-error")
    assert page.input_value("#user-form input[name=full_name]") == "Cán Bộ Mới"
    page.screenshot(path=str(SCREENSHOTS / f"users-error-{width}.png"), full_page=True)
    page.fill("#user-form input[name=agency_code]", "DNG.SO.KHCN")
    page.click("#user-form button[type=submit]")
    link = page.wait_for_selector("#user-form code.reset-link").inner_text()
    page.screenshot(path=str(SCREENSHOTS / f"users-created-{width}.png"), full_page=True)

    own, their_page, their_errors = _tab(browser, width)
    their_page.goto(link)
    their_page.fill("input[name=password]", NEW_PASSWORD)
    their_page.fill("input[name=again]", NEW_PASSWORD)
    their_page.screenshot(path=str(SCREENSHOTS / f"users-reset-{width}.png"), full_page=True)
    with their_page.expect_navigation():
        their_page.click("form.stacked button[type=submit]")
    assert their_page.goto(link).status == 404  # used once
    log_in(their_page, server, username, NEW_PASSWORD)
    assert their_page.goto(f"{server}/account").status == 200

    page.goto(f"{server}/users/{username}")
    page.screenshot(path=str(SCREENSHOTS / f"users-detail-{width}.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button.danger")
    assert "Đã khóa" in page.inner_text("main")
    their_page.goto(f"{server}/account")
    assert "/login" in their_page.url  # the open session ended at once
    assert not errors, errors
    own.close()
    admin.close()
