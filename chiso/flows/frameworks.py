"""The secretariat's frameworks: the catalogue with the periods using each version, Excel import,
edits checked as the annex is, and versions compared; a flow (frameworks + assessment + accounts).

A version used by an assessment period (open, in review or published) is frozen: an edit of it, or of
a built-in, is saved as a new version `id@next`; an edit of a library version no period uses replaces
it. Edits go through the annex's own tables (chiso.frameworks.table), so a change typed in the browser
is read and checked exactly as the same cell of an imported workbook (and as `chiso framework check`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiso.accounts.actors import Actor
from chiso.accounts.audit import record_change
from chiso.assessment.access import check_secretariat
from chiso.assessment.evidence import check_upload, store_bytes, upload_path
from chiso.config import get_settings
from chiso.errors import InvalidInput, NotFound, Problem
from chiso.frameworks import (
    BUILTIN_IDS,
    Framework,
    diff_frameworks,
    framework_ref,
    list_frameworks,
    load_framework,
    node_max,
    revise_framework,
    save_framework,
)
from chiso.frameworks.columns import NODE_COLUMNS
from chiso.frameworks.diff import CHANGE_LABELS
from chiso.frameworks.excel import read_framework_xlsx, write_framework_xlsx, write_template_xlsx
from chiso.frameworks.loader import stored_path, version_key
from chiso.frameworks.table import (
    BANDS_SHEET,
    CRITERIA_SHEET,
    SETTINGS_SHEET,
    FrameworkTables,
    TableRow,
    framework_from_tables,
    framework_to_tables,
)
from chiso.store.models.assessment import AssessmentPeriod

#: Criteria columns the browser edits (the rule and its parameters besides): names, points, guidance...
NODE_EDITABLE = ("name_vi", "name_en", "max_points", "weight", "guidance_vi", "guidance_en",
                 "evidence_vi", "evidence_en")  # fmt: skip
RULE_COLUMNS = tuple(c for c in NODE_COLUMNS if c.owner == "rule" and c.key != "rule")
BAND_EDITABLE = ("code", "label_vi", "label_en", "min", "max")
#: Settings the browser edits (rows of the settings sheet), posted as `s:<key>`.
SETTING_EDITABLE = ("name_vi", "name_en", "decision", "max_points")
_SHA = re.compile(r"[0-9a-f]{64}")


class PeriodUse(BaseModel):
    """A period that uses a framework version."""

    code: str
    name_vi: str
    status: str


class FrameworkSummary(BaseModel):
    """One version in the catalogue."""

    ref: str
    id: str
    version: str
    name_vi: str
    name_en: str
    decision: str
    source: Literal["builtin", "library"]
    max_points: float
    criteria: int
    periods: list[PeriodUse]
    frozen: bool


def library_dir() -> Path:
    """Return the province's library of frameworks (`<data dir>/frameworks`)."""
    return get_settings().frameworks_dir


def _usage(session: Session) -> dict[str, list[PeriodUse]]:
    """Return the periods using each version, by `id@version`."""
    uses: dict[str, list[PeriodUse]] = {}
    for period in session.scalars(select(AssessmentPeriod).order_by(AssessmentPeriod.code)):
        fid = period.framework_id
        ref = fid if "@" in fid else f"{fid}@{period.framework_version}"
        uses.setdefault(ref, []).append(
            PeriodUse(code=period.code, name_vi=period.name_vi, status=period.status)
        )
    return uses


def _summary(framework: Framework, uses: dict[str, list[PeriodUse]]) -> FrameworkSummary:
    ref = framework_ref(framework)
    builtin = framework.id in BUILTIN_IDS and load_framework(framework.id).version == framework.version
    periods = uses.get(ref, [])
    return FrameworkSummary(
        ref=ref, id=framework.id, version=framework.version, name_vi=framework.name_vi,
        name_en=framework.name_en, decision=framework.decision, source="builtin" if builtin else "library",
        max_points=node_max(framework.root()), criteria=len(framework.leaves()), periods=periods,
        frozen=bool(periods),
    )  # fmt: skip


def list_catalogue(session: Session, *, actor: Actor) -> list[FrameworkSummary]:
    """List the built-in frameworks and the library's versions with the periods using each."""
    uses = _usage(session)
    return [_summary(f, uses) for f in list_frameworks(library_dir())]


def get_framework(ref: str) -> Framework:
    """Load a framework by built-in id, `id@version` or a library id (its newest version); never a path.

    Raises:
        NotFound: no such framework (a path is refused as not found).
    """
    if "/" in ref or "\\" in ref or ref.startswith("."):
        raise NotFound(f"Không có khung chỉ số '{ref}'", f"No framework '{ref}'")
    return load_framework(ref, directory=library_dir())


def summary_of(session: Session, framework: Framework) -> FrameworkSummary:
    """Return the catalogue entry of one version."""
    return _summary(framework, _usage(session))


def versions_of(framework_id: str) -> list[str]:
    """Return the references of every version of an id (built-in first, then the library's, oldest first)."""
    return [framework_ref(f) for f in list_frameworks(library_dir()) if f.id == framework_id]


def next_version(framework: Framework) -> str:
    """Return the version an edit of a frozen version gets: its last number plus one, free in the library.

    >>> next_version(Framework(id="x", version="2025.1", name_vi="x", nodes=[{"code": "A", "name_vi": "a"}]))
    '2025.2'
    """
    taken = set(versions_of(framework.id))
    version = framework.version
    while True:
        found = re.search(r"(\d+)(?!.*\d)", version)
        if found:
            version = f"{version[: found.start()]}{int(found.group(1)) + 1}{version[found.end() :]}"
        else:
            version = f"{version}.2"
        if (
            f"{framework.id}@{version}" not in taken
            and not stored_path(library_dir(), framework.id, version).exists()
        ):
            return version


def saves_as_new_version(summary: FrameworkSummary) -> bool:
    """Return whether an edit of this version is saved as a new one (frozen, or built in)."""
    return summary.frozen or summary.source == "builtin"


# --- Excel ---------------------------------------------------------------------------------------


def framework_xlsx(framework: Framework) -> bytes:
    """Return the framework as the annex workbook."""
    buffer = io.BytesIO()
    write_framework_xlsx(framework, buffer)
    return buffer.getvalue()


def template_xlsx() -> bytes:
    """Return the blank annex to fill in."""
    buffer = io.BytesIO()
    write_template_xlsx(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did or would do: the file's hash (kept for the second step), the framework, problems."""

    sha256: str
    filename: str
    ref: str | None
    criteria: int
    status: str | None  # created, unchanged, builtin, dry_run; None when refused
    problems: tuple[Problem, ...]


def stage_upload(*, filename: str, data: bytes) -> str:
    """Check an uploaded workbook (name, size, content is XLSX) and store it under its SHA-256.

    Raises:
        InvalidInput: not an .xlsx file by content, empty, too large, or a path-like name.
    """
    if check_upload(filename, data) != "xlsx":
        raise InvalidInput(
            f"Tệp {filename} không phải bảng Excel .xlsx",
            f"The file {filename} is not an Excel .xlsx workbook",
            [Problem("Cần tệp .xlsx theo mẫu", "An .xlsx workbook in the template's shape", file=filename)],
        )
    return store_bytes(data)


def import_staged(
    session: Session, *, sha256: str, filename: str, dry_run: bool, actor: Actor
) -> ImportOutcome:
    """Read a stored workbook and import it into the library, all of it or nothing.

    Args:
        sha256: the hash `stage_upload` returned.
        filename: the name the problems name.
        dry_run: check everything and say what would happen; write nothing.

    Returns:
        The outcome; a refused file has every problem, by sheet, row and column.
    """
    check_secretariat(actor)
    path = upload_path(sha256) if _SHA.fullmatch(sha256) else None
    if path is None or not path.is_file():
        raise NotFound("Không còn tệp đã tải lên; hãy tải lại", "The uploaded file is gone; upload it again")
    try:
        framework = read_framework_xlsx(path.read_bytes(), name=filename)
        result = save_framework(framework, library_dir(), dry_run=dry_run)
    except InvalidInput as exc:
        problems = exc.problems or [Problem(exc.message_vi, exc.message_en, file=filename)]
        return ImportOutcome(sha256, filename, None, 0, None, tuple(problems))
    if result.status == "created":
        record_change(session, action="framework.import", object_type="framework", object_id=result.ref,
                      actor=actor, new={"file": filename, "sha256": sha256})  # fmt: skip
    return ImportOutcome(sha256, filename, result.ref, len(framework.leaves()), result.status, ())


# --- editing -------------------------------------------------------------------------------------


def _overlay(row: TableRow, prefix: str, keys: tuple[str, ...], posted: Mapping[str, str]) -> TableRow:
    cells = dict(row.cells)
    for key in keys:
        name = f"{prefix}{row.number}:{key}"
        if name in posted:
            cells[key] = posted[name].strip() if key not in ("guidance_vi", "guidance_en") else posted[name]
    rule = str(cells.get("rule") or "")
    for column in RULE_COLUMNS:  # a rule changed in the form: the old rule's parameters go with it
        if rule not in column.rules:
            cells.pop(column.key, None)
    return TableRow(row.number, cells)


def edited_tables(
    framework: Framework, posted: Mapping[str, str], *, version: str | None = None
) -> FrameworkTables:
    """Return the annex tables with the form's cells (`c<row>:<key>`, `b<row>:<key>`) laid over them."""
    tables = framework_to_tables(framework)
    node_keys = (*NODE_EDITABLE, "rule", *(c.key for c in RULE_COLUMNS))
    criteria = [_overlay(r, "c", node_keys, posted) for r in tables.criteria]
    bands = [_overlay(r, "b", BAND_EDITABLE, posted) for r in tables.bands]
    values = {f"s:{k}": posted[f"s:{k}"] for k in SETTING_EDITABLE if f"s:{k}" in posted}
    if version is not None:
        values["s:version"] = version
    settings = [
        replace(r, cells={**r.cells, "value": values[f"s:{r.cells['key']}"]})
        if f"s:{r.cells['key']}" in values
        else r
        for r in tables.settings
    ]
    return FrameworkTables(settings, bands, criteria)


def check_edit(framework: Framework, posted: Mapping[str, str]) -> tuple[Framework | None, list[Problem]]:
    """Read the edited tables as an imported annex is read; return the framework or every problem."""
    try:
        return framework_from_tables(edited_tables(framework, posted), file=framework_ref(framework)), []
    except InvalidInput as exc:
        return None, list(exc.problems)


def problem_field(problem: Problem, tables: FrameworkTables) -> str:
    """Return the form input a problem is about (`c14:max_points`, `b3`, `s:max_points`), or ""."""
    sheet = (problem.file or "").rpartition("[")[2].rstrip("]")
    if sheet == SETTINGS_SHEET:
        key = next((str(r.cells["key"]) for r in tables.settings if r.number == problem.row), "")
        return f"s:{key}" if key in SETTING_EDITABLE else ""
    prefix = {CRITERIA_SHEET: "c", BANDS_SHEET: "b"}.get(sheet)
    if prefix is None or problem.row is None:
        return ""
    return f"{prefix}{problem.row}:{problem.column}" if problem.column else f"{prefix}{problem.row}"


def save_edit(session: Session, *, ref: str, posted: Mapping[str, str], actor: Actor) -> str:
    """Save the secretariat's edit of a version: in place, or as a new version when it is frozen.

    Returns:
        The reference saved (`id@version`, new when the edited one is frozen or built in).

    Raises:
        InvalidInput: the edit fails the framework's checks (every problem by row and column).
    """
    check_secretariat(actor)
    framework = get_framework(ref)
    summary = summary_of(session, framework)
    new_version = next_version(framework) if saves_as_new_version(summary) else None
    tables = edited_tables(framework, posted, version=new_version)
    edited = framework_from_tables(tables, file=summary.ref)
    if new_version is not None:
        result = save_framework(edited, library_dir())
    else:
        result = revise_framework(edited, library_dir())
    if result.status == "created":
        record_change(session, action="framework.edit", object_type="framework", object_id=result.ref,
                      actor=actor, old=summary.ref, new=result.ref)  # fmt: skip
    return result.ref


# --- comparing -----------------------------------------------------------------------------------


class ChangeRow(BaseModel):
    """One change between two versions, with its words."""

    kind: str
    label_vi: str
    label_en: str
    code: str
    old_code: str | None
    is_leaf: bool
    before: str
    after: str


class Comparison(BaseModel):
    """Two versions compared: each change, the count per kind, and the criteria comparable year on year."""

    framework_id: str
    old: str
    new: str
    versions: list[str]
    changes: list[ChangeRow]
    counts: dict[str, int]
    comparable: int


def shown(value: Any) -> str:
    """Return a diff value as short text (`max_points 5, weight 1`), "" for none."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k} {shown(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list):
        return "; ".join(shown(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def compare(framework_id: str, old: str | None, new: str | None) -> Comparison:
    """Compare two versions of one framework (default: the last two), criterion by criterion."""
    versions = versions_of(framework_id) or [framework_ref(get_framework(framework_id))]
    versions.sort(key=lambda r: version_key(r.partition("@")[2]))

    def pick(value: str | None, default: str) -> Framework:
        value = value or default
        return get_framework(value if "@" in value else f"{framework_id}@{value}")

    new_fw = pick(new, versions[-1])
    old_fw = pick(old, versions[-2] if len(versions) > 1 else versions[-1])
    diff = diff_frameworks(old_fw, new_fw)
    rows = [
        ChangeRow(kind=c.kind, label_vi=CHANGE_LABELS[c.kind][0], label_en=CHANGE_LABELS[c.kind][1],
                  code=c.code, old_code=c.old_code, is_leaf=c.is_leaf, before=shown(c.before),
                  after=shown(c.after))
        for c in diff.changes
    ]  # fmt: skip
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.kind] = counts.get(row.kind, 0) + 1
    return Comparison(framework_id=framework_id, old=diff.old, new=diff.new, versions=versions, changes=rows,
                      counts=counts, comparable=len(diff.comparable()))  # fmt: skip
