"""Browser tests of the assessor's review page (issue 10, defect 11, and defect 6 for its forms).

A returned demo submission gets a PDF and an image as evidence and is resubmitted (set up with the
services before the server starts); the assessor then reviews it in the browser: the evidence sits beside
each criterion and opens inline, the points are shown, a change of points shows the new points, the
comment and the last decision, the decision select keeps what was chosen, every action says it succeeded,
a refused decision answers in place, and approve and return ask first.
Screenshots at 1400 and 390 px go to test-artifacts/screenshots/review-*.png.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import demo_env, log_in

from chiso.web.launch import served

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "chiso-demo-2026"
PERIOD = "DNG-2026"
WIDTHS = [1400, 390]

# Run in the served copy's environment: evidence on returned submissions, then resubmitted (with SYSTEM,
# as the demo does). Prints the agency codes, one a line.
SETUP = """
import struct, zlib
from sqlalchemy import select
from chiso.accounts.actors import SYSTEM
from chiso.assessment import evidence, submissions
from chiso.store.db import session_scope
from chiso.store.models.assessment import AssessmentPeriod as Period, Submission
from chiso.store.models.agencies import Agency

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

png = (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(b"\\0\\xff\\0\\0")) + chunk(b"IEND", b""))
pdf = b"%PDF-1.4\\n1 0 obj<< /Type /Catalog >>endobj\\ntrailer<< /Root 1 0 R >>\\n%%EOF\\n"
with session_scope() as s:
    period = s.scalar(select(Period).where(Period.code == "DNG-2026"))
    rows = s.execute(select(Agency.code).join(Submission, Submission.agency_id == Agency.id)
                     .where(Submission.period_id == period.id, Submission.status == "returned")
                     .order_by(Agency.code)).scalars().all()[:3]
    for code in rows:
        view = submissions.get_submission_view(s, period_code="DNG-2026", agency_code=code, actor=SYSTEM)
        first = view.sections[0].fields[0].code
        evidence.add_evidence(s, period_code="DNG-2026", agency_code=code, indicator_code=first,
                              document_number="12/QĐ-UBND", summary="Kế hoạch chuyển đổi số",
                              files=[("ke-hoach.pdf", pdf), ("anh-chup.png", png)], actor=SYSTEM)
        submissions.submit(s, period_code="DNG-2026", agency_code=code, actor=SYSTEM)
        print(code)
"""


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The demo with three resubmitted submissions holding evidence, served; yields (URL, agency codes)."""
    data_dir = tmp_path_factory.mktemp("review") / "var"
    env = demo_env(demo_template, data_dir)
    done = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    codes = done.stdout.split()
    assert len(codes) == 3
    with served(env, data_dir / "serve.log") as url:
        yield url, codes


@pytest.fixture
def assessor(browser: Any, site: tuple[str, list[str]], request: pytest.FixtureRequest) -> Iterator[Any]:
    width = request.node.callspec.params["width"]
    context = browser.new_context(
        locale="vi-VN", viewport={"width": width, "height": 1000 if width > 500 else 844}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, site[0], "thamdinh", PASSWORD)
    yield page
    context.close()
    assert not errors, f"script errors: {errors}"


def _shot(page: Any, name: str, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"review-{name}-{width}.png"))


def _done(page: Any) -> str:
    box = page.locator("#done")
    box.wait_for(state="visible", timeout=15000)
    return str(box.inner_text())


@pytest.mark.parametrize("width", WIDTHS)
def test_review_page_evidence_points_decisions(
    assessor: Any, site: tuple[str, list[str]], width: int
) -> None:
    page = assessor
    url, codes = site
    agency = codes[0] if width > 500 else codes[1]
    form_url = f"{url}/assessment/{PERIOD}/agencies/{agency}"
    page.goto(form_url)
    first = page.locator("fieldset.criterion").first
    code = str(first.get_attribute("id"))
    # The evidence is beside the criterion, with its decision form; the PDF and image open inline.
    assert first.locator("ul.evidence").count() == 1
    assert first.locator("form.decision").count() == 1
    image = first.locator("ul.evidence img")
    assert image.count() == 1
    image.scroll_into_view_if_needed()  # drawn lazily
    image.evaluate("i => i.decode()")
    assert image.evaluate("i => i.complete && i.naturalWidth > 0")
    pdf = first.locator("ul.evidence a", has_text="ke-hoach.pdf")
    answer = page.request.get(url + str(pdf.get_attribute("href")))
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline")
    assert pdf.get_attribute("target") == "_blank"
    # The points are shown, not only the value.
    assert first.locator(".points").count() == 1
    assert "điểm" in first.locator(".points").inner_text()
    first.scroll_into_view_if_needed()
    _shot(page, "1-criterion", width)
    # Change the points: the row shows the new points, the comment and the last decision; the select
    # keeps "change"; a success message.
    decision = first.locator("form.decision")
    decision.locator("select[name=decision]").select_option("change")
    decision.locator("input[name=points]").fill("1,5")
    decision.locator("input[name=comment]").fill("Thiếu minh chứng ký số")
    decision.locator("button[type=submit]").click()
    assert "Đã lưu" in _done(page)
    first = page.locator(f"fieldset.criterion[id='{code}']")
    text = first.inner_text()
    assert "1,5" in text or "1.5" in text
    assert "Thiếu minh chứng ký số" in text
    assert "Sửa điểm" in first.locator(".last-decision").inner_text()
    assert first.locator("select[name=decision]").input_value() == "change"
    first.scroll_into_view_if_needed()
    _shot(page, "2-changed", width)
    # A refused decision (change without points) answers in place, with the comment kept.
    decision = first.locator("form.decision")
    decision.locator("input[name=points]").fill("")
    decision.locator("input[name=comment]").fill("giữ lại nhận xét")
    decision.locator("button[type=submit]").click()
    decision.locator(".form-error").wait_for(state="visible", timeout=15000)
    assert page.url.split("#")[0] == form_url
    assert decision.locator("input[name=comment]").input_value() == "giữ lại nhận xét"
    # Approve asks first: dismissing keeps the page; accepting approves with a message.
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.locator("#approve-form button[type=submit]").click()
    assert asked and "Duyệt" in asked[0]
    assert page.url.split("#")[0] == form_url
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation(url="**/assessment/review"):
        page.locator("#approve-form button[type=submit]").click()
    assert "duyệt" in _done(page).lower()
    _shot(page, "3-approved", width)


@pytest.mark.parametrize("width", [1400])
def test_return_asks_first_and_says_it_is_done(
    assessor: Any, site: tuple[str, list[str]], width: int
) -> None:
    page = assessor
    url, codes = site
    page.goto(f"{url}/assessment/{PERIOD}/agencies/{codes[2]}")
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.locator("#return-form input[name=comment]").fill("Bổ sung văn bản ký số")
    with page.expect_navigation(url="**/assessment/review"):
        page.locator("#return-form button[type=submit]").click()
    assert "trả lại" in _done(page).lower()
    assert asked and "Trả lại" in asked[0]
