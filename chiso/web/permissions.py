"""Named actions and the roles allowed to perform them: the one place permissions are decided.

Web layer; imports nothing from chiso but the role list of the store's user model. Every route
declares `require("action-name")` (chiso/web/deps.py); add an action here with `register_action`
and the role x route test matrix and docs/web.md pick it up.
"""

from __future__ import annotations

from dataclasses import dataclass

from chiso.store.models.users import ROLES

STAFF = ("secretariat", "assessor", "reporter", "leader")
EVERYONE = ROLES  # "public" is whoever is not logged in (and users given the public role)


@dataclass(frozen=True)
class Action:
    """Something a user may do, with the roles allowed to do it."""

    name: str
    roles: frozenset[str]
    description_vi: str
    description_en: str


ACTIONS: dict[str, Action] = {}


def register_action(name: str, roles: tuple[str, ...], description_vi: str, description_en: str) -> Action:
    """Register a named action and the roles allowed to perform it.

    Args:
        name: short kebab-case name, e.g. "view-agencies".
        roles: roles allowed (from ROLES).
        description_vi: what the action lets one do, in Vietnamese.
        description_en: the same in English.

    Returns:
        The registered Action.

    Raises:
        ValueError: an unknown role, or the name is registered twice with different roles.
    """
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"action {name!r}: unknown roles {unknown}; expected some of {ROLES}")
    action = Action(name, frozenset(roles), description_vi, description_en)
    existing = ACTIONS.get(name)
    if existing is not None and existing.roles != action.roles:
        raise ValueError(f"action {name!r} is already registered with roles {sorted(existing.roles)}")
    ACTIONS[name] = action
    return action


def get_action(name: str) -> Action:
    """Return a registered action; a typo fails loudly when the route is declared.

    Raises:
        KeyError: the action is not registered.
    """
    try:
        return ACTIONS[name]
    except KeyError:
        raise KeyError(f"unknown action {name!r}; register it in chiso/web/permissions.py") from None


def is_allowed(role: str, action: str) -> bool:
    """Return True when `role` may perform `action`."""
    return role in get_action(action).roles


def actions_for(role: str) -> list[str]:
    """List the actions a role may perform, sorted by name."""
    return sorted(name for name, action in ACTIONS.items() if role in action.roles)


def permissions_table() -> list[dict[str, object]]:
    """Return one row per action: name, descriptions and a yes/no per role (used by docs/web.md)."""
    return [
        {
            "action": a.name,
            "description_vi": a.description_vi,
            "description_en": a.description_en,
            **{role: role in a.roles for role in ROLES},
        }
        for a in sorted(ACTIONS.values(), key=lambda a: a.name)
    ]


register_action("view-home", EVERYONE, "Xem trang chủ", "See the home page")
register_action(
    "view-static", EVERYONE, "Tải tệp tĩnh (CSS, JS, phông chữ)", "Load static files (CSS, JS, font)"
)
register_action(
    "view-api-docs", EVERYONE, "Xem tài liệu API (OpenAPI)", "See the API documentation (OpenAPI)"
)
register_action("log-in", EVERYONE, "Đăng nhập", "Log in")
register_action("log-out", EVERYONE, "Đăng xuất", "Log out")
register_action("view-account", STAFF, "Xem tài khoản của mình", "See one's own account")
register_action(
    "view-units", EVERYONE, "Xem đơn vị hành chính và sự kế thừa", "See administrative units and lineage"
)
register_action("view-agencies", EVERYONE, "Xem cơ quan, đơn vị và nhóm", "See agencies and peer groups")
register_action(
    "edit-agencies", ("secretariat",), "Nhập, sửa danh sách cơ quan, đơn vị", "Import and edit agencies"
)
register_action("view-audit", ("secretariat", "leader"), "Xem nhật ký thay đổi", "See the audit trail")
register_action("push-records", (), "Gửi bản ghi qua API (có token)", "Push records via the API (token)")

# The assessment cycle (chiso/web/routes/assessment.py); object-level checks (own agency, assigned
# groups) are made again by the services in chiso/assessment/access.py.
register_action(
    "view-assessment", STAFF, "Xem kỳ đánh giá và bản tự đánh giá (trong phạm vi của mình)",
    "See assessment periods and submissions (within one's own scope)",
)  # fmt: skip
register_action(
    "edit-submission", ("secretariat", "reporter"), "Nhập, nộp bản tự đánh giá và minh chứng của đơn vị mình",
    "Fill in and submit one's own agency's self-assessment and evidence",
)  # fmt: skip
register_action(
    "review-submission", ("secretariat", "assessor"), "Thẩm định: chấp nhận, sửa điểm, trả lại, duyệt",
    "Review: accept, change points, return, approve",
)  # fmt: skip
register_action(
    "manage-periods", ("secretariat",), "Mở kỳ đánh giá, gia hạn, phân công, nhập hàng loạt, công bố",
    "Open periods, extend deadlines, assign assessors, bulk import, publish",
)  # fmt: skip
register_action("view-rankings", EVERYONE, "Xem bảng xếp hạng đã công bố", "See published rankings")
register_action(
    "make-reports", ("secretariat", "leader"), "Lập quyết định công bố, báo cáo (kể cả bản dự thảo)",
    "Generate the decision and reports (drafts of unpublished periods included)",
)  # fmt: skip
register_action("view-monitoring", EVERYONE, "Xem giám sát 766 trực tiếp", "See the live 766 monitor")
register_action(
    "reconcile-portal", ("secretariat", "leader"), "Đối soát 766 với Cổng DVC quốc gia (có mã hồ sơ)",
    "Reconcile the 766 figures with the national portal (dossier ids included)",
)  # fmt: skip

# Follow-up (chiso/web/routes/followup.py): targets, alerts, requests for explanation, plans, notifications.
register_action(
    "view-followup", STAFF, "Xem chỉ tiêu, cảnh báo, kế hoạch hành động (trong phạm vi của mình)",
    "See targets, alerts and action plans (within one's own scope)",
)  # fmt: skip
register_action("edit-targets", ("secretariat",), "Nhập, sửa chỉ tiêu và quy tắc cảnh báo",
                "Import and edit targets and alert rules")  # fmt: skip
register_action(
    "request-explanation", ("secretariat", "leader"), "Gửi, đóng yêu cầu giải trình; đóng cảnh báo",
    "Send and close requests for explanation; close alerts",
)  # fmt: skip
register_action(
    "answer-request", ("secretariat", "reporter"), "Trả lời yêu cầu giải trình của đơn vị mình",
    "Answer one's own agency's requests for explanation",
)  # fmt: skip
register_action("edit-plans", ("secretariat", "reporter"), "Lập, cập nhật kế hoạch hành động của đơn vị mình",
                "Plan and update one's own agency's action plan")  # fmt: skip
register_action("view-notifications", STAFF, "Xem và chọn thông báo của mình",
                "See and choose one's own notifications")  # fmt: skip
register_action("manage-outbox", ("secretariat",), "Xem hộp thư đi, gửi lại thư lỗi",
                "See the outbox and resend failed messages")  # fmt: skip

# Users and roles (chiso/web/routes/users.py); the services in chiso/accounts/admin.py check again.
register_action("manage-users", ("secretariat",), "Tạo, sửa, khóa người dùng; cấp liên kết đặt lại mật khẩu",
                "Create, edit and deactivate users; issue password reset links")  # fmt: skip

# The commune map (chiso/web/routes/unit_map.py); chiso.units.unit_maps checks the uploader again.
register_action("view-map", EVERYONE, "Xem bản đồ chỉ số cấp xã (số liệu đã công bố, giám sát 766)",
                "See the commune-level index map (published figures, live 766)")  # fmt: skip
register_action("upload-map", ("secretariat",), "Tải lên bản đồ ranh giới xã, phường (GeoJSON, TopoJSON)",
                "Upload the commune boundary map (GeoJSON, TopoJSON)")  # fmt: skip
# Frameworks (chiso/web/routes/frameworks.py); the flow chiso.flows.frameworks checks editing again.
register_action(
    "view-frameworks", ("secretariat", "assessor", "leader"), "Xem bộ chỉ số, phiên bản và so sánh phiên bản",
    "See frameworks, their versions and comparisons",
)  # fmt: skip
register_action(
    "edit-frameworks", ("secretariat",), "Nhập bộ chỉ số từ Excel, sửa bộ chỉ số (tạo phiên bản mới)",
    "Import frameworks from Excel and edit them (new versions)",
)  # fmt: skip
register_action(
    "view-published-framework", EVERYONE, "Xem bộ chỉ số của kỳ đánh giá đã công bố (cán bộ: mọi bộ chỉ số)",
    "See the framework of a published period (staff with view-frameworks: every framework)",
)  # fmt: skip
# Right of reply and appeals (chiso/web/routes/appeals.py); chiso/assessment/appeals.py checks the object
# again: a reporter only its own agency, an assessor its groups' replies, appeals decided by the secretariat.
register_action("view-appeals", STAFF, "Xem kết quả sơ bộ, ý kiến và phúc khảo (trong phạm vi của mình)",
                "See preliminary results, replies and appeals (within one's own scope)")  # fmt: skip
register_action("file-appeal", ("reporter",), "Gửi ý kiến về kết quả sơ bộ, đơn phúc khảo của đơn vị mình",
                "Reply to preliminary results and appeal published ones for one's own agency")  # fmt: skip
register_action("answer-appeal", ("secretariat", "assessor"), "Trả lời ý kiến, quyết định phúc khảo",
                "Answer replies and decide appeals")  # fmt: skip
# The leader's dashboard (chiso/web/routes/dashboard.py); the flow checks the role again.
register_action("view-dashboard", ("secretariat", "leader"), "Xem bảng điều hành toàn tỉnh",
                "See the province-wide leader's dashboard")  # fmt: skip
# drilldown: the dossiers behind a live 766 rate (chiso/web/routes/drill.py); the levels above are public.
register_action("view-dossier-drilldown", STAFF, "Xem thủ tục và hồ sơ đứng sau một tỷ lệ 766",
                "See the procedures and dossiers behind a 766 rate")  # fmt: skip

# The province's indicator catalogue, reported values and dashboards (issue 18). Who may open one
# dashboard is also decided per dashboard (its sharing: roles or public) in chiso.indicators.dashboards.
register_action("view-indicators", STAFF, "Xem danh mục chỉ tiêu và số liệu đã báo cáo",
                "See the indicator catalogue and reported values")  # fmt: skip
register_action("edit-indicators", ("secretariat",),
                "Thêm, sửa, nhập/xuất danh mục chỉ tiêu và chỉ tiêu kế hoạch",
                "Add, edit, import and export the indicator catalogue and its targets")  # fmt: skip
register_action("enter-indicator-values", ("secretariat", "reporter"),
                "Nhập số liệu chỉ tiêu (của sở, ngành mình) theo kỳ, bằng biểu mẫu hoặc tệp Excel",
                "Enter indicator values (one's own department's) per period, in a form or Excel")  # fmt: skip
register_action("approve-indicator-values", ("secretariat", "leader"), "Phê duyệt số liệu chỉ tiêu đã nhập",
                "Approve entered indicator values")  # fmt: skip
register_action("view-dashboards", EVERYONE, "Xem bảng điều khiển (theo quyền chia sẻ của từng bảng)",
                "Open dashboards (as each dashboard is shared)")  # fmt: skip
register_action("edit-dashboards", ("secretariat",), "Dựng, sửa, chia sẻ bảng điều khiển",
                "Build, edit and share dashboards")  # fmt: skip
