"""English for the indicator-value pages' Vietnamese texts (entry, Excel, progress, approvals).

Web layer; registered with chiso.web.i18n by chiso/web/routes/indicator_values.py.
"""

from __future__ import annotations

EN_VALUES = {
    "Bất thường, chờ xác nhận": "Unusual, to confirm",
    "Chưa có chỉ tiêu nào báo cáo theo loại kỳ này.": "No indicator is reported per this kind of period.",
    "Chưa có chỉ tiêu nào do cơ quan báo cáo trong danh mục.": "No indicator in the catalogue is reported "
    "by a department yet.",
    "Chậm": "Late",
    "Chỉ kiểm tra, chưa lưu": "Check only, save nothing",
    "Chỉ tiêu năm": "Target for the year",
    "Chọn": "Choose",
    "Chờ xác nhận": "To confirm",
    "Cơ quan không có chỉ tiêu báo cáo theo loại kỳ này.": "The agency reports no indicator per this kind "
    "of period.",
    "Giá trị bất thường so với các kỳ trước của đơn vị đã được giữ lại. Kiểm tra, ghi lý do vào ô Ghi chú, "
    "đánh dấu Xác nhận rồi bấm Lưu; hoặc sửa giá trị và Lưu.": "Values unusual for the unit's earlier "
    "periods were kept. Check them, write why in the note, tick Confirm and Save; "
    "or correct the value and Save.",
    "Không có giá trị nào chờ phê duyệt.": "No value waits for approval.",
    "Kiểm tra thử, chưa lưu:": "Checked, nothing saved:",
    "Kỳ kết thúc": "The period ended on",
    "Kỳ trước": "Last period",
    "Người nhập": "Entered by",
    "Nhập bằng Excel": "Import from Excel",
    "Nhập số liệu chỉ tiêu": "Enter indicator values",
    "Năm": "Year",
    "Phê duyệt số liệu chỉ tiêu": "Approve indicator values",
    "Phê duyệt": "Approve",
    "Phải nhập": "Expected",
    "Quý": "Quarter",
    "Tên chỉ tiêu": "Indicator",
    "Tiến độ nhập số liệu chỉ tiêu": "Progress of indicator values",
    "Tiến độ số liệu": "Values progress",
    "Trong hạn": "Within the deadline",
    "Tình trạng": "Status",
    "Tải mẫu Excel": "Download the Excel template",
    "Tệp Excel (.xlsx)": "Excel file (.xlsx)",
    "Tệp theo mẫu Excel ở trên (mỗi trang một cơ quan và một kỳ); có lỗi thì không lưu giá trị nào; giá trị "
    "bất thường cần ghi chú và dấu x ở cột Xác nhận.": "A file in the template above "
    "(one sheet per agency and period); with any error nothing is saved; "
    "unusual values need a note and an x in the Xác nhận column.",
    "Tỷ lệ chỉ tiêu đã nhập của mỗi cơ quan (%), cơ quan chậm trước": "Share of indicators "
    "entered per agency (%), late agencies first",
    "Xác nhận": "Confirm",
    "chỉ tiêu": "indicators",
    "cơ quan chậm": "agencies late",
    "cơ quan còn thiếu số liệu là chậm": "an agency with missing values is late",
    "giá trị bất thường chờ xác nhận": "unusual values to confirm",
    "giá trị chờ phê duyệt": "values waiting for approval",
    "ngày": "days",
    "sau": "after",
    "Đã phê duyệt": "Approved",
    "Đã xác nhận": "Confirmed",
    "Đơn vị": "Unit",
    "Để trống là chưa có số liệu (không phải 0); xóa một giá trị đã nhập là xóa số liệu đó.": "Empty means "
    "no data (not 0); deleting an entered value deletes that value.",
    "Đủ": "Complete",
    "Đã lưu số liệu": "Values saved",
    "Đã nhập tệp Excel": "Excel file imported",
    "Nhập số liệu": "Enter values",
    "Phê duyệt số liệu": "Approve values",
}
