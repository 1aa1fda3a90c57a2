"""Annex tables cut into pages before drawing: columns fit their cells, the plan matches what is drawn."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from report_inputs import agency, make_document, make_ranking

from chiso.reports.annex import BODY_PT, SIDE_PAD_MM, Column, fit_columns, line_count, text_width_mm
from chiso.reports.annex_canvas import AnnexPages, draw_annex, wrap
from chiso.reports.pdf import MARGINS_MM, PT_MM_PER_PT
from chiso.reports.ranking_pdf import _plan_annex


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
    for width in (30.0, 60.0):  # the canvas breaks lines where the plan measured them
        assert len(wrap(text, width, BODY_PT)) == line_count(text, width, BODY_PT)
        assert " ".join(wrap(text, width, BODY_PT)) == text


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
    run = AnnexPages(annex.layout, annex.rows, annex.pages, annex.numeral, annex.title, annex.note,
                     annex.legend, first_page=1, draft=False, wrap=[2])  # fmt: skip
    pdf, count = draw_annex(run)
    reader = PdfReader(io.BytesIO(pdf))
    assert count == len(reader.pages) == len(annex.pages)
    bottom = MARGINS_MM[annex.layout.orientation][2] / PT_MM_PER_PT
    for page, (start, stop) in zip(reader.pages, annex.pages, strict=True):
        lowest: list[float] = []
        page.extract_text(
            visitor_text=lambda t, _cm, tm, _f, _s, out=lowest: out.append(tm[5]) if t.strip() else None
        )
        assert min(lowest) >= bottom, "every row stays above the bottom margin"
        text = page.extract_text()
        assert all(row[0] in text for row in annex.rows[start:stop])
