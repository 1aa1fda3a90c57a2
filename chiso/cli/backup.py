"""`chiso backup FILE` and `chiso restore FILE`: thin commands over chiso.flows.backup."""

from __future__ import annotations

from pathlib import Path

import typer

from chiso.cli.common import console, guarded, print_json
from chiso.config import get_settings
from chiso.flows.backup import create_backup, describe, restore_backup


@guarded
def backup_command(
    file: Path = typer.Argument(..., help="The archive to write, e.g. chiso-2026-12-02.tar.gz."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Write one archive of the database, the record store and the data dir's files, with SHA-256 sums."""
    report = create_backup(file, settings=get_settings())
    if as_json:
        print_json(report.to_dict())
        return
    console.print(f"Đã sao lưu / backed up: {describe(report)}", highlight=False)


@guarded
def restore_command(
    file: Path = typer.Argument(..., help="An archive written by `chiso backup`."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that already has users or agencies."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check a backup against its checksums, then put its database and files in place (stop serve first)."""
    report = restore_backup(file, settings=get_settings(), replace=force)
    if as_json:
        print_json(report.to_dict())
        return
    console.print(f"Đã khôi phục / restored: {describe(report)}", highlight=False)
    console.print("Chạy `chiso init` nếu phiên bản mới hơn / run `chiso init` to migrate an older backup")
