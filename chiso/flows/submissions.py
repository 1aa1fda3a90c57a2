"""Submitting a self-assessment: the submit itself, the assessors' notice, and the receipt answered.

Flows layer: composes chiso.assessment (submissions, receipts) and the follow-up notices. A repeated
submit (a double click, a retry after a timeout) answers with the receipt of the submission that
exists, never with a 409, and sends no second notice.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.assessment import receipts, submissions
from chiso.assessment.receipts import SubmissionReceipt
from chiso.errors import Conflict
from chiso.flows import followup_notices as notices


def submit_submission(
    session: Session, *, period_code: str, agency_code: str, actor: Actor
) -> SubmissionReceipt:
    """Submit an agency's self-assessment (or resubmit it) and return its receipt.

    Raises:
        InvalidInput: required criteria are empty, or the deadline has passed.
        Conflict: the submission can be neither submitted nor is it already handed in.
    """

    def handed_in() -> bool:
        return receipts.is_handed_in(session, period_code=period_code, agency_code=agency_code, actor=actor)

    def receipt(repeated: bool) -> SubmissionReceipt:
        return receipts.submission_receipt(
            session, period_code=period_code, agency_code=agency_code, actor=actor, repeated=repeated
        )

    if handed_in():
        return receipt(repeated=True)
    try:
        submissions.submit(session, period_code=period_code, agency_code=agency_code, actor=actor)
    except Conflict:
        session.rollback()  # a concurrent submit of the same form won the race: it is handed in
        if handed_in():
            return receipt(repeated=True)
        raise
    notices.submission_received(session, period_code=period_code, agency_code=agency_code)
    return receipt(repeated=False)
