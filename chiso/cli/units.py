"""`chiso units ...`: thin commands over the units services."""

from __future__ import annotations

import typer

app = typer.Typer(help="units", no_args_is_help=True)
