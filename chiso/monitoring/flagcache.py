"""Per-file procedure flags of the dossier store, kept beside it; monitoring layer, no web/, cli/ or store/.

The ``procedures`` source needs, per agency x period x procedure, whether any dossier was online,
paid online, fee-bearing or used population data. Grouping every dossier by procedure is most of a
full computation (~750k groups a month at 100M dossiers a year), yet these flags are pure functions
of the dossier rows: no calendar, no cut-off. Part files of the record store are immutable and hold
disjoint dossiers, so the flags of a month are the MAX over its files of per-file flags. This module
keeps one small Parquet file of ``agency_code, month, procedure_code`` and the int8 flags per live
dossier part file under ``records/_derived/procedure_flags/``, written atomically (temporary file,
then ``os.replace``) the first time a computation reads that part file: a full store is grouped once,
after an ingest only the new part files (100k rows) are grouped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

DERIVED = Path("_derived") / "procedure_flags"


def _name(part_path: str) -> str:
    return part_path.replace("/", "__")


def procedure_flag_files(*, data_dir: Path, months: Iterable[str] | None = None) -> list[Path] | None:
    """Return the flag files of the live dossier part files of ``months``, building missing ones.

    Returns None when they cannot be written (read-only store): callers then group the dossiers.
    """
    import ibis

    from chiso.monitoring.runner import procedure_flags
    from chiso.monitoring.store import load_manifest, records_dir

    root = records_dir(data_dir)
    folder = root / DERIVED
    parts = load_manifest(data_dir).parts("dossiers", months)
    targets = [folder / _name(part.path) for part in parts]
    missing = [(part, target) for part, target in zip(parts, targets, strict=True) if not target.exists()]
    if missing:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            con = ibis.duckdb.connect()
            con.raw_sql("SET preserve_insertion_order = false")
            for part, target in missing:
                t = con.read_parquet(str(root / part.path))
                grain = t.group_by(
                    agency_code=t.agency_code,
                    month=t.received_at.truncate("M").cast("date"),
                    procedure_code=t.procedure_code,
                ).aggregate(**procedure_flags(t))
                tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex}.tmp")
                grain.to_parquet(tmp)
                os.replace(tmp, target)
            con.disconnect()
        except OSError:
            return None
        _forget_retired(root, folder)
    return targets


def _forget_retired(root: Path, folder: Path) -> None:
    """Delete flag files whose part file is gone (compacted or replaced and swept)."""
    for path in folder.glob("*.parquet"):
        if not (root / path.name.replace("__", "/")).exists():
            path.unlink(missing_ok=True)
