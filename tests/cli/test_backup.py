"""`chiso backup` and `chiso restore`: a round trip brings back the database, the records and the files;
a damaged archive is refused before anything changes. SQLite always; PostgreSQL when pg_dump is present
and CHISO_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from chiso.cli import app
from chiso.monitoring.ingest import ingest_files
from chiso.monitoring.records.store import read_records
from chiso.store import session_scope
from chiso.store.models.agencies import Agency

runner = CliRunner()
POSTGRES_URL = os.environ.get("CHISO_TEST_POSTGRES_URL")
AGENCIES = "code,name_vi,kind,province_code\nB.SO.1,Sở một,department,B1\nB.SO.2,Sở hai,department,B1\n"


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _dossiers(path: Path, ids: range) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["dossier_id", "agency_code", "procedure_code", "channel", "received_at", "status"])
        for n in ids:
            writer.writerow([f"HS-{n}", "B.SO.1", "1.000001", "online", "2026-02-05T09:00", "received"])
    return path


def _fresh_postgres() -> Iterator[str]:
    assert POSTGRES_URL
    url = make_url(POSTGRES_URL)
    name = f"{url.database}_backup"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        from chiso.store.db import get_engine

        get_engine.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL and shutil.which("pg_dump") else [])


@pytest.fixture(params=BACKENDS)
def instance(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """An initialised instance with two agencies, 20 dossiers and one evidence file; returns its data dir."""
    data_dir = tmp_path / "var"
    monkeypatch.setenv("CHISO_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COLUMNS", "200")
    urls = _fresh_postgres() if request.param == "postgres" else iter([None])
    url = next(urls)
    if url:
        monkeypatch.setenv("CHISO_DATABASE_URL", url)
    assert _run("init")[0] == 0
    source = tmp_path / "agencies.csv"
    source.write_text(AGENCIES, encoding="utf-8")
    assert _run("agencies", "import", str(source))[0] == 0
    ingest_files([_dossiers(tmp_path / "a.csv", range(20))], data_dir=data_dir, kind="dossiers")
    evidence = data_dir / "uploads" / "ab" / "abcdef"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"%PDF-1.4 minh chung")
    yield data_dir
    for _ in urls:  # drop the PostgreSQL database
        pass


def _agency_codes() -> list[str]:
    with session_scope() as s:
        return sorted(s.scalars(select(Agency.code).where(Agency.code.like("B.%"))))


def _dossier_count(data_dir: Path) -> int:
    return read_records("dossiers", data_dir=data_dir, columns=["dossier_id"]).num_rows


def test_round_trip(instance: Path, tmp_path: Path) -> None:
    archive = tmp_path / "backups" / "chiso.tar.gz"
    code, out = _run("backup", str(archive), "--json")
    assert code == 0, out
    assert json.loads(out)["files"] >= 3  # manifest of the records, a part file, the evidence file
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        for member in manifest["members"]:
            data = tar.extractfile(member["path"]).read()  # type: ignore[union-attr]
            assert hashlib.sha256(data).hexdigest() == member["sha256"] and len(data) == member["size"]
    assert manifest["database"]["revision"]
    assert any(m["path"] == "files/uploads/ab/abcdef" for m in manifest["members"])

    # Life goes on after the backup: another agency, more dossiers, an evidence file lost.
    more = tmp_path / "more.csv"
    more.write_text("code,name_vi,kind,province_code\nB.SO.3,Sở ba,department,B1\n", encoding="utf-8")
    assert _run("agencies", "import", str(more))[0] == 0
    ingest_files([_dossiers(tmp_path / "b.csv", range(20, 50))], data_dir=instance, kind="dossiers")
    (instance / "uploads" / "ab" / "abcdef").unlink()
    assert _agency_codes() == ["B.SO.1", "B.SO.2", "B.SO.3"] and _dossier_count(instance) == 50

    code, out = _run("restore", str(archive))
    assert code == 1 and "--force" in out  # a database with data is not replaced by accident
    assert _agency_codes() == ["B.SO.1", "B.SO.2", "B.SO.3"]

    code, out = _run("restore", str(archive), "--force", "--json")
    assert code == 0, out
    aside = Path(json.loads(out)["set_aside"])
    assert _agency_codes() == ["B.SO.1", "B.SO.2"]
    assert _dossier_count(instance) == 20
    assert (instance / "uploads" / "ab" / "abcdef").read_bytes() == b"%PDF-1.4 minh chung"
    assert (aside / "records").is_dir()  # what was replaced is kept, not deleted
    code, out = _run("restore", str(archive), "--force", "--json")  # again, within the same second
    assert code == 0, out
    assert Path(json.loads(out)["set_aside"]) != aside and _agency_codes() == ["B.SO.1", "B.SO.2"]


def _rewrite(archive: Path, target: Path, change: str) -> None:
    """Copy an archive changing one byte of the member `change` (its manifest left as it was)."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read() if member.isfile() else b""  # type: ignore[union-attr]
            if member.name == change:
                data = bytes([data[0] ^ 1]) + data[1:]
            dst.addfile(member, io.BytesIO(data))


def test_a_damaged_archive_is_refused_and_changes_nothing(instance: Path, tmp_path: Path) -> None:
    archive = tmp_path / "chiso.tar.gz"
    assert _run("backup", str(archive))[0] == 0
    more = tmp_path / "more.csv"
    more.write_text("code,name_vi,kind,province_code\nB.SO.3,Sở ba,department,B1\n", encoding="utf-8")
    assert _run("agencies", "import", str(more))[0] == 0

    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(archive, tampered, "files/uploads/ab/abcdef")
    code, out = _run("restore", str(tampered), "--force")
    assert code == 1 and "files/uploads/ab/abcdef" in out and "SHA-256" in out and "Traceback" not in out

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    code, out = _run("restore", str(truncated), "--force")
    assert code == 1 and "damaged" in out and "hỏng" in out

    assert _agency_codes() == ["B.SO.1", "B.SO.2", "B.SO.3"]  # nothing was restored
    assert not list(instance.glob(".before-restore-*")) and not (instance / ".restore-staging").exists()
