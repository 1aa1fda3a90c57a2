"""Delivery against a real SMTP server: the message arrives right, a refusal is retried, a killed worker
neither loses nor repeats a message, one leader among several processes, a signed webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from followup_support import Mailbox, html_of, make_user, text_of
from sqlalchemy import func, select

from chiso import clock
from chiso.errors import PermissionDenied
from chiso.flows.worker import drain
from chiso.followup import lease, outbox
from chiso.followup.messages import Message
from chiso.followup.notify import Recipient, notify, recipients_of, set_preference
from chiso.store import session_scope
from chiso.store.models.followup import Delivery, Notification
from chiso.web.launch import free_port


def _queue(url: str, n: int, *, prefix: str = "test") -> list[str]:
    with session_scope(url) as s:
        keys = []
        for i in range(n):
            notify(s, event_type="deadline_soon", key=f"{prefix}:{i}",
                   recipients=[Recipient(f"Cán bộ {i}", email=f"canbo{i}@danang.gov.vn")],
                   message=Message(f"Còn 3 ngày đến hạn nộp ({i})", f"3 days left ({i})", "Hạn nộp 17:00.",
                                   "Due 17:00.", "/assessment/DNG-2026"))  # fmt: skip
            keys.append(f"{prefix}:{i}|email|canbo{i}@danang.gov.vn")
    return keys


def test_the_message_arrives_with_recipients_subject_vietnamese_text_and_link(
    store: str, smtp_server: Mailbox
) -> None:
    with session_scope(store) as s:
        user = make_user(s, "fu_officer", "assessor", "baocao@khcn.danang.gov.vn")
        notify(s, event_type="submission_returned", key="fu:returned:1", recipients=recipients_of(s, [user]),
               message=Message("Bản tự đánh giá DNG-2026 bị trả lại", "Submission for DNG-2026 returned",
                               "Ý kiến thẩm định: bổ sung minh chứng tiêu chí 1.2",
                               "Assessor's comment: add evidence to criterion 1.2",
                               "/assessment/DNG-2026/agencies/DNG.SO.KHCN"))  # fmt: skip
    report = drain(store, worker_id="t1")
    assert report.sent == 1
    [message] = smtp_server.messages
    assert smtp_server.envelopes[0][1] == ["baocao@khcn.danang.gov.vn"]
    assert (
        message["Subject"] == "[chiso] Bản tự đánh giá DNG-2026 bị trả lại / Submission for DNG-2026 returned"
    )
    assert "baocao@khcn.danang.gov.vn" in message["To"]
    text = text_of(message)
    assert text.index("Ý kiến thẩm định: bổ sung minh chứng") < text.index(
        "Assessor's comment"
    )  # Vietnamese first
    link = "https://chiso.danang.example/assessment/DNG-2026/agencies/DNG.SO.KHCN"
    assert link in text and f'href="{link}"' in html_of(message)
    with session_scope(store) as s:
        row = s.scalar(select(Delivery))
        assert row is not None and row.status == "sent" and row.attempts == 1
        assert s.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id)) == 1
    assert drain(store, worker_id="t1").claimed == 0  # sent once, never again


def test_the_same_event_twice_queues_one_message(store: str, smtp_server: Mailbox) -> None:
    _queue(store, 3)
    _queue(store, 3)  # the evaluation ran twice: same keys
    assert drain(store, worker_id="t").sent == 3
    assert len(smtp_server.messages) == 3


def test_a_server_that_refuses_then_accepts_is_retried_with_backoff(store: str, smtp_server: Mailbox) -> None:
    [key] = _queue(store, 1)
    smtp_server.refuse_next = 1
    first = drain(store, worker_id="t")
    assert (first.sent, first.retry) == (0, 1) and smtp_server.messages == []
    with session_scope(store) as s:
        row = s.scalar(select(Delivery).where(Delivery.idempotency_key == key))
        assert row is not None and row.status == "pending" and "451" in (row.last_error or "")
        retry_at = row.next_attempt_at
    assert drain(store, worker_id="t").claimed == 0  # not before the backoff
    with clock.frozen(retry_at + timedelta(seconds=1)):
        assert drain(store, worker_id="t").sent == 1
    assert len(smtp_server.messages) == 1


def test_a_permanent_refusal_is_shown_as_failed(store: str, smtp_server: Mailbox) -> None:
    [key] = _queue(store, 1)
    with session_scope(store) as s:
        row = s.scalar(select(Delivery).where(Delivery.idempotency_key == key))
        assert row is not None
        row.attempts = outbox.MAX_ATTEMPTS - 1  # the last try left
    smtp_server.refuse_next = 1
    assert drain(store, worker_id="t").failed == 1
    with session_scope(store) as s:
        assert outbox.delivery_counts(s) == {"failed": 1}


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "chiso", "worker"], env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)  # fmt: skip


def _env(store: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"CHISO_DATABASE_URL": store, "CHISO_DELIVERY_LEASE_S": "3", "CHISO_LEADER_TTL_S": "3",
                "CHISO_WORKER_POLL_S": "0.2"})  # fmt: skip
    return env


@pytest.mark.slow  # kill -9 harness with a live worker process; CI runs it
def test_killing_the_worker_mid_send_loses_and_repeats_nothing(
    store: str, smtp_server: Mailbox, tmp_path: Path
) -> None:
    if store.startswith("sqlite"):
        Path(tmp_path / "var").mkdir(exist_ok=True)
    keys = _queue(store, 12)
    smtp_server.hold_rcpt_at = 5  # the 6th message: the server keeps the worker waiting for its RCPT reply
    log = tmp_path / "worker.log"
    first = _worker(_env(store), log)
    try:
        assert smtp_server.held.wait(60), log.read_text()
        assert len(smtp_server.messages) == 5
        first.send_signal(signal.SIGKILL)  # mid-send: a real process, no cleanup
        first.wait(10)
    finally:
        smtp_server.release.set()
        if first.poll() is None:
            first.kill()
    with session_scope(store) as s:
        states = dict(s.execute(select(Delivery.idempotency_key, Delivery.status)).all())
    assert sorted(k for k, v in states.items() if v == "sent") == sorted(keys[:5])
    second = _worker(_env(store), log)
    try:
        deadline = time.monotonic() + 60
        while len(smtp_server.messages) < 12 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        second.terminate()
        second.wait(20)
    ids = smtp_server.message_ids()
    assert len(ids) == 12 and len(set(ids)) == 12, log.read_text()[-2000:]  # every message, each once
    with session_scope(store) as s:
        assert outbox.delivery_counts(s) == {"sent": 12}


def test_one_leader_among_processes_and_a_dead_leader_is_replaced(store: str) -> None:
    ttl = timedelta(seconds=30)
    with session_scope(store) as s:
        assert lease.acquire(s, name="fu-test", holder="a", ttl=ttl)
    with session_scope(store) as s:
        assert not lease.acquire(s, name="fu-test", holder="b", ttl=ttl)
        assert lease.acquire(s, name="fu-test", holder="a", ttl=ttl)  # renewal
    with clock.frozen(clock.now() + timedelta(seconds=31)), session_scope(store) as s:
        assert lease.acquire(s, name="fu-test", holder="b", ttl=ttl)  # a stopped renewing
        assert lease.holder_of(s, name="fu-test") == "b"
    with session_scope(store) as s:
        lease.release(s, name="fu-test", holder="b")


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


def test_a_signed_webhook_carries_the_event(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    server = HTTPServer(("127.0.0.1", port), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("CHISO_WEBHOOK_URL", f"http://127.0.0.1:{port}/zalo")
    monkeypatch.setenv("CHISO_WEBHOOK_SECRET", "bi-mat")
    _Hook.received.clear()
    try:
        with session_scope(store) as s:
            user = make_user(s, "fu_leader", "leader")
            notify(s, event_type="alert_raised", key="fu:alert:1", recipients=recipients_of(s, [user]),
                   message=Message("3 cảnh báo mới", "3 new alerts", link="/alerts"))  # fmt: skip
        assert drain(store, worker_id="t").sent == 1
    finally:
        server.shutdown()
    [(headers, body)] = _Hook.received
    expected = hmac.new(
        b"bi-mat", headers["X-Chiso-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Chiso-Signature"] == f"sha256={expected}"
    data = json.loads(body)
    assert data["event"] == "alert_raised" and data["title_vi"] == "3 cảnh báo mới"
    assert (
        data["recipient"]["name"] == "Người thử fu_leader"
        and headers["Idempotency-Key"] == data["idempotency_key"]
    )


def test_unsubscribing_from_an_optional_type_works_and_a_mandatory_one_cannot_be_muted(
    store: str, smtp_server: Mailbox
) -> None:
    with session_scope(store) as s:
        user = make_user(s, "fu_ld", "leader", "lanhdao@danang.gov.vn")
        set_preference(s, actor=user, event_type="ranking_published", channel="email", enabled=False)
        with pytest.raises(PermissionDenied):
            set_preference(s, actor=user, event_type="request_received", channel="email", enabled=False)
        notify(
            s,
            event_type="ranking_published",
            key="fu:rank",
            recipients=recipients_of(s, [user]),
            message=Message("Công bố xếp hạng", "Ranking published"),
        )
        notify(
            s,
            event_type="request_received",
            key="fu:req",
            recipients=recipients_of(s, [user]),
            message=Message("Yêu cầu giải trình", "Request for explanation"),
        )
    assert drain(store, worker_id="t").sent == 1
    assert smtp_server.messages[0]["Subject"].startswith("[chiso] Yêu cầu giải trình")
    with session_scope(store) as s:  # the muted type still reaches the bell
        assert s.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id)) == 2
