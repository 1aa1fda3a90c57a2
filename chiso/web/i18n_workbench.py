"""The workbench pages' words in English (Vietnamese key -> English) and their success messages.

Web layer; imports only chiso.web.i18n.
"""

from __future__ import annotations

from chiso.web.i18n import register_messages

#: `?done=` key of a redirect -> the message the page shows ("{n}" is the `n` query parameter)
DONE_MESSAGES = {
    "reminded": "Đã nhắc {n} đơn vị ({m} người nhận mới)",
    "assigned": "Đã phân công thẩm định viên",
    "already": "Thẩm định viên này đã được phân công cho nhóm này rồi; không có gì thay đổi",
    "removed": "Đã bỏ phân công",
    "opened": "Đã mở kỳ đánh giá và báo cho các đơn vị",
}

#: workbench sort key -> label
SORT_LABELS = {
    "urgent": "Quá hạn trước",
    "agency": "Tên đơn vị",
    "status": "Trạng thái",
    "days": "Chờ lâu nhất",
    "deadline": "Hạn sớm nhất",
}

register_messages(
    {
        "Đã nhắc {n} đơn vị ({m} người nhận mới)": "Reminded {n} agencies ({m} new recipients)",
        "Đã phân công thẩm định viên": "Assessor assigned",
        "Thẩm định viên này đã được phân công cho nhóm này rồi; không có gì thay đổi": (
            "This assessor is already assigned to this group; nothing changed"
        ),
        "Đã bỏ phân công": "Assignment removed",
        "Đã mở kỳ đánh giá và báo cho các đơn vị": "Period opened and the agencies told",
        "Quá hạn trước": "Overdue first",
        "Tên đơn vị": "Agency name",
        "Chờ lâu nhất": "Longest waiting",
        "Hạn sớm nhất": "Earliest deadline",
        "Cũ → mới": "Old → new",
        "Từ ngày": "From",
        "Đến ngày": "To",
        "mã đơn vị": "agency code",
        "tên đăng nhập": "username",
        "Bàn làm việc": "Workbench",
        "Bàn làm việc của kỳ": "The period's workbench",
        "Bản đính chính này giống hệt lần công bố {n} (không có thay đổi nào). Vẫn công bố một lần mới?": (
            "This correction is identical to revision {n} (nothing changes). Publish a new revision anyway?"
        ),
        "Bảng đã công bố (lần {n})": "Published ranking (revision {n})",
        "Bỏ phân công": "Remove assignment",
        "Chưa duyệt": "Not approved",
        "Chưa phân công thẩm định viên nào.": "No assessor assigned yet.",
        "Chạy thử: không có lỗi, chưa lưu gì.": "Dry run: no problem found, nothing saved.",
        "Chỉ công bố được khi mọi đơn vị đã được duyệt.": "Publishing needs every agency approved.",
        "Chỉ đơn vị quá hạn": "Overdue agencies only",
        "Chọn": "Select",
        "Các cột": "Columns",
        "Cột": "Column",
        "Dòng": "Row",
        "Hiện {shown} trên {total} đơn vị": "Showing {shown} of {total} agencies",
        "Hôm nay": "Today",
        "Hạn": "Deadline",
        "Hạn nộp chung": "The period's submission deadline",
        "Hạn nộp riêng": "Group's own deadline",
        "Không có thay đổi nào: bảng xếp hạng giống hệt lần công bố {n}.": (
            "No change: the ranking is identical to revision {n}."
        ),
        "Không có vấn đề nào: có thể mở kỳ.": "No problem found: the period can open.",
        "Không có đơn vị nào khớp bộ lọc.": "No agency matches the filters.",
        "Khối lượng": "Workload",
        "Kiểm tra": "Check",
        "Kiểm tra để xem trước nhóm, số đơn vị, hạn nộp; chỉ nút Mở kỳ mới ghi.": (
            "Check shows the groups, agencies and deadlines first; only Open writes."
        ),
        "Kỳ đã công bố: không còn phân công hay gia hạn.": (
            "The period is published: no more assignments or extensions."
        ),
        "Lập quyết định, báo cáo": "Decision and reports",
        "Mã kỳ": "Period code",
        "Một tệp CSV (UTF-8) hoặc Excel cho mọi đơn vị; có lỗi thì không lưu giá trị nào.": (
            "One CSV (UTF-8) or Excel file for every agency; any error and nothing is saved."
        ),
        "Mở kỳ": "Open the period",
        "Mở kỳ đánh giá mới": "Open a new period",
        "Nhóm tham gia và hạn nộp riêng (để trống: hạn chung)": (
            "Groups taking part and their own deadline (empty: the period's)"
        ),
        "Nhập giá trị hàng loạt": "Bulk import of values",
        "Nhắc các đơn vị đã chọn": "Remind the selected agencies",
        "Nhắc tất cả đơn vị quá hạn": "Remind every overdue agency",
        "Năm": "Year",
        "Năm của nhóm so sánh": "Peer groups' year",
        "Quá hạn": "Overdue",
        "Quá hạn {n} ngày": "Overdue by {n} days",
        "So sánh với kỳ": "Compare with period",
        "Sắp xếp": "Sort",
        "Sẽ mở": "What will open",
        "Số bản phụ trách": "Submissions assigned",
        "Số liệu tự động từ giám sát": "Computed values from monitoring",
        "Số ngày chờ": "Days waiting",
        "Số đơn vị": "Agencies",
        "Số đơn vị theo xếp loại": "Agencies per band",
        "Thay đổi so với lần công bố {n}": "Changes since revision {n}",
        "Tiến độ theo nhóm": "Progress by group",
        "Trang kỳ đánh giá": "The period's page",
        "Tên kỳ (tiếng Anh)": "Name (English)",
        "Tên kỳ (tiếng Việt)": "Name (Vietnamese)",
        "Tìm đơn vị": "Find an agency",
        "Tải tệp mẫu (giá trị hiện có)": "Download the template (current values)",
        "Tổng": "Total",
        "Vẫn công bố": "Publish anyway",
        "Về bàn làm việc của kỳ": "Back to the period's workbench",
        "bỏ": "remove",
        "giá trị": "values",
        "giá trị thay đổi": "values changed",
        "tên hoặc mã": "name or code",
        "{n} lỗi": "{n} problems",
        "{n} vấn đề cần sửa trước khi mở": "{n} problems to fix before opening",
        "{n} đơn vị chưa được duyệt: điểm tạm tính từ số liệu hiện có, đánh dấu trong bảng.": (
            "{n} agencies not approved yet: provisional points from the values so far, marked."
        ),
        "Đang chờ thẩm định": "Waiting for review",
        "Đang hiện": "Showing",
        "Đã nhập.": "Imported.",
        "Ngày phải viết dd/mm/yyyy hh:mm": "Write the date as dd/mm/yyyy hh:mm",
        "Hạn nộp lại": "Resubmission deadline",
    }
)
