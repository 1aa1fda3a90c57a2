"""The indicators room's demo step: five dashboards of the demo province built from its catalogue.

Indicators room; imports the room's dashboards service and the store. Items name the pinned demo
indicator codes (and folders); an item whose indicators are absent is left out, so the step runs on an
empty catalogue too (each dashboard then keeps its text note). A dashboard whose title exists is kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.indicators.dashboards import (
    DashboardIn,
    DashboardItem,
    DashboardSpec,
    create_dashboard,
    place_items,
)
from chiso.store.models.indicators import Dashboard, Indicator

Item = dict[str, Any]
SIZES = {"tile": (3, 1), "line": (6, 2), "bar": (6, 2), "stacked": (6, 2), "table": (12, 2),
         "ranking": (6, 3), "map": (6, 3), "text": (12, 1)}  # fmt: skip


def _item(kind: str, *codes: str, title: str | None = None, text: str | None = None, **extra: Any) -> Item:
    return {"kind": kind, "indicators": list(codes), "title_vi": title, "text": text, **extra}


NOTE = "Số liệu do các sở, ngành và UBND xã, phường báo cáo; ô trống (—) là chưa có số liệu, không phải số 0."
DEMO: list[tuple[str, str, str, list[str], list[Item]]] = [
    (
        "Tổng quan cho lãnh đạo",
        "Leader overview",
        "roles",
        ["leader"],
        [
            _item("tile", "DVC_TL_TRUC_TUYEN"),
            _item("tile", "DVC_TL_DUNG_HAN"),
            _item("tile", "KTS_TY_TRONG_GRDP"),
            _item("tile", "HT_CAP_QUANG_HO"),
            _item("line", "DVC_TL_TRUC_TUYEN", "DVC_TL_DUNG_HAN", title="Dịch vụ công trực tuyến 12 tháng"),
            _item("map", "DVC_TL_TRUC_TUYEN", title="Tỷ lệ hồ sơ trực tuyến theo xã, phường"),
            _item("text", text=NOTE, title="Ghi chú"),
        ],
    ),
    (
        "Kinh tế số",
        "Digital economy",
        "public",
        [],
        [
            _item("tile", "KTS_TY_TRONG_GRDP"),
            _item("tile", "KTS_DN_NEN_TANG_SO"),
            _item("line", "KTS_TY_TRONG_GRDP", periods=6),
            _item("bar", "KTS_DN_NEN_TANG_SO", periods=8),
            _item(
                "text",
                text="Tỷ trọng kinh tế số trong GRDP theo năm; doanh nghiệp dùng nền tảng số theo quý.",
                title="Ghi chú",
            ),
        ],
    ),  # fmt: skip
    (
        "Dịch vụ công trực tuyến",
        "Online public services",
        "public",
        [],
        [
            _item("tile", "DVC_HS_TONG"),
            _item("tile", "DVC_HS_TRUC_TUYEN"),
            _item("tile", "DVC_TL_TRUC_TUYEN"),
            _item("tile", "DVC_TL_DUNG_HAN"),
            _item("bar", "DVC_HS_TONG", "DVC_HS_TRUC_TUYEN", title="Hồ sơ tiếp nhận và nộp trực tuyến"),
            _item("line", "DVC_TL_TRUC_TUYEN", "DVC_TL_DUNG_HAN", title="Tỷ lệ trực tuyến và đúng hạn"),
            _item("ranking", "DVC_TL_TRUC_TUYEN", title="Xếp hạng xã, phường: tỷ lệ hồ sơ trực tuyến"),
            _item("table", "DVC_HS_TONG", "DVC_HS_TRUC_TUYEN", "DVC_TL_TRUC_TUYEN", periods=6),
        ],
    ),
    (
        "Chuyển đổi số cấp xã",
        "Commune digital transformation",
        "roles",
        ["leader", "reporter"],
        [
            _item("map", "HT_CAP_QUANG_HO", title="Hộ gia đình có cáp quang theo xã, phường"),
            _item("ranking", "DVC_TL_TRUC_TUYEN", title="Xếp hạng tỷ lệ hồ sơ trực tuyến"),
            _item("folder", "CDS_CAP_XA"),
            _item(
                "text",
                text="Bấm vào một xã, phường trên bản đồ để lọc cả bảng theo đơn vị đó.",
                title="Cách xem",
            ),
        ],
    ),  # fmt: skip
    (
        "Hạ tầng công nghệ thông tin",
        "IT infrastructure",
        "roles",
        ["leader", "assessor"],
        [
            _item("tile", "HT_CAP_QUANG_HO"),
            _item("tile", "HT_SO_HO"),
            _item("folder", "HA_TANG_CNTT"),
            _item("line", "HT_CAP_QUANG_HO", periods=8),
            _item("map", "HT_CAP_QUANG_HO"),
            _item("ranking", "CQS_VB_DIEN_TU", title="Văn bản điện tử theo cơ quan"),
        ],
    ),  # fmt: skip
]


def _expand(items: list[Item], known: dict[str, str | None]) -> list[Item]:
    """Keep items whose indicators exist; a "folder" item becomes tiles of up to 4 of its other indicators."""
    used = {code for item in items for code in item["indicators"] if item["kind"] != "folder"}
    out: list[Item] = []
    for item in items:
        if item["kind"] == "folder":
            codes = [c for c, folder in known.items() if folder == item["indicators"][0] and c not in used]
            out += [_item("tile", code) for code in sorted(codes)[:4]]
            continue
        codes = [c for c in item["indicators"] if c in known]
        if item["kind"] == "text" or codes:
            out.append({**item, "indicators": codes})
    return out


def add_demo_dashboards(session: Session, *, actor: Actor) -> list[str]:
    """Add the demo's five dashboards (leader overview, digital economy, online services, commune digital
    transformation, IT infrastructure) from the indicators present; return the titles added."""
    known = dict(session.execute(select(Indicator.code, Indicator.folder_code).where(Indicator.active)).all())
    existing = set(session.scalars(select(Dashboard.title_vi)))
    added = []
    for title_vi, title_en, sharing, roles, items in DEMO:
        if title_vi in existing:
            continue
        built = []
        for n, raw in enumerate(_expand(items, known), start=1):
            w, h = SIZES[raw["kind"]]
            fields = {k: v for k, v in raw.items() if v is not None}
            built.append(DashboardItem.model_validate({"id": f"i{n}", "w": w, "h": h, **fields}))
        spec = DashboardSpec(items=place_items(built))
        data = DashboardIn(title_vi=title_vi, title_en=title_en, sharing=sharing, roles=roles, spec=spec)  # type: ignore[arg-type]
        create_dashboard(session, data=data, actor=actor)
        added.append(title_vi)
    return added
