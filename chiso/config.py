"""Settings read from the environment; the bottom layer, imports nothing from chiso.

CHISO_DATA_DIR (default ./var) holds the SQLite file, uploads and Parquet records;
CHISO_DATABASE_URL overrides the store with any SQLAlchemy URL (PostgreSQL in production).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where chiso keeps its data and which database it talks to."""

    data_dir: Path
    database_url: str
    upload_max_bytes: int = 20 * 1024 * 1024
    secret_key: str = ""
    province_code: str = "48"  # the province this installation serves (CHISO_PROVINCE; the demo's Đà Nẵng)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def records_dir(self) -> Path:
        return self.data_dir / "records"

    @property
    def frameworks_dir(self) -> Path:
        """The province's own frameworks (imported or edited), one YAML file per version."""
        return self.data_dir / "frameworks"


def get_settings() -> Settings:
    """Read the settings from the environment each call, so tests can point chiso elsewhere."""
    data_dir = Path(os.environ.get("CHISO_DATA_DIR", "var")).resolve()
    url = os.environ.get("CHISO_DATABASE_URL") or f"sqlite:///{data_dir / 'chiso.db'}"
    max_mb = float(os.environ.get("CHISO_UPLOAD_MAX_MB", "20"))
    return Settings(
        data_dir=data_dir,
        database_url=url,
        upload_max_bytes=int(max_mb * 1024 * 1024),
        secret_key=os.environ.get("CHISO_SECRET_KEY", ""),
        province_code=os.environ.get("CHISO_PROVINCE", "48"),
    )
