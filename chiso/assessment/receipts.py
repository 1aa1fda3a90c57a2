"""The submission receipt (biên nhận): what an agency handed in and when, a page it can print and file.

Domain layer: store models and chiso.assessment helpers. A repeated submit (a double click, a retry on a
weak connection) is answered with this receipt rather than an error: the submission it asked for exists.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.assessment.submissions import open_submission
from chiso.clock import LocalDatetime
from chiso.store.models import Agency
from chiso.store.models.assessment import Evidence, EvidenceFile, Submission, SubmissionValue

#: Statuses in which the agency's submission has been handed in (a submit now changes nothing).
HANDED_IN = ("submitted", "resubmitted", "approved")


class SubmissionReceipt(BaseModel):
    """What was submitted: the receipt number, the time, and how many values and documents."""

    receipt_no: str
    period_code: str
    period_name_vi: str
    agency_code: str
    agency_name_vi: str
    status: str
    submitted_at: LocalDatetime | None
    values_count: int
    evidence_count: int
    file_count: int
    repeated: bool = False  # True when this answers a submit that had already been done


def is_handed_in(session: Session, *, period_code: str, agency_code: str, actor: Actor) -> bool:
    """Tell whether the agency's submission has already been submitted (or approved)."""
    _period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    return sub.status in HANDED_IN


def submission_receipt(
    session: Session, *, period_code: str, agency_code: str, actor: Actor, repeated: bool = False
) -> SubmissionReceipt:
    """Return the receipt of an agency's submission (counts read now; the time is the first submit)."""
    period, sub = open_submission(session, period_code=period_code, agency_code=agency_code, actor=actor)
    agency = session.get(Agency, sub.agency_id)
    values = session.scalar(select(func.count()).where(SubmissionValue.submission_id == sub.id, _filled()))
    live = (Evidence.submission_id == sub.id, Evidence.withdrawn_at.is_(None))
    evidence = session.scalar(select(func.count()).where(*live))
    files = session.scalar(
        select(func.count())
        .select_from(EvidenceFile)
        .join(Evidence, Evidence.id == EvidenceFile.evidence_id)
        .where(*live)
    )
    return SubmissionReceipt(
        receipt_no=_number(sub, period.code),
        period_code=period.code,
        period_name_vi=period.name_vi,
        agency_code=agency.code if agency else agency_code,
        agency_name_vi=agency.name_vi if agency else agency_code,
        status=sub.status,
        submitted_at=sub.submitted_at,
        values_count=int(values or 0),
        evidence_count=int(evidence or 0),
        file_count=int(files or 0),
        repeated=repeated,
    )


def _filled() -> ColumnElement[bool]:
    return (
        SubmissionValue.value.is_not(None)
        | SubmissionValue.numerator.is_not(None)
        | SubmissionValue.choice.is_not(None)
    )


def _number(sub: Submission, period_code: str) -> str:
    """A receipt number a person can quote on the phone: period, submission id, submit date."""
    when: datetime | None = sub.submitted_at
    return f"{period_code}/{sub.id:05d}" + (f"/{when:%Y%m%d}" if when else "")
