"""`chiso indicators values import FILE.xlsx [--dry-run]` and `chiso indicators values template`.

CLI layer: each command opens a transaction and calls the same services as the entry page
(chiso.indicators.values_excel, chiso.indicators.entry); the CLI acts as SYSTEM. The lead mounts
`values_app` under `chiso indicators` (chiso/cli/indicators.py).
"""

from __future__ import annotations

from pathlib import Path

import typer

from chiso.accounts.actors import SYSTEM
from chiso.cli.common import console, guarded, in_session, print_json, write_file
from chiso.indicators.entry import get_entry_sheet
from chiso.indicators.value_checks import home_province
from chiso.indicators.values_excel import import_values, write_template

values_app = typer.Typer(
    help="Số liệu chỉ tiêu / indicator values: the departments' Excel template, import.", no_args_is_help=True
)


@values_app.command("import")
@guarded
def import_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="The filled .xlsx template."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every sheet and say what would change."),
    province: str | None = typer.Option(None, help="The province code of the units (default: the demo's)."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import a filled values template, every sheet, all or nothing."""
    report = in_session(
        import_values, data=path.read_bytes(), filename=path.name, actor=SYSTEM, province_code=province,
        dry_run=dry_run,
    )  # fmt: skip
    if json_out:
        print_json(report.model_dump())
        return
    vi, en = report.summary()
    prefix = "Chạy thử, chưa lưu / dry run, nothing saved: " if dry_run else ""
    console.print(f"{prefix}{vi} / {en}")
    for result in report.to_confirm:
        console.print(f"  ! {result.indicator_code} {result.unit_code} {result.period}: {result.value:g}")


@values_app.command("template")
@guarded
def template_command(
    path: Path = typer.Argument(..., dir_okay=False, help="The .xlsx file to write."),
    agency: str = typer.Option(..., "--agency", help="The owner department's code."),
    period: str = typer.Option(..., "--period", help="The period: 2026-03, 2026-Q1 or 2026."),
    province: str | None = typer.Option(None, help="The province code of the units (default: the demo's)."),
) -> None:
    """Write a department's template for a period, prefilled with last period's values and the targets."""
    sheet = in_session(
        get_entry_sheet,
        agency_code=agency,
        period=period,
        province_code=province or home_province(SYSTEM),
    )
    write_file(path, write_template([sheet]), note=f" ({len(sheet.rows)} dòng / rows)")
