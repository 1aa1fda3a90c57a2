"""Browser test of issue 14's frameworks (acceptance): import from Excel, edit a criterion's points,
open a period on the framework, and see the version frozen (a further edit creates a new version).

On the demo served by `chiso serve`, as the secretariat, at 1400x1000 and 390x844: the annex is checked
first (dry run) and then imported; the editor refuses a criterion's points that no longer add up to its
pillar, in place with the input kept, and saves once they do; the period is opened through the existing
API (`POST /api/assessment`); the version then says it is frozen, and saving an edit lands on `id@2026.2`
while `id@2026.1` keeps its points. Screenshots: test-artifacts/screenshots/frameworks-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in
from sqlalchemy import select

from chiso.frameworks import save_framework
from chiso.frameworks.excel import template_framework, write_framework_xlsx
from chiso.store import session_scope
from chiso.store.models import PeerGroup
from chiso.web.launch import served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("frameworks") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url, data_dir


def _groups(data_dir: Path) -> tuple[str, str, list[str]]:
    """Return the demo's province, its newest group period and that period's peer groups."""
    with session_scope(f"sqlite:///{data_dir / 'chiso.db'}") as s:
        rows = s.execute(select(PeerGroup.province_code, PeerGroup.period, PeerGroup.code)).all()
    label = max(period for _, period, _ in rows)
    return rows[0][0], label, sorted({code for _, period, code in rows if period == label})


def _shot(page: Any, name: str, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"frameworks-{name}-{width}.png"), full_page=True)


def _sideways(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@pytest.mark.parametrize(("width", "height"), [(1400, 1000), (390, 844)])
def test_import_edit_open_a_period_and_see_the_version_frozen(
    site: tuple[str, Path], browser: Any, width: int, height: int, tmp_path: Path
) -> None:
    server, data_dir = site
    framework_id = f"tp-thu-{width}"
    ref = f"{framework_id}@2026.1"
    annex = tmp_path / "phu-luc.xlsx"
    write_framework_xlsx(template_framework().model_copy(update={"id": framework_id}), annex)
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, server, "vanthu")
    sideways: dict[str, int] = {}

    # the catalogue, then the import: a dry run first, the import after
    page.goto(f"{server}/frameworks")
    assert "danang-it" in page.inner_text("table.fw-list")
    assert page.locator("a[href='/frameworks/template.xlsx']").count() == 1
    sideways["list"] = _sideways(page)
    _shot(page, "list", width)
    with page.expect_navigation():
        page.click("a[href='/frameworks/import']")
    page.set_input_files("#import-form input[type=file]", str(annex))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    assert ref in page.inner_text(".fw-dry-run")
    _shot(page, "dry-run", width)
    with page.expect_navigation():
        page.click("#import-confirm button[type=submit]")
    assert f"/frameworks/{ref}" in page.url and "Đã nhập" in page.inner_text("main")

    # edit a criterion's points: refused in place until its pillar adds up, then saved
    with page.expect_navigation():
        page.click("#edit-link")
    points = page.locator('[name="c3:max_points"]')
    points.fill("12")
    points.press("Tab")
    page.wait_for_selector("#edit-NTS .field-error")
    assert page.input_value('[name="c3:max_points"]') == "12"
    sideways["edit-error"] = _sideways(page)
    _shot(page, "edit-error", width)
    other = page.locator('[name="c6:max_points"]')
    other.fill("3")
    other.press("Tab")
    page.wait_for_selector(".fw-valid")
    with page.expect_navigation():
        page.click("#fw-save")
    assert f"/frameworks/{ref}?saved=" in page.url
    assert "12" in page.inner_text("#node-NTS_KE_HOACH")

    # open a period on it through the existing API, as the period page would
    province, label, groups = _groups(data_dir)
    csrf = page.locator("input[name=csrf_token]").first.input_value()
    opened = page.request.post(
        f"{server}/api/assessment",
        headers={"X-CSRF-Token": csrf},
        data={
            "code": f"TP-THU-{width}", "name_vi": "Kỳ thử bộ chỉ số mới", "province_code": province,
            "period": label, "framework_id": framework_id, "group_codes": groups,
            "submission_deadline": "2026-12-15T17:00:00", "review_deadline": "2026-12-30T17:00:00",
        },
    )  # fmt: skip
    assert opened.ok, opened.text()

    # the version is frozen: the page says so, and an edit is saved as a new version
    page.goto(f"{server}/frameworks/{ref}")
    assert "Đã khóa" in page.inner_text("main") and f"TP-THU-{width}" in page.inner_text("main")
    assert f"{framework_id}@2026.2" in page.inner_text(".fw-frozen-note")
    sideways["frozen"] = _sideways(page)
    _shot(page, "frozen", width)
    with page.expect_navigation():
        page.click("#edit-link")
    assert f"{framework_id}@2026.2" in page.inner_text("#fw-save")
    page.fill('[name="c3:max_points"]', "10")
    page.fill('[name="c6:max_points"]', "5")
    with page.expect_navigation():
        page.click("#fw-save")
    assert f"/frameworks/{framework_id}@2026.2?saved=" in page.url
    page.goto(f"{server}/frameworks/{ref}")
    assert "12" in page.inner_text("#node-NTS_KE_HOACH")  # the frozen version kept its points

    page.goto(f"{server}/frameworks/{framework_id}/compare")
    changes = page.inner_text("table.fw-changes")
    assert "NTS_KE_HOACH" in changes and "đổi điểm" in changes
    sideways["compare"] = _sideways(page)
    _shot(page, "compare", width)
    context.close()
    assert not any(sideways.values()), f"pages scroll sideways at {width}px: {sideways}"
    assert not errors, f"console errors: {errors}"


@pytest.mark.parametrize("how", ["typed-on", "pressed-save"])
def test_save_right_after_typing_keeps_the_edit(site: tuple[str, Path], browser: Any, how: str) -> None:
    """A live check answered late never puts old values back nor swallows the Save click.

    A check is held (page.route) and answered after the user typed on (`typed-on`: its answer carries
    the old value of the field typed since) or while Save is held down (`pressed-save`: its answer would
    replace the button between press and release); either way the save carries what is on screen and
    lands on the saved version.
    """
    server, data_dir = site
    framework_id = f"tp-nhanh-{how}"
    ref = f"{framework_id}@2026.1"
    save_framework(template_framework().model_copy(update={"id": framework_id}), data_dir / "frameworks")
    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    log_in(page, server, "vanthu")
    page.goto(f"{server}/frameworks/{ref}/edit")
    hold: list[bool] = []
    held: list[Any] = []
    page.route("**/check", lambda route: held.append(route) if hold and not held else route.continue_())

    def expect_answer() -> None:
        page.evaluate("""() => { window.answered = new Promise((ok) => document.addEventListener(
            "htmx:afterRequest", (e) => e.detail.pathInfo.requestPath.endsWith("/check") && ok())); }""")

    def answer_held_check() -> None:
        """Let the held check's answer in; return once htmx handled it (swapped in or not)."""
        while not held:
            page.wait_for_timeout(10)
        expect_answer()
        held[0].continue_()
        page.evaluate("() => window.answered.then(() => true)")

    c3, c6 = '[name="c3:max_points"]', '[name="c6:max_points"]'  # NTS_KE_HOACH 10, NTS_SANG_KIEN 5
    if how == "typed-on":
        hold.append(True)
        page.fill(c3, "12")
        page.press(c3, "Tab")  # c3's check goes out with c6 still 5
        page.fill(c6, "3")
        answer_held_check()
        assert page.input_value(c6) == "3"  # what was typed stays
        with page.expect_navigation():
            page.click("#fw-save")
    else:
        page.fill(c3, "12")
        expect_answer()
        page.press(c3, "Tab")
        page.evaluate("() => window.answered.then(() => true)")
        page.wait_for_selector("#edit-NTS .field-error")  # 42 of 40: refused in place
        hold.append(True)
        page.fill(c6, "3")
        box = page.locator("#fw-save").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()  # c6 loses focus: its check goes out and is answered while Save is held down
        answer_held_check()
        with page.expect_navigation():
            page.mouse.up()
    assert f"/frameworks/{ref}?saved=" in page.url, page.inner_text("main")[:300]
    assert "12" in page.inner_text("#node-NTS_KE_HOACH") and "3" in page.inner_text("#node-NTS_SANG_KIEN")
    context.close()
