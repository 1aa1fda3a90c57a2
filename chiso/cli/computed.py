"""`chiso computed ...`: the computed (monitoring) values of assessment periods; CLI layer.

Thin commands over chiso.flows.computed, the same flows as the period page's buttons, run as SYSTEM.
"""

from __future__ import annotations

from datetime import date

import typer

from chiso.accounts.actors import SYSTEM
from chiso.cli.common import console, guarded, in_session, print_json
from chiso.errors import InvalidInput
from chiso.flows import computed as flow

app = typer.Typer(help="Computed values: monitoring figures in the assessment forms.", no_args_is_help=True)


def _print(reports: list[flow.ComputedReport], as_json: bool) -> None:
    if as_json:
        print_json(
            [vars(r) | {"frozen_at": r.frozen_at.isoformat() if r.frozen_at else None} for r in reports]
        )
        return
    for r in reports:
        state = f"bỏ qua/skipped: {r.skipped}" if r.skipped else f"ghi/written {r.written} / {r.values}"
        frozen = f", chốt/frozen {r.frozen_at:%d/%m/%Y}" if r.frozen_at else ""
        console.print(f"{r.period_code}: {', '.join(r.leaves) or '-'}; {state}{frozen}", highlight=False)


@app.command("refresh")
@guarded
def refresh_command(
    period: str = typer.Argument("", help="The period's code (default: every open period)."),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON."),
) -> None:
    """Recompute the computed values of a period (or every open one) from the record store."""
    if period:
        reports = [in_session(flow.refresh_computed_values, period_code=period, actor=SYSTEM)]
    else:
        reports = in_session(flow.refresh_open_periods, actor=SYSTEM)
    _print(reports, as_json)


@app.command("freeze")
@guarded
def freeze_command(
    period: str = typer.Argument(..., help="The period's code, e.g. DNG-2026."),
    cutoff: str = typer.Option(
        ..., "--cutoff", help="Cut-off date YYYY-MM-DD: records after it do not count."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Freeze a period's computed values at a cut-off date; later ingests leave them alone."""
    try:
        day = date.fromisoformat(cutoff.strip())
    except ValueError:
        raise InvalidInput(
            f"--cutoff '{cutoff}': cần YYYY-MM-DD", f"--cutoff '{cutoff}': expected YYYY-MM-DD"
        ) from None
    report = in_session(flow.freeze_computed_values, period_code=period, cutoff=day, actor=SYSTEM)
    _print([report], as_json)


@app.command("unfreeze")
@guarded
def unfreeze_command(
    period: str = typer.Argument(..., help="The period's code."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Lift a period's freeze: its computed values follow the record store again."""
    report = in_session(flow.unfreeze_computed_values, period_code=period, actor=SYSTEM)
    _print([report], as_json)
