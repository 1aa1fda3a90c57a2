"""`chiso report ...`: the decision PDF, the workbook, the written summary, an agency's scorecard, the
leader brief and the open-data packages, from the store.

CLI layer: each command opens a session and calls the same flows as the web's report pages
(chiso.flows.report_outputs), as SYSTEM: a period not yet published gives a draft ("DỰ THẢO").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal

import typer

from chiso.accounts.actors import SYSTEM
from chiso.cli.common import console, guarded, in_session, print_json, write_file
from chiso.config import get_settings
from chiso.errors import InvalidInput
from chiso.flows import report_outputs as out
from chiso.flows.reports import ranking_input
from chiso.reports.schemas import DocumentInfo, SignatureBlock
from chiso.store import session_scope

app = typer.Typer(
    help="Báo cáo / reports: decision PDF, workbook, summary, scorecard, leader brief, open data.",
    no_args_is_help=True,
)
Lang = Literal["vi", "en"]


def _document(
    base: DocumentInfo,
    *,
    document: Path | None,
    number: str | None,
    issued_on: str | None,
    signer: str | None,
    title: str | None,
    recipients: list[str] | None,
) -> DocumentInfo:
    """Return the decision's details: a JSON file, the defaults, then the options given on top."""
    if document is not None:
        base = DocumentInfo.model_validate_json(document.read_text(encoding="utf-8"))
    changes: dict[str, object] = {}
    if number is not None:
        changes["number"] = number
    if issued_on is not None:
        try:
            changes["issued_on"] = date.fromisoformat(issued_on)
        except ValueError:
            raise InvalidInput(
                f"Ngày ban hành không hợp lệ: {issued_on} (YYYY-MM-DD)",
                f"Not a date: {issued_on} (use YYYY-MM-DD)",
            ) from None
    if recipients:
        changes["recipients"] = recipients
    if signer is not None or title is not None:
        sign = base.signature
        changes["signature"] = SignatureBlock(
            authority=sign.authority, title=title or sign.title, name=signer or sign.name
        )
    return base.model_copy(update=changes)


def _write_report(path: Path, render: Callable[..., bytes], /, **options: Any) -> None:
    """Render one report from the store in a transaction and write it to `path`."""
    write_file(path, in_session(render, data_dir=get_settings().data_dir, **options))


@app.command("ranking")
@guarded
def ranking_command(
    period: str = typer.Argument(..., help="The assessment period's code, e.g. DNG-2024."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the decision with its annexes (PDF)."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the Excel workbook."),
    document: Path | None = typer.Option(None, "--document", help="A JSON file with the decision's details."),
    number: str | None = typer.Option(None, "--number", help="The decision's number (e.g. 125)."),
    issued_on: str | None = typer.Option(None, "--date", help="The date of issue, YYYY-MM-DD."),
    signer: str | None = typer.Option(None, "--signer", help="The signer's full name."),
    title: str | None = typer.Option(None, "--title", help="The signer's title (PHÓ CHỦ TỊCH)."),
    recipient: list[str] | None = typer.Option(None, "--recipient", help="A recipient line (repeat)."),
) -> None:
    """Write a period's ranking as a decision in the administrative format (PDF) and/or as a workbook."""
    if pdf is None and xlsx is None:
        raise InvalidInput("Cần --pdf FILE hoặc --xlsx FILE", "Give --pdf FILE and/or --xlsx FILE")
    data_dir = get_settings().data_dir
    with session_scope() as session:
        if pdf is not None:
            ranking = ranking_input(session, period_code=period, actor=SYSTEM)
            base = out.load_document(data_dir, period_code=period) or out.default_document(
                session, ranking=ranking
            )
            doc = _document(base, document=document, number=number, issued_on=issued_on,
                            signer=signer, title=title, recipients=recipient)  # fmt: skip
            data, ranking, _ = out.ranking_pdf(
                session, period_code=period, document=doc, actor=SYSTEM, data_dir=data_dir
            )
            state = "đã công bố / published" if ranking.published else "DỰ THẢO / draft"
            write_file(pdf, data, note=f" ({len(ranking.agencies)} đơn vị / agencies, {state})")
        if xlsx is not None:
            write_file(xlsx, out.workbook(session, period_code=period, actor=SYSTEM, data_dir=data_dir))


@app.command("workbook")
@guarded
def workbook_command(
    period: str = typer.Argument(..., help="The assessment period's code."),
    xlsx: Path = typer.Option(..., "--xlsx", help="The .xlsx file to write."),
    lang: Lang = typer.Option("vi", "--lang", help="vi or en."),
) -> None:
    """Write a period's ranking as an Excel workbook: a sheet per group, the criteria, a README."""
    _write_report(xlsx, out.workbook, period_code=period, actor=SYSTEM, lang=lang)


@app.command("narrative")
@guarded
def narrative_command(
    period: str = typer.Argument(..., help="The assessment period's code."),
    lang: Lang = typer.Option("vi", "--lang", help="vi or en."),
    json_out: bool = typer.Option(False, "--json", help="Print the paragraphs and every figure as JSON."),
) -> None:
    """Print the written summary of a period's ranking (rules and templates; every figure traceable)."""
    text = in_session(out.narrative, period_code=period, actor=SYSTEM, lang=lang)
    if json_out:
        print_json({"paragraphs": text.paragraphs, "facts": [f.__dict__ for f in text.facts]})
    else:
        typer.echo(text.text)


@app.command("agency")
@guarded
def agency_command(
    period: str = typer.Argument(..., help="The assessment period's code."),
    agency: str = typer.Argument(..., help="The agency's code."),
    pdf: Path = typer.Option(..., "--pdf", help="The PDF file to write."),
    lang: Lang = typer.Option("vi", "--lang", help="vi or en."),
) -> None:
    """Write one agency's scorecard (1-2 A4 pages, the certificate an agency files)."""
    _write_report(pdf, out.scorecard_pdf, period_code=period, agency_code=agency, actor=SYSTEM, lang=lang)


app.command("scorecard", hidden=True)(agency_command)  # the name the web's buttons use


@app.command("brief")
@guarded
def brief_command(
    month: str = typer.Argument(..., help="The month of the 766 index, YYYY-MM."),
    pdf: Path = typer.Option(..., "--pdf", help="The PDF file to write."),
    province: str = typer.Option("Đà Nẵng", "--province", help="The province's name on the brief."),
    lang: Lang = typer.Option("vi", "--lang", help="vi or en."),
) -> None:
    """Write the one-page leader brief of a month of the live 766 index."""
    _write_report(pdf, out.brief_pdf, month=month, province=province, lang=lang)


@app.command("open-data")
@guarded
def open_data_command(
    what: str = typer.Argument(
        ..., help="A published period's code, or a closed month YYYY-MM of the 766 index."
    ),
    out_dir: Path = typer.Option(..., "--out", help="A folder (the package's files) or a .zip file."),
    province: str = typer.Option("Đà Nẵng", "--province", help="The province's name (766 months)."),
) -> None:
    """Write a published ranking or a closed 766 month as a Frictionless Data Package (CSV, JSON)."""
    data_dir = get_settings().data_dir
    with session_scope() as session:
        if re.fullmatch(r"\d{4}-\d{2}", what):
            files = out.month_package(session, month=what, data_dir=data_dir, province=province)
        else:
            files = out.ranking_package(session, period_code=what, data_dir=data_dir)
    if out_dir.suffix == ".zip":
        out_dir.write_bytes(out.zip_package(files))
    else:
        for name, body in files.items():
            target = out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
    console.print(f"Đã ghi / written: {out_dir} ({len(files)} tệp / files)")
