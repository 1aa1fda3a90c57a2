"""AwareDateTime: what goes in as any zone comes back as the same moment, aware, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.clock import as_utc, local_zone
from chiso.store.models.audit import AuditEntry

MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)
ZONES = st.sampled_from([UTC, local_zone(), timezone(timedelta(hours=-5)), timezone(timedelta(hours=14))])


def _round_trip(db: Session, moment: datetime) -> datetime:
    entry = AuditEntry(at=moment, action="test.time", object_type="test", object_id="1")
    db.add(entry)
    db.flush()
    db.expire(entry)
    at = db.scalar(select(AuditEntry.at).where(AuditEntry.id == entry.id))
    db.delete(entry)
    db.flush()
    assert at is not None
    return at


# Each example deletes the row it wrote, so sharing the rolled-back session between examples is safe.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=MOMENTS, zone=ZONES)
def test_the_same_moment_comes_back_aware_in_utc(db: Session, moment: datetime, zone: timezone) -> None:
    written = moment.replace(tzinfo=zone)
    read = _round_trip(db, written)
    assert read.tzinfo is not None and read.utcoffset() == timedelta(0)
    assert read == written


def test_a_naive_value_is_taken_as_utc(db: Session) -> None:
    read = _round_trip(db, datetime(2026, 12, 10, 10, 0))
    assert read == datetime(2026, 12, 10, 10, 0, tzinfo=UTC) == as_utc(datetime(2026, 12, 10, 10, 0))


def test_a_vietnam_afternoon_is_stored_as_its_utc_morning(db: Session) -> None:
    read = _round_trip(db, datetime(2026, 12, 10, 17, 0, tzinfo=local_zone()))
    assert read == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
