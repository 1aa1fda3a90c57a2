"""Browser test: the secretariat fills the decision form, downloads the PDF and the text in it is right.

On the demo (`chiso init` + `chiso demo`) served by `chiso serve`: from the published 2024 ranking the
secretariat opens the form, sends it once with the signer missing (the error names the field in both
languages, what was typed stays), then fills it and downloads the decision. pdftotext reads the
Vietnamese back intact (national emblem line, number, signer); pdftoppm turns the first and last pages
into PNGs beside the screenshots (test-artifacts/screenshots/), at 1400 and 390 px wide.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in

from chiso.web.launch import served

pytestmark = pytest.mark.browser
PUBLISHED, OPEN = "DNG-2024", "DNG-2026"
SIGNER = "Nguyễn Thị Hường"


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("reports") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


def _pdf_text(path: Path, mode: str = "-layout") -> str:
    """Return the PDF's text; `-raw` keeps the rotated draft mark, which the layout mode leaves out."""
    command = ["pdftotext", mode, str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _pages_to_png(path: Path, name: str) -> list[Path]:
    """Render the PDF's first and last pages to PNG with pdftoppm (poppler-utils)."""
    count = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))  # fmt: skip
    out = []
    for number, label in ((1, "first"), (count, "last")):
        stem = SCREENSHOTS / f"{name}-{label}"
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number), "-singlefile",
                        str(path), str(stem)], check=True)  # fmt: skip
        out.append(stem.with_suffix(".png"))
    return out


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) not installed: `make test` installs them")
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    unexpected = [e for e in errors if "status of 422" not in e]  # the refused form answers 422 on purpose
    assert not unexpected, f"console errors: {unexpected}"


def _fill(page: Any, *, signer: str) -> None:
    page.fill("#f-number", "125")
    page.fill("#f-issued_on", "15/07/2026")
    page.fill("#f-signer_title", "PHÓ CHỦ TỊCH")
    page.fill("#f-signer_name", signer)
    page.fill("#f-recipients", "Như Điều 3;\nBộ Khoa học và Công nghệ;\nLưu: VT, KHCN.")


@pytest.mark.parametrize("width", [1400, 390])
def test_the_secretariat_fills_the_form_and_downloads_the_decision(
    server: str, tab: Any, tmp_path: Path, width: int
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.set_viewport_size({"width": width, "height": 1000})
    log_in(tab, server, "vanthu")
    tab.goto(f"{server}/rankings/{PUBLISHED}")
    with tab.expect_navigation():
        tab.click(f"a[href='/rankings/{PUBLISHED}/report']")
    assert "Đã công bố" in tab.inner_text("main")
    _fill(tab, signer="")
    with tab.expect_navigation():
        tab.click("form.report-form button[type=submit]")
    alert = tab.inner_text("[role=alert]")
    assert (
        "signer_name" in alert
        and "Cần nhập họ tên người ký" in alert
        and "signer's name is required" in alert
    )
    assert tab.input_value("#f-number") == "125", "what was typed is kept"
    assert tab.get_attribute("#f-signer_name", "aria-invalid") == "true"
    tab.screenshot(path=str(SCREENSHOTS / f"reports-form-error-{width}.png"), full_page=True)

    tab.fill("#f-signer_name", SIGNER)
    with tab.expect_download(timeout=180_000) as info:  # scoring and rendering on a loaded machine
        tab.click("form.report-form button[type=submit]", timeout=180_000)
    target = tmp_path / "decision.pdf"
    info.value.save_as(target)
    text = _pdf_text(target)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 125/QĐ-UBND",
                     "ngày 15 tháng 7 năm 2026", "Nơi nhận:", "Bộ Khoa học và Công nghệ;", SIGNER,
                     "PHÓ CHỦ TỊCH", "Phụ lục I", "UBND phường"):  # fmt: skip
        assert expected in text, expected
    assert not re.search(r"DỰ\s+THẢO", _pdf_text(target, "-raw"))
    if width == 1400:
        shutil.copy(target, SCREENSHOTS / "reports-decision.pdf")
        for png in _pages_to_png(target, "reports-decision"):
            assert png.stat().st_size > 10_000
    tab.screenshot(path=str(SCREENSHOTS / f"reports-form-{width}.png"), full_page=True)


def test_a_draft_decision_of_an_open_period_says_so(server: str, tab: Any, tmp_path: Path) -> None:
    log_in(tab, server, "vanthu")
    tab.goto(f"{server}/assessment/{OPEN}")
    with tab.expect_navigation():
        tab.click(f"a[href='/rankings/{OPEN}/report']")
    assert "DỰ THẢO" in tab.inner_text("main")
    _fill(tab, signer=SIGNER)
    tab.fill("#f-number", "")
    with tab.expect_download(timeout=180_000) as info:  # scoring and rendering on a loaded machine
        tab.click("form.report-form button[type=submit]", timeout=180_000)
    target = tmp_path / "draft.pdf"
    info.value.save_as(target)
    text = _pdf_text(target, "-raw")
    info_out = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True).stdout
    pages = int(info_out.split("Pages:")[1].split()[0])
    assert len(re.findall(r"DỰ\s+THẢO", text)) == pages, "the mark is on every page"
    assert SIGNER in text and "Số:" in text
    for png in _pages_to_png(target, "reports-draft"):
        assert png.stat().st_size > 10_000
