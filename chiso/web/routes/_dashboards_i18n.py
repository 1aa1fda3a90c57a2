"""English for the dashboard pages' Vietnamese texts (the list, a dashboard, the builder, the drill-down).

Web layer; registered with chiso.web.i18n by chiso.web.routes.dashboards when it is imported.
"""

from __future__ import annotations

from chiso.web.i18n import register_messages

EN_DASHBOARDS = {
    "Bảng điều khiển": "Dashboards",
    "Dựng bảng mới": "Build a new dashboard",
    "Bảng": "Dashboard",
    "Chia sẻ": "Sharing",
    "Phiên bản": "Version",
    "Cập nhật": "Updated",
    "Công khai": "Public",
    "Chỉ Văn phòng": "Secretariat only",
    "Chưa có bảng điều khiển nào bạn được xem.": "No dashboard is shared with you yet.",
    "Mới nhất": "Latest",
    "Toàn tỉnh": "Province",
    "Xã, phường": "Communes",
    "Cơ quan": "Agencies",
    "Nhúng": "Embed",
    "Sửa bảng": "Edit the dashboard",
    "Bảng chưa có mục nào.": "The dashboard has no item yet.",
    "Chỉ tiêu không còn trong danh mục": "Indicators no longer in the catalogue",
    "So với kỳ trước": "Against the period before",
    "Chỉ tiêu năm": "Target for the year",
    "Bảng số liệu": "Data table",
    "Chỉ tiêu này chỉ có số liệu toàn tỉnh.": "This indicator is reported for the province only.",
    "Hạng": "Rank",
    "Đơn vị": "Unit",
    "Giá trị": "Value",
    "Tải CSV": "Download CSV",
    "Xem theo xã, phường": "By commune",
    "Hiện %(shown)s trên %(total)s đơn vị": "Showing %(shown)s of %(total)s units",
    "%(n)s đơn vị chưa có số liệu": "%(n)s units without data",
    "Xem đủ": "See all",
    "Xem theo cơ quan": "By agency",
    "Xem bảng đầy đủ": "See the whole dashboard",
    "đơn vị có số liệu": "units with data",
    "So sánh": "Comparison",
    "Dựng bảng điều khiển": "Dashboard builder",
    "Dựng bảng điều khiển mới": "Build a new dashboard",
    "Mục": "Item",
    "Thêm mục": "Add an item",
    "Loại": "Kind",
    "— chọn —": "— choose —",
    "Chỉ tiêu (chọn theo tên; biểu đồ, bảng: nhiều chỉ tiêu)": "Indicators (by name; charts: several)",
    "Tiêu đề (để trống: tên chỉ tiêu)": "Title (empty: the indicator's name)",
    "Độ rộng": "Width",
    "Độ cao": "Height",
    "Số kỳ (biểu đồ, bảng)": "Periods (charts, tables)",
    "Thứ tự": "Order",
    "Nội dung ghi chú": "Note text",
    "Bỏ mục này": "Remove this item",
    "Xem bảng": "See the dashboard",
    "Danh mục chưa có chỉ tiêu nào: chỉ thêm được ghi chú.": "The catalogue is empty: notes only",
    "Đã lưu bảng điều khiển (phiên bản mới).": "Dashboard saved (a new version).",
    "Tên bảng": "Title",
    "Tên tiếng Anh": "English title",
    "Bộ lọc kỳ mặc định (để trống: kỳ mới nhất)": "Default period filter (empty: the latest)",
    "Bộ lọc đơn vị mặc định": "Default unit filter",
    "Theo vai trò": "By role",
    "Công khai (ai cũng xem, nhúng được vào cổng thông tin)": "Public (anyone; embeddable in the portal)",
    "Các mục": "Items",
    "Các mục xếp theo thứ tự trên lưới 12 cột; trên điện thoại xếp chồng một cột.": (
        "Items are laid out in order on a 12-column grid; on a phone they stack in one column."
    ),
    "Lưu (tạo phiên bản mới)": "Save (a new version)",
    "Lịch sử phiên bản": "Version history",
    "Lưu lúc": "Saved at",
    "Người lưu": "Saved by",
    "Số mục": "Items",
    "Đã khôi phục thành phiên bản mới.": "Restored as a new version.",
    "Khôi phục": "Restore",
    "Đang dùng": "Current",
    "Ô số liệu": "Figure tile",
    "Biểu đồ đường": "Line chart",
    "Biểu đồ cột": "Bar chart",
    "Biểu đồ cột chồng": "Stacked bar chart",
    "Xếp hạng đơn vị": "Ranking of units",
    "Bản đồ cấp xã": "Commune map",
    "Ghi chú": "Text note",
}


def register() -> None:
    """Add the dashboard pages' English texts to the site's translations."""
    register_messages(EN_DASHBOARDS)
