"""Audited steps the follow-up's objects share: add a new row, close an open one.

Domain layer; the audit trail through chiso.accounts.audit; nothing from web, cli or flows.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change


class _Stored(Protocol):
    id: Any


class _Closable(_Stored, Protocol):
    status: str


Row = TypeVar("Row", bound=_Stored)
Closable = TypeVar("Closable", bound=_Closable)


def add_recorded(session: Session, row: Row, *, action: str, object_type: str, actor: Actor, new: Any) -> Row:
    """Add a new row and record its creation in the audit trail (under the id it was given)."""
    session.add(row)
    session.flush()
    record_change(session, action=action, object_type=object_type, object_id=row.id, actor=actor, new=new)
    return row


def close_recorded(
    session: Session, row: Closable, *, object_type: str, actor: Actor, reason: str | None
) -> Closable:
    """Set a row's status to "closed" and record it ("<object_type>.close", the old status, the reason)."""
    old, row.status = row.status, "closed"
    session.flush()
    record_change(
        session,
        action=f"{object_type}.close",
        object_type=object_type,
        object_id=row.id,
        actor=actor,
        old=old,
        new="closed",
        reason=reason,
    )
    return row
