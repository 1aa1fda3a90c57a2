"""`chiso framework ...`: list, show, check, export, import, diff index frameworks (thin commands).

Imported frameworks live in the library `<data dir>/frameworks` (CHISO_DATA_DIR), listed beside the
built-ins; a reference is a built-in id, `id@version`, a library id (its newest version) or a file.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.tree import Tree

from chiso.cli.common import console, guarded, print_json, print_table
from chiso.config import get_settings
from chiso.errors import InvalidInput
from chiso.flows.frameworks import shown
from chiso.frameworks import (
    BUILTIN_IDS,
    Node,
    check_framework,
    diff_frameworks,
    dump_framework_yaml,
    list_frameworks,
    load_framework,
    node_max,
    save_framework,
)
from chiso.frameworks.diff import CHANGE_LABELS
from chiso.frameworks.excel import read_framework_xlsx, write_framework_xlsx, write_template_xlsx

app = typer.Typer(
    help="Bộ chỉ số: liệt kê, xem, kiểm tra, xuất/nhập Excel, so sánh phiên bản / "
    "index frameworks: list, show, check, Excel export/import, compare versions.",
    no_args_is_help=True,
)


def library_dir() -> Path:
    """Return where the province's imported frameworks live: `<data dir>/frameworks`."""
    return get_settings().frameworks_dir


@app.command("list")
@guarded
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the built-in frameworks and those imported into the library."""
    frameworks = list_frameworks(library_dir())
    rows = [
        {
            "id": f.id,
            "version": f.version,
            "ref": f"{f.id}@{f.version}",
            "source": "builtin" if i < len(BUILTIN_IDS) else "imported",
            "name_vi": f.name_vi,
            "name_en": f.name_en,
            "decision": f.decision,
            "max_points": node_max(f.root()),
            "leaves": len(f.leaves()),
        }
        for i, f in enumerate(frameworks)
    ]
    if as_json:
        print_json(rows)
        return
    print_table(
        (
            "id",
            "version",
            "Nguồn / source",
            "Tên / name",
            "Quyết định / decision",
            "Điểm / max",
            "Tiêu chí / leaves",
        ),
        (
            (
                str(row["id"]),
                str(row["version"]),
                "có sẵn / built-in" if row["source"] == "builtin" else "đã nhập / imported",
                str(row["name_vi"]),
                str(row["decision"]),
                f"{row['max_points']:g}",
                str(row["leaves"]),
            )
            for row in rows
        ),
        title="Bộ chỉ số / frameworks",
    )


@app.command("show")
@guarded
def show_command(
    framework: str = typer.Argument(..., help="Built-in id, id@version, a library id or a YAML file."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole framework as JSON."),
) -> None:
    """Print a framework's tree with the points of every node and each leaf's rule."""
    fw = load_framework(framework, directory=library_dir())
    if as_json:
        print_json(fw.model_dump(mode="json"))
        return
    root = Tree(f"[bold]{fw.id}[/] {fw.version} · {fw.name_vi} · {node_max(fw.root()):g} điểm/points")

    def add(parent: Tree, node: Node) -> None:
        rule = ""
        if node.rule is not None:
            params = {k: v for k, v in node.rule.describe().items() if k != "type" and v is not None}
            rule = f" [dim]{node.rule.type} {params if params else ''}[/]"
        kinds = f" [cyan]({', '.join(node.agency_kinds)})[/]" if node.agency_kinds else ""
        unit = f" [green]{node.entry_unit}[/]" if node.is_leaf else ""
        clip = " [magenta]tối đa/capped[/]" if node.clip else ""
        branch = parent.add(f"{node.code} · {node.name_vi} · {node_max(node):g}{clip}{kinds}{unit}{rule}")
        for child in node.children:
            add(branch, child)

    for node in fw.nodes:
        add(root, node)
    console.print(root)
    if fw.bands:
        console.print(
            "Xếp loại / bands: "
            + "; ".join(
                f"{b.label_vi} [{'' if b.min is None else f'{b.min:g}'}, "
                f"{'' if b.max is None else f'{b.max:g}'})"
                for b in fw.bands
            )
        )


@app.command("check")
@guarded
def check_command(
    path: Path = typer.Argument(..., help="A framework YAML or Excel (.xlsx) file, or a reference."),
    as_json: bool = typer.Option(False, "--json", help="Print the problems as JSON."),
) -> None:
    """Check a framework file and name the exact node path (or sheet, row, column) of every problem."""
    if path.suffix.lower() == ".xlsx":
        try:
            read_framework_xlsx(path)
            problems = []
        except InvalidInput as exc:
            problems = list(exc.problems)
    else:
        problems = check_framework(path, directory=library_dir())
    if as_json:
        print_json({"ok": not problems, "problems": [p.to_dict() for p in problems]})
    elif problems:
        console.print(f"[bold red]{len(problems)} lỗi / problems[/] trong/in {path}:")
        for problem in problems:
            console.print(f"  - {problem}", highlight=False, markup=False)
    else:
        console.print(f"[green]Hợp lệ / valid:[/] {path}")
    if problems:
        raise typer.Exit(1)


@app.command("export")
@guarded
def export_command(
    framework: str = typer.Argument(..., help="Built-in id, id@version, a library id or a YAML file."),
    file: Path = typer.Argument(..., help="The .xlsx workbook to write (or .yaml)."),
) -> None:
    """Write a framework as the Excel annex (one row per criterion), or as YAML."""
    fw = load_framework(framework, directory=library_dir())
    if file.suffix.lower() in (".yaml", ".yml"):
        try:
            file.write_text(dump_framework_yaml(fw), encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(
                f"Không ghi được tệp {file}: {exc.strerror}", f"Cannot write {file}: {exc.strerror}"
            ) from None
    else:
        write_framework_xlsx(fw, file)
    console.print(
        f"Đã xuất / exported {fw.id}@{fw.version} ({len(fw.leaves())} tiêu chí / criteria) → {file}"
    )


@app.command("template")
@guarded
def template_command(file: Path = typer.Argument(..., help="The .xlsx workbook to write.")) -> None:
    """Write the blank Excel annex to fill in, with one example row per kind of criterion."""
    write_template_xlsx(file)
    console.print(f"Đã tạo mẫu / template written: {file}")


@app.command("import")
@guarded
def import_command(
    file: Path = typer.Argument(..., help="The Excel annex (.xlsx) or a YAML file."),
    out: Path | None = typer.Option(
        None, "--out", help="Library directory (default: <data dir>/frameworks)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check and say what would be stored; write nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Import a framework into the library, all of it or nothing; an existing version is never overwritten."""
    is_xlsx = file.suffix.lower() == ".xlsx"
    fw = read_framework_xlsx(file) if is_xlsx else load_framework(str(file))
    result = save_framework(fw, out or library_dir(), dry_run=dry_run)
    if as_json:
        print_json(
            {
                "ref": result.ref,
                "status": result.status,
                "path": result.path,
                "criteria": len(fw.leaves()),
            }
        )
        return
    said = {
        "created": "Đã nhập / imported",
        "dry_run": "Hợp lệ, sẽ nhập (--dry-run) / valid, would import",
        "unchanged": "Đã có, giống hệt / already there, identical",
        "builtin": "Trùng bộ chỉ số có sẵn / identical to the built-in",
    }[result.status]
    where = f" → {result.path}" if result.path else ""
    console.print(f"{said}: {result.ref} ({len(fw.leaves())} tiêu chí / criteria){where}")


@app.command("diff")
@guarded
def diff_command(
    old: str = typer.Argument(..., help="The earlier version: id, id@version or file."),
    new: str = typer.Argument(..., help="The later version: id, id@version or file."),
    as_json: bool = typer.Option(False, "--json", help="Print the diff as JSON."),
) -> None:
    """Compare two versions of a framework criterion by criterion (added, removed, moved, re-weighted...)."""
    directory = library_dir()
    diff = diff_frameworks(load_framework(old, directory=directory), load_framework(new, directory=directory))
    if as_json:
        print_json(diff.to_dict())
        return
    rows = [
        (" / ".join(CHANGE_LABELS[c.kind]), c.code, shown(c.before), shown(c.after)) for c in diff.changes
    ] + [
        ("thiết lập / setting", name, shown(before), shown(after))
        for name, (before, after) in diff.settings.items()
    ]
    print_table(
        ("Thay đổi / change", "Mã / code", "Trước / before", "Sau / after"),
        rows,
        title=f"{diff.old} → {diff.new}",
    )
    console.print(
        f"{len(diff.changes)} thay đổi / changes; {len(diff.comparable())} tiêu chí so sánh được "
        "với năm trước / criteria comparable year on year"
    )
