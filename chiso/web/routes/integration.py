"""Record API for integrators: POST /api/records/{kind} with a bearer token; web layer, thin.

The one-stop-shop and petition (1022) systems push batches of records as JSON
`{"records": [{...}, ...]}`; the answer has the counts (read, stored, new, replaced, unchanged,
rejected), the rejects with their row (1-based position in the batch) and reason, and the
(agency_code, month) pairs whose metrics changed. Authentication is `Authorization: Bearer <token>`
(tokens from `chiso monitor token create NAME`), not the session cookie, so there is no CSRF check.
A token is limited to its requests per minute (429) and, when scoped, to its record kinds and its
agency subtree (403 naming the kind or the agency codes outside it), checked before anything is stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from chiso.accounts.tokens import RATES, check_scope, verify_token
from chiso.config import get_settings
from chiso.errors import InvalidInput, NotFound, PermissionDenied
from chiso.monitoring.ingest import ingest_records
from chiso.monitoring.records import KINDS, parse_kind
from chiso.store.models.monitoring import IntegratorToken
from chiso.web.deps import CurrentUser, DbSession
from chiso.web.limits import body_limit

ACTION = "push-records"
# A generated dossier is ~550 bytes of JSON, one with every column at its widest (27-character ids,
# times with milliseconds and offset) ~645: budget 700, so a batch of `max_records()` fits in the body
# limit (31,457 with the default 20 MB uploads).
RECORD_BYTES_BUDGET = 700


def max_records() -> int:
    """Return the largest batch accepted: as many records as always fit in the request body limit."""
    return body_limit() // RECORD_BYTES_BUDGET


router = APIRouter(tags=["integration"])


class RecordBatch(BaseModel):
    """A batch of records of one kind; each record is a JSON object with the columns of docs/records.md."""

    records: list[Any] = Field(default_factory=list, description="JSON objects, one per record")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def integrator(request: Request, db: DbSession, viewer: CurrentUser) -> IntegratorToken:
    """Admit requests carrying a live integrator token; a logged-in person without one gets 403."""
    token = _bearer(request)
    if token is None and viewer.is_authenticated:
        raise PermissionDenied(
            "Chỉ hệ thống tích hợp (có token) được gửi bản ghi",
            "Only integrators with a token may push records (Authorization: Bearer <token>)",
        )
    row = verify_token(db, token=token)
    RATES.admit(row)
    return row


integrator.chiso_action = ACTION  # type: ignore[attr-defined]  # read by route_action (tests, docs)

Integrator = Annotated[IntegratorToken, Depends(integrator)]


@router.post("/api/records/{kind}", summary="Push a batch of records (integrators)")
def push_records(kind: str, batch: RecordBatch, token: Integrator, db: DbSession) -> dict[str, Any]:
    """Validate and store a batch of dossiers, procedures or petitions; return counts and rejects."""
    parsed = parse_kind(kind)
    if parsed is None:
        raise NotFound(
            f"Không có loại bản ghi {kind}; dùng {', '.join(KINDS)}",
            f"No record kind {kind}; use one of {', '.join(KINDS)}",
        )
    limit = max_records()
    if len(batch.records) > limit:
        raise InvalidInput(
            f"Lô quá lớn: {len(batch.records)} bản ghi, tối đa {limit}; hãy chia nhỏ",
            f"Batch too large: {len(batch.records)} records, at most {limit}; split it",
        )
    codes = {str(r.get("agency_code") or "") for r in batch.records if isinstance(r, dict)}
    check_scope(db, token=token, kind=parsed, agency_codes=codes)
    report = ingest_records(
        batch.records, kind=parsed, data_dir=get_settings().data_dir, source=f"api:{token.name}"
    )
    return report.to_dict()
