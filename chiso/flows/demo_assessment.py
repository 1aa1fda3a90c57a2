"""The demo's assessment: the 2024 and 2025 periods filled and published, the 2026 period under way.

Flows layer: composes the assessment room's demo steps (chiso.assessment.demo) with the publication
flow (chiso.flows.scoring), so the demo publishes exactly as the secretariat's button does.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.assessment import demo, review
from chiso.flows.computed import refresh_computed_values
from chiso.flows.scoring import publish_period


def build_demo_assessment(
    session: Session, *, province_code: str = "48", today: date | None = None
) -> dict[str, int]:
    """Fill and publish the 2024 and 2025 periods; open the 2026 period with a mix of statuses.

    The 2026 period's online-service criteria (DVC_DUNG_HAN, DVC_HO_SO_TRUC_TUYEN) are computed from the
    record store as it opens (chiso.flows.computed); 2024 and 2025 keep their annual report.

    Idempotent: periods that exist are left alone. Returns counts per status of the current period.
    """
    for past in demo.PAST_PERIODS:
        if demo.period_exists(session, code=past.code):
            continue
        demo.fill_past_period(session, province_code=province_code, past=past)
        publish_period(
            session,
            period_code=past.code,
            actor=demo.demo_users(session).get("vanthu") or SYSTEM,
            now=past.published,
        )
    if not demo.period_exists(session, code=demo.CURRENT_CODE):
        demo.build_current_period(
            session,
            province_code=province_code,
            today=today or clock.today(),
            after_open=lambda code: refresh_computed_values(session, period_code=code, actor=SYSTEM),
        )
    return review.period_progress(session, period_code=demo.CURRENT_CODE)
