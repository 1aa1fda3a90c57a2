"""The audit log in words: actions, objects and stored old/new values as a person reads them.

Accounts room (beside `record_change`, which writes the entries). The log stores stable codes
(`submission.submit`, `{"review_state": "changed", "points": 3}`) so that exports and checks can rely
on them; pages and downloads meant for people show these words instead. An unknown code is shown as
it is, never hidden.
"""

from __future__ import annotations

import json

#: action code -> (Vietnamese, English)
ACTION_WORDS: dict[str, tuple[str, str]] = {
    "user.login": ("Đăng nhập", "Logged in"),
    "user.deactivate": ("Khóa tài khoản", "Deactivated a user"),
    "user.create": ("Tạo tài khoản", "Created a user"),
    "user.update": ("Sửa thông tin tài khoản", "Changed a user"),
    "user.reactivate": ("Mở lại tài khoản", "Reactivated a user"),
    "user.reset": ("Cấp liên kết đặt lại mật khẩu", "Issued a password reset link"),
    "user.password": ("Đặt mật khẩu mới", "Set a new password"),
    "agency.import": ("Nhập danh sách cơ quan, đơn vị", "Imported agencies"),
    "period.open": ("Mở kỳ đánh giá", "Opened a period"),
    "period.status": ("Đổi trạng thái kỳ đánh giá", "Changed a period's status"),
    "period.deadline": ("Đổi hạn nộp, hạn thẩm định", "Changed deadlines"),
    "submission.extend": ("Gia hạn nộp", "Extended a deadline"),
    "submission.submit": ("Nộp bản tự đánh giá", "Submitted"),
    "submission.return": ("Trả lại để sửa", "Returned for correction"),
    "submission.approve": ("Duyệt bản tự đánh giá", "Approved"),
    "submission.reopen": ("Mở lại bản đã duyệt", "Reopened"),
    "value.set": ("Nhập giá trị", "Entered a value"),
    "value.update": ("Sửa giá trị", "Changed a value"),
    "value.compute": ("Giá trị tự động", "Computed a value"),
    "review.accept": ("Chấp nhận tiêu chí", "Accepted a criterion"),
    "review.change": ("Sửa điểm thẩm định", "Changed the points"),
    "review.return": ("Trả lại tiêu chí", "Returned a criterion"),
    "evidence.add": ("Thêm minh chứng", "Added evidence"),
    "evidence.attach": ("Đính kèm tệp minh chứng", "Attached an evidence file"),
    "evidence.delete": ("Xóa minh chứng", "Deleted evidence"),
    "evidence.update": ("Sửa minh chứng", "Edited evidence"),
    "evidence.withdraw": ("Rút minh chứng", "Withdrew evidence"),
    "assessor.assign": ("Phân công thẩm định", "Assigned an assessor"),
    "assessor.unassign": ("Bỏ phân công thẩm định", "Unassigned an assessor"),
    "publication.publish": ("Công bố kết quả", "Published the results"),
    "computed.freeze": ("Chốt số liệu tự động", "Froze computed values"),
    "computed.unfreeze": ("Bỏ chốt số liệu tự động", "Unfroze computed values"),
    "target.create": ("Đặt chỉ tiêu", "Set a target"),
    "target.delete": ("Xóa chỉ tiêu", "Deleted a target"),
    "alert.close": ("Đóng cảnh báo", "Closed an alert"),
    "alert_rule.update": ("Sửa quy tắc cảnh báo", "Changed an alert rule"),
    "request.create": ("Yêu cầu giải trình", "Requested an explanation"),
    "request.answer": ("Trả lời giải trình", "Answered a request"),
    "request.escalate": ("Chuyển cấp giải trình quá hạn", "Escalated an overdue request"),
    "request.close": ("Đóng yêu cầu giải trình", "Closed a request"),
    "plan.create": ("Thêm kế hoạch", "Added a plan item"),
    "plan.update": ("Sửa kế hoạch", "Changed a plan item"),
    "plan.progress": ("Báo cáo tiến độ kế hoạch", "Reported plan progress"),
    "delivery.retry": ("Gửi lại thông báo", "Retried a notification"),
    "contact.add": ("Thêm địa chỉ nhận thông báo", "Added a contact address"),
    "framework.import": ("Nhập bộ chỉ số từ Excel", "Imported a framework from Excel"),
    "framework.edit": ("Sửa bộ chỉ số", "Edited a framework"),
    # right of reply and appeals (chiso/assessment/appeals.py)
    "preliminary.release": ("Gửi kết quả sơ bộ", "Released preliminary results"),
    "appeal_settings.update": ("Đặt thời hạn ý kiến, phúc khảo", "Set the reply and appeal windows"),
    "reply.file": ("Gửi ý kiến về kết quả sơ bộ", "Replied to preliminary results"),
    "reply.answer": ("Trả lời ý kiến", "Answered a reply"),
    "appeal.file": ("Gửi đơn phúc khảo", "Filed an appeal"),
    "appeal.answer": ("Quyết định phúc khảo", "Decided an appeal"),
    "publication.correct": ("Công bố lại kết quả (đính chính)", "Published a correction"),
    "indicator.create": ("Thêm chỉ tiêu thống kê", "Added a catalogue indicator"),
    "indicator.update": ("Sửa chỉ tiêu thống kê", "Changed a catalogue indicator"),
    "indicator.bulk_update": ("Sửa hàng loạt chỉ tiêu thống kê", "Bulk-edited catalogue indicators"),
    "indicator_folder.save": ("Lưu thư mục chỉ tiêu", "Saved an indicator folder"),
}

#: object type code -> (Vietnamese, English)
OBJECT_WORDS: dict[str, tuple[str, str]] = {
    "agency": ("Cơ quan, đơn vị", "Agency"),
    "agency_file": ("Tệp danh sách đơn vị", "Agency file"),
    "alert": ("Cảnh báo", "Alert"),
    "alert_rule": ("Quy tắc cảnh báo", "Alert rule"),
    "appeal_case": ("Ý kiến, phúc khảo", "Reply or appeal"),
    "assessment_period": ("Kỳ đánh giá", "Assessment period"),
    "delivery": ("Thông báo", "Notification"),
    "evidence": ("Minh chứng", "Evidence"),
    "plan_item": ("Kế hoạch", "Plan item"),
    "request": ("Yêu cầu giải trình", "Request for explanation"),
    "submission": ("Bản tự đánh giá", "Self-assessment"),
    "submission_value": ("Giá trị tiêu chí", "Criterion value"),
    "target": ("Chỉ tiêu", "Target"),
    "user": ("Tài khoản", "User"),
    "indicator": ("Chỉ tiêu thống kê", "Catalogue indicator"),
    "indicator_folder": ("Thư mục chỉ tiêu", "Indicator folder"),
}

#: keys of stored JSON values -> (Vietnamese, English)
FIELD_WORDS: dict[str, tuple[str, str]] = {
    "value": ("giá trị", "value"),
    "numerator": ("tử số", "numerator"),
    "denominator": ("mẫu số", "denominator"),
    "choice": ("lựa chọn", "choice"),
    "comment": ("ghi chú", "comment"),
    "points": ("điểm", "points"),
    "review_state": ("kết quả thẩm định", "review"),
    "status": ("trạng thái", "status"),
    "code": ("mã", "code"),
    "groups": ("nhóm", "groups"),
    "agencies": ("số đơn vị", "agencies"),
    "framework": ("bộ chỉ số", "framework"),
    "submission_deadline": ("hạn nộp", "submission deadline"),
    "review_deadline": ("hạn thẩm định", "review deadline"),
    "revision": ("lần công bố", "revision"),
    "requested": ("điểm đề nghị", "requested points"),
}


def _pick(words: tuple[str, str], lang: str) -> str:
    return words[1] if lang == "en" else words[0]


def action_words(action: str, lang: str = "vi") -> str:
    """Return an action in words (`submission.submit` -> "Nộp bản tự đánh giá"); unknown codes as they are."""
    return _pick(ACTION_WORDS[action], lang) if action in ACTION_WORDS else action


def object_words(object_type: str, lang: str = "vi") -> str:
    """Return an object type in words (`submission_value` -> "Giá trị tiêu chí")."""
    return _pick(OBJECT_WORDS[object_type], lang) if object_type in OBJECT_WORDS else object_type


def value_items(text: str | None, lang: str = "vi") -> list[tuple[str, str]]:
    """Return a stored old/new value as (label, value) pairs: a JSON object per key, else one pair.

    Empty parts (null) are left out; numbers are shown without trailing zeros.
    """
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return [("", text)]
    if not isinstance(data, dict):
        return [("", _show(data))]
    return [
        (_pick(FIELD_WORDS[k], lang) if k in FIELD_WORDS else k, _show(v))
        for k, v in data.items()
        if v is not None
    ]


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)
