"""The acceptance example of the reports issue on the demo: the 2025 decision as a PDF from the CLI.

`chiso report ranking DNG-2025 --pdf out.pdf` on the demo (2024 and 2025 published) holds the decree's
header lines, "Nơi nhận" and every ranked agency's name as extractable text; its annex shows the change
against 2024 for the agencies that were ranked both years.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_site import demo_env, run_chiso
from pypdf import PdfReader

from chiso.assessment import periods, publication
from chiso.store import session_scope


@pytest.mark.slow  # builds the whole demo and renders the decision PDF: about a minute; CI runs it
def test_the_2025_decision_of_the_demo_names_every_ranked_agency(demo_template: Path, tmp_path: Path) -> None:
    env = demo_env(demo_template, tmp_path / "var")
    out = tmp_path / "out.pdf"
    run_chiso(env, "report", "ranking", "DNG-2025", "--pdf", str(out))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out).pages).split())
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Nơi nhận"):
        assert line in text
    with session_scope(f"sqlite:///{tmp_path / 'var' / 'chiso.db'}") as session:
        ranking = publication.get_ranking(session, period_code="DNG-2025")
        period = periods.get_period(session, code="DNG-2026")
        assert period.previous_period_id == periods.get_period(session, code="DNG-2025").id
    missing = [r.agency_name_vi for r in ranking.rows if r.agency_name_vi not in text]
    assert ranking.rows and not missing
    assert sum(r.points_change is not None for r in ranking.rows) >= 24  # the departments kept their codes
