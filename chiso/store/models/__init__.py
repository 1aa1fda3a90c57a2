"""All SQLAlchemy models. Every module in this folder is imported here so that Alembic and
`Base.metadata` see every table; a room adds its tables by adding a module, nothing else."""

import importlib
import pkgutil

from chiso.store.models.agencies import Agency, AgencyLink, GroupMember, PeerGroup
from chiso.store.models.audit import AuditEntry
from chiso.store.models.units import AdminUnit, UnitLineage
from chiso.store.models.users import User, WebSession

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

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
