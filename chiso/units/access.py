"""Who may change the units room's data: the one check every units write service makes first.

Domain helper; imports chiso.accounts.actors and chiso.errors only. Fails closed: an actor is allowed
only when it is the system (CLI, demo, jobs) or an active secretariat user; every other role, a
disabled account and anything that is not an Actor are refused with a bilingual PermissionDenied.
"""

from __future__ import annotations

from chiso.accounts.actors import Actor, is_system
from chiso.errors import PermissionDenied

# The roles of people who may register agencies, groups and administrative units.
EDITOR_ROLES = ("secretariat",)


def check_can_edit_units(actor: Actor, *, what_vi: str, what_en: str) -> None:
    """Refuse the write unless `actor` is the system or an active secretariat user.

    Args:
        actor: who asks (the logged-in User, or SYSTEM from the CLI, the demo and jobs).
        what_vi: the write, in Vietnamese, for the message ("nhập danh sách cơ quan").
        what_en: the same in English ("import agencies").

    Raises:
        PermissionDenied: any other actor; the message names the role and the write.
    """
    if is_system(actor):
        return
    role = getattr(actor, "role", None)
    who = getattr(actor, "username", None) or "?"
    if role in EDITOR_ROLES:
        if getattr(actor, "is_active", False):
            return
        raise PermissionDenied(
            f"Tài khoản {who} đã bị khoá nên không được {what_vi}",
            f"The account {who} is disabled, so it may not {what_en}",
        )
    raise PermissionDenied(
        f"Người dùng {who} (vai trò {role}) không được {what_vi}: "
        "chỉ Văn phòng CĐS (thư ký) được làm việc này",
        f"The user {who} (role {role}) may not {what_en}: only the secretariat may do this",
    )
