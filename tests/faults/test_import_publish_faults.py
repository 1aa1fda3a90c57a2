"""kill -9 during `chiso agencies import` and during the publish of `chiso demo`: the database is whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from chiso.store import session_scope
from chiso.store.models.agencies import Agency
from chiso.store.models.assessment import Publication
from chiso.store.models.audit import AuditEntry
from chiso.store.models.results import ResultSnapshot

# kill -9 harness: real `chiso` processes killed at each named point (minutes in all): CI runs it.
pytestmark = pytest.mark.slow

AGENCIES = "code,name_vi,kind,province_code\n" + "".join(
    f"F.SO.{n:02d},Sở thử nghiệm {n},department,F1\n" for n in range(25)
)


def _count(url: str, *where: Any) -> int:
    with session_scope(url) as s:
        return int(s.scalar(select(func.count()).select_from(where[0]).where(*where[1:])) or 0)


def test_a_killed_agency_import_writes_nothing_and_can_be_rerun(chiso_cmd: Any, tmp_path: Path) -> None:
    chiso_cmd.ok("init")
    url = f"sqlite:///{chiso_cmd.data_dir / 'chiso.db'}"
    source = tmp_path / "agencies.csv"
    source.write_text(AGENCIES, encoding="utf-8")
    chiso_cmd.killed("agencies", "import", str(source), fault="agencies.import.applied")
    assert _count(url, Agency, Agency.code.like("F.SO.%")) == 0  # nothing half-written
    assert _count(url, AuditEntry, AuditEntry.action == "agency.import") == 0
    chiso_cmd.ok("agencies", "import", str(source))
    assert _count(url, Agency, Agency.code.like("F.SO.%")) == 25
    assert _count(url, AuditEntry, AuditEntry.action == "agency.import") == 1


def test_a_killed_publish_leaves_no_publication_and_the_demo_reruns(chiso_cmd: Any) -> None:
    chiso_cmd.ok("init")
    url = f"sqlite:///{chiso_cmd.data_dir / 'chiso.db'}"
    chiso_cmd.killed("demo", fault="publish.recorded")
    assert _count(url, Publication) == 0
    assert _count(url, ResultSnapshot) == 0  # the snapshot written with it went too
    assert _count(url, AuditEntry, AuditEntry.action == "publication.publish") == 0
    chiso_cmd.ok("demo")
    with session_scope(url) as s:
        revisions = s.execute(select(Publication.period_id, Publication.revision)).all()
    # the demo publishes two years (DNG-2024, DNG-2025): each once, at revision 1, one snapshot each
    assert sorted(r.revision for r in revisions) == [1, 1]
    assert len({r.period_id for r in revisions}) == 2
    assert _count(url, ResultSnapshot) == 2
