"""Who performs a service call: a logged-in user, or the system (CLI, demo, scheduled jobs).

Accounts room; imports chiso.store only. Every service takes a required keyword `actor`; there is no
default, so a caller that forgets it fails at once instead of acting with the system's power. The web
passes the logged-in `User` (never `SYSTEM`); the CLI, the demo and jobs pass `SYSTEM` explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from chiso.store.models.users import User


@dataclass(frozen=True)
class SystemActor:
    """The operator's own authority: the CLI, the demo builder and background jobs."""

    username: str = "system"
    full_name: str = "Hệ thống / system"
    role: str = "system"
    id: None = None
    agency_id: None = None
    province_code: None = None


SYSTEM = SystemActor()
Actor: TypeAlias = User | SystemActor


def is_system(actor: Actor) -> bool:
    """Return True when the call comes from the system, not from a person."""
    return isinstance(actor, SystemActor)
