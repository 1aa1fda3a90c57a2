"""A computed value's lineage: kept whole in its source column, read back, said in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from chiso.assessment.computed import Lineage, describe_lineage, lineage_source, parse_lineage
from chiso.store.models.assessment import SubmissionValue

# the longest metric code a framework leaf may name (MonitoringSource.metric)
CODES = st.from_regex(r"[A-Z][A-Z0-9_]{0,79}", fullmatch=True)
SOURCE_CHARS = SubmissionValue.__table__.c.source.type.length


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0, tzinfo=UTC)


MONTHS = st.dates(date(2000, 1, 1), date(2099, 12, 31)).map(lambda d: f"{d:%Y-%m}")


@given(
    metric=CODES,
    aggregate=st.sampled_from(["period", "year"]),
    count=st.integers(0, 10**12),
    records=st.sampled_from(["dossiers", "petitions", "procedures"]),
    first=MONTHS,
    last=MONTHS,
    at=st.datetimes(datetime(2000, 1, 1), datetime(2099, 1, 1)).map(_minute),
    cutoff=st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31)),
)  # fmt: skip
def test_a_lineage_survives_its_source_text(
    metric: str,
    aggregate: str,
    count: int,
    records: str,
    first: str,
    last: str,
    at: datetime,
    cutoff: date | None,
) -> None:
    lineage = Lineage(metric, aggregate, count, records, first, last, at, cutoff)
    text = lineage_source(lineage)
    assert len(text) <= SOURCE_CHARS and parse_lineage(text) == lineage


def test_the_lineage_in_words_is_in_province_time_with_local_thousands() -> None:
    text = lineage_source(Lineage("TIMELINESS", "year", 12345, "dossiers", "2026-01", "2026-12",
                                  datetime(2026, 12, 2, 7, 2, tzinfo=UTC)))  # fmt: skip
    assert (
        describe_lineage(text)
        == "tính từ 12.345 hồ sơ (TIMELINESS), 01/2026-12/2026, lúc 14:02 ngày 02/12/2026"
    )
    assert describe_lineage(text, "en") == (
        "computed from 12,345 dossiers (TIMELINESS), 01/2026-12/2026, at 14:02 on 02/12/2026"
    )
    assert describe_lineage("reported") == "reported" and parse_lineage("monitoring:X") is None
