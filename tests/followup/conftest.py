"""Follow-up fixtures: a real SMTP server (aiosmtpd on a free loopback port) and a committed store.

The SMTP server is the real protocol: the worker talks to it with smtplib over TCP. Its handler
(followup_support.Handler) keeps every message accepted, can refuse the next N messages with 451 (then
accepts), and can hold the reply to a RCPT command until the test releases it (to kill a worker in the
middle of a send).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from followup_support import Handler, Mailbox, clean_store

from chiso.web.launch import free_port


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """Start a real SMTP server on a free port; point CHISO_SMTP_URL at it."""
    box = Mailbox()
    port = free_port()
    controller = Controller(Handler(box), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CHISO_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("CHISO_BASE_URL", "https://chiso.danang.example")
    try:
        yield box
    finally:
        box.release.set()
        controller.stop()


@pytest.fixture
def store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A committed store for tests whose worker opens its own sessions; our rows are removed afterwards."""
    monkeypatch.setenv("CHISO_DATABASE_URL", store_url)
    clean_store(store_url)
    try:
        yield store_url
    finally:
        clean_store(store_url)
