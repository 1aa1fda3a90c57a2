"""The text of a notification on each channel: e-mail (Vietnamese, then English; plain text and HTML) and
the webhook's JSON body.

Domain layer; pure functions of a `Message` (imports the standard library only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any


@dataclass(frozen=True)
class Message:
    """What an event says, in both languages, and the page it links to (a path such as /requests/3)."""

    title_vi: str
    title_en: str
    body_vi: str = ""
    body_en: str = ""
    link: str = "/notifications"
    data: dict[str, Any] = field(default_factory=dict)


def absolute(base_url: str, link: str) -> str:
    """Return the link as an absolute URL on the site."""
    return link if link.startswith(("http://", "https://")) else f"{base_url}{link}"


def email_subject(message: Message) -> str:
    """Return the subject: Vietnamese first, English after a slash."""
    return f"[chiso] {message.title_vi} / {message.title_en}"


def email_text(message: Message, *, name: str, base_url: str) -> str:
    """Return the plain-text body: the Vietnamese text with the link, then the English text."""
    url = absolute(base_url, message.link)
    settings = absolute(base_url, "/notifications/settings")
    return (
        f"Kính gửi {name},\n\n{message.title_vi}\n\n{message.body_vi}\n\nXem chi tiết: {url}\n\n"
        f"----- English -----\n\nDear {name},\n\n{message.title_en}\n\n{message.body_en}\n\n"
        f"Details: {url}\n\n--\nchiso. Chọn loại thông báo nhận qua e-mail / choose what you receive: "
        f"{settings}\n"
    )


def email_html(message: Message, *, name: str, base_url: str) -> str:
    """Return the HTML body (the same content as the text, escaped)."""
    url = escape(absolute(base_url, message.link), quote=True)
    settings = escape(absolute(base_url, "/notifications/settings"), quote=True)

    def para(text: str) -> str:
        return "".join(f"<p>{escape(line)}</p>" for line in text.split("\n") if line.strip())

    return (
        '<!doctype html><html lang="vi"><body style="font-family:sans-serif">'
        f"<p>Kính gửi {escape(name)},</p><h2>{escape(message.title_vi)}</h2>{para(message.body_vi)}"
        f'<p><a href="{url}">Xem chi tiết</a></p><hr>'
        f'<div lang="en"><p>Dear {escape(name)},</p><h3>{escape(message.title_en)}</h3>'
        f'{para(message.body_en)}<p><a href="{url}">Details</a></p></div><hr>'
        f'<p><small><a href="{settings}">Chọn loại thông báo / notification settings</a></small></p>'
        "</body></html>"
    )


def webhook_body(
    message: Message, *, event_type: str, key: str, recipient: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """Return the JSON a webhook receives (a Zalo OA or SMS gateway routes it by `recipient`)."""
    return {
        "event": event_type,
        "idempotency_key": key,
        "title_vi": message.title_vi,
        "title_en": message.title_en,
        "body_vi": message.body_vi,
        "body_en": message.body_en,
        "link": absolute(base_url, message.link),
        "recipient": recipient,
        "data": message.data,
    }
