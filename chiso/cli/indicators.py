"""`chiso indicators import|export|list`: the province's indicator catalogue from the command line.

CLI layer: each command opens a transaction and calls the same services as the web pages
(chiso.indicators.catalogue and catalogue_excel); changes are made as SYSTEM and audited. The rooms are
imported inside the commands (chiso/cli/__init__.py says why: `--help` answers at once).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from chiso.cli.common import console, print_json, run_guarded
from chiso.cli.indicator_cube import cube_app
from chiso.cli.indicator_values import values_app

app = typer.Typer(
    help="Danh mục chỉ tiêu / indicator catalogue: import, export, list; values; the columnar cube.",
    no_args_is_help=True,
)
app.add_typer(values_app, name="values")
app.add_typer(cube_app, name="cube")


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="The catalogue .xlsx workbook."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check every row and say what would change; save nothing."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import the catalogue from an Excel workbook, all or nothing (folders, then indicators by code)."""

    def _run() -> None:
        from chiso.accounts.actors import SYSTEM
        from chiso.indicators import catalogue_excel
        from chiso.store import session_scope

        with session_scope() as session:
            report = catalogue_excel.import_catalogue(
                session, data=path.read_bytes(), filename=path.name, dry_run=dry_run, actor=SYSTEM
            )
            if dry_run:
                session.rollback()
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

    run_guarded(_run)


@app.command("export")
def export_command(path: Path = typer.Argument(..., dir_okay=False, help="The .xlsx file to write.")) -> None:
    """Write the whole catalogue (folders and indicators) to an Excel workbook that imports back unchanged."""

    def _run() -> None:
        from chiso.indicators import catalogue_excel
        from chiso.store import session_scope

        with session_scope() as session:
            data = catalogue_excel.export_catalogue(session)
        path.write_bytes(data)
        console.print(f"Đã ghi / written: {path}")

    run_guarded(_run)


@app.command("template")
def template_command(
    path: Path = typer.Argument(..., dir_okay=False, help="The .xlsx file to write."),
) -> None:
    """Write the empty catalogue workbook (columns, folder sheet and help) to fill in."""

    def _run() -> None:
        from chiso.indicators import catalogue_excel

        path.write_bytes(catalogue_excel.template_workbook())
        console.print(f"Đã ghi / written: {path}")

    run_guarded(_run)


@app.command("list")
def list_command(
    search: str | None = typer.Option(
        None, "--search", "-q", help="Words of the code or name (accents optional)."
    ),
    folder: str | None = typer.Option(None, help="Only this folder's indicators (its code)."),
    source: str | None = typer.Option(None, help="entered | pushed | computed | formula."),
    json_out: bool = typer.Option(False, "--json", help="Print the indicators as JSON."),
) -> None:
    """List the catalogue's indicators (all of them, by folder then code)."""

    def _run() -> None:
        from chiso.indicators import catalogue
        from chiso.store import session_scope

        filters = catalogue.CatalogueFilters(q=search, folder=folder, source=source)
        with session_scope() as session:
            rows = [catalogue.indicator_dict(r) for r in catalogue.find_indicators(session, filters=filters)]
        if json_out:
            print_json(rows)
            return
        # a narrow terminal wraps the name rather than cutting it to "T…"
        table = Table()
        for header in ("Mã / code", "Thư mục / folder", "Kỳ / period", "Nguồn / source", "Tên / name"):
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(
                row["code"], row["folder_code"] or "—", row["period_type"], row["source"], row["name_vi"]
            )
        console.print(table)
        console.print(f"{len(rows)} chỉ tiêu / indicators")

    run_guarded(_run)
