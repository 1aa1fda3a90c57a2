"""The `chiso` command: one Typer sub-app per domain; commands are thin and call the same services as the web.

Exit codes: 0 ok, 1 user error (a ChisoError: one message, no traceback unless --debug), 2 usage;
each command is decorated with `@guarded` (chiso.cli.common), which gives the message and the code.
Imports sit at the top of each module, as everywhere (issue 9). Importing inside commands bought little:
the report, computed, followup and monitor sub-apps already load pandas, Ibis,
DuckDB and WeasyPrint at the top, so `chiso --help` costs about 5 s either way and the moved imports
add about 0.27 s to it (measured 2026-12-03 on a 2-core machine under load).
"""

from __future__ import annotations

import threading

import typer
import uvicorn
from sqlalchemy.engine import make_url

from chiso.cli import (
    agencies,
    backup,
    computed,
    demo,
    followup,
    framework,
    indicators,
    monitor,
    report,
    score,
    units,
    users,
)
from chiso.cli.common import console, guarded, state
from chiso.cli.demo import print_demo_logins
from chiso.config import get_settings
from chiso.flows import drill766_cube, scorecard
from chiso.store import init_database
from chiso.store.db import ensure_writable_dir

app = typer.Typer(
    name="chiso",
    help="chiso: đo lường, chấm điểm, xếp hạng chuyển đổi số của các cơ quan, đơn vị / "
    "measure, score and rank the digital transformation of a province's agencies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors.")) -> None:
    state.debug = debug


@app.command("init")
@guarded
def init_command() -> None:
    """Create or migrate the database to the newest schema (safe to run twice)."""
    settings = get_settings()
    ensure_writable_dir(settings.data_dir)
    revision = init_database(settings.database_url)
    safe = make_url(settings.database_url).render_as_string(hide_password=True)
    console.print(f"Cơ sở dữ liệu sẵn sàng / database ready: {safe} (revision {revision})")


def _warm_scorecards() -> None:
    """Build the published scorecards' figures and this period's drill-down cubes once, so the first
    visitor does not wait for them."""
    try:
        scorecard.warm_published()
        drill766_cube.warm_current()
    except Exception as exc:  # a warm-up that fails costs only speed: the page builds on demand
        console.print(f"chiso: bỏ qua làm nóng trước / warm-up skipped: {exc}")


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
    workers: int = typer.Option(
        1, envvar="CHISO_WORKERS", min=1, help="Worker processes (one per core suits many concurrent users)."
    ),
) -> None:
    """Serve the web app and its JSON API with uvicorn."""
    console.print(f"chiso: http://{host}:{port}  (Ctrl+C để dừng / to stop)")
    print_demo_logins()
    followup.print_mail_hint(host, port)
    background = None if reload else followup.start_worker()  # one per serve; the leader is elected in the DB
    if not reload and workers == 1:  # the app runs in this process: warm its published-revision cache
        threading.Thread(target=_warm_scorecards, name="chiso-warm", daemon=True).start()
    try:
        uvicorn.run(
            "chiso.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            reload=reload,
            workers=None if reload else workers,
        )
    finally:
        followup.stop_worker(background)


app.add_typer(units.app, name="units")
app.add_typer(agencies.app, name="agencies")
app.add_typer(framework.app, name="framework")
app.add_typer(score.app, name="score")
app.add_typer(monitor.app, name="monitor")
app.add_typer(computed.app, name="computed")
app.add_typer(report.app, name="report")
app.add_typer(users.app, name="users")
app.command("demo")(demo.demo_command)
app.command("backup")(backup.backup_command)
app.command("restore")(backup.restore_command)
app.command("worker")(followup.worker_command)
app.add_typer(followup.targets_app, name="targets")
app.add_typer(followup.followup_app, name="followup")
app.add_typer(indicators.app, name="indicators")


def main() -> None:
    app()
