"""Vietnamese first, English second: a small message catalogue keyed by the Vietnamese text.

Web layer; imports nothing from chiso. Templates call `_("Đơn vị hành chính")`; in Vietnamese the
key is the text, in English the catalogue gives the translation (a missing entry falls back to the
Vietnamese, and a test checks that every key used in the templates has an English entry).
The language comes from `?lang=` (remembered in the `lang` cookie), then the cookie, then "vi".
"""

from __future__ import annotations

from collections.abc import Callable

from chiso.web.i18n_assessment import EN_ASSESSMENT

LANGUAGES = ("vi", "en")
DEFAULT_LANG = "vi"

EN: dict[str, str] = {
    # layout
    "Chỉ số chuyển đổi số": "Digital transformation index",
    "Trang chủ": "Home",
    "Đơn vị hành chính": "Administrative units",
    "Cơ quan, đơn vị": "Agencies",
    "Tài khoản": "Account",
    "Đăng nhập": "Log in",
    "Đăng xuất": "Log out",
    "Tài liệu API": "API documentation",
    "Nhập danh sách cơ quan": "Import agencies",
    "Ngôn ngữ": "Language",
    "Chuyển sang tiếng Anh": "Switch to English",
    "Chuyển sang tiếng Việt": "Switch to Vietnamese",
    "Dữ liệu JSON": "JSON data",
    "Tải CSV": "Download CSV",
    "Tải Excel": "Download Excel",
    "Bỏ qua, đến nội dung chính": "Skip to main content",
    "Phần mềm nguồn mở": "Open-source software",
    "Điều hướng chính": "Main navigation",
    "Khách": "Guest",
    # home
    "chiso giúp tỉnh, thành phố đo lường, chấm điểm, xếp hạng và theo dõi chuyển đổi số "
    "và chất lượng phục vụ của các cơ quan, đơn vị.": "chiso helps a province or city measure, score, rank "
    "and monitor the digital transformation and service quality of its agencies.",
    "Bạn có thể": "What you can do",
    "Xem danh sách đơn vị hành chính trước và sau ngày 1/7/2025, và sự kế thừa giữa chúng.": "See the "
    "administrative units before and after 1 July 2025, and which became which.",
    "Tra cứu cơ quan, đơn vị, nhóm so sánh và lịch sử sáp nhập, đổi tên.": "Look up agencies, peer groups "
    "and their history of mergers and renames.",
    "Nhập danh sách cơ quan từ tệp CSV hoặc Excel.": "Import agencies from a CSV or Excel file.",
    "Dùng API JSON: mỗi trang đều có bản JSON tương ứng.": "Use the JSON API: every page has a JSON twin.",
    "Đăng nhập để tự đánh giá, thẩm định hoặc xem bảng điều khiển.": "Log in to fill self-assessments, "
    "review them or see dashboards.",
    "Xin chào": "Hello",
    "Vai trò": "Role",
    # roles
    "Văn phòng thường trực": "Secretariat",
    "Thẩm định viên": "Assessor",
    "Người báo cáo của cơ quan": "Agency reporter",
    "Lãnh đạo": "Leader",
    "Công chúng": "Public",
    # login
    "Tên đăng nhập": "Username",
    "Mật khẩu": "Password",
    "Sai tên đăng nhập hoặc mật khẩu": "Wrong username or password",
    # account
    "Họ tên": "Full name",
    "Cơ quan": "Agency",
    "Tỉnh, thành phố": "Province",
    "Phiên đăng nhập hết hạn lúc": "Session expires at",
    "Quyền": "Permissions",
    # units
    "Cấp": "Level",
    "Tất cả": "All",
    "Tỉnh": "Province",
    "Huyện": "District",
    "Xã": "Commune",
    "Mã tỉnh": "Province code",
    "Vào ngày": "On date",
    "Tìm kiếm": "Search",
    "Tìm theo tên, không cần dấu": "Search by name, accents optional",
    "Lọc": "Filter",
    "Mã": "Code",
    "Tên": "Name",
    "Tên đầy đủ": "Full name",
    "Loại": "Type",
    "Hiệu lực từ": "Valid from",
    "Hiệu lực đến": "Valid until",
    "đang hiệu lực": "current",
    "Hiện {shown} trên {total} kết quả": "Showing {shown} of {total} results",
    "Không có kết quả": "No results",
    "Trang trước": "Previous page",
    "Trang sau": "Next page",
    "Trang {page} / {pages}": "Page {page} of {pages}",
    "Đơn vị cấp trên": "Parent unit",
    "Kế thừa": "Lineage",
    "Trước đây là": "Formerly",
    "Nay thuộc về": "Now part of",
    "Không có": "None",
    "Ngày hiệu lực": "Effective on",
    "Hình thức": "Kind",
    # agencies
    "Nhóm": "Group",
    "Kỳ": "Period",
    "Cơ quan cấp trên": "Parent agency",
    "Tên tiếng Anh": "English name",
    "Lịch sử": "History",
    "Cơ quan tiền thân": "Predecessors",
    "Cơ quan kế nhiệm": "Successors",
    "Thuộc nhóm": "Member of groups",
    "Sở, ban, ngành": "Department",
    "Cơ quan Trung ương": "Central agency",
    "UBND quận, huyện": "District committee",
    "UBND phường, xã": "Commune committee",
    "Khác": "Other",
    "Tệp CSV hoặc Excel": "CSV or Excel file",
    "Nhập": "Import",
    "Đã nhập": "Imported",
    "Chạy thử (không ghi)": "Dry run (write nothing)",
    "dòng": "rows",
    "tạo mới": "created",
    "cập nhật": "updated",
    "không đổi": "unchanged",
    "Cột bắt buộc": "Required columns",
    "Tệp phải chứa toàn bộ danh sách hợp lệ; nếu có lỗi, không dòng nào được ghi.": "The whole file must "
    "be valid; if any row is wrong, nothing is written.",
    # errors
    "Lỗi": "Error",
    "Không tìm thấy": "Not found",
    "Không được phép": "Forbidden",
    "Về trang chủ": "Back to the home page",
    "Đã có lỗi không mong muốn. Chúng tôi đã ghi lại mã yêu cầu": "Something unexpected went wrong. "
    "We logged it under request id",
}


def register_messages(entries: dict[str, str]) -> None:
    """Add English translations (Vietnamese key -> English) from another room's route module.

    Existing entries win, so two rooms cannot silently change each other's wording.
    """
    for key, english in entries.items():
        EN.setdefault(key, english)


register_messages(EN_ASSESSMENT)

ROLE_LABELS = {
    "secretariat": "Văn phòng thường trực",
    "assessor": "Thẩm định viên",
    "reporter": "Người báo cáo của cơ quan",
    "leader": "Lãnh đạo",
    "public": "Công chúng",
}

KIND_LABELS = {
    "department": "Sở, ban, ngành",
    "central": "Cơ quan Trung ương",
    "district": "UBND quận, huyện",
    "commune": "UBND phường, xã",
    "other": "Khác",
}

LEVEL_LABELS = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã"}


def translate(text: str, lang: str, **values: object) -> str:
    """Return `text` (a Vietnamese key) in `lang`, with `{name}` placeholders filled from `values`.

    >>> translate("Trang chủ", "en")
    'Home'
    >>> translate("Trang {page} / {pages}", "vi", page=1, pages=3)
    'Trang 1 / 3'
    """
    out = EN.get(text, text) if lang == "en" else text
    return out.format(**values) if values else out


def gettext_for(lang: str) -> Callable[..., str]:
    """Return the `_` function the templates call, bound to one language."""

    def _(text: str, **values: object) -> str:
        return translate(text, lang, **values)

    return _


def pick_lang(query: str | None, cookie: str | None) -> str:
    """Choose the language: `?lang=` first, then the cookie, then Vietnamese."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT_LANG
