"""`chiso indicators ...`: a minimal app mounting the values commands (the catalogue's owner replaces it).

CLI layer.
"""

from __future__ import annotations

import typer

from chiso.cli.indicator_values import values_app

app = typer.Typer(help="Danh mục chỉ tiêu / the indicator catalogue and its values.", no_args_is_help=True)
app.add_typer(values_app, name="values")
