"""What the catalogue tests share: an agency, folders and a small catalogue written through the services.

A module of its own (not conftest) so the web and CLI tests can import it by a name no other test
directory uses.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.indicators import catalogue
from chiso.indicators.catalogue import FolderIn
from chiso.indicators.schemas import IndicatorIn
from chiso.store.models import Agency
from chiso.units.text import fold

OWNER = "CT.STTTT"
FOLDERS = {"DICH_VU_CONG": "Dịch vụ công trực tuyến", "HA_TANG_CNTT": "Hạ tầng CNTT"}


def add_agency(session: Session, code: str = OWNER, name: str = "Sở Thông tin và Truyền thông") -> None:
    session.add(Agency(code=code, name_vi=name, name_ascii=fold(name), kind="department", province_code="48"))
    session.flush()


def entry(code: str, **fields: Any) -> IndicatorIn:
    """Return a catalogue entry with sensible defaults (a province count, entered, yearly)."""
    return IndicatorIn(code=code, name_vi=fields.pop("name_vi", f"Chỉ tiêu {code}"), **fields)


def small_catalogue(session: Session) -> None:
    """The pinned demo's online-services corner: two counts, their formula share, a weighted rate."""
    add_agency(session)
    for position, (code, name) in enumerate(FOLDERS.items()):
        catalogue.save_folder(
            session, data=FolderIn(code=code, name_vi=name, position=position), actor=SYSTEM
        )
    rows = [
        entry("DVC_HS_TONG", name_vi="Tổng số hồ sơ tiếp nhận", unit="hồ sơ", period_type="month",
              level="commune", folder_code="DICH_VU_CONG", owner_agency_code=OWNER),
        entry("DVC_HS_TRUC_TUYEN", name_vi="Số hồ sơ nộp trực tuyến", unit="hồ sơ", period_type="month",
              level="commune", folder_code="DICH_VU_CONG", owner_agency_code=OWNER),
        entry("DVC_TL_TRUC_TUYEN", name_vi="Tỷ lệ hồ sơ trực tuyến", value_type="percent", unit="%",
              period_type="month", source="formula", aggregation="none", folder_code="DICH_VU_CONG",
              formula="DVC_HS_TRUC_TUYEN / DVC_HS_TONG * 100", min_value=0, max_value=100),
        entry("HT_SO_HO", name_vi="Số hộ gia đình", unit="hộ", period_type="quarter", level="commune",
              folder_code="HA_TANG_CNTT"),
        entry("HT_CAP_QUANG_HO", name_vi="Tỷ lệ hộ có cáp quang", value_type="percent", unit="%",
              period_type="quarter", level="commune", aggregation="weighted", weight_code="HT_SO_HO",
              folder_code="HA_TANG_CNTT"),
    ]  # fmt: skip
    for row in rows:
        catalogue.create_indicator(session, data=row, actor=SYSTEM)
