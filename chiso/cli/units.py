"""`chiso units ...`: thin commands over chiso.units.admin (load, list, lineage of administrative units).

CLI layer: parses options, opens one transaction, calls the same service functions as the web.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.cli.common import console, fmt_day, guarded, parse_date, print_json, step_progress
from chiso.config import get_settings
from chiso.errors import NotFound
from chiso.flows.unit_map import upload_map
from chiso.store import session_scope
from chiso.units.admin import LEVELS, get_lineage, list_units
from chiso.units.admin_load import load_admin_units, units_loaded
from chiso.units.schemas import UnitOut
from chiso.units.unit_maps import accept_unit_map

app = typer.Typer(
    help="Đơn vị hành chính trước và sau 1/7/2025 / administrative units and their lineage.",
    no_args_is_help=True,
)

_STEP_VI = {"read": "Đọc dữ liệu / reading", "units": "Đơn vị / units", "lineage": "Kế thừa / lineage"}
_KIND_VI = {"same": "giữ nguyên", "rename": "đổi tên", "merge": "sáp nhập", "partial": "một phần"}
_LEVEL_VI = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


def _check_level(value: str | None) -> str | None:
    if value is not None and value not in LEVELS:
        raise typer.BadParameter(f"'{value}': chọn một trong / choose one of {', '.join(LEVELS)}")
    return value


def _require_units(session: Session) -> None:
    """Stop with one clear message when the database is not initialised or the units are not loaded."""
    bind = session.get_bind()
    if not inspect(bind).has_table("admin_units"):
        raise NotFound(
            "Cơ sở dữ liệu chưa được khởi tạo: hãy chạy `chiso init` rồi `chiso units load` "
            "(hoặc `chiso demo`)",
            "The database is not initialised: run `chiso init`, then `chiso units load` (or `chiso demo`)",
        )
    if not units_loaded(session):
        raise NotFound(
            "Chưa có đơn vị hành chính: hãy chạy `chiso units load` (hoặc `chiso demo`)",
            "No administrative units yet: run `chiso units load` (or `chiso demo`)",
        )


@app.command("load")
@guarded
def load_command(
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Load or refresh the administrative units and their 2025 lineage from the bundled data (idempotent)."""
    with step_progress(
        _STEP_VI["read"], describe=lambda step: _STEP_VI.get(step, step), disable=as_json
    ) as progress:
        with session_scope() as session:
            counts = load_admin_units(session, actor=SYSTEM, progress=progress)
    if as_json:
        print_json(counts)
        return
    c = counts
    console.print(
        f"Đã nạp / loaded: {c['current_province']} tỉnh, {c['current_commune']:,} xã hiện hành "
        f"(current, from 01/07/2025); {c['legacy_province']} tỉnh, {c['legacy_district']} huyện, "
        f"{c['legacy_commune']:,} xã trước 01/07/2025 (legacy); {c['lineage']:,} liên kết kế thừa "
        "(lineage links)."
    )
    console.print(
        f"Thêm mới / inserted {c['units_inserted']:,} đơn vị, {c['lineage_inserted']:,} liên kết; "
        f"cập nhật / updated {c['units_updated'] + c['lineage_updated']:,}; "
        f"xóa / deleted {c['lineage_deleted']:,}."
    )
    for era, text in counts["sources"].items():
        console.print(f"  nguồn / source ({era}): {text}", highlight=False)


@app.command("list")
@guarded
def list_command(
    province: str | None = typer.Option(None, "--province", "-p", help="Province code, e.g. 48 (Đà Nẵng)."),
    on: str | None = typer.Option(
        None, "--on", help="Units valid on this date (YYYY-MM-DD or DD/MM/YYYY); default today."
    ),
    all_eras: bool = typer.Option(False, "--all", help="Units of every era (ignore --on)."),
    level: str | None = typer.Option(
        None, "--level", "-l", callback=_check_level, help="province, district or commune."
    ),
    q: str | None = typer.Option(None, "--q", "-q", help="Accent-insensitive name search ('da nang')."),
    order: str = typer.Option("name", "--order", help="name (Vietnamese alphabetical) or code."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Show at most this many units."),
    as_json: bool = typer.Option(False, "--json", help="Print the units as JSON."),
) -> None:
    """List administrative units valid on a date, by province, level or name."""
    day = None if all_eras else (parse_date(on) or date.today())

    with session_scope() as session:
        _require_units(session)
        units = [
            UnitOut.model_validate(u)
            for u in list_units(session, province_code=province, level=level, on=day, q=q, order=order)
        ]
    total = len(units)
    shown = units[:limit] if limit else units
    if as_json:
        print_json([u.model_dump(mode="json") for u in shown])
        return
    when = "mọi thời kỳ / every era" if day is None else f"hiệu lực ngày / valid on {fmt_day(day)}"
    table = Table(title=f"Đơn vị hành chính / administrative units — {when}", title_justify="left")
    table.add_column("Mã\ncode", no_wrap=True)
    table.add_column("Tên\nname", min_width=20)
    table.add_column("Cấp\nlevel")
    table.add_column("Tỉnh\nprov.", no_wrap=True)
    table.add_column("Thuộc\nparent", no_wrap=True)
    if day is None:
        table.add_column("Hiệu lực\nvalid")
    for unit in shown:
        row = [
            unit.code,
            unit.full_name,
            _LEVEL_VI[unit.level],
            unit.province_code,
            unit.parent_code or "",
        ]
        if day is None:
            row.append(f"{fmt_day(unit.valid_from)}–{fmt_day(unit.valid_to)}")
        table.add_row(*row)
    console.print(table)
    more = f" (hiển thị / shown {len(shown):,})" if len(shown) < total else ""
    console.print(f"{total:,} đơn vị / units{more}")
    if total == 0:
        console.print(
            "Không có đơn vị nào khớp; thử `--all` hoặc một ngày khác với `--on` / "
            "nothing matches; try `--all` or another `--on` date"
        )


@app.command("lineage")
@guarded
def lineage_command(
    code: str = typer.Argument(..., help="Official code: 49 (Quảng Nam), 490 (a district), 20194 (a ward)."),
    level: str | None = typer.Option(
        None, "--level", "-l", callback=_check_level, help="province, district or commune."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the lineage as JSON."),
) -> None:
    """Show what a unit became on 1 July 2025, or which old units a new one came from."""
    with session_scope() as session:
        _require_units(session)
        lineage = get_lineage(session, code=code, level=level)
    if as_json:
        print_json(lineage.model_dump(mode="json"))
        return
    for item in lineage.units:
        unit = item.unit
        console.print(
            f"[bold]{unit.full_name}[/] ({unit.code}, {_LEVEL_VI[unit.level]}/{unit.level}, "
            f"{fmt_day(unit.valid_from)} – {fmt_day(unit.valid_to)})"
        )
        for title, links in (
            ("→ trở thành / became", item.successors),
            ("← hình thành từ / came from", item.predecessors),
        ):
            if not links:
                continue
            table = Table(title=f"{title} ({len(links)})", title_justify="left")
            table.add_column("Mã\ncode", no_wrap=True)
            table.add_column("Tên\nname", min_width=20)
            table.add_column("Cấp\nlevel")
            table.add_column("Quan hệ\nkind")
            table.add_column("Chính\nprimary")
            for link in links:
                table.add_row(
                    link.unit.code,
                    link.unit.full_name,
                    _LEVEL_VI[link.unit.level],
                    f"{_KIND_VI.get(link.kind, link.kind)} / {link.kind}",
                    "✓" if link.is_primary else "",
                )
            console.print(table)
        if not item.successors and not item.predecessors:
            console.print("  không có liên kết kế thừa / no lineage links")


@app.command("map-upload")
@guarded
def map_upload_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="GeoJSON or TopoJSON file."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and match the file; keep nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the match report as JSON."),
) -> None:
    """Upload the commune boundary map that /map draws (checked and matched to units, all or nothing)."""
    data = file.read_bytes()
    limit = get_settings().upload_max_bytes
    with session_scope() as session:
        if dry_run:
            digest = hashlib.sha256(data).hexdigest()
            info, rows = accept_unit_map(
                session, data=data, filename=file.name, sha256=digest, actor=SYSTEM, max_bytes=limit
            )
            session.rollback()
        else:
            info, rows = upload_map(session, data=data, filename=file.name, actor=SYSTEM, max_bytes=limit)
    if as_json:
        print_json({"map": info.model_dump(mode="json"), "features": [r.model_dump() for r in rows]})
        return
    verb = "Chạy thử / dry run" if dry_run else "Đã lưu / saved"
    console.print(f"{verb} {file.name}: {info.matched} / {info.features} đối tượng khớp / matched")
    for r in rows:
        if r.agency_code is None:
            text = f"  #{r.index} {r.label or '—'}: {r.reason_vi} / {r.reason_en}"
            console.print(text, highlight=False)
