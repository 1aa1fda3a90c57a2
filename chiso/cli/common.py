"""Shared CLI plumbing: the Rich console, the one error handler, one transaction, JSON output, tables,
written files, dates, progress."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from chiso.errors import ChisoError
from chiso.store import session_scope

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")
P = ParamSpec("P")
ProgressFn = Callable[[str, int, int], None]


@dataclass
class _State:
    debug: bool = False


state = _State()


def run_guarded(fn: Callable[[], T]) -> T:
    """Run a command body; a ChisoError becomes one message on stderr and exit code 1."""
    try:
        return fn()
    except ChisoError as exc:
        if state.debug:
            raise
        err_console.print(f"[bold red]Lỗi / Error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err_console.print("Đã dừng / interrupted")
        raise typer.Exit(130) from None


def guarded(command: Callable[P, None]) -> Callable[P, None]:
    """Decorate a command (under `@app.command`) so that its body runs through `run_guarded`."""

    @functools.wraps(command)
    def guarded_command(*args: P.args, **kwargs: P.kwargs) -> None:
        run_guarded(lambda: command(*args, **kwargs))

    return guarded_command


def in_session(service: Callable[..., T], /, *, rollback: bool = False, **options: Any) -> T:
    """Call `service(session, **options)` in one transaction and return its answer.

    The transaction commits on success; `rollback=True` (a --dry-run) undoes whatever the service wrote.
    """
    with session_scope() as session:
        answer = service(session, **options)
        if rollback:
            session.rollback()
    return answer


def write_file(path: Path, data: bytes, *, note: str = "") -> None:
    """Write a command's output file and say so: `Đã ghi / written: PATH` and the note."""
    path.write_bytes(data)
    console.print(f"Đã ghi / written: {path}{note}")


def print_json(data: Any) -> None:
    """Write `data` as JSON to stdout (for --json)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_table(
    columns: Iterable[str], rows: Iterable[Sequence[str]], *, title: str | None = None, **column: Any
) -> None:
    """Print a Rich table of text cells; `column` options (e.g. overflow="fold") apply to every column."""
    table = Table(title=title)
    for name in columns:
        table.add_column(name, **column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def parse_date(value: str | None) -> date | None:
    """Return the date of a YYYY-MM-DD or DD/MM/YYYY option, None when it is empty.

    Raises:
        typer.BadParameter: the text is not a date in either form (a usage error, exit code 2).
    """
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise typer.BadParameter(f"'{value}': ngày phải có dạng YYYY-MM-DD hoặc DD/MM/YYYY / use YYYY-MM-DD")


def fmt_day(day: date | None) -> str:
    """Return a date as DD/MM/YYYY, "…" for an open end."""
    return f"{day:%d/%m/%Y}" if day else "…"


def progress_bar(*, disable: bool = False, transient: bool = True, elapsed: bool = True) -> Progress:
    """Return the CLI's progress bar: a description, the bar, done/total and (by default) the time taken."""
    columns: list[ProgressColumn] = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    if elapsed:
        columns.append(TimeElapsedColumn())
    return Progress(*columns, console=console, transient=transient, disable=disable)


@contextmanager
def step_progress(
    first: str, *, describe: Callable[[str], str], total: int | None = None, disable: bool = False
) -> Iterator[ProgressFn]:
    """Show one transient bar and yield the `progress(step, done, total)` callback the services take."""
    with progress_bar(disable=disable) as bar:
        task = bar.add_task(first, total=total)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=describe(step), completed=done, total=total)

        yield progress
