"""Browser journey of the assessment cycle on the demo province (Playwright driving Debian's chromium).

The reporter fills the form with evidence and submits; the assessor returns it with a comment; the
reporter corrects and resubmits; two assessors edit the same criterion (the second gets the conflict
with the first one's change); the assessor approves; the secretariat publishes; the public page shows
the rank and band. A ward reporter does the Excel round-trip. Screenshots go to
test-artifacts/screenshots/assessment-*.png.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import demo_env, log_in

from chiso.web.launch import served

# The whole journey takes minutes: CI runs it (CHISO_TEST_SLOW=1); `make test` leaves it out (15 min).
pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "chiso-demo-2026"
PERIOD = "DNG-2026"
DOST, WARD = "DNG.SO.KHCN", "DNG.PX.20242"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


SECOND_ASSESSOR = f"""
from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.assessment import periods
from chiso.store import session_scope
with session_scope() as s:
    create_user(s, username="thamdinh2", full_name="Võ Thị Thẩm", password="{PASSWORD}", role="assessor",
                province_code="48")
    periods.assign_assessor(s, period_code="{PERIOD}", group_code="SBN", username="thamdinh2", actor=SYSTEM)
"""

# The rest of the province finishes its self-assessment and gets approved, so the period can be published.
FINISH_OTHERS = f"""
from sqlalchemy import select
from chiso.accounts.actors import SYSTEM
from datetime import timedelta
from chiso import clock
from chiso.assessment import periods, review, submissions
from chiso.assessment.demo import _values_for
from chiso.assessment.form import load_form
from chiso.assessment.submissions import values_by_code
from chiso.store import session_scope
from chiso.store.models import Agency
from chiso.store.models.assessment import AssessmentPeriod, Submission
with session_scope() as s:
    period = s.scalar(select(AssessmentPeriod).where(AssessmentPeriod.code == "{PERIOD}"))
    form = load_form(period.framework_id)[1]  # computed criteria come from the record store, not typed
    rows = s.execute(select(Submission, Agency).join(Agency, Agency.id == Submission.agency_id)
                     .where(Submission.period_id == period.id, Submission.status != "approved")).all()
    for sub, agency in rows:
        if sub.status in ("draft", "returned"):
            if sub.status == "draft" and periods.submission_deadline_for(period, sub) < clock.now():
                # the demo keeps a few agencies overdue: the secretariat extends them first
                periods.extend_deadline(s, period_code="{PERIOD}", agency_code=agency.code,
                                        until=clock.now() + timedelta(days=3), reason="gia hạn thử",
                                        actor=SYSTEM)
            submissions.save_draft(s, period_code="{PERIOD}", agency_code=agency.code,
                                   values=_values_for(tuple(c for c in form.criteria_for(agency.kind)
                                                            if not c.computed), agency, "2026x"),
                                   actor=SYSTEM)
            submissions.submit(s, period_code="{PERIOD}", agency_code=agency.code, actor=SYSTEM)
        for code, row in values_by_code(s, submission=sub).items():  # the demo's corrected ones: accepted
            if row.review_state == "returned":
                review.review_value(s, period_code="{PERIOD}", agency_code=agency.code, indicator_code=code,
                                    decision="accept", expected_version=row.version, actor=SYSTEM)
        review.approve_submission(s, period_code="{PERIOD}", agency_code=agency.code, actor=SYSTEM)
"""


def _python(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def site(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """A copy of the demo (`chiso init` + `chiso demo`) + a second assessor, served; yields (url, env)."""
    data_dir = tmp_path_factory.mktemp("journey") / "var"
    env = demo_env(demo_template, data_dir)
    _python(env, "-c", SECOND_ASSESSOR)
    with served(env, data_dir / "serve.log") as url:
        yield url, env


class Person:
    """One person in their own browser context; records console errors and unexpected HTTP errors."""

    def __init__(self, browser: Any, url: str) -> None:
        self.url = url
        self.context = browser.new_context(
            locale="vi-VN", viewport={"width": 1280, "height": 1000}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.allowed_status: set[int] = set()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", self._response)
        self.dialogs: list[str] = []  # confirmations asked (submit, return, approve): accepted
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.accept()))

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status not in self.allowed_status:
            self.errors.append(f"{response.status} {response.url}")

    def login(self, username: str) -> Person:
        log_in(self.page, self.url, username, PASSWORD)
        return self

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"assessment-{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        console = [e for e in self.errors if "409" not in e or 409 not in self.allowed_status]
        assert not console, f"errors in the browser: {console}"


def _form_url(url: str, agency: str) -> str:
    return f"{url}/assessment/{PERIOD}/agencies/{agency}"


def _wait_saved(page: Any) -> None:
    page.wait_for_selector("#status .saved", timeout=15000)


def fill_required(page: Any) -> None:
    """Type a valid value into every empty required field, the way a reporter would."""
    for fieldset in page.locator("#values fieldset.criterion").all():
        if fieldset.locator("legend abbr").count() == 0:
            continue  # optional
        radios = fieldset.locator("input[type=radio]")
        if radios.count():
            if not any(r.is_checked() for r in radios.all()):
                radios.first.check()
            continue
        rate = fieldset.locator("input[data-unit=percent], input[data-unit=fraction]").count() > 0
        for name, text in (
            ("__numerator", "8"),
            ("__denominator", "10"),
            ("__value", "90%" if rate else "1"),
        ):
            box = fieldset.locator(f"input[name$='{name}']")
            if box.count() and not box.first.input_value() and box.first.get_attribute("readonly") is None:
                box.first.fill(text)
                box.first.dispatch_event("change")


def test_excel_round_trip_in_the_browser(site: tuple[str, dict[str, str]], browser: Any) -> None:
    """Runs first: the journey below approves every submission of the period, the ward's included."""
    from openpyxl import load_workbook

    url, _env = site
    ward = Person(browser, url).login("baocao.haichau")
    page = ward.page
    page.goto(_form_url(url, WARD))
    with page.expect_download() as info:
        page.click("a[href$='/template.xlsx']")
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    sheet = book["BieuMau"]
    for row in sheet.iter_rows(min_row=6):
        code, kind = row[0].value, row[3].value
        if not kind or code in ("DIEM_THUONG", "DIEM_TRU"):
            continue
        if kind.startswith("Có/Không") and not row[5].value:
            row[5].value = "Có"
        elif kind.startswith("Tử số") and not row[6].value:
            row[6].value, row[7].value = 45, 50
        elif not row[5].value and not kind.startswith("Tử số"):
            row[5].value = 0.9 if "[0..1]" in kind else 2
    out = io.BytesIO()
    book.save(out)
    page.set_input_files(
        "#template-form input[name=file]",
        files=[{"name": "bieu-mau.xlsx", "mimeType": "application/octet-stream", "buffer": out.getvalue()}],
    )
    with page.expect_navigation():
        page.click("#template-form button")
    assert int(page.inner_text("#uploaded").split(":")[-1]) > 0
    assert page.locator("#status .missing").count() == 0
    ward.shot("6-excel-round-trip")
    ward.close()


def test_the_whole_cycle_in_the_browser(site: tuple[str, dict[str, str]], browser: Any) -> None:
    url, env = site
    from playwright.sync_api import expect

    # 1. The reporter fills in the form with evidence and submits.
    reporter = Person(browser, url).login("baocao.khcn")
    page = reporter.page
    page.goto(f"{url}/assessment/{PERIOD}")
    page.click(f"a[href='/assessment/{PERIOD}/agencies/{DOST}']")
    expect(page.locator("#submission-status")).to_have_text("Nháp")
    fill_required(page)
    _wait_saved(page)
    expect(page.locator("#status .missing")).to_have_count(0, timeout=15000)
    page.select_option("#evidence-form select[name=indicator_code]", "HT_ATTT")
    page.fill("#evidence-form input[name=document_number]", "15/QĐ-SKHCN")
    page.fill("#evidence-form [name=summary]", "Quy chế bảo đảm an toàn thông tin")
    page.set_input_files(
        "#evidence-form input[name=files]",
        files=[{"name": "quy-che-attt.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    with page.expect_navigation():
        page.click("#evidence-form button[type=submit]")
    expect(page.locator("#HT_ATTT ul.evidence")).to_contain_text("15/QĐ-SKHCN")
    reporter.shot("1-reporter-form")
    with page.expect_navigation():
        page.click("#submit-form button")
    assert "bị khóa" in reporter.dialogs[-1]  # asked first, saying what submitting locks
    expect(page.locator("#submitted")).to_contain_text("Đã nộp bản tự đánh giá thành công")
    expect(page.locator("#receipt-values")).not_to_have_text("0")
    reporter.shot("1b-receipt")
    page.goto(_form_url(url, DOST))
    expect(page.locator("#submission-status")).to_have_text("Đã nộp")

    # 2. The assessor returns one criterion and the submission with comments.
    assessor = Person(browser, url).login("thamdinh")
    a = assessor.page
    a.goto(f"{url}/assessment/review")
    expect(a.locator("table.queue")).to_contain_text(DOST)
    assessor.shot("2-review-queue")
    a.click(f"table.queue a[href='/assessment/{PERIOD}/agencies/{DOST}']")
    row = a.locator("#HT_MAY_TINH form.decision")  # each criterion carries its own decision form
    row.locator("select[name=decision]").select_option("return")
    row.locator("input[name=comment]").fill("Tỷ lệ máy tính chưa khớp báo cáo")
    with a.expect_navigation():
        row.locator("button").click()
    a.fill("#return-form input[name=comment]", "Đề nghị sửa HT_MAY_TINH và nộp lại")
    with a.expect_navigation():
        a.click("#return-form button")

    # 3. The reporter sees the comments, corrects and resubmits; the history stays visible.
    page.goto(_form_url(url, DOST))
    expect(page.locator("#review-comment")).to_contain_text("Đề nghị sửa HT_MAY_TINH")
    expect(page.locator("#HT_MAY_TINH .review-comment")).to_have_text("Tỷ lệ máy tính chưa khớp báo cáo")
    reporter.shot("3-returned")
    box = page.locator("input[name=HT_MAY_TINH__value]")
    box.fill("0,85")
    box.dispatch_event("change")
    _wait_saved(page)
    with page.expect_navigation():
        page.click("#submit-form button")
    expect(page.locator("#receipt")).to_contain_text("Đã nộp lại")

    # 4. Two assessors open the same criterion; the second one's decision is refused with the first's change.
    other = Person(browser, url).login("thamdinh2")
    o = other.page
    a.goto(_form_url(url, DOST))
    o.goto(_form_url(url, DOST))
    mine = a.locator("#CS_KINH_PHI form.decision")
    mine.locator("select[name=decision]").select_option("change")
    mine.locator("input[name=points]").fill("3")
    mine.locator("input[name=comment]").fill("Chỉ có dự toán, chưa có quyết toán")
    with a.expect_navigation():
        mine.locator("button").click()
    other.allowed_status.add(409)
    theirs = o.locator("#CS_KINH_PHI form.decision")
    theirs.locator("select[name=decision]").select_option("accept")
    theirs.locator("button").click()  # refused in place: the page stays, the choice is kept
    expect(theirs.locator(".form-error")).to_be_visible()
    message = o.inner_text("main")
    assert "thamdinh" in message and "Chỉ có dự toán" in message, message
    assert theirs.locator("select[name=decision]").input_value() == "accept"
    other.shot("4-conflict")

    # 5. The assessor accepts the corrected criterion, then approves.
    a.goto(_form_url(url, DOST))
    fixed = a.locator("#HT_MAY_TINH form.decision")
    fixed.locator("select[name=decision]").select_option("accept")
    with a.expect_navigation():
        fixed.locator("button").click()
    with a.expect_navigation():
        a.click("#approve-form button")
    _python(env, "-c", FINISH_OTHERS)

    # 6. The secretariat previews and publishes.
    secretariat = Person(browser, url).login("vanthu")
    s = secretariat.page
    s.goto(f"{url}/assessment/{PERIOD}/preview?group=SBN")
    expect(s.locator("table.ranking")).to_contain_text("Sở Khoa học và Công nghệ")
    s.goto(f"{url}/assessment/{PERIOD}")
    with s.expect_navigation():
        s.click("form[action$='/publish'] button")
    assert s.url.endswith(f"/rankings/{PERIOD}")

    # 7. The public page shows the rank and band, with the change against 2024.
    public = Person(browser, url)
    p = public.page
    p.goto(f"{url}/rankings/{PERIOD}?group=SBN")
    expect(p.locator("p.revision")).to_contain_text("1")
    line = p.locator("table.ranking tr", has_text="Sở Khoa học và Công nghệ")
    cells = line.locator("td").all_inner_texts()
    # group, rank, its 5-95% interval, agency, total, band, ...
    assert cells[1].strip().isdigit() and cells[5].strip() in ("Tốt", "Khá", "Trung bình", "Yếu"), cells
    public.shot("5-public-ranking")
    for person in (reporter, assessor, other, secretariat, public):
        person.close()
