"""Send one delivery on its channel: SMTP (one connection reused for a batch) or a signed webhook POST.

Domain layer; the standard library only (smtplib, urllib, hmac). A sender raises `TemporaryFailure` (retry
later: connection refused, 4xx) or `PermanentFailure` (give up: 5xx, a bad address). The message carries
its idempotency key: the e-mail's Message-ID is derived from it, the webhook sends it as Idempotency-Key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from email.header import Header
from email.utils import formataddr, formatdate
from types import TracebackType
from typing import Any

from chiso.followup.settings import SmtpSettings


class TemporaryFailure(Exception):
    """The channel could not take the message now; try again later."""


class PermanentFailure(Exception):
    """The channel refused the message for good (bad address, 5xx)."""


def message_id(idempotency_key: str) -> str:
    """Return the Message-ID derived from a delivery's idempotency key (stable across retries)."""
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@chiso>"


def build_email(*, key: str, to: str, payload: dict[str, Any], mail_from: str) -> bytes:
    """Return the e-mail of a delivery as bytes: plain text and HTML alternatives, Vietnamese first.

    Written directly (CRLF lines, base64 bodies, RFC 2047 words for Vietnamese headers) rather than through
    email.generator, whose header folding cost more than the SMTP exchange itself in a burst. A folded
    Vietnamese subject keeps the spaces between its encoded words (`email.header.Header`).
    """
    boundary = f"chiso-{hashlib.sha256(key.encode()).hexdigest()[:24]}"
    headers = [
        ("Subject", _encoded(str(payload["subject"]), "Subject")),
        ("From", formataddr(("chiso", mail_from))),
        ("To", formataddr((" ".join(str(payload.get("name") or "").split()), to))),
        ("Date", formatdate(localtime=False)),
        ("Message-ID", message_id(key)),
        ("X-Chiso-Idempotency-Key", _encoded(key, "X-Chiso-Idempotency-Key")),
        ("Content-Language", "vi, en"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    lines = [f"{name}: {value}" for name, value in headers] + [""]
    for subtype, text in (("plain", payload["text"]), ("html", payload["html"])):
        body = base64.encodebytes(str(text).encode()).decode("ascii").rstrip("\n").split("\n")
        lines += [
            f"--{boundary}",
            f'Content-Type: text/{subtype}; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
            "",
            *body,
        ]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).encode("ascii")


@functools.lru_cache(maxsize=2048)
def _encoded(text: str, name: str) -> str:
    """Return a header value as ASCII: itself, or RFC 2047 words folded with CRLF (cached: bursts repeat).

    Anything but short printable ASCII is encoded, so a line break typed in a title cannot add a header.
    """
    if text.isascii() and text.isprintable() and len(text) + len(name) < 76:
        return text
    return Header(text, "utf-8", header_name=name).encode(linesep="\r\n")


class SmtpSender:
    """One SMTP connection for a batch of e-mails; reconnects once when the server dropped it."""

    def __init__(self, settings: SmtpSettings, *, mail_from: str, timeout: float = 20.0) -> None:
        self.settings = settings
        self.mail_from = mail_from
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            smtp: smtplib.SMTP
            if s.ssl:
                smtp = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"SMTP {s.host}:{s.port}: {exc}") from exc
        return smtp

    def send(self, *, key: str, to: str, payload: dict[str, Any]) -> None:
        """Send one e-mail.

        Raises:
            TemporaryFailure: the server is unreachable or answered 4xx.
            PermanentFailure: the server answered 5xx for this message.
        """
        data = build_email(key=key, to=to, payload=payload, mail_from=self.mail_from)
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                refused = self._smtp.sendmail(self.mail_from, [to], data)
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp = None
                if attempt == 2:
                    raise TemporaryFailure(f"SMTP: {exc}") from exc
                continue
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                self._reset()
                raise _by_code(min(codes), f"SMTP refused {to}: {exc.recipients}") from exc
            except smtplib.SMTPResponseException as exc:
                self._reset()
                raise _by_code(exc.smtp_code, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            except (OSError, smtplib.SMTPException) as exc:
                self.close()
                raise TemporaryFailure(f"SMTP: {exc}") from exc
            if refused:
                raise PermanentFailure(f"SMTP refused {to}: {refused}")
            return

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        """Say QUIT (or drop the connection)."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def _by_code(code: int, text: str) -> Exception:
    return PermanentFailure(text) if 500 <= code < 600 else TemporaryFailure(text)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the webhook signature: hex HMAC-SHA256 of "<timestamp>.<body>" with the shared secret."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def send_webhook(*, url: str, secret: str, key: str, payload: dict[str, Any], timeout: float = 10.0) -> None:
    """POST the payload as JSON, signed (X-Chiso-Signature: sha256=<hex>, X-Chiso-Timestamp).

    Raises:
        TemporaryFailure: unreachable, timeout, 408/429/5xx.
        PermanentFailure: any other 4xx.
    """
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": key,
            "X-Chiso-Timestamp": stamp,
            "X-Chiso-Signature": f"sha256={sign(secret, stamp, body)}",
            "User-Agent": "chiso-webhook/1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            response.read()
    except urllib.error.HTTPError as exc:
        if exc.code in (408, 429) or exc.code >= 500:
            raise TemporaryFailure(f"webhook {exc.code}") from exc
        raise PermanentFailure(f"webhook {exc.code}") from exc
    except OSError as exc:
        raise TemporaryFailure(f"webhook: {exc}") from exc
