"""`make run` (chiso serve) says where the e-mails go: the outbox page without SMTP, the server with it."""

from __future__ import annotations

import pytest

from chiso.cli.followup import print_mail_hint


def test_without_smtp_the_banner_points_at_the_outbox(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CHISO_SMTP_URL", raising=False)
    print_mail_hint("127.0.0.1", 8000)
    out = " ".join(capsys.readouterr().out.split())
    assert "http://127.0.0.1:8000/notifications/outbox" in out and "vanthu" in out


def test_with_smtp_the_banner_names_the_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHISO_SMTP_URL", "smtp://mail.danang.gov.vn:2525")
    print_mail_hint("127.0.0.1", 8000)
    assert "smtp://mail.danang.gov.vn:2525" in capsys.readouterr().out
