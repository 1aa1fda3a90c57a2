"""Back up and restore a whole chiso instance: the database, the record store and the files; flows layer.

One archive (`.tar.gz`) holds `manifest.json`, the database (`database.sqlite`, taken with SQLite's
online backup API, or `database.pgdump` from `pg_dump --format=custom`) and every file of the data
dir under `files/` (records, evidence uploads, frameworks, the secret key). The manifest lists each
member with its size and SHA-256. The archive is written to a temporary name and renamed, so a crash
never leaves a half archive under the final name. A restore checks every member against the
manifest before it changes anything and refuses a damaged archive with a message naming what is
wrong; the files it replaces are moved aside to `<data dir>/.before-restore-<time>/`, never deleted.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

import chiso
from chiso import clock, faults
from chiso.config import Settings
from chiso.errors import Conflict, InvalidInput, Problem, StoreUnavailable
from chiso.indicators.columnar import fsync_path
from chiso.monitoring.records.store import open_writer
from chiso.store.db import get_engine

FORMAT = "chiso-backup/1"
MANIFEST = "manifest.json"
FILES = "files"
ASIDE_PREFIX = ".before-restore-"
WORK_PREFIX = ".chiso-backup-"
# Never copied from the data dir: the live database (taken by the backup API instead), the record
# store's lock and unfinished transactions, and earlier restores' leftovers.
_SKIPPED_TOP = {".restore-staging"}
_SKIPPED_RECORDS = {"_staging", "_trash", ".lock"}


@dataclass
class BackupReport:
    """What a backup or a restore handled."""

    archive: Path
    database: str
    files: int = 0
    bytes: int = 0
    set_aside: Path | None = None
    members: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "archive": str(self.archive),
            "database": self.database,
            "files": self.files,
            "bytes": self.bytes,
            "set_aside": str(self.set_aside) if self.set_aside else None,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if parsed.database in (None, "", ":memory:") or str(parsed.database).startswith("file:"):
        raise InvalidInput(
            "Chỉ sao lưu được cơ sở dữ liệu SQLite nằm trong một tệp",
            f"Only a SQLite database in a file can be backed up, not {url!r}",
        )
    return Path(str(parsed.database)).resolve()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """Return a libpq URL without the password, and the environment carrying it (not on the command line)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_tool(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise StoreUnavailable(
            f"Không tìm thấy lệnh {args[0]} (cần cho {what})",
            f"{args[0]} was not found ({what} of PostgreSQL needs it): install postgresql-client",
        ) from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
        raise StoreUnavailable(f"{args[0]} thất bại: {detail[0]}", f"{args[0]} failed: {detail[0]}")


def _dump_database(url: str, folder: Path) -> tuple[str, Path]:
    """Copy the database into `folder`; return its kind and the file."""
    db_path = _sqlite_path(url)
    if db_path is not None:
        if not db_path.is_file():
            raise InvalidInput(
                f"Không có cơ sở dữ liệu {db_path}; hãy chạy `chiso init`",
                f"No database at {db_path}; run `chiso init` first",
            )
        target = folder / "database.sqlite"
        source = sqlite3.connect(db_path)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # a consistent copy while the site keeps running
        finally:
            copy.close()
            source.close()
        return "sqlite", target
    target = folder / "database.pgdump"
    dsn, env = _libpq(url)
    _run_tool(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", dsn], env, "the backup")
    return "postgresql", target


def _data_files(data_dir: Path, skip: set[Path]) -> Iterator[Path]:
    """Yield every file of the data dir a backup keeps, sorted."""
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        top = rel.parts[0]
        if top in _SKIPPED_TOP or top.startswith((ASIDE_PREFIX, WORK_PREFIX)) or path in skip:
            continue
        if not path.is_file() or path.name.endswith(".partial"):
            continue
        if top == "records" and len(rel.parts) > 1 and rel.parts[1] in _SKIPPED_RECORDS:
            continue
        yield path


def _revision(url: str) -> str | None:
    engine = get_engine(url)
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def create_backup(target: Path, *, settings: Settings) -> BackupReport:
    """Write one archive with the database, the record store and the data dir's files.

    Args:
        target: the archive to write (`.tar.gz`); replaced atomically if it exists.
        settings: where the data dir and the database are.

    Returns:
        What went in: the database kind, the number of files and their bytes.

    Raises:
        InvalidInput: no database yet, or one that cannot be backed up.
        StoreUnavailable: pg_dump is missing or failed.
    """
    target = target.resolve()
    data_dir = settings.data_dir.resolve()
    db_path = _sqlite_path(settings.database_url)
    skip = {target} | (
        {db_path.with_name(db_path.name + s) for s in ("", "-wal", "-shm", "-journal")} if db_path else set()
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=WORK_PREFIX) as work:
        members: list[dict[str, Any]] = []
        # Holding the record store's lock: no ingest swaps the manifest while its files are copied.
        with open_writer(data_dir):
            kind, dump = _dump_database(settings.database_url, Path(work))
            partial = target.with_name(f".{target.name}.partial")
            with tarfile.open(partial, "w:gz", compresslevel=6) as archive:  # Parquet is compressed already
                members.append(_add(archive, dump, dump.name))
                for path in _data_files(data_dir, skip):
                    members.append(_add(archive, path, f"{FILES}/{path.relative_to(data_dir).as_posix()}"))
                manifest = {
                    "format": FORMAT,
                    "created_at": clock.local_now().isoformat(),
                    "chiso_version": getattr(chiso, "__version__", "?"),
                    "database": {
                        "kind": kind,
                        "file": dump.name,
                        "revision": _revision(settings.database_url),
                    },
                    "members": members,
                }
                _add_bytes(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            fsync_path(partial)
            faults.reach("backup.written")
            os.replace(partial, target)
    files = [m for m in members if m["path"].startswith(f"{FILES}/")]
    return BackupReport(
        archive=target, database=kind, files=len(files), bytes=sum(m["size"] for m in files), members=members
    )


def _add(archive: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        archive.addfile(info, _Hashing(fh, digest))
    return {"path": name, "size": info.size, "sha256": digest.hexdigest()}


class _Hashing:
    """A file reader that hashes what tarfile reads from it (one pass over each file)."""

    def __init__(self, fh: Any, digest: Any) -> None:
        self.fh, self.digest = fh, digest

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.fh.read(size)
        self.digest.update(data)
        return data


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(clock.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def _damaged(source: Path, problems: list[Problem]) -> InvalidInput:
    return InvalidInput(
        f"Bản sao lưu {source.name} bị hỏng hoặc không đầy đủ; không khôi phục gì cả",
        f"The backup {source.name} is damaged or incomplete; nothing was restored",
        problems,
    )


def verify_backup(source: Path, staging: Path) -> dict[str, Any]:
    """Unpack an archive into `staging` and check every member against its manifest.

    Returns:
        The manifest.

    Raises:
        InvalidInput: the archive cannot be read, lacks its manifest, or a member is missing, extra,
            unsafe or does not match its size and SHA-256 (each named).
    """
    try:
        with tarfile.open(source, "r:gz") as archive:
            names = _extract_checked(archive, staging, source)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise InvalidInput(f"Không có tệp {source}", f"No file {source}") from None
        raise _damaged(
            source, [Problem("Không đọc được tệp nén", f"Cannot read the archive: {exc}", file=source.name)]
        ) from None
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise _damaged(
            source, [Problem("Thiếu manifest.json", "manifest.json is missing or unreadable", file=MANIFEST)]
        ) from None
    if manifest.get("format") != FORMAT:
        raise _damaged(
            source, [Problem("Không phải bản sao lưu chiso", f"Not a {FORMAT} archive", file=MANIFEST)]
        )
    problems = []
    listed = {m["path"]: m for m in manifest.get("members", [])}
    for name in sorted(set(listed) - names):
        problems.append(Problem("Thiếu trong tệp nén", "Listed in the manifest but missing", file=name))
    for name in sorted(names - set(listed) - {MANIFEST}):
        problems.append(
            Problem("Không có trong manifest", "In the archive but not in the manifest", file=name)
        )
    for name in sorted(set(listed) & names):
        path = staging / name
        if path.stat().st_size != listed[name]["size"] or _sha256(path) != listed[name]["sha256"]:
            problems.append(
                Problem("Sai tổng kiểm SHA-256", "Size or SHA-256 does not match the manifest", file=name)
            )
    if problems:
        raise _damaged(source, problems)
    return dict(manifest)


def _extract_checked(archive: tarfile.TarFile, staging: Path, source: Path) -> set[str]:
    names = set()
    for member in archive:
        name = member.name
        if member.isdir():
            continue
        unsafe = name.startswith("/") or ".." in Path(name).parts or not member.isfile()
        if unsafe:
            raise _damaged(
                source,
                [Problem("Đường dẫn không an toàn", "Unsafe member (absolute, .. or link)", file=name)],
            )
        archive.extract(member, staging, filter="data")
        names.add(name)
    return names


def _has_data(url: str) -> bool:
    engine = get_engine(url)
    tables = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return any(
            conn.execute(text(f"SELECT 1 FROM {t} LIMIT 1")).first()
            for t in ("users", "agencies")
            if t in tables
        )


def _restore_database(kind: str, dump: Path, url: str, aside: Path) -> None:
    """Keep the current database in `aside`, then replace it with the archived one."""
    db_path = _sqlite_path(url)
    if db_path is not None:
        if db_path.is_file():
            _copy_sqlite(db_path, aside / db_path.name)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(dump, db_path)
        return
    dsn, env = _libpq(url)
    _run_tool(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={aside / 'database.pgdump'}", dsn],
        env,
        "the restore",
    )
    _run_tool(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={dsn}",
            str(dump),
        ],
        env,
        "the restore",
    )


def _copy_sqlite(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # page by page under SQLite's locks: readers never see a half-copied file
    finally:
        dst.close()
        src.close()


def restore_backup(source: Path, *, settings: Settings, replace: bool = False) -> BackupReport:
    """Check an archive, then put its database and files in place of the current ones.

    Stop `chiso serve` and `chiso worker` first. The current files (and a copy of the database) are
    moved to `<data dir>/.before-restore-<time>/`, so a mistaken restore can be undone by hand.

    Args:
        source: an archive written by `create_backup`.
        settings: where the data dir and the database are.
        replace: allow replacing a database that already has users or agencies.

    Returns:
        What was restored and where the previous files went.

    Raises:
        InvalidInput: the archive is damaged (each bad member named) or of another database kind.
        Conflict: the database has data and `replace` is False.
        StoreUnavailable: pg_restore is missing or failed.
    """
    source = source.resolve()
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = data_dir / ".restore-staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        manifest = verify_backup(source, staging)
        kind = manifest["database"]["kind"]
        here = "sqlite" if _sqlite_path(settings.database_url) else "postgresql"
        if kind != here:
            raise InvalidInput(
                f"Bản sao lưu là của {kind}, cơ sở dữ liệu hiện tại là {here}",
                f"The backup holds a {kind} database but this instance uses {here}; "
                "set CHISO_DATABASE_URL to a database of the same kind",
            )
        if not replace and _has_data(settings.database_url):
            raise Conflict(
                "Cơ sở dữ liệu đã có dữ liệu; khôi phục sẽ thay thế nó: thêm --force",
                "The database already has data and a restore replaces it: add --force "
                f"(the current files are kept in {data_dir}/{ASIDE_PREFIX}<time>/)",
            )
        aside = _new_aside(data_dir)
        _restore_database(kind, staging / manifest["database"]["file"], settings.database_url, aside)
        _swap_files(data_dir, staging / FILES, aside, keep={source, *_db_files(settings.database_url)})
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = [m for m in manifest["members"] if m["path"].startswith(f"{FILES}/")]
    return BackupReport(
        archive=source, database=kind, files=len(files), bytes=sum(m["size"] for m in files), set_aside=aside
    )


def _new_aside(data_dir: Path) -> Path:
    """Create `.before-restore-<local time>` (with a counter when two restores share a second)."""
    stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        aside = data_dir / f"{ASIDE_PREFIX}{stamp}{f'-{n}' if n else ''}"
        try:
            aside.mkdir()
            return aside
        except FileExistsError:
            continue
    raise Conflict("Quá nhiều lần khôi phục cùng lúc", "Too many restores at the same second; try again")


def _db_files(url: str) -> set[Path]:
    db_path = _sqlite_path(url)
    if db_path is None:
        return set()
    return {db_path.with_name(db_path.name + s) for s in ("", "-wal", "-shm", "-journal")}


def _swap_files(data_dir: Path, restored: Path, aside: Path, *, keep: set[Path]) -> None:
    """Move the data dir's current entries to `aside`, then the restored ones in."""
    for entry in sorted(data_dir.iterdir()):
        if entry.name == ".restore-staging" or entry.name.startswith(ASIDE_PREFIX) or entry in keep:
            continue
        os.replace(entry, aside / entry.name)
    if restored.is_dir():
        for entry in sorted(restored.iterdir()):
            os.replace(entry, data_dir / entry.name)


def describe(report: BackupReport) -> str:
    """Return one bilingual line about a backup or restore."""
    size = f"{report.bytes / 1024 / 1024:.1f} MB"
    line = f"{report.archive}: {report.database}, {report.files} tệp / files ({size})"
    if report.set_aside:
        line += f"; dữ liệu cũ ở / previous data in {report.set_aside}"
    return line
