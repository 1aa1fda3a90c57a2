"""Helpers of the tests that run chiso as a newcomer would: the `chiso` command and a copy of the demo.

The demo itself is built once per session by the `demo_template` fixture (tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chiso.accounts.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def run_chiso(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run `python -m chiso ARGS`; fail the test with its output when it fails; return its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "chiso", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"chiso {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def demo_env(template: Path, target: Path) -> dict[str, str]:
    """Copy the demo data dir to `target`; return the environment that points chiso at the copy."""
    shutil.copytree(template, target)
    env = {k: v for k, v in os.environ.items() if k != "CHISO_DATABASE_URL"}
    env["CHISO_DATA_DIR"] = str(target)
    return env


def nav_link(page, href: str):  # type: ignore[no-untyped-def]
    """Return the main menu's link to `href`, opening its drop-down group first when it is in one."""
    link = page.locator(f"header.site nav a[href='{href}']")
    group = page.locator("header.site nav details", has=page.locator(f"a[href='{href}']"))
    if group.count() and not group.first.evaluate("d => d.open"):
        group.first.locator("summary").click()
    return link


def open_tab(browser, viewport: dict[str, int]):  # type: ignore[no-untyped-def]
    """Return (context, page, errors): a Vietnamese browser tab that collects console and page errors."""
    context = browser.new_context(locale="vi-VN", viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def log_in(page, url: str, username: str, password: str = DEMO_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Log in through the real form and wait for the page it leads to."""
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form.stacked button[type=submit]")


def follows(page: Any, act: Callable[[], None]) -> None:
    """Do `act` and wait for the page it leads to; if none comes, fail with the errors the page shows."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        with page.expect_navigation():
            act()
    except PlaywrightTimeout:
        shown = page.locator(".form-error, .form-field-error").all_inner_texts()
        raise AssertionError(f"the action led to no page; the page shows: {shown}") from None
