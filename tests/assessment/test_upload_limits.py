"""A huge or very wrong template upload: answered quickly, in a bounded reply, with the server still serving.

Uses the HTTP site of test_web.py (its own migrated SQLite file and users).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import time
import zipfile
from typing import Any

import httpx
import pytest
import test_web
import xlsxwriter
from test_web import P, login

from chiso.web.app import create_app

site = test_web.site  # the fixture: its migrated SQLite file and users

TEMPLATE = f"/api/assessment/{P}/agencies/WEB.A/template"


def template_with_rows(count: int) -> bytes:
    """Return a template of WEB.A whose form holds `count` rows of unknown criterion codes."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("BieuMau").write_string(0, 0, "placeholder")
    meta = book.add_worksheet("_chiso")
    for row, pair in enumerate((("template_version", "1"), ("period_code", P), ("agency_code", "WEB.A"))):
        meta.write_row(row, 0, pair)
    book.close()
    # The form's XML written directly: xlsxwriter takes seconds for 200,000 rows.
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>X{r}</t></is></c><c r="F{r}"><v>1</v></c></row>'
        for r in range(6, 6 + count)
    )
    form = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    crafted = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            text = form.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, text)
    return crafted.getvalue()


async def upload_while_polling(url: str, data: bytes) -> tuple[httpx.Response, float, list[float]]:
    """Upload `data` while /api/me is polled every 20 ms; return the reply, its time and the poll times."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://chiso")
    csrf = login(client, url, "w_baocao")  # type: ignore[arg-type]  # cookies work alike
    headers = {"X-CSRF-Token": csrf}
    polls: list[float] = []
    done = asyncio.Event()

    # Warm up: FastAPI builds a route's dependencies the first time it is matched (a second, once).
    assert (await client.get("/api/me")).status_code == 200
    warm = await client.post(TEMPLATE, files={"file": ("w.xlsx", b"x")}, headers=headers)
    assert warm.status_code == 422

    async def poll() -> None:
        while not done.is_set():
            started = time.perf_counter()
            assert (await client.get("/api/me")).status_code == 200
            polls.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)

    async def upload() -> tuple[httpx.Response, float]:
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        reply = await client.post(
            TEMPLATE, data={"csrf_token": csrf}, files={"file": ("big.xlsx", data)}, headers=headers
        )
        elapsed = time.perf_counter() - started
        done.set()
        return reply, elapsed

    try:
        (reply, elapsed), _ = await asyncio.gather(upload(), poll())
    finally:
        await client.aclose()
    return reply, elapsed, polls


def _run_apart(coro: Any) -> Any:
    """Run a coroutine in a thread of its own: a browser test earlier in the session (Playwright's sync
    API) may leave an event loop set on this thread, where asyncio.run() refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_a_200000_row_template_is_refused_quickly_while_the_server_keeps_serving(
    site: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHISO_DATABASE_URL", site)
    data = template_with_rows(200_000)
    assert len(data) < 3 * 2**20
    reply, elapsed, polls = _run_apart(upload_while_polling(site, data))
    body: dict[str, Any] = reply.json()
    assert reply.status_code == 422 and body["ok"] is False
    assert len(reply.content) < 20_000
    assert body["errors"][0]["file"].startswith("big.xlsx")  # past a row or size limit, named
    assert elapsed < 3.0, elapsed
    assert polls and max(polls) < 1.0, polls  # the parse held the loop 10 s before


def test_an_error_reply_lists_the_first_100_problems_and_counts_them_all(
    site: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHISO_DATABASE_URL", site)
    reply, _elapsed, _polls = _run_apart(upload_while_polling(site, template_with_rows(3_000)))
    body = reply.json()
    assert reply.status_code == 422 and set(body) == {"ok", "error", "errors", "status"}
    assert len(body["errors"]) == 100 and body["errors"][0]["row"] == 6
    assert "3,000 problems, the first 100 listed" in body["error"] and "3,000 lỗi" in body["error"]
    assert len(reply.content) < 100_000


BOMB_SHEET = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>agency_code</t></is></c></row>'
    '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
)


@pytest.mark.parametrize("reader", ["bulk", "targets", "template"])
def test_every_upload_reader_refuses_a_value_in_the_last_cell_within_a_second(reader: str) -> None:
    from test_sheets import crafted

    from chiso.assessment.bulk import _bulk_rows
    from chiso.assessment.excel import read_workbook
    from chiso.errors import InvalidInput
    from chiso.followup.targets_excel import read_targets

    data = crafted(BOMB_SHEET)
    read = {
        "bulk": lambda: list(_bulk_rows(data, "bomb.xlsx")),
        "targets": lambda: read_targets(data, filename="bomb.xlsx"),
        "template": lambda: read_workbook(data, "bomb.xlsx", names=["Data"]),
    }[reader]
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        read()
    assert time.perf_counter() - started < 1.0
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (1048576, "XFD") and problem.file == "bomb.xlsx [Data]"
    assert "XFD1048576" in problem.message_vi and "XFD1048576" in problem.message_en


def test_bulk_values_read_only_the_real_cells_of_a_dimension_bomb() -> None:
    from test_sheets import crafted

    from chiso.assessment.bulk import _bulk_rows

    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{a}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>{b}</t></is></c></row>'
        for r, (a, b) in enumerate(
            [("agency_code", "indicator_code")] + [("S.A", f"C{i}") for i in range(500)], 1
        )
    )
    started = time.perf_counter()
    got = list(_bulk_rows(crafted(rows, dimension="A1:XFD1048576"), "bomb.xlsx"))
    assert time.perf_counter() - started < 1.0
    assert len(got) == 500 and got[0] == (2, {"agency_code": "S.A", "indicator_code": "C0"})


def test_a_bulk_csv_past_the_row_limit_is_refused_with_its_count() -> None:
    from chiso.assessment.bulk import BULK_LIMITS, _bulk_rows
    from chiso.errors import InvalidInput

    count = BULK_LIMITS.max_rows + 10
    data = ("agency_code,indicator_code\n" + "S.A,C1\n" * count).encode()
    with pytest.raises(InvalidInput) as caught:
        list(_bulk_rows(data, "v.csv"))
    assert f"{count:,}" in caught.value.message_vi and f"{count:,}" in caught.value.message_en
