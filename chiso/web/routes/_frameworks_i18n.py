"""English for the frameworks pages' Vietnamese texts; web layer, registered by routes/frameworks.py."""

from __future__ import annotations

EN_FRAMEWORKS = {
    "Bộ chỉ số": "Frameworks",
    "Bộ chỉ số có sẵn và các phiên bản của tỉnh. Phiên bản đang được kỳ đánh giá dùng thì đã khóa: sửa sẽ "
    "tạo phiên bản mới.": "The built-in frameworks and the province's versions. A version an assessment "
    "period uses is frozen: editing it creates a new version.",
    "Bộ chỉ số có sẵn không sửa trực tiếp; sửa sẽ lưu thành phiên bản mới {ref}.": "A built-in framework "
    "is not edited in place; your changes will be saved as the new version {ref}.",
    "Phiên bản này đã khóa vì kỳ đánh giá đang dùng; sửa sẽ lưu thành phiên bản mới {ref}.": "This version "
    "is frozen because an assessment period uses it; your changes will be saved as the new version {ref}.",
    "Bộ chỉ số này đã có, giống hệt tệp: không ghi gì thêm.": "This framework is already there, identical "
    "to the file: nothing more was written.",
    "Chưa kỳ đánh giá nào dùng phiên bản này: thay đổi được lưu vào chính nó.": "No assessment period uses "
    "this version yet: changes are saved into it.",
    "Chỉ số và tiêu chí": "Indices and criteria",
    "Các phiên bản": "Versions",
    "Cây chỉ số và tiêu chí": "Tree of indices and criteria",
    "Có sẵn": "Built in",
    "Của tỉnh": "The province's",
    "Cột": "Column",
    "Dòng": "Row",
    "Dưới": "Below",
    "Từ": "From",
    "Trang": "Sheet",
    "Hai phiên bản giống nhau.": "The two versions are the same.",
    "Hướng dẫn và minh chứng": "Guidance and evidence",
    "Hợp lệ: các kiểm tra giống lệnh chiso framework check đều đạt.": "Valid: the checks of chiso "
    "framework check all pass.",
    "Kiểm tra (chạy thử)": "Check (dry run)",
    "Kiểm tra": "Check",
    "Kỳ đánh giá dùng": "Used by periods",
    "Lưu thành phiên bản mới {ref}": "Save as the new version {ref}",
    "Nguồn": "Source",
    "Nhập bộ chỉ số từ Excel": "Import a framework from Excel",
    "Nhập từ Excel": "Import from Excel",
    "Phiên bản cũ": "Older version",
    "Phiên bản mới": "Newer version",
    "Phiên bản": "Version",
    "Quy tắc chấm": "Scoring rule",
    "So sánh phiên bản": "Compare versions",
    "So sánh": "Compare",
    "Số thay đổi theo loại": "Changes by kind",
    "Số tiêu chí của mỗi phiên bản": "Criteria in each version",
    "Sửa bộ chỉ số": "Edit the framework",
    "Sửa được": "Editable",
    "Sửa thành phiên bản mới": "Edits make a new version",
    "Sửa": "Edit",
    "Thay đổi": "Change",
    "Trước": "Before",
    "Sau": "After",
    "Tải mẫu Excel": "Download the Excel template",
    "Tải Excel": "Download Excel",
    "Tải về": "Download",
    "Tệp Excel (.xlsx)": "Excel file (.xlsx)",
    "Tệp theo mẫu: mỗi dòng của trang Tiêu chí là một chỉ số hoặc tiêu chí (mã, tên, mã cha, điểm tối đa, "
    "quy tắc chấm và tham số, đối tượng áp dụng, hướng dẫn, minh chứng). Bấm Kiểm tra trước: mọi lỗi được "
    "liệt kê theo dòng và cột; chỉ khi không còn lỗi mới nhập, và nhập cả tệp hoặc không gì cả.": "A file "
    "in the template's shape: each row of the Criteria sheet is an index or a criterion (code, name, parent, "
    "max points, scoring rule and parameters, agency kinds, guidance, evidence). Check first: every problem "
    "is listed by row and column; only a file without problems is imported, all of it or nothing.",
    "Tệp {file} có {n} lỗi, chưa nhập gì.": "The file {file} has {n} problems; nothing was imported.",
    "Tệp {file} hợp lệ: sẽ nhập {ref} ({n} tiêu chí).": "The file {file} is valid: it will import {ref} "
    "({n} criteria).",
    "{n} lỗi; chưa lưu được. Mỗi lỗi ghi ngay cạnh ô cần sửa.": "{n} problems; not saved. Each problem is "
    "shown beside the field to fix.",
    "{n} thay đổi; {c} tiêu chí so sánh được với phiên bản trước (không vẽ thay đổi qua tiêu chí không có ở "
    "cả hai).": "{n} changes; {c} criteria compare with the older version (no change is drawn across a "
    "criterion missing from either).",
    "Điểm tối đa của các chỉ số chính": "Max points of the main indices",
    "Điểm tối đa": "Max points",
    "Đã khóa (kỳ đánh giá đang dùng)": "Frozen (used by a period)",
    "Đã lưu thay đổi vào {ref}.": "Changes saved to {ref}.",
    "Đã nhập bộ chỉ số {ref} từ Excel.": "Imported the framework {ref} from Excel.",
    "Đang thẩm định": "In review",
    "Đã công bố": "Published",
    "Đang mở": "Open",
    "Quyết định": "Decision",
    "Tiêu chí": "Criteria",
    "Xếp loại": "Band",
    "Mã": "Code",
    "Tên": "Name",
    "Thông tin chung": "General",
}
