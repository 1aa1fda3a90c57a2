"""The public ranking CSV: an agency name typed as a formula stays text when the file is opened in Excel."""

from __future__ import annotations

import csv
import io

from chiso.assessment.publication import export_ranking
from chiso.assessment.schemas import Ranking, RankingRow


def ranking_named(name: str) -> Ranking:
    row = RankingRow(
        rank=1, agency_code="@A", agency_name_vi=name, group="=G", total=9.5, max_points=10.0,
        band="Tốt", points_change=-1.5, rank_change=-2, status=None,
    )  # fmt: skip
    return Ranking(
        period_code="2025", period_name_vi="Năm 2025", group=None, revision=1, published_at=None,
        reason="", framework_id="f", framework_version="1", rows=[row],
    )  # fmt: skip


def test_formula_text_in_the_ranking_csv_gets_the_guard_and_numbers_stay_numbers() -> None:
    data = export_ranking(ranking_named('=HYPERLINK("http://x","bấm")'), fmt="csv").decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(data))
    assert row["agency_name_vi"] == '\'=HYPERLINK("http://x","bấm")'
    assert (row["agency_code"], row["group"]) == ("'@A", "'=G")
    assert (row["total"], row["points_change"], row["rank_change"]) == ("9.5", "-1.5", "-2")


def test_pandas_tables_written_as_csv_keep_text_as_text() -> None:
    import pandas as pd

    from chiso.exports import guard_text

    table = pd.DataFrame({"agency_name_vi": ["=1+1", "Sở", None], "total": [-1.0, 2.0, None]})
    out = guard_text(table).to_csv(index=False)
    assert out.splitlines() == ["agency_name_vi,total", "'=1+1,-1.0", "Sở,2.0", ","]
