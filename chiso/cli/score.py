"""`chiso score ...`: thin commands over the score services."""

from __future__ import annotations

import typer

app = typer.Typer(help="score", no_args_is_help=True)
