"""Hand-made report inputs: a small Đà Nẵng ranking with ties, a successor and a merged ward, a group of one.

Every figure is written out here so a test can recompute what a report states from these rows alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from chiso.reports.schemas import (
    AgencyResult,
    BandInfo,
    CriterionResult,
    DocumentInfo,
    FrameworkInfo,
    GroupInfo,
    Index766Agency,
    Index766Month,
    IndexFigures,
    NodeInfo,
    PeriodInfo,
    RankingInput,
    SignatureBlock,
    TargetResult,
)

BANDS = [
    BandInfo(code="TOT", label_vi="Tốt", label_en="Good", min=80),
    BandInfo(code="KHA", label_vi="Khá", label_en="Fair", min=65, max=80),
    BandInfo(code="TB", label_vi="Trung bình", label_en="Average", min=50, max=65),
    BandInfo(code="YEU", label_vi="Yếu", label_en="Weak", max=50),
]
PILLARS = [
    NodeInfo(code="HA_TANG", name_vi="Hạ tầng kỹ thuật", name_en="Infrastructure", max_points=40),
    NodeInfo(
        code="UNG_DUNG", name_vi="Ứng dụng công nghệ thông tin", name_en="IT application", max_points=60
    ),
]
CRITERIA = [
    NodeInfo(code="HT_MANG", name_vi="Kết nối mạng", name_en="Network", max_points=20, parent_code="HA_TANG"),
    NodeInfo(
        code="HT_ATTT", name_vi="An toàn thông tin", name_en="Security", max_points=20, parent_code="HA_TANG"
    ),
    NodeInfo(
        code="UD_VB", name_vi="Văn bản điện tử", name_en="E-documents", max_points=30, parent_code="UNG_DUNG"
    ),
    NodeInfo(
        code="UD_KP", name_vi="Bố trí kinh phí", name_en="IT budget", max_points=30, parent_code="UNG_DUNG"
    ),
]
FRAMEWORK = FrameworkInfo(
    id="danang-it",
    version="2022.1",
    name_vi="Chỉ số ứng dụng công nghệ thông tin",
    name_en="IT-application index",
    max_points=100,
    bands=BANDS,
    pillars=PILLARS,
    criteria=CRITERIA,
)
GROUPS = [
    GroupInfo(
        code="SBN",
        name_vi="Khối sở, ban, ngành",
        name_en="Departments",
        unit_noun_vi="sở, ngành",
        unit_noun_en="departments",
    ),
    GroupInfo(code="TW", name_vi="Khối cơ quan Trung ương", name_en="Central agencies"),
    GroupInfo(
        code="PX",
        name_vi="Khối phường, xã",
        name_en="Wards and communes",
        unit_noun_vi="phường, xã",
        unit_noun_en="wards and communes",
    ),
]


def agency(
    code: str, name: str, group: str, rank: int | None, h: float, u: float, **extra: Any
) -> AgencyResult:
    """Return an agency whose total is h + u; criteria split each pillar evenly unless given."""
    band = next(
        b.label_vi for b in BANDS if (b.min is None or h + u >= b.min) and (b.max is None or h + u < b.max)
    )
    criteria = extra.pop(
        "criteria",
        [
            CriterionResult(code="HT_MANG", points=h / 2, value=1),
            CriterionResult(code="HT_ATTT", points=h / 2),
            CriterionResult(code="UD_VB", points=u / 2, value=0.8),
            CriterionResult(code="UD_KP", points=u / 2),
        ],
    )
    return AgencyResult(
        agency_code=code,
        name_vi=name,
        group=group,
        rank=rank,
        total=round(h + u, 2),
        band=band,
        pillars={"HA_TANG": h, "UNG_DUNG": u},
        criteria=criteria,
        **extra,
    )


def previous(h: float, u: float, rank: int | None, now: float) -> dict[str, Any]:
    """Return the previous-period fields of an agency that scored h + u before and `now` today."""
    before = round(h + u, 2)
    return {
        "previous_total": before,
        "points_change": round(now - before, 2),
        "previous_rank": rank,
        "previous_pillars": {"HA_TANG": h, "UNG_DUNG": u},
        "status": "continuing",
    }


def _weak_criteria(h: float) -> list[CriterionResult]:
    return [
        CriterionResult(code="HT_MANG", points=h),
        CriterionResult(code="HT_ATTT", points=0),
        CriterionResult(code="UD_VB", points=10),
        CriterionResult(code="UD_KP", points=None),
    ]


def departments() -> list[AgencyResult]:
    """Six departments: a tie for 2nd, the Department of Tourism rising from 5th to 3rd."""
    rows = [
        ("SKHCN", "Sở Khoa học và Công nghệ", 1, 38.0, 59.2, (36.0, 55.0, 1)),
        ("STC", "Sở Tài chính", 2, 35.0, 55.0, (34.0, 56.0, 2)),
        ("SNV", "Sở Nội vụ", 2, 36.0, 54.0, (30.0, 50.0, 3)),
        ("SDL", "Sở Du lịch", 4, 30.0, 52.5, (28.0, 40.0, 6)),
        ("SXD", "Sở Xây dựng", 5, 28.0, 45.0, (30.0, 48.0, 4)),
        ("SYT", "Sở Y tế", 6, 20.0, 40.0, (25.0, 45.0, 5)),
    ]
    out = []
    for code, name, rank, h, u, (ph, pu, prank) in rows:
        extra = previous(ph, pu, prank, round(h + u, 2))
        extra["rank_change"] = prank - rank
        out.append(agency(code, name, "SBN", rank, h, u, **extra))
    return out


def wards() -> list[AgencyResult]:
    """Five wards: a successor (rank through lineage), a merged ward (no previous rank), two weak wards."""
    hc = previous(30.0, 40.0, 4, 80.0) | {
        "status": "successor",
        "predecessors": ["Phường Hải Châu I"],
        "rank_change": 3,
    }
    merged = {
        "previous_total": 60.0,
        "points_change": 15.0,
        "status": "merged",
        "predecessors": ["Phường Thạch Thang", "Phường Thanh Bình"],
    }
    weak_a = previous(25.0, 30.0, 2, 45.0) | {"rank_change": -2}
    weak_b = previous(20.0, 30.0, 3, 40.0) | {"rank_change": -2}
    parent = {"parent_code": "QHC", "parent_name_vi": "UBND quận Hải Châu"}
    return [
        agency("P1", "Phường Hải Châu", "PX", 1, 35.0, 45.0, **hc, **parent),
        agency("P2", "Phường Thạch Thang", "PX", 2, 30.0, 45.0, **merged),
        agency(
            "P3", "Phường Hòa Cường", "PX", 3, 25.0, 35.0, **previous(26.0, 40.0, 1, 60.0), rank_change=-2
        ),
        agency(
            "P4", "Phường Phước Ninh", "PX", 4, 15.0, 30.0, criteria=_weak_criteria(15.0), **weak_a, **parent
        ),
        agency(
            "P5", "Phường Bình Hiên", "PX", 5, 10.0, 30.0, criteria=_weak_criteria(10.0), **weak_b, **parent
        ),
    ]


def make_ranking(
    *, published: bool = True, first_year: bool = False, intervals: bool = False
) -> RankingInput:
    """Return the sample ranking (2025 against 2024, or a first year without a previous period)."""
    rows = [*departments(), agency("CTHUE", "Cục Thuế thành phố", "TW", 1, 34.0, 50.0), *wards()]
    if first_year:
        clear = {
            "previous_total": None,
            "points_change": None,
            "previous_rank": None,
            "rank_change": None,
            "previous_pillars": {},
            "status": "new",
            "predecessors": [],
        }
        rows = [r.model_copy(update=clear) for r in rows]
    if intervals:
        rows = [
            r.model_copy(update={"rank_low": max(1, (r.rank or 1) - 1), "rank_high": (r.rank or 1) + 1})
            for r in rows
        ]
    period = PeriodInfo(
        code="2025",
        name_vi="Năm 2025",
        name_en="2025",
        year=2025,
        previous_code=None if first_year else "2024",
        previous_name_vi=None if first_year else "năm 2024",
        previous_name_en=None if first_year else "2024",
    )
    return RankingInput(
        period=period,
        framework=FRAMEWORK,
        groups=GROUPS,
        agencies=rows,
        revision=1 if published else 0,
        published_at=datetime(2026, 7, 15, 2, 30, tzinfo=UTC) if published else None,
    )


def make_document(*, number: str | None = "125", issued_on: date | None = date(2026, 7, 15)) -> DocumentInfo:
    """Return the decision a secretary fills in (number and date empty for a draft)."""
    return DocumentInfo(
        superior_body=None,
        issuing_body="ỦY BAN NHÂN DÂN\nTHÀNH PHỐ ĐÀ NẴNG",
        number=number,
        place="Đà Nẵng",
        issued_on=issued_on,
        summary="Về việc công bố kết quả xếp hạng mức độ ứng dụng công nghệ thông tin năm 2025 "
        "của các cơ quan, đơn vị trên địa bàn thành phố",
        authority="ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG",
        bases=[
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
            "Căn cứ Quyết định số 448/QĐ-UBND ngày 10 tháng 02 năm 2022 của Ủy ban nhân dân thành phố;",
        ],
        proposal="Theo đề nghị của Giám đốc Sở Khoa học và Công nghệ.",
        recipients=["Như Điều 3;", "Bộ Khoa học và Công nghệ;", "TTTU, TT HĐND thành phố;", "Lưu: VT, KHCN."],
        signature=SignatureBlock(name="Nguyễn Văn Hùng"),
    )


def make_month(*, targets: bool = True) -> Index766Month:
    """Return June 2026 of the 766 index for the province, its departments and two targets."""
    groups = [
        NodeInfo(code="TRANSPARENCY", name_vi="Công khai, minh bạch", name_en="Transparency", max_points=18),
        NodeInfo(code="TIMELINESS_GROUP", name_vi="Tiến độ giải quyết", name_en="Timeliness", max_points=20),
        NodeInfo(code="ONLINE", name_vi="Dịch vụ công trực tuyến", name_en="Online services", max_points=12),
        NodeInfo(code="DIGITISATION", name_vi="Số hóa hồ sơ", name_en="Digitisation", max_points=22),
        NodeInfo(code="SATISFACTION", name_vi="Mức độ hài lòng", name_en="Satisfaction", max_points=18),
        NodeInfo(code="PAYMENT", name_vi="Thanh toán trực tuyến", name_en="Online payment", max_points=10),
    ]
    now = {
        "TRANSPARENCY": 16.5,
        "TIMELINESS_GROUP": 19.1,
        "ONLINE": 10.2,
        "DIGITISATION": 18.4,
        "SATISFACTION": 16.9,
        "PAYMENT": 7.3,
    }
    before = {
        "TRANSPARENCY": 16.0,
        "TIMELINESS_GROUP": 19.5,
        "ONLINE": 10.2,
        "DIGITISATION": 16.3,
        "SATISFACTION": 16.8,
        "PAYMENT": 7.0,
    }
    names = [
        "Sở Tư pháp",
        "Sở Xây dựng",
        "Sở Y tế",
        "Sở Tài chính",
        "Sở Nội vụ",
        "Sở Du lịch",
        "Sở Công Thương",
    ]
    agencies = [
        Index766Agency(
            agency_code=f"S{i}",
            name=n,
            total=95.0 - 6.5 * i,
            rank=i + 1,
            previous_total=93.0 - 5 * i,
            previous_rank=i + 1,
            groups=now,
            received=1000 - 100 * i,
        )
        for i, n in enumerate(names)
    ]
    goals = [
        TargetResult(
            agency_code="S6",
            agency_name="Sở Công Thương",
            target_name="Hồ sơ đúng hạn",
            target=95,
            actual=88.5,
            met=False,
            unit="%",
        ),
        TargetResult(
            agency_code="S0",
            agency_name="Sở Tư pháp",
            target_name="Hồ sơ đúng hạn",
            target=95,
            actual=99.0,
            met=True,
            unit="%",
        ),
    ]
    return Index766Month(
        period="2026-06",
        previous_period="2026-05",
        as_of=datetime(2026, 6, 30, 10, 0, tzinfo=UTC),
        province_name="Đà Nẵng",
        groups=groups,
        province=IndexFigures(total=round(sum(now.values()), 2), groups=now),
        previous_province=IndexFigures(total=round(sum(before.values()), 2), groups=before),
        agencies=agencies,
        targets=goals if targets else None,
        bands=BANDS,
    )
