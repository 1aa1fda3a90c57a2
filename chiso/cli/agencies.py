"""`chiso agencies ...`: list, show, groups, import, export: thin commands over the units room's services.

CLI layer: parses options, opens one transaction, calls the same service functions as the web.
"""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.cli.common import console, err_console, fmt_day, guarded, parse_date, print_json, print_table
from chiso.errors import InvalidInput, NotFound
from chiso.store import session_scope
from chiso.units.agencies import describe_agency, search_agencies
from chiso.units.agency_export import export_agencies
from chiso.units.agency_history import get_agency_history
from chiso.units.agency_import import import_agencies
from chiso.units.groups import agency_groups, list_groups

app = typer.Typer(
    help="Cơ quan, đơn vị được đánh giá và nhóm so sánh / agencies, their history and peer groups.",
    no_args_is_help=True,
)

_KIND_VI = {
    "department": "sở, ban, ngành",
    "central": "cơ quan TW",
    "district": "UBND cấp huyện",
    "commune": "UBND cấp xã",
    "other": "khác",
}
_LINK_VI = {"rename": "đổi tên", "merge": "sáp nhập", "split": "chia tách"}
MAX_PROBLEMS_SHOWN = 100


def _require_store(session: Session) -> None:
    """Stop with one clear message when the database has no agency tables yet."""
    if not inspect(session.get_bind()).has_table("agencies"):
        raise NotFound(
            "Cơ sở dữ liệu chưa được khởi tạo: hãy chạy `chiso init` (hoặc `chiso demo`)",
            "The database is not initialised: run `chiso init` (or `chiso demo`)",
        )


@app.command("list")
@guarded
def list_command(
    q: str | None = typer.Option(
        None, "--q", help="Words of the name (accents optional) or part of the code."
    ),
    kind: str | None = typer.Option(None, help="department, central, district, commune or other."),
    province: str | None = typer.Option(None, "--province", help="Province code, e.g. 48."),
    on: str | None = typer.Option(None, help="Only agencies valid on this date (YYYY-MM-DD)."),
    group: str | None = typer.Option(None, help="Peer group code (SBN, TW, QH, PX) or PERIOD:CODE."),
    period: str | None = typer.Option(None, help="Period of --group, e.g. 2026."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List agencies in Vietnamese alphabetical order, searching without accents."""
    on_date = parse_date(on)

    with session_scope() as session:
        _require_store(session)
        found = search_agencies(
            session, q=q, kind=kind, province_code=province, on=on_date, group=group, period=period
        )
        rows = [describe_agency(a) for a in found]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ("Mã / code", "Tên / name", "Loại / kind", "Hiệu lực / valid"),
        (
            (
                r.code,
                r.name_vi,
                _KIND_VI.get(r.kind, r.kind),
                f"{fmt_day(r.valid_from)} - {fmt_day(r.valid_to)}",
            )
            for r in rows
        ),
        title=f"{len(rows)} cơ quan, đơn vị / agencies",
    )


@app.command("show")
@guarded
def show_command(
    code: str = typer.Argument(..., help="Agency code, e.g. DNG.SO.KHCN."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one agency with its predecessors, successors and peer groups."""
    with session_scope() as session:
        _require_store(session)
        history = get_agency_history(session, code=code)
        groups = agency_groups(session, code=code)
    if as_json:
        print_json(history.model_dump(mode="json") | {"groups": [g.model_dump(mode="json") for g in groups]})
        return
    a = history.agency
    console.print(f"[bold]{a.name_vi}[/] ({a.code})" + (f" - {a.name_en}" if a.name_en else ""))
    console.print(f"Loại / kind: {_KIND_VI.get(a.kind, a.kind)}; tỉnh / province: {a.province_code}")
    console.print(f"Hiệu lực / valid: {fmt_day(a.valid_from)} - {fmt_day(a.valid_to)}")
    if a.parent_code:
        console.print(f"Cấp trên / parent: {a.parent_name} ({a.parent_code})")
    if a.unit_code:
        console.print(f"Đơn vị hành chính / unit: {a.unit_name} ({a.unit_code})")
    for title, links, other in (
        ("Tiền thân / predecessors", history.predecessors, "predecessor"),
        ("Kế thừa / successors", history.successors, "successor"),
    ):
        if not links:
            continue
        print_table(
            ("Ngày / date", "Thay đổi / change", "Mã / code", "Tên / name", "Bậc / depth"),
            (
                (
                    fmt_day(h.effective_on),
                    f"{_LINK_VI.get(h.kind, h.kind)} / {h.kind}",
                    getattr(h, f"{other}_code"),
                    getattr(h, f"{other}_name"),
                    str(h.depth),
                )
                for h in links
            ),
            title=title,
        )
    if groups:
        console.print("Nhóm / groups: " + ", ".join(f"{g.period}:{g.code} ({g.name_vi})" for g in groups))


@app.command("groups")
@guarded
def groups_command(
    province: str | None = typer.Option(None, "--province", help="Province code, e.g. 48."),
    period: str | None = typer.Option(None, help="Period, e.g. 2026."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (with member codes)."),
) -> None:
    """List the peer groups per province and period with their number of members."""
    with session_scope() as session:
        _require_store(session)
        groups = list_groups(session, province_code=province, period=period)
    if as_json:
        print_json([g.model_dump(mode="json") for g in groups])
        return
    print_table(
        ("Tỉnh / province", "Kỳ / period", "Mã / code", "Tên / name", "Số cơ quan / members"),
        ((g.province_code, g.period, g.code, g.name_vi, str(len(g.member_codes))) for g in groups),
        title="Nhóm so sánh / peer groups",
    )


@app.command("import")
@guarded
def import_command(
    file: Path = typer.Argument(..., help="A .csv (UTF-8, UTF-8 with BOM or Windows-1258) or .xlsx file."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file and count changes; write nothing."),
    period: str | None = typer.Option(None, help="Period of group codes written without one, e.g. 2026."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import agencies from a CSV or Excel file: every row is checked, then all are written or none."""
    try:
        with session_scope() as session:
            _require_store(session)
            report = import_agencies(session, actor=SYSTEM, path=file, dry_run=dry_run, period=period)
    except InvalidInput as exc:
        if len(exc.problems) > MAX_PROBLEMS_SHOWN:
            shown = list(exc.problems[:MAX_PROBLEMS_SHOWN])
            err_console.print(
                f"(hiển thị {MAX_PROBLEMS_SHOWN}/{len(exc.problems)} lỗi đầu / "
                f"showing the first {MAX_PROBLEMS_SHOWN} of {len(exc.problems)} problems)"
            )
            raise InvalidInput(exc.message_vi, exc.message_en, shown) from None
        raise
    if as_json:
        print_json(report.to_dict())
        return
    verb = "Sẽ / would" if dry_run else "Đã / done"
    console.print(
        f"{verb}: {len(report.created)} mới / created, {len(report.updated)} cập nhật / updated, "
        f"{report.unchanged} không đổi / unchanged; liên kết / links +{report.links_added} "
        f"-{report.links_removed}; thành viên nhóm / group members +{report.members_added} "
        f"-{report.members_removed}"
        + (
            f"; nhóm mới / new groups: {', '.join(report.groups_created)}" if report.groups_created else ""
        )  # fmt: skip
    )
    if dry_run:
        console.print("Chạy thử: không có gì được ghi / dry run: nothing was written")


@app.command("export")
@guarded
def export_command(
    file: Path = typer.Argument(..., help="Target .csv (UTF-8 with BOM) or .xlsx file."),
    province: str | None = typer.Option(None, "--province", help="Only this province, e.g. 48."),
) -> None:
    """Export agencies, links and group memberships to a file that `chiso agencies import` reads back."""
    with session_scope() as session:
        _require_store(session)
        count = export_agencies(session, path=file, province_code=province)
    console.print(f"Đã xuất {count} cơ quan vào / exported {count} agencies to {file}")
