"""Notify people of an event: an in-app notification and queued e-mail / webhook deliveries, in the caller's
transaction, once per event key and recipient.

Domain layer; imports chiso.store, chiso.accounts and this room's events, messages and settings. `notify`
only writes rows (the caller commits with the event itself); the worker (chiso.flows.worker) sends the
deliveries. The same event key notifies nobody twice: the in-app row is unique per (user, event key),
each delivery per idempotency key ("<event key>|<channel>|<recipient>").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor, is_system
from chiso.errors import InvalidInput, PermissionDenied
from chiso.followup.events import CHANNELS, EVENT_TYPES, get_event_type
from chiso.followup.messages import Message, email_html, email_subject, email_text, webhook_body
from chiso.followup.settings import get_followup_settings
from chiso.store.models.followup import Delivery, Notification, NotificationSetting, UserAddress
from chiso.store.models.users import User


@dataclass(frozen=True)
class Recipient:
    """A person to notify: a user (in-app and their address) or only an e-mail address (a contact)."""

    name: str
    user_id: int | None = None
    email: str | None = None
    role: str | None = None


@dataclass
class NotifyReport:
    """What `notify` queued: new in-app notifications and new deliveries (repeats are not counted)."""

    inapp: int = 0
    deliveries: int = 0


def recipients_of(session: Session, users: Iterable[User]) -> list[Recipient]:
    """Return the users as recipients, each with their e-mail address if one is known."""
    users = [u for u in users if u.is_active]
    ids = [u.id for u in users]
    emails = dict(
        session.execute(
            select(UserAddress.user_id, UserAddress.email).where(UserAddress.user_id.in_(ids))
        ).all()
    )
    return [Recipient(u.full_name, u.id, emails.get(u.id), u.role) for u in users]


def _settings(session: Session, user_ids: Sequence[int], event_type: str) -> dict[tuple[int, str], bool]:
    rows = session.execute(
        select(NotificationSetting.user_id, NotificationSetting.channel, NotificationSetting.enabled).where(
            NotificationSetting.user_id.in_(user_ids), NotificationSetting.event_type == event_type
        )
    )
    return {(uid, channel): enabled for uid, channel, enabled in rows}


def _wants(chosen: dict[tuple[int, str], bool], recipient: Recipient, event_type: str, channel: str) -> bool:
    kind = get_event_type(event_type)
    default = channel in kind.default_channels
    if recipient.user_id is None or not kind.optional:
        return default
    return chosen.get((recipient.user_id, channel), default)


def notify(
    session: Session,
    *,
    event_type: str,
    key: str,
    recipients: Iterable[Recipient],
    message: Message,
    now: datetime | None = None,
) -> NotifyReport:
    """Queue an event's notification for every recipient on the channels they chose (in this transaction).

    Args:
        session: the open session of the event (the caller commits both together).
        event_type: a code of chiso.followup.events.EVENT_TYPES.
        key: what makes this event unique, e.g. "request:12:received"; repeating it notifies nobody again.
        recipients: users and contacts; duplicates are merged.
        message: the text in both languages and the page it links to.
        now: the moment (defaults to the clock).

    Returns:
        How many in-app notifications and deliveries were newly queued.
    """
    moment = now or clock.now()
    settings = get_followup_settings()
    people = list({(r.user_id, r.email): r for r in recipients}.values())
    chosen = _settings(session, [r.user_id for r in people if r.user_id is not None], event_type)
    inapp = [r for r in people if r.user_id is not None and _wants(chosen, r, event_type, "inapp")]
    seen = set(
        session.scalars(
            select(Notification.user_id).where(
                Notification.event_key == key, Notification.user_id.in_([r.user_id for r in inapp])
            )
        )
    )
    report = NotifyReport()
    for r in inapp:
        if r.user_id in seen:
            continue
        session.add(
            Notification(
                user_id=r.user_id,
                event_type=event_type,
                event_key=key,
                title_vi=message.title_vi,
                title_en=message.title_en,
                body_vi=message.body_vi,
                body_en=message.body_en,
                link=message.link,
                created_at=moment,
            )
        )
        report.inapp += 1
    deliveries = _deliveries(people, chosen, event_type, key, message, settings.webhook_url is not None)
    known = set(
        session.scalars(
            select(Delivery.idempotency_key).where(Delivery.idempotency_key.in_(list(deliveries)))
        )
    )
    for idem, (channel, r) in deliveries.items():
        if idem in known:
            continue
        session.add(
            Delivery(
                idempotency_key=idem,
                channel=channel,
                event_type=event_type,
                recipient=r.email if channel == "email" else "webhook",
                user_id=r.user_id,
                payload=_payload(channel, r, event_type, idem, message, settings.base_url),
                status="pending",
                attempts=0,
                next_attempt_at=moment,
                created_at=moment,
            )
        )
        report.deliveries += 1
    session.flush()
    return report


def _deliveries(
    people: list[Recipient],
    chosen: dict[tuple[int, str], bool],
    event_type: str,
    key: str,
    message: Message,
    webhook: bool,
) -> dict[str, tuple[str, Recipient]]:
    out: dict[str, tuple[str, Recipient]] = {}
    for r in people:
        if r.email and _wants(chosen, r, event_type, "email"):
            out[f"{key}|email|{r.email.lower()}"] = ("email", r)
        if webhook and _wants(chosen, r, event_type, "webhook"):
            out[f"{key}|webhook|{r.user_id or r.email}"] = ("webhook", r)
    return out


def _payload(
    channel: str, r: Recipient, event_type: str, key: str, message: Message, base_url: str
) -> dict[str, object]:
    if channel == "email":
        return {
            "subject": email_subject(message),
            "text": email_text(message, name=r.name, base_url=base_url),
            "html": email_html(message, name=r.name, base_url=base_url),
            "name": r.name,
        }
    person = {"name": r.name, "user_id": r.user_id, "email": r.email, "role": r.role}
    return webhook_body(message, event_type=event_type, key=key, recipient=person, base_url=base_url)


# --------------------------------------------------------------------------- the user's side


def unread_count(session: Session, *, user_id: int) -> int:
    """Return how many in-app notifications the user has not read (the bell's number)."""
    stmt = select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return int(session.scalar(stmt) or 0)


def list_notifications(session: Session, *, actor: Actor, limit: int = 100) -> list[Notification]:
    """Return the actor's notifications, newest first."""
    if is_system(actor) or actor.id is None:
        return []
    stmt = (
        select(Notification)
        .where(Notification.user_id == actor.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def mark_read(session: Session, *, actor: Actor, notification_id: int | None = None) -> int:
    """Mark one of the actor's notifications (or all of them) as read; return how many changed."""
    if actor.id is None:
        return 0
    stmt = select(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    rows = list(session.scalars(stmt))
    moment = clock.now()
    for row in rows:
        row.read_at = moment
    session.flush()
    return len(rows)


def get_preferences(session: Session, *, actor: Actor) -> dict[str, dict[str, bool]]:
    """Return, per event type and channel, whether the actor receives it."""
    if actor.id is None:
        return {}
    me = Recipient(actor.full_name, actor.id)
    out: dict[str, dict[str, bool]] = {}
    for code in EVENT_TYPES:
        chosen = _settings(session, [actor.id], code)
        out[code] = {channel: _wants(chosen, me, code, channel) for channel in CHANNELS}
    return out


def set_preference(session: Session, *, actor: Actor, event_type: str, channel: str, enabled: bool) -> None:
    """Subscribe to or unsubscribe from one event type on one channel.

    Raises:
        InvalidInput: an unknown type or channel.
        PermissionDenied: unsubscribing from a type that cannot be muted (deadlines, requests), or the system.
    """
    if event_type not in EVENT_TYPES or channel not in CHANNELS:
        raise InvalidInput(
            f"Không có loại thông báo {event_type!r} / kênh {channel!r}",
            f"No notification type {event_type!r} or channel {channel!r}",
        )
    if actor.id is None:
        raise PermissionDenied("Chỉ người dùng mới chọn thông báo", "Only users choose notifications")
    kind = get_event_type(event_type)
    if not kind.optional and not enabled:
        raise PermissionDenied(
            f"Không thể tắt thông báo bắt buộc: {kind.name_vi}",
            f"This notification cannot be turned off: {kind.name_en}",
        )
    row = session.get(NotificationSetting, (actor.id, event_type, channel))
    if row is None:
        session.add(
            NotificationSetting(user_id=actor.id, event_type=event_type, channel=channel, enabled=enabled)
        )
    else:
        row.enabled = enabled
    session.flush()


def set_address(session: Session, *, actor: Actor, user_id: int, email: str) -> None:
    """Record the e-mail address of a user (themselves, or anyone for the secretariat and the system).

    Raises:
        InvalidInput: not an e-mail address.
        PermissionDenied: someone else's address set by a non-secretariat user.
    """
    email = email.strip()
    if "@" not in email or " " in email or len(email) > 200:
        raise InvalidInput(f"Địa chỉ e-mail không hợp lệ: {email!r}", f"Not an e-mail address: {email!r}")
    if not is_system(actor) and actor.id != user_id and actor.role != "secretariat":
        raise PermissionDenied("Chỉ được sửa e-mail của mình", "You may only change your own e-mail")
    row = session.get(UserAddress, user_id)
    if row is None:
        session.add(UserAddress(user_id=user_id, email=email))
    else:
        row.email = email
    session.flush()


def address_of(session: Session, *, user_id: int) -> str | None:
    """Return the e-mail address known for a user."""
    row = session.get(UserAddress, user_id)
    return row.email if row is not None else None
