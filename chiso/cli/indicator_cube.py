"""`chiso indicators cube compact|status`: the columnar cube dashboards read.

CLI layer: each command calls the same flow as the worker's job (chiso.flows.indicator_jobs); the
compaction reads the SQL values and writes only files, so it needs no actor.
"""

from __future__ import annotations

from pathlib import Path

import typer

from chiso.cli.common import console, guarded, print_json
from chiso.flows import indicator_jobs
from chiso.indicators.columnar import read_manifest
from chiso.indicators.cube import cube_folder

cube_app = typer.Typer(
    help="Khối dữ liệu chỉ tiêu / the indicator cube: compact SQL values into columnar files.",
    no_args_is_help=True,
)

FOLDER = typer.Option(None, "--folder", help="The cube's folder (default: DATA_DIR/indicator_cube).")


@cube_app.command("compact")
@guarded
def compact_command(
    folder: Path | None = FOLDER,
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Fold the values entered in SQL into the cube's files now (the worker does it every 10 minutes)."""
    report = indicator_jobs.compact_cube(folder=folder)
    if report is None:
        message = "Chưa có giá trị chỉ tiêu nào / no indicator values yet: nothing to compact"
        print_json({"ok": True, "compacted": False}) if json_out else console.print(message)
        return
    if json_out:
        print_json({"ok": True, "compacted": True, **report.__dict__})
        return
    console.print(
        f"Thế hệ / generation {report.generation}: viết lại / rewritten {report.rewritten}, "
        f"giữ / kept {report.kept}, {report.rows:,} giá trị / values"
        + ("" if report.changed else " (không có gì mới / nothing new)")
    )


@cube_app.command("status")
@guarded
def status_command(
    folder: Path | None = FOLDER,
    json_out: bool = typer.Option(False, "--json", help="Print the status as JSON."),
) -> None:
    """Show the cube's generation, watermark, indicators and values (or that dashboards read SQL)."""
    where = folder if folder is not None else cube_folder()
    manifest = read_manifest(where)
    if manifest is None:
        data = {"ok": True, "folder": str(where), "columnar": False}
        text = f"Chưa có khối cột ở {where} / no columnar cube: dashboards read SQL"
    else:
        data = {"ok": True, "folder": str(where), "columnar": True, **manifest.to_json()}
        data.pop("fingerprints", None)
        data["files"] = len(manifest.files)
        mark = manifest.watermark.isoformat() if manifest.watermark else "—"
        text = (
            f"{where}: thế hệ / generation {manifest.generation}, {len(manifest.files)} chỉ tiêu / "
            f"indicators, {manifest.rows:,} giá trị / values, mốc / watermark {mark}"
        )
    print_json(data) if json_out else console.print(text)
