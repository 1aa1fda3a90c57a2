"""`chiso monitor ...`: thin commands over the monitor services."""

from __future__ import annotations

import typer

app = typer.Typer(help="monitor", no_args_is_help=True)
