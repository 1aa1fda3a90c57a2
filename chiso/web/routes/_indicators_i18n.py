"""English for the indicator catalogue's pages (/indicators, one indicator, its forms and the import).

Web layer; registered with chiso.web.i18n when chiso.web.routes.indicators is imported.
"""

from __future__ import annotations

from chiso.web.i18n import register_messages

EN_INDICATORS = {
    "Áp dụng cho các chỉ tiêu đã chọn": "Apply to the selected indicators",
    "Bỏ thư mục": "No folder",
    "Các cột của sheet chi_tieu": "Columns of the chi_tieu sheet",
    "Cách báo cáo và cộng dồn": "Reporting and roll-up",
    "Càng cao càng tốt": "Higher is better",
    "Càng thấp càng tốt": "Lower is better",
    "Căn cứ pháp lý": "Legal basis",
    "Cấp báo cáo": "Reporting level",
    "Cần phê duyệt": "Needs approval",
    "Chỉ kiểm tra, chưa lưu": "Only check, save nothing",
    "Chỉ số giám sát": "Monitoring metric",
    "Chỉ tiêu liên quan": "Related indicators",
    "Chỉ tiêu thống kê của tỉnh do các sở, ngành báo cáo theo kỳ": (
        "The province's statistics that departments report each period"
    ),
    "Chiều tốt": "Better direction",
    "Chọn": "Select",
    "Chưa có số liệu trong các kỳ gần đây": "No data in the recent periods",
    "Chưa có thư mục": "No folders yet",
    "Cơ quan chủ trì": "Owner agency",
    "Cộng dồn lên toàn tỉnh": "Roll-up to the province",
    "Công thức": "Formula",
    "Cột": "Column",
    "Danh mục chỉ tiêu": "Indicator catalogue",
    "Danh mục hiện có {indicators} chỉ tiêu trong {folders} thư mục.": (
        "The catalogue holds {indicators} indicators in {folders} folders."
    ),
    "Để trống: giữ nguyên": "Empty: keep",
    "để trống: không kiểm tra": "empty: no check",
    "Định nghĩa": "Definition",
    "Đã lưu chỉ tiêu": "Indicator saved",
    "Đã lưu thư mục": "Folder saved",
    "Đã nhập xong.": "Imported.",
    "Đã sửa các chỉ tiêu đã chọn": "The selected indicators were changed",
    "Đang dùng": "Active",
    "Được dùng bởi": "Used by",
    "Đơn vị tính": "Unit",
    "Giá trị lớn nhất": "Largest value",
    "Giá trị nhỏ nhất": "Smallest value",
    "Giá trị toàn tỉnh theo kỳ": "Province value per period",
    "Giữ nguyên": "Keep",
    "Gửi tệp": "Send the file",
    "khi bình quân gia quyền": "for a weighted mean",
    "khi tính từ dữ liệu hồ sơ": "when computed from dossiers",
    "Khoảng giá trị hợp lệ": "Valid range",
    "Không có chỉ tiêu nào khớp bộ lọc": "No indicator matches the filters",
    "Kiểm tra bất thường": "Outlier check",
    "Kiểm tra số liệu": "Value checks",
    "Kiểm tra thử: chưa lưu gì.": "Dry run: nothing saved.",
    "Kỳ báo cáo": "Reporting period",
    "lệch quá {sd} độ lệch chuẩn so với lịch sử": "beyond {sd} standard deviations of its history",
    "Loại giá trị": "Value type",
    "Lưu thư mục": "Save the folder",
    "Mã chỉ tiêu quyền số": "Weight indicator code",
    "Mã hoặc tên, không cần dấu": "Code or name, accents optional",
    "Mục tiêu năm": "Year target",
    "ngừng dùng": "inactive",
    "Nguồn": "Source",
    "Nguồn số liệu": "Data source",
    "Ngưỡng bất thường (độ lệch chuẩn)": "Outlier threshold (standard deviations)",
    "Nhập danh mục chỉ tiêu": "Import the indicator catalogue",
    "Nhập danh mục chỉ tiêu từ Excel": "Import the indicator catalogue from Excel",
    "Nhập tất cả hoặc không gì cả: mọi lỗi được chỉ rõ dòng và cột, và khi còn lỗi thì chưa lưu gì. "
    "Chỉ tiêu trùng mã được cập nhật; cột không có trong tệp giữ nguyên giá trị cũ.": (
        "All or nothing: every problem is named by row and column, and nothing is saved while one remains. "
        "An indicator whose code exists is updated; a column missing from the file keeps the old values."
    ),
    "Quyền số": "Weight",
    "quyền số": "weight",
    "Sheet thu_muc: code, name_vi, name_en, position. Sheet huong_dan chỉ để đọc.": (
        "Sheet thu_muc: code, name_vi, name_en, position. Sheet huong_dan is for reading only."
    ),
    "Số liệu toàn tỉnh": "Province figures",
    "Sửa": "Changed",
    "Sửa chỉ tiêu": "Edit the indicator",
    "Sửa hàng loạt các chỉ tiêu đã chọn": "Bulk edit the selected indicators",
    "Tải danh mục (Excel)": "Download the catalogue (Excel)",
    "Tải danh mục hiện có": "Download the current catalogue",
    "Tải tệp mẫu": "Download the template",
    "Tên chỉ tiêu": "Indicator",
    "Thành phần công thức": "Formula operand",
    "Thêm chỉ tiêu": "Add an indicator",
    "Thêm hoặc đổi tên thư mục": "Add or rename a folder",
    "Thêm {created}, sửa {updated}, giữ nguyên {unchanged} chỉ tiêu; thêm {fc}, sửa {fu} thư mục.": (
        "{created} indicators added, {updated} changed, {unchanged} unchanged; "
        "{fc} folders added, {fu} changed."
    ),
    "Thư mục": "Folder",
    "Thứ tự": "Position",
    "chữ in hoa, chữ số và _": "capitals, digits and _",
    "Ý nghĩa": "Meaning",
    "Tỉnh/thành phố": "Province",
    "%, hồ sơ, tỷ đồng": "%, dossiers, billion VND",
}
register_messages(EN_INDICATORS)
