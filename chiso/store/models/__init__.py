"""All SQLAlchemy models, imported here so Alembic and `Base.metadata` see every table."""

from chiso.store.models.agencies import Agency, AgencyLink, GroupMember, PeerGroup
from chiso.store.models.audit import AuditEntry
from chiso.store.models.units import AdminUnit, UnitLineage
from chiso.store.models.users import User, WebSession

__all__ = [
    "AdminUnit",
    "Agency",
    "AgencyLink",
    "AuditEntry",
    "GroupMember",
    "PeerGroup",
    "UnitLineage",
    "User",
    "WebSession",
]
