"""`chiso worker`, `chiso targets import|export` and `chiso followup evaluate|plans-import|plans-export`.

CLI layer: each command opens a transaction and calls the same services and flows as the web; jobs run
as SYSTEM.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sized
from functools import partial
from pathlib import Path
from typing import TypeVar

import typer

from chiso.accounts.actors import SYSTEM
from chiso.cli.common import console, guarded, in_session, print_json, run_guarded, write_file
from chiso.config import get_settings
from chiso.flows import followup_eval, worker
from chiso.followup import plans_excel, targets_excel
from chiso.followup.settings import get_followup_settings

T = TypeVar("T")
targets_app = typer.Typer(help="Chỉ tiêu / targets: import and export as Excel.", no_args_is_help=True)


def worker_command(
    once: bool = typer.Option(False, "--once", help="Run one pass (jobs and sending) and exit."),
) -> None:
    """Run the follow-up worker: send queued e-mails and webhooks, reminders, escalation, rule evaluation."""
    if once:

        def _run_once() -> None:
            report = worker.run_once()
            if report is None:
                console.print(
                    "Tiến trình khác đang chạy việc nền, không làm gì / another process leads: nothing done"
                )
                return
            console.print(
                f"Đã gửi / sent {report.sent}, thử lại / retry {report.retry}, lỗi / failed {report.failed}"
            )

        run_guarded(_run_once)
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    console.print("chiso worker: Ctrl+C để dừng / to stop")
    worker.run_worker(stop=stop)


@guarded
def evaluate_command(
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Evaluate every target and alert rule now (the worker does it after each ingest and daily)."""
    report = in_session(followup_eval.evaluate_followup, data_dir=get_settings().data_dir)
    if json_out:
        print_json({"statuses": report.statuses, "raised": report.raised, "seconds": report.seconds})
    else:
        console.print(f"Cảnh báo mới / new alerts: {report.raised} ({report.seconds} s)")


def _import_workbook(
    path: Path,
    *,
    dry_run: bool,
    what: str,
    check: Callable[..., Sized],
    save: Callable[..., T],
    said: Callable[[T], str],
) -> None:
    """Import a workbook as SYSTEM, all or nothing; with --dry-run only check it and count its rows."""

    data = path.read_bytes()
    if dry_run:
        rows = check(data, filename=path.name)
        console.print(f"Hợp lệ / valid: {len(rows)} {what} (--dry-run, chưa lưu / not saved)")
        return
    console.print(said(in_session(save, data=data, filename=path.name, actor=SYSTEM)))


@targets_app.command("export")
@guarded
def export_command(path: Path = typer.Argument(..., help="The .xlsx file to write.")) -> None:
    """Write every target to an Excel workbook."""
    write_file(path, in_session(targets_excel.export_targets))


@targets_app.command("import")
@guarded
def import_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="The filled .xlsx workbook."),
    province: str = typer.Option("48", help="The province code of the targets."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row, save nothing."),
) -> None:
    """Import targets from an Excel workbook, all or nothing (create or update by code)."""
    _import_workbook(
        path,
        dry_run=dry_run,
        what="chỉ tiêu / targets",
        check=targets_excel.read_targets,
        save=partial(targets_excel.import_targets, province_code=province),
        said=lambda count: f"Đã nhập / imported: {count} chỉ tiêu / targets",
    )


followup_app = typer.Typer(
    help="Theo dõi chỉ tiêu / follow-up: evaluate targets and alert rules.", no_args_is_help=True
)
followup_app.command("evaluate")(evaluate_command)


@followup_app.command("plans-export")
@guarded
def plans_export_command(
    path: Path = typer.Argument(..., help="The .xlsx file to write."),
    agency: str | None = typer.Option(None, help="Only this agency's items (its code)."),
) -> None:
    """Write the action-plan items and IT projects to an Excel workbook (the import format)."""
    write_file(path, in_session(plans_excel.export_plans, agency_code=agency))


@followup_app.command("plans-import")
@guarded
def plans_import_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="The filled .xlsx workbook."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row, save nothing."),
) -> None:
    """Import plan items from an Excel workbook, all or nothing (a row with an id updates that item)."""
    _import_workbook(
        path,
        dry_run=dry_run,
        what="hạng mục / items",
        check=plans_excel.read_plans,
        save=plans_excel.import_plans,
        said=lambda counts: f"Thêm / added {counts['added']}, cập nhật / updated {counts['updated']}",
    )


def print_mail_hint(host: str, port: int) -> None:
    """Say where the e-mails go (`make run`): the SMTP server, or the outbox page when none is set."""
    settings = get_followup_settings()
    if settings.smtp is None:
        console.print(
            f"E-mail: chưa đặt CHISO_SMTP_URL, thư nằm trong hộp thư đi / no CHISO_SMTP_URL, "
            f"messages wait in the outbox: http://{host}:{port}/notifications/outbox (vanthu)"
        )
    else:
        console.print(f"E-mail: smtp://{settings.smtp.host}:{settings.smtp.port}")
    if settings.worker:
        console.print("Worker: chạy cùng máy chủ / runs inside the server (CHISO_WORKER=0 to turn off)")


def start_worker() -> tuple[threading.Thread, threading.Event] | None:
    """Start the worker thread of `chiso serve` (unless CHISO_WORKER=0)."""
    return worker.start_in_thread()


def stop_worker(started: tuple[threading.Thread, threading.Event] | None) -> None:
    """Stop the worker thread and give its lease up, so another server leads at once."""
    if started is not None:
        thread, stop = started
        stop.set()
        thread.join(timeout=10)
