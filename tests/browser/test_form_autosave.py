"""Browser tests of the self-assessment autosave (issue 10, defects 1 and 2) on the demo province.

A reporter's session ends while typing (logged out in a second tab, or the cookie gone): nothing typed
is lost, a banner says so, and after logging in again everything is saved. Invalid values are marked
on their own field with the bilingual message beside it, and survive a reload with the mark.
Screenshots at 1400 and 390 px go to test-artifacts/screenshots/autosave-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import demo_env

from chiso.web.launch import served

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
REPORTER, PASSWORD = "baocao.khcn", "chiso-demo-2026"
PERIOD, AGENCY = "DNG-2026", "DNG.SO.KHCN"
WIDTHS = [1400, 390]


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the demo served by `chiso serve`; yields its URL."""
    data_dir = tmp_path_factory.mktemp("autosave") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


@pytest.fixture
def reporter(browser: Any, site: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The reporter's browser context at the parametrized width, logged in; JS errors fail the test."""
    width = request.node.callspec.params["width"]
    context = browser.new_context(
        locale="vi-VN", viewport={"width": width, "height": 1000 if width > 500 else 844}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())
    _login(page, site)
    page.goto(_form(site))
    page.evaluate("localStorage.clear()")
    yield page
    context.close()
    assert not errors, f"script errors: {errors}"


def _form(url: str) -> str:
    return f"{url}/assessment/{PERIOD}/agencies/{AGENCY}"


def _login(page: Any, url: str | None = None) -> None:
    if url is not None:
        page.goto(f"{url}/login")
    page.fill("input[name=username]", REPORTER)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form.stacked button[type=submit]")


def _shot(page: Any, name: str, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"autosave-{name}-{width}.png"), full_page=False)


def _entries(page: Any, shift: int) -> list[tuple[str, str]]:
    """30 valid entries (name, text) over every editable field, different per run so a lost one shows.

    The demo form has 28 editable fields: the last entries type a second value into the first fields.
    """
    boxes = page.locator(
        "#values input[name$='__value']:not([type=radio]):not([readonly]), "
        "#values input[name$='__numerator']:not([readonly]), "
        "#values input[name$='__denominator']:not([readonly]), "
        "#values input[name$='__comment']:not([readonly])"
    ).all()
    entries = [(b.get_attribute("name"), _valid(b, n + shift)) for n, b in enumerate(boxes)]
    radios = page.locator("#values input[type=radio][value='1']:not([disabled])").all()
    entries += [(r.get_attribute("name"), str((n + shift) % 2)) for n, r in enumerate(radios)]
    comments = [name for name, _ in entries if name.endswith("__comment")]
    entries += [(name, f"sửa lại {n + shift}") for n, name in enumerate(comments)]
    return entries[:30]


def _valid(box: Any, n: int) -> str:
    name = box.get_attribute("name")
    unit = box.get_attribute("data-unit")
    if name.endswith("__comment"):
        return f"ghi chú {n}"
    if unit == "percent":
        return f"{50 + n % 40}%"
    if unit == "fraction":
        return f"0,{50 + n % 40}"
    if name.endswith("__numerator"):
        return str(3 + n % 3)
    if name.endswith("__denominator"):
        return "7"
    if unit == "points":  # a penalty lies in -5..0
        bounds = box.locator("xpath=following-sibling::small")
        return "-1" if bounds.count() and "-" in bounds.inner_text() else "1"
    return str(n % 5 + 1)


def _type(page: Any, name: str, text: str) -> None:
    box = page.locator(f"#values [name='{name}']")
    if box.first.get_attribute("type") == "radio":
        page.locator(f"#values [name='{name}'][value='{text}']").check()
    else:
        box.fill(text)
    box.first.dispatch_event("change")


def _shown(page: Any, name: str) -> str:
    box = page.locator(f"#values [name='{name}']")
    if box.first.get_attribute("type") == "radio":
        checked = page.locator(f"#values [name='{name}']:checked")
        return checked.get_attribute("value") if checked.count() else ""
    return str(box.input_value())


def _typed_all(page: Any, url: str, expected: dict[str, str]) -> None:
    """Reload from the server only (local storage emptied) and check every value is there."""
    page.evaluate("localStorage.clear()")
    page.goto(_form(url))
    for name, text in expected.items():
        shown = _shown(page, name)
        if name.endswith("__comment") or shown in ("0", "1"):
            assert shown == text, name
        else:  # the server shows numbers in its own notation (83% for 0,83)
            assert shown != "", f"{name}: typed {text!r}, the server has nothing"


def _wait_saved(page: Any) -> None:
    """Wait until nothing waits in local storage (every typed value is on the server)."""
    left = "() => Object.keys(localStorage).filter(k => k.startsWith('chiso:draft:'))"
    try:
        page.wait_for_function(f"() => !document.querySelector('.htmx-request') && ({left})().length === 0")
    except Exception as exc:
        problems = page.locator("#status .problem").all_inner_texts()
        raise AssertionError(f"unsaved: {page.evaluate(left)}; problems: {problems}") from exc


@pytest.mark.parametrize("width", WIDTHS)
def test_logout_in_another_tab_loses_nothing(reporter: Any, site: str, width: int) -> None:
    page = reporter
    entries = _entries(page, 0)
    assert len(entries) == 30
    expected = dict(entries)
    for name, text in entries[:10]:
        _type(page, name, text)
    _wait_saved(page)
    # The reporter logs out in a second tab and keeps typing in the first.
    other = page.context.new_page()
    other.goto(_form(site))
    with other.expect_navigation():
        other.click("header form[action='/logout'] button")
    other.close()
    for name, text in entries[10:]:
        _type(page, name, text)
    banner = page.locator("#autosave-alert")
    banner.wait_for(state="visible", timeout=15000)
    assert "Chưa lưu — hãy đăng nhập lại / Not saved — log in again" in banner.inner_text()
    _shot(page, "1-logged-out", width)
    # Log in again in the new tab the banner opens, come back, save again.
    with page.context.expect_page() as opened:
        page.click("#relogin")
    login = opened.value
    login.wait_for_load_state()
    _login(login)
    login.close()
    page.click("#save-again")
    banner.wait_for(state="hidden", timeout=15000)
    _wait_saved(page)
    _shot(page, "2-saved-again", width)
    _typed_all(page, site, expected)


@pytest.mark.parametrize("width", WIDTHS)
def test_expired_session_then_reload_restores_and_saves(reporter: Any, site: str, width: int) -> None:
    page = reporter
    entries = _entries(page, 7)
    expected = dict(entries)
    page.context.clear_cookies(name="chiso_session")  # the 12-hour expiry, as the browser sees it
    for name, text in entries:
        _type(page, name, text)
    page.locator("#autosave-alert").wait_for(state="visible", timeout=15000)
    # A reload lands on the login page; logging in comes back to the form, which puts back and saves.
    page.goto(_form(site))
    assert "/login" in page.url
    _login(page)
    assert page.url.endswith(_form(site).split(site)[1])
    for name, text in expected.items():
        assert _shown(page, name) == text, name
    _wait_saved(page)
    _typed_all(page, site, expected)


@pytest.mark.parametrize("width", WIDTHS)
def test_invalid_values_are_marked_on_their_field_and_kept(reporter: Any, site: str, width: int) -> None:
    page = reporter
    counts = page.locator(
        "#values input[name$='__value'][data-unit=count]:not([readonly]), "
        "#values input[name$='__value'][data-unit=number]:not([readonly])"
    )
    rate = page.locator("#values input[name$='__value'][data-unit=percent]:not([readonly])").first
    comment = page.locator("#values input[name$='__comment']:not([readonly])").last
    bad = {counts.first.get_attribute("name"): "abc", rate.get_attribute("name"): "170%"}
    if counts.count() > 1:
        bad[counts.nth(1).get_attribute("name")] = "1e308"
    assert comment.get_attribute("name").split("__")[0] not in {name.split("__")[0] for name in bad}
    marked = f"() => document.querySelectorAll('#values [aria-invalid=true]').length === {len(bad)}"
    _type(page, comment.get_attribute("name"), "vẫn được lưu")
    for name, text in bad.items():
        _type(page, name, text)
    page.wait_for_selector("#values [aria-invalid=true]", timeout=15000)
    page.wait_for_function(marked)

    def check_marked() -> None:
        for name, text in bad.items():
            box = page.locator(f"#values [name='{name}']")
            assert box.input_value() == text
            assert box.get_attribute("aria-invalid") == "true"
            code = name.split("__")[0]
            message = page.locator(f"#{code}-error".replace(".", "\\."))
            assert message.is_visible()
            assert " / " in message.inner_text()  # Vietnamese / English
            assert box.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(179, 38, 30)"

    check_marked()
    page.locator(f"#values [name='{rate.get_attribute('name')}']").scroll_into_view_if_needed()
    _shot(page, "3-invalid", width)
    page.reload()
    page.wait_for_function(marked)
    check_marked()
    page.wait_for_selector("#status .saved")  # the restored values were sent again, and refused again
    check_marked()
    # The valid comment typed beside them was saved.
    page.evaluate("localStorage.clear()")
    page.reload()
    assert page.locator(f"#values [name='{comment.get_attribute('name')}']").input_value() == "vẫn được lưu"
    for name in bad:
        assert page.locator(f"#values [name='{name}']").get_attribute("aria-invalid") is None
