"""What the follow-up tests share besides fixtures: the SMTP server's mailbox and handler, message parts,
test users and the cleaning of a committed store. A module of its own (not conftest) so a test can import
it by a name no other test directory uses.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import delete, select

from chiso.accounts.actors import SYSTEM
from chiso.accounts.service import create_user
from chiso.followup.notify import set_address
from chiso.store import session_scope
from chiso.store.models.audit import AuditEntry
from chiso.store.models.followup import Delivery, Notification, NotificationSetting, UserAddress
from chiso.store.models.users import User


@dataclass
class Mailbox:
    """What the SMTP server accepted, and the knobs of its behaviour."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse_next: int = 0
    hold_rcpt_at: int | None = None  # hold the RCPT reply of this (0-based) transaction
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    rcpt_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


class Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self.box.lock:
            index = self.box.rcpt_count
            self.box.rcpt_count += 1
        if self.box.hold_rcpt_at is not None and index == self.box.hold_rcpt_at:
            self.box.held.set()
            while not self.box.release.is_set():
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.box.lock:
            if self.box.refuse_next > 0:
                self.box.refuse_next -= 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self.box.messages.append(message)
            self.box.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


def text_of(message: EmailMessage) -> str:
    """Return the plain-text part of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def clean_store(url: str) -> None:
    with session_scope(url) as s:
        ids = list(s.scalars(select(User.id).where(User.username.like("fu\\_%", escape="\\"))))
        s.execute(delete(Delivery))
        s.execute(delete(Notification).where(Notification.user_id.in_(ids)))
        s.execute(delete(NotificationSetting).where(NotificationSetting.user_id.in_(ids)))
        s.execute(delete(UserAddress).where(UserAddress.user_id.in_(ids)))
        s.execute(delete(AuditEntry).where(AuditEntry.user_id.in_(ids)))
        s.execute(delete(User).where(User.id.in_(ids)))


def make_user(
    session: Any,
    username: str,
    role: str = "secretariat",
    email_address: str | None = None,
    agency_id: int | None = None,
) -> User:
    """Create a test user (prefix fu_) with an optional e-mail address."""

    user = create_user(
        session,
        username=username,
        full_name=f"Người thử {username}",
        password="mat-khau-12345",
        role=role,
        agency_id=agency_id,
        province_code="48",
    )
    if email_address:
        set_address(session, actor=SYSTEM, user_id=user.id, email=email_address)
    return user
