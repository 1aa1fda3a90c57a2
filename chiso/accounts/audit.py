"""Write the audit trail: who changed what, when, from which value to which, and why.

Accounts room (the actor's side of every change); imports chiso.store, chiso.clock and the Actor only.
Every room calls `record_change` for its own changes (values, points, statuses, deadlines, agencies,
users); chiso.assessment.audit lists and exports the trail.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.store.models.audit import AuditEntry


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return clock.to_local(value).isoformat()
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def record_change(
    session: Session,
    *,
    action: str,
    object_type: str,
    object_id: object,
    actor: Actor,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    reason: str | None = None,
    at: datetime | None = None,
    flush: bool = True,
) -> AuditEntry:
    """Record one change in the audit trail (and flush it unless `flush` is False, for batches).

    Args:
        session: the open session (the caller commits).
        action: what happened, "<object>.<verb>", e.g. "value.update", "submission.return".
        object_type: the kind of object changed, e.g. "submission_value".
        object_id: its id (stored as text).
        actor: who did it; None for the system (CLI imports, monitoring).
        field: the field changed, if one.
        old: value before (stored as text; dicts as JSON).
        new: value after.
        reason: why (mandatory comments, extension reasons, correction reasons).
        at: when; defaults to now.

    Returns:
        The new AuditEntry.
    """
    entry = AuditEntry(
        at=at or clock.now(),
        user_id=actor.id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        field=field,
        old_value=_text(old),
        new_value=_text(new),
        reason=reason,
    )
    session.add(entry)
    if flush:
        session.flush()
    return entry
