"""The ranking decision as a Decree 30 PDF: parts in order, diacritics, page numbers, margins, annexes."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PageObject, PdfReader
from report_inputs import agency, make_document, make_month, make_ranking

from chiso.reports import pdf as engine
from chiso.reports import ranking_pdf
from chiso.reports.ranking_pdf import render_ranking_pdf
from chiso.reports.schemas import RankingInput

MM = 72 / 25.4
OUT = Path("/tmp/chiso-reports")


@pytest.fixture(scope="module")
def published() -> bytes:
    return render_ranking_pdf(make_ranking(intervals=True), make_document(), index766=make_month())


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _placed(page: PageObject) -> list[tuple[float, float, str]]:
    """Return each piece of text on the page with its position (x, y from the bottom, in points)."""
    out: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            out.append((x, y, text.strip()))

    page.extract_text(visitor_text=visit)
    return out


def _page_number(page: PageObject) -> str:
    """Return the text set in the page's top margin (where the decree puts the page number)."""
    top = float(page.mediabox.height)
    return " ".join(t for _x, y, t in _placed(page) if y > top - 20 * MM)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_decrees_parts_stand_in_order_with_their_diacritics(published: bytes) -> None:
    text = _flat(" ".join(_pages(published)))
    parts = [
        "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG",
        "Số: 125/QĐ-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Đà Nẵng, ngày 15 tháng 7 năm 2026",
        "QUYẾT ĐỊNH",
        "Về việc công bố kết quả xếp hạng",
        "Căn cứ Luật Tổ chức chính quyền địa phương",
        "QUYẾT ĐỊNH:",
        "Điều 1.",
        "Dẫn đầu (hạng 1) là Sở Khoa học và Công nghệ với 97,20 điểm",
        "Chỉ số 766 tháng 6/2026",
        "Điều 3.",
        "Nơi nhận:",
        "- Như Điều 3;",
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn Hùng",
        "Phụ lục I",
        "(Kèm theo Quyết định số 125/QĐ-UBND ngày 15 tháng 7 năm 2026)",
        "Phụ lục II",
        "Phụ lục III",
    ]
    positions = [text.find(p) for p in parts]
    assert all(p >= 0 for p in positions), [p for p, at in zip(parts, positions, strict=True) if at < 0]
    assert positions == sorted(positions)
    assert "DỰ THẢO" not in text


def test_every_agency_is_in_its_groups_annex_with_its_figures(published: bytes) -> None:
    pages = _pages(published)
    annexes = _flat(" ".join(pages[2:]))
    ranking = make_ranking()
    for a in ranking.agencies:
        assert a.name_vi in annexes, a.name_vi
    assert "Sở Du lịch 30,00 52,50 82,50 Tốt +14,50 ▲ 2" in annexes
    assert "3–5" in annexes  # the rank interval column
    assert "Khoảng hạng" in annexes and "Thay đổi hạng" in annexes


def test_a4_with_the_decrees_margins_and_page_numbers_from_page_two(published: bytes) -> None:
    reader = PdfReader(io.BytesIO(published))
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    numbers = [_page_number(page) for page in reader.pages]
    assert numbers == ["", "2", "", "", ""]  # main text from page 2; each annex numbered on its own
    xs: list[float] = []
    reader.pages[0].extract_text(
        visitor_text=lambda t, _cm, tm, _f, _s: xs.append(tm[4]) if t.strip() else None
    )
    assert min(xs) >= 30 * MM - 1  # left margin 30 mm
    assert max(xs) <= (210 - 15) * MM


def test_a_draft_carries_the_watermark_and_blanks_for_number_and_date() -> None:
    pdf = render_ranking_pdf(make_ranking(published=False), make_document(number=None, issued_on=None))
    pages = _pages(pdf)
    assert all("DỰ THẢO" in page for page in pages)
    assert re.search(r"Số:\s*/QĐ-UBND", pages[0])
    assert re.search(r"Đà Nẵng, ngày\s+tháng\s+năm \d{4}", pages[0])


def _big(wards: int) -> RankingInput:
    ranking = make_ranking()
    extra = [
        agency(f"X{i:04d}", f"Phường thử nghiệm có tên khá dài số {i}", "PX", 5 + i, 10.0, 20.0 - i / 1000)
        for i in range(wards)
    ]
    return ranking.model_copy(update={"agencies": [*ranking.agencies, *extra]})


def test_a_long_annex_rendered_in_parallel_runs_keeps_one_page_numbering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ranking_pdf, "PARALLEL_FROM_PAGES", 1)
    ranking = _big(160)
    pdf = render_ranking_pdf(ranking, make_document(), workers=2)
    pages = _pages(pdf)
    start = next(i for i, p in enumerate(pages) if "Phụ lục III" in p)
    wards = list(range(start, len(pages)))
    assert len(wards) >= 4
    reader = PdfReader(io.BytesIO(pdf))
    numbers = [int(_page_number(reader.pages[i])) for i in wards[1:]]
    assert numbers == list(range(2, len(wards) + 1))  # the annex's own numbering, no restart between runs
    assert all("Hạng" in pages[i] and "Cơ quan, đơn vị" in pages[i] for i in wards)  # header on every page
    text = _flat(" ".join(pages))
    assert all(f"Phường thử nghiệm có tên khá dài số {i} " in text for i in range(160))
    assert _pages(render_ranking_pdf(ranking, make_document(), workers=0)) == pages  # same as one process


def test_a_run_whose_predecessor_took_another_page_count_is_renumbered() -> None:
    html = "<html><body><p>a</p><p style='break-before: page'>b</p></body></html>"
    css = f"<style>{engine.page_css('portrait', first_page=2)}</style>"
    parts = [engine.Part(html, 1, 0, 1), engine.Part(css + "<p>c</p>", 1, 0, 2)]
    rebuilt: list[tuple[int, int]] = []

    def rebuild(index: int, first_page: int) -> str:
        rebuilt.append((index, first_page))
        return f"<style>{engine.page_css('portrait', first_page=first_page)}</style><p>c</p>"

    out = engine.render_parts(parts, rebuild=rebuild, workers=0)
    assert rebuilt == [(1, 3)]  # the first run took 2 pages, not 1
    assert _page_number(PdfReader(io.BytesIO(out[1])).pages[0]) == "3"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_first_and_last_pages_render_to_png(published: bytes) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "ranking.pdf"
    path.write_bytes(published)
    count = len(PdfReader(io.BytesIO(published)).pages)
    for page, name in ((1, "ranking-first"), (count, "ranking-last")):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-png",
                "-singlefile",
                "-f",
                str(page),
                "-l",
                str(page),
                str(path),
                str(OUT / name),
            ],
            check=True,
        )
        png = (OUT / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 5000
