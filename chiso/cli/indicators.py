"""`chiso indicators import|export|list`: the province's indicator catalogue from the command line.

CLI layer: each command opens a transaction and calls the same services as the web pages
(chiso.indicators.catalogue and catalogue_excel); changes are made as SYSTEM and audited.
"""

from __future__ import annotations

from pathlib import Path

import typer

from chiso.accounts.actors import SYSTEM
from chiso.cli.common import console, guarded, in_session, print_json, print_table, write_file
from chiso.cli.indicator_cube import cube_app
from chiso.cli.indicator_values import values_app
from chiso.indicators import catalogue, catalogue_excel
from chiso.store import session_scope

app = typer.Typer(
    help="Danh mục chỉ tiêu / indicator catalogue: import, export, list; values; the columnar cube.",
    no_args_is_help=True,
)
app.add_typer(values_app, name="values")
app.add_typer(cube_app, name="cube")


@app.command("import")
@guarded
def import_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="The catalogue .xlsx workbook."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check every row and say what would change; save nothing."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import the catalogue from an Excel workbook, all or nothing (folders, then indicators by code)."""
    report = in_session(
        catalogue_excel.import_catalogue,
        data=path.read_bytes(),
        filename=path.name,
        dry_run=dry_run,
        actor=SYSTEM,
        rollback=dry_run,
    )
    if json_out:
        print_json(report.model_dump())
        return
    verb = "Sẽ / would" if dry_run else "Đã / done"
    console.print(
        f"{verb}: thêm / create {len(report.created)}, sửa / update {len(report.updated)}, "
        f"giữ nguyên / unchanged {report.unchanged}; thư mục / folders: thêm / create "
        f"{len(report.folders_created)}, sửa / update {len(report.folders_updated)}"
        + (" (--dry-run, chưa lưu / not saved)" if dry_run else "")
    )


@app.command("export")
@guarded
def export_command(path: Path = typer.Argument(..., dir_okay=False, help="The .xlsx file to write.")) -> None:
    """Write the whole catalogue (folders and indicators) to an Excel workbook that imports back unchanged."""
    write_file(path, in_session(catalogue_excel.export_catalogue))


@app.command("template")
@guarded
def template_command(
    path: Path = typer.Argument(..., dir_okay=False, help="The .xlsx file to write."),
) -> None:
    """Write the empty catalogue workbook (columns, folder sheet and help) to fill in."""
    write_file(path, catalogue_excel.template_workbook())


@app.command("list")
@guarded
def list_command(
    search: str | None = typer.Option(
        None, "--search", "-q", help="Words of the code or name (accents optional)."
    ),
    folder: str | None = typer.Option(None, help="Only this folder's indicators (its code)."),
    source: str | None = typer.Option(None, help="entered | pushed | computed | formula."),
    json_out: bool = typer.Option(False, "--json", help="Print the indicators as JSON."),
) -> None:
    """List the catalogue's indicators (all of them, by folder then code)."""
    filters = catalogue.CatalogueFilters(q=search, folder=folder, source=source)
    with session_scope() as session:
        rows = [catalogue.indicator_dict(r) for r in catalogue.find_indicators(session, filters=filters)]
    if json_out:
        print_json(rows)
        return
    print_table(
        ("Mã / code", "Thư mục / folder", "Kỳ / period", "Nguồn / source", "Tên / name"),
        ((r["code"], r["folder_code"] or "—", r["period_type"], r["source"], r["name_vi"]) for r in rows),
        overflow="fold",  # a narrow terminal wraps the name rather than cutting it to "T…"
    )
    console.print(f"{len(rows)} chỉ tiêu / indicators")
