"""Annex tables cut into pages before rendering: columns fit their cells, the plan matches what renders."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from report_inputs import agency, make_document, make_ranking

from chiso.reports.annex import BODY_PT, SIDE_PAD_MM, Column, fit_columns, line_count, text_width_mm
from chiso.reports.pdf import render_html
from chiso.reports.ranking_pdf import _annex_html, _plan_annex


def test_fixed_columns_widen_to_their_longest_cell_and_wide_tables_turn_landscape() -> None:
    columns = [Column("Hạng", 10.0, "c"), Column("Khoảng hạng", 15.0, "c"), Column("Cơ quan", None, "l")]
    rows = [["3321", "3296–3330", "Phường Hòa Khánh Bắc"]]
    layout = fit_columns(columns, rows)
    assert layout.orientation == "portrait"
    assert layout.widths[1] >= text_width_mm("3296–3330", BODY_PT) + SIDE_PAD_MM
    wide = fit_columns([*columns, *[Column(f"({i})", 12.5) for i in range(9)]], [rows[0] + ["12,50"] * 9])
    assert wide.orientation == "landscape" and wide.widths[2] >= 55


@given(
    st.lists(
        st.sampled_from(["Ủy", "ban", "nhân", "dân", "phường", "Hòa", "Khánh", "Bắc", "số", "12"]),
        min_size=1,
        max_size=30,
    )
)
def test_a_name_wraps_onto_more_lines_in_a_narrower_column(words: list[str]) -> None:
    text = " ".join(words)
    assert line_count(text, 30.0, BODY_PT) >= line_count(text, 60.0, BODY_PT) >= 1
    assert line_count(text, 1000.0, BODY_PT) == 1


def test_the_planned_pages_are_the_pages_that_render() -> None:
    ranking = make_ranking()
    long_names = [
        agency(
            f"X{i:04d}",
            "Ủy ban nhân dân phường " + "Hòa Khánh Bắc Liên Chiểu " * (i % 4),
            "PX",
            5 + i,
            10.0,
            20.0,
        )
        for i in range(150)
    ]
    ranking = ranking.model_copy(update={"agencies": [*ranking.agencies, *long_names]})
    group = next(g for g in ranking.groups if g.code == "PX")
    annex = _plan_annex(ranking, make_document(), group, 3)
    assert len(annex.pages) >= 4
    _pdf, pages = render_html(_annex_html(annex, annex.pages, first_page=1, draft=False))
    assert pages == len(annex.pages)
