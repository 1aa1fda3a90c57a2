"""An agency's scorecard (1-2 pages) and the one-page 766 leader brief."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from report_inputs import make_document, make_month, make_ranking

from chiso.errors import NotFound
from chiso.reports.brief import render_leader_brief_pdf
from chiso.reports.scorecard import render_scorecard_pdf


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def test_scorecard_shows_total_rank_of_n_band_change_and_pillars_against_the_group() -> None:
    pages, text = _text(render_scorecard_pdf(make_ranking(), "SDL", document=make_document()))
    assert 1 <= pages <= 2
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "PHIẾU KẾT QUẢ ĐÁNH GIÁ" in text
    assert "Sở Du lịch" in text and "82,50" in text and "trên 6 đơn vị" in text and "hạng 6 → 4" in text
    # Infrastructure: 30.00 of 40, group mean 187 / 6 = 31.17, best 38.00, 1.17 below the mean
    assert "Hạ tầng kỹ thuật 30,00 40,00 31,17 38,00 -1,17" in text
    assert "DỰ THẢO" not in text and "Công bố lần 1, 15/07/2026 09:30" in text


def test_scorecard_lists_the_strongest_and_weakest_criteria_by_share_of_their_maximum() -> None:
    _pages, text = _text(render_scorecard_pdf(make_ranking(), "P4"))
    strongest = text[text.index("Tiêu chí mạnh nhất") : text.index("Tiêu chí cần cải thiện")]
    weakest = text[text.index("Tiêu chí cần cải thiện") :]
    assert "Kết nối mạng (HT_MANG)" in strongest and "Văn bản điện tử (UD_VB)" in strongest
    assert "An toàn thông tin (HT_ATTT)" in weakest and "Bố trí kinh phí (UD_KP)" in weakest


def test_scorecard_in_english_and_of_a_draft() -> None:
    _pages, text = _text(render_scorecard_pdf(make_ranking(published=False), "CTHUE", lang="en"))
    assert "ASSESSMENT SCORECARD" in text and "of 1" in text and "Good" in text and "DỰ THẢO" in text


def test_scorecard_of_an_agency_outside_the_ranking_is_not_found() -> None:
    with pytest.raises(NotFound, match="X999"):
        render_scorecard_pdf(make_ranking(), "X999")


def test_leader_brief_fits_one_page_with_groups_leaders_and_missed_targets() -> None:
    pages, text = _text(render_leader_brief_pdf(make_month()))
    assert pages == 1
    assert "tháng 6/2026" in text and "88,40" in text and "+2,60" in text
    assert "Số hóa hồ sơ 18,40 16,30 +2,10 22,00" in text
    assert "Sở Tư pháp 95,00 +2,00" in text and "Sở Công Thương 56,00 -7,00" in text
    assert "Đơn vị chưa đạt chỉ tiêu" in text and "Hồ sơ đúng hạn 95,00% 88,50%" in text
    assert "Sở Tư pháp Hồ sơ đúng hạn" not in text  # a target met is not listed


def test_leader_brief_without_targets_or_last_month_still_fits_one_page() -> None:
    month = make_month(targets=False).model_copy(update={"previous_province": None, "previous_period": None})
    pages, text = _text(render_leader_brief_pdf(month, lang="en"))
    assert pages == 1 and "June 2026" in text and "Targets missed" not in text
