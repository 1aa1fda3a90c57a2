"""The written summary on hand-made rankings, and every figure it states recomputed from the rows."""

from __future__ import annotations

from statistics import mean
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from report_inputs import BANDS, FRAMEWORK, GROUPS, agency, make_month, make_ranking

from chiso.reports.narrative import Fact, Narrative, write_index766_narrative, write_narrative
from chiso.reports.schemas import AgencyResult, Index766Month, PeriodInfo, RankingInput
from chiso.reports.text import fmt_points

POINT_KINDS = {
    "total",
    "pillar_mean",
    "pillar_mean_change",
    "index766_total",
    "index766_total_change",
    "index766_group_change",
}


def _weakest(ranking: RankingInput, group: str) -> list[AgencyResult]:
    rows = [a for a in ranking.agencies if a.group == group and a.rank is not None]
    worst = [a for a in rows if a.band == ranking.framework.bands[-1].label_vi]
    return (worst or sorted(rows, key=lambda a: (-(a.rank or 0), a.total))[:3])[:5]


def recompute(fact: Fact, ranking: RankingInput | None, month: Index766Month | None = None) -> float:
    """Compute the figure a fact states straight from the input rows (independently of the narrative)."""
    if fact.kind.startswith("index766"):
        assert month is not None and month.previous_province is not None
        now, before = month.province, month.previous_province
        if fact.kind == "index766_total":
            return round(now.total or 0, 2)
        if fact.kind == "index766_total_change":
            return abs(round((now.total or 0) - (before.total or 0), 2))
        return round((now.groups[fact.pillar or ""] or 0) - (before.groups[fact.pillar or ""] or 0), 2)
    assert ranking is not None
    d = ranking.framework.decimals
    rows = [a for a in ranking.agencies if a.group == fact.group]
    one = {a.agency_code: a for a in ranking.agencies}.get(fact.agency_code or "")
    now = [a.pillars[fact.pillar] for a in rows if a.pillars.get(fact.pillar or "") is not None]
    before = [
        a.previous_pillars[fact.pillar] for a in rows if a.previous_pillars.get(fact.pillar or "") is not None
    ]
    weak = _weakest(ranking, fact.group or "")
    table: dict[str, Any] = {
        "agency_count": lambda: len(rows),
        "band_count": lambda: sum(a.band == fact.band for a in rows),
        "unbanded_count": lambda: sum(a.band is None for a in rows),
        "total": lambda: one.total if one else None,
        "rank": lambda: one.rank if one else None,
        "previous_rank": lambda: one.previous_rank if one else None,
        "pillar_mean": lambda: round(mean(now), d),
        "pillar_mean_change": lambda: round(abs(round(mean(now), d) - round(mean(before), d)), d),
        "weakest_same_parent": lambda: max(
            sum(a.parent_name_vi == p for a in weak) for a0 in weak if (p := a0.parent_name_vi)
        ),
        "weakest_missing_criterion": lambda: len(weak),
    }
    return float(table[fact.kind]())


def assert_traceable(
    narrative: Narrative, ranking: RankingInput | None, month: Index766Month | None = None
) -> None:
    text = narrative.text
    assert narrative.facts, "a narrative that states nothing"
    for fact in narrative.facts:
        assert fact.shown in text, fact
        assert recompute(fact, ranking, month) == fact.value, fact
        if fact.kind in POINT_KINDS:
            shown = fmt_points(fact.value, 2, narrative.lang, signed=fact.shown[:1] in "+-")
            assert shown == fact.shown, fact


def test_sample_ranking_in_vietnamese_states_counts_leaders_movers_pillars_and_the_weakest() -> None:
    ranking = make_ranking()
    narrative = write_narrative(ranking)
    text = narrative.text
    assert "Khối sở, ban, ngành – 6 sở, ngành: 4 Tốt, 1 Khá, 1 Trung bình, không có đơn vị Yếu." in text
    assert "Dẫn đầu (hạng 1) là Sở Khoa học và Công nghệ với 97,20 điểm" in text
    assert "Sở Tài chính (hạng 2, 90,00 điểm) và Sở Nội vụ (hạng 2, 90,00 điểm)" in text  # a tie for 2nd
    assert "Sở Du lịch tăng từ hạng 6 lên hạng 4" in text
    assert "Sở Y tế giảm từ hạng 5 xuống hạng 6" in text
    assert "Hạ tầng kỹ thuật 31,17 (tăng nhẹ 0,67)" in text and "(tăng 1,95)" in text
    assert_traceable(narrative, ranking)


def test_lineage_a_successor_moves_and_a_merged_ward_has_no_earlier_rank() -> None:
    text = write_narrative(make_ranking()).text
    assert "Phường Hải Châu (kế thừa Phường Hải Châu I) tăng từ hạng 4 lên hạng 1" in text
    assert (
        "Chưa có hạng kỳ trước để so sánh: Phường Thạch Thang "
        "(hợp nhất từ Phường Thạch Thang, Phường Thanh Bình)" in text
    )
    assert "Phường Thạch Thang giảm" not in text and "Phường Thạch Thang tăng" not in text


def test_the_weakest_wards_share_a_parent_and_missing_criteria() -> None:
    text = write_narrative(make_ranking()).text
    assert "Thấp nhất là Phường Bình Hiên (40,00) và Phường Phước Ninh (45,00)" in text
    assert "cả 2 đơn vị cùng trực thuộc UBND quận Hải Châu" in text
    assert "An toàn thông tin (HT_ATTT) và Bố trí kinh phí (UD_KP)" in text


def test_a_group_of_one_is_described_without_ranking_comparisons() -> None:
    narrative = write_narrative(make_ranking())
    line = next(p for p in narrative.paragraphs if p.startswith("Khối cơ quan Trung ương"))
    assert line == (
        "Khối cơ quan Trung ương chỉ có 1 đơn vị: Cục Thuế thành phố đạt 84,00 điểm, xếp loại Tốt; "
        "nhóm không so sánh thứ hạng."
    )


def test_a_first_year_says_so_and_compares_nothing() -> None:
    ranking = make_ranking(first_year=True)
    narrative = write_narrative(ranking)
    assert narrative.paragraphs[0].startswith("Đây là kỳ đánh giá đầu tiên")
    assert "tăng từ hạng" not in narrative.text and "so với" not in narrative.text
    assert_traceable(narrative, ranking)


def test_english_on_request_with_band_labels_and_ordinals() -> None:
    narrative = write_narrative(make_ranking(), lang="en")
    assert "Departments – 6 departments: 4 Good, 1 Fair, 1 Average, none Weak." in narrative.text
    assert "Sở Du lịch rose from 6th to 4th" in narrative.text
    assert_traceable(narrative, make_ranking())


def test_the_766_month_is_summarised_and_traceable() -> None:
    month = make_month()
    narrative = write_narrative(make_ranking(), index766=month)
    assert narrative.paragraphs[-1] == (
        "Chỉ số 766 tháng 6/2026: Đà Nẵng đạt 88,40 điểm, tăng 2,60 điểm so với tháng 5/2026; "
        "tăng nhiều nhất: Số hóa hồ sơ (+2,10); giảm nhiều nhất: Tiến độ giải quyết (-0,40)."
    )
    assert_traceable(write_index766_narrative(month), None, month)


def test_same_input_same_words() -> None:
    assert write_narrative(make_ranking()).text == write_narrative(make_ranking()).text


@st.composite
def rankings(draw: st.DrawFn) -> RankingInput:
    """Random small rankings: shared ranks on ties, previous ranks or none, missing pillars."""
    rows: list[AgencyResult] = []
    for g in GROUPS[: draw(st.integers(1, 3))]:
        n = draw(st.integers(1, 7))
        figures = [
            (
                draw(st.sampled_from([10.0, 20.0, 25.5, 40.0])),
                draw(st.sampled_from([20.0, 30.0, 45.25, 60.0])),
            )
            for _ in range(n)
        ]
        totals = sorted((h + u for h, u in figures), reverse=True)
        for i, (h, u) in enumerate(figures):
            rank = totals.index(h + u) + 1
            prev = draw(st.none() | st.integers(1, n))
            extra: dict[str, Any] = {}
            if prev is not None:
                extra = {
                    "previous_rank": prev,
                    "rank_change": prev - rank,
                    "previous_total": 50.0,
                    "previous_pillars": {"HA_TANG": draw(st.sampled_from([5.0, 30.0])), "UNG_DUNG": None},
                }
            rows.append(agency(f"{g.code}{i}", f"Đơn vị {g.code} {i}", g.code, rank, h, u, **extra))
    period = PeriodInfo(code="2025", name_vi="Năm 2025", previous_code="2024", previous_name_vi="năm 2024")
    return RankingInput(period=period, framework=FRAMEWORK, groups=GROUPS, agencies=rows)


@settings(max_examples=40, deadline=None)
@given(rankings(), st.sampled_from(["vi", "en"]))
def test_every_stated_figure_is_recomputed_from_the_rows(ranking: RankingInput, lang: str) -> None:
    narrative = write_narrative(ranking, lang=lang)  # type: ignore[arg-type]
    assert_traceable(narrative, ranking)
    assert len(BANDS) == len(ranking.framework.bands)


def test_leaders_sharing_first_place_are_said_to_share_rank_one() -> None:
    """Hypothesis found it: two co-leaders and no other '1' in the text left the stated rank unseen."""
    rows = [
        agency(f"SBN{i}", f"Đơn vị SBN {i}", "SBN", rank, h, u)
        for i, (rank, h, u) in enumerate([(3, 25.5, 30.0), (4, 10.0, 20.0), (4, 10.0, 20.0), (1, 25.5, 45.25),
                                          (1, 25.5, 45.25)])  # fmt: skip
    ]
    period = PeriodInfo(code="2025", name_vi="Năm 2025", previous_code=None, previous_name_vi=None)
    ranking = RankingInput(period=period, framework=FRAMEWORK, groups=GROUPS[:1], agencies=rows)
    for lang in ("vi", "en"):
        narrative = write_narrative(ranking, lang=lang)  # type: ignore[arg-type]
        assert_traceable(narrative, ranking)
    text = write_narrative(ranking).text
    assert "Đồng hạng 1, dẫn đầu là Đơn vị SBN 3 và Đơn vị SBN 4 với cùng 70,75 điểm" in text
