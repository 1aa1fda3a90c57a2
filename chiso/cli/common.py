"""Shared CLI plumbing: the Rich console, the one error handler, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import typer
from rich.console import Console

from chiso.errors import ChisoError

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")


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


def print_json(data: Any) -> None:
    """Write `data` as JSON to stdout (for --json)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
