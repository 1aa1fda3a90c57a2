"""The audit log: who changed what, when, from which value to which, and why; with downloads.

Web layer: the page and its JSON twin are one route returning the typed AuditPage.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from chiso.assessment import audit, evidence
from chiso.assessment.schemas import AuditFilters, AuditPage
from chiso.web.deps import DbSession, require
from chiso.web.pages import page

router = APIRouter()


@page(router, "/audit", template="assessment/audit.html", action="view-audit", name="log", tags=["audit"])
def audit_page(db: DbSession, filters: Annotated[AuditFilters, Query()]) -> AuditPage:
    """Browse the audit log, newest first, 100 entries a page (who, when, old, new, why)."""
    return audit.audit_page(db, filters=filters)


@router.get("/audit.{fmt}", dependencies=[require("view-audit")], tags=["audit"])
def audit_download(
    db: DbSession, fmt: Literal["csv", "xlsx"], filters: Annotated[AuditFilters, Query()]
) -> Response:
    """Export the audit entries matching the filters as CSV or Excel."""
    data = audit.export_audit(db, fmt=fmt, **audit.audit_filters(db, filters))
    media = "text/csv; charset=utf-8" if fmt == "csv" else evidence.ALLOWED_TYPES["xlsx"][0]
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="audit.{fmt}"'}
    )
