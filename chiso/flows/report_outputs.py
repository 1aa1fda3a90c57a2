"""The reports themselves: each builds its input with chiso.flows.reports, then renders through the cache.

Flows layer: what the CLI and the web call (`chiso report ...`, the report form, downloads, open data,
embeds). Settings live in files under the data dir's `reports/` (no table): the decision details the
secretariat last filled per period (`documents/<period>.json`, what the public download of a published
decision uses) and the open-data licence and publisher (`open-data.json`). Rendered files are kept by the
content hash of their inputs (`reports/cache/`), so a second request for the same report is a file read.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from chiso import clock
from chiso.accounts.actors import Actor
from chiso.assessment.periods import get_period, list_periods
from chiso.errors import InvalidInput, NotFound, Problem
from chiso.flows.reports import index766_month, ranking_input
from chiso.reports.brief import render_leader_brief_pdf
from chiso.reports.cache import cached_render
from chiso.reports.narrative import Narrative, write_narrative
from chiso.reports.open_data import index766_data_package, ranking_data_package, zip_package
from chiso.reports.ranking_pdf import render_ranking_pdf
from chiso.reports.schemas import DocumentInfo, Lang, Licence, RankingInput, SignatureBlock
from chiso.reports.scorecard import find_agency, render_scorecard_pdf
from chiso.reports.workbook import ranking_workbook
from chiso.units.admin import get_unit

DEFAULT_LICENCE = Licence(
    name="CC-BY-4.0",
    path="https://creativecommons.org/licenses/by/4.0/",
    title="Creative Commons Attribution 4.0",
)


def reports_dir(data_dir: Path) -> Path:
    """Return the data dir's reports folder (settings and the cache of rendered files)."""
    return data_dir / "reports"


def _cache(data_dir: Path) -> Path:
    return reports_dir(data_dir) / "cache"


def province_name(session: Session, *, period_code: str) -> str:
    """Return the full name of the province a period belongs to ("Thành phố Đà Nẵng"), or its code."""
    code = get_period(session, code=period_code).province_code
    try:
        return get_unit(session, code=code, level="province").full_name
    except NotFound:
        return code


def home_province(session: Session) -> str:
    """Return the short name of the province of the newest assessment period ("Đà Nẵng"), or ""."""
    found = list_periods(session)
    if not found:
        return ""
    full = province_name(session, period_code=found[0].code)
    return full.removeprefix("Thành phố ").removeprefix("Tỉnh ")


def _lower_first(text: str) -> str:
    """Lower the first letter of a name used inside a sentence ("Chỉ số …" -> "chỉ số …")."""
    return text[:1].lower() + text[1:]


def default_document(session: Session, *, ranking: RankingInput) -> DocumentInfo:
    """Return the decision's details prefilled from the province and the ranking (the form's defaults)."""
    name = province_name(session, period_code=ranking.period.code)
    short = name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
    body = f"ỦY BAN NHÂN DÂN\n{name.upper()}"
    return DocumentInfo(
        issuing_body=body,
        symbol="QĐ-UBND",
        place=short,
        summary=f"Về việc công bố kết quả {_lower_first(ranking.framework.name_vi)} "
        f"{_lower_first(ranking.period.name_vi)} của các cơ quan, đơn vị trên địa bàn",
        authority=body.replace("\n", " "),
        recipients=["Như Điều 3;", "Lưu: VT."],
        signature=SignatureBlock(name="…"),
    )


def _document_path(data_dir: Path, period_code: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in period_code)
    return reports_dir(data_dir) / "documents" / f"{safe}.json"


def load_document(data_dir: Path, *, period_code: str) -> DocumentInfo | None:
    """Return the decision details last saved for a period, or None."""
    path = _document_path(data_dir, period_code)
    if not path.exists():
        return None
    return DocumentInfo.model_validate_json(path.read_text(encoding="utf-8"))


def save_document(data_dir: Path, *, period_code: str, document: DocumentInfo) -> None:
    """Keep the decision details of a period (the published decision's public download uses them)."""
    path = _document_path(data_dir, period_code)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    temp.write_text(document.model_dump_json(indent=2), encoding="utf-8")
    temp.replace(path)


def open_data_settings(data_dir: Path) -> tuple[Licence, str]:
    """Return the licence and publisher the province chose for its open data (CC-BY-4.0 by default).

    Raises:
        InvalidInput: `reports/open-data.json` is not valid (names the file and the field).
    """
    path = reports_dir(data_dir) / "open-data.json"
    if not path.exists():
        return DEFAULT_LICENCE, "chiso"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Licence.model_validate(data.get("licence", DEFAULT_LICENCE.model_dump())), str(
            data.get("publisher", "chiso")
        )
    except (ValueError, ValidationError) as exc:
        raise InvalidInput(
            f"Tệp {path} không hợp lệ: {exc}",
            f"The file {path} is not valid: {exc}",
            [
                Problem(
                    "Cần {licence: {name, path, title}, publisher}",
                    "Expected {licence: {...}, publisher}",
                    file=str(path),
                )
            ],  # fmt: skip
        ) from exc


def save_open_data_settings(data_dir: Path, *, licence: Licence, publisher: str) -> None:
    """Keep the province's open-data licence and publisher."""
    path = reports_dir(data_dir) / "open-data.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"licence": licence.model_dump(), "publisher": publisher}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")


def ranking_pdf(
    session: Session, *, period_code: str, document: DocumentInfo, actor: Actor | None, data_dir: Path
) -> tuple[bytes, RankingInput, bool]:
    """Render the decision with its annexes (a draft until published); return PDF, input and cache hit."""
    ranking = ranking_input(session, period_code=period_code, actor=actor)
    year = clock.today().year  # a draft's blank date line shows the current year
    pdf, hit = cached_render(
        _cache(data_dir),
        "ranking-pdf",
        [ranking, document, year],
        lambda: render_ranking_pdf(ranking, document),
    )
    return pdf, ranking, hit


def published_decision_pdf(session: Session, *, period_code: str, data_dir: Path) -> bytes:
    """Return the published decision as the secretariat last filled it (public).

    Raises:
        NotFound: the period is not published, or no decision was generated for it yet.
    """
    ranking = ranking_input(session, period_code=period_code, actor=None)
    document = load_document(data_dir, period_code=period_code)
    if document is None:
        raise NotFound(
            f"Chưa có quyết định công bố kết quả kỳ {period_code}",
            f"No decision has been generated for period {period_code} yet",
        )
    year = clock.today().year
    pdf, _ = cached_render(
        _cache(data_dir),
        "ranking-pdf",
        [ranking, document, year],
        lambda: render_ranking_pdf(ranking, document),
    )
    return pdf


def scorecard_pdf(
    session: Session,
    *,
    period_code: str,
    agency_code: str,
    actor: Actor | None,
    data_dir: Path,
    lang: Lang = "vi",
) -> bytes:
    """Render one agency's scorecard (1-2 pages; a draft until published).

    Raises:
        NotFound: the agency is not in the ranking.
    """
    ranking = ranking_input(session, period_code=period_code, actor=actor)
    find_agency(ranking, agency_code)
    pdf, _ = cached_render(
        _cache(data_dir),
        "scorecard-pdf",
        [ranking, agency_code, lang],
        lambda: render_scorecard_pdf(ranking, agency_code, lang=lang),
    )
    return pdf


def workbook(
    session: Session, *, period_code: str, actor: Actor | None, data_dir: Path, lang: Lang = "vi"
) -> bytes:
    """Build the ranking's Excel workbook (a sheet per group, criteria, README)."""
    ranking = ranking_input(session, period_code=period_code, actor=actor)
    data, _ = cached_render(
        _cache(data_dir), "workbook", [ranking, lang], lambda: ranking_workbook(ranking, lang=lang)
    )
    return data


def narrative(session: Session, *, period_code: str, actor: Actor | None, lang: Lang = "vi") -> Narrative:
    """Write the ranking's summary in words (rules and templates, every figure traceable)."""
    return write_narrative(ranking_input(session, period_code=period_code, actor=actor), lang=lang)


def brief_pdf(session: Session, *, month: str, data_dir: Path, province: str, lang: Lang = "vi") -> bytes:
    """Render the one-page leader brief of a month of the 766 index."""
    data = index766_month(session, month=month, data_dir=data_dir, province_name=province)
    pdf, _ = cached_render(
        _cache(data_dir), "brief-pdf", [data, lang], lambda: render_leader_brief_pdf(data, lang=lang)
    )
    return pdf


def ranking_package(session: Session, *, period_code: str, data_dir: Path) -> dict[str, bytes]:
    """Return a published ranking as a Frictionless Data Package (public; drafts are never open data)."""
    ranking = ranking_input(session, period_code=period_code, actor=None)
    licence, publisher = open_data_settings(data_dir)
    return ranking_data_package(ranking, licence=licence, publisher=publisher)


def month_package(session: Session, *, month: str, data_dir: Path, province: str) -> dict[str, bytes]:
    """Return a closed month of the 766 index as a Frictionless Data Package.

    Raises:
        InvalidInput: the month is still open (its figures change until it ends).
    """
    today = clock.today()
    if month >= f"{today.year}-{today.month:02d}":
        raise InvalidInput(
            f"Tháng {month} chưa kết thúc; chỉ công bố dữ liệu mở của tháng đã khép lại",
            f"The month {month} is not over; only closed months are published as open data",
        )
    data = index766_month(session, month=month, data_dir=data_dir, province_name=province)
    licence, publisher = open_data_settings(data_dir)
    return index766_data_package(data, licence=licence, publisher=publisher)


__all__ = ["DEFAULT_LICENCE", "zip_package"]
