"""Files attached to a follow-up record (a request's answer, a plan item's progress report).

Follow-up room: checked like evidence (type and size, `chiso.assessment.evidence.check_upload`) and
stored once by content hash; the rows name their owner by type and id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.assessment.evidence import check_upload, stored_file
from chiso.store.models.followup import FollowupFile


def check_files(files: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes, str]]:
    """Check every uploaded file before anything is written; return (name, bytes, type) per file.

    Raises:
        InvalidInput: a file of a type or size that is not accepted (named).
    """
    return [(name, data, check_upload(name, data)) for name, data in files]


def attach_files(
    session: Session,
    *,
    owner_type: str,
    owner_id: int,
    checked: Sequence[tuple[str, bytes, str]],
    at: datetime,
    actor: Actor,
) -> None:
    """Store checked files by content hash and attach them to their owner."""
    for name, data, kind in checked:
        stored = stored_file(name, data, kind, actor=actor, at=at)
        session.add(FollowupFile(owner_type=owner_type, owner_id=owner_id, **stored))
