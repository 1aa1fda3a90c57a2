"""The notification events: what can reach a person, on which channels by default, whether it may be muted.

Domain layer; imports nothing but the standard library. A room that performs an event calls
`chiso.followup.notify.notify(...)` with one of these types, in the same transaction as the event.
"""

from __future__ import annotations

from dataclasses import dataclass

CHANNELS = ("inapp", "email", "webhook")


@dataclass(frozen=True)
class EventType:
    """A kind of notification: its names, its default channels and whether users may unsubscribe."""

    code: str
    name_vi: str
    name_en: str
    optional: bool = True
    default_channels: tuple[str, ...] = ("inapp", "email", "webhook")


EVENT_TYPES: dict[str, EventType] = {
    e.code: e
    for e in (
        EventType("period_opened", "Mở kỳ đánh giá", "Assessment period opened"),
        EventType("deadline_soon", "Sắp đến hạn nộp", "Submission deadline approaching", optional=False),
        EventType("submission_returned", "Bản tự đánh giá bị trả lại", "Submission returned", optional=False),
        EventType("submission_received", "Bản tự đánh giá mới cần thẩm định", "New submission to review"),
        EventType("review_deadline", "Sắp đến hạn thẩm định", "Review deadline approaching"),
        EventType("ranking_published", "Công bố xếp hạng", "Ranking published"),
        EventType("alert_raised", "Cảnh báo mới", "Alert raised"),
        EventType(
            "request_received", "Yêu cầu giải trình", "Request for explanation received", optional=False
        ),
        EventType("request_answered", "Đơn vị đã giải trình", "Request for explanation answered"),
        EventType(
            "request_overdue", "Yêu cầu giải trình quá hạn", "Request for explanation overdue", optional=False
        ),
        EventType("plan_overdue", "Hạng mục kế hoạch quá hạn", "Action-plan item overdue"),
        EventType("report", "Báo cáo định kỳ", "Scheduled report", default_channels=("email",)),
    )
}


def get_event_type(code: str) -> EventType:
    """Return a registered event type.

    Raises:
        KeyError: an unknown type (a programming error).
    """
    try:
        return EVENT_TYPES[code]
    except KeyError:
        raise KeyError(
            f"unknown notification event {code!r}; register it in chiso/followup/events.py"
        ) from None
