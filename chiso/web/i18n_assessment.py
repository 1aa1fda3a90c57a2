"""English for the assessment pages' Vietnamese messages, and Vietnamese labels of the statuses.

Web layer; plain data merged into chiso.web.i18n.EN (the one catalogue) when that module loads.
"""

from __future__ import annotations

STATUS_VI = {
    "draft": "Nháp", "submitted": "Đã nộp", "returned": "Bị trả lại", "resubmitted": "Đã nộp lại",
    "approved": "Đã duyệt", "open": "Đang mở", "review": "Đang thẩm định", "published": "Đã công bố",
    "pending": "Chờ thẩm định", "accepted": "Đã chấp nhận", "changed": "Đã sửa điểm",
}  # fmt: skip

EN_ASSESSMENT = {
    "Nháp": "Draft", "Đã nộp": "Submitted", "Bị trả lại": "Returned", "Đã nộp lại": "Resubmitted",
    "Đang mở": "Open", "Đang thẩm định": "Under review", "Đã công bố": "Published",
    "Chờ thẩm định": "Pending review", "Đã chấp nhận": "Accepted", "Đã sửa điểm": "Points changed",
    "Kỳ đánh giá": "Assessment periods", "Thẩm định": "Review", "Xếp hạng": "Rankings", "Nhật ký": "Audit log",
    "Biểu mẫu đã điền": "Filled-in template", "Bản tự đánh giá": "Self-assessments",
    "Bản xem trước — chưa công bố": "Preview — not published", "Bảng xếp hạng đã công bố": "Published rankings",
    "Bộ chỉ số": "Framework", "Chưa có kết quả nào được công bố.": "Nothing has been published yet.",
    "Chưa có kỳ đánh giá nào.": "No assessment period yet.", "Chấp nhận": "Accept", "Các lần": "Revisions",
    "Còn thiếu": "Still empty", "Có": "Yes", "Công bố": "Publication", "Công bố kết quả": "Publish the results",
    "Cũ": "Old", "Duyệt": "Approve", "Ghi chú": "Comment", "Gia hạn": "Extend",
    "Gia hạn cho một đơn vị": "Extend one agency's deadline", "Gia hạn đến": "Extended until", "Giá trị": "Value",
    "Hàng chờ thẩm định": "Review queue", "Hạn nộp": "Submission deadline", "Hạn thẩm định": "Review deadline",
    "Hạng": "Rank", "Không": "No",
    "Không có bản tự đánh giá nào chờ thẩm định.": "No submission is waiting for review.",
    "Loại đối tượng": "Object type", "Lúc": "When", "Lý do": "Reason",
    "Lý do (bắt buộc khi đính chính)": "Reason (required for a correction)", "Lưu": "Save",
    "Lưu nháp": "Save draft", "Lần": "Revision", "Lần công bố": "Revision", "Minh chứng": "Evidence",
    "Mã đơn vị": "Agency code", "Mẫu số": "Denominator", "Mới": "New", "Ngày văn bản": "Document date",
    "Người": "Who", "Người dùng": "User", "Nhận xét của thẩm định": "Assessor's comment",
    "Nhận xét khi trả lại": "Comment for the return", "Nhập từ Excel": "Import from Excel",
    "Nhật ký thay đổi": "Audit log", "Nộp bản tự đánh giá": "Submit the self-assessment",
    "Nộp lúc": "Submitted at", "Nộp lại": "Resubmit", "Phân công": "Assign",
    "Phân công thẩm định": "Assign an assessor", "Quyết định": "Decision", "Quản lý kỳ": "Manage the period",
    "Sau": "Next", "Số hiệu văn bản": "Document number", "Số liệu tự động từ": "Computed automatically from",
    "Sửa điểm": "Change points", "Thao tác": "Action", "Thao tác (tiền tố)": "Action (prefix)",
    "Thay đổi hạng": "Rank change", "Thay đổi điểm": "Points change", "Thêm minh chứng": "Add evidence",
    "Thẩm định từng tiêu chí": "Review each criterion", "Tiêu chí": "Criterion",
    "Tiêu chí chờ": "Pending criteria", "Tiến độ": "Progress", "Trích yếu": "Summary", "Trước": "Previous",
    "Trường": "Field", "Trạng thái": "Status", "Trả lại để sửa": "Return for correction",
    "Tên đăng nhập thẩm định viên": "Assessor's username", "Tải biểu mẫu Excel": "Download the Excel template",
    "Tải lên": "Upload", "Tệp (PDF, DOCX, XLSX, PNG, JPG)": "Files (PDF, DOCX, XLSX, PNG, JPG)",
    "Tổng điểm": "Total", "Tử số": "Numerator", "Xem": "Show",
    "Xem trước bảng xếp hạng": "Preview the ranking", "Xếp loại": "Band", "Yêu cầu sửa": "Ask for correction",
    "bắt buộc": "required", "gia hạn": "extension", "hệ thống": "system", "lịch sử": "history", "mới": "new",
    "mục": "entries", "nhận xét": "comment", "thay đổi": "changes", "xếp hạng": "ranking",
    "Điểm dự kiến": "Expected score", "Điểm tự chấm": "Self-assessed points", "Đã duyệt": "Approved",
    "Đã lưu lúc": "Saved at", "Đối tượng": "Object", "điểm": "points", "điểm thẩm định": "assessor's points",
    "đính chính": "correction", "đơn vị": "agencies",
}  # fmt: skip
