"""The e-mail as written on the wire (a line break in a title adds no header; Vietnamese survives folding)
and the send loop's connection given back to the pool as it was."""

from __future__ import annotations

import email
import email.policy

from followup_support import Mailbox, make_user, text_of
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from chiso.flows.worker import drain
from chiso.followup.messages import Message
from chiso.followup.notify import notify, recipients_of
from chiso.followup.senders import build_email
from chiso.store import session_scope
from chiso.store.db import get_engine


def _parse(data: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


@given(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
)
def test_any_subject_and_name_arrive_whole_and_add_no_header(subject: str, name: str) -> None:
    payload = {
        "subject": subject + "\r\nBcc: ke-gian@example.com",
        "name": name,
        "text": "Nội dung",
        "html": "<p>x</p>",
    }
    data = build_email(key="k:1|email|a@b.vn", to="a@b.vn", payload=payload, mail_from="chiso@tinh.gov.vn")
    assert data.isascii() and b"\r\n\r\n" in data
    message = _parse(data)
    assert message["Bcc"] is None
    assert str(message["To"]).endswith("<a@b.vn>") or str(message["To"]) == "a@b.vn"
    assert "".join(str(message["Subject"]).split()) == "".join((subject + "Bcc: ke-gian@example.com").split())


def test_a_long_vietnamese_subject_keeps_its_spaces() -> None:
    subject = (
        "Yêu cầu giải trình: tỷ lệ hồ sơ giải quyết đúng hạn của Sở Khoa học và Công nghệ dưới 95% tháng 11"
    )
    payload = {"subject": subject, "name": "Nguyễn Văn Án", "text": "Kính gửi anh", "html": "<p>Kính gửi</p>"}
    message = _parse(build_email(key="k", to="a@b.vn", payload=payload, mail_from="c@d.vn"))
    assert str(message["Subject"]) == subject
    assert str(message["To"]) == "Nguyễn Văn Án <a@b.vn>"
    assert text_of(message) == "Kính gửi anh"


def test_the_send_loop_gives_its_connection_back_with_full_sync(store: str, smtp_server: Mailbox) -> None:
    with session_scope(store) as s:
        user = make_user(s, "fu_sync", "secretariat", "vanthu@danang.gov.vn")
        notify(s, event_type="ranking_published", key="fu:sync:1", recipients=recipients_of(s, [user]),
               message=Message("Công bố xếp hạng", "Ranking published", "", "", "/rankings"))  # fmt: skip
    assert drain(store, worker_id="t-sync").sent == 1
    assert len(smtp_server.messages) == 1
    if store.startswith("sqlite"):  # the send loop relaxes SQLite's sync only while it runs
        with get_engine(store).connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL, as every other user expects
