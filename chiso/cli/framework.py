"""`chiso framework ...`: thin commands over the framework services."""

from __future__ import annotations

import typer

app = typer.Typer(help="framework", no_args_is_help=True)
