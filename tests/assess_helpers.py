"""Shared constants and helpers for the assessment tests (imported by conftest and the test modules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chiso.store.models import Agency, PeerGroup, User

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SUBMIT_BY = datetime(2026, 4, 30, 17, 0, tzinfo=UTC)
REVIEW_BY = datetime(2026, 5, 31, 17, 0, tzinfo=UTC)
#: A complete, valid set of danang-it values for a department (DIEM_THUONG/DIEM_TRU are optional).
FULL_VALUES: dict[str, dict[str, object]] = {
    "HT_MAY_TINH": {"value": 0.95},
    "HT_MANG": {"value": "Có"},
    "HT_ATTT": {"value": 4},
    "UD_VAN_BAN": {"value": 1.0},
    "UD_HO_SO_CV": {"value": "0,9"},
    "UD_HOP_TRUC_TUYEN": {"value": 12},
    "UD_DU_LIEU": {"value": 3},
    "DVC_TOAN_TRINH": {"value": 0.7},
    "DVC_HO_SO_TRUC_TUYEN": {"value": 0.4},
    "DVC_DUNG_HAN": {"numerator": 95, "denominator": 100},
    "NL_CHUYEN_TRACH": {"value": 1},
    "NL_DAO_TAO": {"value": 0.6},
    "CS_KE_HOACH": {"value": "không"},
    "CS_KINH_PHI": {"value": 5},
}


@dataclass
class Province:
    agencies: dict[str, Agency]
    groups: dict[str, PeerGroup]
    users: dict[str, User]


def later(days: float) -> datetime:
    """Return T0 plus some days."""
    return T0 + timedelta(days=days)
