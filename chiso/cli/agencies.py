"""`chiso agencies ...`: thin commands over the agencies services."""

from __future__ import annotations

import typer

app = typer.Typer(help="agencies", no_args_is_help=True)
