"""Operational records: schemas, readers and validation, the Parquet store; monitoring layer, files only.

Modules, bottom up: `schema` (the record types, pure data), `cells` and `times` (cell conversion),
`validate` (a table of raw cells -> valid rows and rejects), `readers` (CSV, JSON lines, Parquet, API
batches; the reject file), `manifest` (the store's layout and list of live files), `store` (reading
and the atomic writer), `merge` (latest state wins per key). Nothing here imports the computation,
the caches or anything above monitoring. The schema is re-exported here, its most used door.
"""

from chiso.monitoring.records.schema import (
    DOSSIER_CHANNELS,
    DOSSIER_STATUSES,
    DOSSIERS,
    KINDS,
    PAID_ONLINE,
    PETITION_CATEGORIES,
    PETITIONS,
    PROCEDURES,
    RATINGS,
    RECORD_TYPES,
    TIMESTAMP,
    ColumnSpec,
    ColumnType,
    RecordKind,
    RecordType,
    arrow_schema,
    guess_kind,
    parse_kind,
    record_type,
)

__all__ = [
    "DOSSIERS",
    "DOSSIER_CHANNELS",
    "DOSSIER_STATUSES",
    "KINDS",
    "PAID_ONLINE",
    "PETITIONS",
    "PETITION_CATEGORIES",
    "PROCEDURES",
    "RATINGS",
    "RECORD_TYPES",
    "TIMESTAMP",
    "ColumnSpec",
    "ColumnType",
    "RecordKind",
    "RecordType",
    "arrow_schema",
    "guess_kind",
    "parse_kind",
    "record_type",
]
