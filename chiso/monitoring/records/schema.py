"""Record schemas (dossiers, procedures, petitions) of the monitoring room; pure data, no chiso import.

One definition per column: its name, Arrow type, whether it is required, its allowed values and its
meaning in Vietnamese and English. Readers validate against it, the store writes exactly
`arrow_schema(kind)`, docs/records.md describes it, and the metrics read it.

Notes for the metrics (every stored file has exactly `arrow_schema(kind)`, one row per key):
- timestamps are `timestamp[us]` **local Vietnam time (UTC+7), without a time zone**; inputs that carry an
  offset (`Z`, `+07:00`, ...) are converted to UTC+7 before the offset is dropped;
- booleans are never null in the store: an empty cell means false;
- `rating` is null when the citizen gave no rating;
- extra dossier columns beyond the issue's list, all optional (default false):
  `e_certified_copy` (an electronic certified copy was issued -> ELECTRONIC_CERTIFIED_COPY),
  `personal_storage_synced` (the result was pushed to the citizen's data store on the national portal ->
  SYNCED_WITH_DVCQG_PERSONAL_STORAGE); `synced_national` is the dossier's synchronisation with the
  national portal (DOSSIER_SYNC); `population_data` -> CITIZEN_DATA_CONNECTED_DOSSIER;
- extra procedure columns, optional: `agency_code` (the agency that announces and handles it; null = every
  agency), `online_available` (offers an online service at all -> ONLINE_PROCEDURE_RATE),
  `population_data_connected` (connected to the population database -> CITIZEN_DATA_CONNECTED_FORMALITY).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

RecordKind = Literal["dossiers", "procedures", "petitions"]
KINDS: tuple[RecordKind, ...] = ("dossiers", "procedures", "petitions")

ColumnType = Literal["string", "timestamp", "date", "bool", "int", "enum"]

TIMESTAMP = pa.timestamp("us")
_ARROW: dict[ColumnType, pa.DataType] = {
    "string": pa.string(),
    "timestamp": TIMESTAMP,
    "date": pa.date32(),
    "bool": pa.bool_(),
    "int": pa.int32(),
    "enum": pa.string(),
}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a record type: name, type, constraints and meaning."""

    name: str
    type: ColumnType
    required: bool
    description_vi: str
    description_en: str
    allowed: tuple[str, ...] = ()
    """For enums: the allowed values (for `int` enums, their decimal text)."""
    default: object = None
    """Value stored when an optional cell is empty (booleans: False; ints: 0; else null)."""
    min_value: int | None = None
    max_value: int | None = None
    max_length: int = 200

    @property
    def arrow_type(self) -> pa.DataType:
        """Return the Arrow type this column is stored with."""
        if self.type == "int" and self.allowed:
            return pa.int8()
        return _ARROW[self.type]

    @property
    def nullable(self) -> bool:
        """Return True when the stored column may hold nulls."""
        return not self.required and self.default is None


@dataclass(frozen=True)
class RecordType:
    """A record type: its key column, the column that places a row in a month, and its columns."""

    kind: RecordKind
    key: str
    month_column: str | None
    """Rows are stored in partitions by the month of this column (None: one partition `all`)."""
    columns: tuple[ColumnSpec, ...]
    title_vi: str
    title_en: str

    @property
    def names(self) -> list[str]:
        """Return the column names in storage order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        """Return the spec of column `name` (KeyError when unknown)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _b(name: str, vi: str, en: str, *, required: bool = False) -> ColumnSpec:
    return ColumnSpec(name, "bool", required, vi, en, default=None if required else False)


DOSSIER_CHANNELS = ("online", "direct", "postal")
DOSSIER_STATUSES = (
    "received",
    "processing",
    "waiting_supplement",
    "finished",
    "returned",
    "refused",
    "withdrawn",
)
RATINGS = ("satisfied", "dissatisfied")
PAID_ONLINE = ("0", "1", "2")
PETITION_CATEGORIES = ("procedure", "staff", "other")

DOSSIERS = RecordType(
    kind="dossiers",
    key="dossier_id",
    month_column="received_at",
    title_vi="Hồ sơ thủ tục hành chính",
    title_en="Administrative-procedure dossiers",
    columns=(
        ColumnSpec("dossier_id", "string", True, "Mã hồ sơ (duy nhất)", "Dossier id (unique)"),
        ColumnSpec("agency_code", "string", True, "Mã cơ quan tiếp nhận", "Code of the receiving agency"),
        ColumnSpec("procedure_code", "string", True, "Mã thủ tục hành chính", "Procedure code"),
        ColumnSpec("channel", "enum", True, "Kênh nộp hồ sơ", "Submission channel", allowed=DOSSIER_CHANNELS),
        ColumnSpec("received_at", "timestamp", True, "Thời điểm tiếp nhận", "Received at"),
        ColumnSpec("due_at", "timestamp", False, "Ngày hẹn trả", "Due date (appointment to return)"),
        ColumnSpec("finished_at", "timestamp", False, "Thời điểm có kết quả", "Finished at"),
        ColumnSpec("status", "enum", True, "Trạng thái", "Status", allowed=DOSSIER_STATUSES),
        ColumnSpec(
            "supplement_requests",
            "int",
            False,
            "Số lần yêu cầu bổ sung",
            "Number of supplement requests",
            default=0,
            min_value=0,
            max_value=1000,
        ),
        ColumnSpec(
            "paused_days",
            "int",
            False,
            "Số ngày làm việc chờ người nộp bổ sung",
            "Working days waiting for the applicant",
            default=0,
            min_value=0,
            max_value=3650,
        ),
        _b("full_online", "Nộp trực tuyến toàn trình", "Submitted as a full-online service"),
        _b("fee_required", "Phải nộp phí, lệ phí", "A fee is due"),
        _b("digitised", "Hồ sơ đã được số hóa", "The dossier was digitised"),
        _b("e_result", "Có kết quả điện tử", "An electronic result was issued"),
        _b("reused_data", "Tái sử dụng dữ liệu đã số hóa", "Digitised data was reused"),
        _b("population_data", "Sử dụng dữ liệu dân cư", "Population data was used"),
        _b("synced_national", "Đồng bộ với Cổng DVC quốc gia", "Synchronised with the national portal"),
        ColumnSpec(
            "paid_online",
            "int",
            False,
            "Thanh toán trực tuyến: 0 không, 1 Cổng DVC quốc gia, 2 cổng tỉnh",
            "Paid online: 0 none, 1 national portal, 2 provincial gateway",
            allowed=PAID_ONLINE,
            default=0,
        ),
        ColumnSpec(
            "rating",
            "enum",
            False,
            "Đánh giá của người dân (trống nếu không đánh giá)",
            "Citizen's rating (empty when none)",
            allowed=RATINGS,
        ),
        _b(
            "e_certified_copy", "Cấp bản sao điện tử có chứng thực", "An electronic certified copy was issued"
        ),
        _b(
            "personal_storage_synced",
            "Đồng bộ kết quả vào kho dữ liệu cá nhân trên Cổng DVC quốc gia",
            "Result synced to the citizen's data store on the national portal",
        ),
    ),
)

PROCEDURES = RecordType(
    kind="procedures",
    key="procedure_code",
    month_column=None,
    title_vi="Danh mục thủ tục hành chính",
    title_en="Procedure catalogue",
    columns=(
        ColumnSpec("procedure_code", "string", True, "Mã thủ tục", "Procedure code"),
        ColumnSpec("name", "string", True, "Tên thủ tục", "Procedure name", max_length=1000),
        _b("full_online_eligible", "Đủ điều kiện trực tuyến toàn trình", "Eligible for full-online service"),
        _b("fee_bearing", "Có thu phí, lệ phí", "Fee-bearing"),
        _b("paper_result_required", "Bắt buộc trả kết quả giấy", "A paper result is required"),
        ColumnSpec(
            "legal_basis_effective_on",
            "date",
            False,
            "Ngày văn bản quy định có hiệu lực",
            "Date the legal basis takes effect",
        ),
        ColumnSpec("announced_on", "date", False, "Ngày công bố", "Date of the announcing decision"),
        ColumnSpec(
            "published_on", "date", False, "Ngày công khai trên CSDL quốc gia", "Date published nationally"
        ),
        _b("content_complete", "Công khai đủ nội dung", "Published with all required content"),
        ColumnSpec(
            "agency_code",
            "string",
            False,
            "Mã cơ quan công bố, giải quyết (trống: mọi cơ quan)",
            "Agency that announces and handles it (empty: every agency)",
        ),
        _b("online_available", "Có cung cấp dịch vụ công trực tuyến", "Offers an online service"),
        _b(
            "population_data_connected",
            "Đã kết nối cơ sở dữ liệu dân cư",
            "Connected to the population database",
        ),
        _b("for_citizens", "Thủ tục dành cho công dân", "A procedure intended for citizens"),
    ),
)

PETITIONS = RecordType(
    kind="petitions",
    key="petition_id",
    month_column="received_at",
    title_vi="Phản ánh, kiến nghị",
    title_en="Petitions (feedback and recommendations)",
    columns=(
        ColumnSpec("petition_id", "string", True, "Mã phản ánh, kiến nghị", "Petition id (unique)"),
        ColumnSpec("agency_code", "string", True, "Mã cơ quan xử lý", "Code of the handling agency"),
        ColumnSpec("received_at", "timestamp", True, "Thời điểm tiếp nhận", "Received at"),
        ColumnSpec("due_at", "timestamp", False, "Hạn xử lý", "Due date"),
        ColumnSpec("handled_at", "timestamp", False, "Thời điểm xử lý xong", "Handled at"),
        ColumnSpec("category", "enum", True, "Loại", "Category", allowed=PETITION_CATEGORIES),
        _b("dissatisfied", "Người dân không hài lòng", "The citizen was dissatisfied"),
        _b("repeat", "Phản ánh lặp lại", "A repeated petition"),
        _b("overdue", "Xử lý quá hạn", "Handled late"),
        ColumnSpec(
            "dossier_id",
            "string",
            False,
            "Mã hồ sơ bị khiếu nại (trống nếu không về hồ sơ nào)",
            "Id of the dossier complained about (empty when none)",
        ),
    ),
)

RECORD_TYPES: dict[RecordKind, RecordType] = {r.kind: r for r in (DOSSIERS, PROCEDURES, PETITIONS)}

_KIND_ALIASES: dict[str, RecordKind] = {
    "dossiers": "dossiers",
    "dossier": "dossiers",
    "ho_so": "dossiers",
    "hoso": "dossiers",
    "procedures": "procedures",
    "procedure": "procedures",
    "thu_tuc": "procedures",
    "petitions": "petitions",
    "petition": "petitions",
    "pakn": "petitions",
}


def record_type(kind: str) -> RecordType:
    """Return the record type named `kind` (also accepts singular and Vietnamese aliases).

    Raises:
        KeyError: when `kind` names no record type.
    """
    return RECORD_TYPES[_KIND_ALIASES[kind.strip().lower()]]


def parse_kind(kind: str) -> RecordKind | None:
    """Return the record kind an alias names, or None."""
    return _KIND_ALIASES.get(kind.strip().lower())


def arrow_schema(kind: str) -> pa.Schema:
    """Return the exact Arrow schema every stored file of `kind` has."""
    rtype = record_type(kind)
    return pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in rtype.columns])


def guess_kind(columns: list[str]) -> RecordKind | None:
    """Return the record kind whose key column appears among `columns`, or None."""
    names = {c.strip().lower() for c in columns}
    for rtype in (
        PETITIONS,
        DOSSIERS,
        PROCEDURES,
    ):  # petitions may name a dossier_id, dossiers a procedure_code
        if rtype.key in names:
            return rtype.kind
    return None
