"""Settings of the follow-up room, read from the environment on each call (tests change them).

Domain layer; imports nothing from chiso. Every value has a working default so `make run` needs none:

| variable | default | meaning |
|---|---|---|
| CHISO_SMTP_URL | (none: e-mails wait, see /notifications/outbox) | smtp://user:pass@host:port, smtps:// |
| CHISO_MAIL_FROM | chiso@localhost | the From address |
| CHISO_BASE_URL | http://127.0.0.1:8000 | links in e-mails |
| CHISO_WEBHOOK_URL / CHISO_WEBHOOK_SECRET | (none) | JSON POST signed with HMAC-SHA256 |
| CHISO_WORKER | 1 | 0: `chiso serve` starts no worker |
| CHISO_ESCALATION_DAYS | 0,2,5 | days after the due date to reach level 1, 2, 3 |
| CHISO_REMINDER_DAYS | 7,3,1 | default reminder schedule of a period |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.replace(" ", "").split(",") if part)


@dataclass(frozen=True)
class SmtpSettings:
    """Where e-mails go."""

    host: str
    port: int
    username: str | None
    password: str | None
    ssl: bool
    starttls: bool


@dataclass(frozen=True)
class FollowupSettings:
    """The follow-up room's settings."""

    smtp: SmtpSettings | None
    mail_from: str
    base_url: str
    webhook_url: str | None
    webhook_secret: str
    worker: bool
    escalation_days: tuple[int, ...]
    reminder_days: tuple[int, ...]


def parse_smtp_url(url: str) -> SmtpSettings:
    """Parse smtp://user:pass@host:port?starttls=1 (smtps:// for implicit TLS).

    Raises:
        ValueError: not an smtp:// or smtps:// URL.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"CHISO_SMTP_URL={url!r}: expected smtp://user:password@host:port")
    query = parse_qs(parts.query)
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        ssl=parts.scheme == "smtps",
        starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
    )


def get_followup_settings() -> FollowupSettings:
    """Read the settings from the environment."""
    smtp_url = os.environ.get("CHISO_SMTP_URL", "").strip()
    return FollowupSettings(
        smtp=parse_smtp_url(smtp_url) if smtp_url else None,
        mail_from=os.environ.get("CHISO_MAIL_FROM", "chiso@localhost"),
        base_url=os.environ.get("CHISO_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        webhook_url=os.environ.get("CHISO_WEBHOOK_URL") or None,
        webhook_secret=os.environ.get("CHISO_WEBHOOK_SECRET", ""),
        worker=os.environ.get("CHISO_WORKER", "1") not in ("0", "false", "no", "off"),
        escalation_days=_ints(os.environ.get("CHISO_ESCALATION_DAYS", "0,2,5")),
        reminder_days=_ints(os.environ.get("CHISO_REMINDER_DAYS", "7,3,1")),
    )
