"""Column types shared by the models; store layer, imports chiso.clock only.

`AwareDateTime` stores every moment as UTC and always hands back an aware datetime in UTC, on SQLite
(which keeps no zone and returns naive values) as on PostgreSQL (timestamptz). Callers never patch
naive values again; pages convert to the province's zone with chiso.clock.to_local.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from chiso.clock import as_utc


class AwareDateTime(TypeDecorator[datetime]):
    """A timestamp with time zone that reads and writes aware UTC datetimes on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = as_utc(value)
        # SQLite would keep the wall time of an aware value and drop its zone: store UTC without it.
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)
